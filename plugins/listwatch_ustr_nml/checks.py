"""The report's self-checks: what it states against what was found. Pure, no I/O.

A failed check that means "this parse is wrong" is a *doubt* (``Draft.doubts``: the
snapshot is held back unless the watch sets ``strict = false``); a mild oddity is a
warning. A damaged document that still parses (byte errors in a compressed stream, a font's
character map, a page's text) shows here: headings that are not words, counts that do not
add up.
"""

from __future__ import annotations

import re
import unicodedata

from .text import plain

_NUMBER_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])}
_TENS = {w: 10 * i for i, w in enumerate(["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]) if w != "_"}
# "… identifies 39 online markets and thirty-three physical markets …"
STATED = re.compile(r"\b(\d{1,3}|[a-z]+(?:-[a-z]+)?)\s+online\s+markets\s+and\s+"
                    r"(\d{1,3}|[a-z]+(?:-[a-z]+)?)\s+physical\s+markets", re.IGNORECASE)
#: How many more markets than headings a report may state: one heading can name two
#: markets (2019: "HOSTING CONCEPTS B.V. … AND REGIONAL NETWORK INFORMATION CENTER JSC").
STATED_SLACK = 1
_WORDS = re.compile(r"[^\W\d_]+")
# control, private-use, unassigned, surrogate (format characters such as a zero-width
# space are invisible and plausible in a genuine document)
_BAD_CATEGORIES = frozenset(["Cc", "Co", "Cn", "Cs"])
_DOT_LEADER = re.compile(r"\.{6,}")


def counts(text: str, found: dict[str, int]) -> tuple[list[str], list[str]]:
    """``(warnings, doubts)`` from the counts the report states in ``text`` (its Overview)
    against the headings ``found`` per section ("online", "physical")."""
    warnings: list[str] = []
    doubts: list[str] = []
    match = STATED.search(text)
    if match:
        for stated, what in ((_number(match.group(1)), "online"),
                             (_number(match.group(2)), "physical")):
            got = found[what]
            if stated is None or stated == got:
                continue
            line = (f"the report says it lists {stated} {what} markets; {got} {what} market "
                    "headings were found")
            if 0 < stated - got <= STATED_SLACK:
                warnings.append(line + " (one heading can name several markets)")
            else:
                doubts.append(line)
    for what, got in found.items():
        if got < 5:
            warnings.append(f"only {got} {what} market heading{'' if got == 1 else 's'} "
                            "found; the report's layout may have changed")
    return warnings, doubts


def not_words(name: str) -> str | None:
    """Why a heading is not words (what a damaged font map or content stream gives), or
    None: control, private-use or unassigned characters, a word mixing scripts
    ("CЉntral MarkЉt"), mostly non-Latin letters, a table-of-contents dot leader, or
    unbalanced parentheses (a damaged character map: "City 1Futian Market)")."""
    name = plain(name)
    for char in name:
        if char == "\ufffd" or unicodedata.category(char) in _BAD_CATEGORIES:
            return f"character U+{ord(char):04X}"
    if _DOT_LEADER.search(name):
        return "a table-of-contents dot leader"
    if name.count("(") != name.count(")"):
        return "unbalanced parentheses"
    latin = letters = 0
    for word in _WORDS.findall(name):
        scripts = {_script(c) for c in word} - {None}
        if len(scripts) > 1:
            return f"the word \u201c{word}\u201d mixes {' and '.join(sorted(scripts))} letters"
        letters += len(word)
        latin += len(word) if scripts == {"LATIN"} else 0
    if not letters:
        return "no letters"
    if latin * 2 < letters:
        return "mostly non-Latin letters"
    return None


def _script(char: str) -> str | None:
    """The script a letter or mark belongs to, from its Unicode name; None for marks that
    go with any script."""
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return None if first in ("", "COMBINING", "MODIFIER") else first


def headings(names: list[tuple[str, str]]) -> list[str]:
    """A doubt for each ``(what, heading)`` that is not words."""
    out = []
    for what, name in names:
        why = not_words(name)
        if why:
            shown = "".join(c if c.isprintable() else "\ufffd" for c in name)
            if len(shown) > 60:
                shown = shown[:57] + "\u2026"
            out.append(f"{what} heading \u201c{shown}\u201d is not words ({why}); the "
                       "document may be damaged")
    return out


def _number(text: str) -> int | None:
    text = text.casefold()
    if text.isdigit():
        return int(text)
    total = 0
    for word in re.split(r"[- ]", text):
        if word in _TENS:
            total += _TENS[word]
        elif word in _NUMBER_WORDS:
            total += _NUMBER_WORDS[word]
        else:
            return None
    return total
