"""The main job: for each watch, fetch, validate, diff against the stored latest,
guard against broken sources, store, and queue alerts.

Fetching runs concurrently (a few threads: the work is network-bound); judging and
storing run one watch at a time, in this thread, under the store's lock. A watch
that reads another is settled after it (:func:`check`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import diff as diffing
from .config import Config, Watch
from .errors import ExitCode, ListwatchError, NotModified
from .fetching import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Context
from .snapshot import canonical, gc_paused
from .sources import CHANGE_KINDS, Registered, is_deterministic, reads_of, run
from .store import Store

#: Watches fetched at once by default (network-bound; each to its own host, usually).
JOBS = 8


@dataclass
class Outcome:
    """What happened to one watch in one run."""

    watch: Watch
    kinds: tuple[str, ...]
    status: str  # baseline | changed | unchanged | broken | failed
    message: str = ""
    diff: dict | None = None
    stored: Path | None = None
    code: ExitCode = ExitCode.OK
    warnings: list[str] = field(default_factory=list)
    error: BaseException | None = None  # an unexpected exception, for --debug

    @property
    def reported(self) -> bool:
        """The list changed in a way this watch reports."""
        return self.status == "changed" and self.diff is not None and \
            not diffing.is_empty(self.diff, self.kinds)


@dataclass
class Fetched:
    snapshot: dict | None = None
    ctx: Context | None = None
    error: BaseException | None = None


def kinds_of(watch: Watch, reg: Registered | None) -> tuple[str, ...]:
    if watch.report is not None:
        return watch.report
    default = getattr(reg.source, "default_report", None) if reg else None
    return tuple(default or CHANGE_KINDS)


def parse_key(watch: Watch, reg: Registered) -> str:
    """What, besides the documents, a deterministic source's output depends on."""
    key = json.dumps([reg.name, reg.version, watch.as_written or watch.location, watch.options],
                     sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()  # stored: no location secrets in clear


def _fetch(watch: Watch, reg: Registered, store: Store, previous: Path | None,
           latest: Callable[[str], dict | None], accept: bool = False) -> Fetched:
    try:
        state = store.state(watch.name)
    except ListwatchError as exc:  # a damaged state file fails this watch alone
        return Fetched(None, None, exc)
    ctx = Context(watch=watch.name, timeout=watch.timeout or DEFAULT_TIMEOUT,
                  max_bytes=watch.max_bytes or DEFAULT_MAX_BYTES,
                  validators=state.get("validators", {}),
                  conditional=previous is not None, latest=latest,
                  known_documents=state.get("documents", {}),
                  skip_unchanged=previous is not None
                  and is_deterministic(reg.source, watch.options)
                  and state.get("parse_key") == parse_key(watch, reg))
    try:
        return Fetched(run(reg, watch.location, watch.options, ctx, shown=watch.shown,
                           strict=watch.strict and not accept), ctx)
    except Exception as exc:  # noqa: BLE001 - settled as this watch's failure (or 304)
        return Fetched(None, ctx, exc)


def unfold_renames(d: dict) -> dict:
    """Report renamed pairs as a removal and an addition, for a watch that does not
    report renames (a new story must never hide as the 'rename' of an old one)."""
    if not d["renamed"]:
        return d
    added = sorted(d["added"] + [r["to"] for r in d["renamed"]], key=lambda e: e["id"])
    removed = sorted(d["removed"] + [r["from"] for r in d["renamed"]], key=lambda e: e["id"])
    counts = {**d["counts"], "added": len(added), "removed": len(removed), "renamed": 0}
    return {**d, "added": added, "removed": removed, "renamed": [], "counts": counts}


def guard_problem(watch: Watch, kinds: tuple[str, ...], d: dict, before: int, after: int
                  ) -> str | None:
    """Why a snapshot looks like a broken source rather than a real change, or None.

    ``after`` counts what the document held before the source's own filters.
    """
    if after < watch.guard.min_entries:
        return (f"only {after} entries (guard.min_entries = {watch.guard.min_entries}); "
                "the source looks broken")
    lost = d["counts"]["removed"]
    if before and "removed" in kinds and lost / before > watch.guard.max_removed:
        return (f"{lost} of {before} entries removed ({lost / before:.0%}, more than "
                f"guard.max_removed = {watch.guard.max_removed:g}); the source looks broken, "
                "so nothing was stored")
    return None


def check(config: Config, sources: Mapping[str, Registered], store: Store,
          names: tuple[str, ...] = (), *, dry_run: bool = False,
          outbox_record: Callable[[Watch, dict, tuple[str, ...]], dict | None] | None = None,
          progress: Callable[[str], None] | None = None, jobs: int = JOBS,
          accept: frozenset[str] = frozenset()) -> list[Outcome]:
    """Run the watches named (all when none) and return one :class:`Outcome` each.

    Fetches run concurrently on daemon threads (an interrupt never waits for them);
    each watch is settled (judged, stored) in this thread as soon as its fetch is
    done. A watch that reads another (``Source.reads``, e.g. a feed's
    ``mentions_of``) is fetched only after that watch is settled, against the
    snapshot accepted in this run (under ``--dry-run``: fetched in this run).
    ``accept`` names watches whose guard refusal, or whose source's doubts
    (``Draft.doubts``), a person has overruled.
    """
    names = tuple(dict.fromkeys(names))  # `check a a` runs a once
    watches = [config.watch(n) for n in names] if names else list(config.watches)
    running = {w.name for w in watches}
    waits = {w.name: [n for n in reads_of(sources[w.source].source, w.options, w.name)
                      if n in running] for w in watches}
    read = {n for wanted in waits.values() for n in wanted}
    previous = {w.name: store.latest(w.name) for w in watches}
    this_run: dict[str, dict] = {}  # snapshots of this run, for the watches that read them
    broken: set[str] = set()
    notes: dict[str, list[str]] = {}
    outcomes: dict[str, Outcome] = {}
    pool = _Pool(max(1, min(jobs, len(watches))))

    def latest_for(reader: str) -> Callable[[str], dict | None]:
        def latest(name: str) -> dict | None:
            if name in this_run:
                return this_run[name]
            note = (f"watch {name} failed in this run; linked against its last stored "
                    "snapshot")
            if name in broken and note not in notes.setdefault(reader, []):
                notes[reader].append(note)
            return store.load_latest(name)
        return latest

    def start(w: Watch) -> None:
        pool.submit(w.name, _fetch, w, sources[w.source], store, previous[w.name],
                    latest_for(w.name), w.name in accept)

    for w in watches:
        if not waits[w.name]:
            start(w)
    done = 0
    while len(outcomes) < len(watches):
        name, got = pool.next()
        done += 1
        if progress:
            progress(f"[{done}/{len(watches)}] fetched {name}")
        w = config.watch(name)
        outcome = _settle(w, sources[w.source], store, previous[name], got, dry_run,
                          outbox_record, accept=name in accept)
        outcome.warnings += notes.pop(name, [])
        outcomes[name] = outcome
        if outcome.status in ("baseline", "changed", "unchanged") and got.snapshot is not None \
                and name in read:  # kept only while a reader may need it
            this_run[name] = got.snapshot
        elif outcome.status in ("failed", "broken"):
            broken.add(name)
        for other in watches:
            if other.name not in outcomes and name in waits[other.name]:
                waits[other.name].remove(name)
                if not waits[other.name]:
                    start(other)
    return [outcomes[w.name] for w in watches]


class _Pool:
    """A few daemon worker threads: Ctrl-C returns at once instead of joining fetches
    in flight (``concurrent.futures`` joins its threads at exit)."""

    def __init__(self, size: int):
        self.size, self.threads = size, 0
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.results: queue.SimpleQueue = queue.SimpleQueue()

    def submit(self, key: str, fn: Callable[..., Fetched], *args) -> None:
        self.tasks.put((key, fn, args))
        if self.threads < self.size:
            self.threads += 1
            threading.Thread(target=self._work, daemon=True, name=f"listwatch-fetch-{key}"
                             ).start()

    def _work(self) -> None:
        while True:
            key, fn, args = self.tasks.get()
            try:
                result = fn(*args)
            except BaseException as exc:  # noqa: BLE001 - reported on the watch
                result = Fetched(None, None, exc)
            self.results.put((key, result))
            # An idle worker must not keep its last snapshot alive: at 200,000 entries
            # that is the memory of the whole table, and 0.4 s of garbage collection at exit.
            del args, result

    def next(self) -> tuple[str, Fetched]:
        while True:  # a timeout keeps the main thread responsive to Ctrl-C
            try:
                return self.results.get(timeout=0.2)
            except queue.Empty:
                continue


def failure_line(exc: BaseException, doing: str) -> str:
    """One line for an unexpected exception inside one watch (a bug, but only its own)."""
    text = " ".join(str(exc).split())
    return (f"internal error while {doing}: {type(exc).__name__}"
            f"{': ' + text[:300] if text else ''} (rerun with --debug for the traceback)")


def _settle(w: Watch, reg: Registered, store: Store, previous: Path | None, got: Fetched,
            dry_run: bool, outbox_record, accept: bool = False) -> Outcome:
    kinds = kinds_of(w, reg)
    if isinstance(got.error, NotModified):
        return Outcome(w, kinds, "unchanged", f"no change ({got.error.why})")
    if isinstance(got.error, ListwatchError):
        code = getattr(got.error, "exit_code", ExitCode.SOURCE_FAILED)
        return Outcome(w, kinds, "failed", str(got.error), code=code)
    if got.error is not None:
        return Outcome(w, kinds, "failed", failure_line(got.error, "fetching"),
                       code=ExitCode.SOURCE_FAILED, error=got.error)
    assert got.snapshot is not None and got.ctx is not None
    try:
        outcome = judge(w, kinds, store, previous, got.snapshot, got.ctx, dry_run,
                         outbox_record, accept)
    except ListwatchError as exc:
        if exc.exit_code == ExitCode.USAGE:
            raise  # the store is unusable (disk full, permissions): not this watch's fault
        return Outcome(w, kinds, "failed", str(exc), code=exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one watch's bug fails that watch alone
        return Outcome(w, kinds, "failed", failure_line(exc, "comparing and storing"),
                       code=ExitCode.SOURCE_FAILED, error=exc)
    outcome.warnings = _new_warnings(store, w, got.snapshot, outcome)
    if outcome.status in ("baseline", "unchanged", "changed") and not dry_run:
        _remember(store, w, reg, got.ctx, got.snapshot)
    return outcome


def _new_warnings(store: Store, w: Watch, snap: dict, outcome: Outcome) -> list[str]:
    """The snapshot's warnings not already reported for the last accepted snapshot."""
    warnings = list(snap.get("warnings", []))
    if outcome.status == "broken":
        return warnings  # they may explain the refusal
    seen = set(store.state(w.name).get("warnings", []))
    return [x for x in warnings if x not in seen]


def _remember(store: Store, w: Watch, reg: Registered, ctx: Context, snap: dict) -> None:
    """Record what an accepted run read (for conditional GET and skipping parses) and
    the warnings already reported."""
    state = store.state(w.name)
    new = {**state, "validators": {**state.get("validators", {}), **ctx.new_validators},
           "documents": ctx.fetched(), "parse_key": parse_key(w, reg),
           "warnings": list(snap.get("warnings", []))}
    if new != state:
        store.save_state(w.name, new)


def judge(w: Watch, kinds: tuple[str, ...], store: Store, previous: Path | None, snap: dict,
           ctx: Context, dry_run: bool, outbox_record, accept: bool = False) -> Outcome:
    """Diff against the stored latest, apply the guard, store what is accepted."""
    with gc_paused():  # no cycles made: the collector would only rescan every entry
        text = canonical(snap)  # run() encoded the entries already
        try:  # streams the stored file against the new text; parses only lines that differ
            d = diffing.diff_stored(previous, snap, text, w.ignore) if previous else \
                diffing.diff(None, snap, w.ignore)
        except ListwatchError as exc:
            return Outcome(w, kinds, "failed", f"stored snapshot is unreadable: {exc}",
                           code=ExitCode.SOURCE_FAILED)
    counts = d["counts"]
    before = counts["unchanged"] + counts["changed"] + counts["removed"] + counts["renamed"]
    after = len(snap["entries"])
    full = d  # as history diffs the two stored files (before renames are unfolded)
    if "renamed" not in kinds:
        d = unfold_renames(d)
    seen = after if ctx.unfiltered is None else max(ctx.unfiltered, after)
    problem = None if accept else guard_problem(w, kinds, d, before, seen)
    if problem:
        return Outcome(w, kinds, "broken", f"{w.shown}: {problem} (if the change is real: "
                       f"listwatch check --accept {w.name})", d, code=ExitCode.SOURCE_FAILED)
    document = ctx.primary.content if ctx.primary else None
    if previous is None:
        stored = None if dry_run else store.save(w.name, snap, document, text=text)
        what = "baseline stored" if stored else "baseline (not stored: --dry-run)"
        return Outcome(w, kinds, "baseline", f"{what}: {after} entries", d, stored)
    if diffing.is_empty(d):
        return Outcome(w, kinds, "unchanged", f"no change ({after} entries)", d)
    record = None
    if outbox_record is not None and not diffing.is_empty(d, kinds):
        record = outbox_record(w, d, kinds)
    stored = None if dry_run else store.save(w.name, snap, document, record, text=text)
    if stored is not None and not w.ignore:
        from .history import remember_pair

        with contextlib.suppress(Exception):  # only a cache: the change is stored already
            remember_pair(store, w.name, previous, stored, full)
    return Outcome(w, kinds, "changed", "", d, stored)


def exit_code(outcomes: list[Outcome], exit_on_change: bool) -> ExitCode:
    """The largest code that applies (docs/exit-codes.md)."""
    codes = [o.code for o in outcomes]
    if exit_on_change and any(o.reported for o in outcomes):
        codes.append(ExitCode.CHANGED)
    return max(codes, default=ExitCode.OK)
