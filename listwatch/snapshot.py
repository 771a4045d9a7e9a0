"""Snapshots: building them from a source's draft, the canonical file layout, reading files.

The canonical layout (docs/formats.md) puts one compact entry per line, sorted by id, so
git diffs a snapshot market by market and :mod:`listwatch.diff` can compare two
files line by line without parsing the lines that are the same.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import operator
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import InvalidSnapshot

FORMAT = "snapshot/1"
ENVELOPE = ("listwatch", "list", "source", "warnings")
ENTRIES_OPEN = '  "entries": ['


def _text(value: str) -> str:
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def clean(value: Any) -> Any:
    """NFC and collapsed whitespace in every string, recursively."""
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is dict:
        return {k: _text(v) if type(v) is str else clean(v) for k, v in value.items()}
    if kind is list:
        return [_text(v) if type(v) is str else clean(v) for v in value]
    if isinstance(value, str):
        return _text(str(value))
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Made(dict):
    """A snapshot fresh from :func:`make_with_text` with its canonical ``text``, made
    while the entries were encoded and checked, for :func:`canonical`. The text is
    stale once an entry is changed in place; a changed envelope is noticed."""

    text: str = ""
    head: str = ""  # the envelope part of ``text``, as it was encoded
    of: list | None = None  # the entries list ``text`` holds


def make(list_: dict, entries: Iterable[dict], source: dict, warnings: list[str]) -> dict:
    """A snapshot document with normalised text and entries in id order."""
    return dict(make_with_text(list_, entries, source, warnings))


def make_with_text(list_: dict, entries: Iterable[dict], source: dict,
                   warnings: list[str]) -> Made:
    """:func:`make`, with the canonical text of the result for :func:`canonical`.

    Only the entries whose encoded text shows a string that may need normalising are
    cleaned in Python; the others are kept as given (a tuple stays a tuple, written as
    an array). Raises ValueError or TypeError for an entry that is not JSON (NaN, an
    infinity, a lone surrogate, an object json cannot encode).
    """
    from .encoding import compact_lines, scan

    entries = list(entries)
    lines = compact_lines(entries, strict=True)
    unclean, surrogate = scan(lines)
    for i in unclean:
        entries[i] = clean(entries[i])
        lines[i] = compact_lines([entries[i]], strict=True)[0]
    if surrogate:
        char, line = surrogate
        raise ValueError(f"a lone surrogate ({char.encode('unicode_escape').decode()}) in "
                         f"the entry {line[:60]}")
    order = _id_order(entries)
    if order is not None:
        entries, lines = list(map(entries.__getitem__, order)), list(map(lines.__getitem__,
                                                                         order))
    doc = Made(listwatch=FORMAT, list=clean(list_), source=source,
               warnings=[clean(str(w)) for w in warnings], entries=entries)
    doc.text = _dumps(doc, _ENTRY_JOINT.join(lines))
    del lines
    doc.head, doc.of = _head(doc), entries
    return doc


def canonical(snapshot: dict) -> str:
    """:func:`dumps`, without encoding the entries again when the snapshot is one
    :func:`make_with_text` made and its entries list is the same; an envelope changed
    since (``check --reparse`` stamps the source) is encoded again."""
    if isinstance(snapshot, Made) and snapshot.of is not None and \
            snapshot.of is snapshot.get("entries"):
        head = _head(snapshot)
        return snapshot.text if head == snapshot.head else \
            head + snapshot.text[len(snapshot.head):]
    return dumps(snapshot)


def _id_order(entries: list) -> list[int] | None:
    """The positions of ``entries`` sorted by ``str(id)`` (stable), or None when they are
    in order already. Found in C when every id is a str, as is usual."""
    try:
        ids = list(map(operator.itemgetter("id"), entries))
    except (KeyError, TypeError):
        ids = None
    if ids is None or set(map(type, ids)) - {str}:
        ids = [str(e.get("id", "")) for e in entries]
    if all(map(operator.lt, ids, itertools.islice(ids, 1, None))):
        return None
    return sorted(range(len(ids)), key=ids.__getitem__)


def compact(value: Any) -> str:
    from .encoding import JSON

    return JSON.encode(value)


def dumps(snapshot: dict) -> str:
    """The canonical text of a snapshot (envelope keys in order, one entry per line)."""
    from .encoding import compact_lines

    entries = snapshot.get("entries", [])
    order = _id_order(entries)
    if order is not None:
        entries = [entries[i] for i in order]
    return _dumps(snapshot, _ENTRY_JOINT.join(compact_lines(entries)))


_ENTRY_JOINT = ",\n    "


def _head(snapshot: dict) -> str:
    """The canonical text's envelope lines, up to the entries."""
    keys = [k for k in ENVELOPE if k in snapshot]
    keys += sorted(k for k in snapshot if k not in ENVELOPE and k != "entries")
    return "".join(["{\n"] + [f"  {json.dumps(k)}: {compact(snapshot[k])},\n" for k in keys])


def _dumps(snapshot: dict, block: str) -> str:
    """The canonical text, given the entries' compact lines in id order, joined."""
    if snapshot.get("entries"):
        return "".join([_head(snapshot), ENTRIES_OPEN, "\n    ", block, "\n  ]\n}\n"])
    return _head(snapshot) + '  "entries": []\n}\n'


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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (it is restored as it was).

    Parsing, validating and diffing snapshots make no reference cycles, but the collector
    would scan a large document again and again while it is built and for a while after:
    pausing it halves the time to load a 100,000-entry snapshot."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def loads(text: str, where: str) -> dict:
    if not text.strip():
        raise InvalidSnapshot(where, ["empty file, not a snapshot"])
    try:
        with gc_paused():
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


class _TextLines:
    """A str read as a file of "\\n"-ended lines, without the copy io.StringIO makes (four
    bytes a character: 120 MB for the text of a 200,000-entry snapshot)."""

    def __init__(self, text: str):
        self._text, self._at = text, 0

    def readline(self) -> str:
        end = self._text.find("\n", self._at)
        end = len(self._text) if end < 0 else end + 1
        line, self._at = self._text[self._at:end], end
        return line

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line

    def readlines(self, hint: int) -> list[str]:
        """Whole lines, at least ``hint`` characters of them (or up to the end)."""
        end = self._text.find("\n", self._at + max(hint, 1) - 1)
        end = len(self._text) if end < 0 else end + 1
        chunk, self._at = self._text[self._at:end], end
        lines = [line + "\n" for line in chunk.split("\n")]
        lines[-1] = lines[-1][:-1]
        return lines if lines[-1] else lines[:-1]

    def read(self, size: int) -> str:
        chunk = self._text[self._at:self._at + size]
        self._at += len(chunk)
        return chunk

    def close(self) -> None:
        self._text = ""


class CanonicalReader:
    """Stream a canonical snapshot: the envelope, then entry lines one at a time.

    Raises :class:`NotCanonical` as soon as the file departs from the layout, so the
    caller can fall back to :func:`load`.
    """

    def __init__(self, path: str | Path, text: str | None = None):
        """Read the file at ``path``, or ``text`` (then ``path`` only names it)."""
        self.path = str(path)
        try:
            self._file = _TextLines(text) if text is not None else \
                open(path, encoding="utf-8", newline="\n")  # noqa: SIM115
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

    def blocks(self, size: int = 1 << 20) -> Iterator[tuple[list[str], str]]:
        """The entry lines in blocks of about ``size`` characters, with their text.

        Every line is returned exactly as written, ``    {…},\n``; the last entry
        gets its missing comma so equal entries are equal lines wherever they sit.
        Yields ``(lines, "".join(lines))``; the structure of each block is checked
        on the text in C (no per-line Python work).
        """
        try:
            yield from self._blocks(size)
        except UnicodeDecodeError:
            raise NotCanonical(self.path) from None

    def _blocks(self, size: int) -> Iterator[list[str]]:
        if self.empty:
            self._expect_end("}\n")
            return
        f = self._file
        while True:
            block = f.readlines(size)
            if not block:
                raise NotCanonical(self.path)
            # "  ]" can only be among the last two lines ("}" follows it); a stray one
            # elsewhere fails the structure check below.
            end = -1
            for at in range(max(0, len(block) - 2), len(block)):
                if block[at] == "  ]\n":
                    end = at
                    break
            else:
                last = block[-1]
                if last.endswith("}\n") and not last.endswith("},\n"):
                    block.append(f.readline())  # the last entry: "  ]" must follow
                    end = len(block) - 1 if block[-1] == "  ]\n" else -1
            if end >= 0:
                tail = block[end + 1:]
                del block[end:]
                if not block or tail not in ([], ["}\n"]):
                    raise NotCanonical(self.path)
                last = block[-1]
                if not last.endswith("}\n") or last.endswith("},\n"):
                    raise NotCanonical(self.path)
                block[-1] = last[:-1] + ",\n"
                if not tail:
                    self._expect_end("}\n")
                elif f.read(1):
                    raise NotCanonical(self.path)
            text = "".join(block)
            # "\n" only ends lines (JSON escapes it inside strings), so counting the
            # line joints checks that every line starts and ends as it should.
            if not (text.startswith("    {") and text.endswith("},\n")
                    and text.count("},\n    {") == len(block) - 1):
                raise NotCanonical(self.path)
            yield block, text
            if end >= 0:
                return

    def lines(self) -> Iterator[str]:
        """Each entry's compact JSON text (indent and trailing comma removed)."""
        for block, _ in self.blocks():
            for line in block:
                yield line[4:-2]

    def _expect_end(self, *tail: str) -> None:
        for want in tail:
            if self._file.readline() != want:
                raise NotCanonical(self.path)
        if self._file.read(1):
            raise NotCanonical(self.path)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CanonicalReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
