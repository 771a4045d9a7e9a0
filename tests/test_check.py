"""`listwatch check` end to end through the installed executable, and its store faults."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from listwatch.snapshot import load

LISTWATCH = shutil.which("listwatch") or pytest.fail("the listwatch executable is not installed")
ROWS = [(i, f"Market {i:03d}") for i in range(1, 21)]


def write_csv(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["ent_num", "SDN_Name"])
        writer.writerows(rows)


@pytest.fixture
def project(tmp_path):
    write_csv(tmp_path / "list.csv", ROWS)
    (tmp_path / "listwatch.toml").write_text('''
[store]
lock_timeout = 1

[[watch]]
name = "sdn"
source = "table"
location = "list.csv"
options = {id = "ent_num", name = "SDN_Name"}
''', encoding="utf-8")
    return tmp_path


def lw(cwd: Path, *args: str, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([LISTWATCH, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=60, **kw)


def store_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def snapshots(project: Path) -> list[Path]:
    return sorted((project / ".listwatch/watches/sdn/snapshots").glob("*.json"))


def test_baseline_unchanged_change_collapse(project):
    first = lw(project, "check")
    assert first.returncode == 0, first.stderr
    assert "baseline stored: 20 entries" in first.stdout
    assert len(snapshots(project)) == 1

    again = lw(project, "check", "--exit-code")
    assert again.returncode == 0, again.stderr
    assert "no change" in again.stdout
    assert len(snapshots(project)) == 1, "an unchanged list adds no file"

    write_csv(project / "list.csv", ROWS[1:] + [(99, "Brand New Bazaar")])
    changed = lw(project, "check", "--exit-code")
    assert changed.returncode == 1, changed.stderr
    assert "+ Brand New Bazaar" in changed.stdout and "- Market 001" in changed.stdout
    assert changed.stdout.startswith("sdn: 1 added, 1 removed")
    assert len(snapshots(project)) == 2
    assert [e["name"] for e in load(snapshots(project)[-1])["entries"]][-1] == "Brand New Bazaar"
    without_flag = lw(project, "check")
    assert without_flag.returncode == 0

    before = store_digest(project / ".listwatch")
    write_csv(project / "list.csv", ROWS[:3])
    collapse = lw(project, "check", "--exit-code")
    assert collapse.returncode == 3, collapse.stdout
    line = collapse.stderr.strip()
    assert line.count("\n") == 0 and "watch sdn" in line and "looks broken" in line
    assert "list.csv" in line
    assert store_digest(project / ".listwatch") == before, "a broken source stores nothing"


def test_json_and_markdown_reports(project):
    lw(project, "check")
    write_csv(project / "list.csv", ROWS + [(77, "Night Market, Taipei")])
    out = lw(project, "check", "--format", "json", "--dry-run")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["watches"][0]["status"] == "changed"
    assert doc["watches"][0]["diff"]["added"][0]["name"] == "Night Market, Taipei"
    assert len(snapshots(project)) == 1, "--dry-run stores nothing"
    md = lw(project, "check", "--format", "markdown", "--dry-run")
    assert "### Added (1)" in md.stdout and "- Night Market, Taipei" in md.stdout


def test_report_scopes_guard_and_exit_code(project):
    cfg = project / "listwatch.toml"
    cfg.write_text(cfg.read_text() + 'report = ["added"]\n', encoding="utf-8")
    assert lw(project, "check").returncode == 0
    write_csv(project / "list.csv", ROWS[:2])  # 90% removed: not news for this watch
    out = lw(project, "check", "--exit-code")
    assert out.returncode == 0, out.stderr
    assert "not reported for this watch" in out.stdout
    write_csv(project / "list.csv", ROWS[:2] + [(50, "Fresh")])
    added = lw(project, "check", "--exit-code")
    assert added.returncode == 1 and "+ Fresh" in added.stdout


def test_ignore_fields_and_renames(project):
    cfg = project / "listwatch.toml"
    cfg.write_text(cfg.read_text() + 'ignore = ["attributes.rank"]\n', encoding="utf-8")
    rows = "ent_num,SDN_Name,rank\n" + "".join(f"{i},{n},{i}\n" for i, n in ROWS)
    (project / "list.csv").write_text(rows, encoding="utf-8")
    assert lw(project, "check").returncode == 0
    rows = "ent_num,SDN_Name,rank\n" + "".join(f"{i},{n.upper()},{99 - i}\n" for i, n in ROWS)
    (project / "list.csv").write_text(rows, encoding="utf-8")
    out = lw(project, "check", "--exit-code")
    assert out.returncode == 0 and "no change" in out.stdout


def test_missing_store_is_created_and_store_option(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("s") / "deep" / "store"
    out = lw(project, "--store", str(elsewhere), "check")
    assert out.returncode == 0, out.stderr
    assert list((elsewhere / "watches/sdn/snapshots").glob("*.json"))
    assert not (project / ".listwatch").exists()


def test_lock_held_by_another_process(project):
    (project / ".listwatch").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl,sys,time;f=open(sys.argv[1],'a');fcntl.flock(f,fcntl.LOCK_EX);"
        "print('held',flush=True);time.sleep(30)"), str(project / ".listwatch/.lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        out = lw(project, "check")
        assert time.monotonic() - started < 10
        assert out.returncode == 2
        assert "another listwatch run holds the lock" in out.stderr
        assert out.stderr.count("\n") == 1
        assert not snapshots(project)
    finally:
        holder.kill()
        holder.wait()
    assert lw(project, "check").returncode == 0


def test_two_runs_started_together(project):
    lw(project, "check")
    write_csv(project / "list.csv", ROWS + [(42, "Together Market")])
    cfg = project / "listwatch.toml"
    cfg.write_text(cfg.read_text().replace("lock_timeout = 1", "lock_timeout = 30"))
    procs = [subprocess.Popen([LISTWATCH, "check"], cwd=project, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    reports = sorted(o[0] for o in outs)
    assert "no change" in reports[1] or "no change" in reports[0]
    assert sum("+ Together Market" in o[0] for o in outs) == 1, "the change is reported once"
    assert len(snapshots(project)) == 2


IN_TMPFS = Path(__file__).resolve().parent / "fixtures" / "in_tmpfs.py"


@functools.cache
def tmpfs_prefix() -> tuple[str, ...] | None:
    """How these tests may mount a tmpfs here: in a user and mount namespace
    (``unshare -rm``, any user, where the kernel allows it), else directly as root;
    None when neither works (the chmod / RLIMIT_FSIZE variants still run)."""
    probe = Path(tempfile.mkdtemp())
    try:
        namespace = subprocess.run(["unshare", "-rm", "mount", "-t", "tmpfs", "-o", "size=4k",
                                    "tmpfs", str(probe)], capture_output=True, timeout=30)
        if namespace.returncode == 0:
            return ("unshare", "-rm")
    except FileNotFoundError:  # no unshare
        pass
    finally:
        probe.rmdir()
    return () if os.geteuid() == 0 else None


def in_tmpfs(project: Path, store: Path, options: str, *steps: list[str]) -> list[dict]:
    """Run ``steps`` with a tmpfs on ``store``; the store as each step left it is
    copied to ``project/after/<step>/`` (the tmpfs is gone when this returns)."""
    prefix = tmpfs_prefix()
    if prefix is None:
        pytest.skip("cannot mount a tmpfs here (no user namespaces, not root); "
                    "the chmod / RLIMIT_FSIZE variant of this test runs instead")
    spec = project / "tmpfs.json"
    spec.write_text(json.dumps({"mount": str(store), "options": options, "cwd": str(project),
                                "copy_to": str(project / "after"),
                                "steps": [list(map(str, step)) for step in steps]}))
    out = subprocess.run([*prefix, sys.executable, str(IN_TMPFS), str(spec)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def as_ordinary_user() -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes; the tmpfs variant of this test runs instead")


def check_read_only_store_error(out, store: Path, reason: str) -> None:
    assert out["returncode"] == 2, out
    assert reason in out["stderr"] and str(store) in out["stderr"]
    assert out["stderr"].count("\n") == 1 and "Traceback" not in out["stderr"]


def test_read_only_store(project):
    """A read-only file system: a tmpfs mounted ro."""
    store = project / "ro"
    (out,) = in_tmpfs(project, store, "ro,size=1m", [LISTWATCH, "--store", store, "check"])
    check_read_only_store_error(out, store, "read-only file system")


def test_read_only_store_directory(project):
    """A store directory the user may not write to (chmod), for an ordinary user."""
    as_ordinary_user()
    store = project / "ro"
    store.mkdir()
    store.chmod(0o555)
    try:
        out = lw(project, "--store", str(store), "check")
    finally:
        store.chmod(0o755)
    check_read_only_store_error(vars(out), store, "permission denied")
    assert list(store.iterdir()) == []


BIG = ROWS + [(i, "X" * 40 + str(i)) for i in range(100, 900)]


def check_nothing_half_written(before: Path, after: Path) -> None:
    """The second run changed no snapshot and left no temp file; every snapshot reads."""
    def kept(root: Path) -> dict[str, str]:
        return {k: v for k, v in store_digest(root).items() if "snapshots" in k}

    # the content-addressed source document may have landed; no snapshot did
    assert kept(after) == kept(before) and kept(before)
    assert not [p for p in after.rglob("*.tmp")], "no temp file is left behind"
    for path in (after / "watches/sdn/snapshots").glob("*.json"):
        load(path)


def test_disk_full_leaves_store_unchanged(project):
    """A 64 KiB tmpfs that the second snapshot (with its source document) cannot fit."""
    store = project / "small"
    write_csv(project / "big.csv", BIG)
    check = [LISTWATCH, "--store", store, "check"]
    first, _, second = in_tmpfs(project, store, "size=64k",
                                check, ["cp", "big.csv", "list.csv"], check)
    assert first["returncode"] == 0, first
    assert second["returncode"] == 2, second["stdout"]
    assert "disk full" in second["stderr"] and "nothing was changed" in second["stderr"]
    assert second["stderr"].count("\n") == 1
    check_nothing_half_written(project / "after" / "0", project / "after" / "2")


def test_file_size_limit_mid_store_leaves_store_unchanged(project):
    """The same without a tmpfs, for any user: RLIMIT_FSIZE fails the second run's writes
    (EFBIG, like a quota) after a baseline was stored."""
    store = project / "store"
    assert lw(project, "--store", str(store), "check").returncode == 0
    before = project / "before"
    shutil.copytree(store, before)
    write_csv(project / "list.csv", BIG)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
    out = subprocess.run([LISTWATCH, "--store", str(store), "check"], cwd=project,
                         capture_output=True, text=True, preexec_fn=limit, timeout=60)
    assert out.returncode == 2, out.stdout
    assert "file too large" in out.stderr and "nothing was changed" in out.stderr
    check_nothing_half_written(before, store)


def test_file_size_limit_is_a_clean_error(project):
    """RLIMIT_FSIZE makes write() fail with EFBIG, like a quota: one line, nothing stored."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))
    out = subprocess.run([LISTWATCH, "check"], cwd=project, capture_output=True, text=True,
                         preexec_fn=limit, timeout=60)
    assert out.returncode == 2, out.stdout
    assert "file too large" in out.stderr
    assert not snapshots(project)


def test_kill_during_writes_always_leaves_a_readable_store(project):
    """SIGKILL at random moments of a run that stores a change: the store always reads back."""
    rng = random.Random(7)
    assert lw(project, "check").returncode == 0
    for round_ in range(12):
        write_csv(project / "list.csv", ROWS + [(1000 + round_, f"Round {round_}")])
        proc = subprocess.Popen([LISTWATCH, "check"], cwd=project, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in snapshots(project):
            load(path)  # raises on a half-written file
        out = lw(project, "check")
        assert out.returncode == 0, out.stderr
        latest = load(snapshots(project)[-1])["entries"]
        assert any(e["name"] == f"Round {round_}" for e in latest)


def test_watch_without_renamed_reports_a_similar_new_row_as_added(project):
    cfg = project / "listwatch.toml"
    cfg.write_text(cfg.read_text() + 'report = ["added"]\n', encoding="utf-8")
    write_csv(project / "list.csv", ROWS + [(500, "Weekly roundup: March 3")])
    assert lw(project, "check").returncode == 0
    write_csv(project / "list.csv", ROWS + [(501, "Weekly roundup: March 13")])
    out = lw(project, "check", "--exit-code")
    assert out.returncode == 1, out.stderr
    assert "+ Weekly roundup: March 13" in out.stdout
    assert "renamed" not in out.stdout.lower()


def rss(titles: list[str]) -> str:
    items = "".join(f"<item><title>{t}</title><link>https://news.example/{i}</link>"
                    f"<guid>n-{i}</guid></item>" for i, t in enumerate(titles))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Trade news</title>'
            f"<link>https://news.example/</link>{items}</channel></rss>")


def test_feed_with_no_matching_story_is_not_broken_but_an_empty_feed_is(tmp_path):
    feed = tmp_path / "news.xml"
    feed.write_text(rss(["USTR names notorious markets", "Weather"]), encoding="utf-8")
    (tmp_path / "listwatch.toml").write_text('''
[[watch]]
name = "news"
source = "feed"
location = "news.xml"
options = {keywords = ["notorious"]}
''', encoding="utf-8")
    assert lw(tmp_path, "check").returncode == 0
    feed.write_text(rss(["Weather", "Sports"]), encoding="utf-8")
    quiet = lw(tmp_path, "check", "--exit-code")
    assert quiet.returncode == 0, quiet.stderr
    feed.write_text(rss([]), encoding="utf-8")
    empty = lw(tmp_path, "check", "--exit-code")
    assert empty.returncode == 3
    assert "watch news" in empty.stderr and "looks broken" in empty.stderr


def test_hand_edited_stored_snapshot_is_still_compared_correctly(project):
    """The streaming compare needs the canonical layout; a re-indented file falls back."""
    assert lw(project, "check").returncode == 0
    stored = snapshots(project)[0]
    stored.write_text(json.dumps(json.loads(stored.read_text("utf-8")), indent=2),
                      encoding="utf-8")
    write_csv(project / "list.csv", ROWS[1:] + [(99, "Brand New Bazaar")])
    out = lw(project, "check", "--exit-code", "--jobs", "1")
    assert out.returncode == 1, out.stderr
    assert out.stdout.startswith("sdn: 1 added, 1 removed (now ")
    latest = snapshots(project)[-1]
    latest.write_text("{not json", encoding="utf-8")
    write_csv(project / "list.csv", ROWS)
    broken = lw(project, "check")
    assert broken.returncode == 3
    assert broken.stderr.count("\n") == 1 and "stored snapshot is unreadable" in broken.stderr
    assert latest.name in broken.stderr and "not JSON" in broken.stderr
    assert latest.read_text(encoding="utf-8") == "{not json", "nothing stored over it"


def test_no_location_secret_is_written_to_the_store(tmp_path, http_server):
    """Conditional-GET state and parse keys name locations by digest only."""
    from servers import Route

    body = "ent_num,SDN_Name\n" + "".join(f"{i},{n}\n" for i, n in ROWS)
    url = http_server.route("/list.csv", Route(body=body.encode(), content_type="text/csv",
                                               etag='"v1"'))
    secret_url = url.replace("http://", "http://agent:s3cr3t-pass@") + "?api_key=tok123"
    (tmp_path / "listwatch.toml").write_text(f'''
[[watch]]
name = "sdn"
source = "table"
location = "{secret_url}"
options = {{id = "ent_num", name = "SDN_Name"}}
''', encoding="utf-8")
    first = lw(tmp_path, "check")
    assert first.returncode == 0, first.stderr
    again = lw(tmp_path, "-v", "--debug", "check")
    assert "HTTP 304" in again.stdout
    assert http_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    for path in (tmp_path / ".listwatch").rglob("*"):
        if path.is_file() and "documents" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "s3cr3t" not in text and "tok123" not in text, path
    for out in (first, again):
        assert "s3cr3t" not in out.stdout + out.stderr and "tok123" not in out.stdout + out.stderr
