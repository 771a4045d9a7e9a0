"""Compact JSON lines of snapshot entries, fast, with the json module's exact bytes.

Encoding entries one by one with the json module was 2.2 s of a 200,000-row table, and
normalising every string in Python (:func:`listwatch.snapshot.clean`) 4.5 s more.
orjson encodes them in C and writes the same bytes as
``json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)`` for
str, int, bool, None, dict and list. It differs for floats (``1e-07`` vs ``1e-7``),
NaN and infinities (it writes ``null``), integers past 64 bits, nesting past 255 levels
and lone surrogates: a line where any of these may be is encoded with the json module,
as before. Likewise a line is normalised in Python only when its text shows a string
that may need it (see :func:`_not_clean`); tests/test_encoding.py proves both paths
give the old code's bytes on a varied corpus.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

#: The old encoder, kept for the lines orjson cannot be trusted with.
JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)

#: A number with a fraction or an exponent, or a null (orjson's NaN): anywhere in the
#: line, so inside a string too (then the json module encodes the line: same bytes).
_FLOAT = re.compile(r"[:,\[]-?\d+[.eE]")
_NULL = re.compile(r"[:,\[]null[,\]}]")


def _unsure(text: str) -> bool:
    return bool(_FLOAT.search(text) or ("null" in text and _NULL.search(text)))

#: Every character ``str.split()`` splits on, as orjson writes it: the control characters
#: escaped, the others raw (tests/test_encoding.py checks the list against Python's).
_ESCAPED_SPACE = re.compile(r"\\[tnrf]|\\u00(?:0[bB]|1[c-fC-F])")
_OTHER_SPACE = re.compile("[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def _not_clean(text: str) -> bool:
    """Whether a string in ``text`` might change under :func:`listwatch.snapshot.clean`:
    two spaces, a space after an opening or before a closing quote, other white space,
    or text not in NFC. Also true of some clean text (a key with two spaces, an escaped
    quote next to a space): that only costs the slow path. Substring tests first: they
    run at memory speed where a regular expression would not."""
    if "  " in text or '" ' in text or ' "' in text:
        return True
    if "\\" in text and _ESCAPED_SPACE.search(text):
        return True
    return not text.isascii() and (bool(_OTHER_SPACE.search(text))
                                   or not unicodedata.is_normalized("NFC", text))


_OPTIONS = None


def _orjson():
    global _OPTIONS
    import orjson

    if _OPTIONS is None:
        # Subclasses, datetimes and dataclasses go to ``default``, which refuses them, so
        # those lines take the json module's path and behave exactly as before.
        _OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
                    | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    return orjson


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _fast(values: Sequence[Any]) -> tuple[str, list[int]]:
    """orjson's lines for the values, joined by newlines, and the indexes of the lines
    that may differ from the json module's."""
    orjson = _orjson()
    dumps, options = orjson.dumps, _OPTIONS
    try:
        parts = [dumps(v, default=_refuse, option=options) for v in values]
    except TypeError:  # orjson.JSONEncodeError: find which (rare)
        parts = []
        for v in values:
            try:
                parts.append(dumps(v, default=_refuse, option=options))
            except TypeError:
                parts.append(b"[null]")  # a placeholder _unsure() always matches
    # JSON text holds no raw newline: join and decode in C, split only when needed.
    text = b"\n".join(parts).decode("utf-8")
    del parts
    unsure = []
    if _unsure(text):
        unsure = [i for i, line in enumerate(text.split("\n")) if _unsure(line)]
    return text, unsure


def compact_text(values: Sequence[Any], sep: str = "\n") -> str:
    """``sep.join(JSON.encode(v) for v in values)``, most lines encoded by orjson."""
    if not values:
        return ""
    text, unsure = _fast(values)
    if unsure:
        lines = text.split("\n")
        for i in unsure:
            lines[i] = JSON.encode(values[i])
        return sep.join(lines)
    return text if sep == "\n" else text.replace("\n", sep)


def compact_lines(values: Sequence[Any]) -> list[str]:
    """``JSON.encode(v)`` for each value."""
    return compact_text(values).split("\n") if values else []


def unclean(values: Sequence[Any]) -> list[int]:
    """Indexes of the values whose strings may not be normalised yet, or that orjson
    cannot encode as the json module does (both go through the old, exact path)."""
    if not values:
        return []
    text, unsure = _fast(values)
    if _not_clean(text):
        unsure = sorted(set(unsure).union(
            i for i, line in enumerate(text.split("\n")) if _not_clean(line)))
    return unsure
