"""Reading a table's rows: CSV/TSV as the csv module reads them, JSON and JSON Lines with
every value JSON can hold and nothing else. Each problem is one line naming the file and,
where it can be known, the row or line."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator

from listwatch import SourceError


def csv_reader(text: str, fmt: str, location: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header row and an iterator over the other rows (blank lines included).

    Strict quoting: a quote that never closes would otherwise swallow the rest of the
    file into one cell, silently."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True,
                        delimiter="\t" if fmt == "tsv" else ",")
    kind = fmt.upper()
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(f"{location}: empty {kind} file (no header row)") from None
    except csv.Error as exc:
        raise SourceError(f"{location}: not valid {kind} at line {reader.line_num}: "
                          f"{exc}") from None

    def rows() -> Iterator[list[str]]:
        number = 0  # data rows, blank lines not counted (as csv.DictReader counts them)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise SourceError(
                        f"{location}: row {number + 1} (line {start}): a quoted cell is never "
                        "closed (a quote is missing), so the rest of the file would be one "
                        "cell") from None
                raise SourceError(f"{location}: not valid {kind} at line {reader.line_num}: "
                                  f"{exc}") from None
            if row:
                number += 1
            yield row

    return header, rows()


class _NotJSON(ValueError):
    """A literal JSON cannot hold (NaN, Infinity, a number too large for a float)."""

    def __init__(self, literal: str, why: str):
        super().__init__(literal)
        self.literal, self.why = literal, why


def _constant(name: str):
    raise _NotJSON(name, "is not a JSON number")


def _float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise _NotJSON(literal, "is too large for a number")
    return value


def _where(text: str, pattern: str) -> str:
    """' at line L column C' of the first match of ``pattern``, or '' when not found."""
    found = re.search(pattern, text)
    if not found:
        return ""
    at = found.start(1) if found.groups() else found.start()
    line = text.count("\n", 0, at) + 1
    return f" at line {line} column {at - text.rfind(chr(10), 0, at)}"


def _loads(text: str, location: str, line: int | None = None):
    """json.loads, refusing NaN, infinities, overlong integers and deep nesting."""
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as exc:
        if line is not None:
            raise SourceError(f"{location}: line {line} is not JSON: {exc.msg}") from None
        raise SourceError(f"{location}: not JSON: {exc.msg} at line {exc.lineno} "
                          f"column {exc.colno}") from None
    except _NotJSON as exc:
        where = f" at line {line}" if line is not None else _where(
            text, r"[:,\[]\s*(" + re.escape(exc.literal) + r")(?![\w.+-])")
        raise SourceError(f"{location}: not JSON{where}: {exc.literal} {exc.why}") from None
    except RecursionError:
        where = f" at line {line}" if line is not None else _where(text, r"(?:[\[{]\s*){64}")
        raise SourceError(f"{location}: JSON nested too deeply{where}") from None
    except ValueError as exc:  # an integer past Python's digit limit
        if "digits" not in str(exc):
            raise
        where = f" at line {line}" if line is not None else _where(text, r"\d{4301,}")
        raise SourceError(f"{location}: not a usable number{where}: an integer with more "
                          "than 4300 digits") from None


def json_rows(text: str, fmt: str, location: str) -> list:
    if fmt == "json":
        data = _loads(text, location)
        if not isinstance(data, list):
            raise SourceError(f"{location}: a JSON table must be an array of objects, "
                              f"not a {type(data).__name__}")
        rows = data
    else:
        rows = [_loads(line, location, number)
                for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if re.search(r"\\u[dD][89a-fA-F]", text):  # a surrogate escape: is one of them alone?
        for number, row in enumerate(rows, 1):
            try:
                json.dumps(row, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError as exc:
                char = exc.object[exc.start:exc.end]
                raise SourceError(f"{location}: row {number} holds a lone surrogate "
                                  f"({char.encode('unicode_escape').decode()}), which is "
                                  "not text") from None
            except (ValueError, TypeError, RecursionError):
                continue
    return rows
