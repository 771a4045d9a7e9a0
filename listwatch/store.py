"""The directory store: accepted snapshots per watch, source documents, the alert outbox.

Layout (all plain files a person can read)::

    <store>/
      .lock                                    held by a running `check`
      documents/<aa>/<sha256>                  source documents, content-addressed
      watches/<watch>/snapshots/<seq>-<UTC time>[.<edition>].json  canonical snapshots
      watches/<watch>/state.json               HTTP validators (ETag, Last-Modified)
      watches/<watch>/cache/                   derived values (listwatch.cache), disposable
      outbox/<watch>/<snapshot name>           changes not yet delivered to every URL
      errors.json                              what on_error was told, and when

Every write is atomic (temp file, fsync, rename, fsync of the directory), so a run
killed at any moment leaves the store readable. Accepting a snapshot writes its
outbox record as ``<name>.pending`` first, then the snapshot (the commit point), then
renames the record to ``<name>.json``. Taking the lock finishes what a killed run left:
a ``.pending`` record whose snapshot was committed becomes ``.json`` (its alert goes
out), one whose snapshot was not is removed, and partial ``.tmp`` files are deleted.
So an outbox record named ``.json`` was always committed: if its snapshot is missing
later, someone deleted it, and the alert is still delivered (and said so). This relies on
every writer holding the lock: readers (``listwatch outbox``, ``history``, ``report``) write
nothing but the derived-data cache (:mod:`listwatch.cache`), which tolerates any failure.

A damaged file (a state that is not a JSON object, an outbox record listwatch cannot
read) is never ignored in silence: it is moved aside to ``<name>.broken`` and named in
one line (:class:`~listwatch.errors.StoreDamaged`, exit 3).

Snapshots are numbered in the order they were stored. They are read in edition order
for lists that have editions (so a past edition imported later slots in before the
latest; two snapshots of one edition keep the order they were stored in), and in the
order stored otherwise. A snapshot's edition is in its file name when it is a plain
word (``000007-20240130T100000Z.2023.json``), else read from the file's head.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from .atomic import fsync_dir, write_atomic
from .cache import Cache
from .errors import ConfigError, StoreDamaged, StoreError
from .snapshot import dumps

_NAME = re.compile(r"^(\d{6,})-(\d{8}T\d{6}Z)(?:\.([A-Za-z0-9_-]{1,64}))?\.json$")
_NATURAL = re.compile(r"(\d+)")
_TMP = re.compile(r"^\..+\.\d+\.tmp$")  # write_atomic's temp files
PENDING = ".pending"  # an outbox record written before its snapshot's commit
BROKEN = ".broken"  # a damaged file, moved aside
_REF = re.compile(r"^(?P<watch>[A-Za-z0-9][A-Za-z0-9._-]*)@(?P<which>.+)$")


def edition_key(edition: str) -> tuple:
    """Editions in natural order: ``2019`` < ``2020``, ``2023-2`` < ``2023-10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in _NATURAL.split(edition) if part)


class Store:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.cache = Cache(self.root)  # values derived from the stored files
        self._heads: dict[tuple[str, int, int], dict] = {}  # (path, size, mtime) -> envelope
        self.locked = False  # held by this process: damaged files may be moved aside
        #: what taking the lock cleaned up after a killed run (for -v)
        self.recovered: list[str] = []

    # -- errors -----------------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self, what: str, kept: str = "nothing was changed") -> Iterator[None]:
        """Turn an OSError into one line: what could not be written and what was kept."""
        try:
            yield
        except OSError as exc:
            reason = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
                      errno.EROFS: "read-only file system",
                      errno.EACCES: "permission denied", errno.EFBIG: "file too large",
                      errno.EPERM: "not permitted"}.get(exc.errno, exc.strerror or str(exc))
            raise StoreError(f"store {self.root}: cannot write {what}: {reason}; "
                             f"{kept}") from None

    def set_aside(self, path: Path, why: str) -> StoreDamaged:
        """Move a damaged file to ``<name>.broken`` (under the lock only) and return the
        one-line error that says so."""
        shown = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        where = f"store {self.root}: {shown}: {why}"
        if not self.locked:
            return StoreDamaged(f"{where} (move it away, or run `listwatch check` to have "
                                "it moved aside)")
        aside = path.with_name(path.name + BROKEN)
        try:
            os.replace(path, aside)
            fsync_dir(path.parent)
        except OSError as exc:
            return StoreDamaged(f"{where}; could not move it aside: {exc.strerror or exc}")
        return StoreDamaged(f"{where}; moved aside to {aside.name}")

    # -- locking ----------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the store's lock; wait at most ``timeout`` seconds for another run."""
        with self._writing("its lock file"):
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreError(
                            f"store {self.root}: another listwatch run holds the lock; gave up "
                            f"after {timeout:g} s (set [store] lock_timeout to wait longer)"
                        ) from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.locked = True
            self.recover()
            yield
        finally:
            self.locked = False
            os.close(fd)

    def recover(self) -> None:
        """Finish what a killed run left (under the lock): roll committed outbox records
        forward, remove uncommitted ones and partial temp files."""
        found: list[str] = []
        with self._writing("the store (cleaning up after an interrupted run)",
                           "the stored snapshots and alerts are as they were"):
            for pending in sorted((self.root / "outbox").glob(f"*/*{PENDING}")):
                name = pending.name[:-len(PENDING)]
                if (self._dir(pending.parent.name) / name).exists():
                    os.replace(pending, pending.with_name(name))  # committed: keep
                    found.append(f"finished the outbox record {pending.parent.name}/{name}")
                else:
                    pending.unlink()  # the run died before its snapshot's commit
                    found.append(f"removed the uncommitted outbox record "
                                 f"{pending.parent.name}/{name}")
                fsync_dir(pending.parent)
            for top, _, files in os.walk(self.root):
                for name in files:
                    if _TMP.match(name):
                        path = Path(top) / name
                        size = path.stat().st_size
                        path.unlink()
                        found.append(f"removed the partial file {path.relative_to(self.root)}"
                                     f" ({size} bytes) of an interrupted run")
        self.recovered = found

    # -- snapshots --------------------------------------------------------------
    def _dir(self, watch: str) -> Path:
        return self.root / "watches" / watch / "snapshots"

    def snapshots(self, watch: str) -> list[Path]:
        """Stored snapshot files of a watch, oldest first."""
        try:
            names = os.listdir(self._dir(watch))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise StoreError(f"store {self.root}: cannot read watch {watch}: "
                             f"{exc.strerror or exc}") from None
        found = sorted((int(m[1]), n) for n in names if (m := _NAME.match(n)))
        paths = [self._dir(watch) / n for _, n in found]
        editions: list[str] = []
        for path in reversed(paths):  # newest first: a list without editions stops at once
            edition = self.edition(path)
            if not edition:
                return paths
            editions.append(edition)
        editions.reverse()
        order = sorted(range(len(paths)), key=lambda i: (edition_key(editions[i]), i))
        return [paths[i] for i in order]

    def head(self, path: Path) -> dict:
        """A stored snapshot's envelope (``list``, ``source``) without reading its entries;
        ``{}`` when it cannot be read. Stored files never change: read once a run."""
        from .snapshot import CanonicalReader, NotCanonical

        try:
            st = path.stat()
        except OSError:
            return {}
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self._heads:
            try:
                with CanonicalReader(path) as reader:
                    self._heads[key] = reader.envelope
            except NotCanonical:
                return {}
        return self._heads[key]

    def edition(self, path: Path) -> str | None:
        """The edition of a stored snapshot: from its file name, else from its head."""
        m = _NAME.match(path.name)
        if m and m[3]:
            return m[3]
        edition = (self.head(path).get("list") or {}).get("edition")
        return edition if isinstance(edition, str) else None  # a hand-edited file: no order

    def latest(self, watch: str) -> Path | None:
        found = self.snapshots(watch)
        return found[-1] if found else None

    def load_latest(self, watch: str) -> dict | None:
        from .snapshot import load

        path = self.latest(watch)
        return load(path) if path else None

    def resolve(self, ref: str) -> Path:
        """``WATCH@latest``, ``WATCH@previous``, ``WATCH@-N`` (N back from latest),
        ``WATCH@YYYY`` (newest snapshot of that edition), ``WATCH@<time prefix>``
        (``nml@20240130`` or ``nml@2024-01-30``)."""
        m = _REF.match(ref)
        if not m:
            raise ConfigError(f"{ref}: not a stored reference (use WATCH@latest, "
                              "WATCH@previous, WATCH@-N, WATCH@EDITION or WATCH@DATE)")
        watch, which = m["watch"], m["which"]
        found = self.snapshots(watch)
        if not found:
            raise ConfigError(f"{ref}: no stored snapshots of watch {watch!r} in {self.root}")
        back = {"latest": 0, "previous": 1}.get(which)
        if back is None and re.fullmatch(r"-\d+", which):
            back = int(which[1:])
        if back is not None:
            if back >= len(found):
                raise ConfigError(f"{ref}: watch {watch!r} has only {len(found)} stored "
                                  "snapshot(s)")
            return found[-1 - back]
        if re.fullmatch(r"\d{4}", which):
            for path in reversed(found):
                if self.edition(path) == which:
                    return path
        stamp = which.replace("-", "").replace(":", "")
        for path in reversed(found):
            if _NAME.match(path.name)[2].startswith(stamp):
                return path
        raise ConfigError(f"{ref}: no stored snapshot of {watch!r} matches {which!r}")

    def save(self, watch: str, snapshot: dict, document: bytes | None = None,
             outbox: dict | None = None, text: str | None = None) -> Path:
        """Accept a snapshot: document, then outbox record, then the snapshot (commit).

        ``text`` is the snapshot's canonical text when the caller has it already."""
        stamp = snapshot["source"]["retrieved_at"].replace("-", "").replace(":", "")
        existing = self.snapshots(watch)
        seq = max((int(_NAME.match(p.name)[1]) for p in existing), default=0) + 1
        edition = str(snapshot["list"].get("edition") or "")
        tag = f".{edition}" if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", edition) else ""
        name = f"{seq:06d}-{stamp}{tag}.json"
        path = self._dir(watch) / name
        record = self.root / "outbox" / watch / name
        pending = record.with_name(name + PENDING)
        with self._writing(f"a snapshot of watch {watch}"):
            if document is not None and snapshot["source"].get("sha256"):
                self.save_document(snapshot["source"]["sha256"], document)
            if outbox is not None:
                write_atomic(pending, json.dumps({**outbox, "snapshot": name},
                                                 indent=2).encode())
            try:
                write_atomic(path, (text if text is not None else dumps(snapshot)
                                    ).encode("utf-8"))
            except BaseException:
                if not path.exists():  # not committed: the record must never be sent
                    with contextlib.suppress(OSError):
                        pending.unlink()
                raise  # (committed after all: taking the lock next time keeps the record)
        if outbox is not None:  # committed; if this fails, taking the lock finishes it
            with self._writing(f"the outbox record of watch {watch}",
                               "the snapshot was stored and its alert is sent by the next "
                               "run"):
                os.replace(pending, record)
                fsync_dir(record.parent)
        return path

    def has_snapshot(self, watch: str, name: str) -> bool:
        return (self._dir(watch) / name).exists()

    def save_document(self, sha256: str, content: bytes) -> Path:
        path = self.root / "documents" / sha256[:2] / sha256
        if not path.exists():
            write_atomic(path, content)
        return path

    def document(self, sha256: str) -> Path | None:
        path = self.root / "documents" / sha256[:2] / sha256
        return path if path.exists() else None

    # -- per-watch state (HTTP validators) -----------------------------------------
    def _read_object(self, path: Path, what: str, damaged: str) -> dict:
        """A JSON object listwatch wrote; ``{}`` when absent. Unreadable (permissions, a
        directory): StoreDamaged, left where it is. Not a JSON object: moved aside."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreDamaged(f"store {self.root}: cannot read {what}: "
                               f"{exc.strerror or exc}") from None
        try:
            state = json.loads(data.decode("utf-8"))
        except ValueError:
            state = None
        if not isinstance(state, dict):
            raise self.set_aside(path, f"damaged (not a JSON object); {damaged}")
        return state

    def state(self, watch: str) -> dict:
        """What the last accepted run read (validators, documents); ``{}`` when none.

        A state file that is not a JSON object raises :class:`StoreDamaged` (exit 3)
        and is moved aside, so the next run fetches and parses in full."""
        return self._read_object(self.root / "watches" / watch / "state.json",
                                 f"the state of watch {watch}",
                                 "the watch's next run fetches and parses its source in full")

    def save_state(self, watch: str, state: dict) -> None:
        with self._writing(f"the state of watch {watch}",
                           "what was stored before (snapshots, pending alerts) is kept; "
                           "only this watch's fetch state (ETag, documents read) was not "
                           "updated"):
            write_atomic(self.root / "watches" / watch / "state.json",
                         json.dumps(state, indent=2, sort_keys=True).encode())

    # -- what on_error was told (listwatch.alerts.notices) --------------------------------
    def errors(self) -> dict:
        """``<store>/errors.json``; {} when absent. Damaged: moved aside, StoreDamaged."""
        return self._read_object(self.root / "errors.json", "errors.json",
                                 "on_error may hear again of problems it was told about")

    def save_errors(self, state: dict) -> None:
        with self._writing("errors.json (what on_error was told)",
                           "on_error may hear again of problems it was told about"):
            write_atomic(self.root / "errors.json",
                         json.dumps(state, indent=2, sort_keys=True).encode())

    # -- outbox -----------------------------------------------------------------------
    def outbox(self, prune: bool = True) -> list[tuple[Path, object]]:
        """Committed outbox records, oldest first, as (path, parsed JSON); a record that
        is not JSON comes as (path, None) for the caller to report.

        Without the lock (``prune=False``, readers such as ``listwatch outbox``) a
        ``.pending`` record whose snapshot is committed counts too: the run that wrote
        it was killed, or is about to rename it."""
        records: list[tuple[Path, object]] = []
        base = self.root / "outbox"
        paths = list(base.glob("*/*.json"))
        if not prune:
            paths += [p.with_name(p.name[:-len(PENDING)])
                      for p in base.glob(f"*/*{PENDING}")
                      if self.has_snapshot(p.parent.name, p.name[:-len(PENDING)])]
        for path in sorted(set(paths)):
            try:
                data = (path if path.exists() else path.with_name(path.name + PENDING)
                        ).read_bytes()
            except FileNotFoundError:
                continue  # delivered meanwhile
            except OSError:
                records.append((path, None))
                continue
            try:
                records.append((path, json.loads(data.decode("utf-8"))))
            except ValueError:
                records.append((path, None))
        records.sort(key=lambda r: (r[0].name, r[0].parent.name))
        return records

    def update_outbox(self, path: Path, record: dict) -> None:
        with self._writing("the outbox",
                           "a delivery that succeeded could not be marked as done, so that "
                           "URL may get this alert again"):
            write_atomic(path, json.dumps(record, indent=2).encode())

    def close_outbox(self, path: Path) -> None:
        with self._writing("the outbox",
                           "the alert was delivered to every URL but its record stays, so "
                           "it may be sent again"):
            path.unlink(missing_ok=True)
            fsync_dir(path.parent)
