"""`fetch`, `validate`, `diff` and `schema`: commands that make, check and compare snapshots."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ConfigError, ExitCode, InvalidSnapshot
from .app import App, format_option, pass_app
from .complete import option_keys, snapshot_refs, source_names


@click.command()
@click.argument("name", type=click.Choice(["snapshot", "diff", "config"]))
def schema(name: str) -> None:
    """Print the JSON Schema of snapshots, diffs or the config file."""
    from ..validation import schema_text

    click.echo(schema_text(name), nl=False)


@click.command()
@click.argument("source", shell_complete=source_names)
@click.argument("location")
@click.option("-O", "--option", "pairs", multiple=True, metavar="KEY=VALUE",
              shell_complete=option_keys,
              help="A source option; VALUE is JSON when it parses, else text "
                   "(comma-separated for list options). Repeatable.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Deadline for each whole download (default 30).")
@click.option("--max-bytes", metavar="SIZE",
              help="Largest document read, in bytes or with a unit: 64MiB (the default), "
                   "500kB, 1GiB.")
@click.option("--no-strict", "lenient", is_flag=True,
              help="Print a snapshot the source's self-checks doubt (as warnings) "
                   "instead of failing.")
@pass_app
def fetch(app: App, source: str, location: str, pairs: tuple[str, ...],
          timeout: float | None, max_bytes: str | None, lenient: bool) -> None:
    """Run one SOURCE on LOCATION and print its validated snapshot.

    LOCATION is an http(s) URL or a local path. The snapshot goes to stdout in
    the canonical layout, ready to save and diff. A snapshot the source's own
    checks doubt (it disagrees with itself) exits 3 unless --no-strict.
    From a checkout of listwatch:

    \b
      listwatch fetch table examples/data/entities.csv -O id=id -O name=name > entities.json
      listwatch fetch ustr-nml examples/reports/nml-2020.pdf --max-bytes 100MiB
      listwatch fetch ustr-nml examples/reports/index.html -O edition=2019
      listwatch fetch feed examples/feeds/trade-news.xml -O keywords=notorious,counterfeit
    """
    from ..fetching import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Context, parse_size
    from ..snapshot import canonical
    from ..sources import parse_options, run

    cap = DEFAULT_MAX_BYTES if max_bytes is None else parse_size(max_bytes, "--max-bytes")
    reg = app.source(source)
    options = parse_options(list(pairs), getattr(reg.source, "options_schema", None))
    ctx = Context(timeout=timeout or DEFAULT_TIMEOUT, max_bytes=cap,
                  latest=lambda watch: app.store().load_latest(watch))
    snap = run(reg, location, options, ctx, strict=not lenient)  # never conditional
    for warning in snap.get("warnings", []):
        app.log(f"warning: {warning}", 0)
    click.echo(canonical(snap), nl=False)  # run() encoded the entries already


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_app
def validate(app: App, files: tuple[Path, ...]) -> int:
    """Check snapshot FILES against the schema; print every error with its JSON path.

    Exits 3 when any file is invalid, 2 when one does not exist.
    """
    from ..snapshot import gc_paused, loads, read_text
    from ..validation import snapshot_errors

    for path in files:
        _must_exist(path)
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
    noun = "file" if len(files) == 1 else "files"
    app.log(f"{len(files) - bad} of {len(files)} {noun} valid" if bad
            else f"{len(files)} {noun} valid", 0)
    return ExitCode.SOURCE_FAILED if bad else ExitCode.OK


def _must_exist(path: Path) -> Path:
    """A file named on the command line that does not exist is a usage error (exit 2)."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    return path


def _snapshot_path(app: App, ref: str) -> Path:
    """A file path, or a stored reference such as ``nml@latest``."""
    path = Path(ref)
    if path.exists() or "@" not in ref:
        return _must_exist(path)
    return app.store().resolve(ref)


@click.command("diff")
@click.argument("old", shell_complete=snapshot_refs)
@click.argument("new", shell_complete=snapshot_refs)
@format_option()
@click.option("--ignore", multiple=True, metavar="FIELD",
              help="A field the diff skips, e.g. attributes.rank. Repeatable.")
@pass_app
def diff_command(app: App, old: str, new: str, fmt: str, ignore: tuple[str, ...]) -> int:
    """Show what changed from OLD to NEW; exit 1 when they differ.

    OLD and NEW are snapshot files or stored snapshots: WATCH@latest,
    WATCH@previous, WATCH@-N (N back), WATCH@YYYY (that edition), WATCH@DATE.

    \b
      listwatch diff examples/snapshots/nml-2019.json examples/snapshots/nml-2020.json
      listwatch --config examples/listwatch.toml diff nml@latest examples/snapshots/nml-2020.json --format markdown
    """
    from .. import diff as diffing
    from ..report import FORMATS as RENDER

    d = diffing.diff_files(_snapshot_path(app, old), _snapshot_path(app, new), ignore)
    click.echo(RENDER[fmt](d), nl=False)
    return ExitCode.OK if diffing.is_empty(d) else ExitCode.CHANGED


COMMANDS = [fetch, validate, diff_command, schema]
