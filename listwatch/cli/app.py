"""Per-invocation state of the command line, shared by every command module."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigError

FORMATS = ("text", "json", "markdown")


@dataclass
class App:
    """Per-invocation state; tests pass a prepared one as ``obj``."""

    config_path: Path | None = None
    store_path: Path | None = None
    verbose: int = 0
    debug: bool = False
    plugins: Any = None
    _sources: dict | None = field(default=None, repr=False)
    _config: Any = field(default=None, repr=False)

    def log(self, message: str, level: int = 0) -> None:
        if self.verbose >= level:
            from ..alerts.secrets import redact  # masks values from ${NAME}

            click.echo(redact(message), err=True)

    def get_plugins(self):
        if self.plugins is None:
            from ..plugins import make_plugins

            self.plugins = make_plugins(warn=lambda line: self.log(line, 0))
        return self.plugins

    def sources(self) -> dict:
        if self._sources is None:
            from ..sources import collect_sources

            self._sources = collect_sources(self.get_plugins(), warn=lambda line: self.log(line, 0))
        return self._sources

    def source(self, name: str):
        """The source called ``name`` (or ``PACKAGE:NAME``); an ambiguous one is refused."""
        found = self.sources()
        try:
            return found[name]
        except KeyError:
            known = ", ".join(sorted(found)) or "none installed"
            raise ConfigError(f"unknown source {name!r} (installed: {known}; "
                              "see `listwatch sources`)") from None

    def config(self, required: bool = True):
        """The config named by --config, else ./listwatch.toml when present."""
        if self._config is None:
            from ..config import DEFAULT_FILE, read

            path = self.config_path or (Path(DEFAULT_FILE) if Path(DEFAULT_FILE).exists()
                                        else None)
            if path is None:
                if required:
                    raise ConfigError(f"no {DEFAULT_FILE} here and no --config given "
                                      "(create one with `listwatch init`)")
                return None
            self._config = read(path)
        return self._config

    def store(self):
        from ..config import DEFAULT_STORE
        from ..store import Store

        if self.store_path is not None:
            return Store(self.store_path)
        config = self.config(required=False)
        return Store(config.store if config else Path(DEFAULT_STORE))


pass_app = click.make_pass_decorator(App, ensure=True)


def format_option(choices=FORMATS, default: str = "text"):
    """The ``--format`` option, the same on every command."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help="Output format (json is for machines).")
