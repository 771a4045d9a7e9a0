"""How many entries of each category a snapshot holds (``to.categories`` of a diff):
from entry dicts, or from canonical entry lines as a streaming diff reads them."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from .snapshot import NotCanonical


def count_categories(entries: Iterable[dict]) -> Counter:
    """How many entries of each (string) category."""
    found = Counter(e.get("category") for e in entries)
    return Counter({k: n for k, n in found.items() if isinstance(k, str) and k})


# A canonical line's top-level category, when only aliases and attributes without nested
# objects come before it (a string cannot hold an unescaped `"`, so `,"category":` after
# the first `}` is the top-level key). Anchored on the line's start ("\n" + four spaces,
# a literal the regex engine scans for fast); possessive, so it never backtracks. Other
# lines (escapes, nested attributes) are parsed, see _count_block.
_TOP_CATEGORY = re.compile(r'\n    \{(?:"aliases":\[[^\]\n]*+\],)?(?:"attributes":\{[^{}\n]*+\},)?'
                           r'"category":(?:"([^"\\\n]*+)"|null)')


def _count_block(lines: list[str], text: str, counter: Counter, where: str) -> None:
    """Count the categories of a block of canonical lines: one regex in C, and a parse
    of each line only when the block holds a ``"category":`` the regex did not read."""
    found = _TOP_CATEGORY.findall("\n" + text)
    if text.count('"category":') != len(found):
        found = []
        for line in lines:
            if '"category":' in line:
                try:
                    category = json.loads(line[4:-2]).get("category")
                except (ValueError, AttributeError):
                    raise NotCanonical(where) from None
                found.append(category if isinstance(category, str) else "")
    counter.update(c for c in found if c)


def counting(blocks: Iterable[tuple[list[str], str]], counter: Counter,
             where: str) -> Iterator[tuple[list[str], str]]:
    """Pass the blocks on, counting each one's categories into ``counter``."""
    for lines, text in blocks:
        _count_block(lines, text, counter, where)
        yield lines, text
