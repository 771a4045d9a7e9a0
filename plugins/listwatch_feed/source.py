"""The ``feed`` source: RSS 0.9x/1.0/2.0 and Atom items as entries.

Bytes come from the core's shared fetcher (timeout, size cap on decompressed bytes,
conditional GET); feedparser only ever sees those bytes, with the DOCTYPE removed
(:mod:`listwatch_feed.xmlsafe`), so it never fetches, reads files or expands entities.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import listwatch
from listwatch import SourceError

from . import FeedInfo, xmlsafe
from .text import fold, plain, shorten, text_of

SUMMARY_CHARS = 500
NAME_CHARS = 300
MAX_ID_CHARS = 256
ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SAX_WHERE = re.compile(r"^<unknown>:(\d+):(\d+):\s*")
_HTML_HEAD = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.I | re.S)
_FEED_LINK = re.compile(rb"<link\b[^>]*\btype=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.I)
_HREF = re.compile(rb"\bhref=[\"']([^\"']+)[\"']", re.I)
_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w:.-]*)")
_BARE_AMP = re.compile(  # CDATA and comments are passed over whole
    rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)", re.S)
_AUTHOR_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")  # RSS: "desk@x.org (Desk)"
_AUTHOR_NAME_EMAIL = re.compile(r"^\s*(.+?)\s*<\S+@\S+>\s*$")  # "Desk <desk@x.org>"


class Feed(FeedInfo):
    """The feed source's work; :class:`listwatch_feed.FeedInfo` holds what it is."""

    def fetch(self, location, options, ctx):
        from listwatch.fetching import display, is_url

        shown = display(location)  # no user:password or secret query values in messages
        matcher = None
        if options.get("mentions_of"):
            matcher = load_matcher(options["mentions_of"], ctx)
        doc = ctx.get(location, accept=ACCEPT)
        parsed = parse(doc, shown, ctx)
        feed_title = text_of(parsed.feed.get("title_detail")) or plain(parsed.feed.get("title"))
        cutoff = None
        if options.get("max_age_days") is not None:
            cutoff = self.now() - timedelta(days=float(options["max_age_days"]))
        keep = [fold(k) for k in options.get("keywords") or []]
        drop = [fold(k) for k in options.get("exclude") or []]
        # relative links resolve against the feed's URL, or for a file the feed's site
        base = doc.location if is_url(doc.location) else parsed.feed.get("link") or ""
        entries, seen, repeats = [], set(), 0
        for number, item in enumerate(parsed.entries, 1):
            entry, full_text = make_entry(item, number, feed_title, base)
            if entry["id"] in seen:
                repeats += 1
                continue
            seen.add(entry["id"])
            if cutoff is not None and published_before(item, cutoff):
                continue
            haystack = fold(entry["name"] + " " + full_text)
            if keep and not any(k in haystack for k in keep):
                continue
            if drop and any(k in haystack for k in drop):
                continue
            if matcher is not None:
                ids = matcher.find(entry["name"], full_text)
                entry["attributes"]["mentions"] = ids
                # the names too, so a report can say which markets a story names
                entry["attributes"]["mentioned"] = [matcher.names[i] for i in ids]
            entries.append(entry)
        warnings = []
        if repeats:
            warnings.append(f"{shown}: {repeats} item(s) repeat an earlier item's id "
                            "and were skipped")
        meta = {"id": listwatch.slug(feed_title) if feed_title else location_id(location)}
        if feed_title:
            meta["title"] = feed_title
        return listwatch.Draft(list=meta, entries=entries, warnings=warnings,
                               unfiltered=len(seen))


def load_matcher(watch: str, ctx):
    from .mentions import Matcher

    snapshot = ctx.latest(watch)
    if snapshot is None:  # the items are still news; they just cannot be linked yet
        ctx.warn(f"mentions_of: watch {watch!r} has no snapshot yet; items are not linked "
                 "to its entries")
        return None
    return Matcher(snapshot.get("entries") or [])


def parse(doc, location: str, ctx):
    """feedparser's result for ``doc``, or SourceError when it is not a usable feed."""
    import feedparser

    data = doc.content
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        raise SourceError(f"{location}: empty document, not a feed")
    try:
        data, declared = xmlsafe.strip_dtd(xmlsafe.to_utf8(data))
    except xmlsafe.UnsafeFeed as exc:
        raise SourceError(f"{location}: not a usable feed: {exc}") from None
    if declared:
        ctx.warn(f"{location}: the feed declares XML entities; they were ignored, "
                 "never expanded")
    data, bare = escape_bare_ampersands(data)
    if bare:
        ctx.warn(f"{location}: {bare} unescaped '&' in the feed, read as text")
    # No content-location: feedparser would resolve relative guids ("12345") against
    # the feed's URL, and ids would change when the feed moves. Links are resolved in
    # make_entry instead.
    headers = {"content-type": _xml_type(doc.content_type)}
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers,
                                  sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 - a parser bug on odd input is still bad input
        raise SourceError(f"{location}: feedparser could not read it: "
                          f"{type(exc).__name__}: {exc}") from None
    version = parsed.get("version") or ""
    problem = _bozo_text(parsed)
    if not version and not parsed.entries:
        raise SourceError(f"{location}: {not_a_feed(data, problem)}")
    if problem and not parsed.entries:
        raise SourceError(f"{location}: malformed feed with no readable items ({problem})")
    if problem:
        n = len(parsed.entries)
        ctx.warn(f"{location}: malformed feed ({problem}); kept the {n} "
                 f"item{'s' if n != 1 else ''} that could be read")
    elif not version:
        ctx.warn(f"{location}: feed type not recognised; kept {len(parsed.entries)} item(s)")
    return parsed


def escape_bare_ampersands(data: bytes) -> tuple[bytes, int]:
    """``AT&T`` → ``AT&amp;T`` outside CDATA and comments: the commonest feed breakage.

    Left alone, it sends feedparser to its loose parser, which turns "AT&T" into "AT&T;".
    """
    count = 0

    def fix(match: re.Match) -> bytes:
        nonlocal count
        if match.group() != b"&":
            return match.group()
        count += 1
        return b"&amp;"

    if b"&" not in data:
        return data, 0
    return _BARE_AMP.sub(fix, data), count


def _xml_type(content_type: str) -> str:
    """Keep the server's charset, but never let feedparser call the body non-XML.

    Servers send feeds as text/html or application/octet-stream all the time; the
    body decides whether it is a feed.
    """
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value.strip('" '):
            return f"application/xml; charset={value.strip(chr(34) + ' ')}"
    return "application/xml"


def _bozo_text(parsed) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if exc is None or type(exc).__name__ == "NonXMLContentType":
        return None
    text = _SAX_WHERE.sub(lambda m: f"line {m[1]}, column {m[2]}: ", str(exc))
    return " ".join(text.split()) or type(exc).__name__


def not_a_feed(data: bytes, problem: str | None) -> str:
    """One line saying what the document is instead of a feed."""
    head = data[:65536]
    if _HTML_HEAD.match(head):
        link = _FEED_LINK.search(head)
        href = _HREF.search(link.group()) if link else None
        hint = (f"; it links to a feed at {html.unescape(href.group(1).decode('utf-8', 'replace'))}"
                if href else "")
        return f"an HTML page, not an RSS or Atom feed{hint}"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return "JSON, not an RSS or Atom feed"
    if stripped.startswith(b"%PDF"):
        return "a PDF document, not an RSS or Atom feed"
    if not stripped.startswith(b"<"):
        return "not an RSS or Atom feed (it does not start with XML markup)"
    root = _ROOT_NAME.search(head)
    if root:
        name = root[1].decode("ascii", "replace")
        return f"not an RSS or Atom feed (the root element is <{name}>)"
    return f"not an RSS or Atom feed ({problem or 'no XML element found'})"


def make_entry(item, number: int, feed_title: str, base: str = "") -> tuple[dict, str]:
    """The entry for one feed item, and the item's full plain text (for filters)."""
    title = text_of(item.get("title_detail")) or plain(item.get("title"))
    link = (item.get("link") or "").strip()
    if item.get("guidislink") and not urlsplit(link).scheme:
        link = ""  # feedparser took a guid such as "12345" for a permalink
    if link and not urlsplit(link).scheme and urlsplit(base).scheme in ("http", "https"):
        link = urljoin(base, link)
    texts = []
    if item.get("summary"):
        texts.append(text_of(item.get("summary_detail")) or plain(item["summary"]))
    for content in item.get("content") or []:
        value = text_of(content)
        if value and all(value not in t for t in texts):
            texts.append(value)
    full_text = " ".join(texts)
    entry: dict[str, Any] = {
        "id": item_id(item, link, title),
        "name": shorten(title, NAME_CHARS) if title else untitled(link, number),
        "urls": [link] if link else [],
        "attributes": {},
        "provenance": {"item": number},
    }
    attributes = entry["attributes"]
    published = iso_date(item)
    if published:
        attributes["published"] = published
    summary = shorten(texts[0] or full_text, SUMMARY_CHARS) if texts else ""
    if summary:
        attributes["summary"] = summary
    authors = item_authors(item)
    if authors:
        attributes["authors"] = authors
    if feed_title:
        attributes["feed"] = feed_title
    return entry, full_text


def item_id(item, link: str, title: str) -> str:
    """guid / Atom id / rdf:about, else the link, else a hash of the title.

    Control characters go and whitespace collapses; an id longer than
    :data:`MAX_ID_CHARS` becomes ``sha256:`` and 32 hex digits of itself, so ids are
    safe single-line strings that stay the same for the same item on every run.
    """
    for candidate in (item.get("id"), link):
        if isinstance(candidate, str):
            value = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", candidate)).split())
            if value:
                if len(value) > MAX_ID_CHARS:
                    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:32]
                return value
    basis = " ".join(title.casefold().split()) or "(untitled)"
    return "title:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def untitled(link: str, number: int) -> str:
    if link:
        parts = urlsplit(link)
        shown = (parts.netloc + parts.path).rstrip("/") or link
        return f"(untitled) {shown[:120]}"
    return f"(untitled item {number})"


def iso_date(item) -> str | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = item.get(field)
        if value:
            try:
                stamp = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
            return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def published_before(item, cutoff: datetime) -> bool:
    stamp = iso_date(item)
    if stamp is None:
        return False  # undated: cannot tell, keep
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) < cutoff


def item_authors(item) -> list[str]:
    """Author names, in feed order.

    An RSS ``<author>desk@news.example (Trade Desk)</author>`` is split here: feedparser's
    own split cuts long top-level domains (name "ple (Trade Desk").
    """
    authors = [a for a in item.get("authors") or [] if isinstance(a, dict)]
    raw = item.get("author")
    match = (_AUTHOR_EMAIL_NAME.match(raw) or _AUTHOR_NAME_EMAIL.match(raw)
             if isinstance(raw, str) else None)
    if match and len(authors) <= 1:
        names = [plain(match.group(1))]
    else:
        names = [plain(a.get("name") or a.get("email") or "") for a in authors]
        if not names and isinstance(raw, str):
            names = [plain(raw)]
    out: list[str] = []
    for name in names:
        if name and name not in out:
            out.append(name)
    return out


def location_id(location: str) -> str:
    parts = urlsplit(location)
    if parts.scheme in ("http", "https"):
        return listwatch.slug((parts.hostname or "") + parts.path)  # never user:password
    return listwatch.slug(PurePosixPath(parts.path or location).stem or location)
