"""Packaging: the wheel carries the core, the schemas and the built-in plugins, and works when
installed into a fresh environment; every plugins/* is an entry point; examples validate."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from venvs import clean_env, make_venv, pip_install

import listwatch
from listwatch.validation import SCHEMAS, reference_errors, snapshot_errors

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_PLUGINS = sorted(p.name for p in (ROOT / "plugins").iterdir()
                         if p.is_dir() and not p.name.startswith((".", "_")))
IGNORE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__",
                                ".pytest_cache", ".hypothesis", ".listwatch", ".venv*")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the project (the working tree is left alone)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    out = tmp / "dist"
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                             "-o", str(out), str(src)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (found,) = out.glob("listwatch-*.whl")
    return found


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in SCHEMAS:
        assert f"listwatch/schemas/{schema}.schema.json" in names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "listwatch").rglob("*.py")}
    assert "listwatch/cli/__init__.py" in modules and "listwatch/alerts/__init__.py" in modules
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    for plugin in BUILTIN_PLUGINS:
        assert f"{plugin}/__init__.py" in names, f"plugin package {plugin} missing from the wheel"
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "plugins/"))]
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[console_scripts]\nlistwatch = listwatch.cli:main" in text
    for plugin in BUILTIN_PLUGINS:
        assert f"{plugin} = {plugin}" in text


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_venv(wheel, tmp_path):
    # The dependencies come from the environment running the tests (no download);
    # the listwatch distribution there is hidden, so listwatch must come from the wheel.
    venv = tmp_path / "venv"
    python = make_venv(venv, hide=("listwatch",))
    install = pip_install(python, wheel)
    assert install.returncode == 0, install.stderr
    env = clean_env(venv)
    where = subprocess.run([str(python), "-c", "import listwatch, listwatch_table; "
                            "print(listwatch.__file__); print(listwatch_table.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(venv.resolve()), where.stdout

    exe = venv / "bin" / "listwatch"
    assert exe.exists()
    schema = subprocess.run([str(exe), "schema", "snapshot"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert schema.returncode == 0, schema.stderr
    assert json.loads(schema.stdout) == json.loads(
        (ROOT / "schemas" / "snapshot.schema.json").read_text("utf-8"))
    sources = subprocess.run([str(exe), "sources", "--format", "json"], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=60)
    assert sources.returncode == 0, sources.stderr
    rows = {row["name"]: row for row in json.loads(sources.stdout)}
    assert rows["table"]["package"] == "listwatch"
    assert rows["table"]["version"] == listwatch.__version__
    assert "warning" not in sources.stderr, sources.stderr
    # the installed table source works end to end
    (tmp_path / "l.csv").write_text("id,name\n1,One\n")
    fetched = subprocess.run([str(exe), "fetch", "table", "l.csv"], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=60)
    assert fetched.returncode == 0, fetched.stderr
    assert snapshot_errors(json.loads(fetched.stdout)) == []


def test_every_plugins_directory_is_an_installed_entry_point():
    installed = {ep.name: ep.value
                 for ep in importlib.metadata.entry_points(group="listwatch")
                 if ep.dist is not None and ep.dist.metadata["Name"] == "listwatch"}
    assert BUILTIN_PLUGINS, "no plugins/ directories found"
    for plugin in BUILTIN_PLUGINS:
        assert installed.get(plugin) == plugin, \
            f"plugins/{plugin} is not an installed entry point (reinstall: pip install -e .)"
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert set(declared["project"]["entry-points"]["listwatch"]) == set(BUILTIN_PLUGINS)
    package_dir = declared["tool"]["setuptools"]["package-dir"]
    for plugin in BUILTIN_PLUGINS:
        assert package_dir[plugin] == f"plugins/{plugin}"


def test_schemas_found_through_importlib_resources():
    from importlib import resources

    for name in SCHEMAS:
        text = (resources.files("listwatch.schemas") / f"{name}.schema.json").read_text("utf-8")
        assert json.loads(text)["$id"].endswith(f"/{name}.schema.json")


def example_files() -> list[Path]:
    skip = {"build", "dist", "node_modules", "__pycache__"}
    return sorted(p for p in (ROOT / "examples").rglob("*")
                  if p.suffix in (".json", ".toml") and p.is_file()
                  and not skip & set(p.relative_to(ROOT).parts)
                  and not p.name.endswith(".egg-info") and p.name != "pyproject.toml")


def schema_for(path: Path, data) -> str | None:
    if path.suffix == ".toml":
        return "config" if path.name.startswith("listwatch") else None
    if isinstance(data, dict):
        return {"snapshot/1": "snapshot", "diff/1": "diff"}.get(data.get("listwatch"))
    return None


def test_every_example_validates():
    checked = []
    for path in example_files():
        if path.suffix == ".toml":
            data = tomllib.loads(path.read_text("utf-8"))
        else:
            data = json.loads(path.read_text("utf-8"))
        name = schema_for(path, data)
        if name is None:
            if path.suffix == ".json" and path.parent.name in ("snapshots", "diffs"):
                pytest.fail(f"{path}: not a snapshot or diff (no listwatch format field)")
            continue
        problems = (snapshot_errors(data) if name == "snapshot"
                    else [f"{p}: {m}" for p, m in reference_errors(name, data)])
        assert problems == [], f"{path.relative_to(ROOT)} ({name}): {problems}"
        checked.append(path)
    assert checked, "examples/ holds snapshots to validate"
