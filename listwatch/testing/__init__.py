"""Test a listwatch source plugin without reaching into listwatch's internals.

A plugin's tests need only this module (docs/plugins.md, "Testing a source")::

    from listwatch.testing import assert_ids_stable, run_source

    def test_names(tmp_path):
        (tmp_path / "names.txt").write_text("TAOBAO\\n")
        snapshot = run_source(MySource(), str(tmp_path / "names.txt"))
        assert [e["name"] for e in snapshot["entries"]] == ["TAOBAO"]

    def test_over_http(listwatch_http):          # a pytest fixture listwatch provides
        url = listwatch_http.serve(b"TAOBAO\\n", "/names.txt")
        assert_ids_stable(MySource(), url)

:func:`run_source` goes through the same steps as ``listwatch fetch``: the source is
registered through a real plugin manager (its name and options schema checked),
options are validated and their defaults filled in, the source fetches through the
core's fetcher, text is normalised, the ``source`` block filled in and the snapshot
validated. A failure raises what the command line turns into an exit code:
:class:`listwatch.OptionsError` (exit 2) or :class:`listwatch.SourceError` (exit 3).

Importing this module is cheap: pluggy, jsonschema and the HTTP server load on use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import HTTPServer, Request, Route

__all__ = ["HTTPServer", "Request", "Route", "assert_ids_stable", "installed_source",
           "run_source"]


def run_source(source: Any, location: str | os.PathLike,
               options: Mapping[str, Any] | None = None, *,
               latest: Mapping[str, dict] | None = None, timeout: float | None = None,
               max_bytes: int | None = None) -> dict:
    """Run ``source`` (a :class:`listwatch.Source` instance) on ``location`` as
    ``listwatch fetch`` does and return the validated snapshot (a dict).

    ``location`` is a URL or a path (a ``pathlib.Path`` will do).
    ``latest`` maps watch names to the snapshots a source may read through
    ``ctx.latest(watch)`` (as the ``feed`` source's ``mentions_of`` does);
    ``timeout`` and ``max_bytes`` are the watch keys of the same names.
    """
    from ..fetching import Context
    from ..sources import run

    reg = _registered(source)
    known = dict(latest or {})
    ctx = Context(latest=known.get)
    if timeout is not None:
        ctx.timeout = timeout
    if max_bytes is not None:
        ctx.max_bytes = max_bytes
    return run(reg, os.fspath(location), dict(options or {}), ctx)


def assert_ids_stable(source: Any, location: str | os.PathLike, options: Mapping[str, Any] | None = None,
                      **kwargs: Any) -> dict:
    """Run ``source`` twice over the same document and assert that both runs give the
    same entry ids with the same names; return the second snapshot.

    Ids are how listwatch tells an entry that changed from one removed and another
    added: an id made from a counter, a timestamp or a random value breaks every diff.
    ``kwargs`` are passed to :func:`run_source`.
    """
    first = run_source(source, location, options, **kwargs)
    second = run_source(source, location, options, **kwargs)
    one = {e["id"]: e["name"] for e in first["entries"]}
    two = {e["id"]: e["name"] for e in second["entries"]}
    if one != two:
        only_first = sorted(set(one) - set(two))[:5]
        only_second = sorted(set(two) - set(one))[:5]
        renamed = sorted(k for k in set(one) & set(two) if one[k] != two[k])[:5]
        raise AssertionError(
            f"source {getattr(source, 'name', source)!r} gave different ids for the same "
            f"document {location}: only in the first run {only_first}, only in the second "
            f"{only_second}, other names {renamed}")
    return second


def installed_source(name: str) -> Any:
    """The source ``name`` as the installed plugins register it, found through the
    ``listwatch`` entry-point group as ``listwatch sources`` finds it.

    Fails (``AssertionError``) with the installed names and any plugin warnings when
    it is missing: a wrong entry-point line in ``pyproject.toml`` shows here.
    """
    from ..plugins import make_plugins
    from ..sources import collect_sources

    warnings: list[str] = []
    found = collect_sources(make_plugins(warn=warnings.append), warn=warnings.append)
    if name not in found:
        raise AssertionError(f"no installed source {name!r} (installed: "
                             f"{', '.join(sorted(found)) or 'none'})"
                             + "".join(f"; {w}" for w in warnings))
    return found[name].source


def _registered(source: Any):
    """``source`` registered through a fresh plugin manager, as an installed plugin's is."""
    import types

    from .. import hookimpl
    from ..plugins import make_plugins, register
    from ..sources import collect_sources

    errors: list[str] = []
    plugin = types.SimpleNamespace(register_sources=hookimpl(lambda register: register(source)))
    plugins = make_plugins(autoload=False, disabled=())
    package, version = _distribution(source)
    register(plugins, plugin, "listwatch-testing", package=(package, version))
    found = collect_sources(plugins, warn=errors.append)
    if errors:  # what `listwatch` would skip with a warning is an error in a plugin's tests
        from ..errors import PluginError

        raise PluginError(errors[0].removeprefix("warning: ").removesuffix("; skipped"))
    (reg,) = found.values()
    return reg


def _distribution(source: Any) -> tuple[str, str]:
    """The installed package providing ``source``'s module, as ``listwatch sources`` shows it."""
    import importlib.metadata

    top = type(source).__module__.split(".")[0]
    for name in importlib.metadata.packages_distributions().get(top, []):
        try:
            return name, importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return top, ""


def __getattr__(name: str) -> Any:
    if name in ("HTTPServer", "Request", "Route"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module 'listwatch.testing' has no attribute {name!r}")
