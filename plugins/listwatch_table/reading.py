"""Reading a table's rows: CSV/TSV as the csv module reads them, JSON and JSON Lines with
every value JSON can hold and nothing else. Each problem is one line naming the file and,
where it can be known, the row or line."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re

from listwatch import SourceError


class CsvRows:
    """A CSV's header row, then its other rows (blank lines included) from ``reader``.

    Strict quoting: a quote that never closes would otherwise swallow the rest of the
    file into one cell, silently. Whoever iterates ``reader`` turns a ``csv.Error`` into
    one line with :meth:`error`."""

    def __init__(self, text: str, fmt: str, location: str):
        self.text, self.location, self.kind = text, location, fmt.upper()
        self.delimiter = "\t" if fmt == "tsv" else ","
        self.reader = csv.reader(io.StringIO(text, newline=""), strict=True,
                                 delimiter=self.delimiter)
        try:
            self.header = next(self.reader)
        except StopIteration:
            raise SourceError(f"{location}: empty {self.kind} file (no header row)") from None
        except csv.Error as exc:
            raise self.error(exc, 0) from None

    def error(self, exc: csv.Error, rows: int) -> SourceError:
        """One line for a CSV error met after ``rows`` rows (blank ones included)."""
        if "unexpected end of data" not in str(exc):
            return SourceError(f"{self.location}: not valid {self.kind} at line "
                               f"{self.reader.line_num}: {exc}")
        again = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        number = 0  # where did the row with the open quote start?
        for row in itertools.islice(again, rows + 1):  # the header and those rows
            number += bool(row)
        return SourceError(f"{self.location}: row {number} (line {again.line_num + 1}): a "
                           "quoted cell is never closed (a quote is missing), so the rest of "
                           "the file would be one cell")

    def single_lines(self, rows: int) -> bool:
        """Whether each of the ``rows`` rows read sat on one line (no cell spans lines)."""
        return self.reader.line_num == rows + 1


#: White space other than a space (the delimiter aside).
_OTHER_SPACE = re.compile("[\t\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029"
                          "\u202f\u205f\u3000]")


def plain_spacing(text: str, delimiter: str) -> bool:
    """Whether no cell of a CSV can start or end with white space, hold two spaces
    running or any other white space: then cells need no collapsing, cell by cell (a
    cell spanning lines aside: see CsvRows.single_lines). Regular expressions led by a
    literal space: a tenth of the time of as many substring tests."""
    if delimiter == "\t" and '"' in text:  # a quoted TSV cell may hold a tab
        return False
    edge = '"\r\n' + ("\\t" if delimiter == "\t" else ",")
    if text.startswith(" ") or text.endswith(" ") or re.search(
            f" (?:[ {edge}]|(?<=[{edge}] ))", text):
        return False
    others = _OTHER_SPACE.pattern.replace("\t", "") if delimiter == "\t" else \
        _OTHER_SPACE.pattern
    return not re.search(others, text)


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
