"""An HTML page that links to the reports (USTR's notorious-markets page, a mirror, a local
file): find the report links, work out each one's edition year, pick one. Pure, no I/O.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

from .text import BadDocument

_SEP = r"[\s_+-]*"
MENTION = re.compile(rf"notorious{_SEP}markets|out{_SEP}of{_SEP}cycle{_SEP}review", re.IGNORECASE)
# Links about a report that are not the report: comment requests, fact sheets, hearings.
NOT_REPORT = re.compile(rf"comment|fact{_SEP}sheet|federal{_SEP}register|rebuttal|hearing|"
                        rf"press{_SEP}release|request{_SEP}for", re.IGNORECASE)
_YEAR = r"((?:19|20)\d{2})"
# The year that names the edition stands right before the title words; a folder year in
# the URL (…/Releases/2026/2025 Notorious Markets List.pdf) is the publication year.
EDITION_YEAR = re.compile(
    rf"(?<!\d){_YEAR}{_SEP}(?:special{_SEP}301{_SEP})?(?:out{_SEP}of{_SEP}cycle{_SEP})?"
    rf"(?:review{_SEP}of{_SEP}(?:the{_SEP})?)?notorious{_SEP}markets", re.IGNORECASE)
OOC_YEAR = re.compile(rf"(?<!\d){_YEAR}{_SEP}(?:special{_SEP}301{_SEP})?out{_SEP}of{_SEP}cycle",
                      re.IGNORECASE)
ANY_YEAR = re.compile(rf"(?<!\d){_YEAR}(?!\d)")


@dataclass
class Link:
    url: str
    text: str
    year: str | None
    pdf: bool
    order: int


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._close()
            attrs = dict(attrs)
            self._href = attrs.get("href")
            self._text = [attrs.get("title") or ""]

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a":
            self._close()

    def _close(self):
        if self._href:
            self.links.append((self._href, " ".join(" ".join(self._text).split())))
        self._href, self._text = None, []

    def close(self):
        super().close()
        self._close()


def resolve(base: str, href: str) -> str:
    """An absolute URL, or a local path when the page itself is a local file."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", base, re.IGNORECASE) and not re.match(r"^[a-z]:[\\/]", base,
                                                                       re.IGNORECASE):
        return urllib.parse.urljoin(base, href)
    parts = urllib.parse.urlsplit(href)
    if parts.scheme:
        return href
    path = urllib.parse.unquote(parts.path)
    if path.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), path))


def edition_of(url: str, text: str) -> str | None:
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    for pattern in (EDITION_YEAR, OOC_YEAR):
        for where in (text, name):
            match = pattern.search(where)
            if match:
                return match.group(1)
    for where in (text, name):
        match = ANY_YEAR.search(where)
        if match:
            return match.group(1)
    return None


def report_links(html: str, base: str) -> list[Link]:
    parser = _Anchors()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001, S110 - keep the links read before a parser error
        pass
    links: list[Link] = []
    seen: set[str] = set()
    for order, (href, text) in enumerate(parser.links):
        if href.startswith(("#", "mailto:", "javascript:")):
            continue
        url = resolve(base, href.strip())
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if (not MENTION.search(f"{text} {urllib.parse.unquote(url)}")
                or NOT_REPORT.search(f"{text} {name}") or url in seen):
            continue
        seen.add(url)
        path = urllib.parse.urlsplit(url).path.lower()
        pdf = path.endswith(".pdf") or bool(re.search(r"\bpdf\b", text, re.IGNORECASE))
        links.append(Link(url, text, edition_of(url, text), pdf, order))
    if any(link.pdf for link in links):
        links = [link for link in links if link.pdf]
    return links


def choose(links: list[Link], edition: str | None) -> Link:
    """The newest edition's report, or the one asked for."""
    dated = [link for link in links if link.year]
    if not links:
        raise BadDocument("no links to Notorious Markets reports on this page")
    if not dated:
        raise BadDocument("links to Notorious Markets reports found, but none says which "
                          "year's edition it is")
    if edition:
        dated = [link for link in dated if link.year == edition]
        if not dated:
            years = ", ".join(sorted({link.year for link in links if link.year}))
            raise BadDocument(f"no link to the {edition} report on this page (linked "
                              f"editions: {years})")
    year = max(link.year for link in dated)
    same = [link for link in dated if link.year == year]
    same.sort(key=lambda link: (not re.search(r"review|list|report", link.text, re.IGNORECASE),
                                link.order))
    return same[0]
