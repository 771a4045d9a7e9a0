"""Fresh virtualenvs for install tests, offline, wherever the suite runs.

The new environment sees the packages of the environment running the tests (a
``.pth`` file adds a view of its site-packages, after the new environment's own),
minus the distributions named in ``hide``: so ``pip install --no-index --no-deps``
of a wheel or a plugin needs no network, and the installed copy is the one that
runs. A venv made with ``system_site_packages=True`` would see the *base*
interpreter's packages instead, which in a user's virtualenv hold none of them.
"""

from __future__ import annotations

import importlib.metadata
import os
import site
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterable
from pathlib import Path


def outer_site_dirs() -> list[Path]:
    """The site-packages directories of the interpreter running the tests."""
    dirs = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    seen: list[Path] = []
    for d in map(Path, dirs):
        if d.is_dir() and d.resolve() not in {s.resolve() for s in seen}:
            seen.append(d)
    return seen


def _hidden(dirs: list[Path], names: Iterable[str]) -> set[str]:
    """Top-level entries of ``dirs`` that belong to the distributions ``names``."""
    wanted = {n.lower().replace("_", "-") for n in names}
    hidden: set[str] = set()
    for dist in importlib.metadata.distributions(path=[str(d) for d in dirs]):
        if (dist.metadata["Name"] or "").lower().replace("_", "-") not in wanted:
            continue
        for file in dist.files or ():
            if file.parts and file.parts[0] != "..":
                hidden.add(file.parts[0])
    return hidden


def make_venv(root: Path, hide: Iterable[str]) -> Path:
    """Create a virtualenv at ``root`` and return its python.

    The outer environment's packages stay importable, except the distributions in
    ``hide`` (those a test installs, so that the installed copy is what runs).
    """
    venv.create(root, with_pip=False, symlinks=os.name != "nt")
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(python), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, env=clean_env(),
                             cwd=root).stdout.strip()
    dirs = outer_site_dirs()
    hidden = _hidden(dirs, hide)
    view = root / "outer-site-packages"
    view.mkdir()
    for d in dirs:
        for entry in d.iterdir():
            if entry.name not in hidden and not (view / entry.name).exists():
                (view / entry.name).symlink_to(entry)
    # addsitedir, not a plain path: the .pth files there (editable installs) must run.
    Path(purelib, "_outer_environment.pth").write_text(
        f"import site; site.addsitedir({str(view)!r})\n", encoding="utf-8")
    return python


def clean_env(venv_root: Path | None = None) -> dict[str, str]:
    """The environment for a subprocess: nothing inherited that changes what it imports."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LISTWATCH_DISABLE_PLUGINS",
                        "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    if venv_root is not None:
        env["PATH"] = f"{venv_root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(venv_root)
    return env


def pip_install(python: Path, *targets: str | Path) -> subprocess.CompletedProcess:
    """Install ``targets`` (wheels, project directories) into ``python``'s environment:
    no index, no dependencies, no build isolation (all offline)."""
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--no-index", "--no-deps", "--no-build-isolation", "--quiet",
                           *map(str, targets)],
                          capture_output=True, text=True, timeout=300, env=clean_env(),
                          cwd=python.parent)


def listwatch_script(venv_root: Path) -> Path:
    """A ``listwatch`` executable in a venv whose listwatch comes from the outer environment
    (its console script lives there, bound to the outer interpreter)."""
    exe = venv_root / "bin" / "listwatch"
    exe.write_text(f"#!{venv_root / 'bin' / 'python'}\nfrom listwatch.cli import main\nmain()\n")
    exe.chmod(0o755)
    return exe
