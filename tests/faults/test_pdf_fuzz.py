"""Corrupt but parseable PDFs are held back, never taken as the list (issue 11, item 10).

Byte-flipped copies of a generated report (tests/fixtures/make_reports.py, with its ground
truth) each either fail (SourceError, exit 3; HeldBack when the report's own checks doubt
the parse) or yield exactly the true market set. Before the self-checks, 16 of 40 such
copies gave fewer or garbage headings with only warnings, exit 0.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fixtures import make_reports
from fixtures.hostile import flipped
from receivers import WebhookReceiver

from listwatch import SourceError
from listwatch.errors import HeldBack
from listwatch.fetching import Context
from listwatch.sources import collect_sources, run

COPIES = 40


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """The 2017 edition: no market rows in its table of contents, so only the report's
    stated counts, its headings and its bytes can tell a damaged copy."""
    return make_reports.make_report(2017, tmp_path_factory.mktemp("fuzz") / "nml-2017.pdf")


def test_byte_flipped_reports_fail_or_give_the_true_markets(report, plugins, tmp_path,
                                                             monkeypatch):
    from listwatch_ustr_nml import isolate

    # the parse itself, without a child process per copy (tests/faults/test_hostile_pdf.py
    # covers the process boundary); everything else is the real fetch and run
    monkeypatch.setattr(isolate, "read_report", lambda content, *a, **k:
                        isolate.read_in_process(content))
    reg = collect_sources(plugins)["ustr-nml"]
    truth = {e["id"] for e in report["entries"]}
    good = Path(report["path"]).read_bytes()
    assert {e["id"] for e in run(reg, report["path"], {}, Context())["entries"]} == truth
    rng = random.Random(11)
    outcomes = {"failed": 0, "held back": 0, "true": 0}
    for copy in range(COPIES):
        path = tmp_path / f"copy-{copy}.pdf"
        path.write_bytes(flipped(good, rng, rng.randint(1, 4)))
        try:
            snap = run(reg, str(path), {}, Context(watch="nml"))
        except HeldBack:
            outcomes["held back"] += 1
            continue
        except SourceError:
            outcomes["failed"] += 1
            continue
        got = {e["id"] for e in snap["entries"]}
        assert got == truth, (copy, sorted(got ^ truth)[:5], snap["warnings"][:3])
        outcomes["true"] += 1
    print(f"\n{COPIES} byte-flipped copies: {outcomes}")
    assert outcomes["held back"] >= COPIES // 2     # the checks, not luck, did the work


def test_held_back_snapshot_is_not_stored_and_on_error_hears(tmp_path):
    """A report whose contents and body disagree: exit 3, nothing stored or sent, on_error
    told; the other watch is stored; with strict = false it is stored with the doubts as
    warnings; `fetch` fails the same way unless --no-strict."""
    from click.testing import CliRunner

    from listwatch.cli import App, cli

    truth = make_reports.make_report(2019, tmp_path / "odd.pdf", drop=("TAOBAO",))
    (tmp_path / "list.csv").write_text("id,name\na,Alpha Market\n")
    with WebhookReceiver() as hook:
        config = tmp_path / "listwatch.toml"

        def configure(strict: str) -> None:
            config.write_text(
                f'[alerts]\non_error = ["{hook.url("json", "/ops")}"]\nretries = 0\n\n'
                f'[[watch]]\nname = "nml"\nsource = "ustr-nml"\nlocation = "odd.pdf"\n{strict}'
                '\n[[watch]]\nname = "list"\nsource = "table"\nlocation = "list.csv"\n')

        def lw(*args: str):
            return CliRunner().invoke(cli, ["--config", str(config), *args], obj=App())

        configure("")
        result = lw("check")
        assert result.exit_code == 3, result.stderr
        [line] = [x for x in result.stderr.splitlines() if x.startswith("error: watch nml: ")]
        assert line.endswith("odd.pdf: held back, the source's self-checks failed: online "
                             "market \u201cTAOBAO\u201d (PDF page 25) is not in the table of "
                             "contents; look at it, then `listwatch check --accept nml` or set "
                             "strict = false")
        store = tmp_path / ".listwatch"
        assert not list(store.glob("watches/nml/snapshots/*.json"))
        assert list(store.glob("watches/list/snapshots/*.json"))
        [notice] = hook.accepted
        assert "held back" in notice.payload["message"]

        result = lw("fetch", "ustr-nml", truth["path"])
        assert result.exit_code == 3 and result.stdout == ""
        assert "`listwatch fetch --no-strict` to print it anyway" in result.stderr
        result = lw("fetch", "ustr-nml", truth["path"], "--no-strict")
        assert result.exit_code == 0
        assert "warning: online market \u201cTAOBAO\u201d (PDF page 25)" in result.stderr
        assert {e["id"] for e in json.loads(result.stdout)["entries"]} == {
            e["id"] for e in truth["entries"]}

        configure("strict = false\n")
        result = lw("check")
        assert result.exit_code == 0, result.stderr
        [snap] = store.glob("watches/nml/snapshots/*.json")
        assert any("TAOBAO" in w for w in json.loads(snap.read_text())["warnings"])
        assert len(hook.accepted) == 2  # on_error hears that the watch works again
        assert "works again" in hook.accepted[1].payload["message"]
