"""The Source base class plugins subclass, and collecting sources from plugins."""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import PluginError

if TYPE_CHECKING:
    from .fetching import Context
    from .plugins import Plugins

CHANGE_KINDS = ("added", "removed", "renamed", "changed")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


@dataclass
class Draft:
    """What a source returns: list metadata, entries and warnings.

    ``list`` needs at least ``id``; ``entries`` are dicts with at least ``id`` and
    ``name``. The core adds the ``source`` block, normalises and sorts.
    ``unfiltered`` is how many items the document held before the source's own
    filters (keywords, age): the broken-source guard counts those, so a feed with
    no matching story today is not mistaken for a broken feed.
    """

    list: dict[str, Any]
    entries: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    unfiltered: int | None = None


class Source:
    """Base class for sources. Subclass, set ``name``, implement :meth:`fetch`."""

    name: str = ""
    title: str = ""
    options_schema: dict[str, Any] = {"type": "object", "properties": {},
                                      "additionalProperties": False}
    default_report: tuple[str, ...] = CHANGE_KINDS
    #: True when the snapshot depends only on the fetched bytes and the options, so
    #: `check` may skip parsing a document identical to last time's. A source whose
    #: output also depends on the clock or on other watches leaves it False, or
    #: makes it a method ``deterministic(options) -> bool``.
    deterministic: Any = False

    def fetch(self, location: str, options: dict[str, Any], ctx: Context) -> Draft:
        raise NotImplementedError


@dataclass
class Registered:
    """A source together with the plugin and package that provided it."""

    source: Any
    plugin: str
    package: str
    version: str

    @property
    def name(self) -> str:
        return self.source.name


def slug(text: str) -> str:
    """A stable, readable id part: case-, accent- and punctuation-insensitive.

    ``"AMAZON’S FOREIGN DOMAINS"`` and ``"Amazon's foreign domains"`` give the same
    slug; digits are kept (``TORRENTZ2``).
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("’", "'").replace("'", "")
    return re.sub(r"[^\w]+", "-", text, flags=re.ASCII).strip("-") or "x"


def collect_sources(plugins: Plugins, warn=None) -> dict[str, Registered]:
    """Call each plugin's ``register_sources`` separately so each source knows its package.

    A plugin whose hook raises is skipped with a warning; two sources with one name
    is a :class:`PluginError` naming both packages.
    """
    from .validation import check_schema

    warn = warn or (lambda line: print(line, file=sys.stderr))
    found: dict[str, Registered] = {}
    for impl in reversed(plugins.pm.hook.register_sources.get_hookimpls()):
        plugin_name = plugins.pm.get_name(impl.plugin) or "?"
        package, version = plugins.dists.get(plugin_name, (plugin_name, ""))
        batch: list[Any] = []
        try:
            impl.function(**{arg: batch.append for arg in impl.argnames})
        except Exception as exc:  # noqa: BLE001 - isolate a broken plugin
            first = (str(exc).splitlines() or [""])[0]
            warn(f"warning: plugin {plugin_name} (package {package}) raised in "
                 f"register_sources and was skipped: {type(exc).__name__}: {first}")
            continue
        for source in batch:
            name = getattr(source, "name", None)
            if not isinstance(name, str) or not NAME_RE.match(name):
                raise PluginError(f"plugin {plugin_name} (package {package}) registered a "
                                  f"source with invalid name {name!r}: use a lowercase slug")
            if name in found:
                other = found[name]
                raise PluginError(
                    f"source {name!r} is provided twice: by {other.plugin} (package "
                    f"{other.package}) and by {plugin_name} (package {package}); "
                    f"disable one with LISTWATCH_DISABLE_PLUGINS")
            schema = getattr(source, "options_schema", None) or Source.options_schema
            problem = check_schema(schema)
            if problem:
                raise PluginError(f"source {name!r} (package {package}) has an invalid "
                                  f"options schema: {problem}")
            found[name] = Registered(source, plugin_name, package, version)
    return found


def parse_options(pairs: list[str], options_schema: dict | None) -> dict[str, Any]:
    """``-O KEY=VALUE`` pairs → options. VALUE is JSON when it parses as JSON, else a
    string; for an array-typed option a plain string is split on commas."""
    import json

    from .errors import ConfigError

    props = (options_schema or {}).get("properties", {})
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"-O {pair}: expected KEY=VALUE")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        types = props.get(key, {}).get("type")
        types = types if isinstance(types, list) else [types]
        if "array" in types and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif "string" in types and not isinstance(value, str) and "number" not in types:
            value = raw
        options[key] = value
    return options


def run(reg: Registered, location: str, options: dict[str, Any], ctx: Context) -> dict:
    """Run a source and return its validated snapshot; the source document is ``ctx.primary``."""
    from . import snapshot
    from .errors import ConfigError, ListwatchError, NotModified, SourceError
    from .fetching import display
    from .validation import check_snapshot, option_errors

    schema = getattr(reg.source, "options_schema", None) or Source.options_schema
    problems = option_errors(schema, options)
    if problems:
        path, message = problems[0]
        raise ConfigError(f"source {reg.name}: option {path}: {message}"
                          if path != "(top level)" else f"source {reg.name}: options: {message}")
    shown = display(location)
    try:
        draft = reg.source.fetch(location, options, ctx)
    except (ListwatchError, NotModified):
        raise
    except Exception as exc:  # a plugin bug must not stop the other watches
        raise SourceError(f"{shown}: source {reg.name} (package {reg.package}) crashed: "
                          f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(draft, Draft) and not hasattr(draft, "entries"):
        raise SourceError(f"{shown}: source {reg.name} returned {type(draft).__name__}, "
                          "not a listwatch.Draft")
    doc = ctx.primary
    source = {"plugin": reg.name, "plugin_version": reg.version or None,
              "location": document_location(location, shown, doc),
              "sha256": doc.sha256 if doc else None, "retrieved_at": snapshot.utcnow()}
    source = {k: v for k, v in source.items() if v is not None}
    snap = snapshot.make(dict(draft.list), list(draft.entries), source,
                         list(draft.warnings) + ctx.warnings)
    check_snapshot(snap, f"{shown}: snapshot from source {reg.name}")
    ctx.unfiltered = getattr(draft, "unfiltered", None)
    return snap


def document_location(location: str, shown: str, doc) -> str:
    """Where the snapshot's document is, as the snapshot shows it: the location itself,
    or the document the source followed from it (an index page's report PDF, the one
    ``source.sha256`` describes), so that links to its pages point at it. A local
    document is shown beside the location as ``shown`` has it."""
    import os.path

    from .fetching import display, is_url

    followed = doc.requested if doc is not None else ""
    if not followed or followed == location:
        return shown
    if is_url(followed) or is_url(location):
        return display(followed)
    relative = os.path.relpath(followed, os.path.dirname(os.path.abspath(location)))
    return os.path.normpath(os.path.join(os.path.dirname(shown), relative))


def is_deterministic(source: Any, options: dict[str, Any]) -> bool:
    flag = getattr(source, "deterministic", False)
    return bool(flag(options) if callable(flag) else flag)
