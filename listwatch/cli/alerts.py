"""`listwatch notify test` and `listwatch outbox`: look at and try the alert setup.

Every URL shown is masked (:func:`listwatch.alerts.secrets.mask`).
"""

from __future__ import annotations

import json

import click

from ..errors import ExitCode
from .app import App, pass_app
from .complete import watch_names


@click.group()
def notify() -> None:
    """Try the notifier URLs of the config."""


@notify.command("test")
@click.argument("watch", required=False, shell_complete=watch_names)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def notify_test(app: App, watch: str | None, fmt: str) -> int:
    """Send a test message to WATCH's notify URLs (or to every URL in the config)
    and report each URL's result. Exit 4 when one of them failed.

    \b
      listwatch --config examples/listwatch.toml notify test       every URL in the config
      listwatch --config examples/listwatch.toml notify test nml   the URLs of watch nml

    The bundled example has no URLs: put one in its [alerts] notify first.
    """
    from ..alerts import send_test

    jobs = send_test(app.log, app.config(), watch)
    if fmt == "json":
        click.echo(json.dumps([{"url": j.masked, "roles": j.role.split("; "), "ok": j.ok,
                                "error": j.reason or None} for j in jobs], indent=2))
    else:
        for j in jobs:
            shown = f"{j.masked}  [{j.role}]"
            click.echo(f"ok      {shown}" if j.ok else f"failed  {shown}: {j.reason}")
    return ExitCode.OK if all(j.ok for j in jobs) else ExitCode.ALERT_FAILED


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def outbox(app: App, fmt: str) -> int:
    """Show the alerts not yet delivered to every URL (retried by the next `check`).

    Exits 3 when a record in the outbox is damaged (the next `check` moves it aside).
    """
    from ..alerts.outbox import pending

    store = app.store()
    rows, damaged = pending(app.log, store)
    code = ExitCode.SOURCE_FAILED if damaged else ExitCode.OK
    if fmt == "json":
        click.echo(json.dumps({"listwatch": "outbox/1", "pending": rows}, indent=2,
                              ensure_ascii=False))
        return code
    if not rows:
        click.echo(f"nothing pending in {store.root / 'outbox'}")
    for row in rows:
        click.echo(f"{row['watch']}  {row['snapshot']}  {row['title']}  "
                   f"(since {row['created']})")
        for t in row["pending"]:
            error = f"; last error: {t['error']}" if t["error"] else ""
            click.echo(f"  pending    {t['url']}  ({t['attempts']} attempt(s){error})")
        for t in row["delivered"]:
            click.echo(f"  delivered  {t['url']}  ({t['at']})")
    return code


COMMANDS = [notify, outbox]
