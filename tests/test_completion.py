"""Shell completion (click's) for bash, zsh and fish: watch names from the config, source
names, stored snapshots; the documented set-up lines work."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LISTWATCH = shutil.which("listwatch")
DOC = (ROOT / "docs" / "automation.md").read_text("utf-8")


def complete(shell: str, words: str, cwd: Path):
    """What the shell script asks the listwatch program for, the way click's scripts ask."""
    parts = words.split(" ")
    env = dict(os.environ, _LISTWATCH_COMPLETE=f"{shell}_complete", COMP_WORDS=words,
               COMP_CWORD=parts[-1] if shell == "fish" else str(len(parts) - 1))
    out = subprocess.run([LISTWATCH], env=env, cwd=cwd, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    if shell == "zsh":  # type, value, help: three lines per item
        lines = out.stdout.strip("\n").splitlines()
        return [lines[i + 1] for i in range(0, len(lines), 3)]
    return [line.split("\t")[0].split(",", 1)[1] for line in out.stdout.splitlines() if line]


def values(words: str, cwd: Path, monkeypatch) -> list[str]:
    """The same answer in this process (no program start): the completion callbacks."""
    import shlex

    from click.shell_completion import BashComplete

    from listwatch.cli import cli

    monkeypatch.chdir(cwd)
    monkeypatch.setenv("COMP_WORDS", words)
    args = shlex.split(words)[1:]
    incomplete = "" if words.endswith(" ") else args.pop()
    completer = BashComplete(cli, {}, "listwatch", "_LISTWATCH_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


@pytest.fixture
def example(tmp_path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "ex",
                    ignore=shutil.ignore_patterns("listwatch-example-source"))
    return tmp_path / "ex"


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o nosort -F"),
                                               ("zsh", "#compdef listwatch"),
                                               ("fish", "complete --no-files --command listwatch")])
def test_documented_setup_line_prints_the_shell_script(shell, marker):
    line = next(row for row in DOC.splitlines() if f"_LISTWATCH_COMPLETE={shell}_source" in row)
    assert line.startswith(f"| {shell}")
    env = dict(os.environ, _LISTWATCH_COMPLETE=f"{shell}_source")
    out = subprocess.run([LISTWATCH], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert marker in out.stdout


def test_watch_names_come_from_the_config(example, monkeypatch):
    assert complete("bash", "listwatch check n", example) == ["nml", "nml-news"]
    assert values("listwatch check nml e", example, monkeypatch) == ["entities"]
    assert values("listwatch history ent", example, monkeypatch) == ["entities"]
    assert values("listwatch notify test nml-", example, monkeypatch) == ["nml-news"]
    elsewhere = example.parent
    assert values("listwatch --config ex/listwatch.toml check e", elsewhere, monkeypatch) == \
        ["entities"]
    assert values("listwatch check n", elsewhere, monkeypatch) == []  # no config: nothing


def test_source_names_option_keys_and_stored_snapshots(example, monkeypatch):
    assert complete("bash", "listwatch fetch t", example) == ["table"]
    assert {"ustr-nml", "feed", "table"} <= set(values("listwatch fetch ", example, monkeypatch))
    assert values("listwatch diff nml@", example, monkeypatch) == ["nml@latest", "nml@previous"]
    assert values("listwatch diff data/", example, monkeypatch) == ["data/"]  # a file path
    assert complete("bash", "listwatch fetch table data/entities.csv -O n", example) == ["name="]
    assert values("listwatch fetch feed x.xml -O ", example, monkeypatch) == [
        "keywords=", "exclude=", "max_age_days=", "mentions_of="]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_get_the_same_values(shell, example):
    assert complete(shell, "listwatch check nml e", example) == ["entities"]
    assert complete(shell, "listwatch fetch fe", example) == ["feed"]


def test_a_broken_config_completes_nothing_quietly(example, monkeypatch):
    (example / "listwatch.toml").write_text("[[watch]\nname = ")
    assert values("listwatch check ", example, monkeypatch) == []


def test_bash_script_completes_in_a_real_bash(example):
    script = ('eval "$(_LISTWATCH_COMPLETE=bash_source listwatch)"\n'
              'COMP_WORDS=(listwatch check nml-); COMP_CWORD=2\n'
              '_listwatch_completion listwatch\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n'
              'COMP_WORDS=(listwatch diff examples); COMP_CWORD=2\n'
              '_listwatch_completion listwatch; echo "files: ${#COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{Path(LISTWATCH).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=example,
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["nml-news", "files: 0"]  # 0: bash completes files


def test_completion_modules_stay_out_of_help():
    code = ("import sys, listwatch.cli; print(sorted(m for m in ('click.shell_completion', "
            "'tomllib') if m in sys.modules))")
    out = subprocess.run([shutil.which("python") or "python", "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert re.search(r"watch names", DOC) and "source names" in DOC
