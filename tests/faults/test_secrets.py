"""Values substituted from ``${NAME}`` never leave listwatch (issue 11, item 6).

Secrets sit where no key-name rule can find them: a path segment (``/p/<token>/``), a
query value under an unusual key (``?api-key=``), and a value holding a space (which
makes the URL invalid, so it ends up in an exception's message). Every byte the runs
wrote is searched: stdout, stderr, every file in the store and everything the
``on_error`` webhook received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from receivers import WebhookReceiver
from servers import HTTPServer, Route

import listwatch
from listwatch.cli import App, cli
from listwatch.plugins import register

SECRETS = {"LW_PATH_TOKEN": "PathTok3n9x", "LW_QUERY_TOKEN": "QueryTok7zq",
           "LW_SPACE_TOKEN": "open sesameTok 42"}
# what must not show, in any encoding (raw, %20, +, JSON-escaped): a distinctive core
CORES = ("PathTok3n9x", "QueryTok7zq", "sesameTok")
CSV = b"id,name\na,Alpha Market\nb,Beta Bazaar\n"


@pytest.fixture
def setup(tmp_path):
    server = HTTPServer().start()
    hook = WebhookReceiver().up()
    server.route(f"/p/{SECRETS['LW_PATH_TOKEN']}/list.csv",
                 Route(CSV, content_type="text/csv"))
    server.route("/q.csv", Route(CSV, content_type="text/csv"))
    config = tmp_path / "listwatch.toml"
    base = f"http://127.0.0.1:{server.port}"
    config.write_text(
        '[store]\npath = "store"\n\n'
        f'[alerts]\non_error = ["{hook.url("json", "/ops")}"]\nretries = 0\ntimeout = 5\n\n'
        f'[[watch]]\nname = "path"\nsource = "table"\n'
        f'location = "{base}/p/${{LW_PATH_TOKEN}}/list.csv"\n\n'
        f'[[watch]]\nname = "query"\nsource = "table"\n'
        f'location = "{base}/q.csv?format=csv&api-key=${{LW_QUERY_TOKEN}}"\n\n'
        f'[[watch]]\nname = "space"\nsource = "table"\n'
        f'location = "{base}/s/${{LW_SPACE_TOKEN}}/list.csv"\n')
    yield tmp_path, config, server, hook
    hook.down()
    server.stop()


def _leaks(data: bytes) -> list[str]:
    return [c for c in CORES if c.encode() in data]


def test_secrets_from_the_environment_never_leave(setup):
    root, config, server, hook = setup
    env = {**os.environ, **SECRETS, "PYTHONPATH": os.pathsep.join(sys.path)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "listwatch", "--config", str(config),
                               *args], capture_output=True, env=env, timeout=60, check=False)

    runs = [run("-v", "check")]  # baselines for path and query; space fails
    assert runs[0].returncode == 3, runs[0].stderr
    runs.append(run("--debug", "-v", "check", "--format", "json"))
    json.loads(runs[-1].stdout)
    # now every source fails, so each location is named in an error
    server.routes.clear()
    runs += [run("-v", "--debug", "check"), run("check", "--format", "json"),
             run("check", "--dry-run", "--format", "markdown"), run("--debug", "outbox")]
    assert runs[2].returncode == 3
    stderr = b"".join(r.stderr for r in runs)
    # the errors still say which watch and where, with the secret masked
    assert b"watch path:" in stderr and b"watch query:" in stderr and b"watch space:" in stderr
    assert b"/p/***/list.csv" in stderr
    # on_error heard of each broken watch (once: see listwatch/alerts/notices.py)
    told = b"".join(got.body for got in hook.accepted)
    assert all(f"watch {w}: ".encode() in told for w in ("path", "query", "space")), told

    channels: dict[str, bytes] = {}
    for i, r in enumerate(runs):
        channels[f"run {i} stdout"] = r.stdout
        channels[f"run {i} stderr"] = r.stderr
    for path in (root / "store").rglob("*"):
        if path.is_file():
            channels[str(path)] = path.read_bytes()
    for i, got in enumerate(hook.requests):
        channels[f"webhook {i}"] = (got.path + json.dumps(got.headers)).encode() + got.body
    stored = [json.loads(p.read_bytes()) for p in (root / "store").rglob("snapshots/*.json")]
    assert len(stored) == 2
    assert {s["source"]["location"].split("/", 3)[3] for s in stored} == \
        {"p/***/list.csv", "q.csv?format=csv&api-key=***"}
    leaks = {name: _leaks(data) for name, data in channels.items() if _leaks(data)}
    assert not leaks, leaks


def test_debug_traceback_and_internal_error_are_redacted(setup, monkeypatch):
    """An exception carrying a location (a bug, exit 70) is redacted, traceback included."""
    _, config, _, _ = setup
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)

    def boom(config, *args, **kwargs):
        raise RuntimeError(f"cannot handle {config.watches[2].location}")

    monkeypatch.setattr("listwatch.check.check", boom)
    result = CliRunner().invoke(cli, ["--debug", "--config", str(config), "check"], obj=App())
    assert result.exit_code == 70
    assert "Traceback" in result.stderr and "internal error: RuntimeError" in result.stderr
    assert not _leaks(result.stderr.encode()), result.stderr


def test_config_records_substituted_values(tmp_path):
    from listwatch.config import read

    path = tmp_path / "listwatch.toml"
    path.write_text('[alerts]\nnotify = ["json://127.0.0.1/${A}"]\n\n'
                    '[[watch]]\nname = "w"\nsource = "table"\n'
                    'location = "https://example.org/${B}/${SHORT}.csv"\n')
    config = read(path, {"A": "tokenA1", "B": "secret b", "SHORT": "ab"})
    assert set(config.secrets) == {"tokenA1", "secret b"}  # too short to search for: "ab"


def test_redact_masks_every_encoding_of_a_value():
    from listwatch.alerts.secrets import redact

    values = ["open sesameTok 42", 'q"uo\\te']
    text = ("a open sesameTok 42 b open%20sesameTok%2042 c open+sesameTok+42 "
            "d " + json.dumps('q"uo\\te') + " e " + json.dumps("open sesameTok 42"))
    out = redact(text, values)
    assert "sesameTok" not in out and "uo" not in out
    assert out.startswith("a *** b *** c *** d ")
    assert redact("nothing here", values) == "nothing here"


def test_redacting_a_real_store_file_path_is_harmless(tmp_path):
    """Masking is by value only: text without a recorded value is untouched."""
    from listwatch.alerts.secrets import redact

    text = str(Path(tmp_path) / "store" / "x.json")
    assert redact(text, ["PathTok3n9x"]) == text


class _Echo(listwatch.Source):
    """A third-party source that names its raw location in a warning."""

    name = "echo"

    def fetch(self, location, options, ctx):
        ctx.get(location)
        return listwatch.Draft(list={"id": "echo"}, entries=[{"id": "a", "name": "A"}],
                               warnings=[f"{location}: read with a warning"])


class _EchoPlugin:
    @listwatch.hookimpl
    def register_sources(self, register):
        register(_Echo())


def test_a_sources_warning_naming_the_location_is_stored_masked(tmp_path, plugins,
                                                                 http_server, monkeypatch):
    """A source's warning may quote the raw location: stored and shown masked."""
    token = SECRETS["LW_PATH_TOKEN"]
    http_server.route(f"/e/{token}/list.txt", Route(b"A\n"))
    register(plugins, _EchoPlugin(), "echo", package=("listwatch-echo", "1.0"))
    config = tmp_path / "listwatch.toml"
    config.write_text('[store]\npath = "store"\n\n[[watch]]\nname = "e"\nsource = "echo"\n'
                      f'location = "{http_server.url("/e/${LW_PATH_TOKEN}/list.txt")}"\n')
    monkeypatch.setenv("LW_PATH_TOKEN", token)
    result = CliRunner().invoke(cli, ["--config", str(config), "check"],
                                obj=App(plugins=plugins))
    assert result.exit_code == 0, result.output
    [stored] = (tmp_path / "store").rglob("snapshots/*.json")
    warnings = json.loads(stored.read_text())["warnings"]
    assert warnings == [f"{http_server.url('/e/***/list.txt')}: read with a warning"]
    assert not _leaks(stored.read_bytes()) and not _leaks(result.stderr.encode())


class _Raw(listwatch.Source):
    """A source whose errors quote the raw location (a third party's, or a crash)."""

    name = "raw"
    options_schema = {"type": "object", "properties": {"crash": {"type": "boolean"}}}

    def fetch(self, location, options, ctx):
        if options.get("crash"):
            raise ValueError(f"cannot parse {location!r}")
        raise listwatch.SourceError(f"{location}: no list here")


@pytest.mark.parametrize("crash", [False, True])
def test_exceptions_from_a_source_carry_no_secret(crash):
    """The API's exceptions, not only the CLI's output: ``run`` masks their messages."""
    from listwatch.alerts import secrets
    from listwatch.fetching import Context
    from listwatch.sources import Registered, run

    secrets.use(SECRETS.values())
    try:
        location = f"https://example.org/p/{SECRETS['LW_SPACE_TOKEN']}/x?api-key=" \
                   f"{SECRETS['LW_QUERY_TOKEN']}"
        with pytest.raises(listwatch.SourceError) as info:
            run(Registered(_Raw(), "raw", "raw", "1"), location, {"crash": crash}, Context())
    finally:
        secrets.use(())
    assert "/p/***/x" in str(info.value) and not _leaks(str(info.value).encode()), info.value
