"""Text normalisation for comparison: what counts as "the same" name or value."""

from __future__ import annotations

from typing import Any

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"'})


def norm(value: Any) -> Any:
    """The comparable form of a value: noise (case, spaces, quotes, order) removed."""
    if isinstance(value, str):
        return " ".join(value.translate(_QUOTES).casefold().split())
    if isinstance(value, list):
        items = [norm(v) for v in value]
        try:
            return tuple(sorted(items))
        except TypeError:
            return tuple(sorted(items, key=repr))
    if isinstance(value, dict):
        return tuple(sorted((k, norm(v)) for k, v in value.items()))
    return value
