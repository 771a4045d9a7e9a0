"""Which removed and added entries are really one market that was renamed.

A pair is a rename when the two share a URL (score 1.0, reason ``url``), or their
normalised names have a similarity of at least :data:`RENAME_THRESHOLD` (rapidfuzz's
``ratio``, 0..1, reason ``name``). Categories must agree when both are given. A pair
with the same name under another country heading (a physical market re-classified, so
it got another id) is reason ``moved``. Pairs
are taken best score first (a shared URL before an equal name score), each entry at
most once. Names are scored in bulk with rapidfuzz's ``cdist``; it never goes
quadratic in Python.
"""

from __future__ import annotations

import re

from .text import norm as _norm

RENAME_THRESHOLD = 0.90
#: Above this many removed x added pairs, names are not compared (URLs still are).
MAX_NAME_PAIRS = 400_000_000
_PUNCT = re.compile(r"[\W_]+")


def _name_key(entry: dict) -> str:
    return _PUNCT.sub(" ", _norm(entry.get("name", ""))).strip()


def _url_key(url: str) -> str:
    url = _norm(url)
    url = re.sub(r"^[a-z]+://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


def _compatible(a: dict, b: dict) -> bool:
    ca, cb = a.get("category"), b.get("category")
    return not (ca and cb and _norm(ca) != _norm(cb))


def _moved(old: dict, new: dict) -> bool:
    """The same name, re-classified under another country heading."""
    ca, cb = old.get("country"), new.get("country")
    return _name_key(old) == _name_key(new) and _norm(ca or "") != _norm(cb or "")


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
    pairs.sort(key=lambda p: (-p[0], p[3] != "url", p[1], p[2]))  # a URL wins a tie
    used_old, used_new, renamed = set(), set(), []
    for score, i, j, reason in pairs:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        if reason == "name" and _moved(removed[i], added[j]):
            reason = "moved"
        renamed.append({"from": removed[i], "to": added[j], "score": round(score, 3),
                        "reason": reason})
    renamed.sort(key=lambda r: r["to"]["id"])
    return (renamed, [e for i, e in enumerate(removed) if i not in used_old],
            [e for j, e in enumerate(added) if j not in used_new])


def _name_pairs(removed: list[dict], added: list[dict]) -> list[tuple[float, int, int, str]]:
    """Pairs whose names score at least the threshold, compared in bulk (rapidfuzz cdist).

    Names are grouped by length: ``ratio`` is at most ``2 min(L, M) / (L + M)``, so
    only lengths that can reach the threshold are compared (~5x fewer pairs).
    """
    import numpy as np
    from rapidfuzz import fuzz, process

    old_names = [_name_key(e) for e in removed]
    new_names = [_name_key(e) for e in added]
    cutoff = int(RENAME_THRESHOLD * 100)
    old_by_len: dict[int, list[int]] = {}
    new_by_len: dict[int, list[int]] = {}
    for names, by_len in ((old_names, old_by_len), (new_names, new_by_len)):
        for index, name in enumerate(names):
            if name:
                by_len.setdefault(len(name), []).append(index)
    pairs = []
    for length, olds in sorted(old_by_len.items()):
        cands = [j for other, js in sorted(new_by_len.items())
                 if 200 * min(length, other) >= cutoff * (length + other) for j in js]
        if not cands:
            continue
        cand_names = [new_names[j] for j in cands]
        block = max(1, 20_000_000 // len(cands))  # bound the score matrix to ~20 MB
        for start in range(0, len(olds), block):
            part = olds[start:start + block]
            scores = process.cdist([old_names[i] for i in part], cand_names, scorer=fuzz.ratio,
                                   score_cutoff=cutoff, dtype=np.uint8, workers=-1)
            for r, c in zip(*np.nonzero(scores)):
                i, j = part[int(r)], cands[int(c)]
                if _compatible(removed[i], added[j]):
                    pairs.append((float(scores[r, c]) / 100, i, j, "name"))
    return pairs
