"""Built-in source ``table``: any list held in CSV, TSV, JSON (array) or JSON Lines.

It is how people watch other policy lists (sanctions lists, entity lists), and the
simplest example of a source plugin.
"""

from __future__ import annotations

import csv
import operator
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import listwatch
from listwatch import SourceError
from listwatch.snapshot import gc_paused

from .reading import CsvRows, json_rows, plain_spacing

FORMATS = ("csv", "tsv", "json", "jsonl")


class Table(listwatch.Source):
    name = "table"
    title = "A list in CSV, TSV, JSON (array of objects) or JSON Lines, local or over HTTP"
    deterministic = True
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "minLength": 1, "default": "id",
                   "description": "column holding each row's stable id"},
            "name": {"type": "string", "minLength": 1, "default": "name",
                     "description": "column holding each row's display name"},
            "format": {"enum": list(FORMATS),
                       "description": "default: from the file extension, else sniffed"},
            "list_id": {"type": "string", "minLength": 1,
                        "description": "the list's id (default: the file name's stem)"},
            "title": {"type": "string", "description": "the list's title"},
        },
    }

    def fetch(self, location, options, ctx):
        doc = ctx.get(location)
        fmt = options.get("format") or guess_format(doc.location, doc.content)
        id_col, name_col = options.get("id", "id"), options.get("name", "name")
        with gc_paused():  # rows make no cycles: the collector would rescan each one
            if fmt in ("csv", "tsv"):
                entries = csv_entries(doc.text(), fmt, location, id_col, name_col)
            else:
                entries = json_entries(json_rows(doc.text(), fmt, location), location,
                                       id_col, name_col)
        stem = PurePosixPath(urlsplit(location).path or location).stem or "table"
        meta = {"id": options.get("list_id") or listwatch.slug(stem)}
        if options.get("title"):
            meta["title"] = options["title"]
        return listwatch.Draft(list=meta, entries=entries)


def _cell(value) -> str:
    return "" if value is None else " ".join(str(value).split())


def _entry(row: dict, number: int, location: str, id_col: str, name_col: str,
           seen: dict[str, int]) -> dict:
    """One row (a dict, as csv.DictReader gives it) as an entry; SourceError if it is not one."""
    key, name = _cell(row.get(id_col)), _cell(row.get(name_col))
    if not key:
        raise SourceError(f"{location}: row {number} has no value in id column "
                          f"{id_col!r} (columns: {', '.join(map(str, row)) or 'none'})")
    if not name:
        raise SourceError(f"{location}: row {number} has no value in name column "
                          f"{name_col!r} (set -O name=COLUMN)")
    if key in seen:
        raise SourceError(f"{location}: rows {seen[key]} and {number} share the id "
                          f"{key!r} in column {id_col!r}")
    seen[key] = number
    attributes = {k: v for k, v in row.items() if k not in (id_col, name_col)
                  and v not in (None, "")}
    return {"id": key, "name": name, "attributes": attributes, "provenance": {"row": number}}


def json_entries(rows: list, location: str, id_col: str, name_col: str) -> list[dict]:
    entries: list[dict] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise SourceError(f"{location}: row {number} is not an object")
        entries.append(_entry(row, number, location, id_col, name_col, seen))
    return entries


def csv_entries(text: str, fmt: str, location: str, id_col: str, name_col: str,
                plain: bool | None = None) -> list[dict]:
    """Entries from a CSV's rows, in one pass, as csv.DictReader rows would give them.

    A row as wide as a header with unique names takes the fast path: a dict made in C,
    its cells' white space collapsed here only when the text shows some might need it
    (``plain`` False; the core checks again); any other row is made a dict as
    DictReader makes it. Problems are reported as the former two-pass reader ranked
    them: a CSV syntax error, then the first row wider than the header, then the first
    bad row.
    """
    rows = CsvRows(text, fmt, location)
    if plain is None:
        plain = plain_spacing(text, rows.delimiter)
    header = rows.header
    width, skip = len(header), (id_col, name_col)
    fast = len(set(header)) == width and id_col in header and name_col in header \
        and id_col != name_col
    id_at = header.index(id_col) if fast else -1
    name_at = header.index(name_col) if fast else -1
    at = [i for i, column in enumerate(header) if column not in skip]
    names = [header[i] for i in at]
    cells_of = operator.itemgetter(*at) if len(at) > 1 else (
        (lambda row: (row[at[0]],)) if at else (lambda row: ()))
    entries: list[dict] = []
    seen: dict[str, int] = {}
    wide = bad = None
    number = blank = 0
    try:
        for row in rows.reader:
            if not row:
                blank += 1
                continue
            number += 1
            if bad is None and fast and len(row) == width:
                if plain:
                    key, name = row[id_at], row[name_at]
                    if key and name and key not in seen:
                        seen[key] = number
                        attributes = dict(zip(names, cells_of(row)))
                        if "" in row:
                            attributes = {k: v for k, v in attributes.items() if v}
                        entries.append({"id": key, "name": name, "attributes": attributes,
                                        "provenance": {"row": number}})
                        continue
                else:
                    key, name = " ".join(row[id_at].split()), " ".join(row[name_at].split())
                    if key and name and key not in seen:
                        seen[key] = number
                        entries.append({"id": key, "name": name, "attributes": {
                            k: " ".join(v.split()) for k, v in zip(header, row)
                            if v and k not in skip}, "provenance": {"row": number}})
                        continue
            if len(row) > width:
                wide = wide or SourceError(f"{location}: row {number} has more cells than "
                                           "the header")
                continue
            if bad is not None:
                continue
            cells = dict(zip(header, row))
            for column in header[len(row):]:
                cells[column] = None
            try:
                entries.append(_entry(cells, number, location, id_col, name_col, seen))
            except SourceError as exc:
                bad = exc
    except csv.Error as exc:
        raise rows.error(exc, number + blank) from None
    if plain and not rows.single_lines(number + blank):  # a quoted cell spans lines
        return csv_entries(text, fmt, location, id_col, name_col, plain=False)
    if wide or bad:
        raise wide or bad
    return entries


def guess_format(location: str, content: bytes) -> str:
    suffix = PurePosixPath(urlsplit(location).path or location).suffix.lower().lstrip(".")
    if suffix in ("ndjson", "jsonlines"):
        return "jsonl"
    if suffix in FORMATS:
        return suffix
    head = content.lstrip()[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        return "jsonl"
    first = content.split(b"\n", 1)[0]
    return "tsv" if first.count(b"\t") > first.count(b",") else "csv"


@listwatch.hookimpl
def register_sources(register):
    register(Table())
