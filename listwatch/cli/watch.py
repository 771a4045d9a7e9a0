"""`check`, `import`, `history` and `report`: the commands that run watches, seed their
store and read what they stored."""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from pathlib import Path

import click

from ..errors import ConfigError, ExitCode
from .app import FORMATS, App, pass_app
from .complete import watch_names


@click.command()
@click.argument("watches", nargs=-1, shell_complete=watch_names)
@click.option("--dry-run", is_flag=True, help="Fetch and compare, but store and send nothing.")
@click.option("--exit-code", "exit_on_change", is_flag=True,
              help="Exit 1 when a watch reports a change (for CI).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=8, show_default=True,
              help="How many watches to fetch at once.")
@click.option("--reparse", is_flag=True,
              help="Fetch nothing: re-parse each watch's stored document with the installed "
                   "source plugin and store what the parser change alone did (no alert).")
@click.option("--accept", "accepted", multiple=True, metavar="WATCH",
              help="Store WATCH's new snapshot even though the broken-source guard "
                   "refused it (after a person looked at the change). Repeatable.")
@pass_app
def check(app: App, watches: tuple[str, ...], dry_run: bool, exit_on_change: bool,
          fmt: str, jobs: int, reparse: bool, accepted: tuple[str, ...]) -> int:
    """Run every configured watch (or the WATCHES named) and report changes.

    For each watch: fetch the list, validate it, compare it with the last stored
    snapshot, print what changed, store the new snapshot and alert the watch's
    notifiers. The first run of a watch stores a baseline. A list that suddenly
    loses most of its entries is treated as a broken source: nothing is stored.

    With ./listwatch.toml, `listwatch check` runs every watch. With the bundled
    example, from a checkout of listwatch:

    \b
      listwatch --config examples/listwatch.toml check --dry-run       see what would happen
      listwatch --config examples/listwatch.toml check nml --exit-code   exit 1 when nml changed
      listwatch --config examples/listwatch.toml check --accept nml     store what the guard refused
      listwatch --config examples/listwatch.toml check --reparse        after a parser upgrade
    """
    from .. import alerts, report  # light: apprise itself loads only when something is sent
    from ..alerts.secrets import redact
    from ..check import check as run_check
    from ..check import exit_code
    from ..config import check_sources

    config = app.config()
    sources = app.sources()
    for name in watches + accepted:
        config.watch(name)
    if watches and accepted:  # a watch accepted is a watch run
        watches = tuple(dict.fromkeys(watches + accepted))
    check_sources(config, sources, watches)
    store = app.store()
    show_progress = len(watches or config.watches) > 1 and sys.stderr.isatty() \
        and app.verbose >= 0
    lock = contextlib.nullcontext() if dry_run else store.lock(config.lock_timeout)
    with lock:
        for line in store.recovered:  # what a killed run left, cleaned up under the lock
            app.log(f"store: {line}", 1)
        if reparse:
            from ..reparse import reparse as run_reparse

            outcomes = run_reparse(config, sources, store, watches, dry_run=dry_run,
                                   accept=frozenset(accepted))
        else:
            outcomes = run_check(
                config, sources, store, watches, dry_run=dry_run,
                outbox_record=alerts.outbox_record(config),
                progress=(lambda line: click.echo(line, err=True)) if show_progress else None,
                jobs=jobs, accept=frozenset(accepted))
        for o in outcomes:
            for warning in o.warnings:
                app.log(f"warning: watch {o.watch.name}: {warning}", 0)
            if o.status in ("failed", "broken"):
                if o.error is not None and app.debug:
                    click.echo(redact("".join(traceback.format_exception(o.error))), err=True,
                               nl=False)
                click.echo(redact(f"error: watch {o.watch.name}: {o.message}"), err=True)
        click.echo(redact(report.outcomes(outcomes, fmt)), nl=False)
        code = exit_code(outcomes, exit_on_change)
        code = max(code, alerts.after_check(app.log, config, store, outcomes, dry_run=dry_run))
    return code


@click.command()
@click.argument("watch", shell_complete=watch_names)
@click.argument("entry", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def history(app: App, watch: str, entry: str | None, fmt: str) -> int:
    """Which editions each entry of WATCH was listed in (or just ENTRY, by id or name).

    Follows an entry through renames and moves (another id, same market); gaps show:
    TAOBAO  2016–2018, 2020–2021 (5 editions). Reads every stored snapshot, oldest first.
    """
    from ..history import as_json, describe
    from ..history import history as entry_history

    rows, editions = entry_history(app.store(), watch, entry)
    if fmt == "json":
        click.echo(as_json(rows), nl=False)
        return ExitCode.OK
    for r in rows:
        click.echo(describe(r, editions))
    return ExitCode.OK


@click.command("import")
@click.argument("watch")
@click.argument("locations", nargs=-1)
@click.option("--all-editions", is_flag=True,
              help="LOCATION is a page linking to the reports: import every one it links to.")
@pass_app
def import_command(app: App, watch: str, locations: tuple[str, ...], all_editions: bool) -> int:
    """Seed WATCH's store with past editions from files or URLs (default: its location).

    Editions are stored in edition order, whatever order they are given in; an
    edition already stored is left as it is; no alert is sent. `history`, `diff
    nml@2019 nml@2020`, `report` and the next `check` then see the whole series.

    \b
      listwatch --config examples/listwatch.toml import nml examples/reports/nml-2019.pdf
      listwatch --config examples/listwatch.toml import nml --all-editions
                                      (every report the watch's page links to)
    """
    from ..config import check_sources
    from ..importing import import_editions

    config = app.config()
    w = config.watch(watch)
    sources = app.sources()
    check_sources(config, sources)
    results = import_editions(w, sources[w.source], app.store(), locations,
                              all_editions=all_editions, lock_timeout=config.lock_timeout)
    for r in results:
        edition = f" {r.edition}" if r.edition else ""
        if r.status == "failed":
            click.echo(f"error: watch {w.name}: {r.message}", err=True)
        elif r.status == "stored":
            click.echo(f"{w.name}{edition}: stored ({r.entries} entries) from {r.location}")
        else:
            click.echo(f"{w.name}{edition}: already stored, left as it is ({r.location})")
    return max((r.code for r in results), default=ExitCode.OK)


@click.command()
@click.argument("watch")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a self-contained HTML report to this file.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="What to print when no --html file is named.")
@pass_app
def report(app: App, watch: str, html_file: Path | None, fmt: str) -> int:
    """A report on every stored edition of WATCH: the latest list, what changed since
    the previous edition, the list's size and countries per edition, each entry's
    timeline.

    \b
      listwatch --config examples/listwatch.toml report nml --html nml.html
                                      (one file: opens offline, on a phone, prints)
      listwatch --config examples/listwatch.toml report nml --format markdown
                                      (for a CI job summary: >> "$GITHUB_STEP_SUMMARY")
    """
    from ..reporting import build, markdown

    data = build(app.store(), watch)
    if html_file is None:
        click.echo(markdown(data) if fmt == "markdown" else
                   json.dumps(data, indent=2, ensure_ascii=False), nl=fmt != "markdown")
        return ExitCode.OK
    from ..atomic import write_atomic
    from ..html import render

    try:
        write_atomic(html_file, render(data).encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{html_file}: cannot write the report: "
                          f"{exc.strerror or exc}") from None
    app.log(f"wrote {html_file} ({len(data['editions'])} editions)", 0)
    return ExitCode.OK


COMMANDS = [check, history, import_command, report]
