"""The CI and schedule examples run as written: the GitHub Actions workflow's steps, the
systemd service's command and the cron line, each against a copy of the bundled example."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WORKFLOW = EXAMPLES / "github-actions" / "listwatch.yml"
LISTWATCH = shutil.which("listwatch")
SKIP = shutil.ignore_patterns("listwatch-example-source", "github-actions", "systemd",
                              "__pycache__", "*.lock")


def example_copy(where: Path) -> Path:
    shutil.copytree(EXAMPLES, where, ignore=SKIP)
    return where


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env=git_env()).stdout


def git_env() -> dict[str, str]:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    env.pop("GIT_DIR", None)
    return env


@pytest.fixture
def repo(tmp_path) -> tuple[Path, Path]:
    """A repository holding the example config and its store, pushed to a local remote."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True,
                   env=git_env())
    work = example_copy(tmp_path / "work")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "the store as the last run left it")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "-u", "origin", "main")
    return work, remote


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text("utf-8"))


def run_workflow(work: Path, tmp_path: Path, edit=lambda script: script) -> list[tuple]:
    """Run the check job's `run:` steps as GitHub would (bash -eo pipefail), skipping the
    install step (listwatch is installed here) and honouring `if: !cancelled()`."""
    flow = workflow()
    (job,) = flow["jobs"].values()
    summary = tmp_path / "summary.md"
    env = dict(git_env(), GITHUB_STEP_SUMMARY=str(summary),
               STORE="store")  # the example config's [store] path
    env["PATH"] = f"{Path(LISTWATCH).parent}{os.pathsep}{env['PATH']}"
    results, failed = [], False
    for step in job["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        condition = str(step.get("if", "success()"))
        if failed and "!cancelled()" not in condition and "always()" not in condition:
            continue
        step_env = {k: ("" if "${{" in str(v) else str(v))
                    for k, v in (step.get("env") or {}).items()}
        out = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                              edit(step["run"])], cwd=work, capture_output=True, text=True,
                             env={**env, **step_env}, timeout=300)
        results.append((step["name"], out))
        failed = failed or out.returncode != 0
    return results


def test_workflow_is_scheduled_restores_and_commits_the_store():
    flow = workflow()
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as true
    assert triggers["schedule"][0]["cron"]
    assert flow["permissions"]["contents"] == "write"
    (job,) = flow["jobs"].values()
    uses = [s.get("uses", "") for s in job["steps"]]
    assert any(u.startswith("actions/checkout@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert 'listwatch check --format markdown >> "$GITHUB_STEP_SUMMARY"' in runs
    assert "git commit" in runs and "git push" in runs
    assert "--exit-code" in WORKFLOW.read_text("utf-8")  # the review-gate variant is named


@pytest.mark.slow
def test_workflow_run_reports_commits_and_pushes_the_store(repo, tmp_path):
    work, remote = repo
    results = run_workflow(work, tmp_path)
    assert [name for name, _ in results] == ["Check the watched lists",
                                             "Commit the updated store"]
    for name, out in results:
        assert out.returncode == 0, f"{name}: {out.stdout}{out.stderr}"
    summary = (tmp_path / "summary.md").read_text("utf-8")
    assert "Notorious Markets List" in summary and "MERCADO LIBRE" in summary
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[0].startswith("listwatch: store after check on") and len(log) == 2
    changed = git(remote, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()
    assert any(p.startswith("store/watches/nml/snapshots/") for p in changed), changed
    assert not any(p.endswith(".lock") for p in changed)
    # the commit reads market by market: one added line names one added market
    patch = git(remote, "diff", "HEAD~1", "HEAD", "--", "store/watches/nml/snapshots")
    assert re.search(r'^\+    \{.*"name":"MERCADO LIBRE"', patch, re.M)
    # a second run finds nothing new and commits nothing
    again = run_workflow(work, tmp_path)
    assert all(out.returncode == 0 for _, out in again)
    assert "no change to commit" in again[-1][1].stdout
    assert len(git(remote, "log", "--format=%s", "main").splitlines()) == 2


@pytest.mark.slow
def test_workflow_fails_on_errors_but_still_commits_the_watches_that_worked(repo, tmp_path):
    work, remote = repo
    (work / "feeds" / "trade-news.xml").write_text("<html>maintenance</html>")
    results = run_workflow(work, tmp_path)
    (check_name, check), (_, commit) = results
    assert check.returncode == 3, check.stderr
    assert "nml-news" in check.stderr
    assert commit.returncode == 0, commit.stderr
    changed = git(remote, "diff", "--name-only", "HEAD~1", "HEAD").splitlines()
    assert any(p.startswith("store/watches/nml/") for p in changed)
    assert not any(p.startswith("store/watches/nml-news/snapshots/") for p in changed)


@pytest.mark.slow
def test_workflow_with_exit_code_fails_on_change(repo, tmp_path):
    work, _ = repo
    results = run_workflow(work, tmp_path, edit=lambda s: s.replace(
        "listwatch check ", "listwatch check --exit-code "))
    assert results[0][1].returncode == 1
    assert results[1][1].returncode == 0  # the store is still committed


def systemd_unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None,
                                       inline_comment_prefixes=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string((EXAMPLES / "systemd" / name).read_text("utf-8"))
    return parser


@pytest.mark.slow
def test_systemd_service_runs_its_command(tmp_path):
    timer = systemd_unit("listwatch.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = systemd_unit("listwatch.service")["Service"]
    assert service["Type"] == "oneshot"
    home = tmp_path / "home"
    workdir = Path(service["WorkingDirectory"].replace("%h", str(home)))
    example_copy(workdir)
    command = shlex.split(service["ExecStart"].replace("%h", str(home)))
    assert command[0] == f"{home}/.local/bin/listwatch" and command[1:] == ["check"]
    out = subprocess.run([LISTWATCH, *command[1:]], cwd=workdir, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "MERCADO LIBRE" in out.stdout
    assert len(list((workdir / "store" / "watches" / "nml" / "snapshots").iterdir())) == 2


@pytest.mark.slow
def test_cron_line_from_the_docs_runs(tmp_path):
    docs = (ROOT / "docs" / "automation.md").read_text("utf-8")
    (line,) = re.findall(r"```cron\n(.*?)\n```", docs, re.S)
    fields = line.split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["17", "7", "*", "*", "*"]
    home = tmp_path / "home"
    example_copy(home / "listwatch")
    bindir = home / ".local" / "bin"
    bindir.mkdir(parents=True)
    (bindir / "listwatch").symlink_to(LISTWATCH)
    out = subprocess.run(["/bin/sh", "-c", fields[5]], capture_output=True, text=True,
                         env={"HOME": str(home), "PATH": "/usr/bin:/bin"}, timeout=300)
    assert out.returncode == 0, (home / "listwatch" / "check.log").read_text()
    assert out.stdout == "" and out.stderr == ""  # cron mails output: there is none
    log = (home / "listwatch" / "check.log").read_text("utf-8")
    assert "MERCADO LIBRE" in log
