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

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .renames import RENAME_THRESHOLD
from .store import Store
from .text import norm


@dataclass
class _Chain:
    """One entry through time: its ids, and the steps (snapshots) it was listed in."""

    entry: dict
    first: int
    spans: list[list[int]] = field(default_factory=list)  # [start step, end step) pairs
    former: list[dict] = field(default_factory=list)


@dataclass
class Walk:
    """What one pass over a watch's stored snapshots found."""

    editions: list[str]                 # distinct, oldest first
    when: list[dict]                    # per edition: {"edition", "retrieved_at"} (its last)
    rows: list[dict]                    # history rows, sorted by id
    sizes: list[dict]                   # per edition: {"category": {..}, "country": {..}}
    paths: list[Path]                   # the snapshots read, oldest first
    last_of: list[Path]                 # per edition: its newest snapshot
    latest: dict                        # the newest snapshot


def label(edition: str | None, retrieved_at: str) -> str:
    """The edition a snapshot belongs to (the day it was retrieved, for lists without)."""
    return str(edition) if edition else str(retrieved_at)[:10]


def _count(entries, sign: int, by_cat: Counter, by_country: Counter) -> None:
    for e in entries:
        by_cat[e.get("category") or "other"] += sign
        if e.get("category") == "physical":
            by_country[e.get("country") or "—"] += sign


def _pair_key(old: Path, new: Path) -> list:
    from .version import __version__

    def stamp(path: Path) -> list:
        st = path.stat()
        return [path.name, st.st_size, st.st_mtime_ns]

    return [__version__, RENAME_THRESHOLD, *stamp(old), *stamp(new)]


def pair_diff(store: Store, watch: str, old: Path, new: Path) -> dict:
    """The diff of two stored snapshots, kept in the store's cache: stored snapshots never
    change, so it is computed once (again when listwatch or a file changes)."""
    from .diff import diff_files

    return store.cached(watch, f"diff-{old.stem}--{new.stem}", _pair_key(old, new),
                        lambda: diff_files(old, new))


def remember_pair(store: Store, watch: str, old: Path, new: Path, d: dict) -> None:
    """Keep the diff ``check`` just made of two stored snapshots (with no ignored fields,
    renames not unfolded: what :func:`pair_diff` would compute), so the first ``history``
    or ``report`` after a run of checks finds every pair ready."""
    store.keep(watch, f"diff-{old.stem}--{new.stem}", _pair_key(old, new), d)


def walk(store: Store, watch: str) -> Walk:
    """One pass over the stored snapshots of ``watch``, oldest first."""
    from .snapshot import gc_paused

    with gc_paused():  # many small objects, none of them cyclic
        return _walk(store, watch)


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


def _walk(store: Store, watch: str) -> Walk:
    from .diff import diff

    load = load_stored
    paths = store.snapshots(watch)
    if not paths:
        raise ConfigError(f"no stored snapshots of watch {watch!r} in {store.root}")
    first = load(paths[0])
    steps = [diff(None, first)]
    steps += [pair_diff(store, watch, a, b) for a, b in zip(paths, paths[1:])]

    owner: dict[str, _Chain] = {}      # every id ever seen -> its chain
    current: dict[str, _Chain] = {}    # id listed now -> its chain
    labels: list[str] = []
    step_when: list[dict] = []
    sizes: list[dict] = []
    by_cat: Counter = Counter()
    by_country: Counter = Counter()

    def close(ident: str, k: int) -> None:
        current.pop(ident).spans[-1][1] = k

    def open_(entry: dict, k: int) -> None:
        chain = owner.get(entry["id"])
        if chain is None or (chain.spans and chain.spans[-1][1] is None):
            chain = _Chain(entry, k)  # new, or its old id came back beside the new one
        chain.entry = entry
        chain.spans.append([k, None])
        owner[entry["id"]] = current[entry["id"]] = chain

    for k, d in enumerate(steps):
        side = d["to"]
        labels.append(label(side["edition"], side["retrieved_at"]))
        step_when.append({"edition": side["edition"], "retrieved_at": side["retrieved_at"]})
        for e in d["removed"]:
            close(e["id"], k)
        for r in d["renamed"]:
            old, new = r["from"], r["to"]
            chain = current.pop(old["id"])  # its span goes on under the new id
            chain.former.append({"id": old["id"], "name": old["name"], "until": labels[k - 1]})
            chain.entry = new
            owner[new["id"]] = current[new["id"]] = chain
        for e in d["added"]:
            open_(e, k)
        _count(d["added"], 1, by_cat, by_country)
        _count(d["removed"], -1, by_cat, by_country)
        _count((r["to"] for r in d["renamed"]), 1, by_cat, by_country)
        _count((r["from"] for r in d["renamed"]), -1, by_cat, by_country)
        for c in d["changed"]:
            chain = current[c["id"]]
            moved = {"category", "country"} & c["fields"].keys()
            if moved:
                _count([chain.entry], -1, by_cat, by_country)
            chain.entry = {**chain.entry, **{f: v["to"] for f, v in c["fields"].items()
                                             if f in ("name", "category", "country")}}
            if moved:
                _count([chain.entry], 1, by_cat, by_country)
        sizes.append({"category": +by_cat, "country": +by_country})

    latest = load(paths[-1]) if len(paths) > 1 else first
    for e in latest["entries"]:  # the names as printed last (the diff skips case noise)
        current[e["id"]].entry = e

    editions = list(dict.fromkeys(labels))
    index = {name: i for i, name in enumerate(editions)}
    step_edition = [index[name] for name in labels]
    last_step = {step_edition[k]: k for k in range(len(labels))}  # each edition's newest
    n = len(labels)
    rows = []
    for chain in {id(c): c for c in owner.values()}.values():
        listed = sorted({step_edition[k] for s, e in chain.spans for k in range(s, e or n)})
        end = max((e or n) - 1 for _, e in chain.spans)
        e = chain.entry
        rows.append({"id": e["id"], "name": e["name"], "category": e.get("category"),
                     "country": e.get("country"), "first": step_when[chain.spans[0][0]],
                     "last": step_when[end], "editions": [editions[i] for i in listed],
                     "listed_now": chain.spans[-1][1] is None, "former": chain.former})
    rows.sort(key=lambda r: r["id"])
    return Walk(editions, [step_when[last_step[i]] for i in range(len(editions))], rows,
                [sizes[last_step[i]] for i in range(len(editions))], paths,
                [paths[last_step[i]] for i in range(len(editions))], latest)


def history(store: Store, watch: str, entry: str | None = None) -> tuple[list[dict], list[str]]:
    """History rows (see docs/formats.md) sorted by id, and every stored edition, oldest
    first. ``entry`` (an id or a name, current or former) keeps only the rows it names."""
    found = walk(store, watch)
    rows = found.rows
    if entry:
        want = norm(entry)
        rows = [r for r in rows if entry in (r["id"], *(f["id"] for f in r["former"]))
                or want in (norm(r["name"]), *(norm(f["name"]) for f in r["former"]))]
        if not rows:
            raise ConfigError(f"watch {watch!r}: no entry {entry!r} in "
                              f"{len(found.editions)} stored edition(s)")
    return rows, found.editions


def as_json(rows: list[dict]) -> str:
    """The rows as a JSON array, one row per line (``indent`` would make the standard
    library's encoder pure Python, 10x slower on a long history)."""
    from .fastjson import dumps

    return "[\n" + ",\n".join(map(dumps, rows)) + "\n]\n" if rows else "[]\n"


def spans(listed: list[str], editions: list[str] | dict[str, int]) -> str:
    """``2008–2011, 2016–2023``: runs of consecutive stored editions an entry was listed in.
    ``editions``: every stored edition in order, or (in a loop) their positions."""
    index = editions if isinstance(editions, dict) else \
        {name: i for i, name in enumerate(editions)}
    parts: list[str] = []
    start = prev = None
    last = -2
    for name in listed:
        i = index[name]
        if i != last + 1:
            if start is not None:
                parts.append(start if start == prev else f"{start}–{prev}")
            start = name
        prev, last = name, i
    if start is not None:
        parts.append(start if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


def describe(row: dict, editions: list[str]) -> str:
    """``TAOBAO  2016–2021 (6 editions)``, and the names it was listed under before."""
    n = len(row["editions"])
    text = f"{row['name']}  {spans(row['editions'], editions)} ({n} edition{'s' * (n != 1)})"
    for f in row["former"]:  # a move keeps the name: then the old id says where it was
        was = f["id"] if norm(f["name"]) == norm(row["name"]) else f["name"]
        text += f"; was {was} until {f['until']}"
    return text
