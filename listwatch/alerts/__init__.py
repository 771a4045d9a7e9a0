"""Alerting: from a reported change to a message at each notifier URL, exactly once.

A change becomes an outbox record (:mod:`.outbox`), stored in the same atomic step as its snapshot.
After the run, :mod:`.delivery` renders it per service (:mod:`.messages`) and sends it through
apprise (:mod:`.sender`), marking each URL done on its own success; URLs never leave
:mod:`.secrets` unmasked.

The names below load on first use: the core imports :mod:`.secrets` to mask values from
``${NAME}``, which must not load delivery with it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ALWAYS", "INFO", "VERBOSE", "Log", "after_check", "outbox_record", "readable",
           "send_test"]


def __getattr__(name: str) -> Any:
    if name in ("after_check", "send_test"):
        from . import delivery

        return getattr(delivery, name)
    if name in __all__:
        from . import outbox

        return getattr(outbox, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
