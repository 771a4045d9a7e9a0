"""The bundled example is what a new user runs first: it must work exactly as the README says."""

from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from listwatch.config import check_sources, read
from listwatch.snapshot import load
from listwatch.sources import collect_sources

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def readme_commands() -> list[str]:
    block = re.search(r"## Set up.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(),
                      re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    main_job, tests = readme_commands()
    assert "check" in main_job and "examples/listwatch.toml" in main_job
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"MAIN_JOB='{main_job}'" in ci and f"TESTS='{tests}'" in ci, \
        ".ci/run must run the README's two commands exactly"
    assert '"$PY" -m venv' in ci, ".ci/run makes a fresh venv, as a user would"


@pytest.fixture
def copy(tmp_path) -> Path:
    """The example as a checkout has it, in a folder of its own: tests never depend on
    (or change) the state of the working tree's examples/store."""
    shutil.copytree(EXAMPLES, tmp_path / "examples",
                    ignore=shutil.ignore_patterns("listwatch-example-source", "build"))
    return tmp_path


def committed_store(copy: Path) -> None:
    """Keep only the store files git knows (what the README's reset leaves): a run
    without --dry-run in the working tree adds files, never rewrites these."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "examples/store"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert listed, "examples/store is not in git"
    shutil.rmtree(copy / "examples" / "store")
    for name in listed:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, copy / name)


def test_main_job_on_the_bundled_example_shows_real_changes(copy):
    committed_store(copy)
    main_job = readme_commands()[0].split("&&")[-1].strip()
    before = digest(copy / "examples" / "store")
    out = subprocess.run(shlex.split(main_job), cwd=copy, capture_output=True, text=True,
                         timeout=120, executable=shutil.which("listwatch"))
    assert out.returncode == 0, out.stderr
    assert "Notorious Markets List 2019 → 2020:" in out.stdout
    assert "PRIVATE LAYER-HOSTED SITES" in out.stdout and "→ PRIVATE LAYER" in out.stdout
    assert "+ MERCADO LIBRE" in out.stdout
    assert "+ US names WeChat, AliExpress and Taobao among notorious markets" in out.stdout
    assert "- Old Quay Traders" in out.stdout
    assert digest(copy / "examples" / "store") == before, "--dry-run must not touch the store"


def test_dropping_dry_run_accepts_and_the_readme_says_how_to_reset(copy):
    committed_store(copy)
    config = str(copy / "examples" / "listwatch.toml")
    first = subprocess.run([shutil.which("listwatch"), "--config", config, "check"],
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    again = subprocess.run([shutil.which("listwatch"), "--config", config, "check"],
                           capture_output=True, text=True, timeout=120)
    assert "nml: no change" in again.stdout
    readme = (ROOT / "README.md").read_text()
    assert "git checkout -- examples/store && git clean -fdq examples/store" in readme


def test_committed_examples_hold_no_path_of_the_machine_that_made_them():
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "examples"],
                            capture_output=True, text=True, check=True).stdout.split()
    for name in listed:
        if name.endswith((".json", ".toml", ".xml", ".csv", ".html")):
            text = (ROOT / name).read_text(encoding="utf-8")
            assert '"location":"/' not in text, name
            assert str(ROOT) not in text, name


def test_example_config_validates_against_installed_sources(plugins):
    config = read(EXAMPLES / "listwatch.toml", {})
    check_sources(config, collect_sources(plugins))


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.json")),
                         ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_snapshots_validate(path):
    if "snapshots" in path.parts:
        load(path)
