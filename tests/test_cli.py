"""The command line through CliRunner (plugin manager passed in) and as an installed program."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from servers import Route

import listwatch
import listwatch.cli
import listwatch.diff
from listwatch import snapshot
from listwatch.cli import App, cli
from listwatch.plugins import register
from listwatch.validation import reference_errors, snapshot_errors

ROOT = Path(__file__).resolve().parent.parent


def invoke(plugins, *args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=App(plugins=plugins), **kwargs)


def snap(entries, list_id="l", **list_meta):
    return snapshot.make({"id": list_id, **list_meta}, entries,
                         {"plugin": "table", "retrieved_at": "2026-01-01T00:00:00Z"}, [])


def write(path: Path, doc) -> Path:
    path.write_text(snapshot.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path):
    """Two snapshot files that differ: one added, one removed, one changed."""
    old = write(tmp_path / "old.json", snap([
        {"id": "a", "name": "Alpha Market", "urls": ["alpha.example"]},
        {"id": "b", "name": "Bravo Bazaar", "category": "online"},
        {"id": "c", "name": "Charlie", "aliases": ["C"]},
    ], edition="2022"))
    new = write(tmp_path / "new.json", snap([
        {"id": "a", "name": "Alpha Market", "urls": ["alpha.example"]},
        {"id": "c", "name": "Charlie", "aliases": ["C", "Chuck"]},
        {"id": "d", "name": "Delta Depot", "category": "physical"},
    ], edition="2023"))
    return old, new


# -- a test plugin with every kind of option ---------------------------------------------

class Echo(listwatch.Source):
    """Puts the options it was given into its only entry's attributes."""

    name = "echo"
    title = "echoes its options"
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "keywords": {"type": "array", "items": {"type": "string"},
                         "description": "words to look for"},
            "limit": {"type": "integer", "minimum": 0},
            "ratio": {"type": "number"},
            "strict": {"type": "boolean"},
            "label": {"type": "string"},
            "anything": {},
            "mode": {"enum": ["fast", "slow"]},
        },
    }

    def fetch(self, location, options, ctx):
        if location == "crash":
            raise ZeroDivisionError("plugin bug")
        if location == "warn":
            ctx.warn("something looks odd")
        return listwatch.Draft(list={"id": "echo"},
                               entries=[{"id": "x", "name": "X", "attributes": options}])


class EchoPlugin:
    @listwatch.hookimpl
    def register_sources(self, register):
        register(Echo())


@pytest.fixture
def echo(plugins):
    register(plugins, EchoPlugin(), "listwatch_echo", package=("listwatch-echo", "2.0"))
    return plugins


def echoed(plugins, *options):
    result = invoke(plugins, "fetch", "echo", "loc", *[a for o in options for a in ("-O", o)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["entries"][0]["attributes"]


# -- help and informational commands -------------------------------------------------------

def all_commands(group=cli, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("command", [(), *all_commands()], ids=lambda c: " ".join(c) or "root")
def test_help_of_every_command(command):
    app = App()
    result = CliRunner().invoke(cli, [*command, "--help"], obj=app)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ") and result.stderr == ""
    assert app.plugins is None, "--help must not load plugins"


def test_expected_commands_exist():
    assert {"sources", "schema", "fetch", "validate", "diff", "plugins", "init"} <= set(cli.commands)


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and listwatch.__version__ in result.stdout


def test_sources_text(echo):
    result = invoke(echo, "sources")
    assert result.exit_code == 0 and result.stderr == ""
    assert f"table  (listwatch {listwatch.__version__})" in result.stdout
    assert "echo  (listwatch-echo 2.0)  echoes its options" in result.stdout
    assert "-O keywords=…  (array)  words to look for" in result.stdout
    assert "-O mode=…  (one of fast/slow)" in result.stdout


def test_sources_json(echo):
    result = invoke(echo, "sources", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["table"]["package"] == "listwatch"
    assert rows["table"]["version"] == listwatch.__version__
    assert rows["echo"] == {"name": "echo", "title": "echoes its options",
                            "package": "listwatch-echo", "version": "2.0",
                            "plugin": "listwatch_echo", "options": Echo.options_schema}
    assert list(rows) == sorted(rows)


@pytest.mark.parametrize("name", ["snapshot", "diff", "config"])
def test_schema(plugins, name):
    result = invoke(plugins, "schema", name)
    assert result.exit_code == 0 and result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc == json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text("utf-8"))
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(doc)


def test_schema_unknown(plugins):
    result = invoke(plugins, "schema", "nope")
    assert result.exit_code == 2 and result.stdout == "" and "nope" in result.stderr


# -- fetch: the table source ---------------------------------------------------------------

TABLE_ROWS = [{"code": "7", "label": "ACME Trading  Co.", "country": "CN", "note": ""},
              {"code": "12", "label": "Zeta “Imports”", "country": "RU", "note": "listed 2020"},
              {"code": "3", "label": "Beta Holdings", "country": "", "note": "x"}]


def table_text(fmt: str) -> str:
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        rows = [sep.join(TABLE_ROWS[0])]
        rows += [sep.join(f'"{v}"' if sep in v or '"' in v else v for v in r.values())
                 for r in TABLE_ROWS]
        return "\n".join(rows) + "\n"
    if fmt == "json":
        return json.dumps(TABLE_ROWS, ensure_ascii=False, indent=1)
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in TABLE_ROWS) + "\n\n"


def check_table_snapshot(out: str, location: str, content: bytes, list_id: str) -> dict:
    doc = json.loads(out)
    assert snapshot_errors(doc) == []
    assert snapshot.dumps(doc) == out, "fetch prints the canonical layout"
    assert doc["list"] == {"id": list_id}
    assert doc["source"]["plugin"] == "table"
    assert doc["source"]["location"] == location
    assert doc["source"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert [e["id"] for e in doc["entries"]] == ["12", "3", "7"]  # sorted by id (as text)
    acme = doc["entries"][2]
    assert acme["name"] == "ACME Trading Co."  # whitespace collapsed
    assert acme["attributes"] == {"country": "CN"}  # empty cells left out
    assert doc["entries"][0]["name"] == "Zeta “Imports”"
    return doc


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_fetch_table_file(plugins, tmp_path, fmt):
    path = tmp_path / f"Entity List.{fmt}"
    path.write_text(table_text(fmt), encoding="utf-8")
    result = invoke(plugins, "fetch", "table", path, "-O", "id=code", "-O", "name=label")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    check_table_snapshot(result.stdout, str(path), path.read_bytes(), "entity-list")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_fetch_table_sniffs_format_without_extension(plugins, tmp_path, fmt):
    path = tmp_path / "download"
    path.write_text(table_text(fmt), encoding="utf-8")
    result = invoke(plugins, "fetch", "table", path, "-O", "id=code", "-O", "name=label",
                    "-O", "list_id=sdn")
    assert result.exit_code == 0, result.output
    check_table_snapshot(result.stdout, str(path), path.read_bytes(), "sdn")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_fetch_table_over_http(plugins, http_server, fmt):
    body = table_text(fmt).encode("utf-8")
    url = http_server.route(f"/lists/sdn.{fmt}", Route(body=body, content_type="text/plain"))
    result = invoke(plugins, "fetch", "table", url, "-O", "id=code", "-O", "name=label")
    assert result.exit_code == 0, result.output
    check_table_snapshot(result.stdout, url, body, "sdn")
    assert http_server.requests[-1].headers["User-Agent"].startswith("listwatch/")


def test_fetch_table_http_error_is_exit_3(plugins, http_server):
    url = http_server.url("/missing.csv")
    result = invoke(plugins, "fetch", "table", url)
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr == f"error: {url}: HTTP 404 Not Found\n"


@pytest.mark.parametrize("content, message", [
    ("code,label\n1,\n", "row 1 has no value in name column 'label'"),
    ("code,label\n,A\n", "row 1 has no value in id column 'code'"),
    ("code,label\n1,A\n1,B\n", "rows 1 and 2 share the id '1'"),
    ("code,label\n1,A,extra\n", "row 1 has more cells than the header"),
    ("", "empty CSV file"),
])
def test_fetch_table_bad_input_is_one_line_exit_3(plugins, tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    result = invoke(plugins, "fetch", "table", path, "-O", "id=code", "-O", "name=label")
    assert result.exit_code == 3, result.output
    assert result.stdout == "" and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_fetch_missing_file_is_exit_3(plugins, tmp_path):
    result = invoke(plugins, "fetch", "table", tmp_path / "nope.csv")
    assert result.exit_code == 3
    assert result.stderr == f"error: {tmp_path / 'nope.csv'}: no such file\n"


# -- -O parsing ------------------------------------------------------------------------------

@pytest.mark.parametrize("options, expected", [
    (["keywords=notorious markets,counterfeit"], {"keywords": ["notorious markets",
                                                               "counterfeit"]}),
    (["keywords= one , ,two,"], {"keywords": ["one", "two"]}),
    (['keywords=["a,b", "c"]'], {"keywords": ["a,b", "c"]}),
    (["keywords=single"], {"keywords": ["single"]}),
    (["limit=5"], {"limit": 5}),
    (["ratio=0.25"], {"ratio": 0.25}),
    (["ratio=2"], {"ratio": 2}),
    (["strict=true"], {"strict": True}),
    (["strict=false"], {"strict": False}),
    (["label=123"], {"label": "123"}),
    (["label=true"], {"label": "true"}),
    (["label=hello world"], {"label": "hello world"}),
    (["label=a=b"], {"label": "a=b"}),
    (['label="quoted"'], {"label": "quoted"}),
    (["label="], {"label": ""}),
    (['anything={"k": [1, null]}'], {"anything": {"k": [1, None]}}),
    (["anything=not json"], {"anything": "not json"}),
    (["mode=fast"], {"mode": "fast"}),
    (["limit=1", "limit=2"], {"limit": 2}),
    (["label=x", "limit=3", "keywords=a,b"], {"label": "x", "limit": 3, "keywords": ["a", "b"]}),
])
def test_option_parsing(echo, options, expected):
    assert echoed(echo, *options) == expected


@pytest.mark.parametrize("option, message", [
    ("limit", "-O limit: expected KEY=VALUE"),
    ("=5", "-O =5: expected KEY=VALUE"),
    ("limit=abc", "option limit: "),
    ("limit=-1", "option limit: "),
    ("strict=maybe", "option strict: "),
    ("mode=medium", "option mode: "),
    ("unknown=1", "options: unknown key 'unknown'"),
    ("limit=hunter2", "option limit: is not of type"),
])
def test_bad_option_is_usage_error(echo, option, message):
    result = invoke(echo, "fetch", "echo", "loc", "-O", option)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_table_option_errors(plugins, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,name\n1,A\n")
    result = invoke(plugins, "fetch", "table", path, "-O", "format=xls")
    assert result.exit_code == 2 and "option format" in result.stderr


# -- exit codes ------------------------------------------------------------------------------

def test_diff_same_is_0_and_different_is_1(plugins, pair):
    old, new = pair
    same = invoke(plugins, "diff", old, old)
    assert same.exit_code == 0 and same.stderr == ""
    assert same.stdout == "l 2022: no change (now 1 online, 2 other)\n"
    different = invoke(plugins, "diff", old, new)
    assert different.exit_code == 1 and different.stderr == ""
    assert different.stdout.startswith("l 2022 → 2023: 1 added, 1 removed, 1 changed (now ")


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
def test_diff_output_goes_to_stdout_only(plugins, pair, fmt):
    result = invoke(plugins, "diff", *pair, "--format", fmt)
    assert result.exit_code == 1 and result.stderr == ""
    if fmt == "json":
        d = json.loads(result.stdout)
        assert reference_errors("diff", d) == []
        assert d["counts"] == {"added": 1, "removed": 1, "changed": 1, "renamed": 0,
                               "unchanged": 1}
    for name in ("Delta Depot", "Bravo Bazaar", "Charlie"):
        assert name in result.stdout


def test_diff_ignore_option(plugins, tmp_path):
    old = write(tmp_path / "a.json", snap([{"id": "a", "name": "A", "attributes": {"rank": 1}}]))
    new = write(tmp_path / "b.json", snap([{"id": "a", "name": "A", "attributes": {"rank": 2}}]))
    assert invoke(plugins, "diff", old, new).exit_code == 1
    assert invoke(plugins, "diff", old, new, "--ignore", "attributes.rank").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["frobnicate"], "No such command 'frobnicate'"),
    (["diff", "--format", "xml", "a", "b"], "'xml' is not one of"),
    (["diff", "only-one"], "Missing argument 'NEW'"),
    (["--no-such-option", "sources"], "--no-such-option"),
    (["sources", "--format", "yaml"], "'yaml' is not one of"),
    (["fetch", "nosuch", "loc"], "unknown source 'nosuch' (installed: "),
    (["fetch", "table"], "Missing argument 'LOCATION'"),
    (["validate"], "Missing argument 'FILES...'"),
    (["--config", "/nonexistent/listwatch.toml", "sources"], "no such config file"),
])
def test_usage_errors_exit_2(plugins, args, message):
    result = invoke(plugins, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["diff-old", "diff-new", "validate"])
def test_a_missing_file_on_the_command_line_is_exit_2(plugins, pair, tmp_path, command):
    """A file named on the command line is usage; a source's location stays 3 (below)."""
    missing = tmp_path / "nope.json"
    args = {"diff-old": ["diff", missing, pair[1]], "diff-new": ["diff", pair[0], missing],
            "validate": ["validate", pair[0], missing]}[command]
    result = invoke(plugins, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and result.stderr == f"error: {missing}: no such file\n"


def test_exit_code_docs_say_where_a_missing_file_is_2_or_3():
    for doc in (ROOT / "README.md", ROOT / "docs" / "exit-codes.md"):
        rows = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines()
                if line.startswith("| ") and line.split("|")[1].strip().isdigit()}
        assert "does not exist" in rows["2"] and "`diff" in rows["2"], doc
        assert "validate" in rows["2"] and "location cannot be read" in rows["3"], doc


def test_invalid_snapshot_exits_3(plugins, pair, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"listwatch": "snapshot/1"}')
    result = invoke(plugins, "validate", bad)
    assert result.exit_code == 3 and result.stdout == ""
    result = invoke(plugins, "diff", pair[0], bad)
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.startswith(f"error: {bad}: ") and result.stderr.count("\n") == 1


def test_validate_valid_is_0(plugins, pair):
    result = invoke(plugins, "validate", *pair)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "2 files valid\n"
    assert invoke(plugins, "validate", pair[0]).stderr == "1 file valid\n"
    assert invoke(plugins, "-q", "validate", *pair).stderr == ""
    result = invoke(plugins, "-v", "validate", *pair)
    assert result.stderr.splitlines() == [f"{pair[0]}: valid", f"{pair[1]}: valid",
                                          "2 files valid"]


def test_validate_says_how_many_of_how_many(plugins, pair, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"listwatch": "snapshot/1"}')
    result = invoke(plugins, "validate", pair[0], bad)
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == "1 of 2 files valid"


def test_source_crash_is_exit_3_naming_the_package(echo):
    result = invoke(echo, "fetch", "echo", "crash")
    assert result.exit_code == 3
    assert result.stderr == ("error: crash: source echo (package listwatch-echo) crashed: "
                             "ZeroDivisionError: plugin bug\n")


def test_source_warnings_go_to_stderr(echo):
    result = invoke(echo, "fetch", "echo", "warn")
    assert result.exit_code == 0
    assert result.stderr == "warning: something looks odd\n"
    assert json.loads(result.stdout)["warnings"] == ["something looks odd"]


def test_quiet_hides_warnings(echo):
    result = invoke(echo, "-q", "fetch", "echo", "warn")
    assert result.exit_code == 0 and result.stderr == ""


def boom(*args, **kwargs):
    raise RuntimeError("kaboom\nsecond line")


def test_internal_error_is_70_with_one_line(plugins, pair, monkeypatch):
    monkeypatch.setattr(listwatch.diff, "diff_files", boom)
    result = invoke(plugins, "diff", *pair)
    assert result.exit_code == 70
    assert result.stdout == ""
    assert result.stderr == ("internal error: RuntimeError: kaboom (a bug in listwatch; "
                             "rerun with --debug for the traceback)\n")


def test_internal_error_traceback_with_debug(plugins, pair, monkeypatch):
    monkeypatch.setattr(listwatch.diff, "diff_files", boom)
    result = invoke(plugins, "--debug", "diff", *pair)
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    assert "in boom" in result.stderr and "second line" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("internal error: RuntimeError")


def test_internal_error_in_a_core_function_of_fetch(echo, monkeypatch):
    import listwatch.snapshot

    monkeypatch.setattr(listwatch.snapshot, "make_with_text", lambda *args: {}["missing"])
    result = invoke(echo, "fetch", "echo", "loc")
    assert result.exit_code == 70 and "KeyError: 'missing'" in result.stderr


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_keyboard_interrupt_is_130(plugins, pair, monkeypatch):
    monkeypatch.setattr(listwatch.diff, "diff_files", interrupt)
    result = invoke(plugins, "diff", *pair)
    assert result.exit_code == 130
    assert result.stdout == "" and "interrupted" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_code_table_is_the_design():
    from listwatch.errors import ExitCode

    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0, "CHANGED": 1, "USAGE": 2, "SOURCE_FAILED": 3, "ALERT_FAILED": 4,
        "INTERNAL": 70, "INTERRUPTED": 130}


def test_main_returns_code_without_standalone(plugins, pair):
    code = cli.main(["diff", *map(str, pair)], standalone_mode=False, obj=App(plugins=plugins))
    assert code == 1


# -- the installed program -------------------------------------------------------------------

def listwatch_exe() -> str:
    exe = shutil.which("listwatch")
    assert exe, "the listwatch console script is not installed (pip install -e '.[test]')"
    return exe


def run(*args, **kwargs):
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("LISTWATCH_DISABLE_PLUGINS", None)
    return subprocess.run([listwatch_exe(), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=60, **kwargs)


def test_installed_program(pair, tmp_path):
    schema = run("schema", "snapshot")
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "listwatch snapshot"
    diff = run("diff", *pair, "--format", "json")
    assert diff.returncode == 1 and diff.stderr == ""
    assert json.loads(diff.stdout)["counts"]["added"] == 1
    sources = run("sources", "--format", "json")
    assert sources.returncode == 0
    assert "table" in {row["name"] for row in json.loads(sources.stdout)}
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    validate = run("validate", bad)
    assert validate.returncode == 3 and "not UTF-8" in validate.stderr
    assert "Traceback" not in validate.stderr
    usage = run("diff")
    assert usage.returncode == 2 and "Missing argument" in usage.stderr


def test_python_dash_m(pair):
    result = subprocess.run([sys.executable, "-m", "listwatch", "diff", *map(str, pair)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "1 added" in result.stdout


def test_help_imports_no_heavy_modules():
    code = ("import sys\nfrom listwatch.cli import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = {'jsonschema', 'jsonschema_rs', 'apprise', 'feedparser', 'pypdfium2', "
            "'numpy', 'rapidfuzz', 'listwatch_table', 'listwatch_feed', 'listwatch_ustr_nml'}\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.startswith("Usage: ")
    assert result.stderr == "[]"


@pytest.mark.slow
def test_ctrl_c_exits_130(http_server):
    """A real SIGINT while the program waits for a slow server."""
    url = http_server.route("/slow.csv", Route(body=b"id,name\n1,A\n", delay=5))
    proc = subprocess.Popen([listwatch_exe(), "fetch", "table", url], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not http_server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert http_server.requests, "the program never reached the server"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert out == "" and "interrupted" in err and "Traceback" not in err


def test_bad_option_value_is_not_echoed(echo):
    """An option value may be a token: the error names the option, never the value."""
    result = invoke(echo, "fetch", "echo", "loc", "-O", "limit=hunter2-token")
    assert result.exit_code == 2
    assert "option limit" in result.stderr and "hunter2" not in result.stderr


def test_plugins_hides_built_ins_unless_all(plugins):
    hidden = invoke(plugins, "plugins")
    assert hidden.exit_code == 0 and json.loads(hidden.stdout) == []
    shown = {row["name"]: row for row in json.loads(invoke(plugins, "plugins", "--all").stdout)}
    assert shown["listwatch_table"]["package"] == "listwatch"
    assert shown["listwatch_table"]["sources"] == ["table"]
    assert shown["listwatch_feed"]["hooks"] == ["register_sources"]
