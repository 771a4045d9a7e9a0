"""The main job: for each watch, fetch, validate, diff against the stored latest,
guard against broken sources, store, and queue alerts.

Fetching runs concurrently (a bounded thread pool: the work is network-bound);
diffing and storing run one watch at a time under the store's lock.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import diff as diffing
from .config import Config, Watch
from .errors import ExitCode, ListwatchError, NotModified
from .fetching import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Context, display
from .snapshot import dumps
from .sources import CHANGE_KINDS, Registered, is_deterministic, run
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
    key = json.dumps([reg.name, reg.version, watch.location, watch.options], sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()  # stored: no location secrets in clear


def _fetch(watch: Watch, reg: Registered, store: Store, previous: Path | None) -> Fetched:
    state = store.state(watch.name)
    ctx = Context(watch=watch.name, timeout=watch.timeout or DEFAULT_TIMEOUT,
                  max_bytes=watch.max_bytes or DEFAULT_MAX_BYTES,
                  validators=state.get("validators", {}),
                  conditional=previous is not None, latest=store.load_latest,
                  known_documents=state.get("documents", {}),
                  skip_unchanged=previous is not None
                  and is_deterministic(reg.source, watch.options)
                  and state.get("parse_key") == parse_key(watch, reg))
    try:
        return Fetched(run(reg, watch.location, watch.options, ctx, strict=watch.strict), ctx)
    except (ListwatchError, NotModified) as exc:
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
          progress: Callable[[str], None] | None = None, jobs: int = JOBS) -> list[Outcome]:
    """Run the watches named (all when none) and return one :class:`Outcome` each."""
    watches = [config.watch(n) for n in names] if names else list(config.watches)
    previous = {w.name: store.latest(w.name) for w in watches}
    fetched: dict[str, Fetched] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(jobs, len(watches)))
                                               ) as pool:
        futures = {pool.submit(_fetch, w, sources[w.source], store, previous[w.name]): w
                   for w in watches}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            w = futures[future]
            fetched[w.name] = future.result()
            if progress:
                progress(f"[{done}/{len(watches)}] fetched {w.name}")
    outcomes = []
    for w in watches:
        outcomes.append(_settle(w, sources[w.source], store, previous[w.name], fetched[w.name],
                                dry_run, outbox_record))
    return outcomes


def _settle(w: Watch, reg: Registered, store: Store, previous: Path | None, got: Fetched,
            dry_run: bool, outbox_record) -> Outcome:
    kinds = kinds_of(w, reg)
    if isinstance(got.error, NotModified):
        return Outcome(w, kinds, "unchanged", f"no change ({got.error.why})")
    if got.error is not None:
        code = getattr(got.error, "exit_code", ExitCode.SOURCE_FAILED)
        return Outcome(w, kinds, "failed", str(got.error), code=code)
    assert got.snapshot is not None and got.ctx is not None
    outcome = _judge(w, kinds, store, previous, got.snapshot, got.ctx, dry_run, outbox_record)
    outcome.warnings = list(got.snapshot.get("warnings", []))
    if outcome.status in ("baseline", "unchanged", "changed") and not dry_run:
        _remember(store, w, reg, got.ctx)
    return outcome


def _remember(store: Store, w: Watch, reg: Registered, ctx: Context) -> None:
    """Record what an accepted run read, for conditional GET and skipping parses."""
    state = store.state(w.name)
    new = {**state, "validators": {**state.get("validators", {}), **ctx.new_validators},
           "documents": ctx.fetched(), "parse_key": parse_key(w, reg)}
    if new != state:
        store.save_state(w.name, new)


def _judge(w: Watch, kinds: tuple[str, ...], store: Store, previous: Path | None, snap: dict,
           ctx: Context, dry_run: bool, outbox_record) -> Outcome:
    """Diff against the stored latest, apply the guard, store what is accepted."""
    text = dumps(snap)
    try:  # streams the stored file against the new text; parses only lines that differ
        d = diffing.diff_stored(previous, snap, text, w.ignore) if previous else \
            diffing.diff(None, snap, w.ignore)
    except ListwatchError as exc:
        return Outcome(w, kinds, "failed", f"stored snapshot is unreadable: {exc}",
                       code=ExitCode.SOURCE_FAILED)
    counts = d["counts"]
    before = counts["unchanged"] + counts["changed"] + counts["removed"] + counts["renamed"]
    after = len(snap["entries"])
    if "renamed" not in kinds:
        d = unfold_renames(d)
    seen = after if ctx.unfiltered is None else max(ctx.unfiltered, after)
    problem = guard_problem(w, kinds, d, before, seen)
    if problem:
        return Outcome(w, kinds, "broken", f"{display(w.location)}: {problem}", d,
                       code=ExitCode.SOURCE_FAILED)
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
    return Outcome(w, kinds, "changed", "", d, stored)


def exit_code(outcomes: list[Outcome], exit_on_change: bool) -> ExitCode:
    """The largest code that applies (docs/exit-codes.md)."""
    codes = [o.code for o in outcomes]
    if exit_on_change and any(o.reported for o in outcomes):
        codes.append(ExitCode.CHANGED)
    return max(codes, default=ExitCode.OK)
