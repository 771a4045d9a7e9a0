"""Shell completion callbacks: watch names from the config, source names, stored snapshots.

click generates the bash, zsh and fish scripts (docs/automation.md, "Shell completion");
these callbacks supply the values it cannot know. A completion must never fail or print:
a config that cannot be read simply completes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded on completion only: `listwatch --help` stays fast
    import click


def _config_path(ctx: click.Context) -> Path:
    root = ctx.find_root()
    given = root.params.get("config_path")
    from ..config import DEFAULT_FILE

    return Path(given) if given else Path(DEFAULT_FILE)


def _watches(ctx: click.Context) -> list[tuple[str, str]]:
    """(name, title or source) of each watch in the config; [] when it cannot be read."""
    import tomllib

    try:
        doc = tomllib.loads(_config_path(ctx).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    watches = doc.get("watch")
    if not isinstance(watches, list):
        return []
    return [(w["name"], str(w.get("title") or w.get("source") or ""))
            for w in watches if isinstance(w, dict) and isinstance(w.get("name"), str)]


def watch_names(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Watch names from ``--config`` (else ./listwatch.toml), skipping ones already given."""
    from click.shell_completion import CompletionItem

    given = set(ctx.params.get(param.name) or ()) if param.multiple or param.nargs != 1 else set()
    return [CompletionItem(name, help=help_)
            for name, help_ in _watches(ctx)
            if name.startswith(incomplete) and name not in given]


def _sources() -> dict:
    """The installed sources (plugins loaded, their warnings swallowed); {} on any error."""
    import contextlib
    import io

    try:
        from ..plugins import make_plugins
        from ..sources import collect_sources

        with contextlib.redirect_stderr(io.StringIO()):
            return dict(collect_sources(make_plugins(warn=lambda line: None),
                                        warn=lambda line: None))
    except Exception:  # noqa: BLE001 - a completion never fails
        return {}


def source_names(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Installed source names, with their titles."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(name, help=getattr(reg.source, "title", ""))
            for name, reg in sorted(_sources().items()) if name.startswith(incomplete)]


def option_keys(ctx: click.Context, param: click.Parameter, incomplete: str):
    """``KEY=`` for each option of the SOURCE already given (``fetch feed x -O kw``)."""
    from click.shell_completion import CompletionItem

    reg = _sources().get(ctx.params.get("source") or _word_after(ctx.info_name) or "")
    schema = getattr(reg.source, "options_schema", None) if reg else None
    props = (schema or {}).get("properties") or {}
    return [CompletionItem(f"{key}=", help=str(spec.get("description", "")))
            for key, spec in props.items() if f"{key}=".startswith(incomplete)]


def snapshot_refs(ctx: click.Context, param: click.Parameter, incomplete: str):
    """``WATCH@latest``/``WATCH@previous`` for the config's watches, else a file path."""
    from click.shell_completion import CompletionItem

    names = [name for name, _ in _watches(ctx)]
    refs = [f"{name}@{which}" for name in names for which in ("latest", "previous")]
    matching = [ref for ref in refs if ref.startswith(incomplete)] if incomplete else []
    if matching:
        return [CompletionItem(ref) for ref in matching]
    return [CompletionItem(incomplete, type="file")]


def _word_after(command: str | None) -> str | None:
    """The first argument after ``command`` on the line being completed. click leaves
    ``ctx.params`` empty while an option (``-O``) still lacks its value, so the line
    itself, which every shell script passes in COMP_WORDS, is read."""
    import os
    import shlex

    try:
        words = shlex.split(os.environ.get("COMP_WORDS", ""))
    except ValueError:
        return None
    if command not in words:
        return None
    rest = words[words.index(command) + 1:]
    return next((w for w in rest if not w.startswith("-")), None)
