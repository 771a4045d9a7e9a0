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

from .errors import ConfigError

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

    def watch(self, name: str) -> Watch:
        for w in self.watches:
            if w.name == name:
                return w
        known = ", ".join(w.name for w in self.watches) or "none configured"
        raise ConfigError(f"{self.path or DEFAULT_FILE}: no watch named {name!r} "
                          f"(watches: {known})")


def expand(value: Any, environ: Mapping[str, str], where: str) -> Any:
    """Replace ``${NAME}`` in every string; an unset variable is an error naming it."""
    if isinstance(value, str):
        def sub(match: re.Match) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            return environ[name]
        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [expand(v, environ, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: expand(v, environ, f"{where}.{k}") for k, v in value.items()}
    return value


def _where(path: Path, doc: dict, location: list) -> str:
    """``file: watch "nml": key guard.max_removed`` from a JSON path into the document."""
    prefix = str(path)
    if len(location) >= 2 and location[0] == "watch" and isinstance(location[1], int):
        watches = doc.get("watch") or []
        w = watches[location[1]] if location[1] < len(watches) else {}
        name = w.get("name") if isinstance(w, dict) else None
        prefix += f': watch "{name}"' if isinstance(name, str) else f": watch #{location[1] + 1}"
        location = location[2:]
    key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in location)
    return f"{prefix}: key {key.replace('.[', '[')}" if key else prefix


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
        err: jsonschema.ValidationError = errors[0]
        location = list(err.absolute_path)
        message = safe_message(err)
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            location.append(extra[0])
            message = "unknown key"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{_where(path, doc, location)}: {message}{more}")

    names: set[str] = set()
    watches = []
    for i, w in enumerate(doc.get("watch", [])):
        where = _where(path, doc, ["watch", i])
        if w["name"] in names:
            raise ConfigError(f"{where}: duplicate watch name (each watch needs its own)")
        names.add(w["name"])
        watches.append(Watch(
            name=w["name"], source=w["source"],
            location=_beside(path, expand(w["location"], environ, f"{where}: key location")),
            options=expand(w.get("options", {}), environ, f"{where}: key options"),
            notify=expand(w.get("notify", []), environ, f"{where}: key notify"),
            report=tuple(w["report"]) if "report" in w else None,
            ignore=tuple(w.get("ignore", ())),
            guard=Guard(**w.get("guard", {})),
            timeout=w.get("timeout"), max_bytes=w.get("max_bytes"), title=w.get("title"),
            template=w.get("template", {}), strict=w.get("strict", True),
        ))
    store = doc.get("store", {})
    alerts = doc.get("alerts", {})
    store_path = Path(expand(store.get("path", DEFAULT_STORE), environ,
                             f"{path}: key store.path"))
    return Config(
        path=path,
        store=store_path if store_path.is_absolute() else path.parent / store_path,
        lock_timeout=store.get("lock_timeout", 60.0),
        notify=expand(alerts.get("notify", []), environ, f"{path}: key alerts.notify"),
        on_error=expand(alerts.get("on_error", []), environ, f"{path}: key alerts.on_error"),
        retries=alerts.get("retries", 2),
        alert_timeout=alerts.get("timeout", 15.0),
        backoff=alerts.get("backoff", 1.0),
        watches=watches,
    )


def _beside(config_path: Path, location: str) -> str:
    """A relative file location is relative to the config file, not to the cwd."""
    if "://" in location or location.startswith("file:") or Path(location).is_absolute():
        return location
    return str(config_path.parent / location)


def check_sources(config: Config, sources: Mapping[str, Any]) -> None:
    """Every watch names an installed source and gives it options its schema accepts."""
    from .validation import option_errors

    for w in config.watches:
        where = f"{config.path}: watch \"{w.name}\""
        if w.source not in sources:
            known = ", ".join(sorted(sources)) or "none installed"
            raise ConfigError(f"{where}: key source: unknown source {w.source!r} "
                              f"(installed: {known})")
        schema = getattr(sources[w.source].source, "options_schema", None)
        problems = option_errors(schema, w.options) if schema else []
        if problems:
            path, message = problems[0]
            key = "options" if path == "(top level)" else f"options.{path}"
            raise ConfigError(f"{where}: key {key}: {message}")


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
