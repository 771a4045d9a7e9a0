"""The report's cover and table of contents: title, edition, date, TOC rows. Pure, no I/O."""

from __future__ import annotations

import functools
import re
from collections import Counter

from .text import Line, join_wrapped, plain

_Y = r"((?:19|20)\d{2})"
_TITLE_TAIL = (r"(?:Special\s+301\s+)?(?:Out-\s*of-\s*Cycle\s+)?Review\s+of\s+(?:the\s+)?"
               r"Notorious\s+Markets(?:\s+for\s+Counterfeiting\s+and\s+Piracy)?")
TITLE = re.compile(rf"{_Y}\s+(?:{_TITLE_TAIL})", re.IGNORECASE)
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
_DATE = re.compile(r"\b([A-Za-z]{3,9})\s+(?:(\d{1,2}),?\s+)?((?:19|20)\d{2})\b")


@functools.cache
def _fallback(name: str) -> re.Pattern:
    """Patterns only a cover without a text title needs, compiled when needed."""
    if name == "no year":
        return re.compile(rf"(?:{_TITLE_TAIL})", re.IGNORECASE)
    return re.compile(rf"Results\s+of\s+the\s+{_Y}\s+(?:{_TITLE_TAIL})", re.IGNORECASE)


CONTENTS = re.compile(r"^(?:table\s+of\s+)?contents$", re.IGNORECASE)
# A TOC row: a title, a dot leader of any length (anchored on the LAST run of dots, so
# names with dots such as "B.V." or "CHOMIKUJ.PL" survive), and a page number.
ROW = re.compile(r"^(?P<title>.*?\S)\s*(?:[.…·](?:\s*[.…·])*)\s*(?P<page>\d{1,3})$")
_LEADER = re.compile(r"[.…·]\s*\d{1,3}$")
ROW_NO_LEADER = re.compile(r"^(?P<title>.*?[^\s\d.])\s{2,}(?P<page>\d{1,3})$")


class Title:
    __slots__ = ("title", "edition", "published")

    def __init__(self, title: str, edition: str, published: str | None = None):
        self.title, self.edition, self.published = title, edition, published


class Toc:
    """What the table of contents says; empty lists when it has no market rows (≤ 2018)."""

    def __init__(self) -> None:
        self.end = 0                                  # index of the first line after it
        self.rows: list[tuple[str, int]] = []
        self.online: list[tuple[str, int]] = []
        self.countries: list[tuple[str, int]] = []
        self.sections: dict[str, int] = {}            # "online markets" → page


def find_title(pages: list[list[Line]], later: list[Line]) -> Title | None:
    """The report title: on the cover (lines joined), else from "… Results of the YYYY <title>"
    (a TOC row or the Overview heading, for a cover that is only an image), else a cover
    title without a year ("Out-of-Cycle Review of Notorious Markets" over "DECEMBER 2016")
    with the year from "Results of the YYYY …" in the body."""
    cover = next((lines for lines in pages[:3] if any(line.text for line in lines)), [])
    # the cover, and the title block above "Table of Contents" (2019 on)
    blocks = [cover] + [lines[:i] for lines in pages[:3] for i, line in enumerate(lines)
                        if CONTENTS.match(plain(line.text))]
    for lines in blocks:
        for window in _windows(lines):
            match = TITLE.match(window)
            if match:
                return Title(" ".join(match.group(0).split()), match.group(1), published(lines))
    head = _unhyphen(" ".join(plain(line.text) for lines in pages[:8] for line in lines))
    found = [" ".join(m.group(0).split()[3:]) for m in _fallback("results").finditer(head)]
    if found:    # the longest: the TOC row may shorten "… for Counterfeiting and Piracy"
        title = max(found, key=len)
        return Title(title, title[:4], published(cover))
    for lines in pages[:3]:
        for window in _windows(lines):
            match = _fallback("no year").match(window)
            if match:
                body = _unhyphen(" ".join(plain(line.text) for line in later))
                year = _fallback("results").search(body)
                if year:
                    title = f"{year.group(1)} " + " ".join(match.group(0).split())
                    return Title(title, year.group(1), published(lines))
                return None
    return None


def _windows(lines: list[Line]):
    texts = [plain(line.text) for line in lines if line.text]
    for i in range(len(texts)):
        yield _unhyphen(" ".join(texts[i:i + 6]))


def _unhyphen(text: str) -> str:
    return re.sub(r"(\w)-\s+(?=\w)", r"\1-", text)


def published(lines: list[Line]) -> str | None:
    """The cover date: ``YYYY-MM-DD`` when it gives a day, else ``YYYY-MM``."""
    text = " ".join(plain(line.text) for line in lines)
    for match in _DATE.finditer(text):
        month = match.group(1).lower()
        if month in _MONTHS:
            number = _MONTHS.index(month) + 1
            if match.group(2):
                return f"{match.group(3)}-{number:02d}-{int(match.group(2)):02d}"
            return f"{match.group(3)}-{number:02d}"
    return None


def _row(text: str) -> tuple[str, int] | None:
    match = ROW.match(text) or ROW_NO_LEADER.match(text)
    if not match:
        return None
    return match.group("title").strip(), int(match.group("page"))


def parse_toc(lines: list[Line], skip) -> Toc:
    """Find and read the table of contents in the first pages.

    Rows whose title did not end on the line (no page number) are joined to the next line.
    Rows between "Online Markets" and "Physical Markets" are online market headings; rows
    between "Physical Markets" and "Public Information" are country headings.
    """
    toc = Toc()
    leaders: Counter = Counter(line.page for line in lines
                               if line.page <= 8 and _LEADER.search(line.text))
    begin = next((i + 1 for i, line in enumerate(lines)
                  if line.page <= 6 and CONTENTS.match(plain(line.text))), None)
    if begin is None:
        # no "Contents" heading: the first page with several dot-leader rows is the TOC
        pages = sorted(p for p, n in leaders.items() if n >= 4 and p <= 6)
        if not pages:
            return toc
        begin = next(i for i, line in enumerate(lines) if line.page == pages[0])
    if begin >= len(lines):
        return toc
    toc.end = begin
    pending: list[str] = []
    page = lines[begin].page
    for i in range(begin, len(lines)):
        line = lines[i]
        if line.page != page:
            page = line.page
            if leaders[page] < 2:       # the next page is not part of the TOC
                break
        if skip(line):
            continue
        text = plain(line.text)
        row = _row(text)
        if row is None:
            pending.append(text)
            if len(pending) > 3:        # prose: the TOC is over
                break
            continue
        toc.rows.append((join_wrapped(pending + [row[0]]), row[1]))
        pending = []
        toc.end = i + 1
    if not toc.rows:
        # a "Contents" page without dot leaders (2016: "1 Overview 3 Positive …")
        toc.end = next((j for j in range(begin, len(lines))
                        if lines[j].page != lines[begin].page), len(lines))
        return toc
    state = None
    for title, number in toc.rows:
        low = plain(title).casefold().rstrip(":")
        if low in ("online markets", "physical markets", "public information"):
            toc.sections[low] = number
            state = low
        elif state == "online markets":
            toc.online.append((title, number))
        elif state == "physical markets":
            toc.countries.append((title, number))
    return toc


def page_offset(pages: list[list[Line]]) -> int | None:
    """PDF page index minus printed page number, voted from bare page-number lines."""
    votes: Counter = Counter()
    for lines in pages:
        ends = [line for line in lines[:2] + lines[-2:] if line.text.isdigit()]
        for line in ends:
            if len(line.text) <= 3:
                votes[line.page - int(line.text)] += 1
    if not votes:
        return None
    offset, count = votes.most_common(1)[0]
    return offset if count >= max(2, len(pages) // 4) else None

