"""`listwatch notify test` and `listwatch outbox`: look at and try the alert setup.

Every URL shown is masked (:func:`listwatch.secrets.mask`).
"""

from __future__ import annotations

import json

import click

from .cli import App, cli
from .errors import ExitCode

pass_app = click.make_pass_decorator(App, ensure=True)


@cli.group()
def notify() -> None:
    """Try the notifier URLs of the config."""


@notify.command("test")
@click.argument("watch", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def notify_test(app: App, watch: str | None, fmt: str) -> int:
    """Send a test message to WATCH's notify URLs (or to every URL in the config)
    and report each URL's result. Exit 4 when one of them failed.

    \b
      listwatch notify test            every URL: [alerts] notify, on_error, each watch's
      listwatch notify test nml        the URLs that hear about watch nml
    """
    from .alerts import send_test

    jobs = send_test(app, app.config(), watch)
    if fmt == "json":
        click.echo(json.dumps([{"url": j.masked, "ok": j.ok, "error": j.reason or None}
                               for j in jobs], indent=2))
    else:
        for j in jobs:
            click.echo(f"ok      {j.masked}" if j.ok else f"failed  {j.masked}: {j.reason}")
    return ExitCode.OK if all(j.ok for j in jobs) else ExitCode.ALERT_FAILED


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@pass_app
def outbox(app: App, fmt: str) -> int:
    """Show the alerts not yet delivered to every URL (retried by the next `check`)."""
    from .alerts import readable
    from .messages import heading

    store = app.store()
    rows = []
    for path, record in readable(app, store.outbox(prune=False)):  # no lock: never prune
        targets = record.get("targets", [])
        rows.append({
            "watch": record.get("watch", path.parent.name),
            "snapshot": record.get("snapshot", path.name),
            "created": record.get("created"),
            "title": heading(record.get("title") or record.get("watch", "?"),
                             record["diff"], tuple(record.get("kinds", ()))),
            "pending": [{"url": t["url"], "attempts": t.get("attempts", 0),
                         "error": t.get("error")} for t in targets if not t.get("delivered")],
            "delivered": [{"url": t["url"], "at": t["delivered"]}
                          for t in targets if t.get("delivered")],
        })
    if fmt == "json":
        click.echo(json.dumps({"listwatch": "outbox/1", "pending": rows}, indent=2,
                              ensure_ascii=False))
        return ExitCode.OK
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
    return ExitCode.OK
