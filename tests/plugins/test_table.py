"""The table source on bad input: one clear line naming the file and the row or line, exit 3."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from listwatch.cli import App, cli


def fetch(plugins, path: Path, *options: str):
    args = ["fetch", "table", str(path)]
    for option in options:
        args += ["-O", option]
    return CliRunner().invoke(cli, args, obj=App(plugins=plugins))


def one_line_exit_3(result, path: Path, *wanted: str) -> str:
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    line = result.stderr
    assert line.count("\n") == 1 and line.startswith(f"error: {path}: "), line
    assert "crashed" not in line and "Error:" not in line, line
    for word in wanted:
        assert word in line, line
    return line


def test_unterminated_quote_is_not_merged_into_one_name(plugins, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,name\n1,Alpha\n2,"Bravo\n3,Charlie\n4,Delta\n', encoding="utf-8")
    line = one_line_exit_3(fetch(plugins, path), path, "row 2", "line 3")
    assert "quote" in line


def test_quote_mismatch_in_the_middle_names_its_line(plugins, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,name\n1,"Alpha\n2,Bravo\n3,"Charlie"x\n4,Delta\n',
                    encoding="utf-8")
    one_line_exit_3(fetch(plugins, path), path, "not valid CSV", "line 4")


@pytest.mark.parametrize("literal, word", [("NaN", "NaN"), ("Infinity", "Infinity"),
                                           ("-Infinity", "-Infinity"), ("1e400", "1e400")])
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_numbers_json_cannot_hold_are_refused(plugins, tmp_path, fmt, literal, word):
    rows = ['{"id": "1", "name": "Alpha", "score": 1.5}',
            f'{{"id": "2", "name": "Bravo", "score": {literal}}}']
    path = tmp_path / f"t.{fmt}"
    text = "[\n" + ",\n".join(rows) + "\n]\n" if fmt == "json" else "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    one_line_exit_3(fetch(plugins, path), path, word, "line 3" if fmt == "json" else "line 2")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_deep_json_is_one_line(plugins, tmp_path, fmt):
    deep = "[" * 100_000 + "]" * 100_000
    row = f'{{"id": "2", "name": "Bravo", "x": {deep}}}'
    path = tmp_path / f"t.{fmt}"
    text = f'[{{"id": "1", "name": "A"}},\n{row}]' if fmt == "json" \
        else f'{{"id": "1", "name": "A"}}\n{row}\n'
    path.write_text(text, encoding="utf-8")
    one_line_exit_3(fetch(plugins, path), path, "nested", "line 2")


@pytest.mark.parametrize("depth", [300, 900])
def test_moderately_deep_json_is_stored_or_refused_in_one_line(plugins, tmp_path, depth):
    """Deep enough to pass the parser but not the rest: never a crash."""
    path = tmp_path / "t.json"
    deep = "[" * depth + "]" * depth
    path.write_text(f'[{{"id": "1", "name": "A", "x": {deep}}}]', encoding="utf-8")
    result = fetch(plugins, path)
    if result.exit_code == 0:
        assert '"x":' + deep in result.stdout
    else:
        one_line_exit_3(result, path, "nested")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_huge_integer_is_one_line(plugins, tmp_path, fmt):
    row = '{"id": "2", "name": "Bravo", "x": ' + "9" * 5000 + "}"
    path = tmp_path / f"t.{fmt}"
    text = f'[{{"id": "1", "name": "A"}},\n{row}]' if fmt == "json" \
        else f'{{"id": "1", "name": "A"}}\n{row}\n'
    path.write_text(text, encoding="utf-8")
    one_line_exit_3(fetch(plugins, path), path, "digits", "line 2")


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_lone_surrogate_is_one_line(plugins, tmp_path, fmt):
    rows = ['{"id": "1", "name": "Alpha \\ud83d\\ude00"}',  # a pair is one character: fine
            '{"id": "2", "name": "Bravo", "note": "x\\ud800y"}']
    path = tmp_path / f"t.{fmt}"
    text = "[" + ",\n".join(rows) + "]" if fmt == "json" else "\n".join(rows) + "\n"
    path.write_text(text, encoding="utf-8")
    one_line_exit_3(fetch(plugins, path), path, "row 2", "surrogate")


def test_lone_surrogate_fails_its_watch_alone(tmp_path):
    """The other watch's change is still stored; the bad table's watch exits 3."""
    listwatch = shutil.which("listwatch")
    (tmp_path / "good.csv").write_text("id,name\n1,Alpha\n", encoding="utf-8")
    (tmp_path / "bad.json").write_text('[{"id": "1", "name": "A"}]', encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text(
        '[[watch]]\nname = "good"\nsource = "table"\nlocation = "good.csv"\n'
        '[[watch]]\nname = "bad"\nsource = "table"\nlocation = "bad.json"\n', encoding="utf-8")

    def check():
        return subprocess.run([listwatch, "check"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, env={**os.environ})

    assert check().returncode == 0
    (tmp_path / "good.csv").write_text("id,name\n1,Alpha\n2,Bravo\n", encoding="utf-8")
    (tmp_path / "bad.json").write_text('[{"id": "1", "name": "A\\udfff"}]', encoding="utf-8")
    run = check()
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    bad = [line for line in (run.stdout + run.stderr).splitlines() if "bad.json" in line]
    assert len(bad) == 1 and "surrogate" in bad[0] and "row 1" in bad[0], run.stderr
    assert "Bravo" in run.stdout
    stored = sorted((tmp_path / ".listwatch/watches/good/snapshots").glob("*.json"))
    assert len(stored) == 2 and "Bravo" in stored[-1].read_text(encoding="utf-8")
    assert len(list((tmp_path / ".listwatch/watches/bad/snapshots").glob("*.json"))) == 1
