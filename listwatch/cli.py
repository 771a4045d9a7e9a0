"""The ``listwatch`` command line: thin click commands over the core modules.

Exit codes are translated in one place, :meth:`Root.main` (DESIGN.md).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ConfigError, ExitCode, ListwatchError

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
            click.echo(message, err=True)

    def get_plugins(self):
        if self.plugins is None:
            from .plugins import make_plugins

            self.plugins = make_plugins(warn=lambda line: self.log(line, 0))
        return self.plugins

    def sources(self) -> dict:
        if self._sources is None:
            from .sources import collect_sources

            self._sources = collect_sources(self.get_plugins(), warn=lambda line: self.log(line, 0))
        return self._sources

    def source(self, name: str):
        found = self.sources()
        if name not in found:
            known = ", ".join(sorted(found)) or "none installed"
            raise ConfigError(f"unknown source {name!r} (installed: {known}; "
                              "see `listwatch sources`)")
        return found[name]

    def config(self, required: bool = True):
        """The config named by --config, else ./listwatch.toml when present."""
        if self._config is None:
            from .config import DEFAULT_FILE, read

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
        from .config import DEFAULT_STORE
        from .store import Store

        if self.store_path is not None:
            return Store(self.store_path)
        config = self.config(required=False)
        return Store(config.store if config else Path(DEFAULT_STORE))


class Root(click.Group):
    """The root group; its ``main`` maps every outcome to a DESIGN.md exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        argv = list(sys.argv[1:] if args is None else args)
        try:
            rv = super().main(argv, prog_name or "listwatch", complete_var,
                              standalone_mode=False, **extra)
            code = int(rv) if isinstance(rv, int) else ExitCode.OK
        except ListwatchError as exc:
            click.echo(f"error: {exc}", err=True)
            code = exc.exit_code
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.Abort:
            click.echo("interrupted", err=True)
            code = ExitCode.INTERRUPTED
        except click.ClickException as exc:  # usage errors, bad parameters, missing files
            exc.show()
            code = ExitCode.USAGE
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            code = ExitCode.INTERRUPTED
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (e.g. `| head`): not an error
            code = ExitCode.OK
        except Exception as exc:  # noqa: BLE001 - the one place bugs are reported
            if "--debug" in argv:
                import traceback

                traceback.print_exc()
            line = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) \
                else type(exc).__name__
            click.echo(f"internal error: {line} (a bug in listwatch; rerun with --debug "
                       "for the traceback)", err=True)
            code = ExitCode.INTERNAL
        if standalone_mode:
            sys.exit(int(code))
        return int(code)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Config file (default: ./listwatch.toml when present).")
@click.option("--store", "store_path", type=click.Path(path_type=Path, file_okay=False),
              help="Store directory (default: the config's [store] path, else ./.listwatch).")
@click.option("-v", "--verbose", count=True, help="More progress on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(__version__, "--version", prog_name="listwatch")
@click.pass_context
def cli(ctx: click.Context, config_path, store_path, verbose, quiet, debug) -> None:
    """Watch policy lists and hear when they change.

    listwatch turns a list (the USTR Notorious Markets report, a news feed, a CSV
    of sanctioned entities) into a snapshot, compares it with the last one it
    stored, and tells you what was added, removed, renamed or changed.

    \b
    Try it:
      listwatch sources                     what can be watched
      listwatch fetch table list.csv        a snapshot of one list, on stdout
      listwatch diff old.json new.json      what changed between two snapshots
      listwatch init && listwatch check     watch lists on a schedule

    Exit codes: 0 done, 1 differences (diff; check --exit-code), 2 usage or
    configuration, 3 a source failed or looked broken, 4 an alert was not
    delivered, 70 internal error, 130 interrupted.
    """
    app = ctx.obj if isinstance(ctx.obj, App) else App()
    app.config_path = config_path or app.config_path
    if config_path is not None and not config_path.exists():
        raise ConfigError(f"{config_path}: no such config file")
    app.store_path = store_path or app.store_path
    app.verbose = -1 if quiet else verbose
    app.debug = debug
    ctx.obj = app


def main() -> None:
    """Console-script entry point."""
    cli.main()


from . import commands  # noqa: E402,F401  (the commands attach themselves to `cli`)
