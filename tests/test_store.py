"""The directory store: references, atomic writes, the outbox commit rule."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from listwatch.atomic import write_atomic
from listwatch.cli import App, cli
from listwatch.errors import ConfigError, StoreError
from listwatch.snapshot import dumps, load, make
from listwatch.store import Store


def snap(edition: str, names: list[str], when: str) -> dict:
    return make({"id": "nml", "edition": edition},
                [{"id": n.lower(), "name": n} for n in names],
                {"plugin": "test", "retrieved_at": when}, [])


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "store")
    s.save("nml", snap("2021", ["A", "B"], "2022-02-17T10:00:00Z"), b"pdf-2021")
    s.save("nml", snap("2022", ["A", "B", "C"], "2023-01-31T10:00:00Z"), b"pdf-2022")
    s.save("nml", snap("2023", ["A", "C", "D"], "2024-01-30T10:00:00Z"), b"pdf-2023")
    return s


@pytest.mark.parametrize("ref, edition", [
    ("nml@latest", "2023"), ("nml@previous", "2022"), ("nml@-2", "2021"), ("nml@-0", "2023"),
    ("nml@2022", "2022"), ("nml@2024-01-30", "2023"), ("nml@20230131", "2022"),
    ("nml@2022-02-17T10:00:00Z", "2021"),
])
def test_references(store, ref, edition):
    assert load(store.resolve(ref))["list"]["edition"] == edition


@pytest.mark.parametrize("ref, message", [
    ("nml@-3", "has only 3 stored"), ("other@latest", "no stored snapshots of watch 'other'"),
    ("nml@1999", "matches '1999'"), ("nml", "not a stored reference"),
])
def test_bad_references(store, ref, message):
    with pytest.raises(ConfigError, match=message):
        store.resolve(ref)


def test_snapshots_are_canonical_and_documents_content_addressed(store):
    latest = store.latest("nml")
    assert latest.read_text(encoding="utf-8") == dumps(load(latest))
    assert latest.name.startswith("000003-20240130T100000Z")
    import hashlib
    digest = hashlib.sha256(b"pdf-2023").hexdigest()
    # the document is stored only when the snapshot names its sha256
    assert store.document(digest) is None
    s2 = snap("2024", ["A"], "2025-01-08T10:00:00Z")
    s2["source"]["sha256"] = digest
    store.save("nml", s2, b"pdf-2023")
    assert store.document(digest).read_bytes() == b"pdf-2023"


def test_diff_of_stored_references_through_cli(store):
    result = CliRunner().invoke(cli, ["--store", str(store.root), "diff", "nml@2022",
                                      "nml@latest", "--format", "json"], obj=App())
    assert result.exit_code == 1, result.output
    d = json.loads(result.stdout)
    assert [e["name"] for e in d["added"]] == ["D"]
    assert [e["name"] for e in d["removed"]] == ["B"]
    assert d["from"]["edition"] == "2022" and d["to"]["edition"] == "2023"


def test_outbox_record_is_written_pending_and_renamed_after_the_commit(store, monkeypatch):
    s = snap("2024", ["A", "E"], "2025-01-08T10:00:00Z")
    path = store.save("nml", s, None, outbox={"watch": "nml"})
    records = store.outbox()
    assert [r[1]["snapshot"] for r in records] == [path.name]
    assert not list((store.root / "outbox").glob("*/*.pending"))
    # a run that died after writing its outbox record but before committing the snapshot
    orphan = store.root / "outbox" / "nml" / "000099-20250201T000000Z.json.pending"
    orphan.write_text('{"watch": "nml"}', encoding="utf-8")
    assert [r[1]["snapshot"] for r in store.outbox(prune=False)] == [path.name]
    with store.lock():
        assert not orphan.exists()
        assert store.recovered == ["removed the uncommitted outbox record "
                                   "nml/000099-20250201T000000Z.json"]
    # a snapshot whose write fails leaves no record behind
    def fail(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(StoreError, match="disk full; nothing was changed"):
        store.save("nml", snap("2025", ["A"], "2026-01-08T10:00:00Z"), None,
                   outbox={"watch": "nml"})
    assert [p.name for p in (store.root / "outbox" / "nml").iterdir()] == [path.name]


def test_write_atomic_leaves_old_content_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "f.json"
    write_atomic(target, b"old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"], "the temp file is removed"


def test_snapshots_are_synced_to_disk_and_the_cache_is_not(tmp_path, monkeypatch):
    """A stored snapshot must survive a power cut; a cache file need not (it is computed
    again), so keeping one costs no fsync."""
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real(fd))
    store = Store(tmp_path)
    store.cache.keep("nml", "history", ["k"], {"rows": []})
    assert synced == [] and store.cache.cached("nml", "history", ["k"], dict) == {"rows": []}
    store.save("nml", snap("2024", ["A"], "2025-01-08T10:00:00Z"))
    assert len(synced) >= 2  # the file and its directory


def test_history(store):
    result = CliRunner().invoke(cli, ["--store", str(store.root), "history", "nml",
                                      "--format", "json"], obj=App())
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["b"]["first"]["edition"] == "2021" and rows["b"]["last"]["edition"] == "2022"
    assert rows["b"]["listed_now"] is False
    assert rows["d"]["first"]["edition"] == "2023" and rows["d"]["listed_now"] is True
    assert rows["a"]["editions"] == ["2021", "2022", "2023"]
    one = CliRunner().invoke(cli, ["--store", str(store.root), "history", "nml", "c"], obj=App())
    assert one.exit_code == 0 and one.stdout == "C  2022–2023 (2 editions)\n"
    missing = CliRunner().invoke(cli, ["--store", str(store.root), "history", "nml", "zz"],
                                 obj=App())
    assert missing.exit_code == 2 and "no entry 'zz'" in missing.stderr
