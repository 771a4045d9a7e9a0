"""listwatch: watch policy lists and hear when they change.

The public API for plugin authors is re-exported here (their tests use
:mod:`listwatch.testing`; docs/plugins.md is the guide); importing it does no I/O
and loads no plugins. ``hookimpl``, ``Source``, ``Draft`` and ``slug`` are loaded on
first use (PEP 562), so ``listwatch --help`` does not pay for pluggy.
"""

from __future__ import annotations

from .errors import ListwatchError, OptionsError, SourceError
from .version import __version__

TYPE_CHECKING = False   # typing is not imported at run time: a PDF parser child imports this
if TYPE_CHECKING:
    from typing import Any

    import pluggy

    from .sources import Draft, Source
    from .text import slug

    hookimpl: pluggy.HookimplMarker

__all__ = ["Draft", "ListwatchError", "OptionsError", "Source", "SourceError", "__version__",
           "hookimpl", "slug"]


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        import pluggy

        value: Any = pluggy.HookimplMarker("listwatch")
    elif name == "slug":    # text.py: light enough for a parser child process
        from .text import slug as value
    elif name in ("Draft", "Source"):
        from . import sources

        value = getattr(sources, name)
    else:
        raise AttributeError(f"module 'listwatch' has no attribute {name!r}")
    globals()[name] = value  # once
    return value
