"""The commands of DESIGN.md. Each body: parse → call one core function → print."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import FORMATS, App, cli
from .errors import ConfigError, ExitCode, InvalidSnapshot

pass_app = click.make_pass_decorator(App, ensure=True)


def _format_option(default: str = "text"):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default=default,
                        show_default=True, help="Output format (json is for machines).")


@cli.command()
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
             "options": getattr(r.source, "options_schema", {})}
            for r in sorted(found.values(), key=lambda r: r.name)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['name']}  ({row['package']} {row['version']})  {row['title']}")
        for key, spec in (row["options"].get("properties") or {}).items():
            kind = spec.get("type") or ("one of " + "/".join(map(str, spec["enum"]))
                                        if "enum" in spec else "any")
            desc = f"  {spec['description']}" if spec.get("description") else ""
            click.echo(f"    -O {key}=…  ({kind}){desc}")


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
@pass_app
def plugins(app: App, show_all: bool) -> None:
    """List installed plugins as JSON (name, package, version, hooks, sources, errors)."""
    plugins = app.get_plugins()
    by_plugin: dict[str, list[str]] = {}
    for reg in app.sources().values():
        by_plugin.setdefault(reg.plugin, []).append(reg.name)
    rows = []
    for name, plugin in plugins.pm.list_name_plugin():
        package, version = plugins.package_of(plugin)
        if package == "listwatch" and not show_all:
            continue
        hooks = sorted(h.name for h in plugins.pm.get_hookcallers(plugin) or ())
        rows.append({"name": name, "package": package, "version": version, "hooks": hooks,
                     "sources": sorted(by_plugin.get(name, []))})
    rows += [{"name": e.name, "package": e.package, "error": e.error}
             for e in plugins.load_errors]
    click.echo(json.dumps(rows, indent=2))


@cli.command()
@click.argument("name", type=click.Choice(["snapshot", "diff", "config"]))
def schema(name: str) -> None:
    """Print the JSON Schema of snapshots, diffs or the config file."""
    from .validation import schema_text

    click.echo(schema_text(name), nl=False)


@cli.command()
@click.argument("source")
@click.argument("location")
@click.option("-O", "--option", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A source option; VALUE is JSON when it parses, else text "
                   "(comma-separated for list options). Repeatable.")
@pass_app
def fetch(app: App, source: str, location: str, pairs: tuple[str, ...]) -> None:
    """Run one SOURCE on LOCATION and print its validated snapshot.

    LOCATION is a URL or a local path. The snapshot goes to stdout in the
    canonical layout, ready to save and diff:

    \b
      listwatch fetch table sdn.csv -O id=ent_num -O name=SDN_Name > sdn.json
      listwatch fetch ustr-nml 2023-report.pdf
      listwatch fetch feed https://example.org/rss.xml -O keywords=notorious,counterfeit
    """
    from .fetching import Context
    from .snapshot import dumps
    from .sources import parse_options, run

    reg = app.source(source)
    options = parse_options(list(pairs), getattr(reg.source, "options_schema", None))
    ctx = Context(latest=lambda watch: app.store().load_latest(watch))
    snap = run(reg, location, options, ctx)  # never conditional: no NotModified here
    for warning in snap.get("warnings", []):
        app.log(f"warning: {warning}", 0)
    click.echo(dumps(snap), nl=False)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_app
def validate(app: App, files: tuple[Path, ...]) -> int:
    """Check snapshot FILES against the schema; print every error with its JSON path.

    Exits 3 when any file is invalid.
    """
    from .snapshot import gc_paused, loads, read_text
    from .validation import snapshot_errors

    bad = 0
    for path in files:
        try:
            with gc_paused():
                problems = snapshot_errors(loads(read_text(path), str(path)))
        except InvalidSnapshot as exc:
            problems = exc.problems
        for problem in problems:
            click.echo(f"{path}: {problem}", err=True)
        if problems:
            bad += 1
        else:
            app.log(f"{path}: valid", 1)
    app.log(f"{len(files) - bad} of {len(files)} valid", 0 if bad else 1)
    return ExitCode.SOURCE_FAILED if bad else ExitCode.OK


def _snapshot_path(app: App, ref: str) -> Path:
    """A file path, or a stored reference such as ``nml@latest``."""
    path = Path(ref)
    if path.exists() or "@" not in ref:
        return path
    return app.store().resolve(ref)


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@_format_option()
@click.option("--ignore", multiple=True, metavar="FIELD",
              help="A field the diff skips, e.g. attributes.rank. Repeatable.")
@pass_app
def diff_command(app: App, old: str, new: str, fmt: str, ignore: tuple[str, ...]) -> int:
    """Show what changed from OLD to NEW; exit 1 when they differ.

    OLD and NEW are snapshot files or stored snapshots: WATCH@latest,
    WATCH@previous, WATCH@-N (N back), WATCH@YYYY (that edition), WATCH@DATE.

    \b
      listwatch diff examples/snapshots/nml-2022.json examples/snapshots/nml-2023.json
      listwatch diff nml@previous nml@latest --format markdown
    """
    from . import diff as diffing
    from .report import FORMATS as RENDER

    d = diffing.diff_files(_snapshot_path(app, old), _snapshot_path(app, new), ignore)
    click.echo(RENDER[fmt](d), nl=False)
    return ExitCode.OK if diffing.is_empty(d) else ExitCode.CHANGED


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False),
                default="listwatch.toml")
def init(path: Path, force: bool) -> None:
    """Write a commented starter config (default ./listwatch.toml)."""
    from .config import STARTER

    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists (use --force to overwrite)")
    try:
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"wrote {path}; edit it, then run `listwatch check`", err=True)


from . import checkcmd  # noqa: E402,F401
