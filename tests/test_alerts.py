"""Alerts through apprise, against real receivers on 127.0.0.1 (issue 5).

A watch of the ``table`` source reads a CSV file in tmp_path that each test edits
between runs of ``listwatch check``; webhooks (``json://``, ``form://``) go to
:class:`receivers.WebhookReceiver`, email (``mailto://``) to an aiosmtpd server.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from receivers import SMTPReceiver, WebhookReceiver
from servers import Route

from listwatch.alerts import messages
from listwatch.alerts.secrets import Redactor, mask, url_id
from listwatch.cli import App, cli

ROWS = [("a", "Alpha Market", "online", ""), ("b", "Beta Bazaar", "physical", "CN")]
SECRETS = ("S3cretPass", "TOKENsecret123", "HeaderSecret999", "bobuser")


class Project:
    """A config, a CSV list and a store in ``tmp_path``; ``run()`` the CLI in-process."""

    def __init__(self, root: Path, notify: list[str], *, on_error: list[str] = (),
                 retries: int = 0, timeout: float = 2, watch_extra: str = "",
                 watch_notify: list[str] | None = None) -> None:
        self.root = root
        self.csv = root / "list.csv"
        self.config = root / "listwatch.toml"
        self.store = root / "store"
        self.rows = list(ROWS)
        self.write_rows()
        self.config.write_text(
            f'[store]\npath = "store"\n\n[alerts]\nnotify = {json.dumps(notify)}\n'
            f"on_error = {json.dumps(list(on_error))}\nretries = {retries}\n"
            f"timeout = {timeout}\nbackoff = 0.05\n\n"
            f'[[watch]]\nname = "t"\ntitle = "Test List"\nsource = "table"\n'
            f'location = "{self.csv}"\n'
            + (f"notify = {json.dumps(watch_notify)}\n" if watch_notify is not None else "")
            + watch_extra)

    def write_rows(self) -> None:
        self.csv.write_text("id,name,category,country\n" + "".join(
            f"{','.join(r)}\n" for r in self.rows))

    def add(self, key: str, name: str, category: str = "online", country: str = "") -> None:
        self.rows.append((key, name, category, country))
        self.write_rows()

    def run(self, *args: str):
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args], obj=App())
        return result

    def outbox(self) -> list[Path]:
        return sorted((self.store / "outbox").glob("*/*.json"))

    def files(self) -> list[Path]:
        return [p for p in self.store.rglob("*") if p.is_file()]


@pytest.fixture
def hook():
    with WebhookReceiver() as r:
        yield r


@pytest.fixture
def hook2():
    with WebhookReceiver() as r:
        yield r


# -- exactly once ---------------------------------------------------------------------------
def test_baseline_sends_nothing_a_change_sends_once_a_rerun_nothing(tmp_path, hook):
    form = hook.url("form", "/form")
    p = Project(tmp_path, [hook.url("json", "/json"), form])
    r = p.run("check")
    assert r.exit_code == 0, r.output
    assert hook.requests == [] and p.outbox() == []

    p.add("c", "Gamma Shop", "online", "US")
    r = p.run("check")
    assert r.exit_code == 0, r.stderr
    assert hook.count("/json") == 1 and hook.count("/form") == 1
    got = next(x for x in hook.accepted if x.path == "/json").payload
    assert got["title"] == "Test List: 1 added (now 3 entries)"
    assert "Gamma Shop" in got["message"] and "online, US" in got["message"]
    assert next(x for x in hook.accepted if x.path == "/form").payload["title"] == \
        "Test List: 1 added (now 3 entries)"
    assert p.outbox() == []
    assert "sent to 2 URLs" in r.stderr

    for _ in range(2):
        assert p.run("check").exit_code == 0
    assert len(hook.requests) == 2


def test_email_subject_body_recipient_and_json_attachment(tmp_path):
    with SMTPReceiver() as smtp:
        p = Project(tmp_path, [smtp.url()])
        p.run("check")
        p.add("c", "Gamma Shop", "online", "US")
        p.rows = [r for r in p.rows if r[0] != "b"]
        p.write_rows()
        r = p.run("check")
        assert r.exit_code == 0, r.stderr
        assert len(smtp.messages) == 1
        msg = smtp.messages[0]
        assert msg["Subject"] == "Test List: 1 added, 1 removed (now 2 entries)"
        assert smtp.envelopes[0] == ("a@example.com", ["b@example.com"])
        assert "b@example.com" in msg["To"]
        body = msg.get_body(("html", "plain")).get_content()
        assert "Gamma Shop" in body and "Beta Bazaar" in body
        attachments = list(msg.iter_attachments())
        assert len(attachments) == 1 and attachments[0].get_filename().endswith("-diff.json")
        diff = json.loads(attachments[0].get_content())
        assert diff["listwatch"] == "diff/1"
        assert [e["id"] for e in diff["added"]] == ["c"]
        assert [e["id"] for e in diff["removed"]] == ["b"]


@pytest.mark.parametrize("fault", ["down", "500", "slow"])
def test_failed_delivery_stays_in_outbox_and_is_delivered_once_later(tmp_path, hook, fault):
    p = Project(tmp_path, [hook.url("json", "/json")], retries=1, timeout=1)
    p.run("check")
    if fault == "down":
        hook.down()
    elif fault == "500":
        hook.status = 500
    else:
        hook.delay = 2.5
    p.add("c", "Gamma Shop")
    r = p.run("check")
    assert r.exit_code == 4, r.stderr
    assert "not delivered to json://127.0.0.1:" in r.stderr and "kept in the outbox" in r.stderr
    assert hook.count() == 0
    if fault != "down":
        assert len(hook.requests) == 2  # one attempt and one retry (retries = 1)
    [pending] = p.outbox()
    record = json.loads(pending.read_text())
    assert record["targets"][0]["delivered"] is None
    assert record["targets"][0]["attempts"] == 2 and record["targets"][0]["error"]

    listed = p.run("outbox", "--format", "json")
    rows = json.loads(listed.stdout)["pending"]
    assert [row["watch"] for row in rows] == ["t"] and rows[0]["pending"][0]["attempts"] == 2

    r = p.run("check")  # still failing: still pending, still exit 4
    assert r.exit_code == 4 and hook.count() == 0

    hook.up()
    hook.status, hook.delay = 200, 0
    r = p.run("check")  # nothing new in the list: the outbox is delivered
    assert r.exit_code == 0, r.stderr
    assert hook.count() == 1 and "Gamma Shop" in hook.accepted[0].payload["message"]
    assert p.outbox() == []
    assert p.run("check").exit_code == 0
    assert hook.count() == 1


def test_one_failing_url_does_not_stop_the_other(tmp_path, hook, hook2):
    hook2.status = 500
    p = Project(tmp_path, [hook2.url("json", "/bad"), hook.url("json", "/good")])
    p.run("check")
    p.add("c", "Gamma Shop")
    r = p.run("check")
    assert r.exit_code == 4
    assert hook.count() == 1 and hook2.count() == 0
    assert f"127.0.0.1:{hook2.port}/***" in r.stderr
    [pending] = p.outbox()
    targets = json.loads(pending.read_text())["targets"]
    assert [bool(t["delivered"]) for t in targets] == [False, True]

    r = p.run("check")  # the good URL is not sent to again
    assert r.exit_code == 4 and hook.count() == 1
    hook2.status = 200
    assert p.run("check").exit_code == 0
    assert hook.count() == 1 and hook2.count() == 1
    assert p.outbox() == []


def test_killed_between_storing_and_sending_still_sends_next_run(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")], timeout=30)
    p.run("check")
    p.add("c", "Gamma Shop")
    hook.delay = 30  # the run stores, starts sending and hangs on the receiver
    proc = subprocess.Popen([sys.executable, "-m", "listwatch", "--config", str(p.config),
                             "check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert hook.arrived.wait(30), proc.communicate(timeout=5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert hook.count() == 0
    assert len(list((p.store / "watches" / "t" / "snapshots").glob("*.json"))) == 2
    assert len(p.outbox()) == 1

    hook.delay = 0
    r = p.run("check")
    assert r.exit_code == 0, r.stderr
    assert hook.count() == 1 and "Gamma Shop" in hook.accepted[0].payload["message"]
    assert p.run("check").exit_code == 0 and hook.count() == 1
    # the POST in flight when the run was killed and the resend are one alert to the receiver
    keys = [r.headers["Idempotency-Key"] for r in hook.requests]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_idempotency_key_is_stable_per_change_and_url(tmp_path, hook, hook2):
    """A retry of one change carries the key of its first try; other changes and other
    URLs get other keys; a URL that sets its own key keeps it; other services get none."""
    hook.status = 500
    own = hook2.url("json", "/own", query="+Idempotency-Key=mine")
    p = Project(tmp_path, [hook.url("json", "/json"), hook.url("form", "/form"), own],
                retries=1)
    p.run("check")
    p.add("c", "Gamma Shop")
    assert p.run("check").exit_code == 4
    hook.status = 200
    assert p.run("check").exit_code == 0
    p.add("d", "Delta Depot")
    assert p.run("check").exit_code == 0

    def keys(path: str) -> list[str]:
        return [r.headers.get("Idempotency-Key") for r in hook.requests
                if r.path == path]
    first, again, second = keys("/json")[0], keys("/json")[2], keys("/json")[3]
    assert len(keys("/json")) == 4  # two tries, the next run's delivery, the next change
    assert len(set(keys("/json")[:3])) == 1 and len(first) == 64
    assert second != first
    form = keys("/form")
    assert form[0] == form[2] != form[3] and form[0] not in (first, second)
    assert [r.headers.get("Idempotency-Key") for r in hook2.requests] == ["mine", "mine"]
    assert first == again


def test_idempotency_key_only_where_the_service_takes_headers():
    from listwatch.alerts.sender import with_idempotency_key

    assert with_idempotency_key("json://h/p", "k") == "json://h/p?+Idempotency-Key=k"
    assert with_idempotency_key("forms://h/p?a=1#f", "k") == \
        "forms://h/p?a=1&+Idempotency-Key=k#f"
    assert with_idempotency_key("json://h/p?+idempotency-key=x", "k") == \
        "json://h/p?+idempotency-key=x"
    assert with_idempotency_key("mailto://h?to=a@b.c", "k") == "mailto://h?to=a@b.c"


def test_uncommitted_outbox_record_is_never_sent(tmp_path, hook):
    """A record written by a run that died before its snapshot's rename."""
    p = Project(tmp_path, [hook.url("json", "/json")])
    p.run("check")
    orphan = p.store / "outbox" / "t" / "000099-20990101T000000Z.json.pending"
    orphan.parent.mkdir(parents=True)
    orphan.write_text(json.dumps({"listwatch": "outbox/1", "watch": "t", "kinds": ["added"],
                                  "diff": {}, "targets": []}))
    assert p.run("outbox").stdout.startswith("nothing pending")
    assert orphan.exists()  # `outbox` holds no lock, so it never prunes
    assert p.run("check").exit_code == 0
    assert not orphan.exists() and hook.requests == []


# -- dry run, notify test, outbox ---------------------------------------------------------------
def test_dry_run_prints_the_messages_and_sends_nothing(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    p.run("check")
    p.add("c", "Gamma Shop", "online", "US")
    r = p.run("check", "--dry-run", "--format", "json")
    assert r.exit_code == 0, r.stderr
    json.loads(r.stdout)  # stdout stays machine-readable
    assert "dry run: alert for watch t" in r.stderr
    assert f"to: json://127.0.0.1:{hook.port}/*** (markdown)" in r.stderr
    assert "title: Test List: 1 added" in r.stderr and "Gamma Shop" in r.stderr
    assert hook.requests == [] and p.outbox() == []
    assert p.run("check").exit_code == 0 and hook.count() == 1


def test_dry_run_shows_pending_alerts_too(tmp_path, hook):
    hook.status = 500
    p = Project(tmp_path, [hook.url("json", "/json")])
    p.run("check")
    p.add("c", "Gamma Shop")
    assert p.run("check").exit_code == 4
    n = len(hook.requests)
    r = p.run("check", "--dry-run")
    assert r.exit_code == 0 and "pending since" in r.stderr and "Gamma Shop" in r.stderr
    assert len(hook.requests) == n and len(p.outbox()) == 1


def test_notify_test_reports_each_url(tmp_path, hook, hook2):
    p = Project(tmp_path, [hook.url("json", "/json")], on_error=[hook.url("form", "/ops")],
                watch_notify=[hook.url("json", "/json"), hook2.url("json", "/two")])
    hook2.down()
    r = p.run("notify", "test", "t")
    assert r.exit_code == 4
    assert f"ok      json://127.0.0.1:{hook.port}/***  [notify: watch t]" in r.stdout
    assert f"failed  json://127.0.0.1:{hook2.port}/***  [notify: watch t]: " in r.stdout
    assert hook.count("/json") == 1
    assert "test message" in hook.accepted[0].payload["title"]
    hook2.up()
    r = p.run("notify", "test", "--format", "json")
    assert r.exit_code == 0, r.stdout
    rows = json.loads(r.stdout)
    assert [x["ok"] for x in rows] == [True, True, True]
    assert [x["roles"] for x in rows] == [["notify: watch t"], ["on_error"],
                                          ["notify: watch t"]]
    assert hook.count("/ops") == 1 and hook2.count("/two") == 1

    bad = p.run("notify", "test", "nope")
    assert bad.exit_code == 2 and "no watch named 'nope'" in bad.stderr


def test_notify_test_says_which_url_is_notify_and_which_on_error(tmp_path, hook):
    """Two URLs that mask alike are told apart by their role and watch."""
    p = Project(tmp_path, [hook.url("json", "/people")], on_error=[hook.url("json", "/ops")],
                watch_extra='\n[[watch]]\nname = "u"\nsource = "table"\n'
                            f'location = "{tmp_path / "list.csv"}"\n'
                            f'notify = ["{hook.url("json", "/ops")}"]\n')
    r = p.run("notify", "test")
    assert r.exit_code == 0, r.output
    masked = f"json://127.0.0.1:{hook.port}/***"
    assert r.stdout.splitlines() == [f"ok      {masked}  [notify: watch t]",
                                     f"ok      {masked}  [on_error; notify: watch u]"]


def test_outbox_text_lists_pending_and_delivered(tmp_path, hook, hook2):
    hook2.status = 500
    p = Project(tmp_path, [hook.url("json", "/ok"), hook2.url("json", "/bad")])
    assert "nothing pending" in p.run("outbox").stdout
    p.run("check")
    p.add("c", "Gamma Shop")
    p.run("check")
    out = p.run("outbox").stdout
    assert "Test List: 1 added" in out
    assert f"pending    json://127.0.0.1:{hook2.port}/***  (1 attempt(s); last error: " in out
    assert f"delivered  json://127.0.0.1:{hook.port}/***" in out


# -- messages: report filter, templates, cutting ------------------------------------------------
def test_report_filter_and_templates(tmp_path, hook):
    extra = ('report = ["added"]\n'
             'template = {title = "{title}: {added} new ({edition})", '
             'body = "New on {watch}: {summary}\\n{changes}\\n{{literal}}"}\n')
    p = Project(tmp_path, [hook.url("json", "/json")], watch_extra=extra)
    p.run("check")
    p.rows = [r for r in p.rows if r[0] != "b"]  # a removal only: not news for this watch
    p.write_rows()
    assert p.run("check").exit_code == 0
    assert hook.requests == [] and p.outbox() == []
    p.add("c", "Gamma Shop")
    p.add("b", "Beta Bazaar", "physical", "CN")
    assert p.run("check").exit_code == 0
    got = hook.accepted[0].payload
    assert got["title"] == "Test List: 2 new ()"
    assert got["message"].startswith("New on t: 2 added\n**Added (2)**\n\n- **")
    assert got["message"].endswith("{literal}")


def test_unknown_template_variable_is_a_config_error(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json")], watch_extra='template = {title = "{nope}"}\n')
    r = p.run("check")
    assert r.exit_code == 2 and "template.title: unknown variable {nope}" in r.stderr


def test_long_list_is_cut_within_the_limit():
    d = {"list": "x", "from": {"edition": "2022"}, "to": {"edition": "2023"},
         "added": [{"id": str(i), "name": f"Market {i}", "category": "online",
                    "urls": [f"https://m{i}.example/"], "provenance": {"page": i}}
                   for i in range(1, 501)],
         "removed": [{"id": "r", "name": "Gone", "country": "CN"}], "renamed": [],
         "changed": [], "counts": {"added": 500, "removed": 1, "renamed": 0, "changed": 0,
                                   "unchanged": 3}}
    for markup in ("markdown", "text", "html"):
        msg = messages.render(d, messages.KINDS, title="Notorious Markets List", watch="nml",
                              markup=markup, limit=1000)
        assert msg.title == \
            "Notorious Markets List 2022 → 2023: 500 added, 1 removed (now 503 entries)"
        assert len(msg.body) <= 1000
        shown = msg.body.count("Market ")
        assert 5 < shown < 500
        assert msg.body.endswith(f"… and {501 - shown} more" + "</p>" * (markup == "html"))
        assert "— p. 1\n" in msg.body or "— p. 1</li>" in msg.body
    # no separate title: the title counts against the body's limit
    msg = messages.render(d, messages.KINDS, title="T", watch="w", limit=300, title_limit=0)
    assert len(msg.body) + len(msg.title) + 2 <= 300


def test_markdown_escapes_names():
    d = {"list": "x", "from": None, "to": {}, "added": [{"id": "a", "name": "a_b*c"}],
         "removed": [], "renamed": [], "changed": [],
         "counts": {"added": 1, "removed": 0, "renamed": 0, "changed": 0, "unchanged": 0}}
    assert "**a\\_b\\*c**" in messages.changes(d, markup="markdown")
    assert "+ a_b*c" in messages.changes(d, markup="text")
    assert "<li><b>a_b*c</b></li>" in messages.changes(d, markup="html")


# -- secrets ---------------------------------------------------------------------------------
def test_mask_rules():
    assert mask("mailto://127.0.0.1:2525?from=a@example.com&to=b@example.com&mode=insecure") \
        == "mailto://127.0.0.1:2525?from=a@example.com&to=b@example.com&mode=insecure"
    assert mask("json://bob:pw@127.0.0.1:8080/hooks/T0KEN?+X-Key=abc&format=text") == \
        "json://***:***@127.0.0.1:8080/***/***?+X-Key=***&format=text"
    assert mask("https://hooks.slack.com/services/T000/B000/XXXXXXXX") == \
        "https://hooks.slack.com/***/***/***/***"
    assert mask("slack://TokenA/TokenB/TokenC/#channel") == "slack://***/***/***/#***"
    assert mask("tgram://123456789:AAHsecretTOKEN/12345") == "tgram://***/***"
    assert mask("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js") == "discord://***/***"
    assert mask("not a url") == "***"
    assert url_id("json://x") == url_id("json://x") != url_id("json://y")


def test_redactor_cleans_free_text():
    url = "json://bobuser:S3cretPass@127.0.0.1:1/hook/TOKENsecret123"
    redact = Redactor([url])
    text = redact(f"failed {url}; path /hook/TOKENsecret123 auth S3cretPass; "
                  "other ftp://x:y@host.example/")
    assert not any(s in text for s in SECRETS) and "y@host" not in text
    assert "127.0.0.1:1/***/***" in text


def test_secrets_never_show(tmp_path, hook):
    secret_url = hook.url("json", "/hook/TOKENsecret123", query="+X-Api-Key=HeaderSecret999",
                          auth="bobuser:S3cretPass")
    p = Project(tmp_path, [secret_url], on_error=[secret_url], retries=1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def cli_run(*args):
        proc = subprocess.run([sys.executable, "-m", "listwatch", "--config", str(p.config),
                               *args], check=False, capture_output=True, text=True, env=env,
                              timeout=60)
        return proc

    outputs = [cli_run("-v", "check")]
    p.add("c", "Gamma Shop")
    hook.status = 500
    outputs += [cli_run("-v", "--debug", "check"), cli_run("--debug", "check", "--dry-run"),
                cli_run("outbox"), cli_run("outbox", "--format", "json"),
                cli_run("-v", "notify", "test")]
    assert outputs[1].returncode == 4
    hook.status = 200
    outputs += [cli_run("-v", "--debug", "check"), cli_run("-vv", "notify", "test", "t")]
    assert outputs[-2].returncode == 0
    # the secrets did reach the receiver, so the URL really was used
    assert hook.accepted[0].path == "/hook/TOKENsecret123"
    assert hook.accepted[0].headers["X-Api-Key"] == "HeaderSecret999"
    text = "\n".join(o.stdout + o.stderr for o in outputs)
    assert "apprise: info:" in text and "not delivered to json://***:***@127.0.0.1" in text
    for secret in SECRETS:
        assert secret not in text
    for path in p.files():
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (path, secret)


# -- on_error -----------------------------------------------------------------------------------
def test_on_error_hears_about_broken_sources_and_failed_deliveries(tmp_path, hook, hook2):
    hook2.status = 500
    p = Project(tmp_path, [hook2.url("json", "/people")], on_error=[hook.url("json", "/ops")])
    p.run("check")
    p.add("c", "Gamma Shop")
    r = p.run("check")
    assert r.exit_code == 4
    [notice] = hook.accepted
    assert notice.payload["title"] == "listwatch: 1 problem in the last check"
    assert f"not delivered to json://127.0.0.1:{hook2.port}/***" in notice.payload["message"]

    hook2.status = 200
    p.csv.unlink()  # the source now fails
    r = p.run("check")
    assert r.exit_code == 3, r.stderr
    assert hook2.count() == 1  # the pending alert still went out
    assert "watch t: " in hook.accepted[1].payload["message"]


def _age_errors(p: Project, hours: float) -> None:
    """Move every 'told' time in errors.json back: as if that much time had passed."""
    from datetime import datetime, timedelta

    path = p.store / "errors.json"
    state = json.loads(path.read_text())
    for problem in state["problems"].values():
        told = datetime.strptime(problem["told"], "%Y-%m-%dT%H:%M:%SZ")
        problem["told"] = (told - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps(state))


def test_on_error_hears_once_when_broken_daily_while_broken_once_recovered(tmp_path, hook):
    p = Project(tmp_path, [], on_error=[hook.url("json", "/ops")])
    assert p.run("check").exit_code == 0
    p.csv.rename(tmp_path / "away.csv")  # the source breaks
    assert p.run("check").exit_code == 3
    [first] = hook.accepted
    assert first.payload["title"] == "listwatch: 1 problem in the last check"
    assert "watch t: " in first.payload["message"] and "no such file" in first.payload["message"]
    for _ in range(2):  # still broken, told less than a day ago: quiet
        assert p.run("check").exit_code == 3
    assert len(hook.accepted) == 1
    _age_errors(p, 23)
    assert p.run("check").exit_code == 3 and len(hook.accepted) == 1
    _age_errors(p, 1)  # now a day since it was told
    assert p.run("check").exit_code == 3
    reminder = hook.accepted[-1].payload
    assert len(hook.accepted) == 2 and reminder["message"].startswith("- still, since 20")
    assert p.run("check").exit_code == 3 and len(hook.accepted) == 2  # reminded: a day again

    (tmp_path / "away.csv").rename(p.csv)  # the source works again
    assert p.run("check").exit_code == 0
    recovered = hook.accepted[-1].payload
    assert len(hook.accepted) == 3 and recovered["title"] == "listwatch: 1 resolved"
    assert recovered["message"].startswith("- recovered: watch t works again (a problem since")
    for _ in range(2):
        assert p.run("check").exit_code == 0
    assert len(hook.accepted) == 3
    assert json.loads((p.store / "errors.json").read_text())["problems"] == {}


def test_notice_decisions_with_a_fake_clock():
    from datetime import UTC, datetime, timedelta

    from listwatch.alerts.notices import Problem, decide

    t0 = datetime(2026, 1, 1, 12, tzinfo=UTC)
    broken = [Problem("watch:a", "watch a: gone", "watch a works again"),
              Problem("alert:a/1.json:u", "undelivered", "delivered", "warning")]
    first = decide({}, broken, {"a"}, {"a"}, t0)
    assert first.lines == ["watch a: gone", "undelivered"] and first.notify_type == "failure"
    quiet = decide(first.state, broken, {"a"}, {"a"}, t0 + timedelta(hours=23, minutes=59))
    assert quiet.lines == [] and not quiet.changed
    later = decide(first.state, broken[1:], {"a"}, {"a"}, t0 + timedelta(days=1))
    assert later.lines == ["still, since 2026-01-01T12:00:00Z: undelivered",
                           "recovered: watch a works again (a problem since "
                           "2026-01-01T12:00:00Z)"]
    assert later.notify_type == "warning" and later.failing == 1
    over = decide(later.state, [], set(), {"a"}, t0 + timedelta(days=1, hours=1))
    assert over.lines == ["recovered: delivered (a problem since 2026-01-01T12:00:00Z)"]
    assert over.notify_type == "success" and over.state["problems"] == {}
    once = decide({}, [Problem(None, "damaged"), Problem(None, "damaged 2")], set(), set(), t0)
    assert once.lines == ["damaged", "damaged 2"] and once.state["problems"] == {}
    # not told (no URL took the notice): they wait, the newest 50, each once
    assert once.unsent == {"listwatch": "errors/1", "problems": {},
                           "untold": ["damaged", "damaged 2"]}
    many = decide({"untold": [f"d{i}" for i in range(60)] + [7]},
                  [Problem(None, "d59"), Problem(None, "new")], set(), set(), t0)
    assert many.lines == [f"d{i}" for i in range(60)] + ["new"] and many.changed
    assert many.unsent["untold"] == [f"d{i}" for i in range(11, 60)] + ["new"]
    assert "untold" not in many.state


def test_on_error_is_told_again_when_the_notice_was_not_delivered(tmp_path, hook):
    p = Project(tmp_path, [], on_error=[hook.url("json", "/ops")])
    assert p.run("check").exit_code == 0
    p.csv.unlink()
    hook.status = 500
    assert p.run("check").exit_code == 4
    hook.status = 200
    assert p.run("check").exit_code == 3
    assert len(hook.accepted) == 1 and "watch t: " in hook.accepted[0].payload["message"]
    assert p.run("check").exit_code == 3 and len(hook.accepted) == 1


def test_undelivered_alert_is_told_once_and_once_more_when_delivered(tmp_path, hook, hook2):
    hook2.status = 500
    p = Project(tmp_path, [hook2.url("json", "/people")], on_error=[hook.url("json", "/ops")])
    p.run("check")
    p.add("c", "Gamma Shop")
    for _ in range(3):
        assert p.run("check").exit_code == 4
    assert len(hook.accepted) == 1
    hook2.status = 200
    assert p.run("check").exit_code == 0
    assert len(hook.accepted) == 2 and hook2.count() == 1
    done = hook.accepted[1].payload["message"]
    assert done.startswith('- recovered: watch t: alert "Test List: 1 added" to json://')
    assert "is no longer pending" in done


def test_a_watch_not_run_keeps_its_problem_and_a_removed_one_is_forgotten(tmp_path, hook):
    p = Project(tmp_path, [], on_error=[hook.url("json", "/ops")],
                watch_extra='\n[[watch]]\nname = "u"\nsource = "table"\n'
                            f'location = "{tmp_path / "u.csv"}"\n')
    (tmp_path / "u.csv").write_text("id,name\nx,X\n")
    p.csv.unlink()
    assert p.run("check").exit_code == 3 and len(hook.accepted) == 1
    assert p.run("check", "u").exit_code == 0 and len(hook.accepted) == 1
    assert "watch:t" in json.loads((p.store / "errors.json").read_text())["problems"]
    text = p.config.read_text()
    p.config.write_text(text[:text.index("[[watch]]")] + text[text.index("[[watch]]", 1 +
                                                                          text.index("[[watch]]")):])
    assert p.run("check").exit_code == 0 and len(hook.accepted) == 1
    assert json.loads((p.store / "errors.json").read_text())["problems"] == {}


def test_on_error_notices_have_the_apprise_type_of_their_news(tmp_path, hook, hook2):
    """failure: a watch broke; warning: only an alert went undelivered; success: over."""
    hook2.status = 500
    p = Project(tmp_path, [hook2.url("json", "/people")], on_error=[hook.url("json", "/ops")])
    p.run("check")
    p.add("c", "Gamma Shop")
    assert p.run("check").exit_code == 4
    p.csv.unlink()
    assert p.run("check").exit_code == 4
    hook2.status = 200
    p.add("d", "Delta Depot")  # the list is back
    assert p.run("check").exit_code == 0
    assert [n.payload["type"] for n in hook.accepted] == ["warning", "failure", "success"]


def test_url_removed_from_config_is_dropped_with_a_warning(tmp_path, hook, hook2):
    hook2.status = 500
    p = Project(tmp_path, [hook.url("json", "/keep"), hook2.url("json", "/gone")])
    p.run("check")
    p.add("c", "Gamma Shop")
    assert p.run("check").exit_code == 4
    text = p.config.read_text().replace(f', "{hook2.url("json", "/gone")}"', "")
    p.config.write_text(text)
    r = p.run("check")
    assert r.exit_code == 0, r.stderr
    assert "dropped the pending alert for json://127.0.0.1:" in r.stderr
    assert p.outbox() == [] and hook.count() == 1


# -- notifier URLs checked when the config is read --------------------------------------------
@pytest.mark.parametrize("where", ["watch", "default", "on_error"])
def test_mistyped_notifier_scheme_is_a_config_error_before_any_fetch(tmp_path, http_server,
                                                                      where):
    bad = "jsno://bob:S3cretPass@127.0.0.1:1/hook/TOKENsecret123"
    good = "json://127.0.0.1:1/ok"
    p = Project(tmp_path, [bad if where == "default" else good],
                on_error=[bad] if where == "on_error" else [],
                watch_notify=[good, bad] if where == "watch" else None)
    location = http_server.route("/list.csv", Route(b"id,name\na,A\n"))
    p.config.write_text(p.config.read_text().replace(str(p.csv), location))
    for args in (["check"], ["check", "--dry-run"], ["notify", "test"], ["outbox"]):
        r = p.run(*args)
        assert r.exit_code == 2, (args, r.output)
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr
        key = {"watch": 'watch "t": key notify[1]', "default": "key alerts.notify[0]",
               "on_error": "key alerts.on_error[0]"}[where]
        assert lines[0] == (f"error: {p.config}: {key}: jsno://***:***@127.0.0.1:1/***/***: "
                            "apprise knows no service jsno://; did you mean json://?")
    assert http_server.requests == [] and not p.store.exists()


def test_scheme_check_reads_a_cache_and_never_imports_apprise(tmp_path, hook):
    """The schemes come from a child process once, then from the cache file."""
    p = Project(tmp_path, [hook.url("json", "/json"), "mailto://127.0.0.1:1?to=a@b.example"])
    cache = tmp_path / "cache"
    env = {**os.environ, "LISTWATCH_CACHE_DIR": str(cache)}
    probe = ("import sys; from listwatch.cli import cli; "
             f"code = cli.main(['--config', {str(p.config)!r}, 'check'], "
             "standalone_mode=False); print('PROBE', code, 'apprise' in sys.modules)")

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True,
                             text=True, timeout=120, env=env).stdout
        return next(line.split()[1:] for line in out.splitlines() if line.startswith("PROBE"))

    assert run() == ["0", "False"]  # a cold cache: filled by a child process
    stored = json.loads((cache / "apprise-schemes.json").read_text())
    assert stored["schemes"]["json"] is True and "jsno" not in stored["schemes"]
    before = (cache / "apprise-schemes.json").stat().st_mtime_ns
    assert run() == ["0", "False"]
    assert (cache / "apprise-schemes.json").stat().st_mtime_ns == before  # read, not rebuilt


# -- apprise only when sending --------------------------------------------------------------------
def test_check_without_change_never_imports_apprise(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    probe = ("import sys; from listwatch.cli import cli; "
             f"code = cli.main(['--config', {str(p.config)!r}, 'check'], "
             "standalone_mode=False); print('PROBE', code, 'apprise' in sys.modules)")

    def run() -> str:
        out = subprocess.run([sys.executable, "-c", probe], check=False, capture_output=True,
                             text=True, timeout=60).stdout
        return next(line.split()[1:] for line in out.splitlines() if line.startswith("PROBE"))

    assert run() == ["0", "False"]  # baseline
    assert run() == ["0", "False"]  # no change
    p.add("c", "Gamma Shop")
    assert run() == ["0", "True"]  # a change: now it is needed
    assert hook.count() == 1


def test_changes_pending_from_several_runs_go_out_in_order_once(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    p.run("check")
    hook.down()
    p.add("c", "Gamma Shop")
    assert p.run("check").exit_code == 4
    p.add("d", "Delta Depot")
    assert p.run("check").exit_code == 4
    assert len(p.outbox()) == 2
    hook.up()
    assert p.run("check").exit_code == 0
    assert [x.payload["message"].count("Shop") for x in hook.accepted] == [1, 0]
    assert "Delta Depot" in hook.accepted[1].payload["message"]
    assert p.run("check").exit_code == 0 and hook.count() == 2


def test_apprise_debug_logging_is_never_enabled(tmp_path, hook, caplog):
    secret_url = hook.url("json", "/hook/TOKENsecret123", auth="bobuser:S3cretPass")
    p = Project(tmp_path, [secret_url])
    p.run("check")
    p.add("c", "Gamma Shop")
    with caplog.at_level(logging.DEBUG, logger="apprise"):
        assert p.run("-v", "--debug", "check").exit_code == 0
    apprise_records = [r for r in caplog.records if r.name == "apprise"]
    assert apprise_records and min(r.levelno for r in apprise_records) >= logging.INFO
    assert logging.getLogger("apprise").level >= logging.INFO
    assert not any(s in caplog.text for s in SECRETS)


def test_unreadable_outbox_record_is_said_and_moved_aside(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    p.run("check")
    snap = next((p.store / "watches" / "t" / "snapshots").glob("*.json"))
    bad = p.store / "outbox" / "t" / snap.name
    bad.parent.mkdir(parents=True)
    bad.write_text('{"watch": "t"}')
    r = p.run("outbox")
    assert r.exit_code == 3 and "nothing pending" in r.stdout
    assert "damaged outbox record (key diff is missing" in r.stderr and bad.exists()
    r = p.run("check")
    assert r.exit_code == 3 and "damaged outbox record" in r.stderr
    assert not bad.exists() and bad.with_name(bad.name + ".broken").exists()
    assert hook.requests == []


def test_one_dead_on_error_url_does_not_make_the_others_hear_it_every_run(tmp_path, hook):
    p = Project(tmp_path, [], on_error=[hook.url("json", "/ops"), "json://127.0.0.1:9/dead"])
    assert p.run("check").exit_code == 0
    p.csv.rename(tmp_path / "away.csv")
    assert p.run("check").exit_code == 4  # broken (3), and one notice not delivered (4)
    assert len(hook.accepted) == 1
    for _ in range(2):  # told once (by the URL that took it): quiet after that
        p.run("check")
    assert len(hook.accepted) == 1


def test_a_damaged_record_on_error_did_not_hear_of_is_told_next_time(tmp_path, hook):
    """A problem with no key to find it by again (a damaged outbox record, moved aside)
    waits in errors.json when no on_error URL took the notice, and is told, once, by the
    next notice that gets through."""
    p = Project(tmp_path, [], on_error=[hook.url("json", "/ops")])
    p.run("check")
    snap = next((p.store / "watches" / "t" / "snapshots").glob("*.json"))
    bad = p.store / "outbox" / "t" / snap.name
    bad.parent.mkdir(parents=True)
    bad.write_text('{"watch": "t"}')
    hook.status = 500
    r = p.run("check")
    assert r.exit_code == 4 and "damaged outbox record" in r.stderr
    assert not bad.exists() and hook.accepted == []
    hook.status = 200
    assert p.run("check").exit_code == 0  # the store is clean again; the notice goes out
    (notice,) = hook.accepted
    assert f"outbox/t/{snap.name}: damaged outbox record" in notice.payload["message"]
    assert notice.payload["type"] == "failure"
    for _ in range(2):
        assert p.run("check").exit_code == 0
    assert len(hook.accepted) == 1  # told once
    assert "untold" not in json.loads((p.store / "errors.json").read_text())


def test_an_outbox_target_with_bad_attempts_is_damaged_not_a_crash():
    from listwatch.alerts.outbox import problem

    record = {"watch": "t", "diff": {}, "kinds": ["added"],
              "targets": [{"id": "x", "url": "json://***", "attempts": "x"}]}
    assert problem(record) == "a target's attempts is not a number"


def test_a_secret_is_masked_as_the_id_made_from_it():
    assert redact_with("list secrettok3n; path SecretTok3n", ["SecretTok3n"]) == \
        "list ***; path ***"


def redact_with(text, values):
    from listwatch.alerts.secrets import redact

    return redact(text, values)
