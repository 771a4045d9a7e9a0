"""Build a fresh plugin manager per run and load the ``listwatch`` entry points.

No module-level manager: the CLI builds one per invocation and tests build their
own with ``make_plugins(autoload=False)`` and register what they need.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

import pluggy

from . import hookspecs
from .errors import PluginError

GROUP = "listwatch"
DISABLE_ENV = "LISTWATCH_DISABLE_PLUGINS"


@dataclass
class LoadError:
    """A plugin that could not be loaded; it is skipped, not fatal."""

    name: str
    package: str
    error: str


@dataclass
class Plugins:
    pm: pluggy.PluginManager
    dists: dict[str, tuple[str, str]] = field(default_factory=dict)  # plugin -> (package, version)
    load_errors: list[LoadError] = field(default_factory=list)
    disabled: set[str] = field(default_factory=set)  # installed, skipped by request

    def describe(self, sources: dict, builtins: bool = False) -> list[dict]:
        """One row per plugin (name, package, version, hooks, sources), then load errors.

        ``sources`` is what :func:`listwatch.sources.collect_sources` found; the
        built-in plugins (package ``listwatch``) are left out unless ``builtins``. An
        installed plugin skipped by :data:`DISABLE_ENV` has ``"disabled": true``."""
        by_plugin: dict[str, list[str]] = {}
        for reg in sources.all() if hasattr(sources, "all") else sources.values():
            by_plugin.setdefault(reg.plugin, []).append(reg.name)
        rows = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None and name not in self.disabled:
                continue  # a blocked name that is not an installed plugin
            package, version = self.dists.get(name, (name, ""))
            if package == "listwatch" and not builtins:
                continue
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()) \
                if plugin is not None else []
            rows.append({"name": name, "package": package, "version": version,
                         "hooks": hooks, "sources": sorted(by_plugin.get(name, [])),
                         **({"disabled": True} if plugin is None else {})})
        return rows + [{"name": e.name, "package": e.package, "error": e.error}
                       for e in self.load_errors]


def disabled_from_env(environ: dict[str, str] | None = None) -> set[str]:
    value = (os.environ if environ is None else environ).get(DISABLE_ENV, "")
    return {part.strip() for part in value.split(",") if part.strip()}


def make_plugins(
    *,
    autoload: bool = True,
    disabled: Iterable[str] = (),
    warn=None,
) -> Plugins:
    """Return a new plugin manager with the entry-point plugins loaded.

    A plugin that fails to import is skipped with a one-line warning naming it and
    its package (``warn`` receives the line; default: stderr).
    """
    warn = warn or (lambda line: print(line, file=sys.stderr))
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    blocked = set(disabled) | disabled_from_env()
    for name in blocked:
        pm.set_blocked(name)
    if autoload:
        for ep in importlib.metadata.entry_points(group=GROUP):
            dist = getattr(ep, "dist", None)
            package = dist.metadata["Name"] if dist is not None else "?"
            version = dist.version if dist is not None else ""
            if ep.name in blocked or pm.is_blocked(ep.name):
                plugins.dists[ep.name] = (package, version)
                plugins.disabled.add(ep.name)
                continue
            if pm.has_plugin(ep.name):
                continue
            try:
                module = ep.load()
            except Exception as exc:  # noqa: BLE001 - isolate a broken plugin
                msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
                plugins.load_errors.append(LoadError(ep.name, package, msg))
                warn(f"warning: plugin {ep.name} (package {package} {version}) "
                     f"failed to load and was skipped: {msg}")
                continue
            plugins.dists[ep.name] = (package, version)
            try:
                register(plugins, module, ep.name)
            except PluginError as exc:
                plugins.load_errors.append(LoadError(ep.name, package, str(exc)))
                warn(f"warning: {exc} (package {package} {version}); skipped")
    return plugins


def register(plugins: Plugins, plugin: object, name: str | None = None,
             package: tuple[str, str] | None = None) -> None:
    """Register one plugin object; a misspelled hook is a :class:`PluginError`."""
    try:
        registered = plugins.pm.register(plugin, name=name)
    except ValueError as exc:  # the name or the object is registered already
        raise PluginError(f"plugin {name or plugin!r}: {_one_line(exc)}") from None
    except pluggy.PluginValidationError as exc:  # hook arguments not in the hookspec
        if plugins.pm.is_registered(plugin):  # pluggy leaves it half-registered
            plugins.pm.unregister(plugin)
        raise PluginError(f"plugin {name or plugin!r}: {_one_line(exc)}") from None
    if registered is None:  # blocked
        return
    if package is not None:
        plugins.dists[plugins.pm.get_name(plugin)] = package
    try:
        plugins.pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugins.pm.unregister(plugin)
        raise PluginError(f"plugin {plugins.pm.get_name(plugin) or name}: "
                          f"{_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def pip(action: str, args: Iterable[str]) -> int:
    """Run ``pip install|uninstall ARGS`` in the environment listwatch runs from, as
    ``llm install`` does: a pipx user's plugin lands next to listwatch, no ``pipx inject``.

    Returns pip's exit status; pip speaks for itself on stdout/stderr.
    """
    import importlib.util
    import subprocess

    args = list(args)
    if action == "uninstall":
        own = {a.lower().replace("_", "-") for a in args if not a.startswith("-")}
        if "listwatch" in own:
            raise PluginError("refusing to uninstall listwatch itself from its own "
                              "environment (use pip or pipx directly)")
    if importlib.util.find_spec("pip") is None:
        raise PluginError(f"pip is not available in listwatch's environment ({sys.prefix}); "
                          f"install it there, or use `pipx inject listwatch PACKAGE`")
    return subprocess.run([sys.executable, "-m", "pip", action, *args]).returncode
