"""``check --reparse``: the stored documents read again by the installed source plugin.

When a parser improves, its first ``check`` would show its corrections as list changes
and alert them. A re-parse instead runs the source on the document behind each watch's
latest snapshot, diffs the result against that snapshot and stores it as a re-parse:
the report shows what the parser change alone did, and nothing is alerted.
"""

from __future__ import annotations

from collections.abc import Mapping

from .check import Outcome, failure_line, judge, kinds_of, parse_key
from .config import Config, Watch
from .errors import ExitCode, ListwatchError, NotModified, StoreError
from .fetching import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Context
from .snapshot import load, utcnow
from .sources import Registered, run
from .store import Store


def reparse(config: Config, sources: Mapping[str, Registered], store: Store,
            names: tuple[str, ...] = (), *, dry_run: bool = False,
            accept: frozenset[str] = frozenset()) -> list[Outcome]:
    """Re-parse the latest stored document of each watch named (all when none)."""
    names = tuple(dict.fromkeys(names))
    watches = [config.watch(n) for n in names] if names else list(config.watches)
    return [_one(w, sources[w.source], store, dry_run, w.name in accept) for w in watches]


def _one(w: Watch, reg: Registered, store: Store, dry_run: bool, accept: bool) -> Outcome:
    kinds = kinds_of(w, reg)
    latest = store.latest(w.name)
    if latest is None:
        return Outcome(w, kinds, "unchanged", "nothing stored yet: nothing to re-parse")
    try:
        old = load(latest)
        sha = (old.get("source") or {}).get("sha256")
        document = store.document(sha) if sha else None
        if document is None:
            return Outcome(w, kinds, "failed", f"the document behind {latest.name} is not in "
                           "the store; it cannot be re-parsed", code=ExitCode.SOURCE_FAILED)
        ctx = Context(watch=w.name, timeout=w.timeout or DEFAULT_TIMEOUT,
                      max_bytes=w.max_bytes or DEFAULT_MAX_BYTES, latest=store.load_latest)
        snap = run(reg, str(document), w.options, ctx, shown=w.shown,
                   strict=w.strict and not accept)
        # the same retrieval, read again: keep its time, say when it was re-read
        snap["source"]["retrieved_at"] = old["source"]["retrieved_at"]
        snap["source"]["reparsed_at"] = utcnow()
        outcome = judge(w, kinds, store, latest, snap, ctx, dry_run, None, accept)
    except NotModified as exc:
        return Outcome(w, kinds, "failed", str(exc), code=ExitCode.SOURCE_FAILED)
    except ListwatchError as exc:
        if isinstance(exc, StoreError) and exc.exit_code == ExitCode.USAGE:
            raise  # the store is unusable (disk full, permissions), as in `check`
        return Outcome(w, kinds, "failed", str(exc), code=exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one watch's bug fails that watch alone
        return Outcome(w, kinds, "failed", failure_line(exc, "re-parsing"),
                       code=ExitCode.SOURCE_FAILED, error=exc)
    before = old["source"].get("plugin_version") or "?"
    after = reg.version or "?"
    if outcome.status == "unchanged":
        outcome.message = (f"re-parsed with {reg.name} {after} (was {before}): same "
                           f"{len(snap['entries'])} entries")
    elif outcome.status == "changed":
        outcome.status = "reparsed"
        outcome.message = (f"re-parsed with {reg.name} {after} (was {before}): a parser "
                           "change, not a list change; " +
                           ("not stored (--dry-run)" if dry_run else "stored, not alerted"))
    if outcome.status in ("unchanged", "reparsed") and not dry_run:
        try:
            state = store.state(w.name)
            if state.get("parse_key") != parse_key(w, reg):  # the next check need not re-parse
                store.save_state(w.name, {**state, "parse_key": parse_key(w, reg)})
        except ListwatchError as exc:  # the re-parse stands; the next check parses again
            outcome.warnings.append(f"state not updated: {exc}")
    return outcome
