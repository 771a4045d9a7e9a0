"""Output into a pipe whose reader leaves early: quiet, and the exit code of the command."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from listwatch import snapshot

RUNS = 20  # 11 of 15 such runs exited 1 before the fix


def write_snapshot(path: Path, count: int, offset: int = 0) -> Path:
    """Entries with long unrelated names, so a diff lists each one (no renames)."""
    entries = [{"id": f"m{i}", "name": hashlib.sha256(str(i).encode()).hexdigest()}
               for i in range(offset, offset + count)]
    doc = snapshot.make({"id": "l"}, entries, {"plugin": "table",
                                                 "retrieved_at": "2026-01-01T00:00:00Z"}, [])
    path.write_text(snapshot.dumps(doc), encoding="utf-8")
    return path


def piped_to_head(args: list[str], cwd: Path, runs: int = RUNS) -> list[tuple[int, str, str]]:
    """Run ``listwatch ARGS | head -1`` ``runs`` times: (exit code, first line, stderr) each."""
    exe = shutil.which("listwatch")
    assert exe, "the listwatch console script is not installed"
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("LISTWATCH_DISABLE_PLUGINS", None)
    results = []
    for _ in range(runs):
        head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        proc = subprocess.Popen([exe, *args], stdout=head.stdin, stderr=subprocess.PIPE,
                                cwd=cwd, env=env)
        head.stdin.close()  # only the two processes hold the pipe now
        first = head.stdout.read().decode()
        head.wait(timeout=60)
        _, err = proc.communicate(timeout=120)
        results.append((proc.returncode, first, err.decode()))
    return results


@pytest.mark.slow
def test_history_into_head_exits_0_quietly(tmp_path):
    store = tmp_path / "store"
    csv = tmp_path / "t.csv"
    # ~250 KB of history: more than a pipe holds, so the writer meets the closed pipe
    csv.write_text("id,name\n" + "".join(f"{i},Market {i}\n" for i in range(3000)))
    (tmp_path / "listwatch.toml").write_text(
        '[store]\npath = "store"\n[[watch]]\nname = "t"\nsource = "table"\n'
        'location = "t.csv"\n')
    setup = subprocess.run([shutil.which("listwatch"), "check"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    assert store.exists()
    results = piped_to_head(["history", "t"], tmp_path)
    assert {code for code, _, _ in results} == {0}, results
    assert all(first.split()[:2] == ["Market", "0"] for _, first, _ in results), results[0]
    assert all(err == "" for _, _, err in results), {err for _, _, err in results}


@pytest.mark.slow
def test_diff_into_head_keeps_exit_1(tmp_path):
    """The reader leaving does not change what the command reports: differences are 1."""
    old = write_snapshot(tmp_path / "old.json", 3000)
    new = write_snapshot(tmp_path / "new.json", 3000, offset=1500)
    full = subprocess.run([shutil.which("listwatch"), "diff", str(old), str(new)],
                          capture_output=True, timeout=120)
    assert full.returncode == 1 and len(full.stdout) > 3 * 65536  # far more than a pipe holds
    results = piped_to_head(["diff", str(old), str(new)], tmp_path, runs=5)
    assert {code for code, _, _ in results} == {1}, results
    assert all(first.strip() for _, first, _ in results)
    assert all(err == "" for _, _, err in results), {err for _, _, err in results}
