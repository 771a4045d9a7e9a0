"""Seams between watches in one `check`: reading order, one watch's failure, the guard's
overrule, warnings, and Ctrl-C. End to end through the installed executable."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from servers import HTTPServer, Route
from test_check import LISTWATCH, lw, store_digest, write_csv

MARKETS = [(i, f"Market {i:03d}") for i in range(1, 11)]


def rss(*titles: str) -> str:
    items = "".join(f"<item><title>{t}</title><link>https://news.example/{n}</link>"
                    f"<guid>story-{n}</guid></item>" for n, t in enumerate(titles))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
            f"<link>https://news.example/</link>{items}</channel></rss>")


@pytest.fixture
def two(tmp_path):
    """A feed that reads a table watch; the feed comes FIRST in the config on purpose."""
    write_csv(tmp_path / "list.csv", MARKETS)
    (tmp_path / "news.xml").write_text(rss("Market 003 raided"), encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text('''
[[watch]]
name = "news"
source = "feed"
location = "news.xml"
options = {mentions_of = "list"}

[[watch]]
name = "list"
source = "table"
location = "list.csv"
options = {id = "ent_num", name = "SDN_Name"}
''', encoding="utf-8")
    return tmp_path


def watch_of(out: str, name: str) -> dict:
    return next(w for w in json.loads(out)["watches"] if w["watch"] == name)


def test_first_check_stores_both_baselines_whatever_the_order(two):
    run = lw(two, "check", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert watch_of(run.stdout, "list")["status"] == "baseline"
    news = watch_of(run.stdout, "news")
    assert news["status"] == "baseline", run.stderr
    assert "no stored snapshot" not in run.stderr


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_story_links_a_market_added_in_the_same_run(two, dry_run):
    assert lw(two, "check").returncode == 0
    write_csv(two / "list.csv", MARKETS + [(99, "Brand New Bazaar")])
    (two / "news.xml").write_text(rss("Market 003 raided", "Brand New Bazaar named"),
                                  encoding="utf-8")
    run = lw(two, "check", "--format", "json", *(["--dry-run"] if dry_run else []))
    assert run.returncode == 0, run.stderr
    (story,) = watch_of(run.stdout, "news")["diff"]["added"]
    assert story["attributes"]["mentioned"] == ["Brand New Bazaar"]
    assert story["attributes"]["mentions"] == ["99"]


def test_a_failed_dependency_is_read_from_the_store_and_said(two):
    assert lw(two, "check").returncode == 0
    (two / "list.csv").write_bytes(b"\xff\xfe not a table")
    (two / "news.xml").write_text(rss("Market 003 raided", "Market 004 closed"),
                                  encoding="utf-8")
    run = lw(two, "check", "--format", "json")
    assert run.returncode == 3
    assert watch_of(run.stdout, "list")["status"] == "failed"
    (story,) = watch_of(run.stdout, "news")["diff"]["added"]
    assert story["attributes"]["mentioned"] == ["Market 004"]  # last stored list
    assert ("warning: watch news: watch list failed in this run; linked against its last "
            "stored snapshot") in run.stderr


def test_with_no_snapshot_at_all_the_story_goes_out_unlinked(two):
    (two / "list.csv").write_text("nonsense", encoding="utf-8")
    run = lw(two, "check", "--format", "json")
    assert run.returncode == 3
    assert watch_of(run.stdout, "news")["status"] == "baseline"
    assert "warning: watch news: mentions_of: watch 'list' has no snapshot yet" in run.stderr


@pytest.mark.parametrize("config, message", [
    ('[[watch]]\nname = "news"\nsource = "feed"\nlocation = "news.xml"\n'
     'options = {mentions_of = "nml"}\n',
     "watch \"news\": its source feed reads watch 'nml', which is not in the config"),
    ('[[watch]]\nname = "a"\nsource = "feed"\nlocation = "news.xml"\n'
     'options = {mentions_of = "b"}\n'
     '[[watch]]\nname = "b"\nsource = "feed"\nlocation = "news.xml"\n'
     'options = {mentions_of = "a"}\n',
     "watches read each other in a circle: a → b → a"),
])
def test_reading_a_missing_watch_or_a_circle_is_a_config_error(tmp_path, config, message):
    server = HTTPServer().start()
    try:
        url = server.route("/news.xml", Route(rss("x").encode()))
        (tmp_path / "listwatch.toml").write_text(config.replace("news.xml", url),
                                                 encoding="utf-8")
        run = lw(tmp_path, "check")
        assert run.returncode == 2
        assert message in run.stderr and len(run.stderr.splitlines()) == 1
        assert server.requests == [], "found before anything is fetched"
    finally:
        server.stop()


def test_one_broken_row_fails_its_own_watch_only(two):
    (two / "bad.json").write_text('[{"id": "a", "name": "\\ud800"}]', encoding="utf-8")
    with open(two / "listwatch.toml", "a", encoding="utf-8") as f:
        f.write('\n[[watch]]\nname = "bad"\nsource = "table"\nlocation = "bad.json"\n')
    run = lw(two, "check", "--format", "json")
    assert run.returncode == 3
    assert [watch_of(run.stdout, n)["status"] for n in ("news", "list", "bad")] == \
        ["baseline", "baseline", "failed"]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: watch bad: ")
    assert "Traceback" not in run.stderr
    debug = lw(two, "--debug", "check", "bad")  # a bad document, not a bug: no traceback
    assert debug.returncode == 3 and "row 1 holds a lone surrogate" in debug.stderr


def test_the_guard_refusal_names_the_way_forward_and_accept_takes_it(tmp_path):
    write_csv(tmp_path / "list.csv", MARKETS)
    (tmp_path / "listwatch.toml").write_text(
        '[[watch]]\nname = "sdn"\nsource = "table"\nlocation = "list.csv"\n'
        'options = {id = "ent_num", name = "SDN_Name"}\n', encoding="utf-8")
    assert lw(tmp_path, "check").returncode == 0
    write_csv(tmp_path / "list.csv", MARKETS[:3])
    before = store_digest(tmp_path / ".listwatch")
    refused = lw(tmp_path, "check")
    assert refused.returncode == 3
    assert "listwatch check --accept sdn" in refused.stderr
    assert store_digest(tmp_path / ".listwatch") == before
    accepted = lw(tmp_path, "check", "--accept", "sdn")
    assert accepted.returncode == 0, accepted.stderr
    assert "7 removed" in accepted.stdout
    assert lw(tmp_path, "check").stdout.startswith("sdn: no change")
    unknown = lw(tmp_path, "check", "--accept", "nope")
    assert unknown.returncode == 2 and "nope" in unknown.stderr


def test_a_warning_is_reported_when_it_is_new_not_every_run(tmp_path):
    feed = tmp_path / "news.xml"
    feed.write_text(rss("Salt & Pepper market"), encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text(
        '[[watch]]\nname = "news"\nsource = "feed"\nlocation = "news.xml"\n', encoding="utf-8")
    first = lw(tmp_path, "check")
    assert "unescaped '&'" in first.stderr
    assert "unescaped '&'" not in lw(tmp_path, "check").stderr  # same document
    feed.write_text(rss("Salt & Pepper market", "Another story"), encoding="utf-8")
    changed = lw(tmp_path, "check")
    assert "1 added" in changed.stdout and "unescaped '&'" not in changed.stderr
    feed.write_text(rss("Salt & Pepper market", "Another story", "Fish & Chips"),
                    encoding="utf-8")
    assert "2 unescaped '&'" in lw(tmp_path, "check").stderr  # a new warning text


def test_ctrl_c_stops_at_once_and_leaves_the_store_as_it_was(two):
    assert lw(two, "check").returncode == 0
    server = HTTPServer().start()
    try:
        url = server.route("/slow.csv", Route(b"ent_num,SDN_Name\n1,A\n", delay=30))
        text = (two / "listwatch.toml").read_text().replace('"list.csv"', f'"{url}"')
        (two / "listwatch.toml").write_text(text, encoding="utf-8")
        before = store_digest(two / ".listwatch")
        proc = subprocess.Popen([LISTWATCH, "check"], cwd=two, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.requests, "the slow fetch never started"
        time.sleep(0.3)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        took = time.monotonic() - sent
        assert proc.returncode == 130, err
        assert took < 2.0, f"Ctrl-C took {took:.1f} s"
        assert "interrupted" in err and "Traceback" not in err
        assert store_digest(two / ".listwatch") == before
        assert lw(two, "check", "news").returncode == 0, "the lock is free again"
    finally:
        server.stop()


def test_relative_locations_are_stored_as_written(two):
    assert lw(two, "check").returncode == 0
    stored = sorted(Path(two, ".listwatch/watches/list/snapshots").glob("*.json"))[-1]
    source = json.loads(stored.read_text())["source"]
    assert source["location"] == "list.csv"
    assert str(two) not in stored.read_text()


def test_reparse_from_the_command_line_reads_the_stored_document(two):
    assert lw(two, "check").returncode == 0
    (two / "list.csv").unlink()  # a re-parse fetches nothing
    run = lw(two, "check", "--reparse", "list")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("list: re-parsed with table ")
    assert "same 10 entries" in run.stdout


def test_history_finds_the_diffs_check_already_made(two):
    """The diff check makes of a change is the one history would compute: kept for it."""
    from listwatch.diff import diff_files
    from listwatch.history import pair_diff
    from listwatch.store import Store

    assert lw(two, "check").returncode == 0
    write_csv(two / "list.csv", MARKETS[1:] + [(99, "Brand New Bazaar")])
    assert lw(two, "check").returncode == 0
    store = Store(two / ".listwatch")
    old, new = store.snapshots("list")
    cache = sorted((two / ".listwatch/watches/list/cache").glob("diff-*.json"))
    assert [p.name for p in cache] == [f"diff-{old.stem}--{new.stem}.json"]
    kept = json.loads(cache[0].read_text())["value"]
    assert kept == diff_files(old, new)  # exactly what history would compute
    assert pair_diff(store, "list", old, new) == kept


def test_a_watch_named_twice_runs_once(two):
    run = lw(two, "check", "list", "list")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("list: baseline stored") == 1
    assert len(list((two / ".listwatch/watches/list/snapshots").glob("*.json"))) == 1


def test_a_crashing_plugin_fails_its_watch_and_the_others_are_stored_and_alerted(
        plugins, tmp_path):
    """A third-party source with a bug beside a healthy watch that has a webhook."""
    import types

    from click.testing import CliRunner
    from receivers import WebhookReceiver

    import listwatch
    from listwatch.cli import App, cli
    from listwatch.plugins import register

    class Crashes(listwatch.Source):
        name = "crashes"

        def fetch(self, location, options, ctx):
            return {}["no such key"]  # a plain bug, not a SourceError

    module = types.SimpleNamespace(
        register_sources=listwatch.hookimpl(lambda register: register(Crashes())))
    register(plugins, module, "crashes", package=("listwatch-crashes", "0.1"))
    hook = WebhookReceiver().up()
    try:
        write_csv(tmp_path / "list.csv", MARKETS)
        (tmp_path / "listwatch.toml").write_text(
            f'[alerts]\nnotify = ["{hook.url("json", "/hook")}"]\n'
            '[[watch]]\nname = "bug"\nsource = "crashes"\nlocation = "x"\n'
            '[[watch]]\nname = "list"\nsource = "table"\nlocation = "list.csv"\n'
            'options = {id = "ent_num", name = "SDN_Name"}\n', encoding="utf-8")

        def run():
            return CliRunner().invoke(cli, ["--config", str(tmp_path / "listwatch.toml"),
                                            "check"], obj=App(plugins=plugins))

        first = run()
        assert first.exit_code == 3, first.output
        write_csv(tmp_path / "list.csv", MARKETS + [(99, "Brand New Bazaar")])
        second = run()
        assert second.exit_code == 3, second.output
        assert "source crashes (package listwatch-crashes) crashed: KeyError" in second.stderr
        assert "Traceback" not in second.stderr
        assert len(list((tmp_path / ".listwatch/watches/list/snapshots").glob("*.json"))) == 2
        (alert,) = [r for r in hook.accepted if r.path == "/hook"]
        assert "Brand New Bazaar" in alert.payload["message"]
    finally:
        hook.down()
