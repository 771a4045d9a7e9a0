"""Every example in every command's --help runs as printed from the repository root.

The examples run through the installed executable in a temporary copy of the repository's
examples (some write: `> entities.json`, a check that stores). Two things are swapped: the
bundled config has no notifier, so a local webhook receiver is put in the copy; and
`install`/`uninstall` run in a fresh virtualenv with pip kept offline (no index, no build
isolation), so the environment running the tests is left alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from receivers import WebhookReceiver
from venvs import clean_env, listwatch_script, make_venv, pip_install

from listwatch.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LISTWATCH = shutil.which("listwatch")


def commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    yield path, group
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            yield from commands(command, (*path, name))


def help_text(path: tuple[str, ...]) -> str:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def examples(text: str) -> list[str]:
    """Lines of an indented example block that start with `listwatch `; a run of two or
    more spaces starts a comment."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^ {4,}(listwatch\s.*?)(?:\s{2,}\S.*)?$", line)
        if match:
            found.append(match.group(1).strip())
    return found


ALL = [(" ".join(path) or "listwatch", example)
       for path, _ in commands() for example in examples(help_text(path))]


def test_examples_are_found_and_offline():
    assert len(ALL) >= 10, ALL
    for where in ("listwatch", "fetch", "diff", "check", "notify test"):
        assert any(w == where for w, _ in ALL), f"no example in `{where} --help`"
    for _, example in ALL:
        assert "http://" not in example and "https://" not in example, example


@pytest.fixture(scope="module")
def receiver():
    with WebhookReceiver() as hook:
        yield hook


@pytest.mark.slow
@pytest.mark.parametrize(("where", "example"), ALL, ids=[e for _, e in ALL])
def test_help_example_runs(where, example, tmp_path, receiver):
    shutil.copytree(ROOT / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    config = tmp_path / "examples" / "listwatch.toml"
    config.write_text(config.read_text("utf-8").replace(
        "notify = []", f'notify = ["{receiver.url()}"]'), encoding="utf-8")
    assert example.startswith("listwatch ")
    exe, env = LISTWATCH, None
    if where in ("install", "uninstall"):
        venv = tmp_path / "venv"
        make_venv(venv, hide=("listwatch-example-source",))
        exe = listwatch_script(venv)
        # pip reads PIP_NO_BUILD_ISOLATION inverted: "0" means --no-build-isolation.
        env = dict(clean_env(venv), PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
        if where == "uninstall":  # something to uninstall
            installed = pip_install(venv / "bin" / "python",
                                    tmp_path / "examples" / "listwatch-example-source")
            assert installed.returncode == 0, installed.stderr
    command = f'"{exe}" {example[len("listwatch "):]}'
    out = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=env)
    # 0 done, 1 differences found: what the example shows. Never usage (2) or a failure.
    assert out.returncode in (0, 1), f"`{example}` ({where} --help) exited " \
        f"{out.returncode}: {out.stderr}"
    assert "error" not in out.stderr.lower(), out.stderr
