"""The table source on bad input: one clear line naming the file and the row or line, exit 3."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from listwatch import SourceError, snapshot
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
    bad = [line for line in run.stderr.splitlines() if "bad.json" in line]
    assert len(bad) == 1 and "surrogate" in bad[0] and "row 1" in bad[0], run.stderr
    assert "Bravo" in run.stdout
    stored = sorted((tmp_path / ".listwatch/watches/good/snapshots").glob("*.json"))
    assert len(stored) == 2 and "Bravo" in stored[-1].read_text(encoding="utf-8")
    assert len(list((tmp_path / ".listwatch/watches/bad/snapshots").glob("*.json"))) == 1


# -- the one-pass reader gives the snapshot the DictReader code gave -------------------------

def old_entries(text: str, fmt: str, location: str, id_col: str = "id", name_col: str = "name"):
    """The table source before the one-pass reader, verbatim (CSV and TSV)."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text, newline=""),
                            delimiter="\t" if fmt == "tsv" else ",")
    rows = list(reader)
    if reader.fieldnames is None:
        raise SourceError(f"{location}: empty {fmt.upper()} file (no header row)")
    for number, row in enumerate(rows, 1):
        if None in row:
            raise SourceError(f"{location}: row {number} has more cells than the header")
    entries, seen = [], {}
    for number, row in enumerate(rows, 1):
        key = "" if row.get(id_col) is None else " ".join(str(row.get(id_col)).split())
        name = "" if row.get(name_col) is None else " ".join(str(row.get(name_col)).split())
        if not key:
            raise SourceError(f"{location}: row {number} has no value in id column "
                              f"{id_col!r} (columns: {', '.join(map(str, row)) or 'none'})")
        if not name:
            raise SourceError(f"{location}: row {number} has no value in name column "
                              f"{name_col!r} (set -O name=COLUMN)")
        if key in seen:
            raise SourceError(f"{location}: rows {seen[key]} and {number} share the id "
                              f"{key!r} in column {id_col!r}")
        seen[key] = number
        attributes = {k: v for k, v in row.items() if k not in (id_col, name_col)
                      and v not in (None, "")}
        entries.append({"id": key, "name": name, "attributes": attributes,
                        "provenance": {"row": number}})
    return entries


NFD = unicodedata.normalize("NFD", "Société Générale")
TABLES = [
    "id,name,country\n1,Alpha,CN\n2,Bravo,\n3,Charlie,RU\n",
    "id,name,country\r\n1,Alpha,CN\r\n2,Bravo,\r\n",
    "id,name,country\r1,Alpha,CN\r2,Bravo,RU\r",
    "id,name,note\n1, Alpha ,x\n2,Bravo  Two,\t tab\n3,\"Charlie\nDelta\",\"a\r\nb\"\n",
    'id,name,note\n1,"Alpha, Inc.","say ""hi"""\n2,"Bravo",""\n',
    'id,name,note\n1,"Multi\nline",x\n2,Bravo,y\n',
    'id,name,note\n1,"Multi\nline",x\n2,"Bravo\n",y\n',
    "id,name,note\n\n1,Alpha,x\n\n\n2,Bravo,y\n\n",
    "id,name,a,b\n1,Alpha\n2,Bravo,x\n3,Charlie,,y\n",
    "id,name,a,a\n1,Alpha,x,y\n2,Bravo,,z\n",
    "name,id,x\nAlpha,1,\xa0nbsp\nBravo,2,a\u2003b\n",
    f"id,name,note\n1,{NFD},{NFD}\n2,Bravo,ok\n",
    f"id,{NFD}\n1,x\n",
    "id,name\n 1 ,Alpha\n1,Bravo\n",
    "id,name\n1,\n",
    "id,name\n,A\n",
    "id,name,x\n1,A,extra,more\n2,,\n",
    "id,name\n1,A\n1,B\n",
    "code,label\n1,A\n",
    "id,name\n1,A\n2,B",
    "id,name\n1,A \n2,B",
    " id,name\n1,A\n",
    "id\tname\tnote\n1\tAlpha\tx y\n2\t\"Bra\tvo\"\t\n",
    "id\tname\n1\t Alpha\n",
    "id\tname\tnote\n1\tAlpha\tx y\n2\tBravo\t\n\n3\tCharlie\tz\n",
    "id,name,note\n1,Alpha,x y\n2,Bravo,\n3,Charlie,\"z,w\"\n",
    "id,name,note\n1,Alpha,\x0bvt\n2,Bravo,\x1cfs\n",
    "",
    "\n\n",
]


@pytest.mark.parametrize("text", TABLES)
@pytest.mark.parametrize("columns", [("id", "name"), ("id", "id")])
def test_one_pass_reader_gives_the_same_snapshot(text, columns):
    import listwatch_table

    fmt = "tsv" if "\t" in text.split("\n", 1)[0] else "csv"
    try:
        want = old_entries(text, fmt, "t", *columns)
    except SourceError as exc:
        with pytest.raises(SourceError) as got:
            listwatch_table.csv_entries(text, fmt, "t", *columns)
        assert str(got.value) == str(exc)
        return
    got = listwatch_table.csv_entries(text, fmt, "t", *columns)
    source = {"plugin": "table", "retrieved_at": "2026-01-01T00:00:00Z"}
    assert snapshot.canonical(snapshot.make_with_text({"id": "t"}, got, source, [])) == \
        snapshot.dumps(snapshot.make({"id": "t"}, want, source, []))
