"""Small text helpers shared by the parser: lines, names, domains. Pure, no I/O."""

from __future__ import annotations

import re

from listwatch import SourceError, slug


class BadDocument(SourceError):
    """The document is not a readable Notorious Markets report (message without location)."""


class Report:
    """What a report says: ``title``, ``edition``, ``published``, ``entries``, ``warnings``,
    and ``doubts`` (its self-checks that failed: the parse is likely wrong)."""

    def __init__(self, title, edition, published, entries, warnings, doubts=()):
        self.title, self.edition, self.published = title, edition, published
        self.entries, self.warnings, self.doubts = entries, warnings, list(doubts)


class Line:
    """One line of a page's text layer with the style of its first and last characters."""

    __slots__ = ("text", "page", "size", "bold", "italic", "sup", "skip")

    def __init__(self, text: str, page: int, size: float = 0.0, bold: bool = False,
                 italic: bool = False, sup: int = 0):
        self.text = text          # stripped text as the text layer gives it
        self.page = page          # 1-based PDF page index (what a viewer's #page=N opens)
        self.size = size          # font size of the first character (0: unknown)
        self.bold = bold          # first and last character bold
        self.italic = italic      # first and last character italic/oblique
        self.sup = sup            # trailing characters set smaller (footnote markers)
        self.skip = False         # page furniture: page number, running header/footer

    def __repr__(self) -> str:
        return (f"Line({self.text!r}, {self.page}, size={self.size:g}, bold={self.bold}, "
                f"italic={self.italic}, sup={self.sup})")

    @property
    def clean(self) -> str:
        """The text without trailing superscript footnote markers."""
        return self.text[:-self.sup].rstrip() if self.sup else self.text


# Typographic dashes and the pdfium soft-hyphen marker read as a plain hyphen.
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u00ad": "-", "\x02": "-", "\ufffe": "-", "\u00a0": " "})


def plain(text: str) -> str:
    """Text for matching (not for display): dashes unified, whitespace collapsed."""
    return " ".join(text.translate(_DASHES).split())


def key(text: str) -> str:
    """Case-, quote- and punctuation-insensitive comparison key (the id slug)."""
    return slug(plain(text))


def join_wrapped(parts: list[str]) -> str:
    """Join the lines of a wrapped heading; a line ending in a hyphen continues the word."""
    out = ""
    for part in parts:
        part = part.strip()
        if not out:
            out = part
        elif out.endswith("-") and not out.endswith(" -"):
            out += part
        else:
            out += " " + part
    return out


# A bare page number: "12", "ii", "Page 3 of 40", "- 7 -".
PAGE_NUMBER = re.compile(r"^(?:\d{1,3}|(?-i:[ivxlc]{1,7})|page \d{1,3}(?: of \d{1,3})?|"
                         r"[-–] ?\d{1,3} ?[-–])$", re.IGNORECASE)
_LETTER_RUNS = re.compile(r"[^\W\d_]+")
_PARENS = re.compile(r"\(([^()]*)\)")


def all_caps(text: str) -> bool:
    """Letters are upper case, except one-letter runs (``1337x``) and named domains
    (``SNAPDEAL (snapdeal.com)``)."""
    runs = _LETTER_RUNS.findall(text)
    if not runs:
        return False
    lower = [r for r in runs if len(r) > 1 and not r.isupper()]
    if not lower:
        return True
    if "." not in text or len(lower) > 6:       # prose, not a heading naming a domain
        return False
    runs = _LETTER_RUNS.findall(strip_domains(text))
    return bool(runs) and all(r.isupper() or len(r) == 1 for r in runs)


def without_parens(text: str) -> str:
    return " ".join(_PARENS.sub(" ", text).split()) or text


_ALIAS_PREFIX = re.compile(r"^(?:d/b/a|dba|d\.b\.a\.|a/k/a|aka|a\.k\.a\.|f/k/a|fka|formerly|"
                           r"formerly known as|also known as|doing business as)\s+", re.IGNORECASE)
_INLINE_DBA = re.compile(r"\s(?:D/B/A|A/K/A|F/K/A)\s+(.+)$")


def aliases_and_domains(name: str) -> tuple[list[str], list[str]]:
    """Aliases named in a heading (``(D/B/A X)``, ``(X)``, ``… D/B/A X``) and its domains."""
    aliases: list[str] = []
    domains: list[str] = []
    for inner in _PARENS.findall(name):
        inner = inner.strip()
        found = domains_in(inner)
        if found and not strip_domains(inner).strip(" ,;/&").replace("and", "").strip():
            domains += found
            continue
        alias = _ALIAS_PREFIX.sub("", inner).strip()
        if alias:
            aliases.append(alias)
    outer = _PARENS.sub(" ", name)
    match = _INLINE_DBA.search(outer)
    if match:
        aliases.append(" ".join(match.group(1).split()))
    domains += domains_in(outer)
    return _dedup(aliases), _dedup(domains)


def _dedup(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


# --- domains -------------------------------------------------------------------------------

# Generic TLDs accepted besides any two-letter country code. Prose abbreviations (U.S., e.g.,
# B.V., i.e.) end in one-letter labels and never match.
GENERIC_TLDS = frozenset(["com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "io", "co", "tv", "cc", "me", "ws", "xyz", "site", "online", "club", "top", "live", "app", "shop", "store", "vip", "pro", "cloud", "icu", "fun", "space", "website", "tech", "link", "click", "download", "stream", "watch", "movie", "movies", "film", "video", "tube", "music", "social", "media", "news", "world", "today", "life", "one", "best", "win", "bid", "cam", "lol", "ink", "red", "blue", "pink", "asia", "mobi", "name", "tel", "travel", "zone", "buzz", "mov", "art", "wiki", "page", "host", "press", "plus", "email", "market", "services", "agency", "digital", "global", "network", "systems", "solutions", "studio", "tools", "center", "land", "today", "run", "lat", "moe", "ninja", "rocks", "team", "works", "guru", "bar", "bet", "casino", "games", "game", "porn", "sex", "xxx", "adult", "tickets"])
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EDGE = "\"'“”‘’()[]{}<>«»,;:!?*"


def _host(token: str) -> str | None:
    token = token.strip(_EDGE).lower()
    token = re.sub(r"^[a-z][a-z0-9+.-]*://", "", token)
    token = token.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    token = token.rstrip(".").split(":", 1)[0]
    if "@" in token or "." not in token:
        return None
    labels = token.split(".")
    tld = labels[-1].rstrip("0123456789")     # a footnote marker glued on: 1337x.to2
    if not (tld.startswith("xn--") or (tld.isalpha() and tld.isascii() and
                                        (len(tld) == 2 or tld in GENERIC_TLDS))):
        return None
    labels[-1] = tld
    if not all(_LABEL.match(label) for label in labels[:-1]):
        return None
    if labels[0] == "www" and len(labels) > 2:
        labels = labels[1:]
    return ".".join(labels)


_SENTENCE_GLUE = re.compile(r"(?<=[a-z]\.)(?=[A-Z])")


def domains_in(text: str) -> list[str]:
    """Domain names a text names, lowercase, no scheme/www/path, in order, once each."""
    out: list[str] = []
    for token in plain(text).split():
        if "." not in token:
            continue
        scheme = "://" in token
        # a text layer that lost the space after a full stop: "scale.Dytt8.net"
        parts = [token] if scheme else [p for piece in _SENTENCE_GLUE.split(token)
                                        for p in piece.split("/")]
        for part in parts:
            host = _host(part)
            if host and host not in out:
                out.append(host)
    return out


def strip_domains(text: str) -> str:
    return " ".join(t for t in text.split() if not (("." in t) and _host(t)))


# --- names -----------------------------------------------------------------------------------

_SMALL_WORDS = frozenset(["of", "and", "the", "de", "del", "da", "do", "dos", "das", "la", "el", "y"])


def country_name(heading: str) -> str:
    """A readable country from an ALL-CAPS heading: ``KYRGYZ REPUBLIC`` → ``Kyrgyz Republic``."""
    text = " ".join(heading.split())
    if not all_caps(text):
        return text
    words = []
    for i, word in enumerate(text.split(" ")):
        low = word.lower()
        if i and low in _SMALL_WORDS:
            words.append(low)
            continue
        word = _LETTER_RUNS.sub(lambda m: m[0].capitalize(), low)
        word = re.sub(r"(?<=[’'])S\b", "s", word)   # PEOPLE’S → People’s
        words.append(word)
    return " ".join(words)


_SECOND_LEVEL = frozenset(["co", "com", "net", "org", "ac", "gov", "edu", "or", "ne", "go", "mil"])


def owns(name: str, domain: str) -> bool:
    """Whether a domain's name part matches a heading: thepiratebay.org ↔ THE PIRATE BAY."""
    compact = key(name).replace("-", "")
    labels = [label.replace("-", "") for label in domain.split(".")[:-1]]
    return any(len(label) >= 3 and label not in _SECOND_LEVEL and
               (label in compact or compact in label) for label in labels)
