"""The third-party path: install examples/listwatch-example-source like a user would
and see listwatch discover it through the `listwatch` entry-point group."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from venvs import clean_env, make_venv, pip_install

EXAMPLE = Path(__file__).parent.parent / "examples" / "listwatch-example-source"


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory) -> tuple[Path, Path]:
    """A fresh venv with the example plugin installed from a copy (the working tree is
    left alone); returns its python and the copy."""
    root = tmp_path_factory.mktemp("plugin")
    copy = root / "listwatch-example-source"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", ".pytest_cache"))
    # listwatch itself comes from the environment running the tests.
    python = make_venv(root / "venv", hide=("listwatch-example-source",))
    installed = pip_install(python, copy)
    assert installed.returncode == 0, installed.stderr
    return python, copy


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd,
                          env=clean_env(python.parent.parent), timeout=300)


@pytest.mark.slow
def test_installed_plugin_is_discovered(plugin_venv, tmp_path):
    python, _ = plugin_venv
    out = run(python, "-m", "listwatch", "plugins", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = {row["name"]: row for row in json.loads(out.stdout)}
    row = rows["listwatch_example_source"]
    assert row["package"] == "listwatch-example-source" and row["version"] == "0.1.0"
    assert row["sources"] == ["example-lines"]
    where = run(python, "-c", "import listwatch_example_source as m; print(m.__file__)",
                cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(python.parent.parent), where.stdout
    names = tmp_path / "names.txt"
    names.write_text("TAOBAO\nDHGate\n", encoding="utf-8")
    fetched = run(python, "-m", "listwatch", "fetch", "example-lines", str(names), cwd=tmp_path)
    assert fetched.returncode == 0, fetched.stderr
    assert '"name":"TAOBAO"' in fetched.stdout


@pytest.mark.slow
def test_example_plugin_own_tests_pass(plugin_venv):
    python, copy = plugin_venv
    # -P: the folder is not put on sys.path, so the tests import the installed copy.
    out = run(python, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=copy)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 passed" in out.stdout


def test_example_tests_use_only_listwatch_testing():
    """The template's tests are what a third party copies: no listwatch internals."""
    import ast

    allowed = {"listwatch", "listwatch.testing", "listwatch_example_source", "pytest"}
    files = sorted((EXAMPLE / "tests").glob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {node.module or ""}
            else:
                continue
            assert names <= allowed, f"{path.name} imports {sorted(names - allowed)}"


def test_example_source_name_is_not_in_the_readme():
    """Two packages registering one name collide: the README's snippet and the example
    must not both be what a user installs (they do exactly that while learning)."""
    import re

    readme = (EXAMPLE.parent.parent / "README.md").read_text("utf-8")
    example = re.search(r'name = "([^"]+)"', (EXAMPLE / "listwatch_example_source.py")
                        .read_text("utf-8")).group(1)
    shown = set(re.findall(r'name = "([a-z][a-z0-9-]*)"', readme))
    assert example == "example-lines" and shown, shown
    assert example not in shown
