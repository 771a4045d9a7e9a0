"""Keep notifier URLs' secrets out of every output, log line, error and stored file.

An apprise URL carries its secret wherever the service puts it: a password
(``mailtos://user:PASSWORD@host``), a token in place of the host
(``discord://WEBHOOK_ID/WEBHOOK_TOKEN``, ``tgram://BOT_TOKEN/CHAT``), webhook path
segments (``https://hooks.slack.com/services/T…/B…/SECRET``), a user that is really an
API key, or a query value (``?token=…``, ``?+Authorization=Bearer …``). So
:func:`mask` is deliberately blunt, and needs no knowledge of the service:

- the scheme, a port, and a host that *looks like a host name* (a dotted name ending
  in letters, an IP address, ``localhost``) are kept;
- the user, the password, a host that is not a host name, every path segment and
  the fragment become ``***``;
- query keys are kept; their values are kept only for a short list of keys that
  are settings, not secrets (``format``, ``mode``, ``from``, ``to``, …).

``mailto://127.0.0.1:2525?from=a@example.com&to=b@example.com&mode=insecure`` stays
readable; ``json://user:pw@127.0.0.1:8080/hooks/T0KEN?+X-Key=abc`` shows as
``json://***:***@127.0.0.1:8080/***/***?+X-Key=***``.

A URL is identified in stored files by :func:`url_id` (the SHA-256 of the URL) and
resolved back to the real URL from the current configuration when it is used.

Values from ``${NAME}`` are masked by *value*, wherever they sit (a path segment, a
query value under any key, inside an exception's message): ``listwatch.config`` records
every value it substitutes (``Config.secrets``, :data:`MIN_SECRET` characters or more:
shorter ones would mask ordinary words) and makes them the process's active values
(:func:`use`); :func:`redact` replaces each, in every encoding it may take in text
(raw, percent-encoded, ``+`` for space, JSON-escaped), by ``***``. Every place text
leaves listwatch calls it: the command line's stderr and stdout, stored snapshots'
``source.location`` (via ``listwatch.fetching.display``), ``on_error`` bodies and
apprise's log lines. A module-level set rather than an argument because text is made
in threads and modules that never see the config (a fetch's exception message).

:class:`Redactor` cleans text that listwatch did not write itself (apprise's log
lines, exception messages): every configured URL, then every secret part of one,
is replaced by its masked form.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote

MASK = "***"

# Query keys whose values are settings a reader needs, never secrets.
PUBLIC_KEYS = frozenset({
    "format", "overflow", "mode", "from", "to", "cc", "bcc", "name", "smtp", "cto", "rto",
    "retry", "wait", "verify", "method", "image", "emojis", "priority", "tz", "lang", "reply",
    "optional", "footer", "batch", "discovery",
})
_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                       r"[a-z]{2,63}\.?$", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,30}://[^\s'\"<>]+")
_MIN_FRAGMENT = 4  # shorter secret parts are not searched for in free text
MIN_SECRET = 4  # values from ${NAME} shorter than this are not searched for

_active: tuple[str, ...] = ()  # the current config's values from ${NAME}, as forms


def forms(value: str) -> set[str]:
    """The ways ``value`` may show in text: raw, percent-encoded, ``+``-encoded,
    JSON-escaped (quotes, backslashes, non-ASCII), lower-cased, and as an id slug."""
    from ..text import slug

    found = {value, quote(value, safe=""), quote(value, safe="/:@"), quote_plus(value),
             json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             value.casefold(), slug(value)}  # ids made from it (a table's list id)
    return {f for f in found if len(f) >= MIN_SECRET}


def _prepare(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({f for v in values if len(v) >= MIN_SECRET for f in forms(v)},
                        key=len, reverse=True))


def use(values: Iterable[str]) -> None:
    """Make ``values`` (a config's ``secrets``) what :func:`redact` masks by default."""
    global _active
    _active = _prepare(values)


def redact(text: str, values: Iterable[str] | None = None) -> str:
    """``text`` with every value from ``${NAME}`` (default: the active config's, see
    :func:`use`) replaced by ``***``, in any of its :func:`forms`."""
    if not text:
        return text
    for form in _active if values is None else _prepare(values):
        if form in text:
            text = text.replace(form, MASK)
    return text


def url_id(url: str) -> str:
    """The stable identifier of a notifier URL in stored files (hex SHA-256)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _is_host(host: str) -> bool:
    if host.lower() == "localhost" or _HOSTNAME.match(host):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _split(url: str) -> dict | None:
    """The parts of ``scheme://user:password@host:port/path?query#fragment``, by hand:
    apprise URLs are often not valid for urllib (tokens where a port should be)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return None
    rest, _, fragment = rest.partition("#")
    rest, qmark, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    host, port = hostport, ""
    m = re.fullmatch(r"(\[[^\]]*\]|[^:]*):(\d{1,5})", hostport)
    if m:
        host, port = m.group(1), m.group(2)
    return {"scheme": scheme, "user": user if at else None,
            "password": password if at and colon else None, "host": host, "port": port,
            "path": [s for s in path.split("/")] if slash else None,
            "query": query if qmark else None, "fragment": fragment or None}


def mask(url: str) -> str:
    """``url`` with every part that may be secret replaced by ``***`` (see module doc)."""
    p = _split(url.strip())
    if p is None:
        return MASK
    out = f"{p['scheme'].lower()}://"
    if p["user"] is not None:
        out += MASK + (f":{MASK}" if p["password"] is not None else "") + "@"
    if p["host"]:
        out += p["host"] if _is_host(p["host"]) else MASK
    if p["port"]:
        out += f":{p['port']}"
    if p["path"] is not None:
        out += "/" + "/".join(MASK if s else "" for s in p["path"])
    if p["query"] is not None:
        pairs = []
        for pair in p["query"].split("&"):
            key, eq, value = pair.partition("=")
            keep = key.lower() in PUBLIC_KEYS
            pairs.append(key + (("=" + (value if keep else MASK)) if eq else ""))
        out += "?" + "&".join(pairs)
    if p["fragment"]:
        out += "#" + MASK
    return out


def secret_parts(url: str) -> list[str]:
    """The substrings of ``url`` that :func:`mask` hides (raw and percent-decoded)."""
    p = _split(url.strip())
    if p is None:
        return [url]
    parts = [p["user"], p["password"], p["fragment"]]
    if p["host"] and not _is_host(p["host"]):
        parts.append(p["host"])
    parts += p["path"] or []
    for pair in (p["query"] or "").split("&"):
        key, _, value = pair.partition("=")
        if key.lower() not in PUBLIC_KEYS:
            parts.append(value)
    found = set()
    for part in parts:
        if part:
            found.update({part, unquote(part), unquote(part).replace("+", " ")})
    return sorted((s for s in found if len(s) >= _MIN_FRAGMENT), key=len, reverse=True)


class Redactor:
    """Replace configured URLs and their secret parts in free text."""

    def __init__(self, urls: Iterable[str] = ()):
        self.urls = sorted({u for u in urls if u}, key=len, reverse=True)
        self.fragments = sorted({s for u in self.urls for s in secret_parts(u)},
                                key=len, reverse=True)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for url in self.urls:
            if url in text:
                text = text.replace(url, mask(url))
        for fragment in self.fragments:
            if fragment in text:
                text = text.replace(fragment, MASK)
        text = redact(text)
        # any other URL with credentials in it (user:password@)
        return _URL_IN_TEXT.sub(
            lambda m: mask(m.group(0)) if re.search(r"://[^/@\s]*:[^/@\s]*@", m.group(0))
            else m.group(0), text)


def all_urls(config) -> list[str]:
    """Every notifier URL a config names (defaults, on_error, per watch), once each."""
    seen: dict[str, None] = {}
    for url in [*config.notify, *config.on_error,
                *(u for w in config.watches for u in w.notify)]:
        seen.setdefault(url, None)
    return list(seen)
