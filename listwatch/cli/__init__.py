"""The ``listwatch`` command line: thin click commands over the core modules.

The root group lives here and translates every outcome to an exit code in one
place, :meth:`Root.main` (docs/exit-codes.md). Each command module
(``plugins``, ``snapshots``, ``watch``, ``alerts``) lists its commands in
``COMMANDS``; the root adds them, so no command module imports this one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ConfigError, ExitCode, ListwatchError
from ..version import __version__
from . import alerts, plugins, snapshots, watch
from .app import FORMATS, App, pass_app
from .pipes import quiet_when_reader_leaves

__all__ = ["FORMATS", "App", "cli", "main", "pass_app"]


def redact(text: str) -> str:
    """Values from ``${NAME}`` masked (imported late: ``--help`` never pays for it)."""
    from ..alerts.secrets import redact as mask_values

    return mask_values(text)


class Root(click.Group):
    """The root group; its ``main`` maps every outcome to an exit code (docs/exit-codes.md)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        argv = list(sys.argv[1:] if args is None else args)
        with quiet_when_reader_leaves():
            code = self._run(argv, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(int(code))
        return int(code)

    def _run(self, argv: list[str], prog_name, complete_var, **extra) -> int:
        masking = sys.modules.get("listwatch.alerts.secrets")
        if masking is not None:  # a fresh invocation: no values from an earlier config
            masking.use(())
        try:
            rv = super().main(argv, prog_name or "listwatch", complete_var,
                              standalone_mode=False, **extra)
            code = int(rv) if isinstance(rv, int) else ExitCode.OK
        except ListwatchError as exc:
            click.echo(redact(f"error: {exc}"), err=True)
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
        except Exception as exc:  # noqa: BLE001 - the one place bugs are reported
            if "--debug" in argv:
                import traceback

                click.echo(redact(traceback.format_exc()), err=True, nl=False)
            line = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) \
                else type(exc).__name__
            click.echo(redact(f"internal error: {line} (a bug in listwatch; rerun with "
                              "--debug for the traceback)"), err=True)
            code = ExitCode.INTERNAL
        return code


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

    Try it in a checkout of listwatch (the bundled example, offline); `listwatch
    init` writes a config of your own:

    \b
      listwatch sources
      listwatch fetch table examples/data/entities.csv
      listwatch diff examples/snapshots/nml-2019.json examples/snapshots/nml-2020.json
      listwatch --config examples/listwatch.toml check --dry-run

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


for _module in (plugins, snapshots, watch, alerts):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
