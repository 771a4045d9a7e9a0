"""The Source base class plugins subclass, and collecting sources from plugins."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import PluginError
from .text import slug  # noqa: F401  (public here too; it lives in text.py)

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
    ``doubts`` are the source's self-check failures: it parsed the document, but the
    result disagrees with itself (a table of contents that does not match the body,
    counts the document states that differ from what was found, headings that are
    not words). A snapshot with doubts is held back (:class:`listwatch.errors.HeldBack`)
    unless the watch sets ``strict = false``, when they become warnings. Mild oddities
    that do not mean "this parse is wrong" belong in ``warnings``.
    """

    list: dict[str, Any]
    entries: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    unfiltered: int | None = None
    doubts: list[str] = field(default_factory=list)


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

    def reads(self, options: dict[str, Any]) -> list[str]:
        """The other watches whose snapshots ``fetch`` reads through ``ctx.latest``.

        ``check`` settles those watches first and hands this source the snapshots
        they got in the same run; naming a watch that is not configured, or a
        circle of watches, is a configuration error found before any fetch."""
        return []

    def editions(self, location: str, options: dict[str, Any], ctx: Context
                 ) -> list[tuple[str, str]]:
        """Every edition a location offers, as ``(edition, location)`` pairs, for
        ``listwatch import --all-editions`` (an index page linking to each year's
        report). Optional: a source of a list without editions leaves it out."""
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


class Sources(dict):
    """Installed sources by name, as :func:`collect_sources` found them.

    A name that two plugins register is ambiguous: it is left out of the mapping
    and kept in ``clashes``, so every other source still works. ``PACKAGE:NAME``
    (or ``PLUGIN:NAME``) picks one of them; looking up an ambiguous plain name
    raises a :class:`PluginError` that says how to choose.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clashes: dict[str, list[Registered]] = {}

    def all(self) -> list[Registered]:
        """Every registered source, the ambiguous ones included."""
        return list(self.values()) + [r for regs in self.clashes.values() for r in regs]

    def __missing__(self, name: str) -> Registered:
        if name in self.clashes:
            raise PluginError(ambiguity(name, self.clashes[name], "is ambiguous"))
        qualifier, sep, bare = name.partition(":")
        if sep:
            wanted = _norm(qualifier)
            chosen = [r for r in self.all() if r.name == bare
                      and wanted in (_norm(r.package), _norm(r.plugin))]
            if len(chosen) == 1:
                return chosen[0]
            if chosen:
                raise PluginError(ambiguity(bare, chosen, f"is ambiguous even as {name!r}"))
        raise KeyError(name)


def _norm(package: str) -> str:
    return re.sub(r"[-_.]+", "-", package).lower()


def ambiguity(name: str, regs: list[Registered], what: str) -> str:
    """One line naming every package that provides ``name`` and how to choose one."""
    from .plugins import DISABLE_ENV

    regs = sorted(regs, key=lambda r: (r.package, r.plugin))
    who = " and ".join(f"{r.package} (plugin {r.plugin})" for r in regs)
    qualified = " or ".join(repr(f"{r.package}:{name}") for r in regs)
    others = ",".join(r.plugin for r in regs[1:])
    return (f"source {name!r} {what}: it is provided by {who}; name one as {qualified}, "
            f"or keep one by disabling the others (e.g. {DISABLE_ENV}={others})")


def collect_sources(plugins: Plugins, warn=None) -> Sources:
    """Call each plugin's ``register_sources`` separately so each source knows its package.

    One plugin cannot take the others down: a hook that raises, a source with an
    invalid name or options schema is skipped with a warning, and a name two plugins
    register is ambiguous (a warning naming both; see :class:`Sources`).
    """
    from .validation import check_schema

    warn = warn or (lambda line: print(line, file=sys.stderr))
    found = Sources()
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
                warn(f"warning: plugin {plugin_name} (package {package}) registered a source "
                     f"with invalid name {name!r} (use a lowercase slug); skipped")
                continue
            schema = getattr(source, "options_schema", None) or Source.options_schema
            problem = check_schema(schema)
            if problem:
                warn(f"warning: source {name!r} (package {package}) has an invalid options "
                     f"schema: {problem}; skipped")
                continue
            reg = Registered(source, plugin_name, package, version)
            if name in found.clashes:
                found.clashes[name].append(reg)
            elif name in found:
                found.clashes[name] = [found.pop(name), reg]
            else:
                found[name] = reg
    for name, regs in found.clashes.items():
        packages = " and ".join(sorted(r.package for r in regs))
        warn(f"warning: source {name!r} is provided by {packages}: it cannot be used until "
             "you choose one (see `listwatch sources`)")
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


def run(reg: Registered, location: str, options: dict[str, Any], ctx: Context, *,
        shown: str | None = None, strict: bool = True) -> dict:
    """Run a source and return its validated snapshot; the source document is ``ctx.primary``.

    ``shown`` is the location as messages and the snapshot show it (default: the
    location, masked). A draft with ``doubts`` raises :class:`HeldBack` when
    ``strict``; else the doubts join the snapshot's warnings.
    :func:`listwatch.snapshot.canonical` gives the snapshot's text without encoding
    the entries again."""
    from . import snapshot
    from .alerts.secrets import redact
    from .errors import HeldBack, ListwatchError, NotModified, OptionsError, SourceError
    from .fetching import display
    from .validation import check_snapshot, option_errors

    schema = getattr(reg.source, "options_schema", None) or Source.options_schema
    problems = option_errors(schema, options)
    if problems:
        path, message = problems[0]
        raise OptionsError(f"source {reg.name}: option {path}: {message}"
                           if path != "(top level)" else f"source {reg.name}: options: {message}")
    shown = shown or display(location)
    try:
        draft = reg.source.fetch(location, with_defaults(schema, options), ctx)
    except (ListwatchError, NotModified) as exc:
        # a plugin's message may quote the raw location: values from ${NAME} masked
        exc.args = tuple(redact(a) if isinstance(a, str) else a for a in exc.args)
        raise
    except Exception as exc:  # a plugin bug must not stop the other watches
        raise SourceError(redact(f"{shown}: source {reg.name} (package {reg.package}) "
                                 f"crashed: {type(exc).__name__}: {exc}")) from exc
    if not isinstance(draft, Draft) and not hasattr(draft, "entries"):
        raise SourceError(f"{shown}: source {reg.name} returned {type(draft).__name__}, "
                          "not a listwatch.Draft")
    doubts = [str(d) for d in getattr(draft, "doubts", None) or ()]
    if doubts and strict:
        more = f" (and {len(doubts) - 1} more)" if len(doubts) > 1 else ""
        watch = getattr(ctx, "watch", None)
        then = (f"`listwatch check --accept {watch}` or set strict = false" if watch else
                "`listwatch fetch --no-strict` to print it anyway")
        raise HeldBack(f"{shown}: held back, the source's self-checks failed: {doubts[0]}"
                       f"{more}; look at it, then {then}")
    doc = ctx.primary
    source = {"plugin": reg.name, "plugin_version": reg.version or None,
              "location": document_location(location, shown, doc),
              "sha256": doc.sha256 if doc else None, "retrieved_at": snapshot.utcnow()}
    source = {k: v for k, v in source.items() if v is not None}
    with snapshot.gc_paused():  # no cycles made: the collector would rescan every entry
        try:
            snap = snapshot.make_with_text(
                dict(draft.list), draft.entries, source,
                [redact(str(w)) for w in list(draft.warnings) + doubts + ctx.warnings])
        except (ValueError, TypeError, RecursionError) as exc:  # NaN, a lone surrogate, …
            why = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise SourceError(redact(f"{shown}: source {reg.name} made a snapshot that is "
                                     f"not JSON: {why}")) from exc
        check_snapshot(snap, f"{shown}: snapshot from source {reg.name}")
    ctx.unfiltered = getattr(draft, "unfiltered", None)
    return snap


def reads_of(source: Any, options: dict[str, Any], watch: str) -> list[str]:
    """The other watches whose snapshots ``source`` reads with these options
    (:meth:`Source.reads`; a source without it reads none)."""
    reads = getattr(source, "reads", None)
    if not callable(reads):
        return []
    try:
        names = list(reads(options) or ())
    except Exception as exc:  # noqa: BLE001 - a plugin's bug, said in one line
        raise PluginError(f"source {getattr(source, 'name', '?')}: reads() failed: "
                          f"{type(exc).__name__}: {exc}") from None
    if not all(isinstance(n, str) for n in names):
        raise PluginError(f"source {getattr(source, 'name', '?')}: reads() must return "
                          f"watch names (strings), not {names!r}")
    return [n for n in names if n != watch]


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


def with_defaults(schema: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` plus the ``default`` of each top-level property it leaves out, so a
    source reads ``options["comment"]`` without repeating the schema's default."""
    import copy

    props = schema.get("properties") or {}
    missing = {key: copy.deepcopy(spec["default"]) for key, spec in props.items()
               if isinstance(spec, dict) and "default" in spec and key not in options}
    return {**options, **missing} if missing else options
