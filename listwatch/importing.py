"""Seed a watch's store with past editions (`listwatch import`).

Each location (a file, a URL, or with ``all_editions`` every report an index page links
to) is run through the watch's source and validated, like in `check`; then what was read
is put in edition order and stored under the store's lock, skipping editions already
stored. Nothing goes to the outbox: an import sends no alert. The store reads snapshots
in edition order (README, "Store"), so a past edition slots in before the latest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import Watch
from .errors import ConfigError, ExitCode, ListwatchError
from .fetching import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Context, display
from .sources import Registered, run
from .store import Store, edition_key


@dataclass
class Imported:
    """What happened to one location."""

    location: str                 # as displayed (no credentials)
    edition: str | None
    status: str                   # stored | already stored | failed
    message: str = ""
    entries: int = 0
    path: Path | None = None
    code: ExitCode = ExitCode.OK


def _context(watch: Watch, store: Store) -> Context:
    return Context(watch=watch.name, timeout=watch.timeout or DEFAULT_TIMEOUT,
                   max_bytes=watch.max_bytes or DEFAULT_MAX_BYTES, latest=store.load_latest)


def _failed(location: str, edition: str | None, exc: ListwatchError) -> Imported:
    return Imported(display(location), edition, "failed", str(exc),
                    code=getattr(exc, "exit_code", ExitCode.SOURCE_FAILED))


def _targets(watch: Watch, reg: Registered, store: Store, locations: list[str],
             options: dict, out: list[Imported]) -> list[tuple[str, str | None]]:
    """``(location, edition)`` for every report the index pages link to."""
    lister = getattr(reg.source, "editions", None)
    found: list[tuple[str, str | None]] = []
    for location in locations:
        try:
            if lister is None:
                raise NotImplementedError
            found += [(url, edition or None)
                      for edition, url in lister(location, options, _context(watch, store))]
        except NotImplementedError:
            raise ConfigError(f"watch {watch.name}: source {reg.name} cannot list the "
                              "editions of a page; name each location to import") from None
        except ListwatchError as exc:
            out.append(_failed(location, None, exc))
    return found


def import_editions(watch: Watch, reg: Registered, store: Store, locations: Sequence[str] = (),
                    *, all_editions: bool = False, lock_timeout: float = 60.0
                    ) -> list[Imported]:
    """Fetch ``locations`` (default: the watch's own) and store each edition not yet
    stored, oldest first. Returns one :class:`Imported` per location (failures too)."""
    out: list[Imported] = []
    # which edition to take is the location's business here, not the watch's option
    options = {k: v for k, v in watch.options.items() if k != "edition"}
    takes_edition = "edition" in ((getattr(reg.source, "options_schema", None) or {})
                                  .get("properties") or {})
    where = list(locations) or [watch.location]
    targets = _targets(watch, reg, store, where, options, out) if all_editions else \
        [(location, None) for location in where]
    fetched = []
    for location, edition in targets:
        ctx = _context(watch, store)
        try:
            snap = run(reg, location, {**options, "edition": edition}
                       if edition and takes_edition else options, ctx)
        except ListwatchError as exc:
            out.append(_failed(location, edition, exc))
            continue
        count = len(snap["entries"])
        if count < watch.guard.min_entries:
            out.append(Imported(display(location), snap["list"].get("edition"), "failed",
                                f"only {count} entries (guard.min_entries = "
                                f"{watch.guard.min_entries}); the source looks broken",
                                code=ExitCode.SOURCE_FAILED))
            continue
        fetched.append((snap, ctx.primary.content if ctx.primary else None, location))
    # edition order, whatever order given; lists without editions keep the order given
    fetched.sort(key=lambda f: (f[0]["list"].get("edition") is None,
                                edition_key(str(f[0]["list"].get("edition") or ""))))
    if not fetched:
        return out
    with store.lock(lock_timeout):
        stored = store.snapshots(watch.name)
        editions = {store.edition(p) for p in stored} - {None}
        documents = {(store.head(p).get("source") or {}).get("sha256") for p in stored} - {None}
        done = []
        for snap, document, location in fetched:
            edition = snap["list"].get("edition")
            sha = snap["source"].get("sha256")
            result = Imported(display(location), edition, "stored", entries=len(snap["entries"]))
            if (edition in editions) if edition else (sha in documents):
                result.status = "already stored"
            else:
                result.path = store.save(watch.name, snap, document)
                editions.add(edition)
                documents.add(sha)
            done.append(result)
    _diff_new_pairs(store, watch.name, {r.path for r in done if r.path})
    return done + out


def _diff_new_pairs(store: Store, watch: str, new: set[Path]) -> None:
    """Diff each stored pair an import made adjacent, as `check` does with its change, so
    the first `history` or `report` finds every pair ready. Only a cache: a pair that
    cannot be diffed now is left for `history` to diff, and to word the problem."""
    from .history import pair_diff

    with contextlib.suppress(ListwatchError, OSError):
        paths = store.snapshots(watch) if new else []
        for old, newer in zip(paths, paths[1:]):
            if old in new or newer in new:
                with contextlib.suppress(ListwatchError, OSError):
                    pair_diff(store, watch, old, newer)
