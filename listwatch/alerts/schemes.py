"""Which URL schemes the installed apprise can use — known without importing apprise.

A ``notify``/``on_error`` URL with a mistyped scheme must be found when the config is
read, before anything is fetched; but a ``check`` with no change never imports apprise
(importing it and loading its plugins costs about 0.2 s + 0.5 s; README, performance
table, ``benchmarks/bench_alerts.py``). So the schemes are listed once per apprise
installation, by a child process that imports apprise, and kept in a small JSON file in
the cache directory (``LISTWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/listwatch``, else
``~/.cache/listwatch``; a per-user folder in the temp directory when that is not
writable), keyed by where apprise is installed and when its files last changed. Later runs read that file (well under a millisecond).

When the schemes cannot be known (apprise missing, the child failed), no URL is refused
here: delivery reports what apprise says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CACHE_NAME = "apprise-schemes.json"
_CHILD = """\
import json
from apprise.manager_plugins import NotificationManager
m = NotificationManager()
print(json.dumps({s: bool(getattr(m[s], "enabled", True)) for s in m.schemas()}))
"""
_known: tuple[str, dict[str, bool]] | None = None  # (key, schemes) in this process


def cache_dir() -> Path:
    if os.environ.get("LISTWATCH_CACHE_DIR"):
        return Path(os.environ["LISTWATCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "listwatch"


def _places() -> list[Path]:
    """The cache file, and where it goes when the home directory is not writable."""
    import tempfile

    fallback = Path(tempfile.gettempdir()) / f"listwatch-{os.getuid()}" / CACHE_NAME
    return [cache_dir() / CACHE_NAME, fallback]


def _key() -> str | None:
    """Where apprise is and when its files changed; None when it is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("apprise")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0])
    try:
        stamps = [(root / part).stat().st_mtime_ns for part in ("__init__.py", "plugins")]
    except OSError:
        return None
    return json.dumps([str(root), stamps, sys.version_info[:2]])


def known() -> dict[str, bool] | None:
    """scheme -> usable here (its plugin's requirements are met); None: cannot tell."""
    global _known
    key = _key()
    if key is None:
        return None
    if _known is not None and _known[0] == key:
        return _known[1]
    for path in _places():
        try:
            cached = json.loads(path.read_text("utf-8"))
            if cached.get("key") == key and isinstance(cached.get("schemes"), dict):
                _known = (key, cached["schemes"])
                return _known[1]
        except (OSError, ValueError, AttributeError):
            continue
    try:
        out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        schemes = {str(k).lower(): bool(v) for k, v in json.loads(out).items()}
    except (OSError, ValueError, subprocess.SubprocessError, AttributeError):
        return None
    _known = (key, schemes)
    for path in _places():  # best effort: nowhere writable costs the next run the same
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "schemes": schemes}), "utf-8")
            os.replace(tmp, path)
            break
        except OSError:
            continue
    return schemes


def problem(url: str, schemes: dict[str, bool]) -> str | None:
    """Why apprise cannot use ``url``, judged by its scheme; None when it may."""
    import difflib
    import re

    scheme, sep, _ = url.strip().partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return "not an apprise URL (expected scheme://…)"
    scheme = scheme.lower()
    if scheme not in schemes:
        close = difflib.get_close_matches(scheme, list(schemes), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}://?" if close else \
            " (see https://github.com/caronc/apprise/wiki)"
        return f"apprise knows no service {scheme}://{hint}"
    if not schemes[scheme]:
        return (f"apprise's {scheme}:// service is not available here (its requirements are "
                "not installed)")
    return None


def check_config(config) -> None:
    """Every notifier URL of ``config`` has a scheme apprise can use, else a
    :class:`~listwatch.errors.ConfigError` naming the watch, the key and the masked URL."""
    from ..errors import ConfigError
    from .secrets import mask

    places = [(f"{config.path}: key alerts.notify", config.notify),
              (f"{config.path}: key alerts.on_error", config.on_error)]
    places += [(f'{config.path}: watch "{w.name}": key notify', w.notify)
               for w in config.watches]
    if not any(urls for _, urls in places):
        return  # nothing to check: never look for apprise
    schemes = known()
    if schemes is None:
        return
    for where, urls in places:
        for i, url in enumerate(urls):
            why = problem(url, schemes)
            if why:
                raise ConfigError(f"{where}[{i}]: {mask(url)}: {why}")
