"""Guards in the style of datasette: every hook is documented and has its own test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import listwatch
from listwatch import hookspecs
from listwatch.plugins import make_plugins

TESTS = Path(__file__).parent


def hook_names() -> list[str]:
    pm = make_plugins(autoload=False).pm
    return sorted(name for name in vars(pm.hook) if not name.startswith("_"))


def test_there_are_hooks():
    assert "register_sources" in hook_names()


@pytest.mark.parametrize("name", hook_names())
def test_hook_has_full_docstring(name):
    spec = getattr(hookspecs, name)
    doc = inspect.getdoc(spec) or ""
    assert len(doc.splitlines()) >= 10, f"{name}: the docstring is the reference; write it"
    assert re.search(r"Added in \d+\.\d+", doc), f"{name}: say which version added it"
    assert "Example::" in doc, f"{name}: give an example"
    for arg in inspect.signature(spec).parameters:
        assert f"``{arg}" in doc or f"{arg}(" in doc, f"{name}: document argument {arg!r}"
    example = doc.split("Example::", 1)[1]
    assert "@listwatch.hookimpl" in example and f"def {name}(" in example


@pytest.mark.parametrize("name", hook_names())
def test_hook_has_a_test(name):
    pattern = re.compile(rf"^def test_hook_{name}\(", re.MULTILINE)
    assert any(pattern.search(p.read_text("utf-8")) for p in TESTS.glob("test_*.py")), \
        f"write a test named test_hook_{name}"


def test_hookspec_example_runs(plugins, tmp_path):
    """The register_sources docstring example works as written."""
    doc = inspect.getdoc(hookspecs.register_sources)
    code = inspect.cleandoc(doc.split("Example::", 1)[1])
    namespace: dict = {}
    exec(compile(code, "hookspecs-example", "exec"), namespace)  # noqa: S102
    module = type(listwatch)("example_countries")
    module.register_sources = namespace["register_sources"]
    from listwatch.fetching import Context
    from listwatch.plugins import register
    from listwatch.sources import collect_sources, run

    register(plugins, module, "example_countries")
    reg = collect_sources(plugins, warn=pytest.fail)["countries"]
    (tmp_path / "c.txt").write_text("France\n\nCôte d’Ivoire\n")
    snap = run(reg, str(tmp_path / "c.txt"), {}, Context())
    assert [e["name"] for e in snap["entries"]] == ["Côte d’Ivoire", "France"]


def test_public_api():
    for name in listwatch.__all__:
        assert hasattr(listwatch, name)
    assert listwatch.hookimpl.project_name == "listwatch"
