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
    assert tests in (ROOT / ".ci" / "run").read_text(), ".ci/run must run the README's command"


def test_main_job_on_the_bundled_example_shows_real_changes():
    main_job = readme_commands()[0].split("&&")[-1].strip()
    before = digest(EXAMPLES / "store")
    out = subprocess.run(shlex.split(main_job), cwd=ROOT, capture_output=True, text=True,
                         timeout=120, executable=shutil.which("listwatch"))
    assert out.returncode == 0, out.stderr
    assert "Notorious Markets List 2019 → 2020:" in out.stdout
    assert "PRIVATE LAYER-HOSTED SITES" in out.stdout and "→ PRIVATE LAYER" in out.stdout
    assert "+ MERCADO LIBRE" in out.stdout
    assert "+ US names WeChat, AliExpress and Taobao among notorious markets" in out.stdout
    assert "- Old Quay Traders" in out.stdout
    assert digest(EXAMPLES / "store") == before, "--dry-run must not touch the store"


def test_example_config_validates_against_installed_sources(plugins):
    config = read(EXAMPLES / "listwatch.toml", {})
    check_sources(config, collect_sources(plugins))


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.json")),
                         ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_snapshots_validate(path):
    if "snapshots" in path.parts:
        load(path)
