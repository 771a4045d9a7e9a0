"""Test a source plugin the way listwatch's own tests do: a fresh plugin manager."""

import listwatch_example_source
import pytest

import listwatch
from listwatch.fetching import Context
from listwatch.plugins import make_plugins, register
from listwatch.sources import collect_sources, run


@pytest.fixture
def source():
    plugins = make_plugins(autoload=False)
    register(plugins, listwatch_example_source, "listwatch_example_source")
    return collect_sources(plugins)["lines"]


def test_lines_become_entries(source, tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# markets\nTAOBAO\n\nDHGate\n", encoding="utf-8")
    snapshot = run(source, str(path), {}, Context())
    assert [e["name"] for e in snapshot["entries"]] == ["DHGate", "TAOBAO"]
    assert snapshot["source"]["plugin"] == "lines"


def test_empty_file_is_a_source_error(source, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(listwatch.SourceError, match="no entries"):
        run(source, str(path), {}, Context())
