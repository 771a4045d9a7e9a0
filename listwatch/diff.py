"""Keyed diff of two snapshots: added, removed, changed (per field) and renamed.

Entries are matched by id. Letter case, whitespace, quote style and order are
never a change; ``provenance`` and the watch's ``ignore`` paths are never compared.

A removed and an added entry are reported once, as *renamed*, when they are the
same market: they share a URL (score 1.0, reason ``url``), or their normalised
names have a similarity of at least :data:`RENAME_THRESHOLD` (rapidfuzz's
``ratio``, 0..1, reason ``name``). Categories must agree when both are given.
Pairs are taken best score first, each entry at most once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from .snapshot import CanonicalReader, NotCanonical, load

RENAME_THRESHOLD = 0.90
NOT_COMPARED = frozenset({"id", "provenance"})
#: Above this many removed x added pairs, names are not compared (URLs still are).
MAX_NAME_PAIRS = 400_000_000
_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"'})
_PUNCT = re.compile(r"[\W_]+")


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


class Collector:
    """Accumulates the result of a merge of two id-ordered entry streams."""

    def __init__(self, ignore: Iterable[str]):
        self.ignore = frozenset(ignore)
        self.added: list[dict] = []
        self.removed: list[dict] = []
        self.changed: list[dict] = []
        self.unchanged = 0

    def same_id(self, old: dict, new: dict) -> None:
        fields = changed_fields(old, new, self.ignore)
        if fields:
            self.changed.append({"id": new["id"], "name": new["name"], "fields": fields})
        else:
            self.unchanged += 1


def _side(envelope: dict | None) -> dict | None:
    if envelope is None:
        return None
    return {"edition": (envelope.get("list") or {}).get("edition"),
            "sha256": (envelope.get("source") or {}).get("sha256"),
            "retrieved_at": (envelope.get("source") or {}).get("retrieved_at")}


def _finish(old_env: dict | None, new_env: dict, c: Collector) -> dict:
    renamed, removed, added = match_renames(c.removed, c.added)
    return {
        "listwatch": "diff/1",
        "list": (new_env.get("list") or {}).get("id"),
        "from": _side(old_env),
        "to": _side(new_env),
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
    return _finish(old, new, c)


def diff_files(old: str | Path, new: str | Path, ignore: Iterable[str] = ()) -> dict:
    """Diff two snapshot files, streaming when both are in the canonical layout.

    Identical lines are the same entry, unchanged, and are never parsed; only the
    lines that differ are. Any departure from the layout (or from id order) falls
    back to reading and validating both files whole.
    """
    try:
        return _diff_canonical(old, new, ignore)
    except NotCanonical:
        return diff(load(old), load(new), ignore)


def _parse(line: str, where: str) -> dict:
    try:
        entry = json.loads(line)
    except ValueError:
        raise NotCanonical(where) from None
    if not (isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]
            and isinstance(entry.get("name"), str) and entry["name"]):
        raise NotCanonical(where)
    return entry


def _diff_canonical(old: str | Path, new: str | Path, ignore: Iterable[str]) -> dict:
    from .validation import check_snapshot

    with CanonicalReader(old) as ra, CanonicalReader(new) as rb:
        for reader in (ra, rb):
            try:
                check_snapshot({**reader.envelope, "entries": []}, reader.path)
            except Exception:
                raise NotCanonical(reader.path) from None
        c = Collector(ignore)
        a, b = ra.lines(), rb.lines()
        la, lb = next(a, None), next(b, None)
        ea = eb = None
        last_a = last_b = ""
        while la is not None and lb is not None:
            if la == lb:
                c.unchanged += 1
                la, lb, ea, eb = next(a, None), next(b, None), None, None
                continue
            if ea is None:
                ea = _parse(la, ra.path)
                if ea["id"] <= last_a:
                    raise NotCanonical(ra.path)
                last_a = ea["id"]
            if eb is None:
                eb = _parse(lb, rb.path)
                if eb["id"] <= last_b:
                    raise NotCanonical(rb.path)
                last_b = eb["id"]
            if ea["id"] == eb["id"]:
                c.same_id(ea, eb)
                la, lb, ea, eb = next(a, None), next(b, None), None, None
            elif ea["id"] < eb["id"]:
                c.removed.append(ea)
                la, ea = next(a, None), None
            else:
                c.added.append(eb)
                lb, eb = next(b, None), None
        for line, reader, out, last in ((la, ra, c.removed, last_a), (lb, rb, c.added, last_b)):
            rest = a if reader is ra else b
            while line is not None:
                entry = _parse(line, reader.path)
                if entry["id"] <= last:
                    raise NotCanonical(reader.path)
                last = entry["id"]
                out.append(entry)
                line = next(rest, None)
        return _finish(ra.envelope, rb.envelope, c)


def _name_key(entry: dict) -> str:
    return _PUNCT.sub(" ", norm(entry.get("name", ""))).strip()


def _url_key(url: str) -> str:
    url = norm(url)
    url = re.sub(r"^[a-z]+://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


def _compatible(a: dict, b: dict) -> bool:
    ca, cb = a.get("category"), b.get("category")
    return not (ca and cb and norm(ca) != norm(cb))


def match_renames(removed: list[dict], added: list[dict]) -> tuple[list, list, list]:
    """Split removed/added into (renamed, still removed, still added)."""
    if not removed or not added:
        return [], removed, added
    pairs: list[tuple[float, int, int, str]] = []
    by_url: dict[str, list[int]] = {}
    for i, entry in enumerate(removed):
        for url in entry.get("urls") or ():
            if isinstance(url, str):
                by_url.setdefault(_url_key(url), []).append(i)
    for j, entry in enumerate(added):
        hits = {i for url in entry.get("urls") or () if isinstance(url, str)
                for i in by_url.get(_url_key(url), ())}
        pairs += [(1.0, i, j, "url") for i in hits if _compatible(removed[i], entry)]
    if len(removed) * len(added) <= MAX_NAME_PAIRS:
        pairs += _name_pairs(removed, added)
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_old, used_new, renamed = set(), set(), []
    for score, i, j, reason in pairs:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        renamed.append({"from": removed[i], "to": added[j], "score": round(score, 3),
                        "reason": reason})
    renamed.sort(key=lambda r: r["to"]["id"])
    return (renamed, [e for i, e in enumerate(removed) if i not in used_old],
            [e for j, e in enumerate(added) if j not in used_new])


def _name_pairs(removed: list[dict], added: list[dict]) -> list[tuple[float, int, int, str]]:
    import numpy as np
    from rapidfuzz import fuzz, process

    old_names = [_name_key(e) for e in removed]
    new_names = [_name_key(e) for e in added]
    cutoff = int(RENAME_THRESHOLD * 100)
    pairs = []
    block = max(1, 20_000_000 // max(1, len(new_names)))  # bound the score matrix to ~20 MB
    for start in range(0, len(old_names), block):
        scores = process.cdist(old_names[start:start + block], new_names, scorer=fuzz.ratio,
                               score_cutoff=cutoff, dtype=np.uint8, workers=-1)
        for i, j in zip(*np.nonzero(scores)):
            i, j = int(i) + start, int(j)
            if old_names[i] and _compatible(removed[i], added[j]):
                pairs.append((float(scores[i - start, j]) / 100, i, j, "name"))
    return pairs


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
