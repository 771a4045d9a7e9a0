"""Values derived from stored files (the diff of two snapshots, what a history walk found),
kept in ``<store>/watches/<watch>/cache/<name>.json`` under the key they were derived from.

Only ever a shortcut: a file that cannot be read, was kept under another key, or cannot
be written means computing again; the directory may be deleted at any time. So it is
written without fsync (one lost to a crash is computed again), and readers of the store
(``history``, ``report``) may write it without the store's lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .atomic import write_atomic


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, watch: str, name: str) -> Path:
        return self.root / "watches" / watch / "cache" / f"{name}.json"

    def cached(self, watch: str, name: str, key: list, compute: Callable[[], Any]) -> Any:
        """The value kept under ``key``; else ``compute()``, kept for next time."""
        got = self.kept(watch, name, key)
        if got is not None:
            return got[1]
        value = compute()
        self.keep(watch, name, key, value)
        return value

    def kept(self, watch: str, name: str, key: list | None = None) -> tuple[list, Any] | None:
        """``(key, value)`` as :meth:`keep` put them, None when there is none (or none
        readable); with ``key``, only when it was kept under that key (a file that starts
        with another is not parsed)."""
        from .fastjson import dumps, loads

        try:
            data = self._path(watch, name).read_bytes()
            if key is not None and not data.startswith(f'{{"key":{dumps(key)},'.encode()):
                return None
            doc = loads(data)
            if isinstance(doc, dict) and (key is None or doc["key"] == key):
                return doc["key"], doc["value"]
        except (OSError, ValueError, KeyError):
            pass
        return None

    def keep(self, watch: str, name: str, key: list, value: Any) -> None:
        """Keep ``value`` under ``key`` (when it cannot be written, it is simply computed
        again later)."""
        from .fastjson import dumpb

        with contextlib.suppress(OSError):
            write_atomic(self._path(watch, name), dumpb({"key": key, "value": value}),
                         durable=False)
