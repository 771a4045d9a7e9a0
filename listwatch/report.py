"""Render a diff as text, Markdown or JSON (plain functions, no click)."""

from __future__ import annotations

import json
from collections.abc import Callable

KINDS = ("added", "removed", "renamed", "changed")


def _label(entry: dict) -> str:
    where = ", ".join(str(v) for v in (entry.get("category"), entry.get("country")) if v)
    page = (entry.get("provenance") or {}).get("page")
    extra = [where] if where else []
    if page:
        extra.append(f"p. {page}")
    named = (entry.get("attributes") or {}).get("mentioned")
    if named:
        extra.append("names " + ", ".join(map(str, named)))
    return entry["name"] + (f" ({'; '.join(extra)})" if extra else "")


def _short(value) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return "—" if value in (None, "") else str(value)


def moved(item: dict) -> str:
    """``moved: country Hong Kong → China`` for a rename whose reason is ``moved``."""
    return (f"moved: country {_short(item['from'].get('country'))} → "
            f"{_short(item['to'].get('country'))}")


def summary(d: dict, kinds=KINDS) -> str:
    """``4 added, 6 removed, 1 renamed`` (kinds with zero are left out)."""
    parts = [f"{d['counts'][k]} {k}" for k in kinds if d["counts"][k]]
    return ", ".join(parts) or "no change"


def lines(d: dict, kinds=KINDS, bullet: str = "  ", md: bool = False) -> list[str]:
    """One line per change, grouped by kind with a heading per group."""
    out: list[str] = []
    for kind in kinds:
        items = d[kind]
        if not items:
            continue
        out.append(f"### {kind.capitalize()} ({len(items)})" if md
                   else f"{kind.capitalize()} ({len(items)}):")
        for item in items:
            if kind == "renamed" and item["reason"] == "moved":
                text = f"{item['to']['name']} {moved(item)}"
            elif kind == "renamed":
                text = (f"{_label(item['from'])} → {_label(item['to'])} "
                        f"(same {item['reason']}, {item['score']:.2f})")
            elif kind == "changed":
                fields = "; ".join(f"{f}: {_short(v['from'])} → {_short(v['to'])}"
                                   for f, v in item["fields"].items())
                text = f"{item['name']}: {fields}"
            else:
                text = _label(item)
            out.append(f"{bullet}{'+' if kind == 'added' else '-' if kind == 'removed' else '~'} "
                       f"{text}" if not md else f"- {text}")
        if md:
            out.append("")
    return out


def _heading(d: dict, name: str | None) -> str:
    side = d.get("to") or {}
    before = (d.get("from") or {}).get("edition")
    edition = side.get("edition")
    span = f" {before} → {edition}" if before and edition and before != edition else (
        f" {edition}" if edition else "")
    return f"{name or d.get('list')}{span}"


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
    head = f"{_heading(d, name)}: {summary(d, kinds)}"
    note = parser_note(d)
    return "\n".join([head, *([note] if note else []), *lines(d, kinds)]) + "\n"


def markdown(d: dict, name: str | None = None, kinds=KINDS) -> str:
    head = f"## {_heading(d, name)}: {summary(d, kinds)}\n"
    note = parser_note(d)
    return "\n".join([head, *([f"_{note}_\n"] if note else []),
                      *lines(d, kinds, md=True)]).rstrip() + "\n"


def as_json(d: dict, name: str | None = None, kinds=KINDS) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


FORMATS: dict[str, Callable[..., str]] = {"text": text, "markdown": markdown, "json": as_json}


def _title(outcome) -> str:
    return outcome.watch.title or outcome.watch.name


def outcomes(outcomes: list, fmt: str) -> str:
    """What ``check`` prints on stdout: each watch's change, baseline or no change."""
    if fmt == "json":
        doc = {"listwatch": "check/1", "watches": [
            {"watch": o.watch.name, "status": o.status, "message": o.message,
             "report": list(o.kinds), "diff": o.diff if o.status != "failed" else None,
             "stored": o.stored.name if o.stored else None} for o in outcomes]}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    parts = []
    for o in outcomes:
        name = o.watch.name
        if o.status == "changed":
            if o.reported:
                render = markdown if fmt == "markdown" else text
                parts.append(render(o.diff, _title(o), o.kinds))
            else:
                parts.append(f"{name}: {summary(o.diff)} (not reported for this "
                             f"watch: report = {list(o.kinds)}); stored\n")
        elif o.status == "reparsed":  # every kind: the point is to see the parser's effect
            render = markdown if fmt == "markdown" else text
            parts.append(f"{name}: {o.message}\n" + render(o.diff, _title(o), KINDS))
        elif o.status in ("baseline", "unchanged"):
            parts.append(f"{name}: {o.message}\n")
    return ("\n" if fmt == "markdown" else "").join(parts)
