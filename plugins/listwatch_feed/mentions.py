"""Which entries of another list a piece of text names ("mentions").

Rules:

- An entry is named by its ``name``, each ``alias`` and each URL's host (``taobao.com``).
- Matching is case-insensitive and word-bounded: "VK" is found in "VK's" and "VK.com"
  but not inside "Vkusno". Between the words of a name any short run of spaces or
  punctuation may stand, or none: ``’`` and ``'`` are alike, "Sci-Hub" = "Sci Hub" =
  "SciHub", "AMAZON’S" = "Amazon's".
- Names that are short (three letters or fewer) or made only of common words ("ONE",
  "PRIVATE LAYER") only match text that is not all lower case, so "one" or "vk" or
  "private layer cake" in running prose names nothing while "VK" and "Private Layer" do.
- Derived forms, so stories that shorten a name still link:
  * a generic tail is dropped: "WECHAT E-COMMERCE ECOSYSTEM" → "WeChat",
    "AMAZON’S FOREIGN DOMAINS" → "Amazon", "DOUYIN MALL" → "Douyin";
  * a physical market "Anfu Market, Putian, Fujian Province" → "Anfu Market";
  * "A (D/B/A B) AND C D" → "A", "B", "C D".
  A derived form must be distinctive (five or more letters and digits, at least one
  word that is not common or generic), and is dropped when another entry has the same
  form (then it would be a guess). "BAIDU WANGPAN" therefore never matches plain
  "Baidu": "WANGPAN" is not a generic tail.
- Countries are never matched: a story about "China" does not name every Chinese market.

All forms of all entries go into ONE compiled regular expression, built as a trie of
characters so that the engine does not try hundreds of alternatives at each position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

#: Trailing words that describe what kind of market a name is, not which one.
GENERIC_TAIL = frozenset(["e", "commerce", "ecommerce", "ecosystem", "platform", "platforms", "mall", "malls", "market", "markets", "marketplace", "marketplaces", "bazaar", "bazar", "plaza", "foreign", "domain", "domains", "site", "sites", "website", "websites", "app", "apps", "store", "stores", "shop", "shops", "shopping", "online", "network", "networks", "group", "services", "service"])

#: Words too common to identify a market alone (English and a few trade words).
COMMON = frozenset(["a", "about", "after", "all", "also", "an", "and", "any", "app", "are", "as", "at", "be", "been", "but", "by", "can", "center", "centre", "china", "city", "commerce", "new", "day", "digital", "do", "down", "first", "for", "free", "from", "get", "global", "go", "good", "grand", "group", "has", "have", "he", "her", "his", "home", "hosting", "how", "if", "in", "info", "international", "into", "is", "it", "its", "just", "like", "live", "local", "mall", "market", "media", "mega", "more", "most", "music", "my", "net", "network", "news", "no", "not", "now", "of", "off", "old", "on", "one", "online", "only", "open", "or", "other", "our", "out", "over", "people", "plus", "post", "private", "provider", "public", "regional", "road", "said", "say", "see", "she", "shop", "site", "so", "some", "star", "store", "street", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "time", "to", "top", "trade", "two", "up", "us", "use", "video", "was", "way", "we", "web", "what", "when", "which", "who", "will", "with", "world", "year", "you", "your", "layer", "hosted", "sites", "ads", "best", "center", "central", "east", "west", "north", "south", "square", "plaza", "tower", "building", "great", "golden", "silk"])

SEP = "\x00"
SEP_RE = r"[\W_]{0,3}"
_TOKEN = re.compile(r"[^\W_]+")
_PAREN = re.compile(r"\(([^()]*)\)")
_DBA = re.compile(r"^\s*(?:d\s*/\s*b\s*/\s*a|dba|aka|a\.k\.a\.|formerly|also known as)\b[\s.:]*",
                  re.I)
_AND = re.compile(r"\s+(?:and|&)\s+", re.I)
_POSSESSIVE = re.compile(r"['’]s\b", re.I)


def key(text: str) -> str:
    """The comparable form of a name: letters and digits only, case-folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(_TOKEN.findall(text))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def host(url: str) -> str | None:
    """``https://www.taobao.com/x`` → ``taobao.com``; None unless it looks like a host."""
    url = url.strip().lower()
    url = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url)
    url = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    url = url.split(":", 1)[0]
    if url.startswith("www."):
        url = url[4:]
    return url if "." in url and len(key(url)) >= 5 else None


def _strip_tail(words: list[str]) -> list[str]:
    out = list(words)
    while out and out[-1] in GENERIC_TAIL:
        out.pop()
    return out


def _distinctive(words: list[str], minimum: int = 5) -> bool:
    """Long enough, and at least one word that is not common, generic or a number."""
    return (len("".join(words)) >= minimum
            and any(w not in COMMON and w not in GENERIC_TAIL and not w.isdigit()
                    for w in words))


def _derived(name: str) -> set[tuple[str, ...]]:
    """Shorter forms a story may use for ``name`` (see the module docstring)."""
    parts = [name]
    if "," in name:  # "Anfu Market, Putian, Fujian Province"
        parts.append(name.split(",", 1)[0])
    for inner in _PAREN.findall(name):  # "(D/B/A OPEN PROVIDER)"
        parts.append(_DBA.sub("", inner))
    bare = _PAREN.sub(" ", name)
    pieces = _AND.split(bare)
    if len(pieces) > 1 and all(len(tokens(p)) >= 2 for p in pieces):
        parts.extend(pieces)
    parts.append(bare)
    forms = set()
    for part in parts:
        words = tokens(_POSSESSIVE.sub("", part))
        for candidate in (words, _strip_tail(words)):
            if candidate and _distinctive(candidate):
                forms.add(tuple(candidate))
    return forms


class Matcher:
    """Finds the entries of one snapshot that a text names.

    >>> m = Matcher([{"id": "online/vk", "name": "VK"}])
    >>> m.find("VK and Vkusno")
    ['online/vk']
    """

    def __init__(self, entries: Iterable[dict[str, Any]]):
        explicit: dict[str, set[str]] = {}
        derived: dict[str, set[str]] = {}
        forms: dict[str, tuple[str, ...]] = {}
        lenient: set[str] = set()  # keys that may match all-lowercase text
        self.names: dict[str, str] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            eid, name = entry["id"], entry.get("name")
            self.names[eid] = name if isinstance(name, str) else eid
            aliases = entry.get("aliases") or []
            names = [name] + ([aliases] if isinstance(aliases, str) else list(aliases))
            for text in names:
                if not isinstance(text, str):
                    continue
                words = tokens(text)
                if not words:
                    continue
                k = "".join(words)
                explicit.setdefault(k, set()).add(eid)
                forms[k] = tuple(words)
                if len(k) > 3 and _distinctive(words, minimum=4):
                    lenient.add(k)
                for form in _derived(text):
                    derived.setdefault("".join(form), set()).add(eid)
                    forms.setdefault("".join(form), form)
            for url in entry.get("urls") or []:
                h = host(url) if isinstance(url, str) else None
                if h:
                    k = key(h)
                    explicit.setdefault(k, set()).add(eid)
                    forms[k] = tuple(tokens(h))
                    lenient.add(k)
        self.ids: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in explicit.items()}
        for k, owners in derived.items():
            if k in self.ids or len(owners) != 1:
                continue  # an entry's own name wins; a form two entries share is a guess
            self.ids[k] = frozenset(owners)
            lenient.add(k)
        self.lenient = frozenset(lenient)
        self.regex = _compile([forms[k] for k in self.ids]) if self.ids else None

    def find(self, *texts: str) -> list[str]:
        """Sorted ids of the entries named anywhere in ``texts``."""
        found: set[str] = set()
        if self.regex is None:
            return []
        for text in texts:
            if not text:
                continue
            for match in self.regex.finditer(unicodedata.normalize("NFKC", text)):
                seen = match.group()
                k = key(seen)
                owners = self.ids.get(k)
                if owners is None:
                    continue
                if k not in self.lenient and seen == seen.lower():
                    continue
                found |= owners
        return sorted(found)


def _compile(forms: list[tuple[str, ...]]) -> re.Pattern[str]:
    """One regex for all forms: a character trie, longest match first, word-bounded."""
    trie: dict = {}
    for words in forms:
        node = trie
        for char in SEP.join(words):
            node = node.setdefault(char, {})
        node[""] = True  # end of a form
    return re.compile(r"(?<!\w)" + _render(trie) + r"(?!\w)", re.IGNORECASE)


def _render(node: dict) -> str:
    out = []
    while True:  # a chain of single characters needs no group (and no recursion)
        chars = sorted(c for c in node if c)
        final = "" in node
        if not chars:
            return "".join(out)
        if len(chars) == 1 and not final:
            out.append(_atom(chars[0]))
            node = node[chars[0]]
            continue
        branches = [_atom(c) + _render(node[c]) for c in chars]
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if final:  # the longer forms are tried first, this one if they fail
            body = "(?:" + body + ")?"
        out.append(body)
        return "".join(out)


def _atom(char: str) -> str:
    return SEP_RE if char == SEP else re.escape(char)
