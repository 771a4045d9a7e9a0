"""Hostile PDFs cannot take the run down (issue 11, item 4).

The ``ustr-nml`` source parses each document in a child process limited in memory, CPU
time and wall time (plugins/listwatch_ustr_nml/isolate.py). A decompression bomb, a PDFium
abort or a runaway parse fails that watch alone: one line, exit 3; the other watches of the
run finish and are stored. The bombs are built by tests/fixtures/hostile.py; a crash that no
small real document reproduces reliably is stood in for by the child's test hook.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.hostile import bomb_pdf
from listwatch_ustr_nml import isolate
from listwatch_ustr_nml.text import BadDocument

LISTWATCH = str(Path(sys.executable).with_name("listwatch"))


def lw(cwd: Path, *args: str, env=None, limit_as: int | None = None):
    def limit() -> None:
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))

    return subprocess.run([LISTWATCH, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, preexec_fn=limit)


@pytest.fixture
def project(tmp_path):
    """Two watches: a report PDF (hostile in each test) and a table that must still be
    stored."""
    (tmp_path / "report.pdf").write_bytes(bomb_pdf(1))
    (tmp_path / "list.csv").write_text("id,name\na,Alpha Market\nb,Beta Bazaar\n")
    (tmp_path / "listwatch.toml").write_text(
        '[[watch]]\nname = "nml"\nsource = "ustr-nml"\nlocation = "report.pdf"\n\n'
        '[[watch]]\nname = "list"\nsource = "table"\nlocation = "list.csv"\n')
    return tmp_path


def stored(project: Path, watch: str) -> list[Path]:
    return sorted((project / ".listwatch").glob(f"watches/{watch}/snapshots/*.json"))


def assert_one_line_failure(result, watch: str, line: str) -> None:
    assert result.returncode == 3, result.stderr
    errors = [x for x in result.stderr.splitlines() if line in x]
    assert len(errors) == 1 and errors[0].startswith(f"error: watch {watch}: "), result.stderr
    assert "Traceback" not in result.stderr


def test_bomb_under_a_process_memory_limit_fails_its_watch_only(project):
    """A 1 MB PDF inflating to 1 GiB, in a process limited to 700 MB (a container, a
    ulimit): PDFium aborted the whole run (exit 134, nothing stored); now the parser child
    dies alone and the table watch is stored."""
    (project / "report.pdf").write_bytes(bomb_pdf(1024))
    result = lw(project, "check", limit_as=700 << 20)
    assert_one_line_failure(result, "nml", "report.pdf: the PDF parser was killed: it used "
                            "more than 700 MiB of memory (a decompression bomb?)")
    assert stored(project, "list") and not stored(project, "nml")


def test_bomb_past_the_parser_memory_option(project):
    (project / "report.pdf").write_bytes(bomb_pdf(400))
    result = lw(project, "fetch", "ustr-nml", "report.pdf", "-O", "parser_memory=200")
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr == ("error: report.pdf: the PDF parser was killed: it used more than "
                             "200 MiB of memory (a decompression bomb?)\n")


@pytest.mark.parametrize("signal_name", ["SIGABRT", "SIGKILL", "SIGSEGV"])
def test_parser_crash_is_one_line_and_other_watches_finish(project, signal_name):
    result = lw(project, "check", env={isolate.TEST_HOOK: signal_name})
    assert_one_line_failure(result, "nml", f"report.pdf: the PDF parser crashed ({signal_name});"
                            " the document is probably malformed")
    assert stored(project, "list") and not stored(project, "nml")


def test_cpu_limit_stops_a_runaway_parse(monkeypatch):
    monkeypatch.setenv(isolate.TEST_HOOK, "spin")
    with pytest.raises(BadDocument, match=r"^the PDF parser was killed: it used more than "
                                          r"1 s of CPU time$"):
        isolate.read_report(bomb_pdf(1), seconds=1, wall=120)    # a busy machine


@pytest.mark.parametrize("how, wall, message", [
    ("hang", 1, r"^the PDF parser was killed: it took longer than 1 s$"),
    ("memory", None, r"^the PDF parser was killed: it used more than 256 MiB of memory"),
])
def test_deadline_and_memory_limit_in_the_child(monkeypatch, how, wall, message):
    monkeypatch.setenv(isolate.TEST_HOOK, how)
    with pytest.raises(BadDocument, match=message):
        isolate.read_report(bomb_pdf(1), memory_mib=256, wall=wall)


def test_a_document_error_in_the_child_is_the_same_line(tmp_path):
    """What the parser says about a bad document crosses the process boundary unchanged."""
    with pytest.raises(BadDocument, match=r"^no text layer; OCR is not supported"):
        isolate.read_report(bomb_pdf(1))
