"""Keyed diff of two snapshots: added, removed, changed (per field) and renamed.

Entries are matched by id. Letter case, whitespace, quote style and order are
never a change; ``provenance`` and the watch's ``ignore`` paths are never compared.

A removed and an added entry are reported once, as *renamed*, when they are the
same market (see :mod:`listwatch.renames`).
"""

from __future__ import annotations

import itertools
import json
import operator
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .categories import count_categories, counting
from .renames import RENAME_THRESHOLD, match_renames
from .snapshot import CanonicalReader, NotCanonical, gc_paused, load
from .text import norm

__all__ = ["RENAME_THRESHOLD", "apply", "diff", "diff_files", "diff_stored", "is_empty",
           "match_renames"]

NOT_COMPARED = frozenset({"id", "provenance"})


def _flat(entry: dict, ignore: frozenset[str]) -> dict[str, Any]:
    out = {}
    for key, value in entry.items():
        if key in NOT_COMPARED or key in ignore:
            continue
        if key == "attributes" and isinstance(value, dict):
            for sub, subvalue in value.items():
                path = f"attributes.{sub}"
                if path not in ignore:
                    out[path] = subvalue
        else:
            out[key] = value
    return out


_EMPTY = (None, "", [], {})


def changed_fields(old: dict, new: dict, ignore: frozenset[str] = frozenset()) -> dict:
    """Fields whose comparable form differs; an absent field equals an empty one."""
    a, b = _flat(old, ignore), _flat(new, ignore)
    fields = {}
    for key in sorted(a.keys() | b.keys()):
        va, vb = a.get(key), b.get(key)
        if va in _EMPTY and vb in _EMPTY:
            continue
        if norm(va) != norm(vb):
            fields[key] = {"from": va, "to": vb}
    return fields


def _same_but_provenance(old: dict, new: dict) -> bool:
    a, b = old.pop("provenance", None), new.pop("provenance", None)
    try:
        return old == new
    finally:
        if a is not None:
            old["provenance"] = a
        if b is not None:
            new["provenance"] = b


class Collector:
    """Accumulates the result of a merge of two id-ordered entry streams."""

    def __init__(self, ignore: Iterable[str]):
        self.ignore = frozenset(ignore)
        self.added: list[dict] = []
        self.removed: list[dict] = []
        self.changed: list[dict] = []
        self.unchanged = 0

    def same_id(self, old: dict, new: dict) -> None:
        if old == new or _same_but_provenance(old, new):  # the common cases, mostly in C
            self.unchanged += 1
            return
        fields = changed_fields(old, new, self.ignore)
        if fields:
            item = {"id": new["id"], "name": new["name"], "fields": fields}
            if new.get("provenance"):  # where the entry now is (a report links its page)
                item["provenance"] = new["provenance"]
            self.changed.append(item)
        else:
            self.unchanged += 1


def _side(envelope: dict | None, categories: Counter | None = None) -> dict | None:
    """One side's metadata; ``location`` (the document, for links) and ``categories``
    (how many entries of each category the new snapshot holds) only when known."""
    if envelope is None:
        return None
    source = envelope.get("source") or {}
    side = {"edition": (envelope.get("list") or {}).get("edition"),
            "sha256": source.get("sha256"), "retrieved_at": source.get("retrieved_at"),
            "plugin_version": source.get("plugin_version")}
    if source.get("location"):
        side["location"] = source["location"]
    if categories:
        side["categories"] = {k: categories[k] for k in sorted(categories)}
    return side


def _finish(old_env: dict | None, new_env: dict, c: Collector,
            categories: Counter | None = None) -> dict:
    renamed, removed, added = match_renames(c.removed, c.added)
    if categories is None:
        categories = count_categories(new_env.get("entries") or ())
    return {
        "listwatch": "diff/1",
        "list": (new_env.get("list") or {}).get("id"),
        "from": _side(old_env),
        "to": _side(new_env, categories),
        "added": added,
        "removed": removed,
        "changed": c.changed,
        "renamed": renamed,
        "counts": {"added": len(added), "removed": len(removed), "changed": len(c.changed),
                   "renamed": len(renamed), "unchanged": c.unchanged},
    }


def diff(old: dict | None, new: dict, ignore: Iterable[str] = ()) -> dict:
    """Diff two snapshot documents (``old`` None: everything is added)."""
    c = Collector(ignore)
    before = {e["id"]: e for e in (old or {}).get("entries", [])}
    for entry in new.get("entries", []):
        prior = before.pop(entry["id"], None)
        if prior is None:
            c.added.append(entry)
        else:
            c.same_id(prior, entry)
    c.removed = list(before.values())
    for found in (c.added, c.removed, c.changed):  # id order, whatever the files' order
        found.sort(key=_by_id)
    return _finish(old, new, c)


def _by_id(entry: dict) -> str:
    return entry["id"]


def diff_files(old: str | Path, new: str | Path, ignore: Iterable[str] = ()) -> dict:
    """Diff two snapshot files, streaming when both are in the canonical layout.

    Lines identical but for a trailing flat ``provenance`` are the same entry,
    unchanged, and are never parsed (only their
    ids are read, to check that ids strictly increase in both files); the lines that
    differ are parsed and checked against the schema. Any departure from the layout,
    from strict id order or from the schema falls back to reading and validating both
    files whole, so a bad file gets the same one-line error as from ``validate``.
    Lines identical in both files are otherwise trusted: `listwatch validate` checks
    every entry.
    """
    try:
        return _diff_canonical(old, new, ignore)
    except NotCanonical:
        with gc_paused():
            return diff(load(old), load(new), ignore)


def _parse(line: str, where: str) -> dict:
    """Parse one entry line; anything the snapshot schema would reject is NotCanonical,
    so the caller falls back to the full parser and its exact error message."""
    from .validation import entry_is_valid

    try:
        entry = json.loads(line)
    except ValueError:
        raise NotCanonical(where) from None
    if not entry_is_valid(entry):
        raise NotCanonical(where)
    return entry


def _quick_id(line: str) -> str | None:
    """The id of a canonical entry line without parsing it, or None when unsure.

    Keys are sorted and compact, so the top-level ``"id":"`` is the first one at
    brace depth 1. Anything unusual (escapes, a nested ``id`` first) gives None and
    the caller parses the line properly.
    """
    at = line.find('"id":"')
    if at < 0:
        return None
    end = line.find('"', at + 6)
    ident = line[at + 6:end]
    if not ident or "\\" in ident or ident.isspace():
        return None
    prefix = line[:at]
    if prefix.count("{") != prefix.count("}") + 1:
        return None
    return ident


_ID = re.compile(r'"id":"([^"\\]*)"')


def _block_ids(text: str, lines: int) -> list[str] | None:
    """Each line's id, found in C, when the block holds one ``"id":"`` per line.

    (Only a line without a top-level id, which is invalid, could make another
    line's nested ``"id"`` count as its; such a line is then trusted as unchanged.)
    """
    ids = _ID.findall(text)
    return ids if len(ids) == lines else None


_VALUE = r'(?:-?(?:0|[1-9]\d*)|"[^"\\\n]*"|true|false|null)'
_MEMBER = r'"[^"\\\n]*":' + _VALUE
#: A flat ``"provenance"`` object closing an entry line (sorted keys put it last in the
#: table's and the feed's entries), its members plain JSON: the diff never compares
#: provenance, so two lines equal without it are one entry, unchanged, found in C
#: without parsing either (a reordered table changes every row's provenance).
_PROVENANCE = re.compile(r',"provenance":\{(?:' + _MEMBER + r'(?:,' + _MEMBER + r')*)?\}'
                         r'(?=\},\n)')


def _comparable(text: str) -> list[str]:
    """A block's lines without their provenance and line ends, to compare."""
    return _PROVENANCE.sub("", text).split("\n")[:-1]


def _run_ids(ids: list[str] | None, block: list[str], i: int, k: int, where: str) -> list[str]:
    if ids is not None:
        return ids[i:i + k]
    return [_quick_id(line) or _parse(line[4:-2], where)["id"] for line in block[i:i + k]]


def _increasing(ids: list[str], last: str) -> bool:
    return ids[0] > last and all(map(operator.lt, ids, itertools.islice(ids, 1, None)))


def _common(a: list[str], i: int, b: list[str], j: int) -> int:
    """How many lines from ``a[i]`` and ``b[j]`` on are equal (``a[i] == b[j]``):
    galloping then bisecting with slice comparisons, so the lines are compared in C."""
    n = min(len(a) - i, len(b) - j)
    k, step = 1, 4
    while k < n:
        m = min(n, k + step)
        if a[i + k:i + m] == b[j + k:j + m]:
            k, step = m, step * 2
            continue
        lo, hi = k, m  # the first lo lines are equal; a difference lies before hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if a[i + lo:i + mid] == b[j + lo:j + mid]:
                lo = mid
            else:
                hi = mid
        return lo
    return k


def diff_stored(old: Path, new: dict, new_text: str, ignore: Iterable[str] = ()) -> dict:
    """Diff a stored snapshot file against a new snapshot and its canonical text
    (``snapshot.dumps(new)``): the streaming merge, without parsing the stored file."""
    try:
        return _diff_canonical(old, "(new snapshot)", ignore, new_text,
                               count_categories(new.get("entries") or ()))
    except NotCanonical:
        with gc_paused():
            return diff(load(old), new, ignore)


def _diff_canonical(old: str | Path, new: str | Path, ignore: Iterable[str],
                    new_text: str | None = None, categories: Counter | None = None) -> dict:
    """Merge two id-ordered canonical files, block by block.

    Runs of lines that are the same in both files, provenance aside, are unchanged
    entries: they are found with slice comparisons and never parsed; only their ids are read (one
    regex per block) to check that ids increase strictly on both sides.
    Duplicates or disorder are not the canonical layout: NotCanonical, and the full
    parser then reports them. Lines that differ are parsed and schema-checked.
    """
    from .validation import check_snapshot

    with CanonicalReader(old) as ra, CanonicalReader(new, new_text) as rb:
        for reader in (ra, rb):
            try:
                check_snapshot({**reader.envelope, "entries": []}, reader.path)
            except Exception:
                raise NotCanonical(reader.path) from None
        c = Collector(ignore)
        blocks_a, blocks_b = ra.blocks(), rb.blocks()
        if categories is None:  # the new side is a file: count as its blocks stream by
            categories = Counter()
            blocks_b = counting(blocks_b, categories, rb.path)
        a: list[str] | None = []
        b: list[str] | None = []
        ca: list[str] = []  # a and b as compared: without provenance
        cb: list[str] = []
        ids_a: list[str] | None = None
        i = j = 0
        ea = eb = None  # a[i] / b[j] parsed, when they had to be
        last_a = last_b = ""
        unchanged = 0
        while True:
            if i == len(a):
                a, text = next(blocks_a, (None, ""))
                if a is None:
                    break
                i, ids_a, ca = 0, _block_ids(text, len(a)), _comparable(text)
            if j == len(b):
                b, text = next(blocks_b, (None, ""))
                if b is None:
                    break
                j, cb = 0, _comparable(text)
            line_a, line_b = a[i], b[j]
            if ca[i] == cb[j]:
                if ea is None and eb is None:
                    k = _common(ca, i, cb, j)
                    ids = _run_ids(ids_a, a, i, k, ra.path)
                    if not _increasing(ids, max(last_a, last_b)):
                        raise NotCanonical(ra.path if ids[0] <= last_a else rb.path)
                    i, j, unchanged = i + k, j + k, unchanged + k
                    last_a = last_b = ids[-1]
                    continue
                ident = (ea or eb)["id"]  # one side was parsed and checked already
                if (ea is None and ident <= last_a) or (eb is None and ident <= last_b):
                    raise NotCanonical(ra.path if ea is None else rb.path)
                last_a = last_b = ident
                i, j, unchanged, ea, eb = i + 1, j + 1, unchanged + 1, None, None
                continue
            if ea is None:
                ea = _parse(line_a[4:-2], ra.path)
                if ea["id"] <= last_a:
                    raise NotCanonical(ra.path)
                last_a = ea["id"]
            if eb is None:
                eb = _parse(line_b[4:-2], rb.path)
                if eb["id"] <= last_b:
                    raise NotCanonical(rb.path)
                last_b = eb["id"]
            if ea["id"] == eb["id"]:
                c.same_id(ea, eb)
                i, j, ea, eb = i + 1, j + 1, None, None
            elif ea["id"] < eb["id"]:
                c.removed.append(ea)
                i, ea = i + 1, None
            else:
                c.added.append(eb)
                j, eb = j + 1, None
        c.unchanged += unchanged  # plus those same_id found equal modulo noise
        # One side is used up; what is left of the other was removed or added.
        for block, at, entry, blocks, reader, out, last in (
                (a, i, ea, blocks_a, ra, c.removed, last_a),
                (b, j, eb, blocks_b, rb, c.added, last_b)):
            while block is not None:
                for line in block[at:]:
                    if entry is not None:  # parsed and checked already
                        out.append(entry)
                        entry = None
                        continue
                    entry_ = _parse(line[4:-2], reader.path)
                    if entry_["id"] <= last:
                        raise NotCanonical(reader.path)
                    last = entry_["id"]
                    out.append(entry_)
                block, at = next(blocks, (None, ""))[0], 0
        return _finish(ra.envelope, rb.envelope, c, categories)


def apply(old: dict, d: dict) -> list[dict]:
    """The entries of ``old`` with the diff applied (the inverse of :func:`diff`)."""
    entries = {e["id"]: dict(e) for e in old.get("entries", [])}
    for e in d["removed"]:
        entries.pop(e["id"], None)
    for r in d["renamed"]:
        entries.pop(r["from"]["id"], None)
        entries[r["to"]["id"]] = r["to"]
    for e in d["added"]:
        entries[e["id"]] = e
    for ch in d["changed"]:
        entry = entries[ch["id"]]
        for field, values in ch["fields"].items():
            if field.startswith("attributes."):
                attrs = entry.setdefault("attributes", {})
                attrs[field.split(".", 1)[1]] = values["to"]
            else:
                entry[field] = values["to"]
    return sorted(entries.values(), key=lambda e: e["id"])


def is_empty(d: dict, kinds: Iterable[str] = ("added", "removed", "renamed", "changed")) -> bool:
    return not any(d["counts"][k] for k in kinds)
