"""`check` and `history`: the commands that run watches and read what they stored."""

from __future__ import annotations

import contextlib
import json
import sys

import click

from ..errors import ExitCode
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
@pass_app
def check(app: App, watches: tuple[str, ...], dry_run: bool, exit_on_change: bool,
          fmt: str, jobs: int) -> int:
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
    """
    from .. import alerts, report  # light: apprise itself loads only when something is sent
    from ..check import check as run_check
    from ..check import exit_code
    from ..config import check_sources

    config = app.config()
    sources = app.sources()
    check_sources(config, sources)
    for name in watches:
        config.watch(name)
    store = app.store()
    show_progress = len(watches or config.watches) > 1 and sys.stderr.isatty() \
        and app.verbose >= 0
    lock = contextlib.nullcontext() if dry_run else store.lock(config.lock_timeout)
    with lock:
        outcomes = run_check(
            config, sources, store, watches, dry_run=dry_run,
            outbox_record=alerts.outbox_record(config),
            progress=(lambda line: click.echo(line, err=True)) if show_progress else None,
            jobs=jobs)
        for o in outcomes:
            for warning in o.warnings:
                app.log(f"warning: watch {o.watch.name}: {warning}", 0)
            if o.status in ("failed", "broken"):
                click.echo(f"error: watch {o.watch.name}: {o.message}", err=True)
        click.echo(report.outcomes(outcomes, fmt), nl=False)
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
    """When each entry of WATCH was first and last listed (or just ENTRY, by id or name).

    Reads every stored snapshot of the watch, oldest first.
    """
    from ..history import history as entry_history

    rows, count = entry_history(app.store(), watch, entry)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return ExitCode.OK

    def label(when: dict) -> str:
        return when["edition"] or when["retrieved_at"]

    for r in rows:
        state = "listed" if r["listed_now"] else "gone"
        click.echo(f"{r['id']}  {r['name']}  first {label(r['first'])}, last "
                   f"{label(r['last'])} ({r['snapshots']} of {count}; {state})")
    return ExitCode.OK


COMMANDS = [check, history]
