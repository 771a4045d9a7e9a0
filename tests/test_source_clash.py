"""Two installed packages that register one source name: the CLI keeps working.

The name is ambiguous, not fatal: a warning names both packages, every other source
and command works, and using the ambiguous name is refused (exit 2) with one line
saying how to choose (``PACKAGE:NAME`` or ``LISTWATCH_DISABLE_PLUGINS``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_plugins import fake_distribution

from listwatch.cli import App, cli
from listwatch.errors import PluginError
from listwatch.plugins import DISABLE_ENV, register
from listwatch.sources import collect_sources

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "listwatch-example-source" / "listwatch_example_source.py"

# Another package's source that happens to pick the example's name (NAME is filled in).
OTHER_LINES = '''
import listwatch

class Lines(listwatch.Source):
    name = "NAME"
    title = "another package's lines"

    def fetch(self, location, options, ctx):
        return listwatch.Draft(list={"id": "other"}, entries=[{"id": "x", "name": "X"}])

@listwatch.hookimpl
def register_sources(register):
    register(Lines())
'''


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def clash(plugins, tmp_path):
    """The built-ins, the bundled example plugin and another package, both with
    `example-lines`."""
    (tmp_path / "other_lines.py").write_text(OTHER_LINES.replace("NAME", "example-lines"))
    register(plugins, load_module("listwatch_example_source", EXAMPLE),
             "listwatch_example_source", package=("listwatch-example-source", "0.1.0"))
    register(plugins, load_module("other_lines", tmp_path / "other_lines.py"), "other_lines",
             package=("other-lines", "2.0"))
    return plugins


def invoke(plugins, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=App(plugins=plugins))


def test_a_clash_is_one_warning_and_the_rest_works(clash):
    warnings: list[str] = []
    found = collect_sources(clash, warn=warnings.append)
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert "'example-lines'" in warnings[0]
    assert "listwatch-example-source" in warnings[0] and "other-lines" in warnings[0]
    assert {"table", "feed", "ustr-nml"} <= set(found) and "example-lines" not in found
    with pytest.raises(PluginError) as err:
        found["example-lines"]  # noqa: B018 - the lookup is what is tested
    message = str(err.value)
    assert "\n" not in message
    assert "listwatch-example-source" in message and "other-lines" in message
    assert "'listwatch-example-source:example-lines'" in message
    assert f"{DISABLE_ENV}=other_lines" in message
    # a qualified name picks one, by package (any spelling) or by plugin name
    assert found["listwatch-example-source:example-lines"].package == "listwatch-example-source"
    assert found["listwatch_example_source:example-lines"].plugin == "listwatch_example_source"
    assert found["other_lines:example-lines"].package == "other-lines"
    assert found["listwatch:table"] is found["table"]
    with pytest.raises(KeyError):
        found["nosuch-package:example-lines"]  # noqa: B018


def test_commands_work_and_using_the_ambiguous_source_is_exit_2(clash, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("TAOBAO\nDHGate\n")
    for args in (["plugins"], ["sources"], ["sources", "--format", "json"]):
        result = invoke(clash, *args)
        assert result.exit_code == 0, (args, result.output)
    rows = json.loads(invoke(clash, "sources", "--format", "json").stdout)
    assert {(r["package"], r.get("use_as")) for r in rows if r["name"] == "example-lines"} == {
        ("listwatch-example-source", "listwatch-example-source:example-lines"),
        ("other-lines", "other-lines:example-lines")}
    plugins_rows = {r["name"]: r for r in json.loads(invoke(clash, "plugins").stdout)}
    assert plugins_rows["other_lines"]["sources"] == ["example-lines"]

    refused = invoke(clash, "fetch", "example-lines", names)
    assert refused.exit_code == 2 and refused.stdout == ""
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "other-lines" in errors[0] and DISABLE_ENV in errors[0]

    chosen = invoke(clash, "fetch", "listwatch-example-source:example-lines", names)
    assert chosen.exit_code == 0, chosen.output
    assert [e["name"] for e in json.loads(chosen.stdout)["entries"]] == ["DHGate", "TAOBAO"]
    assert invoke(clash, "fetch", "table", tmp_path / "nope.csv").exit_code == 3


def test_check_refuses_only_the_watches_that_use_it(clash, tmp_path):
    (tmp_path / "names.txt").write_text("TAOBAO\n")
    (tmp_path / "t.csv").write_text("id,name\n1,One\n")
    config = tmp_path / "listwatch.toml"
    config.write_text('[[watch]]\nname = "names"\nsource = "example-lines"\n'
                      'location = "names.txt"\n'
                      '[[watch]]\nname = "t"\nsource = "table"\nlocation = "t.csv"\n')
    store = tmp_path / "store"
    everything = invoke(clash, "--config", config, "--store", store, "check")
    assert everything.exit_code == 2 and everything.stdout == ""
    assert 'watch "names": key source:' in everything.stderr
    assert not store.exists()  # refused before anything was fetched or stored
    other = invoke(clash, "--config", config, "--store", store, "check", "t")
    assert other.exit_code == 0, other.output
    config.write_text(config.read_text().replace('"example-lines"', '"other-lines:example-lines"'))
    qualified = invoke(clash, "--config", config, "--store", store, "check")
    assert qualified.exit_code == 0, qualified.output
    assert "names: baseline" in qualified.stdout


def test_the_readme_snippet_does_not_clash_with_the_example():
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("## Writing a source plugin", 1)[1].split("```python", 1)[1]
    name = re.search(r'name = "([^"]+)"', snippet).group(1)
    example = re.search(r'name = "([^"]+)"', EXAMPLE.read_text()).group(1)
    assert name != example


@pytest.mark.slow
def test_two_installed_packages_end_to_end(tmp_path):
    """Through the installed program, with two distributions found by importlib.metadata."""
    for package in ("lines-one", "lines-two"):
        module = package.replace("-", "_")
        fake_distribution(tmp_path, package, {module: module},
                          {module: OTHER_LINES.replace("NAME", "lines")})
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NO_COLOR": "1"}
    env.pop(DISABLE_ENV, None)
    exe = Path(sys.executable).with_name("listwatch")

    def run(*args, **extra):
        return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True,
                              env={**env, **extra}, timeout=60, cwd=tmp_path)

    for args in (["plugins"], ["sources"]):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert "lines-one" in result.stderr and "lines-two" in result.stderr
    names = tmp_path / "names.txt"
    names.write_text("A\n")
    refused = run("fetch", "lines", names)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "lines-one:lines" in refused.stderr and "Traceback" not in refused.stderr
    assert run("fetch", "lines-two:lines", names).returncode == 0
    disabled = run("fetch", "lines", names, **{DISABLE_ENV: "lines_two"})
    assert disabled.returncode == 0 and disabled.stderr == "", disabled.stderr
