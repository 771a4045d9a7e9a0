"""Snapshots: building them from a source's draft, the canonical file layout, reading files.

The canonical layout (DESIGN.md) puts one compact entry per line, sorted by id, so
git diffs a snapshot market by market and :mod:`listwatch.diff` can compare two
files line by line without parsing the lines that are the same.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from .errors import InvalidSnapshot

FORMAT = "snapshot/1"
ENVELOPE = ("listwatch", "list", "source", "warnings")
ENTRIES_OPEN = '  "entries": ['


def clean(value: Any) -> Any:
    """NFC and collapsed whitespace in every string, recursively."""
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split())
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make(list_: dict, entries: list[dict], source: dict, warnings: list[str]) -> dict:
    """A snapshot document with normalised text and entries in id order."""
    entries = [clean(e) for e in entries]
    entries.sort(key=lambda e: str(e.get("id", "")))
    return {"listwatch": FORMAT, "list": clean(list_), "source": source,
            "warnings": [clean(str(w)) for w in warnings], "entries": entries}


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dumps(snapshot: dict) -> str:
    """The canonical text of a snapshot (envelope keys in order, one entry per line)."""
    keys = [k for k in ENVELOPE if k in snapshot]
    keys += sorted(k for k in snapshot if k not in ENVELOPE and k != "entries")
    lines = ["{"] + [f"  {json.dumps(k)}: {compact(snapshot[k])}," for k in keys]
    entries = sorted(snapshot.get("entries", []), key=lambda e: str(e.get("id", "")))
    if entries:
        lines.append(ENTRIES_OPEN)
        lines.append(",\n".join("    " + compact(e) for e in entries))
        lines.append("  ]")
    else:
        lines.append('  "entries": []')
    lines.append("}")
    return "\n".join(lines) + "\n"


def read_text(path: str | Path) -> str:
    """A file's text, or :class:`InvalidSnapshot` with one clear line."""
    where = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InvalidSnapshot(where, ["no such file"]) from None
    except IsADirectoryError:
        raise InvalidSnapshot(where, ["is a directory, not a snapshot file"]) from None
    except OSError as exc:
        raise InvalidSnapshot(where, [f"cannot read: {exc.strerror or exc}"]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidSnapshot(where, [f"not UTF-8 text (byte {exc.start})"]) from None


def loads(text: str, where: str) -> dict:
    if not text.strip():
        raise InvalidSnapshot(where, ["empty file, not a snapshot"])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidSnapshot(where, [f"not JSON: {exc.msg} at line {exc.lineno} "
                                      f"column {exc.colno}"]) from None
    except RecursionError:
        raise InvalidSnapshot(where, ["not JSON: nested too deeply"]) from None
    if not isinstance(doc, dict):
        raise InvalidSnapshot(where, [f"not a snapshot: the top level is a "
                                      f"{type(doc).__name__}, not an object"])
    return doc


def load(path: str | Path) -> dict:
    """Read and validate a snapshot file (any valid JSON layout)."""
    from .validation import check_snapshot

    doc = loads(read_text(path), str(path))
    check_snapshot(doc, str(path))
    return doc


class NotCanonical(Exception):
    """The file does not follow the canonical layout; use the full parser."""


class CanonicalReader:
    """Stream a canonical snapshot: the envelope, then entry lines one at a time.

    Raises :class:`NotCanonical` as soon as the file departs from the layout, so the
    caller can fall back to :func:`load`.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        try:
            self._file = open(path, encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError:
            raise NotCanonical(self.path) from None
        try:
            self.envelope = self._read_envelope()
        except (UnicodeDecodeError, ValueError):
            self.close()
            raise NotCanonical(self.path) from None
        except NotCanonical:
            self.close()
            raise

    def _read_envelope(self) -> dict:
        first = self._file.readline()
        if first != "{\n":
            raise NotCanonical(self.path)
        header = ["{"]
        for line in self._file:
            if line == ENTRIES_OPEN + "\n":
                self.empty = False
                break
            if line == '  "entries": []\n':
                self.empty = True
                break
            if not line.startswith('  "') or not line.endswith(",\n"):
                raise NotCanonical(self.path)
            header.append(line)
        else:
            raise NotCanonical(self.path)
        envelope = json.loads("".join(header).rstrip().rstrip(",") + "}")
        if envelope.get("listwatch") != FORMAT:
            raise NotCanonical(self.path)
        return envelope

    def lines(self) -> Iterator[str]:
        """Each entry's compact JSON text (indent and trailing comma removed)."""
        if self.empty:
            self._expect_end("}\n")
            return
        for line in self._file:
            if line.startswith("    {") and line.endswith("},\n"):
                yield line[4:-2]
            elif line.startswith("    {") and line.endswith("}\n"):
                yield line[4:-1]
                self._expect_end("  ]\n", "}\n")
                return
            else:
                raise NotCanonical(self.path)
        raise NotCanonical(self.path)

    def _expect_end(self, *tail: str) -> None:
        for want in tail:
            if self._file.readline() != want:
                raise NotCanonical(self.path)
        if self._file.read(1):
            raise NotCanonical(self.path)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "CanonicalReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
