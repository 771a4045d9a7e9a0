"""What a reader sees (issue 14): reports and alerts for the bundled 2019 → 2020 example,
pinned as golden files, and the link syntax each kind of service gets, checked at the
bytes that arrive at real receivers on 127.0.0.1.

The example is copied to tmp_path (the working tree is never touched) and served by a
local HTTP server, so its documents have http locations and entries link their pages;
one test runs it from local files, where nothing may be a link.

Golden files live in ``tests/golden/``. After a deliberate change of wording, rewrite
them with ``LISTWATCH_REGOLD=1 python -m pytest tests/test_messages.py``, read the diff
(``git diff tests/golden``) by eye, and commit it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from receivers import SMTPReceiver, WebhookReceiver
from servers import Route

from listwatch.alerts import messages
from listwatch.cli import App, cli
from listwatch.wording import MARKUPS, delta, heading, why_renamed

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
REGOLD = os.environ.get("LISTWATCH_REGOLD") == "1"
SERVED = {"reports/index.html": "text/html", "reports/nml-2019.pdf": "application/pdf",
          "reports/nml-2020.pdf": "application/pdf", "feeds/trade-news.xml": "application/rss+xml",
          "data/entities.csv": "text/csv"}
LOCATIONS = ("reports/index.html", "feeds/trade-news.xml", "data/entities.csv")
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7/"


def copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    shutil.copytree(ROOT / "examples", root,
                    ignore=shutil.ignore_patterns("listwatch-example-source", "rebuild.py"))
    return root


def serve(root: Path, http_server, notify: list[str] = ()) -> Path:
    """Point the copy's watches at the HTTP server (and its alerts at ``notify``)."""
    for rel, ctype in SERVED.items():
        http_server.route(f"/{rel}", Route((root / rel).read_bytes(), content_type=ctype))
    config = root / "listwatch.toml"
    text = config.read_text()
    for rel in LOCATIONS:
        text = text.replace(f'location = "{rel}"', f'location = "{http_server.url("/" + rel)}"')
    config.write_text(text.replace("notify = []", f"notify = {json.dumps(list(notify))}"))
    return config


def run(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args], obj=App())


def normal(text: str, port: int) -> str:
    """The port of this run's server out; line ends as in the files (mail uses CRLF)."""
    return text.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT").replace("\r\n", "\n")


def golden(name: str, got: str) -> None:
    """Compare with ``tests/golden/<name>`` (or rewrite it under LISTWATCH_REGOLD=1)."""
    path = GOLDEN / name
    if REGOLD:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with LISTWATCH_REGOLD=1 and review it"
    assert got == path.read_text(encoding="utf-8"), \
        f"{name} differs from tests/golden (LISTWATCH_REGOLD=1 rewrites it: review the diff)"


# -- golden reports ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,name", [("text", "example-check.txt"),
                                      ("markdown", "example-check.md"),
                                      ("json", "example-check.json")])
def test_check_report_of_the_example_is_pinned(tmp_path, http_server, fmt, name):
    config = serve(copy_example(tmp_path), http_server)
    r = run(config, "check", "--dry-run", "--format", fmt)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    if fmt == "json":  # when the new snapshots were fetched is the one thing that moves
        doc = json.loads(out)
        for watch in doc["watches"]:
            watch["diff"]["to"]["retrieved_at"] = "(now)"
        out = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    golden(name, normal(out, http_server.port))


def test_the_example_report_says_what_the_issue_asked_for(tmp_path, http_server):
    """The pinned text, read for the points of issue 14 (not only 'unchanged')."""
    config = serve(copy_example(tmp_path), http_server)
    out = normal(run(config, "check", "--dry-run", "--format", "markdown").stdout,
                 http_server.port)
    pdf = "http://127.0.0.1:PORT/reports/nml-2020.pdf"
    assert out.startswith("## Notorious Markets List 2019 → 2020: 8 added, 2 removed, "
                          "2 renamed, 1 changed (now 35 online, 33 physical)\n")
    assert f"Source: [nml-2020.pdf]({pdf}) (compared with nml-2019.pdf)" in out
    assert f"- MERCADO LIBRE (online) — mercadolibre.com.mx, mercadolivre.com.br — " \
        f"[p. 19]({pdf}#page=19)" in out
    assert "urls: +amazon.it, +amazon.es, −amazon.ca, −amazon.in" in out
    assert "PRIVATE LAYER-HOSTED SITES → PRIVATE LAYER (online) — renamed (same domain " \
        "privatelayer.com)" in out
    assert "Ladies Market, Mong Kok, Hong Kong moved: country Hong Kong → China" in out
    # removed entries point into the previous document: a local file here, so no link
    assert "- SNAPDEAL (online) — snapdeal.com — 2019, p. 24\n" in out
    assert "<https://news.example.org/2024/01/31/notorious-markets-list>" in out
    assert "same name" not in out and "1.00" not in out


def test_local_documents_are_named_never_linked(tmp_path):
    root = copy_example(tmp_path)
    for fmt in ("text", "markdown"):
        r = run(root / "listwatch.toml", "check", "--dry-run", "--format", fmt)
        assert r.exit_code == 0, r.stderr
        assert "Source: nml-2020.pdf (compared with nml-2019.pdf)" in r.stdout
        assert "](" not in r.stdout and str(tmp_path) not in r.stdout
        assert "file:" not in r.stdout and "#page=" not in r.stdout


# -- failed and broken watches in every format ----------------------------------------------------
def test_failed_and_broken_watches_show_in_every_format(tmp_path):
    root = copy_example(tmp_path)
    (root / "feeds" / "trade-news.xml").unlink()  # fails
    (root / "data" / "entities.csv").write_text("id,name\nx,Only One\n")  # all gone: broken
    for fmt in ("text", "markdown", "json"):
        r = run(root / "listwatch.toml", "check", "--dry-run", "--format", fmt)
        assert r.exit_code == 3, r.stderr
        if fmt == "json":
            status = {w["watch"]: (w["status"], w["message"])
                      for w in json.loads(r.stdout)["watches"]}
            assert status["nml-news"][0] == "failed" and status["entities"][0] == "broken"
            continue
        out = r.stdout
        if fmt == "text":
            assert re.search(r"^nml-news: FAILED: .*trade-news\.xml.*$", out, re.M), out
            assert re.search(r"^entities: NOT STORED, the source looks broken: .*removed",
                             out, re.M), out
        else:
            assert "## Notorious Markets in the news: FAILED\n\nwatch nml-news: " in out
            assert "## Entity list (sample): NOT STORED, the source looks broken\n\n" \
                "watch entities: " in out
        assert "Notorious Markets List 2019 → 2020" in out  # the healthy watch still reports


# -- the bytes each kind of service receives ----------------------------------------------------
def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.fixture
def delivered(tmp_path, http_server, monkeypatch):
    """One real ``check`` of the served example, alerting a Markdown webhook, a
    plain-text webhook, Slack (apprise's real Slack plugin, its webhook address pointed
    at a local receiver) and email (aiosmtpd); what each received, for the nml watch."""
    from apprise.plugins.slack import NotifySlack

    with WebhookReceiver() as hook, WebhookReceiver() as slack, SMTPReceiver() as smtp:
        slack.reply = b"ok"
        monkeypatch.setattr(NotifySlack, "webhook_url", f"http://127.0.0.1:{slack.port}/services")
        urls = [hook.url("json", "/md", "format=markdown"), hook.url("json", "/text", "format=text"),
                hook.url("json", "/html", "format=html"), SLACK, smtp.url()]
        config = serve(copy_example(tmp_path), http_server, urls)
        r = run(config, "check")
        assert r.exit_code == 0, r.stderr

        def nml(payloads):
            return next(p for p in payloads if "Notorious Markets List" in json.dumps(
                p, ensure_ascii=False))
        mails = [m for m in smtp.messages if m["Subject"].startswith("Notorious Markets List")]
        assert len(mails) == 1 and len(smtp.messages) == 3
        yield {
            "port": http_server.port,
            "markdown": nml([x.payload for x in hook.accepted if x.path == "/md"]),
            "text": nml([x.payload for x in hook.accepted if x.path == "/text"]),
            "html": nml([x.payload for x in hook.accepted if x.path == "/html"]),
            "slack": nml([x.json for x in slack.accepted]),
            "slack_path": slack.accepted[0].path,
            "email": mails[0],
        }


def test_markdown_service_gets_markdown_links(delivered):
    got = delivered["markdown"]
    pdf = f"http://127.0.0.1:{delivered['port']}/reports/nml-2020.pdf"
    assert got["title"] == "Notorious Markets List 2019 → 2020: 8 added, 2 removed, " \
        "2 renamed, 1 changed (now 35 online, 33 physical)"
    body = got["message"]
    assert body.startswith(f"Source: [nml-2020.pdf]({pdf}) (compared with nml-2019.pdf)\n\n")
    assert f"- **MERCADO LIBRE** (online) — mercadolibre.com.mx, mercadolivre.com.br — " \
        f"[p. 19]({pdf}#page=19)" in body


def test_html_service_gets_markdown_that_apprise_makes_html(delivered):
    """A non-email service that takes HTML gets the Markdown, converted by apprise:
    real lists and anchors arrive."""
    body = delivered["html"]["message"]
    pdf = f"http://127.0.0.1:{delivered['port']}/reports/nml-2020.pdf"
    assert f'<a href="{pdf}#page=19">p. 19</a>' in body
    assert "<ul>\n<li><strong>9ANIME</strong> (online)" in body and body.count("<ul>") == 4
    assert "](" not in body and "**" not in body


def test_plain_text_service_gets_bare_urls(delivered):
    body = delivered["text"]["message"]
    pdf = f"http://127.0.0.1:{delivered['port']}/reports/nml-2020.pdf"
    assert body.startswith(f"Source: {pdf} (compared with nml-2019.pdf)\n\n")
    assert f"+ MERCADO LIBRE (online) — mercadolibre.com.mx, mercadolivre.com.br — " \
        f"p. 19 {pdf}#page=19\n" in body
    assert "](" not in body and "**" not in body and "<" not in body


def test_slack_gets_mrkdwn_links(delivered):
    """apprise turns the Markdown into Slack's ``<url|label>`` and ``*bold*``."""
    assert delivered["slack_path"] == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    text = "\n".join(_strings(delivered["slack"]))
    pdf = f"http://127.0.0.1:{delivered['port']}/reports/nml-2020.pdf"
    assert f"<{pdf}#page=19|p. 19>" in text
    assert f"Source: <{pdf}|nml-2020.pdf>" in text
    assert "*MERCADO LIBRE*" in text and "**" not in text
    assert "](" not in text


def test_email_is_html_with_a_table_and_lists_plus_text_and_the_diff(delivered):
    mail = delivered["email"]
    port = delivered["port"]
    page = f'<a href="http://127.0.0.1:{port}/reports/nml-2020.pdf#page=19">p. 19</a>'
    html = mail.get_body(("html",)).get_content()
    assert page in html
    assert "<table" in html and "<th align=\"left\">Added</th><td>8</td>" in html
    assert html.count("<ul>") == 4 and "<li><b>MERCADO LIBRE</b> (online)" in html
    plain = mail.get_body(("plain",)).get_content()
    assert "MERCADO LIBRE (online) — mercadolibre.com.mx, mercadolivre.com.br — p. 19" in plain
    assert "<" not in plain
    assert f"Source: http://127.0.0.1:{port}/reports/nml-2020.pdf (compared with" in plain
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "nml-2020-diff.json"
    diff = json.loads(attachment.get_content())
    assert diff["to"]["location"].endswith("/reports/nml-2020.pdf")
    assert diff["to"]["categories"] == {"online": 35, "physical": 33}
    golden("example-email.html", normal(html, port))
    golden("example-email.txt", normal(plain, port))


# -- the words ---------------------------------------------------------------------------------
def test_field_deltas():
    m = MARKUPS["text"]
    change = {"from": ["amazon.ca", "amazon.de", "amazon.in"],
              "to": ["amazon.de", "AMAZON.IT", "amazon.es"]}
    assert delta("urls", change, m) == "urls: +AMAZON.IT, +amazon.es, −amazon.ca, −amazon.in"
    assert delta("country", {"from": "Hong Kong", "to": None}, m) == "country: Hong Kong → —"
    assert delta("attributes.program", {"from": "IP-1", "to": "IP-2"}, m) == \
        "program: IP-1 → IP-2"
    assert delta("aliases", {"from": None, "to": ["Tao"]}, m) == "aliases: +Tao"


@pytest.mark.parametrize("item,words", [
    ({"from": {"id": "a", "name": "PRIVATE LAYER-HOSTED SITES", "urls": ["www.privatelayer.com"]},
      "to": {"id": "b", "name": "PRIVATE LAYER", "urls": ["x.org", "privatelayer.com"]},
      "score": 1.0, "reason": "url"}, "renamed (same domain privatelayer.com)"),
    ({"from": {"id": "a", "name": "Torrentz"}, "to": {"id": "b", "name": "Torrentz2"},
      "score": 0.933, "reason": "name"}, "renamed (name 93% similar)"),
    ({"from": {"id": "physical/hk/l", "name": "Ladies Market", "country": "Hong Kong"},
      "to": {"id": "physical/cn/l", "name": "Ladies Market", "country": "China"},
      "score": 1.0, "reason": "moved"}, "moved: country Hong Kong → China"),
    ({"from": {"id": "a", "name": "X Mall", "category": "physical"},
      "to": {"id": "b", "name": "x mall", "category": "online"},
      "score": 1.0, "reason": "name"}, "moved: category physical → online"),
])
def test_renames_say_why(item, words):
    assert why_renamed(item) == words


def test_title_template_variables():
    d = {"list": "ustr-nml", "from": {"edition": "2019", "location": "/data/nml-2019.pdf"},
         "to": {"edition": "2020", "location": "https://ustr.gov/nml-2020.pdf",
                "categories": {"online": 39, "physical": 33}},
         "added": [], "removed": [], "renamed": [], "changed": [],
         "counts": {"added": 8, "removed": 2, "renamed": 2, "changed": 0, "unchanged": 62}}
    assert heading("Notorious Markets List", d) == "Notorious Markets List 2019 → 2020: " \
        "8 added, 2 removed, 2 renamed (now 39 online, 33 physical)"
    msg = messages.render(d, messages.KINDS, title="NML", watch="nml", template={
        "title": "{title} {previous}→{edition} ({span}): {now}; {listed} listed",
        "body": "{location} | {previous_location} | {source}"}, markup="text")
    assert msg.title == "NML 2019→2020 (2019 → 2020): 39 online, 33 physical; 72 listed"
    assert msg.body == "https://ustr.gov/nml-2020.pdf | nml-2019.pdf | " \
        "Source: https://ustr.gov/nml-2020.pdf (compared with nml-2019.pdf)"
    html = messages.render(d, messages.KINDS, title="NML", watch="nml", markup="html",
                           template={"body": "<b>{title}</b>\n{source}"}).body
    assert html == '&lt;b&gt;NML&lt;/b&gt;<br>\nSource: <a href="https://ustr.gov/nml-2020.pdf">' \
        'https://ustr.gov/nml-2020.pdf</a> (compared with nml-2019.pdf)'
