"""Sending through apprise: one :class:`Job` is one message to one URL.

:class:`Sender` imports apprise when it is created (never at module import), keeps
apprise's logger at INFO or above (apprise logs URL tokens at DEBUG), passes every
line apprise logs through :class:`listwatch.alerts.secrets.Redactor`, and passes those
lines to ``echo`` at verbosity 1 (the command line shows them with ``-v``). It reports
success or failure per URL, from apprise's per-service results (apprise >= 2).

A change's alert carries an idempotency key where the service allows headers
(``Idempotency-Key``, see :func:`with_idempotency_key`): a run killed while a POST is
in flight cannot know whether it arrived, so the next run sends it again (delivery is
at-least-once in that window), and the receiver can tell it is the same alert.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import messages
from .secrets import Redactor, mask, url_id

EMAIL_SCHEMES = ("mailto", "mailtos")
BACKOFF_CAP = 30.0


@dataclass(eq=False)
class Job:
    """One message to one URL (a record's target, a test message, a notice)."""

    url: str
    render: Callable[[Any], tuple]  # service -> (title, body, body_format, attach | None)
    path: Path | None = None
    record: dict | None = None
    target: dict | None = None
    ok: bool = False
    reason: str = ""
    key: str | None = None  # idempotency key, sent where the service takes headers
    notify_type: str = "info"  # apprise NotifyType: info, success, warning, failure
    role: str = ""  # for people: "notify: watch nml", "on_error"

    @property
    def masked(self) -> str:
        return mask(self.url)


#: apprise services that take ``+Header=value`` in the URL (custom webhooks)
HEADER_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
IDEMPOTENCY_HEADER = "Idempotency-Key"


def idempotency_key(record_id: str, url: str) -> str:
    """The same for every try of one change to one URL, different otherwise."""
    return hashlib.sha256(f"{record_id}\n{url_id(url)}".encode()).hexdigest()


def with_idempotency_key(url: str, key: str) -> str:
    """``url`` with ``+Idempotency-Key=<key>`` where the service sends it as a header
    (``json://``, ``form://``, ``xml://``), unless the URL sets that header itself."""
    if url.partition("://")[0].lower() not in HEADER_SCHEMES:
        return url
    rest, hash_, fragment = url.partition("#")
    query = rest.partition("?")[2]
    names = {pair.partition("=")[0].lower() for pair in query.split("&")} if query else set()
    if f"+{IDEMPOTENCY_HEADER.lower()}" in names:
        return url
    sep = "&" if "?" in rest else "?"
    return f"{rest}{sep}+{IDEMPOTENCY_HEADER}={key}{hash_}{fragment}"


class _Redacting(logging.Filter):
    """Installed once on apprise's logger: every record leaves it redacted."""

    redact: Callable[[str], str] = staticmethod(lambda s: s)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        return True


_FILTER = _Redacting()


class _Echo(logging.Handler):
    """apprise's (redacted) log lines, passed on at verbosity 1 (``-v``)."""

    def __init__(self, log: Callable[[str, int], None]):
        super().__init__(logging.INFO)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log(f"apprise: {record.levelname.lower()}: {record.getMessage()}", 1)


class Sender:
    """Delivery through apprise (imported on construction)."""

    def __init__(self, config, redact: Redactor, echo: Callable[[str, int], None] | None = None):
        import apprise

        self.apprise = apprise
        self.config = config
        self.redact = redact
        log = logging.getLogger("apprise")
        if log.level == logging.NOTSET or log.level < logging.INFO:
            log.setLevel(logging.INFO)  # apprise logs URL tokens at DEBUG
        _FILTER.redact = redact
        if _FILTER not in log.filters:
            log.addFilter(_FILTER)
        self._handler = None
        if echo is not None:
            self._handler = _Echo(echo)
            log.addHandler(self._handler)
        timeout = config.alert_timeout
        self.asset = apprise.AppriseAsset(app_id="listwatch", service_timeout=timeout + 1)
        self._services: dict[str, str] = {}  # URL -> why it cannot be used
        self._tmp: Path | None = None

    def close(self) -> None:
        if self._handler is not None:
            logging.getLogger("apprise").removeHandler(self._handler)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def tmpdir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="listwatch-alerts-"))
        return self._tmp

    def service(self, url: str, key: str | None = None):
        """A new apprise service object for ``url`` (tagged with its id), or why not;
        with ``key``, it sends that idempotency key where the service takes headers.

        New for each send: apprise throttles each object (up to 5.5 s between two
        sends), which would eat into a retry's time limit; retries are spaced by
        our own backoff instead."""
        if isinstance(self._services.get(url), str):
            return self._services[url]
        try:
            svc = self.apprise.Apprise.instantiate(
                with_idempotency_key(url, key) if key else url, asset=self.asset,
                tag=[url_id(url)])
        except Exception as exc:  # noqa: BLE001 - a plugin's constructor
            svc, why = None, self.redact(f"not a usable apprise URL: {exc}")
        else:
            why = "not a valid apprise URL, or its service is not available here"
        if svc is None:
            self._services[url] = why
            return why
        query = url.partition("?")[2]
        if "cto=" not in query:
            svc.socket_connect_timeout = self.config.alert_timeout
        if "rto=" not in query:
            svc.socket_read_timeout = self.config.alert_timeout
        return svc

    def describe(self, svc) -> tuple[str, int, int, bool]:
        """(markup, body limit, title limit, attach the diff?) of a service.

        Email that takes HTML gets listwatch's own HTML (a table and real lists);
        other services that take Markdown or HTML get Markdown (apprise converts it to
        their dialect: Slack's mrkdwn, HTML); the rest get plain text."""
        fmt = self.apprise.NotifyFormat
        resolved = svc.resolve_format(fmt.MARKDOWN)
        limit = svc.body_maxlen if svc.body_maxlen and svc.body_maxlen > 0 else messages.MAX_BODY
        schemes = {s for p in (svc.protocol, svc.secure_protocol)
                   for s in ((p,) if isinstance(p, str) else (p or ()))}
        email = bool(schemes & set(EMAIL_SCHEMES))
        if resolved == fmt.HTML and email:
            markup = "html"
        elif resolved in (fmt.MARKDOWN, fmt.HTML):
            markup = "markdown"
            if resolved == fmt.HTML:
                limit //= 2  # room for the Markdown → HTML conversion
        else:
            markup = "text"
        return markup, limit, svc.title_maxlen, email and bool(svc.attachment_support)

    def send(self, jobs: list[Job]) -> Iterator[list[Job]]:
        """Send each job once; yield each batch of finished jobs (``ok``/``reason`` set)."""
        batches: list[tuple[tuple, dict[str, tuple[Job, Any]]]] = []
        failed: list[Job] = []
        for job in jobs:
            svc = self.service(job.url, job.key)
            if isinstance(svc, str):
                job.ok, job.reason = False, svc
                failed.append(job)
                continue
            try:
                key = job.render(svc)
            except Exception as exc:  # noqa: BLE001
                job.ok, job.reason = False, self.redact(f"could not build the message: {exc}")
                failed.append(job)
                continue
            key = (*key, job.notify_type)
            uid = url_id(job.url)
            for bkey, members in batches:
                if bkey == key and uid not in members:
                    members[uid] = (job, svc)
                    break
            else:
                batches.append((key, {uid: (job, svc)}))
        if failed:
            yield failed
        for (title, body, body_format, attach, notify_type), members in batches:
            yield self._notify(title, body, body_format, attach, notify_type, members)

    def _notify(self, title, body, body_format, attach, notify_type, members) -> list[Job]:
        a = self.apprise.Apprise(asset=self.asset)
        for _, svc in members.values():
            a.add(svc)
        try:
            result = a.notify(body=body, title=title, body_format=body_format, attach=attach,
                              notify_type=self.apprise.NotifyType(notify_type),
                              timeout=self.config.alert_timeout * 2 + 2)
        except Exception as exc:  # noqa: BLE001 - notify() should never raise
            for job, _ in members.values():
                job.ok, job.reason = False, self.redact(f"{type(exc).__name__}: {exc}")
            return [job for job, _ in members.values()]
        by_id = {t: r for r in result for t in r.tag}
        general = self._why(list(result.call_logs()), result.status.name)
        for uid, (job, _) in members.items():
            r = by_id.get(uid)
            job.ok = bool(r) if r is not None else False
            job.reason = "" if job.ok else (
                general if r is None else
                f"timed out after {self.config.alert_timeout:g} s" if r.status.name == "TIMEOUT"
                else self._why(list(r.logs()), r.status.name))
        return [job for job, _ in members.values()]

    def _why(self, logs: list, status: str) -> str:
        worst = [entry for entry in logs if entry.level in ("WARNING", "ERROR", "CRITICAL")]
        text = worst[-1].message if worst else f"apprise reported {status.lower()}"
        return self.redact(" ".join(text.split()))


def retrying(config, sender: Sender, jobs: list[Job],
              on_done: Callable[[list[Job]], None] = lambda done: None) -> None:
    """Send every job, retrying the failed ones ``config.retries`` times with backoff."""
    todo = list(jobs)
    for attempt in range(config.retries + 1):
        if attempt:
            time.sleep(min(config.backoff * 2 ** (attempt - 1), BACKOFF_CAP))
        for done in sender.send(todo):
            on_done(done)
        todo = [j for j in todo if not j.ok]
        if not todo:
            return
