"""`listwatch import`: past editions from files, URLs and an index page, in edition order."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import make_reports
from servers import Route

from listwatch.cli import App, cli
from listwatch.snapshot import load, make
from listwatch.store import Store

YEARS = (2016, 2017, 2018, 2019, 2020, 2021)


@pytest.fixture
def site(http_server, reports):
    links = [(f"/files/nml-{y}.pdf", f"{y} Review of Notorious Markets [PDF]") for y in YEARS]
    links.append(("/files/comment-request.pdf", "2022 Notorious Markets: Comment Request"))
    for year in YEARS:
        http_server.route(f"/files/nml-{year}.pdf",
                          Route(Path(reports[year]["path"]).read_bytes(),
                                content_type="application/pdf"))
    http_server.route("/nml", Route(make_reports.index_html(links),
                                    content_type="text/html; charset=utf-8"))
    return http_server


@pytest.fixture
def project(tmp_path, site):
    (tmp_path / "listwatch.toml").write_text(f'''
[store]
path = "{tmp_path / 'store'}"

[[watch]]
name = "nml"
source = "ustr-nml"
location = "{site.url('/nml')}"
options = {{edition = "2021"}}
''', encoding="utf-8")
    return tmp_path


def lw(project: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(project / "listwatch.toml"), *args],
                              obj=App())


def editions(store: Store) -> list[str]:
    return [load(p)["list"]["edition"] for p in store.snapshots("nml")]


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_import_files_and_the_index_page_in_edition_order(project, reports):
    store = Store(project / "store")
    # files, out of order; the watch's edition option does not stop a past edition
    out = lw(project, "import", "nml", reports[2021]["path"], reports[2019]["path"],
             reports[2020]["path"])
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0] == \
        f"nml 2019: stored ({len(reports[2019]['entries'])} entries) from {reports[2019]['path']}"
    assert editions(store) == ["2019", "2020", "2021"]
    # every report the page links to: the older ones slot in before, the rest are kept
    before = digest(project / "store" / "watches" / "nml" / "snapshots")
    out = lw(project, "import", "nml", "--all-editions")
    assert out.exit_code == 0, out.output
    assert [line.split(":")[0] for line in out.stdout.splitlines()] == \
        [f"nml {y}" for y in YEARS]
    assert out.stdout.count("already stored") == 3
    assert editions(store) == [str(y) for y in YEARS]
    after = digest(project / "store" / "watches" / "nml" / "snapshots")
    assert {k: v for k, v in after.items() if k in before} == before
    assert not (project / "store" / "outbox").exists(), "an import sends no alert"
    # the stored series reads in edition order everywhere
    diff = lw(project, "diff", "nml@2019", "nml@2020", "--format", "json")
    assert diff.exit_code == 1
    moved = {r["reason"] for r in json.loads(diff.stdout)["renamed"]}
    assert moved == {"url", "moved"}
    assert load(store.resolve("nml@previous"))["list"]["edition"] == "2020"
    rows = json.loads(lw(project, "history", "nml", "--format", "json").stdout)
    taobao = next(r for r in rows if r["id"] == "online/taobao")
    assert taobao["editions"] == [str(y) for y in YEARS]
    # the next check compares with 2021, the latest edition: nothing new
    check = lw(project, "check", "nml")
    assert check.exit_code == 0, check.output
    assert "no change" in check.stdout and len(store.snapshots("nml")) == 6
    # importing again changes nothing
    again = lw(project, "import", "nml", "--all-editions")
    assert again.exit_code == 0 and again.stdout.count("already stored") == 6
    assert digest(project / "store" / "watches" / "nml" / "snapshots") == after


def test_a_bad_location_fails_alone(project, reports, tmp_path):
    bad = tmp_path / "error-page.pdf"
    bad.write_bytes(b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>")
    out = lw(project, "import", "nml", str(bad), reports[2018]["path"])
    assert out.exit_code == 3
    (line,) = out.stderr.splitlines()
    assert line.startswith(f"error: watch nml: {bad}: ")
    assert editions(Store(project / "store")) == ["2018"]


def test_all_editions_needs_a_page(project, reports):
    out = lw(project, "import", "nml", "--all-editions", reports[2018]["path"])
    assert out.exit_code == 3
    assert "a report, not a page that links to reports" in out.stderr
    assert not Store(project / "store").snapshots("nml")


def test_a_source_without_editions_cannot_list_them(tmp_path):
    (tmp_path / "l.csv").write_text("id,name\n1,One\n", encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text(f'''
[store]
path = "{tmp_path / 'store'}"

[[watch]]
name = "t"
source = "table"
location = "{tmp_path / 'l.csv'}"
''', encoding="utf-8")
    out = lw(tmp_path, "import", "t", "--all-editions")
    assert out.exit_code == 2 and "cannot list the editions" in out.stderr
    # a list without editions: the same document twice is stored once
    assert lw(tmp_path, "import", "t").exit_code == 0
    again = lw(tmp_path, "import", "t")
    assert "already stored" in again.stdout
    assert len(Store(tmp_path / "store").snapshots("t")) == 1


def snap(edition: str | None, when: str) -> dict:
    return make({"id": "l", "edition": edition} if edition else {"id": "l"},
                [{"id": "a", "name": "A"}], {"plugin": "t", "retrieved_at": when}, [])


def test_store_orders_by_edition_then_by_when_stored(tmp_path):
    store = Store(tmp_path)
    store.save("w", snap("2023", "2024-01-30T10:00:00Z"))
    store.save("w", snap("2021", "2026-01-01T10:00:00Z"))       # imported later
    store.save("w", snap("2023", "2026-01-02T10:00:00Z"))       # a corrected 2023
    names = [p.name for p in store.snapshots("w")]
    assert names == ["000002-20260101T100000Z.2021.json", "000001-20240130T100000Z.2023.json",
                     "000003-20260102T100000Z.2023.json"]
    assert store.latest("w").name == names[-1]
    assert store.resolve("w@previous").name == names[1]
    assert store.resolve("w@2021").name == names[0]
    # the next save still numbers after the highest
    assert store.save("w", snap("2024", "2026-02-01T10:00:00Z")).name.startswith("000004-")


def test_store_reads_the_edition_of_an_older_file_name_from_its_head(tmp_path):
    store = Store(tmp_path)
    new = store.save("w", snap("2023", "2024-01-30T10:00:00Z"))
    old = store.save("w", snap("2019", "2024-02-01T10:00:00Z"))
    shutil.move(old, old.with_name("000002-20240201T100000Z.json"))  # the layout before
    assert [p.name for p in store.snapshots("w")] == ["000002-20240201T100000Z.json", new.name]


def test_lists_without_editions_keep_the_order_stored(tmp_path):
    store = Store(tmp_path)
    store.save("f", snap(None, "2026-01-02T00:00:00Z"))
    store.save("f", snap(None, "2026-01-01T00:00:00Z"))
    assert [p.name[:6] for p in store.snapshots("f")] == ["000001", "000002"]


def test_history_after_an_import_finds_every_pair_diffed(project, reports, monkeypatch):
    """An import diffs the pairs it made adjacent (as `check` keeps its diff), so the first
    `history` and `report` read them back instead of diffing every edition again."""
    import listwatch.diff
    from listwatch.diff import diff_files
    from listwatch.history import pair_diff

    assert lw(project, "import", "nml", reports[2021]["path"], reports[2019]["path"]).exit_code == 0
    store = Store(project / "store")
    cache = project / "store" / "watches" / "nml" / "cache"
    a, c = store.snapshots("nml")
    assert sorted(p.name for p in cache.glob("diff-*.json")) == [f"diff-{a.stem}--{c.stem}.json"]
    # 2020 slots in between: both of its pairs are diffed now, as history would diff them
    assert lw(project, "import", "nml", reports[2020]["path"]).exit_code == 0
    a, b, c = store.snapshots("nml")
    kept = {p.name: json.loads(p.read_text())["value"] for p in cache.glob("diff-*.json")}
    assert kept[f"diff-{a.stem}--{b.stem}.json"] == diff_files(a, b)
    assert kept[f"diff-{b.stem}--{c.stem}.json"] == diff_files(b, c)

    def no_diffing(*args, **kwargs):
        raise AssertionError("history diffed a pair the import had diffed")

    monkeypatch.setattr(listwatch.diff, "diff_files", no_diffing)
    assert pair_diff(store, "nml", b, c) == kept[f"diff-{b.stem}--{c.stem}.json"]
    out = lw(project, "history", "nml", "--format", "json")
    assert out.exit_code == 0, out.output
    assert lw(project, "report", "nml").exit_code == 0


def test_an_import_beside_a_damaged_snapshot_still_stores(project, reports):
    """Diffing the new pairs is only a cache: a stored file that cannot be read leaves the
    import as it was, and `history` is the one to word the problem."""
    store = Store(project / "store")
    assert lw(project, "import", "nml", reports[2019]["path"]).exit_code == 0
    (old,) = store.snapshots("nml")
    old.write_text("{not json", encoding="utf-8")
    out = lw(project, "import", "nml", reports[2020]["path"])
    assert out.exit_code == 0, out.output
    assert "stored" in out.stdout
    assert len(store.snapshots("nml")) == 2
    history = lw(project, "history", "nml")
    assert history.exit_code != 0 and str(old) in history.output
