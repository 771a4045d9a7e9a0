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

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .renames import RENAME_THRESHOLD
from .snapshot import gc_paused
from .store import Store
from .text import norm


class _Chain:
    """One entry through time: its latest entry, the steps (snapshots) it was listed in as
    ``[start, end)`` pairs (``end`` None while listed), and its former ids and names."""

    __slots__ = ("entry", "spans", "former")

    def __init__(self, entry: dict) -> None:
        self.entry = entry
        self.spans: list[list] = []
        self.former: list[dict] = []


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


def label(edition: str | None, retrieved_at: str) -> str:
    """The edition a snapshot belongs to (the day it was retrieved, for lists without)."""
    return str(edition) if edition else str(retrieved_at)[:10]


def _count(entries, sign: int, by_country: Counter) -> None:
    """Physical markets per country, as listed then (a moved one counts where it was)."""
    for e in entries:
        if e.get("category") == "physical":
            by_country[e.get("country") or "—"] += sign


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

    return store.cached(watch, f"diff-{old.stem}--{new.stem}", _key(old, new),
                        lambda: diff_files(old, new))


def remember_pair(store: Store, watch: str, old: Path, new: Path, d: dict) -> None:
    """Keep the diff ``check`` just made of two stored snapshots (with no ignored fields,
    renames not unfolded: what :func:`pair_diff` would compute), so the first ``history``
    or ``report`` after a run of checks finds every pair ready."""
    store.keep(watch, f"diff-{old.stem}--{new.stem}", _key(old, new), d)


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
    """One pass over the stored snapshots of ``watch``, oldest first; what it found is
    kept in the store's cache until a snapshot is stored or removed.

    This and the other steps from the store to the page (:func:`history`, :func:`as_json`,
    ``reporting.build``, the renderers) pause the garbage collector: they make many small
    objects and no cycles, and a collection would scan them all again and again."""
    paths = store.snapshots(watch)
    if not paths:
        raise ConfigError(f"no stored snapshots of watch {watch!r} in {store.root}")
    latest = None

    def compute() -> dict:
        nonlocal latest
        found, latest = _walk(store, watch, paths)
        return found

    key = ["history/2", *_key(*paths)]
    found = store.cached(watch, "history", key, compute)
    try:
        out = _as_walk(found, paths)
    except (KeyError, TypeError, IndexError, ValueError):  # not what listwatch kept
        found = compute()
        store.keep(watch, "history", key, found)
        out = _as_walk(found, paths)
    if latest is not None:
        out.latest = latest  # read already
    return out


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


def _walk(store: Store, watch: str, paths: list[Path]) -> tuple[dict, dict]:
    """What :class:`Walk` holds, as JSON (to be kept), and the newest snapshot."""
    first = load_stored(paths[0])
    steps = [{"to": {"edition": (first.get("list") or {}).get("edition"),
                     "retrieved_at": (first.get("source") or {}).get("retrieved_at")},
              "added": first["entries"], "removed": [], "renamed": [], "changed": []}]
    steps += [pair_diff(store, watch, a, b) for a, b in zip(paths, paths[1:])]

    made: list[_Chain] = []            # every chain, in the order they began
    owner: dict[str, _Chain] = {}      # every id ever seen -> its latest chain
    current: dict[str, _Chain] = {}    # id listed now -> its chain
    labels: list[str] = []
    step_when: list[dict] = []
    countries: list[Counter] = []
    by_country: Counter = Counter()

    for k, d in enumerate(steps):
        side = d["to"]
        labels.append(label(side["edition"], side["retrieved_at"]))
        step_when.append({"edition": side["edition"], "retrieved_at": side["retrieved_at"]})
        for e in d["removed"]:
            current.pop(e["id"]).spans[-1][1] = k
        for r in d["renamed"]:
            old, new = r["from"], r["to"]
            chain = current.pop(old["id"])  # its span goes on under the new id
            chain.former.append({"id": old["id"], "name": old["name"], "until": labels[k - 1]})
            chain.entry = new
            owner[new["id"]] = current[new["id"]] = chain
        for e in d["added"]:
            ident = e["id"]
            chain = owner.get(ident)
            if chain is None or chain.spans[-1][1] is None:
                chain = _Chain(e)  # new, or its old id came back beside the new one
                made.append(chain)
            chain.entry = e
            chain.spans.append([k, None])
            owner[ident] = current[ident] = chain
        _count(d["added"], 1, by_country)
        _count(d["removed"], -1, by_country)
        for r in d["renamed"]:
            _count([r["to"]], 1, by_country)
            _count([r["from"]], -1, by_country)
        for c in d["changed"]:
            chain = current[c["id"]]
            moved = {"category", "country"} & c["fields"].keys()
            if moved:
                _count([chain.entry], -1, by_country)
            chain.entry = {**chain.entry, **{f: v["to"] for f, v in c["fields"].items()
                                             if f in ("name", "category", "country")}}
            if moved:
                _count([chain.entry], 1, by_country)
        countries.append(dict(+by_country))

    latest = load_stored(paths[-1]) if len(paths) > 1 else first
    for e in latest["entries"]:  # the names as printed last (the diff skips case noise)
        current[e["id"]].entry = e

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
    chains = sorted(made, key=lambda c: c.entry["id"])
    rows = []
    for chain in chains:
        end = chain.spans[-1][1]
        e = chain.entry
        rows.append({"id": e["id"], "name": e["name"], "category": e.get("category"),
                     "country": e.get("country"), "first": chain.spans[0][0],
                     "last": n - 1 if end is None else end - 1, "listed_now": end is None,
                     "former": chain.former})
    newest = [last_step[name] for name in editions]
    return {"editions": editions, "steps": step_when, "rows": rows,
            "runs": [runs_of(chain.spans) for chain in chains],
            "countries": [countries[k] for k in newest], "newest": newest}, latest


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
