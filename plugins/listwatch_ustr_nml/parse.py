"""Pages of styled lines → the report's list metadata, entries, warnings and doubts (failed
self-checks, see checks.py). Pure, no I/O.

The body is walked between the "Online Markets", "Physical Markets" and "Public Information"
headings (found after the table of contents, and after the "Results of …" heading when there
is one), so Issue Focus subheadings and markets named in Positive Developments never count.
A market heading is a line set apart from the body text by its font (bold, italic or larger;
when the text layer has no usable font data, by its capitals); wrapped headings are joined.
Footnote lines (smaller than the body text), bare page numbers and running headers/footers
are never headings and never prose.
"""

from __future__ import annotations

import re
from collections import Counter

from . import checks
from . import toc as tocmod
from .entries import entries as make_entries
from .text import (
    PAGE_NUMBER,
    BadDocument,
    Line,
    Report,
    all_caps,
    join_wrapped,
    key,
    plain,
)

SECTIONS = ("online markets", "physical markets", "public information")


class Heading:
    __slots__ = ("name", "page", "prose", "country")

    def __init__(self, name: str, page: int | None, country: str | None = None):
        self.name, self.page, self.country = name, page, country
        self.prose: list[str] = []


def parse(pages: list[list[Line]]) -> Report:
    lines = [line for page in pages for line in page if line.text]
    furniture = _furniture(pages)
    page_number = PAGE_NUMBER.match
    for line in lines:
        line.skip = bool(len(line.text) < 16 and page_number(line.text)) or (
            bool(furniture) and _furniture_key(line.text) in furniture)

    if len({(round(line.size), line.bold, line.italic) for line in lines}) <= 1:
        _footnotes_by_position(pages)     # no font data to tell footnotes apart

    def skip(line: Line) -> bool:
        return line.skip

    toc = tocmod.parse_toc(lines, skip)
    title = tocmod.find_title(pages, lines[toc.end:toc.end + 4000])
    if title is None:
        raise BadDocument("not a Notorious Markets report: no \u201cReview of Notorious "
                          "Markets\u201d title on its first pages")
    p = _Parser(lines, skip, toc, tocmod.page_offset(pages))
    p.sections()
    online = p.online()
    physical = p.physical()
    if not online and not physical:
        raise BadDocument("no market headings found between \u201cOnline Markets\u201d and "
                          "\u201cPublic Information\u201d; the report's layout may have changed")
    entries = make_entries(online, physical, p.warnings)
    p.check_counts(len(online), len(physical))
    p.doubts += checks.headings([("online market", h.name) for h in online] + [
        ("physical market", h.name) for h in physical] + [
        ("country", c) for c in dict.fromkeys(h.country for h in physical if h.country)])
    return Report(title.title, title.edition, title.published, entries, p.warnings, p.doubts)


_DIGITS = re.compile(r"\d+")
_NOTE_START = re.compile(r"^\d{1,3} (?:[A-Z“\"]|Id\.)")


def _footnotes_by_position(pages: list[list[Line]]) -> None:
    """Without font sizes: from a line like "12 See …" in the lower part of a page to the
    page's end, lines are footnote text."""
    for lines in pages:
        start = int(len(lines) * 0.6)
        for i in range(start, len(lines)):
            if _NOTE_START.match(lines[i].text):
                for line in lines[i:]:
                    line.skip = True
                break


def _furniture_key(text: str) -> str:
    return _DIGITS.sub("#", text.casefold())


def _furniture(pages: list[list[Line]]) -> set[str]:
    """Running headers/footers: the same first/last lines on many pages."""
    seen: Counter = Counter()
    for lines in pages:
        texts = [line.text for line in lines if line.text]
        seen.update({_furniture_key(t) for t in texts[:2] + texts[-2:]})
    need = max(3, int(0.3 * len(pages)))
    return {k for k, n in seen.items() if n >= need and k != "#"}


class _Parser:
    def __init__(self, lines: list[Line], skip, toc: tocmod.Toc, offset: int | None):
        self.lines, self.skip, self.toc, self.offset = lines, skip, toc, offset
        self.warnings: list[str] = []
        self.doubts: list[str] = []         # "this parse is wrong": see checks.py

    def printed(self, page: int) -> int | None:
        return None if self.offset is None else page - self.offset

    # --- sections -------------------------------------------------------------------------

    def _find(self, name: str, start: int, styled_only: bool) -> int | None:
        for i in range(start, len(self.lines)):
            line = self.lines[i]
            if len(line.text) > len(name) + 8:
                continue
            text = plain(line.clean).casefold().rstrip(":")
            if re.sub(r"\d{1,2}$", "", text) == name and (not styled_only or self.styled(line)):
                return i
        return None

    def sections(self) -> None:
        start = self.toc.end
        for i in range(start, len(self.lines)):
            if _RESULTS.match(plain(self.lines[i].text)):
                start = i
                break
        self.body = self._style(start, start + 3000)
        found: dict[str, int] = {}
        at = start
        for name in SECTIONS:
            index = self._find(name, at, True)
            if index is None:
                index = self._find(name, at, False)
            if index is None:
                break
            found[name] = at = index
        if "online markets" not in found:
            raise BadDocument("not a Notorious Markets report: no \u201cOnline Markets\u201d "
                              "section after the table of contents")
        if "physical markets" not in found:
            raise BadDocument("no \u201cPhysical Markets\u201d section after \u201cOnline "
                              "Markets\u201d; the document may be truncated")
        if "public information" not in found:
            self.doubts.append("no \u201cPublic Information\u201d section after the physical "
                                 "markets; the document may be truncated")
            found["public information"] = len(self.lines)
        self.online_at = found["online markets"]
        self.physical_at = found["physical markets"]
        self.end = found["public information"]
        self.body = self._style(self.online_at, self.end)

    def _style(self, start: int, end: int | None = None) -> tuple[float, bool, bool]:
        """The body text style (size, bold, italic): the most common by characters."""
        count: Counter = Counter()
        for line in self.lines[start:end]:
            if not self.skip(line):
                count[(round(line.size * 2) / 2, line.bold, line.italic)] += len(line.text)
        return count.most_common(1)[0][0] if count else (0.0, False, False)

    def small(self, line: Line) -> bool:
        size = self.body[0]
        return bool(size and line.size and line.size < size * 0.92)

    def styled(self, line: Line) -> bool:
        size, bold, italic = self.body
        if self.small(line):
            return False
        return (line.bold and not bold) or (line.italic and not italic) or bool(
            size and line.size >= size * 1.08)

    def _font_helps(self, start: int, end: int) -> bool:
        """Whether headings are set apart by font here: most short ALL-CAPS lines (market or
        country headings) are styled. Else headings are told by their capitals alone."""
        caps = [line for line in self.lines[start:end] if not self.skip(line)
                and len(line.text) < 120 and all_caps(line.clean) and _name_like(line.clean)]
        return bool(caps) and sum(map(self.styled, caps)) * 2 >= len(caps)

    # --- online ---------------------------------------------------------------------------

    def online(self) -> list[Heading]:
        start, end = self.online_at + 1, self.physical_at
        fonts = self._font_helps(start, end)
        toc_keys = {key(name) for name, _ in self.toc.online}
        # Without font data, ALL-CAPS prose ("HOSTING CONCEPTS … is a registrar") looks like
        # a heading: when the TOC lists the markets, only its names are headings then.
        strict = bool(toc_keys) and not fonts

        def is_heading(line: Line) -> bool:
            text = line.clean
            if fonts and not self.styled(line):
                return False
            if strict:
                return _name_like(text)
            if all_caps(text) or key(text) in toc_keys:
                return _name_like(text)
            return False

        found = self._walk(start, end, is_heading, toc_keys, strict=strict)
        return self._cross_check(found, self.toc.online, "online market")

    def _walk(self, start: int, end: int, is_heading, toc_keys: set[str], is_country=None,
              countries: frozenset = frozenset(), strict: bool = False) -> list[Heading]:
        """Headings (consecutive heading lines joined) with the prose lines under each."""
        found: list[Heading] = []
        pending: list[Line] = []
        country = None
        current: Heading | None = None
        last_was_country = False

        def joined(lines: list[Line]) -> str:
            return " ".join(join_wrapped([p.clean for p in lines]).split())

        def toward_toc(text: str) -> bool:
            k = key(_toc_name(text, toc_keys))
            return any(t == k or t.startswith(k + "-") for t in toc_keys)

        def flush() -> Heading | None:
            if not pending:
                return current
            name = joined(pending)
            if strict:
                name = _toc_name(name, toc_keys)
            if strict and key(name) not in toc_keys:     # not a heading after all
                if current is not None:
                    current.prose.extend(p.text for p in pending)
                pending.clear()
                return current
            head = Heading(name, pending[0].page, country=country)
            found.append(head)
            pending.clear()
            return head

        for line in self.lines[start:end]:
            if self.skip(line) or self.small(line):
                continue
            if is_country and is_country(line):
                flush()
                current = None
                # a country heading that wraps continues on the next line
                wraps = last_was_country and country and key(country) not in countries
                country = join_wrapped([country, line.clean]) if wraps else line.clean
                last_was_country = True
                continue
            last_was_country = False
            if is_heading(line):
                if strict:
                    if pending and toward_toc(joined(pending + [line])):
                        pending.append(line)
                        continue
                    if toward_toc(line.clean):
                        current = flush()
                        pending.append(line)
                        continue
                else:
                    if pending and (len(pending) >= 4 or key(joined(pending)) in toc_keys):
                        current = flush()
                    pending.append(line)
                    continue
            current = flush()
            if current is not None:
                current.prose.append(line.text)
        flush()
        return found

    def _cross_check(self, found: list[Heading], rows: list[tuple[str, int]],
                     what: str) -> list[Heading]:
        """Compare body headings with the TOC rows; TOC-only rows become entries too."""
        if not rows:
            return found
        by_key = {key(name): (name, page) for name, page in rows}
        seen = set()
        for head in found:
            k = key(head.name)
            if k not in by_key:
                # a footnote marker glued to the heading: the TOC has the name without it
                head.name = _toc_name(head.name, by_key.keys())
                k = key(head.name)
            if k in by_key:
                seen.add(k)
                toc_page, body_page = by_key[k][1], self.printed(head.page)
                if body_page is not None and body_page != toc_page:
                    self.warnings.append(f"the table of contents puts {what} \u201c{head.name}"
                                         f"\u201d on page {toc_page}, the body on page "
                                         f"{body_page}")
            else:
                self.doubts.append(f"{what} \u201c{head.name}\u201d (PDF page {head.page}) "
                                   "is not in the table of contents")
        for name, page in rows:
            if key(name) not in seen:
                seen.add(key(name))
                pdf_page = page + self.offset if self.offset is not None else None
                self.doubts.append(f"the table of contents lists {what} \u201c{name}\u201d "
                                   f"(page {page}) but no such heading was found in the body")
                found.append(Heading(name, pdf_page))
        return found

    # --- physical -------------------------------------------------------------------------

    def physical(self) -> list[Heading]:
        start, end = self.physical_at + 1, self.end
        fonts = self._font_helps(start, end)
        countries = {key(name) for name, _ in self.toc.countries}

        def is_country(line: Line) -> bool:
            text = line.clean
            if fonts and not self.styled(line):
                return False
            return key(text) in countries or (all_caps(text) and "," not in text
                                              and len(text.split()) <= 6)

        def is_market(line: Line) -> bool:
            text = line.clean
            if fonts:
                return self.styled(line) and _name_like(text)
            return len(text) <= 100 and _titled(text) and _name_like(text)

        found = self._walk(start, end, is_market, set(), is_country, frozenset(countries))
        body_countries = {}
        for head in found:
            if head.country is None:
                self.doubts.append(f"physical market \u201c{head.name}\u201d (PDF page "
                                   f"{head.page}) comes before any country heading")
            else:
                body_countries.setdefault(key(head.country), head)
        if countries:
            toc_names = {key(n): n for n, _ in self.toc.countries}
            for k, name in toc_names.items():
                if k not in body_countries:
                    self.doubts.append(f"the table of contents lists country \u201c{name}"
                                       "\u201d but no market was found under it")
            for k, head in body_countries.items():
                if k not in toc_names:
                    self.doubts.append(f"country \u201c{head.country}\u201d (PDF page "
                                       f"{head.page}) is not in the table of contents")
        return found

    # --- counts ---------------------------------------------------------------------------

    def check_counts(self, online: int, physical: int) -> None:
        text = " ".join(plain(line.text) for line in self.lines[self.toc.end:self.online_at]
                        if not self.small(line))
        warnings, doubts = checks.counts(text, {"online": online, "physical": physical})
        self.warnings += warnings
        self.doubts += doubts


_RESULTS = re.compile(r"^(?:Results of the|RESULTS OF THE)\s+(?:19|20)\d\d\b")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")


def _titled(text: str) -> bool:
    """A heading in title case: "Mercado San Juan de Dios, Guadalajara, Jalisco"."""
    words = [w for w in _WORD.findall(text) if len(w) >= 4]
    return (bool(words) and not all_caps(text)
            and sum(w[0].isupper() for w in words) >= 0.8 * len(words))


_ABBREV_END = re.compile(r"(?:\b[A-Za-z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|St|Jr)\.$")


def _name_like(text: str) -> bool:
    """Short enough and not a sentence (sentences end in . ! ? ; abbreviations may)."""
    if not text or len(text) > 200 or PAGE_NUMBER.match(text):
        return False
    if text[-1] in "!?;:" or (text[-1] == "." and not _ABBREV_END.search(text)):
        return False
    return any(c.isalnum() for c in text)


def _toc_name(text: str, toc_keys) -> str:
    """``text`` without a footnote number glued to its end, if that makes it a TOC name
    (``TORRENTZ23`` → ``TORRENTZ2``; digits are only ever removed to match the TOC)."""
    if key(text) in toc_keys:
        return text
    for n in (1, 2, 3):
        if len(text) > n and text[-n:].isdigit() and key(text[:-n]) in toc_keys:
            return text[:-n].rstrip()
    return text
