"""`listwatch install` / `uninstall`: pip in listwatch's own environment, as `llm install`.

Tried in a fresh virtualenv (tests/venvs.py) with the example plugin's folder, offline:
exactly the examples their --help prints, run from a copy of the repository's examples.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from helptext import examples, help_text
from venvs import clean_env, listwatch_script, make_venv

from listwatch.cli import cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "listwatch-example-source"


@pytest.fixture
def env(tmp_path) -> tuple[Path, dict[str, str], Path]:
    venv = tmp_path / "venv"
    make_venv(venv, hide=("listwatch-example-source",))
    copy = tmp_path / "examples" / "listwatch-example-source"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    # Offline pip. It reads PIP_NO_BUILD_ISOLATION inverted: "0" is --no-build-isolation.
    environ = dict(clean_env(venv), PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    return listwatch_script(venv), environ, copy


def run(exe: Path, env: dict, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def source_names(exe: Path, env: dict, cwd: Path) -> set[str]:
    out = run(exe, env, "sources", "--format", "json", cwd=cwd)
    assert out.returncode == 0, out.stderr
    return {row["name"] for row in json.loads(out.stdout)}


@pytest.mark.slow
def test_help_examples_install_and_uninstall_a_plugin_folder(env, tmp_path):
    exe, environ, copy = env
    (install,) = examples(help_text(("install",)))
    (uninstall,) = examples(help_text(("uninstall",)))
    assert "example-lines" not in source_names(exe, environ, tmp_path)
    installed = subprocess.run(["/bin/sh", "-c", f'"{exe}" {install[len("listwatch "):]}'],
                               capture_output=True, text=True, env=environ, cwd=tmp_path,
                               timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "example-lines" in source_names(exe, environ, tmp_path)
    where = subprocess.run([str(exe.parent / "python"), "-c",
                            "import listwatch_example_source as m; print(m.__file__)"],
                           capture_output=True, text=True, env=environ, cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(exe.parent.parent), where.stdout
    removed = subprocess.run(["/bin/sh", "-c", f'"{exe}" {uninstall[len("listwatch "):]}'],
                             capture_output=True, text=True, env=environ, cwd=tmp_path,
                             timeout=300)
    assert removed.returncode == 0, removed.stderr
    assert "example-lines" not in source_names(exe, environ, tmp_path)


@pytest.mark.slow
def test_a_failed_install_exits_2(env, tmp_path):
    exe, environ, _ = env
    out = run(exe, environ, "install", "listwatch-no-such-plugin", cwd=tmp_path)
    assert out.returncode == 2
    assert "listwatch-no-such-plugin" in out.stderr


def test_uninstalling_listwatch_itself_is_refused():
    result = CliRunner().invoke(cli, ["uninstall", "-y", "Listwatch"])
    assert result.exit_code == 2
    assert "refusing to uninstall listwatch itself" in result.stderr


def test_install_needs_a_package():
    result = CliRunner().invoke(cli, ["install"])
    assert result.exit_code == 2 and "PACKAGES" in result.stderr
