"""The plugin's tests: only listwatch.testing, as every plugin's tests should be.

``run_source`` runs the source as ``listwatch fetch`` does (options checked, defaults
filled in, text normalised, snapshot validated); ``listwatch_http`` is a fixture
listwatch's pytest plugin provides: a local HTTP server with ETag and Last-Modified.
"""

import pytest
from listwatch_example_source import Lines

import listwatch
from listwatch.testing import assert_ids_stable, installed_source, run_source


def test_lines_become_entries(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# markets\nTAOBAO\n\nDHGate\n", encoding="utf-8")
    snapshot = run_source(Lines(), str(path))
    assert [e["name"] for e in snapshot["entries"]] == ["DHGate", "TAOBAO"]
    assert snapshot["list"]["id"] == "example-lines"
    assert snapshot["source"]["plugin"] == "example-lines"


def test_options(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text(";skipped\nTAOBAO\n", encoding="utf-8")
    snapshot = run_source(Lines(), str(path), {"comment": ";", "list_id": "markets"})
    assert [e["name"] for e in snapshot["entries"]] == ["TAOBAO"]
    assert snapshot["list"]["id"] == "markets"
    with pytest.raises(listwatch.OptionsError):  # the command line exits 2
        run_source(Lines(), str(path), {"comment": "//"})


def test_empty_file_is_a_source_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(listwatch.SourceError, match="no entries"):  # exit 3
        run_source(Lines(), str(path))


def test_ids_are_stable_over_http(listwatch_http):
    url = listwatch_http.serve(b"TAOBAO\nDHGate\n", "/names.txt")
    snapshot = assert_ids_stable(Lines(), url)
    assert {e["id"] for e in snapshot["entries"]} == {"taobao", "dhgate"}


def test_installed_through_the_entry_point():
    assert isinstance(installed_source("example-lines"), Lines)
