"""Snapshot validation: every bad input is one line and an exit code; the fast validator
(jsonschema-rs) agrees with the reference (jsonschema) on a corpus."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listwatch import snapshot
from listwatch.cli import App, cli
from listwatch.errors import InvalidSnapshot
from listwatch.validation import (
    check_snapshot,
    entry_is_valid,
    reference_errors,
    schema_errors,
    snapshot_errors,
)

SOURCE = {"plugin": "table", "retrieved_at": "2026-01-01T00:00:00Z"}


def valid_doc(n: int = 5) -> dict:
    entries = [{"id": f"e{i}", "name": f"Entry {i}", "category": "online", "aliases": [],
                "urls": [f"e{i}.example"], "attributes": {"rank": i},
                "provenance": {"page": i}} for i in range(n)]
    return snapshot.make({"id": "l", "edition": "2023"}, entries, dict(SOURCE), [])


def invoke(plugins, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj=App(plugins=plugins))


def doc_bytes(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def mutated(change) -> bytes:
    doc = valid_doc()
    change(doc)
    return doc_bytes(doc)


def dup_canonical() -> bytes:
    """Canonical layout, one entry line repeated: the diff's fast path must notice."""
    lines = snapshot.dumps(valid_doc()).splitlines(keepends=True)
    lines.insert(8, lines[8])
    return "".join(lines).encode()


BAD_INPUTS = {
    # name: (file content or None for special cases, expected message fragment)
    "not-json": (b'{"listwatch": "snapshot/1", ', "not JSON: Expecting"),
    "not-utf8": (doc_bytes(valid_doc()).replace(b"Entry 3", b"Entr\xff 3"), "not UTF-8 text"),
    "latin1": ('{"listwatch": "snapshot/1", "x": "café"}'.encode("latin-1"), "not UTF-8"),
    "empty": (b"", "empty file, not a snapshot"),
    "blank": (b" \n\t\n", "empty file, not a snapshot"),
    "top-level-array": (b'[{"id": "a", "name": "A"}]', "the top level is a list"),
    "top-level-string": (b'"snapshot"', "the top level is a str"),
    "top-level-null": (b"null", "the top level is a NoneType"),
    "too-deep": (b"[" * 100_000, "not JSON"),
    "wrong-version": (mutated(lambda d: d.update(listwatch="snapshot/2")), "listwatch: "),
    "no-version": (mutated(lambda d: d.pop("listwatch")), "is a required property"),
    "duplicate-ids": (mutated(lambda d: d["entries"][3].update(id="e1")),
                      "entries[3].id: duplicate id 'e1' (first at entries[1])"),
    "duplicate-ids-canonical": (dup_canonical(), "duplicate id"),
    "missing-id": (mutated(lambda d: d["entries"][2].pop("id")), "entries[2]: "),
    "missing-name": (mutated(lambda d: d["entries"][4].pop("name")), "entries[4]: "),
    "empty-name": (mutated(lambda d: d["entries"][3].update(name="")), "entries[3].name: "),
    "blank-name": (mutated(lambda d: d["entries"][3].update(name="   ")), "entries[3].name: "),
    "empty-id": (mutated(lambda d: d["entries"][0].update(id="")), "entries[0].id: "),
    "name-not-string": (mutated(lambda d: d["entries"][1].update(name=7)), "entries[1].name: "),
    "entries-not-array": (mutated(lambda d: d.update(entries={})), "entries: "),
    "urls-not-array": (mutated(lambda d: d["entries"][1].update(urls="x.com")),
                       "entries[1].urls: "),
    "missing-list-id": (mutated(lambda d: d["list"].pop("id")), "list: "),
    "bad-sha256": (mutated(lambda d: d["source"].update(sha256="xyz")), "source.sha256: "),
    "missing-file": (None, "no such file"),
    "directory": (None, "is a directory"),
}
# A missing file named on the command line is a usage error (exit 2): tests/test_cli.py.
BAD_FILES = sorted(set(BAD_INPUTS) - {"missing-file"})


def make_input(tmp_path: Path, name: str) -> Path:
    content, _ = BAD_INPUTS[name]
    path = tmp_path / f"{name}.json"
    if name == "directory":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", BAD_FILES)
def test_validate_bad_input(plugins, tmp_path, name):
    path = make_input(tmp_path, name)
    result = invoke(plugins, "validate", path)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == "0 of 1 file valid"
    errors = lines[:-1]
    assert errors and all(line.startswith(f"{path}: ") for line in errors)
    assert BAD_INPUTS[name][1] in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", BAD_FILES)
@pytest.mark.parametrize("side", ["old", "new"])
def test_diff_bad_input(plugins, tmp_path, name, side):
    bad = make_input(tmp_path, name)
    good = tmp_path / "good.json"
    good.write_text(snapshot.dumps(valid_doc(6)), encoding="utf-8")
    args = (bad, good) if side == "old" else (good, bad)
    result = invoke(plugins, "diff", *args)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {bad}: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert BAD_INPUTS[name][1] in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["duplicate-ids-canonical", "not-utf8", "blank-name"])
def test_diff_bad_input_against_itself(plugins, tmp_path, name):
    bad = make_input(tmp_path, name)
    result = invoke(plugins, "diff", bad, bad)
    assert result.exit_code == 3, result.output
    assert BAD_INPUTS[name][1] in result.stderr


def test_non_utf8_far_into_a_canonical_file(plugins, tmp_path):
    """Past the reader's first buffer: once an internal error (exit 70)."""
    doc = valid_doc(3000)
    good = tmp_path / "good.json"
    good.write_text(snapshot.dumps(doc), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_bytes(good.read_bytes().replace(b'"Entry 2500"', b'"Entry \xff2500"'))
    result = invoke(plugins, "diff", good, bad)
    assert result.exit_code == 3 and "not UTF-8" in result.stderr


def test_validate_prints_every_error_with_its_path(plugins, tmp_path):
    doc = valid_doc()
    doc["entries"][3]["name"] = ""
    doc["entries"][1]["urls"] = "e1.example"
    doc["entries"][4]["id"] = "e0"
    del doc["list"]["id"]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(doc, indent=2))
    result = invoke(plugins, "validate", path)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[-1] == "0 of 1 file valid"
    prefixes = [line.split(": ", 2)[1] for line in lines[:-1]]
    assert lines[0].startswith(f"{path}: ")
    assert "entries[1].urls" in prefixes and "list" in prefixes
    assert "entries[4].id" in prefixes  # the duplicate id
    assert prefixes.count("entries[3].name") >= 1
    assert prefixes == sorted(prefixes, key=lambda p: p.replace("[", "."))  # in path order


def test_errors_sorted_with_numeric_indices():
    doc = valid_doc(12)
    for i in (10, 2, 11):
        doc["entries"][i]["name"] = ""
    doc["entries"][3]["id"] = "e1"
    found = list(dict.fromkeys(line.split(":", 1)[0] for line in snapshot_errors(doc)))
    assert found == ["entries[2].name", "entries[3].id", "entries[10].name", "entries[11].name"]


def test_validate_several_files(plugins, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(snapshot.dumps(valid_doc()))
    bad = make_input(tmp_path, "empty")
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(valid_doc(), indent=4))  # any layout is accepted
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + snapshot.dumps(valid_doc()).encode())
    result = invoke(plugins, "validate", good, bad, pretty, bom)
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [f"{bad}: empty file, not a snapshot", "3 of 4 files valid"]
    assert invoke(plugins, "validate", good, pretty, bom).exit_code == 0


def test_load_and_check_snapshot(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(snapshot.dumps(valid_doc()))
    assert snapshot.load(path) == valid_doc()
    doc = valid_doc()
    doc["entries"][0]["name"] = ""
    with pytest.raises(InvalidSnapshot) as err:
        check_snapshot(doc, "here")
    assert str(err.value).startswith("here: entries[0].name: ")


def test_schema_allows_extra_fields_and_nulls():
    doc = valid_doc()
    doc["entries"][0].update(country=None, category=None, extra={"a": [1]})
    doc["list"].update(title=None, published="2024-01-30")
    doc["comment"] = "tools may add fields"
    assert snapshot_errors(doc) == []


# -- jsonschema-rs (used for snapshots) agrees with jsonschema (the reference) ----------------

def paths(errors):
    return sorted(path for path, _ in errors)


def assert_agree(doc):
    fast, ref = schema_errors(doc), reference_errors("snapshot", doc)
    assert paths(fast) == paths(ref), (fast, ref)
    entries = doc.get("entries") if isinstance(doc, dict) else None
    if isinstance(entries, list):
        for i, entry in enumerate(entries):
            bad = any(p == f"entries[{i}]" or p.startswith((f"entries[{i}].", f"entries[{i}]["))
                      for p, _ in ref)
            assert entry_is_valid(entry) is not bad, (entry, ref)


def corpus():
    yield valid_doc(0)
    yield valid_doc(3)
    for name, (content, _) in BAD_INPUTS.items():
        if content is None or name == "too-deep":
            continue
        try:
            yield json.loads(content.decode("utf-8"))
        except ValueError:
            continue
    mutations = [
        lambda d: d.update(warnings=["ok", 3]),
        lambda d: d.update(warnings="none"),
        lambda d: d["source"].update(retrieved_at=""),
        lambda d: d["source"].pop("plugin"),
        lambda d: d["source"].update(plugin_version=1.5),
        lambda d: d["source"].update(sha256="A" * 64),
        lambda d: d["source"].update(sha256="a" * 64),
        lambda d: d["list"].update(title=["x"], edition=2023),
        lambda d: d.update(list=None, source=[]),
        lambda d: d["entries"].append("not an object"),
        lambda d: d["entries"].append({}),
        lambda d: d["entries"][0].update(aliases=["a", None], urls=[1, 2]),
        lambda d: d["entries"][0].update(attributes=[], provenance="p. 3"),
        lambda d: d["entries"][0].update(id="\t", name="\n"),
        lambda d: d["entries"][0].update(id=" x ", name=" y "),
        lambda d: d["entries"][0].update(category=1, country=True),
        lambda d: d.clear(),
    ]
    for change in mutations:
        doc = valid_doc(3)
        change(doc)
        yield doc


@pytest.mark.parametrize("doc", list(corpus()))
def test_validators_agree_on_corpus(doc):
    assert_agree(doc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False,
                                                                       allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["", " ", "a" * 64, "snapshot/1", "\u00e9"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "name", "urls", "x", "plugin", "retrieved_at"]), inner,
        max_size=3),
    max_leaves=6)

PATHS = [("listwatch",), ("list",), ("list", "id"), ("list", "title"), ("source",),
         ("source", "plugin"), ("source", "retrieved_at"), ("source", "sha256"), ("warnings",),
         ("entries",), ("entries", 0), ("entries", 1, "id"), ("entries", 1, "name"),
         ("entries", 2, "urls"), ("entries", 2, "aliases"), ("entries", 0, "attributes"),
         ("entries", 0, "provenance"), ("entries", 1, "category"), ("entries", 2, "country")]


@st.composite
def mutated_docs(draw):
    doc = valid_doc(3)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        target = doc
        try:
            for key in path[:-1]:
                target = target[key]
            if draw(st.booleans()) and isinstance(target, dict):
                target.pop(path[-1], None)
            else:
                target[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            pass
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_docs())
def test_validators_agree_on_mutations(doc):
    assert_agree(copy.deepcopy(doc))
