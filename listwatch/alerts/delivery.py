"""Delivering the outbox after ``check``, the ``--dry-run`` preview, and ``notify test``.

``check`` calls :func:`~listwatch.alerts.outbox.outbox_record` for each reported change and
the store writes that record in the same atomic step that accepts the snapshot (record
first, the snapshot's rename commits both). Then :func:`after_check` delivers every
committed record still pending — this run's and earlier runs' — and marks each target
delivered the moment apprise reports success for that URL. What failed stays in the
outbox: it is retried within the run (``[alerts] retries``, waiting ``backoff`` seconds,
doubled each time) and again by the next ``check``; ``check`` then exits 4 and names what
and where. A crash between a success and its mark is the one window in which a URL could
get a change twice; nothing is ever lost.

At delivery a target's id is resolved against the watch's *current* URLs (``notify`` of
the watch, else ``[alerts] notify``); a URL no longer configured is dropped with a
warning. The message is built at delivery time from the diff and the watch's current
title/template (:mod:`listwatch.alerts.messages`), per service: HTML of listwatch's own
for email that takes HTML (a summary table and real lists; apprise derives the
plain-text part from it), Markdown where apprise renders Markdown or HTML, plain text
elsewhere, cut to the service's body limit; emails (``mailto://``, ``mailtos://``) get
the full diff attached as JSON.

``[alerts] on_error`` URLs hear of a broken or failed watch and of an undelivered alert
once when it starts, at most once a day while it lasts, and once when it ends
(:mod:`listwatch.alerts.notices`; what was told is kept in ``<store>/errors.json``, and
a notice that could not be delivered is tried again by the next run). ``--dry-run``
reports, at level ``ALWAYS`` (the CLI prints it on stderr, since stdout carries the
report), each message as it would go to each URL, and sends nothing.

apprise is imported only when something is sent (or shown by ``--dry-run``): a ``check``
with no change never pays for it. Its logger is kept at INFO or above (it logs tokens at
DEBUG) and everything it logs passes through a redacting filter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ExitCode, StoreDamaged
from . import messages
from .notices import Decision, Problem, decide
from .outbox import ALWAYS, INFO, VERBOSE, Log, audience, now, outbox_record, readable, save
from .secrets import Redactor, all_urls, mask, redact, url_id
from .sender import Job, Sender, idempotency_key, retrying


# -- rendering a record for one service ------------------------------------------------------
def _renderer(config, sender: Sender, record: dict) -> Callable[[Any], tuple]:
    watch = next((w for w in config.watches if w.name == record["watch"]), None)
    title = (watch.title or watch.name) if watch else record.get("title") or record["watch"]
    template = watch.template if watch else {}
    diff, kinds = record["diff"], tuple(record["kinds"])
    edition = (diff.get("to") or {}).get("edition")
    name = f"{record['watch']}-{edition or Path(record.get('snapshot', 'diff')).stem}-diff.json"
    attachment: list[Path] = []

    def render(svc) -> tuple:
        markup, limit, title_limit, email = sender.describe(svc)
        attach = None
        if email:
            if not attachment:
                path = sender.tmpdir() / Path(record.get("snapshot", "diff")).stem / name
                path.parent.mkdir(exist_ok=True)  # one folder a record: names may repeat
                path.write_text(json.dumps(diff, indent=2, ensure_ascii=False) + "\n", "utf-8")
                attachment.append(path)
            attach = str(attachment[0])
        msg = messages.render(diff, kinds, title=title, watch=record["watch"],
                              template=template, markup=markup, limit=limit,
                              title_limit=title_limit,
                              footer=f"The full diff is attached as {name}." if email else "")
        return msg.title, msg.body, msg.format, attach
    return render


def _jobs_for(log: Log, config, store, sender: Sender | None, path: Path | None, record: dict,
              dry_run: bool) -> list[Job]:
    """The pending (record, URL) jobs of a record; drop targets no longer configured."""
    watch = next((w for w in config.watches if w.name == record["watch"]), None)
    urls = {url_id(u): u for u in audience(config, watch)} if watch else {}
    jobs, kept = [], []
    render = _renderer(config, sender, record) if sender else None
    for target in record.get("targets", []):
        if target.get("delivered"):
            kept.append(target)
            continue
        url = urls.get(target["id"])
        if url is None:
            why = "watch is no longer configured" if watch is None else \
                "URL is no longer configured for this watch"
            log(f"warning: watch {record['watch']}: {'would drop' if dry_run else 'dropped'}"
                f" the pending alert for {target['url']} (the {why})", INFO)
            continue
        kept.append(target)
        record_id = f"{record['watch']}/{record.get('snapshot') or (path.name if path else '')}"
        jobs.append(Job(url, render, path, record, target,
                        key=idempotency_key(record_id, url)))
    if not dry_run and path is not None and len(kept) != len(record.get("targets", [])):
        record["targets"] = kept
        save(store, path, record)
    return jobs


# -- after check ----------------------------------------------------------------------------
def after_check(log: Log, config, store, outcomes, dry_run: bool = False) -> ExitCode:
    """Deliver what is pending in the outbox; tell ``on_error`` about problems."""
    problems = [Problem(f"watch:{o.watch.name}",
                        redact(f"watch {o.watch.name}: {o.message}"),
                        f"watch {o.watch.name} works again")
                for o in outcomes if o.status in ("broken", "failed")]
    ran = {o.watch.name for o in outcomes}
    if dry_run:
        return _dry_run(log, config, store, outcomes, problems, ran)
    pending, damaged = readable(log, store.outbox(), store)
    problems += [Problem(None, line) for line in damaged]
    code = ExitCode.SOURCE_FAILED if damaged else ExitCode.OK
    stored, code = _errors_state(log, config, store, code)
    early = _decide(config, stored, problems, ran)
    if not pending and not early.lines:  # nothing to send: apprise is never imported
        if early.changed:
            store.save_errors(early.state)  # a watch no longer configured: forgotten
        return code
    for path, record in pending:
        if not store.has_snapshot(path.parent.name, path.name):
            log(f"warning: watch {record['watch']}: the snapshot {path.name} of a pending "
                "alert is missing from the store (deleted?); the alert is sent from its "
                "outbox record, and the next check may report the change again", INFO)
    sender = Sender(config, Redactor(all_urls(config)), log)
    try:
        jobs = [j for path, record in pending
                for j in _jobs_for(log, config, store, sender, path, record, False)]
        _deliver(log, config, store, sender, jobs)
        for job in jobs:
            if not job.ok:
                code = max(code, ExitCode.ALERT_FAILED)
                line = (f"watch {job.record['watch']}: alert \"{_heading(job.record)}\" not "
                        f"delivered to {job.masked}: {job.reason} "
                        f"({job.target['attempts']} attempt(s) so far); kept in the outbox")
                log(f"error: {line}", ALWAYS)
                problems.append(Problem(
                    f"alert:{job.record['watch']}/{job.path.name if job.path else '?'}:"
                    f"{url_id(job.url)}", line,
                    f"watch {job.record['watch']}: alert \"{_heading(job.record)}\" to "
                    f"{job.masked} is no longer pending", "warning"))
        decision = _decide(config, stored, problems, ran)
        told = True
        if decision.lines:
            note = messages.notice(decision.lines, decision.failing)
            notices = [Job(u, lambda svc: (note.title, note.body, "text", None),
                           notify_type=decision.notify_type)
                       for u in dict.fromkeys(config.on_error)]
            retrying(config, sender, notices)
            told = any(job.ok for job in notices)  # told by one URL is told: no repeats
            for job in notices:
                if not job.ok:
                    code = max(code, ExitCode.ALERT_FAILED)
                    log(f"error: the on_error notice was not delivered to {job.masked}:"
                        f" {job.reason}", ALWAYS)
        if told and decision.changed:  # a notice no URL took is told again next run
            store.save_errors(decision.state)
        elif not told and decision.unsent:  # with what has no key to be found again by
            store.save_errors(decision.unsent)
        return code
    finally:
        sender.close()


def _errors_state(log: Log, config, store, code: ExitCode) -> tuple[dict, ExitCode]:
    """What ``on_error`` was told before (``errors.json``); {} when it hears of nothing."""
    if not config.on_error:
        return {}, code
    try:
        return store.errors(), code
    except StoreDamaged as exc:
        log(f"error: {exc}", ALWAYS)
        return {}, max(code, exc.exit_code)


def _decide(config, stored: dict, problems: list[Problem], ran: set[str]) -> Decision:
    if not config.on_error:
        return Decision([], stored, False)
    return decide(stored, problems, ran, {w.name for w in config.watches})


def _heading(record: dict) -> str:
    return messages.heading(record.get("title") or record["watch"], record["diff"],
                            tuple(record["kinds"]))


def _deliver(log: Log, config, store, sender: Sender, jobs: list[Job]) -> None:
    def done(batch: list[Job]) -> None:
        touched: dict[int, tuple[Path, dict]] = {}
        for job in batch:
            job.target["attempts"] = job.target.get("attempts", 0) + 1
            job.target["error"] = None if job.ok else job.reason
            if job.ok:
                job.target["delivered"] = now()
                log(f"alert for watch {job.record['watch']} sent to {job.masked}", VERBOSE)
            touched[id(job.record)] = (job.path, job.record)
        for path, record in touched.values():
            save(store, path, record)

    retrying(config, sender, jobs, done)
    sent: dict[int, tuple[dict, int]] = {}
    for job in jobs:
        record, n = sent.get(id(job.record), (job.record, 0))
        sent[id(job.record)] = (record, n + job.ok)
    for record, n in sent.values():
        if n:
            log(f"alert: {_heading(record)} — sent to {n} URL{'s' * (n != 1)}", INFO)


def _dry_run(log: Log, config, store, outcomes, problems: list[Problem], ran: set[str]
             ) -> ExitCode:
    make = outbox_record(config)
    items = [("this run's change", None, rec) for o in outcomes if o.reported
             for rec in [make(o.watch, o.diff, o.kinds)] if rec]
    items += [("pending since " + rec.get("created", "?"), path, rec)
              for path, rec in readable(log, store.outbox(prune=False))[0]]
    stored, _ = _errors_state(log, config, store, ExitCode.OK)
    decision = _decide(config, stored, problems, ran)
    if not items and not decision.lines:
        return ExitCode.OK
    sender = Sender(config, Redactor(all_urls(config)), log)
    try:
        for label, path, record in items:
            jobs = _jobs_for(log, config, store, sender, path, record, True)
            log(f"dry run: alert for watch {record['watch']} ({label}) would go to "
                f"{len(jobs)} URL(s):", ALWAYS)
            _show(log, sender, [(j.url, j.render) for j in jobs])
        if decision.lines:
            note = messages.notice(decision.lines, decision.failing)
            log("dry run: on_error notice would go to:", ALWAYS)
            _show(log, sender, [(u, lambda svc: (note.title, note.body, "text", None))
                           for u in dict.fromkeys(config.on_error)])
    finally:
        sender.close()
    return ExitCode.OK


def _show(log: Log, sender: Sender, pairs: list[tuple[str, Callable]]) -> None:
    groups: dict[tuple, list[str]] = {}
    for url, render in pairs:
        svc = sender.service(url)
        if isinstance(svc, str):
            log(f"  {mask(url)}: {svc}", ALWAYS)
            continue
        title, body, fmt, attach = render(svc)
        shown = svc.resolve_format(fmt).value  # what the service gets, e.g. html for email
        key = (title, body, shown, Path(attach).name if attach else None)
        groups.setdefault(key, []).append(mask(url))
    for (title, body, fmt, attach), urls in groups.items():
        for u in urls:
            log(f"  to: {u} ({fmt}{', diff attached as ' + attach if attach else ''})",
                ALWAYS)
        log(f"  title: {title}", ALWAYS)
        log("  body:", ALWAYS)
        for line in body.splitlines():
            log(f"    {line}", ALWAYS)


# -- notify test --------------------------------------------------------------------------------
def role(config, url: str) -> str:
    """What ``url`` is for: ``on_error``, ``notify: watch a, b`` (the watches told)."""
    roles = ["on_error"] if url in config.on_error else []
    watches = [w.name for w in config.watches if url in audience(config, w)]
    if watches:
        roles.append(f"notify: watch{'es' * (len(watches) > 1)} {', '.join(watches)}")
    elif url in config.notify:
        roles.append("notify: no watch (each has its own notify)")
    return "; ".join(roles)


def send_test(log: Log, config, watch_name: str | None = None) -> list[Job]:
    """Send a test message to a watch's URLs (every configured URL when no watch)."""
    if watch_name:
        watch = config.watch(watch_name)
        urls, msg = audience(config, watch), messages.test_message(watch.name, watch.title)
        where = f"watch {watch.name!r} (its notify, or [alerts] notify)"
    else:
        urls, msg = all_urls(config), messages.test_message(None, None)
        where = "the config"
    if not urls:
        raise ConfigError(f"{config.path}: no notify URLs configured for {where}")
    sender = Sender(config, Redactor(all_urls(config)), log)
    try:
        jobs = [Job(u, lambda svc: (msg.title, msg.body, "text", None), role=role(config, u))
                for u in urls]
        for _ in sender.send(jobs):
            pass
        return jobs
    finally:
        sender.close()
