"""Text normalisation for comparison: what counts as "the same" name or value."""

from __future__ import annotations

import re
import unicodedata

TYPE_CHECKING = False   # typing is not imported at run time (see listwatch/__init__.py)
if TYPE_CHECKING:
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


def slug(text: str) -> str:
    """A stable, readable id part: case-, accent- and punctuation-insensitive.

    ``"AMAZON’S FOREIGN DOMAINS"`` and ``"Amazon's foreign domains"`` give the same
    slug; digits are kept (``TORRENTZ2``).
    """
    if not text.isascii():      # (ASCII has no accents to take off: the common case)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("’", "'").replace("'", "")
    return re.sub(r"[^\w]+", "-", text, flags=re.ASCII).strip("-") or "x"
