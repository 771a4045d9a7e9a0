"""Alerting: from a reported change to a message at each notifier URL, exactly once.

A change becomes an outbox record (:mod:`.outbox`), stored in the same atomic step as its snapshot.
After the run, :mod:`.delivery` renders it per service (:mod:`.messages`) and sends it through
apprise (:mod:`.sender`), marking each URL done on its own success; URLs never leave
:mod:`.secrets` unmasked.
"""

from __future__ import annotations

from .delivery import after_check, send_test
from .outbox import ALWAYS, INFO, VERBOSE, Log, outbox_record, readable

__all__ = ["ALWAYS", "INFO", "VERBOSE", "Log", "after_check", "outbox_record", "readable",
           "send_test"]
