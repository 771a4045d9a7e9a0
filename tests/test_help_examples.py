"""Every example in every command's --help runs as printed from the repository root.

The examples run through the installed executable in a temporary copy of the repository's
examples (some write: `> entities.json`, a check that stores). One thing is swapped: the
bundled config has no notifier, so a local webhook receiver is put in the copy. The
`install`/`uninstall` examples run in tests/test_install.py, in a fresh virtualenv.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helptext import all_examples
from receivers import WebhookReceiver

ROOT = Path(__file__).resolve().parent.parent
LISTWATCH = shutil.which("listwatch")


EXAMPLES = all_examples()
# pip examples change an environment: tests/test_install.py runs them in a fresh one.
PIP = ("install", "uninstall")
ALL = [(where, example) for example, where in EXAMPLES.items() if where not in PIP]


def test_examples_are_found_and_offline():
    assert len(ALL) >= 10, ALL
    for where in ("listwatch", "fetch", "diff", "check", "notify test", *PIP):
        assert where in EXAMPLES.values(), f"no example in `{where} --help`"
    for example in EXAMPLES:
        assert "http://" not in example and "https://" not in example, example


@pytest.fixture(scope="module")
def receiver():
    with WebhookReceiver() as hook:
        yield hook


def run_example(example: str, where: str, folder: Path, hook_url: str) -> str | None:
    """Run one example in its own copy of the examples; None, or what went wrong."""
    shutil.copytree(ROOT / "examples", folder / "examples",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    config = folder / "examples" / "listwatch.toml"
    config.write_text(config.read_text("utf-8").replace(
        "notify = []", f'notify = ["{hook_url}"]'), encoding="utf-8")
    command = f'"{LISTWATCH}" {example[len("listwatch "):]}'
    out = subprocess.run(["/bin/sh", "-c", command], cwd=folder, capture_output=True,
                         text=True, timeout=300)
    # 0 done, 1 differences found: what the example shows. Never usage (2) or a failure.
    if out.returncode not in (0, 1) or "error" in out.stderr.lower():
        return f"`{example}` ({where} --help) exited {out.returncode}: {out.stderr.strip()}"
    return None


@pytest.mark.slow
def test_every_help_example_runs(tmp_path, receiver):
    """All at once (each in its own folder): they are independent processes."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = list(pool.map(
            lambda job: run_example(job[1][1], job[1][0], tmp_path / str(job[0]),
                                    receiver.url()),
            enumerate(ALL)))
    assert [p for p in problems if p] == []
    assert len(problems) == len(ALL) >= 10
