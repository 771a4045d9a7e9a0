"""listwatch: watch policy lists and hear when they change.

The public API for plugin authors is re-exported here (their tests use
:mod:`listwatch.testing`; docs/plugins.md is the guide); importing it does no I/O
and loads no plugins. ``hookimpl``, ``Source``, ``Draft`` and ``slug`` are loaded on
first use (PEP 562), so ``listwatch --help`` does not pay for pluggy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ListwatchError, OptionsError, SourceError
from .version import __version__

if TYPE_CHECKING:
    import pluggy

    from .sources import Draft, Source, slug

    hookimpl: pluggy.HookimplMarker

__all__ = ["Draft", "ListwatchError", "OptionsError", "Source", "SourceError", "__version__",
           "hookimpl", "slug"]


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        import pluggy

        value: Any = pluggy.HookimplMarker("listwatch")
    elif name in ("Draft", "Source", "slug"):
        from . import sources

        value = getattr(sources, name)
    else:
        raise AttributeError(f"module 'listwatch' has no attribute {name!r}")
    globals()[name] = value  # once
    return value
