"""`history`: every edition an entry was listed in, through renames, moves and gaps."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fixtures import nml_data

from listwatch.cli import App, cli
from listwatch.history import history, spans
from listwatch.snapshot import make
from listwatch.store import Store


def snap(edition: str | None, entries: list[dict], when: str) -> dict:
    return make({"id": "l", "edition": edition} if edition else {"id": "l"}, entries,
                {"plugin": "test", "retrieved_at": when}, [])


def run(store: Store, *args: str):
    return CliRunner().invoke(cli, ["--store", str(store.root), "history", *args], obj=App())


def test_history_of_the_six_editions(nml_store):
    result = run(nml_store, "nml", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    years = [str(y) for y in nml_data.YEARS]
    assert rows["online/taobao"] == {
        "id": "online/taobao", "name": "TAOBAO", "category": "online", "country": None,
        "first": {"edition": "2016", "retrieved_at": "2017-02-01T10:00:00Z"},
        "last": {"edition": "2021", "retrieved_at": "2022-02-01T10:00:00Z"},
        "editions": years, "listed_now": True, "former": []}
    # renamed (shared domain): one entry, under its latest id and name
    layer = rows["online/private-layer"]
    assert layer["editions"] == ["2017", "2018", "2019", "2020", "2021"]
    assert layer["first"]["edition"] == "2017"
    assert layer["former"] == [{"id": "online/private-layer-hosted-sites",
                                "name": "PRIVATE LAYER-HOSTED SITES", "until": "2019"}]
    assert "online/private-layer-hosted-sites" not in rows
    # moved from the Hong Kong heading to China: one entry
    ladies = rows["physical/china/ladies-market"]
    assert (ladies["country"], ladies["editions"]) == ("China", ["2019", "2020", "2021"])
    assert ladies["former"] == [{"id": "physical/hong-kong/ladies-market",
                                 "name": "Ladies Market, Mong Kok, Hong Kong", "until": "2019"}]
    uploaded = rows["online/uploaded"]
    assert uploaded["listed_now"] is False and uploaded["last"]["edition"] == "2020"
    assert rows["online/1337x"]["name"] == "1337X"  # as printed in the latest edition
    # every market of the ground truth, once
    truth = {f"online/{m[0]}" for m in nml_data.ONLINE} | \
        {f"physical/{m[0]}/{m[1]}" for m in nml_data.PHYSICAL}
    truth -= {"online/private-layer-hosted-sites", "physical/hong-kong/ladies-market"}
    # the 2019 heading that names two entities is one entry
    assert set(rows) == truth
    for ident, row in rows.items():
        kind, *rest = ident.split("/")
        data = next((m[1] for m in nml_data.ONLINE if m[0] == rest[0]), None) \
            if kind == "online" else next(m[2] for m in nml_data.PHYSICAL if m[1] == rest[1]
                                          and m[0] == rest[0])
        if ident not in ("online/private-layer", "physical/china/ladies-market"):
            assert row["editions"] == [str(y) for y in sorted(data)], ident


def test_text_history_and_one_entry(nml_store):
    result = run(nml_store, "nml", "TAOBAO")
    assert result.exit_code == 0, result.output
    assert result.stdout == "TAOBAO  2016–2021 (6 editions)\n"
    # found by a former name, and says it
    old = run(nml_store, "nml", "private layer-hosted sites")
    assert old.stdout == ("PRIVATE LAYER  2017–2021 (5 editions); was PRIVATE LAYER-HOSTED "
                          "SITES until 2019\n")
    missing = run(nml_store, "nml", "zz")
    assert missing.exit_code == 2 and "no entry 'zz'" in missing.stderr


def test_gaps_show(tmp_path):
    store = Store(tmp_path / "s")
    a = {"id": "a", "name": "Alpha Market", "urls": ["alpha.com"]}
    b = {"id": "b", "name": "Beta"}
    plan = {"2016": [a, b], "2017": [a, b], "2018": [b], "2019": [a],
            "2020": [{**a, "id": "a2", "name": "Alpha Bazaar"}, b], "2021": [b]}
    for year, entries in plan.items():
        store.save("l", snap(year, entries, f"{int(year) + 1}-01-01T00:00:00Z"))
    rows, editions = history(store, "l")
    assert editions == list(plan)
    by_id = {r["id"]: r for r in rows}
    assert by_id["a2"]["editions"] == ["2016", "2017", "2019", "2020"]
    assert by_id["a2"]["listed_now"] is False
    assert by_id["a2"]["former"] == [{"id": "a", "name": "Alpha Market", "until": "2019"}]
    assert spans(by_id["a2"]["editions"], editions) == "2016–2017, 2019–2020"
    assert spans(by_id["b"]["editions"], editions) == "2016–2018, 2020–2021"
    out = run(store, "l").stdout.splitlines()
    assert out == ["Alpha Bazaar  2016–2017, 2019–2020 (4 editions); was Alpha Market until 2019",
                   "Beta  2016–2018, 2020–2021 (5 editions)"]


def test_an_id_another_entry_is_renamed_to_keeps_both_entries(tmp_path):
    """`Bravo` is renamed to the id `Alpha` had before it left: two entries, neither lost."""
    store = Store(tmp_path / "s")
    alpha = {"id": "a", "name": "Alpha", "urls": ["alpha.com"]}
    bravo = {"id": "b", "name": "Bravo", "urls": ["bravo.com"]}
    plan = {"2016": [alpha, bravo], "2017": [bravo], "2018": [{**bravo, "id": "a"}]}
    for year, entries in plan.items():
        store.save("l", snap(year, entries, f"{int(year) + 1}-01-01T00:00:00Z"))
    rows, _ = history(store, "l")
    assert [(r["id"], r["editions"], [f["id"] for f in r["former"]]) for r in rows] == [
        ("a", ["2016"], []), ("a", ["2016", "2017", "2018"], ["b"])]


def test_off_under_one_id_and_back_under_another_is_one_run(tmp_path):
    """Renamed `x` to `y`, then `y` gone and `x` back in the same edition: listed throughout."""
    store = Store(tmp_path / "s")
    plan = {"2016": [{"id": "x", "name": "Xray", "urls": ["x.com"]}],
            "2017": [{"id": "y", "name": "Yankee", "urls": ["x.com"]}],
            "2018": [{"id": "x", "name": "Xray", "urls": ["elsewhere.org"]}]}
    for year, entries in plan.items():
        store.save("l", snap(year, entries, f"{int(year) + 1}-01-01T00:00:00Z"))
    (row,) = history(store, "l")[0]
    assert (row["id"], row["editions"], row["listed_now"]) == \
        ("x", ["2016", "2017", "2018"], True)
    from listwatch.reporting import build

    data = build(store, "l")
    assert [(s["added"], s["removed"]) for s in data["sizes"]] == [(None, None), (0, 0), (0, 0)]
    assert data["timeline"][0]["spans"] == "2016–2018"


def test_lists_without_editions_count_days(tmp_path):
    store = Store(tmp_path / "s")
    store.save("f", snap(None, [{"id": "x", "name": "X"}], "2026-11-01T10:00:00Z"))
    store.save("f", snap(None, [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}],
                         "2026-11-01T12:00:00Z"))
    store.save("f", snap(None, [{"id": "y", "name": "Y"}], "2026-11-02T09:00:00Z"))
    rows, editions = history(store, "f")
    assert editions == ["2026-11-01", "2026-11-02"]
    assert [(r["id"], r["editions"], r["last"]["retrieved_at"]) for r in rows] == [
        ("x", ["2026-11-01"], "2026-11-01T12:00:00Z"),
        ("y", ["2026-11-01", "2026-11-02"], "2026-11-02T09:00:00Z")]


def test_no_snapshots_is_a_usage_error(tmp_path):
    result = run(Store(tmp_path), "nope")
    assert result.exit_code == 2 and "no stored snapshots of watch 'nope'" in result.stderr


def test_diffs_of_stored_pairs_are_cached_and_a_bad_cache_is_recomputed(tmp_path):
    store = Store(tmp_path / "s")
    store.save("l", snap("2020", [{"id": "a", "name": "Alpha", "urls": ["a.com"]}],
                         "2021-01-01T00:00:00Z"))
    store.save("l", snap("2021", [{"id": "b", "name": "Beta", "urls": ["a.com"]}],
                         "2022-01-01T00:00:00Z"))
    first, _ = history(store, "l")
    cache = tmp_path / "s" / "watches" / "l" / "cache"
    (cached,) = cache.glob("diff-*.json")
    def again() -> list[dict]:
        for kept in ("history.json", "chains.json"):  # what the walk found is kept too:
            (cache / kept).unlink()                   # make it walk the pairs again
        return history(store, "l")[0]

    assert json.loads(cached.read_text("utf-8"))["value"]["renamed"][0]["reason"] == "url"
    cached.write_text("{not json", encoding="utf-8")
    assert again() == first
    assert json.loads(cached.read_text("utf-8"))["value"]["counts"]["renamed"] == 1
    # a cache written for other files (another listwatch, a re-created store) is not used
    doc = json.loads(cached.read_text("utf-8"))
    doc["value"]["renamed"] = []
    doc["key"][0] = "0.0.0"
    cached.write_text(json.dumps(doc), encoding="utf-8")
    assert again() == first


def test_what_history_found_is_kept_and_the_next_walk_goes_on_from_it(tmp_path, monkeypatch):
    """The second `history` or `report` reads what the first found. After a snapshot is
    stored, the walk goes on from the kept chains with the one new diff; a snapshot file
    changed in place (or kept chains that do not fit) makes it start over."""
    from listwatch.chains import Chains
    from listwatch.reporting import build

    store = Store(tmp_path / "s")
    a = {"id": "a", "name": "Alpha", "urls": ["a.com"], "category": "online"}
    b = {"id": "b", "name": "Bazaar", "category": "physical", "country": "Peru"}
    store.save("l", snap("2020", [a, b], "2021-01-01T00:00:00Z"))
    store.save("l", snap("2021", [{**a, "id": "a2", "name": "Alpha Two"}],
                         "2022-01-01T00:00:00Z"))
    rows, editions = history(store, "l")
    report = build(store, "l")
    steps = []
    for method in ("start", "advance"):
        real = getattr(Chains, method)
        monkeypatch.setattr(Chains, method, lambda self, doc, real=real, method=method:
                            steps.append(method) or real(self, doc))
    assert history(store, "l") == (rows, editions) and build(store, "l") == report
    assert steps == []  # both read what the first history found
    cache = tmp_path / "s" / "watches" / "l" / "cache"
    (cache / "history.json").write_text('{"key": [], "value"', encoding="utf-8")
    assert history(store, "l") == (rows, editions) and steps == []  # from the kept chains
    store.save("l", snap("2022", [b], "2023-01-01T00:00:00Z"))
    rows, editions = history(store, "l")
    assert steps == ["advance"]  # the new pair alone
    assert editions == ["2020", "2021", "2022"]
    assert [(r["id"], r["editions"]) for r in rows] == [
        ("a2", ["2020", "2021"]), ("b", ["2020", "2022"])]
    assert build(store, "l")["sizes"][-1]["total"] == 1 and steps == ["advance"]
    # a snapshot rewritten in place (same name, other bytes) is not what was walked
    last = store.snapshots("l")[-1]
    last.write_text(last.read_text("utf-8").replace("Bazaar", "Bazar"), encoding="utf-8")
    assert [r["name"] for r in history(store, "l")[0]] == ["Alpha Two", "Bazar"]
    walked = ["start", "advance", "advance", "advance"]  # start: the first snapshot's step
    assert steps == ["advance", *walked]
    # kept chains that do not fit what they claim to cover: start over, same answer
    (cache / "history.json").unlink()
    doc = json.loads((cache / "chains.json").read_text("utf-8"))
    doc["value"]["steps"].pop()
    (cache / "chains.json").write_text(json.dumps(doc), encoding="utf-8")
    assert [r["name"] for r in history(store, "l")[0]] == ["Alpha Two", "Bazar"]
    assert steps == ["advance", *walked, *walked]


def test_a_kept_walk_that_does_not_add_up_is_walked_again(tmp_path):
    """A cache file with the right key but not what listwatch wrote (edited by hand, or
    by a tool) is no reason to fail: history walks the snapshots again."""
    store = Store(tmp_path / "s")
    store.save("l", snap("2020", [{"id": "a", "name": "Alpha"}], "2021-01-01T00:00:00Z"))
    store.save("l", snap("2021", [{"id": "b", "name": "Beta"}], "2022-01-01T00:00:00Z"))
    rows = history(store, "l")[0]
    walked = tmp_path / "s" / "watches" / "l" / "cache" / "history.json"
    doc = json.loads(walked.read_text("utf-8"))
    for damage in ({"rows": doc["value"]["rows"][:1]}, {"newest": [7, 9]}, {"rows": [1, 2]},
                   {"editions": None}, {"runs": "x"}):
        walked.write_text(json.dumps({"key": doc["key"], "value": {**doc["value"], **damage}}),
                          encoding="utf-8")
        assert history(store, "l")[0] == rows, damage
        assert json.loads(walked.read_text("utf-8")) == doc  # and kept right again


@pytest.mark.parametrize("seed", range(8))
def test_a_walk_resumed_after_each_snapshot_is_the_walk_from_the_start(tmp_path, seed):
    """Bounded random series (renames, moves, comebacks; one or two snapshots an
    edition): history after every stored snapshot, each resumed from the chains the last
    one kept, gives what a walk over the whole store from nothing gives."""
    import random
    import shutil

    from test_report import random_series

    from listwatch.reporting import build

    store = Store(tmp_path / "s")
    for k, (edition, when, entries) in enumerate(
            random_series(random.Random(seed), 6, 1 + seed % 2)):
        store.save("l", snap(edition, entries, when))
        resumed, report = history(store, "l"), build(store, "l")
        copy = tmp_path / f"copy{k}"
        shutil.copytree(store.root, copy)
        shutil.rmtree(copy / "watches" / "l" / "cache")  # from nothing: not even the diffs
        assert history(Store(copy), "l") == resumed
        assert build(Store(copy), "l") == report


def test_kept_chains_the_new_diff_does_not_fit_are_walked_from_the_start(tmp_path):
    """Chains kept for these very files but not what a walk makes of them (an entry the
    next diff removes is not listed in them): start over, and answer as from nothing."""
    store = Store(tmp_path / "s")
    store.save("l", snap("2020", [{"id": "a", "name": "Alpha"}, {"id": "b", "name": "Beta"}],
                         "2021-01-01T00:00:00Z"))
    history(store, "l")
    cache = tmp_path / "s" / "watches" / "l" / "cache"
    doc = json.loads((cache / "chains.json").read_text("utf-8"))
    doc["value"]["spans"][0][-1][1] = 0  # "a" no longer listed: the next diff removes it
    (cache / "chains.json").write_text(json.dumps(doc), encoding="utf-8")
    store.save("l", snap("2021", [{"id": "b", "name": "Beta"}], "2022-01-01T00:00:00Z"))
    rows = history(store, "l")[0]
    assert [(r["id"], r["editions"]) for r in rows] == [("a", ["2020"]), ("b", ["2020", "2021"])]


def test_an_edition_slotted_in_before_the_kept_ones_walks_from_the_start(tmp_path):
    """`import` of a past edition puts it before the latest: the kept chains no longer
    cover the first snapshots, and the walk answers as over the whole store from nothing."""
    import shutil

    store = Store(tmp_path / "s")
    x = {"id": "x", "name": "Xeno Mall", "urls": ["xeno.example"]}
    y = {"id": "y", "name": "Yak Bazaar"}
    store.save("l", snap("2019", [x, y], "2020-01-01T00:00:00Z"))
    store.save("l", snap("2021", [{**x, "id": "x2", "name": "Xeno Plaza"}],
                         "2022-01-01T00:00:00Z"))
    assert {r["id"]: r["editions"] for r in history(store, "l")[0]} == {
        "x2": ["2019", "2021"], "y": ["2019"]}  # renamed: one entry
    store.save("l", snap("2020", [y], "2023-01-01T00:00:00Z"))  # stored last, read second
    rows, editions = history(store, "l")
    assert editions == ["2019", "2020", "2021"]
    shutil.copytree(store.root, tmp_path / "copy")
    shutil.rmtree(tmp_path / "copy" / "watches" / "l" / "cache")
    assert history(Store(tmp_path / "copy"), "l") == (rows, editions)
    assert {r["id"]: r["editions"] for r in rows} == {
        "x": ["2019"], "x2": ["2021"], "y": ["2019", "2020"]}


@pytest.mark.parametrize("damage", [{"steps": [{}]}, {"countries": []}, {"ids": []},
                                    {"spans": [[]]}, {"owner": {"a": 9}}, {"listwatch": "x"}])
def test_kept_chains_not_as_listwatch_wrote_them_are_walked_again(tmp_path, damage):
    """Chains.json with the right key and the wrong content: the walk starts over."""
    store = Store(tmp_path / "s")
    store.save("l", snap("2020", [{"id": "a", "name": "Alpha"}], "2021-01-01T00:00:00Z"))
    rows = history(store, "l")[0]
    cache = tmp_path / "s" / "watches" / "l" / "cache"
    (cache / "history.json").unlink()
    doc = json.loads((cache / "chains.json").read_text("utf-8"))
    (cache / "chains.json").write_text(json.dumps({**doc, "value": {**doc["value"], **damage}}),
                                       encoding="utf-8")
    assert history(store, "l")[0] == rows
