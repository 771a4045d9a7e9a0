"""Read ``listwatch.toml``: TOML → ``${ENV}`` expansion → config schema → typed watches.

Every error names the file, the watch and the key, on one line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, PluginError

DEFAULT_FILE = "listwatch.toml"
DEFAULT_STORE = ".listwatch"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Guard:
    max_removed: float = 0.5
    min_entries: int = 1


@dataclass
class Watch:
    name: str
    source: str
    location: str
    options: dict[str, Any] = field(default_factory=dict)
    notify: list[str] = field(default_factory=list)
    report: tuple[str, ...] | None = None  # None: the source's default
    ignore: tuple[str, ...] = ()
    guard: Guard = field(default_factory=Guard)
    timeout: float | None = None
    max_bytes: int | None = None
    title: str | None = None
    template: dict[str, str] = field(default_factory=dict)
    #: hold back a snapshot whose source's self-checks fail (``Draft.doubts``); when
    #: False they are only warnings
    strict: bool = True
    #: the location as the config has it (a path relative to the config stays so)
    as_written: str = ""

    @property
    def shown(self) -> str:
        """The location as messages and stored snapshots show it: as written in the
        config (so a stored snapshot holds no absolute path of this machine), with
        credentials and secret query values masked."""
        from .fetching import display

        return display(self.as_written or self.location)


@dataclass
class Config:
    path: Path | None
    store: Path
    lock_timeout: float = 60.0
    notify: list[str] = field(default_factory=list)
    on_error: list[str] = field(default_factory=list)
    retries: int = 2
    alert_timeout: float = 15.0
    backoff: float = 1.0
    watches: list[Watch] = field(default_factory=list)
    #: every value substituted from ``${NAME}`` (long enough to search for): masked
    #: wherever text leaves listwatch (:func:`listwatch.alerts.secrets.redact`)
    secrets: list[str] = field(default_factory=list)

    def watch(self, name: str) -> Watch:
        for w in self.watches:
            if w.name == name:
                return w
        known = ", ".join(w.name for w in self.watches) or "none configured"
        raise ConfigError(f"{self.path or DEFAULT_FILE}: no watch named {name!r} "
                          f"(watches: {known})")


def expand(value: Any, environ: Mapping[str, str], where: str,
           seen: set[str] | None = None) -> Any:
    """Replace ``${NAME}`` in every string; an unset variable is an error naming it.

    Each value substituted is added to ``seen`` (the config's secrets)."""
    if isinstance(value, str):
        def sub(match: re.Match) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            if seen is not None:
                seen.add(environ[name])
            return environ[name]
        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [expand(v, environ, f"{where}[{i}]", seen) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: expand(v, environ, f"{where}.{k}", seen) for k, v in value.items()}
    return value


def _where(path: Path, doc: dict, location: list) -> str:
    """``file: watch "nml": key guard.max_removed`` from a JSON path into the document."""
    prefix = str(path)
    if len(location) >= 2 and location[0] == "watch" and isinstance(location[1], int):
        prefix += f": {_watch_label(doc, location[1])}"
        location = location[2:]
    key = _dotted(location)
    return f"{prefix}: key {key}" if key else prefix


def _watch_label(doc: dict, index: int) -> str:
    watches = doc.get("watch") or []
    w = watches[index] if index < len(watches) else {}
    name = w.get("name") if isinstance(w, dict) else None
    return f'watch "{name}"' if isinstance(name, str) else f"watch #{index + 1}"


def _dotted(location: list) -> str:
    key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in location)
    return key.replace(".[", "[")


def _table(doc: dict, location: list) -> str:
    """The table a JSON path points at, as a user reads the file: ``[store]``,
    ``watch "nml"``, ``watch "nml": guard``; empty for the top level."""
    if len(location) >= 2 and location[0] == "watch" and isinstance(location[1], int):
        rest = _dotted(location[2:])
        return _watch_label(doc, location[1]) + (f": {rest}" if rest else "")
    return f"[{_dotted(location)}]" if location else ""


def _unknown_keys_error(path: Path, doc: dict, errors: list) -> ConfigError | None:
    """Every unknown key with its table and a suggestion, on one line; the errors they
    cause (the misspelled required key is "missing") are not counted again."""
    from .validation import unknown_keys

    where = {id(e): list(e.absolute_path) for e in errors}
    order = {key: i for i, key in enumerate(doc)}  # the file's order of tables
    unknown = sorted((e for e in errors if e.validator == "additionalProperties"),
                     key=lambda e: [order.get(p, p) for p in where[id(e)][:1]] +
                     [(0, p) if isinstance(p, int) else (1, str(p)) for p in where[id(e)][1:]])
    if not unknown:
        return None
    parts = []
    for e in unknown:
        table = _table(doc, where[id(e)])
        parts += [f"{table}: {line}" if table else line for line in unknown_keys(e)]
    tables = [where[id(e)] for e in unknown]
    others = [e for e in errors if e not in unknown
              and not (e.validator == "required" and where[id(e)] in tables)]
    more = f" (and {len(others)} more)" if others else ""
    return ConfigError(f"{path}: {'; '.join(parts)}{more}")


def read(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Load and validate a config file (sources' options are checked by :func:`check_sources`)."""
    import jsonschema

    from .validation import _reference_validator, safe_message

    environ = os.environ if environ is None else environ
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (create one with `listwatch init`)") \
            from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    errors = sorted(_reference_validator("config").iter_errors(doc),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        unknown = _unknown_keys_error(path, doc, errors)
        if unknown:
            raise unknown
        err: jsonschema.ValidationError = errors[0]
        location = list(err.absolute_path)
        message = safe_message(err)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{_where(path, doc, location)}: {message}{more}")

    from .alerts import secrets as masking
    from .alerts.schemes import check_config as check_notifiers
    from .fetching import parse_size  # max_bytes = "64MiB"

    seen: set[str] = set()
    names: set[str] = set()
    watches = []
    for i, w in enumerate(doc.get("watch", [])):
        where = _where(path, doc, ["watch", i])
        if w["name"] in names:
            raise ConfigError(f"{where}: duplicate watch name (each watch needs its own)")
        names.add(w["name"])
        watches.append(Watch(
            name=w["name"], source=w["source"],
            location=_beside(path, typed := expand(w["location"], environ,
                                                   f"{where}: key location", seen)),
            as_written=typed,
            options=expand(w.get("options", {}), environ, f"{where}: key options", seen),
            notify=expand(w.get("notify", []), environ, f"{where}: key notify", seen),
            report=tuple(w["report"]) if "report" in w else None,
            ignore=tuple(w.get("ignore", ())),
            guard=Guard(**w.get("guard", {})),
            timeout=w.get("timeout"), title=w.get("title"),
            max_bytes=parse_size(w["max_bytes"], f"{where}: key max_bytes")
            if "max_bytes" in w else None,
            template=w.get("template", {}), strict=w.get("strict", True),
        ))
    store = doc.get("store", {})
    alerts = doc.get("alerts", {})
    store_path = Path(expand(store.get("path", DEFAULT_STORE), environ,
                             f"{path}: key store.path", seen))
    config = Config(
        path=path,
        store=store_path if store_path.is_absolute() else path.parent / store_path,
        lock_timeout=store.get("lock_timeout", 60.0),
        notify=expand(alerts.get("notify", []), environ, f"{path}: key alerts.notify", seen),
        on_error=expand(alerts.get("on_error", []), environ, f"{path}: key alerts.on_error", seen),
        retries=alerts.get("retries", 2),
        alert_timeout=alerts.get("timeout", 15.0),
        backoff=alerts.get("backoff", 1.0),
        watches=watches,
        secrets=sorted(v for v in seen if len(v) >= masking.MIN_SECRET),
    )
    masking.use(config.secrets)
    check_notifiers(config)  # a mistyped scheme is found before anything is fetched
    return config


def _beside(config_path: Path, location: str) -> str:
    """A relative file location is relative to the config file, not to the cwd."""
    if "://" in location or location.startswith("file:") or Path(location).is_absolute():
        return location
    return str(config_path.parent / location)


def check_sources(config: Config, sources: Mapping[str, Any], names: tuple[str, ...] = ()
                  ) -> None:
    """Every watch names an installed source and gives it options its schema accepts.

    An ambiguous source (two packages provide it) is refused only for the watches
    about to run (``names``, or all): the others do not depend on the choice.
    """
    from .validation import option_errors

    for w in config.watches:
        where = f"{config.path}: watch \"{w.name}\""
        try:
            reg = sources[w.source]
        except KeyError:
            known = ", ".join(sorted(sources)) or "none installed"
            raise ConfigError(f"{where}: key source: unknown source {w.source!r} "
                              f"(installed: {known})") from None
        except PluginError as exc:
            if names and w.name not in names:
                continue
            raise PluginError(f"{where}: key source: {exc}") from None
        schema = getattr(reg.source, "options_schema", None)
        problems = option_errors(schema, w.options) if schema else []
        if problems:
            path, message = problems[0]
            key = "options" if path == "(top level)" else f"options.{path}"
            raise ConfigError(f"{where}: key {key}: {message}")
    _check_reads(config, sources)


def _check_reads(config: Config, sources: Mapping[str, Any]) -> None:
    """A watch that reads another (``Source.reads``) names a configured watch, and no
    chain of reads comes back to where it started (found before anything is fetched)."""
    from .sources import reads_of

    names = [w.name for w in config.watches]
    reads: dict[str, list[str]] = {}
    for w in config.watches:
        try:
            reg = sources[w.source]
        except PluginError:  # an ambiguous source, refused where the watch runs
            reads[w.name] = []
            continue
        try:
            reads[w.name] = reads_of(reg.source, w.options, w.name)
        except PluginError as exc:
            raise PluginError(f"{config.path}: watch \"{w.name}\": {exc}") from None
        for other in reads[w.name]:
            if other not in names:
                raise ConfigError(f"{config.path}: watch \"{w.name}\": its source "
                                  f"{w.source} reads watch {other!r}, which is not in the "
                                  f"config (watches: {', '.join(names)})")
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in reads[name]:
            if state.get(other) == 1:  # on the current path: a circle
                circle = path[path.index(other):] + [name, other]
                raise ConfigError(f"{config.path}: watches read each other in a circle: "
                                  f"{' → '.join(circle)}")
            if other not in state:
                visit(other, path + [name])
        state[name] = 2

    for name in names:
        if name not in state:
            visit(name, [])


STARTER = '''\
# listwatch configuration: `listwatch check` runs every [[watch]] below.
# Values may use ${NAME} to read the environment, so secrets stay out of this file.
# Reference: `listwatch schema config`.

[store]
# Where accepted snapshots, source documents and pending alerts are kept
# (relative to this file).
path = ".listwatch"

[alerts]
# Apprise URLs (https://github.com/caronc/apprise/wiki) told about every watch's changes,
# e.g. "${SLACK_WEBHOOK_URL}" or "mailtos://user:${SMTP_PASSWORD}@example.com".
notify = []
# Who hears about broken sources and failed deliveries (the maintainers).
on_error = []

[[watch]]
name = "nml"
title = "Notorious Markets List"
source = "ustr-nml"
# A report PDF, or the USTR page that links to every edition.
location = "https://ustr.gov/issue-areas/intellectual-property/notorious-markets-list"
# notify = ["${SLACK_WEBHOOK_URL}"]
# A list that suddenly loses more than half its entries is treated as a broken source.
guard = { max_removed = 0.5, min_entries = 10 }
# Seconds a whole download may take, and the largest document read.
# timeout = 30            # seconds for each whole download
# max_bytes = "64MiB"     # largest document read, after decompression
# A report that disagrees with itself (contents vs body, stated counts) is held back until
# `listwatch check --accept nml`; strict = false stores it with warnings instead.
# strict = true

[[watch]]
name = "nml-news"
source = "feed"
location = "https://ustr.gov/rss.xml"
# Link each story to the markets of the "nml" watch that it names.
options = { keywords = ["notorious markets"], mentions_of = "nml" }
# Feeds roll old items off: only additions are news (the feed source's default).
report = ["added"]
'''
