"""Render a diff, and what ``check`` did, as text, Markdown or JSON (no click).

The words for each change (links, field deltas, why a rename) are
:mod:`listwatch.wording`'s, shared with the alerts.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .wording import KINDS, MARKUPS, REPORT_MARKDOWN, groups, heading, source_line, summary

__all__ = ["FORMATS", "KINDS", "as_json", "markdown", "outcomes", "parser_note", "summary",
           "text"]


def parser_note(d: dict) -> str | None:
    """Said when the two sides were parsed by different versions of the source plugin:
    some differences may be the parser's, not the list's."""
    before = (d.get("from") or {}).get("plugin_version")
    after = (d.get("to") or {}).get("plugin_version")
    if not before or not after or before == after:
        return None
    return (f"note: the source plugin changed from {before} to {after} between these "
            "snapshots; `listwatch check --reparse` shows what the parser change alone does")


def text(d: dict, name: str | None = None, kinds=KINDS) -> str:
    m = MARKUPS["text"]
    out = [heading(name or d.get("list") or "", d, kinds)]
    note = parser_note(d)
    if note:
        out.append(note)
    source = source_line(d, m)
    if source:
        out.append(source)
    for kind, lines in groups(d, kinds, m):
        out.append(f"{kind.capitalize()} ({len(lines)}):")
        out += [f"  {m.item(kind, line)}" for line in lines]
    return "\n".join(out) + "\n"


def markdown(d: dict, name: str | None = None, kinds=KINDS) -> str:
    m = REPORT_MARKDOWN
    out = [f"## {m.esc(heading(name or d.get('list') or '', d, kinds))}", ""]
    note = parser_note(d)
    if note:
        out += [f"_{note}_", ""]
    source = source_line(d, m)
    if source:
        out += [source, ""]
    for kind, lines in groups(d, kinds, m):
        out += [f"### {kind.capitalize()} ({len(lines)})",
                *(m.item(kind, line) for line in lines), ""]
    return "\n".join(out).rstrip() + "\n"


def as_json(d: dict, name: str | None = None, kinds=KINDS) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, Callable[..., str]] = {"text": text, "markdown": markdown, "json": as_json}

#: What a watch that did not run through says, after its name.
_TROUBLE = {"failed": "FAILED", "broken": "NOT STORED, the source looks broken"}


def _title(outcome) -> str:
    return outcome.watch.title or outcome.watch.name


def outcomes(outcomes: list, fmt: str) -> str:
    """What ``check`` prints on stdout: each watch's change, baseline, no change or
    failure (with its one-line reason), in every format."""
    if fmt == "json":
        doc = {"listwatch": "check/1", "watches": [
            {"watch": o.watch.name, "status": o.status, "message": o.message,
             "report": list(o.kinds), "diff": o.diff if o.status != "failed" else None,
             "stored": o.stored.name if o.stored else None} for o in outcomes]}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    md = fmt == "markdown"
    esc = MARKUPS["markdown" if md else "text"].esc
    parts = []
    for o in outcomes:
        name = o.watch.name
        if o.status in _TROUBLE:
            what = f"{name}: {_TROUBLE[o.status]}"
            parts.append(f"## {esc(_title(o))}: {_TROUBLE[o.status]}\n\n"
                         f"watch {esc(name)}: {esc(o.message)}\n" if md
                         else f"{what}: {o.message}\n")
        elif o.status == "changed":
            if o.reported:
                render = markdown if md else text
                parts.append(render(o.diff, _title(o), o.kinds))
            else:
                parts.append(f"{esc(name)}: {summary(o.diff)} (not reported for this "
                             f"watch: report = {list(o.kinds)}); stored\n")
        elif o.status == "reparsed":  # every kind: the point is to see the parser's effect
            render = markdown if md else text
            parts.append(f"{esc(name)}: {esc(o.message)}\n" + render(o.diff, _title(o), KINDS))
        elif o.status in ("baseline", "unchanged"):
            parts.append(f"{esc(name)}: {esc(o.message)}\n")
    return ("\n" if md else "").join(parts)
