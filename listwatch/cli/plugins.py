"""`sources`, `plugins` and `init`: what is installed, and a first config."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ConfigError
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


COMMANDS = [sources, plugins, init]
