"""JSON through orjson when it is installed (several times faster than the standard
library), else through the standard library; the same values either way.

Only for data listwatch wrote itself (stored snapshots, its cache, its own output): input
from elsewhere goes through :mod:`listwatch.snapshot`, whose errors name line and column.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson comes with the test extra
    orjson = None


def loads(data: bytes) -> Any:
    """Parse; ``ValueError`` when it is not JSON."""
    if orjson is not None:
        return orjson.loads(data)  # orjson.JSONDecodeError is a ValueError
    return json.loads(data)


def dumps(value: Any) -> str:
    """Compact JSON on one line, UTF-8 not escaped."""
    return dumpb(value).decode("utf-8")


def dumpb(value: Any) -> bytes:
    """:func:`dumps` as UTF-8 bytes, for a file (orjson writes them without a copy)."""
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:  # an integer past 64 bits: let the standard library write it
            pass
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
