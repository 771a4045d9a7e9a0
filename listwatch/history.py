"""When each entry of a watch was listed, across every stored edition, following renames
and moves.

Consecutive stored snapshots are diffed with :mod:`listwatch.diff` (the streaming diff,
which parses only the lines that differ; each pair's diff is kept in the store's cache,
as stored snapshots never change), so an entry renamed or moved to another id
(``renamed[]``, reason ``url``, ``name`` or ``moved``) stays one entry, and an id that
comes back after a gap is the same entry again. Only the first snapshot is read whole;
after it, the work is proportional to what changed, not to the size of the list.

Editions are the list's ``edition`` (the year of a report); a list without editions is
counted by the day each snapshot was retrieved.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path

from .chains import Chains, label
from .errors import ConfigError
from .renames import RENAME_THRESHOLD
from .snapshot import gc_paused
from .store import Store
from .text import norm


@dataclass
class Walk:
    """What one pass over a watch's stored snapshots found (kept as JSON in the cache)."""

    editions: list[str]                 # distinct, oldest first
    steps: list[dict]                   # per snapshot: {"edition", "retrieved_at"}
    rows: list[dict]                    # per entry, by id: id, name, category, country,
    #                                     first and last (steps), listed_now, former
    runs: list[list[int]]               # per row: its editions, [start, end) positions, flat
    countries: list[dict[str, int]]     # per edition: physical markets per country
    newest: list[int]                   # per edition: its newest step
    paths: list[Path]                   # the snapshots read, oldest first

    @property
    def when(self) -> list[dict]:
        """Per edition: ``{"edition", "retrieved_at"}`` of its newest snapshot."""
        return [self.steps[k] for k in self.newest]

    @property
    def last_of(self) -> list[Path]:
        """Per edition: its newest snapshot."""
        return [self.paths[k] for k in self.newest]

    @functools.cached_property
    def latest(self) -> dict:
        """The newest snapshot (read when asked for: `history` does not need it)."""
        return load_stored(self.paths[-1])

    def history_row(self, i: int) -> dict:
        """Row ``i`` as `history --format json` gives it (docs/formats.md)."""
        r, at, editions = self.rows[i], self.runs[i], self.editions
        return {"id": r["id"], "name": r["name"], "category": r["category"],
                "country": r["country"], "first": self.steps[r["first"]],
                "last": self.steps[r["last"]],
                "editions": editions[at[0]:at[1]] if len(at) == 2 else
                [x for a, b in zip(at[::2], at[1::2]) for x in editions[a:b]],
                "listed_now": r["listed_now"], "former": r["former"]}


def _stamp(path: Path) -> list:
    st = path.stat()
    return [path.name, st.st_size, st.st_mtime_ns]


def _key(*paths: Path) -> list:
    """What a value derived from stored snapshots depends on: listwatch, the rename
    threshold, and each file (stored snapshots never change, but a store can be rebuilt)."""
    from .version import __version__

    return [__version__, RENAME_THRESHOLD, *(part for p in paths for part in _stamp(p))]


def pair_diff(store: Store, watch: str, old: Path, new: Path) -> dict:
    """The diff of two stored snapshots, kept in the store's cache: stored snapshots never
    change, so it is computed once (again when listwatch or a file changes)."""
    from .diff import diff_files

    return store.cache.cached(watch, f"diff-{old.stem}--{new.stem}", _key(old, new),
                        lambda: diff_files(old, new))


def remember_pair(store: Store, watch: str, old: Path, new: Path, d: dict) -> None:
    """Keep the diff ``check`` just made of two stored snapshots (with no ignored fields,
    renames not unfolded: what :func:`pair_diff` would compute), so the first ``history``
    or ``report`` after a run of checks finds every pair ready."""
    store.cache.keep(watch, f"diff-{old.stem}--{new.stem}", _key(old, new), d)


def load_stored(path: Path) -> dict:
    """A stored snapshot (orjson when installed: 6x faster on 1,000 entries), checked
    against the schema; a file that does not parse goes through ``snapshot.load``,
    which words the problem."""
    from .fastjson import loads
    from .snapshot import load
    from .validation import check_snapshot

    try:
        doc = loads(path.read_bytes())
    except (OSError, ValueError):
        return load(path)
    check_snapshot(doc, str(path))
    return doc


@gc_paused()
def walk(store: Store, watch: str) -> Walk:
    """One pass over the stored snapshots of ``watch``, oldest first.

    What it found is kept in the store's cache until a snapshot is stored or removed, and
    so are its :class:`~listwatch.chains.Chains`: after ``check`` stored a snapshot, the
    walk goes on from them with the one new diff.

    This and the other steps from the store to the page (:func:`history`, :func:`as_json`,
    ``reporting.build``, the renderers) pause the garbage collector: they make many small
    objects and no cycles, and a collection would scan them all again and again."""
    from .version import __version__

    paths = store.snapshots(watch)
    if not paths:
        raise ConfigError(f"no stored snapshots of watch {watch!r} in {store.root}")
    stamps = [_stamp(p) for p in paths]
    base = [__version__, RENAME_THRESHOLD]
    key = ["history/3", *base, stamps]
    kept = store.cache.kept(watch, "history", key)
    if kept is not None:
        with contextlib.suppress(KeyError, TypeError, IndexError, ValueError):
            return _as_walk(kept[1], paths)  # else: not what listwatch kept, walked again
    chains, done = _resume(store, watch, base, stamps)
    if done:
        try:
            for old, new in zip(paths[done - 1:], paths[done:]):
                chains.advance(pair_diff(store, watch, old, new))
        except (KeyError, IndexError):  # kept chains the new diffs do not fit: start over
            chains, done = Chains(), 0
    first = None
    if not done:
        first = load_stored(paths[0])
        chains.start(first)
        for old, new in zip(paths, paths[1:]):
            chains.advance(pair_diff(store, watch, old, new))
    latest = first if first is not None and len(paths) == 1 else load_stored(paths[-1])
    found = _finish(chains, latest)
    store.cache.keep(watch, "chains", [*base, stamps], chains.to_json())
    store.cache.keep(watch, "history", key, found)
    out = _as_walk(found, paths)
    out.latest = latest  # read already
    return out


def _resume(store: Store, watch: str, base: list, stamps: list) -> tuple[Chains, int]:
    """The kept chains and how many snapshots they cover, when those are the first of
    ``stamps`` (a snapshot stored after them); else none."""
    kept = store.cache.kept(watch, "chains")
    if kept is not None:
        key, value = kept
        with contextlib.suppress(KeyError, TypeError, IndexError, ValueError):
            done = len(key[2])
            if key[:2] == base and 0 < done <= len(stamps) and key[2] == stamps[:done]:
                chains = Chains.from_json(value)
                if len(chains.steps) == done:
                    return chains, done
    return Chains(), 0


def _as_walk(found: dict, paths: list[Path]) -> Walk:
    n, rows, steps = len(found["editions"]), found["rows"], found["steps"]
    at = range(len(paths))
    if not (len(rows) == len(found["runs"]) and len(steps) == len(paths) and
            n == len(found["countries"]) == len(found["newest"]) and
            all(k in at for k in found["newest"]) and
            all(isinstance(r["id"], str) and r["first"] in at and r["last"] in at
                for r in rows)):
        raise ValueError("a kept walk that does not add up")
    return Walk(found["editions"], steps, rows, found["runs"], found["countries"],
                found["newest"], paths)


def _finish(chains: Chains, latest: dict) -> dict:
    """What :class:`Walk` holds, as JSON (to be kept): rows by id, runs by edition."""
    shown: dict[int, dict] = {}  # the names as printed last (the diff skips case noise)
    for e in latest["entries"]:
        chain = chains.current.get(e["id"])
        if chain is not None:
            shown[id(chain)] = e
    labels = [label(s["edition"], s["retrieved_at"]) for s in chains.steps]
    editions = list(dict.fromkeys(labels))
    n = len(labels)
    if len(editions) == n:  # one snapshot per edition: a step is an edition
        def runs_of(spans: list[list]) -> list[int]:
            out: list[int] = []
            for s, e in spans:
                if out and out[-1] == s:  # off under one id, back under another at once
                    out[-1] = n if e is None else e
                else:
                    out += (s, n if e is None else e)
            return out
    else:  # several snapshots of an edition (or of a day): steps -> editions
        index = {name: i for i, name in enumerate(editions)}
        step_edition = [index[name] for name in labels]

        def runs_of(spans: list[list]) -> list[int]:
            at = sorted({step_edition[i] for s, e in spans
                         for i in range(s, n if e is None else e)})
            return _runs(at)
    last_step = {name: k for k, name in enumerate(labels)}  # each edition's newest
    # by id; an id another entry was renamed to after this one left keeps both rows
    made = sorted(chains.made, key=lambda c: c.entry["id"])
    rows = []
    for chain in made:
        end = chain.spans[-1][1]
        e = shown.get(id(chain), chain.entry)
        rows.append({"id": e["id"], "name": e["name"], "category": e.get("category"),
                     "country": e.get("country"), "first": chain.spans[0][0],
                     "last": n - 1 if end is None else end - 1, "listed_now": end is None,
                     "former": chain.former})
    newest = [last_step[name] for name in editions]
    return {"editions": editions, "steps": chains.steps, "rows": rows,
            "runs": [runs_of(chain.spans) for chain in made],
            "countries": [chains.countries[k] for k in newest], "newest": newest}


@gc_paused()
def history(store: Store, watch: str, entry: str | None = None) -> tuple[list[dict], list[str]]:
    """History rows (see docs/formats.md) sorted by id, and every stored edition, oldest
    first. ``entry`` (an id or a name, current or former) keeps only the rows it names."""
    found = walk(store, watch)
    picked = range(len(found.rows))
    if entry:
        want = norm(entry)
        picked = [i for i, r in enumerate(found.rows)
                  if entry in (r["id"], *(f["id"] for f in r["former"]))
                  or want in (norm(r["name"]), *(norm(f["name"]) for f in r["former"]))]
        if not picked:
            raise ConfigError(f"watch {watch!r}: no entry {entry!r} in "
                              f"{len(found.editions)} stored edition(s)")
    return [found.history_row(i) for i in picked], found.editions


@gc_paused()
def as_json(rows: list[dict]) -> str:
    """The rows as a JSON array, one row per line (``indent`` would make the standard
    library's encoder pure Python, 10x slower on a long history)."""
    from .fastjson import dumps

    return "[\n" + ",\n".join(map(dumps, rows)) + "\n]\n" if rows else "[]\n"


def spans(listed: list[str], editions: list[str]) -> str:
    """``2008–2011, 2016–2023``: runs of consecutive stored editions an entry was listed in
    (``listed``, in the order of ``editions``: every stored edition, oldest first)."""
    index = {name: i for i, name in enumerate(editions)}
    return run_text(_runs([index[name] for name in listed]), editions)


def _runs(positions: list[int]) -> list[int]:
    """Ascending positions as runs, ``[start, end)``, flat: ``[0, 1, 2, 4]`` -> ``[0, 3, 4, 5]``."""
    out: list[int] = []
    for i in positions:
        if out and out[-1] == i:
            out[-1] = i + 1
        else:
            out += (i, i + 1)
    return out


def run_text(runs: list[int], editions: list[str]) -> str:
    """``2008–2011, 2016–2023`` for runs of positions in ``editions`` (as :func:`_runs`)."""
    return ", ".join(editions[a] if b - a == 1 else f"{editions[a]}–{editions[b - 1]}"
                     for a, b in zip(runs[::2], runs[1::2]))


def describe(row: dict, editions: list[str]) -> str:
    """``TAOBAO  2016–2021 (6 editions)``, and the names it was listed under before."""
    n = len(row["editions"])
    text = f"{row['name']}  {spans(row['editions'], editions)} ({n} edition{'s' * (n != 1)})"
    for f in row["former"]:  # a move keeps the name: then the old id says where it was
        was = f["id"] if norm(f["name"]) == norm(row["name"]) else f["name"]
        text += f"; was {was} until {f['until']}"
    return text
