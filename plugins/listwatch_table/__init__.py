"""Built-in source ``table``: any list held in CSV, TSV, JSON (array) or JSON Lines.

It is how people watch other policy lists (sanctions lists, entity lists), and the
simplest example of a source plugin.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import listwatch
from listwatch import SourceError

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
        rows = read_rows(doc.text(), fmt, location)
        id_col, name_col = options.get("id", "id"), options.get("name", "name")
        entries, seen = [], {}
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise SourceError(f"{location}: row {number} is not an object")
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
            entries.append({"id": key, "name": name, "attributes": attributes,
                            "provenance": {"row": number}})
        stem = PurePosixPath(urlsplit(location).path or location).stem or "table"
        meta = {"id": options.get("list_id") or listwatch.slug(stem)}
        if options.get("title"):
            meta["title"] = options["title"]
        return listwatch.Draft(list=meta, entries=entries)


def _cell(value) -> str:
    return "" if value is None else " ".join(str(value).split())


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


def read_rows(text: str, fmt: str, location: str) -> list:
    if fmt in ("csv", "tsv"):
        reader = csv.DictReader(io.StringIO(text, newline=""),
                                delimiter="\t" if fmt == "tsv" else ",")
        try:
            rows = list(reader)
        except csv.Error as exc:
            raise SourceError(f"{location}: not valid {fmt.upper()}: {exc}") from None
        if reader.fieldnames is None:
            raise SourceError(f"{location}: empty {fmt.upper()} file (no header row)")
        for number, row in enumerate(rows, 1):
            if None in row:
                raise SourceError(f"{location}: row {number} has more cells than the header")
        return rows
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{location}: not JSON: {exc.msg} at line {exc.lineno} "
                              f"column {exc.colno}") from None
        if not isinstance(data, list):
            raise SourceError(f"{location}: a JSON table must be an array of objects, "
                              f"not a {type(data).__name__}")
        return data
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SourceError(f"{location}: line {number} is not JSON: {exc.msg}") from None
    return rows


@listwatch.hookimpl
def register_sources(register):
    register(Table())
