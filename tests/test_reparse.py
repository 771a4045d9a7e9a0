"""Parser upgrades are not list changes: the version note in diffs, and `check --reparse`."""

from __future__ import annotations

import types

import pytest

import listwatch
from listwatch.check import check
from listwatch.config import read
from listwatch.plugins import make_plugins, register
from listwatch.reparse import reparse
from listwatch.report import outcomes as render
from listwatch.sources import collect_sources
from listwatch.store import Store


class Lines(listwatch.Source):
    """One entry per line; version 2 also reads the domain after a '|' (a 'parser fix')."""

    name = "versioned-lines"
    deterministic = True
    reads_domains = False

    def fetch(self, location, options, ctx):
        entries = []
        for line in ctx.get(location).text().splitlines():
            name, _, domain = line.partition("|")
            entry = {"id": listwatch.slug(name), "name": name.strip()}
            if self.reads_domains and domain.strip():
                entry["urls"] = [domain.strip()]
            entries.append(entry)
        return listwatch.Draft(list={"id": "lines"}, entries=entries)


def sources_at(version: str, reads_domains: bool) -> dict:
    source = Lines()
    source.reads_domains = reads_domains
    module = types.SimpleNamespace(
        register_sources=listwatch.hookimpl(lambda register: register(source)))
    plugins = make_plugins(autoload=False)
    register(plugins, module, "versioned", package=("listwatch-versioned", version))
    return collect_sources(plugins)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "list.txt").write_text("Alpha Market|alpha.example\nBeta Bazaar|beta.example\n",
                                       encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text(
        '[alerts]\nnotify = ["json://127.0.0.1:9/never"]\n'
        '[[watch]]\nname = "w"\nsource = "versioned-lines"\nlocation = "list.txt"\n',
        encoding="utf-8")
    return read(tmp_path / "listwatch.toml"), Store(tmp_path / ".listwatch")


def outbox_record(watch, diff, kinds):
    return {"listwatch": "outbox/1", "watch": watch.name, "diff": diff, "kinds": list(kinds),
            "targets": [{"id": "x", "url": "json://***"}]}


def test_a_new_parser_version_is_said_in_the_diff(project):
    config, store = project
    (first,) = check(config, sources_at("1.0", False), store)
    assert first.status == "baseline"
    (second,) = check(config, sources_at("2.0", True), store, dry_run=True,
                      outbox_record=outbox_record)
    assert second.status == "changed"
    assert second.diff["from"]["plugin_version"] == "1.0"
    assert second.diff["to"]["plugin_version"] == "2.0"
    shown = render([second], "text")
    assert "the source plugin changed from 1.0 to 2.0" in shown
    assert "listwatch check --reparse" in shown


def test_reparse_stores_the_parser_change_without_an_alert(project):
    config, store = project
    check(config, sources_at("1.0", False), store)
    (done,) = reparse(config, sources_at("2.0", True), store)
    assert done.status == "reparsed"
    assert done.diff["counts"]["changed"] == 2
    assert "a parser change, not a list change; stored, not alerted" in done.message
    assert len(store.snapshots("w")) == 2
    assert store.outbox() == [], "a re-parse is never alerted"
    latest = store.load_latest("w")
    assert latest["source"]["plugin_version"] == "2.0" and "reparsed_at" in latest["source"]
    # the next check with the same document and parser: nothing to say, nothing parsed
    (after,) = check(config, sources_at("2.0", True), store, outbox_record=outbox_record)
    assert after.status == "unchanged" and "same document" in after.message
    (again,) = reparse(config, sources_at("2.0", True), store)
    assert again.status == "unchanged" and "same 2 entries" in again.message


def test_reparse_without_the_stored_document_fails_that_watch(project):
    config, store = project
    check(config, sources_at("1.0", False), store)
    for path in (store.root / "documents").rglob("*"):
        if path.is_file():
            path.unlink()
    (done,) = reparse(config, sources_at("2.0", True), store)
    assert done.status == "failed" and "is not in the store" in done.message


class Doubtful(Lines):
    name = "doubtful-lines"

    def fetch(self, location, options, ctx):
        draft = super().fetch(location, options, ctx)
        draft.doubts = ["the contents list 3 markets; 2 were found"]
        return draft


def test_accept_takes_what_the_self_checks_held_back(tmp_path):
    (tmp_path / "list.txt").write_text("Alpha Market\nBeta Bazaar\n", encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text(
        '[[watch]]\nname = "w"\nsource = "doubtful-lines"\nlocation = "list.txt"\n',
        encoding="utf-8")
    config, store = read(tmp_path / "listwatch.toml"), Store(tmp_path / ".listwatch")
    module = types.SimpleNamespace(
        register_sources=listwatch.hookimpl(lambda register: register(Doubtful())))
    plugins = make_plugins(autoload=False)
    register(plugins, module, "doubtful", package=("listwatch-doubtful", "1.0"))
    sources = collect_sources(plugins)
    (held,) = check(config, sources, store)
    assert held.status == "failed" and held.code == 3
    assert "held back" in held.message and "listwatch check --accept w" in held.message
    assert store.snapshots("w") == []
    (taken,) = check(config, sources, store, accept=frozenset({"w"}))
    assert taken.status == "baseline"
    assert store.load_latest("w")["warnings"] == ["the contents list 3 markets; 2 were found"]


def test_reparse_with_a_damaged_state_still_reparses_and_says_so(project):
    config, store = project
    check(config, sources_at("1.0", False), store)
    (store.root / "watches" / "w" / "state.json").write_text("[1]", encoding="utf-8")
    (done,) = reparse(config, sources_at("2.0", True), store)
    assert done.status == "reparsed"
    assert any(w.startswith("state not updated: ") for w in done.warnings)


def test_a_plugin_whose_reads_fails_is_one_config_error(tmp_path):
    from listwatch.config import check_sources
    from listwatch.errors import PluginError

    class Broken(Lines):
        name = "broken-reads"

        def reads(self, options):
            raise KeyError("oops")

    module = types.SimpleNamespace(
        register_sources=listwatch.hookimpl(lambda register: register(Broken())))
    plugins = make_plugins(autoload=False)
    register(plugins, module, "broken", package=("listwatch-broken", "1.0"))
    (tmp_path / "listwatch.toml").write_text(
        '[[watch]]\nname = "w"\nsource = "broken-reads"\nlocation = "x.txt"\n', "utf-8")
    with pytest.raises(PluginError, match=r'watch "w": source broken-reads: reads\(\) failed: '
                                          r"KeyError") as err:
        check_sources(read(tmp_path / "listwatch.toml"), collect_sources(plugins))
    assert err.value.exit_code == 2


def test_a_hand_edited_edition_that_is_not_text_does_not_break_ordering(project):
    config, store = project
    check(config, sources_at("1.0", False), store)
    (path,) = store.snapshots("w")
    text = path.read_text().replace('"list": {"id":"lines"}', '"list": {"edition":2020,"id":"lines"}')
    assert text != path.read_text()
    copy = path.with_name("000002-20300101T000000Z.json")
    copy.write_text(text)
    assert store.edition(copy) is None
    assert len(store.snapshots("w")) == 2


def test_a_full_disk_stops_reparse_as_it_stops_check(project, monkeypatch):
    """Storing the re-parse fails (ENOSPC): the store's error, exit 2, nothing half-written,
    not a failure of the watch's source (exit 3)."""
    import os

    from listwatch.errors import ExitCode, StoreError

    config, store = project
    check(config, sources_at("1.0", False), store)
    before = sorted(p.name for p in store.root.rglob("*") if p.is_file())

    def full(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StoreError, match="disk full") as raised:
        reparse(config, sources_at("2.0", True), store)
    assert raised.value.exit_code == ExitCode.USAGE
    monkeypatch.undo()
    assert sorted(p.name for p in store.root.rglob("*") if p.is_file()) == before
