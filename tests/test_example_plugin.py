"""The third-party path: install examples/listwatch-example-source like a user would
and see listwatch discover it through the `listwatch` entry-point group."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent / "examples" / "listwatch-example-source"


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    venv.create(root, system_site_packages=True, with_pip=False)
    py = root / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--prefix", str(root), str(EXAMPLE)],
                   check=True, capture_output=True)
    return py


@pytest.mark.slow
def test_installed_plugin_is_discovered(plugin_venv, tmp_path):
    out = subprocess.run([plugin_venv, "-m", "listwatch", "plugins"], capture_output=True,
                         text=True, check=True)
    rows = {row["name"]: row for row in json.loads(out.stdout)}
    row = rows["listwatch_example_source"]
    assert row["package"] == "listwatch-example-source" and row["version"] == "0.1.0"
    assert row["sources"] == ["lines"]
    names = tmp_path / "names.txt"
    names.write_text("TAOBAO\nDHGate\n", encoding="utf-8")
    fetched = subprocess.run([plugin_venv, "-m", "listwatch", "fetch", "lines", str(names)],
                             capture_output=True, text=True)
    assert fetched.returncode == 0, fetched.stderr
    assert '"name":"TAOBAO"' in fetched.stdout


@pytest.mark.slow
def test_example_plugin_own_tests_pass(plugin_venv):
    out = subprocess.run([plugin_venv, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(EXAMPLE / "tests")], capture_output=True, text=True,
                         cwd=EXAMPLE)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout
