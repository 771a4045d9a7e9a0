"""`listwatch check` and `listwatch history`: the commands that work on the store."""

from __future__ import annotations

import contextlib
import json
import sys

import click

from .cli import FORMATS, App, cli
from .errors import ExitCode

pass_app = click.make_pass_decorator(App, ensure=True)


def _title(outcome) -> str:
    return outcome.watch.title or outcome.watch.name


def render_outcomes(outcomes, fmt: str) -> str:
    from . import report

    if fmt == "json":
        doc = {"listwatch": "check/1", "watches": [
            {"watch": o.watch.name, "status": o.status, "message": o.message,
             "report": list(o.kinds), "diff": o.diff if o.status != "failed" else None,
             "stored": o.stored.name if o.stored else None} for o in outcomes]}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    parts = []
    for o in outcomes:
        name = o.watch.name
        if o.status == "changed":
            if o.reported:
                render = report.markdown if fmt == "markdown" else report.text
                parts.append(render(o.diff, _title(o), o.kinds))
            else:
                parts.append(f"{name}: {report.summary(o.diff)} (not reported for this "
                             f"watch: report = {list(o.kinds)}); stored\n")
        elif o.status in ("baseline", "unchanged"):
            parts.append(f"{name}: {o.message}\n")
    return ("\n" if fmt == "markdown" else "").join(parts)


@cli.command()
@click.argument("watches", nargs=-1)
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

    \b
      listwatch check                      all watches
      listwatch check nml --exit-code      in CI: exit 1 when the list changed
      listwatch check --dry-run            see what would happen
    """
    from . import alerts  # light: apprise itself loads only when something is sent
    from .check import check as run_check
    from .check import exit_code
    from .config import check_sources

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
        click.echo(render_outcomes(outcomes, fmt), nl=False)
        code = exit_code(outcomes, exit_on_change)
        code = max(code, alerts.after_check(app, config, store, outcomes, dry_run=dry_run))
    return code


@cli.command()
@click.argument("watch")
@click.argument("entry", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def history(app: App, watch: str, entry: str | None, fmt: str) -> int:
    """When each entry of WATCH was first and last listed (or just ENTRY, by id or name).

    Reads every stored snapshot of the watch, oldest first.
    """
    from .diff import norm
    from .errors import ConfigError
    from .snapshot import load

    store = app.store()
    paths = store.snapshots(watch)
    if not paths:
        raise ConfigError(f"no stored snapshots of watch {watch!r} in {store.root}")
    seen: dict[str, dict] = {}
    latest_ids: set[str] = set()
    for path in paths:
        snap = load(path)
        when = {"edition": snap["list"].get("edition"),
                "retrieved_at": snap["source"]["retrieved_at"]}
        latest_ids = set()
        for e in snap["entries"]:
            row = seen.setdefault(e["id"], {"id": e["id"], "name": e["name"], "first": when,
                                            "snapshots": 0})
            row.update(name=e["name"], last=when)
            row["snapshots"] += 1
            latest_ids.add(e["id"])
    rows = sorted(seen.values(), key=lambda r: r["id"])
    for row in rows:
        row["listed_now"] = row["id"] in latest_ids
    if entry:
        rows = [r for r in rows if r["id"] == entry or norm(r["name"]) == norm(entry)]
        if not rows:
            raise ConfigError(f"watch {watch!r}: no entry {entry!r} in {len(paths)} stored "
                              "snapshot(s)")
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return ExitCode.OK

    def label(when: dict) -> str:
        return when["edition"] or when["retrieved_at"]

    for r in rows:
        state = "listed" if r["listed_now"] else "gone"
        click.echo(f"{r['id']}  {r['name']}  first {label(r['first'])}, last "
                   f"{label(r['last'])} ({r['snapshots']} of {len(paths)}; {state})")
    return ExitCode.OK
from . import alertcmd  # noqa: E402,F401
