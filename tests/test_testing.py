"""listwatch.testing, the kit plugin authors test with: it must behave as `listwatch fetch`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import listwatch
from listwatch.testing import assert_ids_stable, installed_source, run_source


class Names(listwatch.Source):
    """One entry per line; options with defaults, as a plugin author writes them."""

    name = "names"
    options_schema = {"type": "object", "additionalProperties": False, "properties": {
        "list_id": {"type": "string", "minLength": 1, "default": "names"},
        "prefix": {"type": "string", "default": ""}}}

    def fetch(self, location, options, ctx):
        lines = [x for x in ctx.get(location).text().splitlines() if x.strip()]
        if not lines:
            raise listwatch.SourceError(f"{location}: no names")
        return listwatch.Draft(list={"id": options["list_id"]}, entries=[
            {"id": options["prefix"] + listwatch.slug(x), "name": x} for x in lines])


def test_run_source_makes_the_snapshot_fetch_prints(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text("  Zeta   Market \nCafe\u0301\n", encoding="utf-8")
    snapshot = run_source(Names(), path)  # a Path will do
    assert snapshot["listwatch"] == "snapshot/1"
    assert snapshot["list"] == {"id": "names"}  # the schema's default was applied
    assert [e["name"] for e in snapshot["entries"]] == ["Café", "Zeta Market"]  # NFC, spaces
    assert snapshot["source"]["plugin"] == "names"
    assert snapshot["source"]["location"] == str(path)
    assert len(snapshot["source"]["sha256"]) == 64


def test_run_source_gives_what_listwatch_fetch_prints(plugins, tmp_path):
    import types

    from click.testing import CliRunner

    from listwatch.cli import App, cli
    from listwatch.plugins import register

    path = tmp_path / "n.txt"
    path.write_text("Zeta\nAlpha  Bazaar\n", encoding="utf-8")
    module = types.SimpleNamespace(register_sources=listwatch.hookimpl(
        lambda register: register(Names())))
    register(plugins, module, "names_plugin")
    result = CliRunner().invoke(cli, ["fetch", "names", str(path), "-O", "prefix=n-"],
                                obj=App(plugins=plugins))
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    made = run_source(Names(), str(path), {"prefix": "n-"})
    for snapshot in (printed, made):
        del snapshot["source"]["retrieved_at"]
    assert made == printed


def test_options_are_validated_before_fetching(tmp_path):
    with pytest.raises(listwatch.OptionsError, match="prefix") as err:
        run_source(Names(), str(tmp_path / "never-read.txt"), {"prefix": 3})
    assert err.value.exit_code == 2
    with pytest.raises(listwatch.OptionsError, match="colour"):
        run_source(Names(), str(tmp_path / "never-read.txt"), {"colour": "red"})


def test_source_errors_keep_their_exit_code(tmp_path):
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(listwatch.SourceError, match="no names") as err:
        run_source(Names(), str(tmp_path / "empty.txt"))
    assert err.value.exit_code == 3
    with pytest.raises(listwatch.SourceError, match="no such file"):
        run_source(Names(), str(tmp_path / "missing.txt"))


def test_a_crash_and_an_invalid_snapshot_are_source_errors(tmp_path):
    class Crashes(Names):
        def fetch(self, location, options, ctx):
            raise KeyError("oops")

    class Duplicates(Names):
        def fetch(self, location, options, ctx):
            return listwatch.Draft(list={"id": "d"}, entries=[{"id": "a", "name": "A"},
                                                              {"id": "a", "name": "B"}])

    (tmp_path / "n.txt").write_text("A\n")
    with pytest.raises(listwatch.SourceError, match="crashed: KeyError"):
        run_source(Crashes(), str(tmp_path / "n.txt"))
    with pytest.raises(listwatch.SourceError, match="'a'"):
        run_source(Duplicates(), str(tmp_path / "n.txt"))


def test_a_bad_source_name_or_schema_is_refused_as_at_install():
    class Bad(Names):
        name = "Not A Slug"

    with pytest.raises(listwatch.ListwatchError, match="lowercase slug") as err:
        run_source(Bad(), "x")
    assert err.value.exit_code == 2


def test_latest_feeds_ctx_latest_and_limits_apply(tmp_path):
    seen = {}

    class Reader(Names):
        def fetch(self, location, options, ctx):
            seen["nml"] = ctx.latest("nml")
            seen["other"] = ctx.latest("other")
            return super().fetch(location, options, ctx)

    (tmp_path / "n.txt").write_text("A\n")
    run_source(Reader(), str(tmp_path / "n.txt"), latest={"nml": {"entries": []}})
    assert seen == {"nml": {"entries": []}, "other": None}
    with pytest.raises(listwatch.SourceError, match="limit"):
        run_source(Names(), str(tmp_path / "n.txt"), max_bytes=1)


def test_assert_ids_stable_catches_ids_that_change_between_runs(tmp_path):
    class Counter(Names):
        runs = 0

        def fetch(self, location, options, ctx):
            Counter.runs += 1
            return listwatch.Draft(list={"id": "c"},
                                   entries=[{"id": f"run-{Counter.runs}", "name": "A"}])

    (tmp_path / "n.txt").write_text("A\n")
    assert assert_ids_stable(Names(), str(tmp_path / "n.txt"))["entries"][0]["id"] == "a"
    with pytest.raises(AssertionError, match="different ids.*run-1.*run-2"):
        assert_ids_stable(Counter(), str(tmp_path / "n.txt"))


def test_listwatch_http_serves_with_validators(listwatch_http, tmp_path):
    (tmp_path / "names.txt").write_text("TAOBAO\n")
    url = listwatch_http.serve(tmp_path / "names.txt")
    assert url.endswith("/names.txt") and url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert response.read() == b"TAOBAO\n"
        assert response.headers["Content-Type"] == "text/plain"
    again = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(again, timeout=10)
    assert not_modified.value.code == 304
    url2 = listwatch_http.serve(b"DHGATE\n", "/names.txt")  # new content, new validators
    with urllib.request.urlopen(urllib.request.Request(url2, headers={"If-None-Match": etag}),
                                timeout=10) as response:
        assert response.read() == b"DHGATE\n"
        assert response.headers["ETag"] != etag and response.headers["Last-Modified"] > modified
    assert [r.path for r in listwatch_http.requests_for("names.txt")] == ["/names.txt"] * 3
    assert run_source(Names(), url2)["entries"][0]["name"] == "DHGATE"


def test_the_pytest_plugin_is_an_entry_point_and_imports_stay_light():
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="pytest11") if ep.name == "listwatch"]
    assert ep.value == "listwatch.testing.pytest_plugin"
    code = ("import sys, listwatch.testing; print(json.dumps(sorted(m for m in ("
            "'pluggy', 'jsonschema', 'http.server', 'pytest', 'listwatch.sources', "
            "'listwatch.fetching', 'listwatch.plugins') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parent)
    assert json.loads(out.stdout) == []


def test_installed_source_finds_entry_point_sources():
    import listwatch_table

    assert isinstance(installed_source("table"), listwatch_table.Table)
    with pytest.raises(AssertionError, match=r"no installed source 'nope' \(installed: .*table"):
        installed_source("nope")


def test_listwatch_help_does_not_import_the_test_kit():
    code = ("import sys\nfrom listwatch.cli import cli\n"
            "code = cli.main(['--help'], standalone_mode=False)\n"
            "print(sorted(m for m in sys.modules if m.startswith('listwatch.testing')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent)
    assert out.stdout.strip().splitlines()[-1] == "[]"
