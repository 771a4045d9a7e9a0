"""docs/ is the project's documentation: linked, complete, generated where it can be, and
never pointing outside the repository. A plugin written only from docs/plugins.md works."""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import subprocess
from pathlib import Path

import pytest
from venvs import clean_env, make_venv, pip_install

import listwatch
from listwatch import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = (DOCS / "plugins.md").read_text(encoding="utf-8")


def gen_config():
    spec = importlib.util.spec_from_file_location("gen_config", DOCS / "gen_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def test_every_doc_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in sorted(DOCS.glob("*.md")):
        assert f"(docs/{doc.name})" in readme, f"README does not link docs/{doc.name}"


def test_every_hook_is_in_the_guide_with_its_signature():
    hooks = [(name, func) for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(func, "listwatch_spec")]
    assert hooks
    reference = section(GUIDE, "## Hook reference")
    for name, func in hooks:
        signature = f"def {name}({', '.join(inspect.signature(func).parameters)})"
        assert f"### `{signature}`" in reference, f"{signature} is not in docs/plugins.md"


def test_every_source_attribute_is_in_the_guide_and_the_hookspec():
    attributes = sorted(k for k in vars(listwatch.Source) if not k.startswith("_"))
    assert {"name", "options_schema", "deterministic", "fetch"} <= set(attributes)
    table = section(GUIDE, "## The `Source` class")
    hookdoc = inspect.getdoc(hookspecs.register_sources)
    for attribute in attributes:
        assert f"| `{attribute}` |" in table, f"Source.{attribute} is not in docs/plugins.md"
        assert f"``{attribute}``" in hookdoc or f"``{attribute}(" in hookdoc, \
            f"Source.{attribute} is not in the hookspec"


def test_every_draft_field_and_testing_name_is_in_the_guide():
    import dataclasses

    import listwatch.testing

    for field in dataclasses.fields(listwatch.Draft):
        assert f"| `{field.name}` |" in GUIDE, f"Draft.{field.name} is not in docs/plugins.md"
    kit = section(GUIDE, "## Testing a source")
    for name in [*listwatch.testing.__all__, "listwatch_http"]:
        if name not in ("Request",):
            assert f"`{name}" in kit, f"listwatch.testing.{name} is not in docs/plugins.md"


def test_config_reference_is_generated_from_the_schema_and_fresh():
    gen = gen_config()
    assert (DOCS / "config.md").read_text(encoding="utf-8") == gen.expected(), \
        "docs/config.md is stale: run python docs/gen_config.py"


def test_every_config_key_has_a_description():
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text("utf-8"))
    missing = []

    def walk(spec: dict, where: str) -> None:
        for key, sub in (spec.get("properties") or {}).items():
            if not sub.get("description"):
                missing.append(f"{where}{key}")
            walk(sub, f"{where}{key}.")
        if isinstance(spec.get("items"), dict):
            walk(spec["items"], where)

    walk(schema, "")
    for name, spec in schema["$defs"].items():
        walk(spec, f"$defs.{name}: ")
    assert missing == []
    reference = (DOCS / "config.md").read_text(encoding="utf-8")
    for key in ("`timeout`", "`max_bytes`", "`guard.max_removed`", "`lock_timeout`"):
        assert key in reference


def test_a_stale_config_reference_is_caught(tmp_path, monkeypatch):
    gen = gen_config()
    monkeypatch.setattr(gen, "OUT", tmp_path / "config.md")
    (tmp_path / "config.md").write_text(gen.expected().replace("Seconds", "Minutes", 1))
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0


def test_code_cites_only_docs_inside_the_repository():
    pattern = re.compile(r"\.\./shared|DESIGN\.md")
    offenders = []
    for folder in ("listwatch", "plugins", "schemas", "docs", "examples", "benchmarks", "tests"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md", ".json", ".toml", ".yml", ".service", ".timer") \
                    and path != Path(__file__).resolve() and pattern.search(path.read_text("utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_doc_links_point_at_files_that_exist():
    for doc in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text("utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links {target}, which is missing"


def guide_files() -> dict[str, str]:
    """The files of the guide's complete plugin: code blocks whose first line is ``# file: X``."""
    blocks = re.findall(r"```(?:python|toml)\n# file: (\S+)\n(.*?)```", GUIDE, re.S)
    return dict(blocks)


def test_the_guide_has_a_complete_plugin():
    assert set(guide_files()) == {"pyproject.toml", "listwatch_name_domain.py",
                                  "tests/test_name_domain.py"}


@pytest.mark.slow
def test_a_plugin_written_from_the_guide_installs_lists_and_passes_its_tests(tmp_path):
    """The issue's acceptance test: outside this repository, in its own package."""
    package = tmp_path / "listwatch-name-domain"
    for name, text in guide_files().items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    python = make_venv(tmp_path / "venv", hide=("listwatch-name-domain",))
    installed = pip_install(python, package)
    assert installed.returncode == 0, installed.stderr
    env = clean_env(tmp_path / "venv")
    listed = subprocess.run([str(python), "-m", "listwatch", "sources", "--format", "json"],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    row = {r["name"]: r for r in json.loads(listed.stdout)}["name-domain"]
    assert row["package"] == "listwatch-name-domain" and row["version"] == "0.1.0"
    tests = subprocess.run([str(python), "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           capture_output=True, text=True, cwd=package, env=env, timeout=300)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout


def test_every_test_the_guarantees_table_cites_exists():
    """The README's Guarantees table names the tests that prove each promise."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    cited = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", table)
    assert len(cited) >= 15
    for path, name in cited:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert not name or f"def {name}(" in source, f"{path}::{name} does not exist"
