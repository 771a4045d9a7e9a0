"""A tampered or half-written store gets one clear line, never silence or exit 70
(issue 11, item 8): damaged outbox records and state files are moved aside (exit 3),
a pending alert whose snapshot was deleted is still delivered, a killed run's partial
files are cleaned up by the next run, and a failed state write says what was kept.
"""

from __future__ import annotations

import json
import os

import pytest
from receivers import WebhookReceiver
from test_alerts import Project


@pytest.fixture
def hook():
    with WebhookReceiver() as r:
        yield r


def _pending_change(p: Project, hook: WebhookReceiver) -> tuple:
    """A committed change whose alert could not be delivered: (record, snapshot)."""
    assert p.run("check").exit_code == 0
    hook.down()
    p.add("c", "Gamma Shop")
    assert p.run("check").exit_code == 4
    hook.up()
    [record] = p.outbox()
    return record, p.store / "watches" / "t" / "snapshots" / record.name


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("content", [b"", b'{"listwatch": "outbox/1", "watch": "t", "di',
                                     b"\x00\xff garbage", b"[1, 2]"])
def test_garbage_or_truncated_outbox_record_is_named_and_moved_aside(tmp_path, hook, content):
    p = Project(tmp_path, [hook.url("json", "/json")])
    record, _ = _pending_change(p, hook)
    record.write_bytes(content)
    r = p.run("outbox")
    assert r.exit_code == 3 and "damaged outbox record" in r.stderr
    assert record.exists()  # `outbox` holds no lock: it never moves anything
    r = p.run("check")
    assert r.exit_code == 3, r.stderr
    [line] = _error_lines(r.stderr)
    assert f"outbox/t/{record.name}: damaged outbox record" in line
    assert "its alert was not sent" in line and f"moved aside to {record.name}.broken" in line
    assert not record.exists() and record.with_name(record.name + ".broken").exists()
    assert hook.requests == []
    r = p.run("check")  # said once; the store is clean again
    assert r.exit_code == 0 and r.stderr.count("damaged") == 0


@pytest.mark.parametrize("change", [{"diff": {}}, {"diff": {"counts": []}}, {"kinds": ["x"]},
                                    {"targets": [{"id": 1}]}, {"watch": None}])
def test_outbox_record_with_a_wrong_shape_is_one_line_exit_3(tmp_path, hook, change):
    p = Project(tmp_path, [hook.url("json", "/json")], on_error=[hook.url("json", "/ops")])
    record, _ = _pending_change(p, hook)
    hook.accepted.clear()
    record.write_text(json.dumps({**json.loads(record.read_text()), **change}))
    r = p.run("check")
    assert r.exit_code == 3, r.output
    assert "internal error" not in r.stderr
    [line] = _error_lines(r.stderr)
    assert record.name in line and "damaged outbox record" in line
    assert record.with_name(record.name + ".broken").exists()
    [notice] = hook.accepted  # the maintainers hear of it
    assert notice.path == "/ops" and "damaged outbox record" in notice.payload["message"]


@pytest.mark.parametrize("content", [b"[]", b"", b"{not json", b'"text"'])
def test_damaged_state_file_fails_its_watch_once_with_one_line(tmp_path, hook, content):
    p = Project(tmp_path, [hook.url("json", "/json")])
    assert p.run("check").exit_code == 0
    state = p.store / "watches" / "t" / "state.json"
    state.write_bytes(content)
    r = p.run("check")
    assert r.exit_code == 3, r.output
    [line] = _error_lines(r.stderr)
    assert "watches/t/state.json: damaged (not a JSON object)" in line
    assert "moved aside to state.json.broken" in line
    assert state.with_name("state.json.broken").read_bytes() == content
    p.add("c", "Gamma Shop")
    r = p.run("check")
    assert r.exit_code == 0, r.stderr
    assert hook.count() == 1 and json.loads(state.read_text())["documents"]


def test_deleted_snapshot_of_a_pending_alert_still_delivers_it_and_says_so(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    record, snapshot = _pending_change(p, hook)
    snapshot.unlink()
    r = p.run("check")
    assert r.exit_code == 0, r.stderr
    assert f"the snapshot {record.name} of a pending alert is missing" in r.stderr
    assert hook.count() == 1 and "Gamma Shop" in hook.accepted[0].payload["message"]
    assert p.outbox() == []


def test_a_killed_runs_partial_files_are_cleaned_up_by_the_next_run(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    record, snapshot = _pending_change(p, hook)
    # killed between the snapshot's commit and the record's rename: roll forward
    record.rename(record.with_name(record.name + ".pending"))
    # killed before a snapshot's commit: its record must never be sent
    orphan = record.with_name("000099-20990101T000000Z.json.pending")
    orphan.write_text(record.with_name(record.name + ".pending").read_text())
    big = b"x" * (1 << 20)
    partial = [snapshot.with_name(f".000099-20990101T000000Z.json.{n}.tmp") for n in (7, 8)]
    partial += [p.store / "documents" / "ab" / ".abcd.9.tmp",
                p.store / "outbox" / "t" / f".{record.name}.10.tmp"]
    for path in partial:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(big)
    listed = p.run("outbox", "--format", "json")  # a reader without the lock sees it
    assert [row["snapshot"] for row in json.loads(listed.stdout)["pending"]] == [record.name]
    r = p.run("-v", "check")
    assert r.exit_code == 0, r.stderr
    assert not [path for path in partial if path.exists()]
    assert not orphan.exists() and p.outbox() == []
    assert hook.count() == 1 and "Gamma Shop" in hook.accepted[0].payload["message"]
    assert "removed the partial file" in r.stderr
    assert not list(p.store.rglob("*.tmp")) and not list(p.store.rglob("*.pending"))


def test_failed_state_write_after_the_commit_says_what_was_kept(tmp_path, hook):
    p = Project(tmp_path, [hook.url("json", "/json")])
    assert p.run("check").exit_code == 0
    p.add("c", "Gamma Shop")
    # the state's temp file cannot be created (a directory in its place): the
    # snapshot and its outbox record are committed first, then the state write fails
    blocker = p.store / "watches" / "t" / f".state.json.{os.getpid()}.tmp"
    blocker.mkdir()
    r = p.run("check")
    assert r.exit_code == 2, r.output
    [line] = _error_lines(r.stderr)
    assert "cannot write the state of watch t" in line
    assert "nothing was changed" not in line
    assert "snapshots, pending alerts" in line and "kept" in line
    assert len(list((p.store / "watches" / "t" / "snapshots").glob("*.json"))) == 2
    assert len(p.outbox()) == 1
    blocker.rmdir()
    assert p.run("check").exit_code == 0
    assert hook.count() == 1 and p.outbox() == []


def test_damaged_errors_file_is_named_moved_aside_and_rebuilt(tmp_path, hook):
    p = Project(tmp_path, [], on_error=[hook.url("json", "/ops")])
    assert p.run("check").exit_code == 0
    p.csv.unlink()
    assert p.run("check").exit_code == 3 and len(hook.accepted) == 1
    errors = p.store / "errors.json"
    errors.write_text("[]")
    r = p.run("check")
    assert r.exit_code == 3
    assert "errors.json: damaged (not a JSON object)" in r.stderr
    assert errors.with_name("errors.json.broken").exists()
    assert len(hook.accepted) == 2  # told again: what was told before is not known
    assert json.loads(errors.read_text())["problems"]


def test_an_errors_file_that_cannot_be_read_is_said_and_left_where_it_is(tmp_path, hook):
    """Unreadable (here: a directory, which root cannot read either) is not damaged: one
    line, nothing moved aside, and the alerts still go out."""
    p = Project(tmp_path, [hook.url("json", "/people")], on_error=[hook.url("json", "/ops")])
    assert p.run("check").exit_code == 0
    errors = p.store / "errors.json"
    errors.mkdir()
    p.add("c", "Gamma Shop")
    r = p.run("check")
    assert r.exit_code == 3, r.stderr
    assert "cannot read errors.json" in r.stderr and "Traceback" not in r.stderr
    assert errors.is_dir() and not errors.with_name("errors.json.broken").exists()
    assert [a.path for a in hook.accepted] == ["/people"]
