"""listwatch: watch policy lists and hear when they change.

The public API for plugin authors is re-exported here; importing it does no I/O
and loads no plugins.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("listwatch")

from .errors import ListwatchError, SourceError  # noqa: E402
from .sources import Draft, Source, slug  # noqa: E402

__all__ = ["Draft", "ListwatchError", "Source", "SourceError", "__version__", "hookimpl", "slug"]
