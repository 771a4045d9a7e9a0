"""`sources`, `plugins`, `install`, `uninstall` and `init`: what is installed, adding
plugins to listwatch's own environment, and a first config."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ConfigError, ExitCode
from .app import App, pass_app


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def sources(app: App, fmt: str) -> None:
    """List the installed sources: name, package, version, options.

    Each source comes from a plugin; `listwatch fetch NAME LOCATION` tries one.
    """
    found = app.sources()
    rows = [{"name": r.name, "title": getattr(r.source, "title", ""), "package": r.package,
             "version": r.version, "plugin": r.plugin,
             "options": getattr(r.source, "options_schema", {}),
             **({"ambiguous": True, "use_as": f"{r.package}:{r.name}"}
                if r.name in found.clashes else {})}
            for r in sorted(found.all(), key=lambda r: (r.name, r.package))]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        note = f"  [ambiguous: name it {row['use_as']}]" if row.get("ambiguous") else ""
        click.echo(f"{row['name']}  ({row['package']} {row['version']})  {row['title']}{note}")
        for key, spec in (row["options"].get("properties") or {}).items():
            kind = spec.get("type") or ("one of " + "/".join(map(str, spec["enum"]))
                                        if "enum" in spec else "any")
            desc = f"  {spec['description']}" if spec.get("description") else ""
            click.echo(f"    -O {key}=…  ({kind}){desc}")


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
@pass_app
def plugins(app: App, show_all: bool) -> None:
    """List installed plugins as JSON (name, package, version, hooks, sources, errors)."""
    rows = app.get_plugins().describe(app.sources(), builtins=show_all)
    click.echo(json.dumps(rows, indent=2))


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False),
                default="listwatch.toml")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config (default ./listwatch.toml)."""
    from ..config import STARTER

    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists (use --force to overwrite)")
    try:
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {path}; edit it, then run `listwatch check`", err=True)


PIP_ARGS = {"ignore_unknown_options": True, "allow_extra_args": False}


@click.command(context_settings=PIP_ARGS)
@click.argument("packages", nargs=-1, required=True, type=click.UNPROCESSED)
def install(packages: tuple[str, ...]) -> int:
    """Install plugin PACKAGES into listwatch's own environment (pip install).

    PACKAGES are what pip takes: names from PyPI, folders, wheels, and pip's own
    options, passed on as given (-U to upgrade, -e for an editable folder). This is
    the environment `listwatch` runs from, so a plugin installed here is found even
    when listwatch was installed with pipx. Exit 2 when pip fails.

    \b
      listwatch install examples/listwatch-example-source
    """
    from ..plugins import pip

    return ExitCode.OK if pip("install", packages) == 0 else ExitCode.USAGE


@click.command(context_settings=PIP_ARGS)
@click.argument("packages", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def uninstall(packages: tuple[str, ...], yes: bool) -> int:
    """Uninstall plugin PACKAGES from listwatch's own environment (pip uninstall).

    Exit 2 when pip fails.

    \b
      listwatch uninstall -y listwatch-example-source
    """
    from ..plugins import pip

    args = [*packages, "-y"] if yes else list(packages)
    return ExitCode.OK if pip("uninstall", args) == 0 else ExitCode.USAGE


COMMANDS = [sources, plugins, install, uninstall, init]
