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


@pytest.mark.slow
@pytest.mark.parametrize(("where", "example"), ALL, ids=[e for _, e in ALL])
def test_help_example_runs(where, example, tmp_path, receiver):
    shutil.copytree(ROOT / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    config = tmp_path / "examples" / "listwatch.toml"
    config.write_text(config.read_text("utf-8").replace(
        "notify = []", f'notify = ["{receiver.url()}"]'), encoding="utf-8")
    assert example.startswith("listwatch ")
    command = f'"{LISTWATCH}" {example[len("listwatch "):]}'
    out = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    # 0 done, 1 differences found: what the example shows. Never usage (2) or a failure.
    assert out.returncode in (0, 1), f"`{example}` ({where} --help) exited " \
        f"{out.returncode}: {out.stderr}"
    assert "error" not in out.stderr.lower(), out.stderr
