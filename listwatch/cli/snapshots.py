"""`fetch`, `validate`, `diff` and `schema`: commands that make, check and compare snapshots."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ExitCode, InvalidSnapshot
from .app import App, format_option, pass_app


@click.command()
@click.argument("name", type=click.Choice(["snapshot", "diff", "config"]))
def schema(name: str) -> None:
    """Print the JSON Schema of snapshots, diffs or the config file."""
    from ..validation import schema_text

    click.echo(schema_text(name), nl=False)


@click.command()
@click.argument("source")
@click.argument("location")
@click.option("-O", "--option", "pairs", multiple=True, metavar="KEY=VALUE",
              help="A source option; VALUE is JSON when it parses, else text "
                   "(comma-separated for list options). Repeatable.")
@click.option("--no-strict", "lenient", is_flag=True,
              help="Print a snapshot the source's self-checks doubt (as warnings) "
                   "instead of failing.")
@pass_app
def fetch(app: App, source: str, location: str, pairs: tuple[str, ...],
          lenient: bool) -> None:
    """Run one SOURCE on LOCATION and print its validated snapshot.

    LOCATION is a URL or a local path. The snapshot goes to stdout in the
    canonical layout, ready to save and diff. A snapshot the source's own
    checks doubt (it disagrees with itself) exits 3 unless --no-strict:

    \b
      listwatch fetch table sdn.csv -O id=ent_num -O name=SDN_Name > sdn.json
      listwatch fetch ustr-nml 2023-report.pdf
      listwatch fetch feed https://example.org/rss.xml -O keywords=notorious,counterfeit
    """
    from ..fetching import Context
    from ..snapshot import dumps
    from ..sources import parse_options, run

    reg = app.source(source)
    options = parse_options(list(pairs), getattr(reg.source, "options_schema", None))
    ctx = Context(latest=lambda watch: app.store().load_latest(watch))
    snap = run(reg, location, options, ctx, strict=not lenient)  # never conditional
    for warning in snap.get("warnings", []):
        app.log(f"warning: {warning}", 0)
    click.echo(dumps(snap), nl=False)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_app
def validate(app: App, files: tuple[Path, ...]) -> int:
    """Check snapshot FILES against the schema; print every error with its JSON path.

    Exits 3 when any file is invalid.
    """
    from ..snapshot import gc_paused, loads, read_text
    from ..validation import snapshot_errors

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


@click.command("diff")
@click.argument("old")
@click.argument("new")
@format_option()
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
    from .. import diff as diffing
    from ..report import FORMATS as RENDER

    d = diffing.diff_files(_snapshot_path(app, old), _snapshot_path(app, new), ignore)
    click.echo(RENDER[fmt](d), nl=False)
    return ExitCode.OK if diffing.is_empty(d) else ExitCode.CHANGED


COMMANDS = [fetch, validate, diff_command, schema]
