"""The outbox: one record per reported change, kept in the store until every URL has it.

Record (``<store>/outbox/<watch>/<snapshot name>.json``)::

    {"listwatch": "outbox/1", "watch": "nml", "title": "Notorious Markets List",
     "created": "2026-11-28T16:00:00Z", "kinds": ["added", "removed", ...],
     "diff": {...the full diff/1 document...},
     "targets": [{"id": "<sha256 of the URL>", "url": "json://127.0.0.1:8080/***",
                  "attempts": 0, "delivered": null, "error": null}],
     "snapshot": "20261128T160000Z.json"}

A record never holds a URL: targets are the SHA-256 of the URL plus its masked form
(:mod:`listwatch.alerts.secrets`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from . import messages
from .secrets import mask, url_id

#: How alerting speaks: ``log(line, level)``. The command line shows a line when its
#: verbosity is at least ``level``: ``ALWAYS`` (errors, dry-run output), ``INFO``, ``VERBOSE``.
Log = Callable[[str, int], None]
ALWAYS, INFO, VERBOSE = -1, 0, 1

RECORD = "outbox/1"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def audience(config, watch) -> list[str]:
    """The URLs told about ``watch``'s changes, each once."""
    return list(dict.fromkeys(watch.notify or config.notify))


def check_templates(config) -> None:
    for w in config.watches:
        for key, text in (w.template or {}).items():
            bad = messages.unknown_variables(text)
            if bad:
                raise ConfigError(
                    f"{config.path}: watch \"{w.name}\": key template.{key}: unknown variable "
                    f"{{{bad[0]}}} (variables: {', '.join(messages.VARIABLES)})")


def outbox_record(config) -> Callable[[Any, dict, tuple[str, ...]], dict | None]:
    """The function ``check`` calls to build the outbox record of a change."""
    check_templates(config)

    def record(watch, diff: dict, kinds: tuple[str, ...]) -> dict | None:
        urls = audience(config, watch)
        if not urls:
            return None
        return {"listwatch": RECORD, "watch": watch.name, "title": watch.title or watch.name,
                "created": now(), "kinds": list(kinds), "diff": diff,
                "targets": [{"id": url_id(u), "url": mask(u), "attempts": 0,
                             "delivered": None, "error": None} for u in urls]}
    return record


def problem(record: Any) -> str | None:
    """Why ``record`` is not an outbox record listwatch can deliver, or None."""
    if not isinstance(record, dict):
        return "not a JSON object" if record is not None else "not JSON (truncated?)"
    shape = {"watch": str, "diff": dict, "kinds": list, "targets": list}
    for key, kind in shape.items():
        if not isinstance(record.get(key), kind):
            return f"key {key} is missing or not a {kind.__name__}"
    if not all(isinstance(k, str) and k in messages.KINDS for k in record["kinds"]):
        return "key kinds holds something other than change kinds"
    if not all(isinstance(t, dict) and isinstance(t.get("id"), str)
               and isinstance(t.get("url"), str) for t in record["targets"]):
        return "a target has no id or url"
    if not all(type(t.get("attempts", 0)) is int for t in record["targets"]):
        return "a target's attempts is not a number"
    from ..validation import reference_errors

    errors = reference_errors("diff", record["diff"])
    if errors:
        where, message = errors[0]
        return f"its diff is not a diff/1 document ({where}: {message})"
    return None


def readable(log: Log, records: list[tuple[Path, Any]], store=None
             ) -> tuple[list[tuple[Path, dict]], list[str]]:
    """The records in the shape :func:`outbox_record` writes, and one line for each
    other one (logged as an error). With ``store`` (held under its lock), a damaged
    record is moved aside to ``<name>.broken``; its alert is not sent."""
    good, damaged = [], []
    for path, record in records:
        why = problem(record)
        if why is None:
            good.append((path, record))
            continue
        why = f"damaged outbox record ({why}); its alert was not sent"
        if store is not None:
            line = str(store.set_aside(path, why))
        else:
            line = f"store: {path}: {why}"
        log(f"error: {line}", ALWAYS)
        damaged.append(line)
    return good, damaged
def save(store, path: Path, record: dict) -> None:
    if all(t.get("delivered") for t in record["targets"]):
        store.close_outbox(path)
    else:
        store.update_outbox(path, record)


def pending(log: Log, store) -> tuple[list[dict], list[str]]:
    """What ``listwatch outbox`` shows: each readable record, its pending and delivered
    URLs; and a line for each damaged record (logged too).

    Reads without the store lock and never prunes."""
    rows = []
    good, damaged = readable(log, store.outbox(prune=False))
    for path, record in good:
        targets = record.get("targets", [])
        rows.append({
            "watch": record.get("watch", path.parent.name),
            "snapshot": record.get("snapshot", path.name),
            "created": record.get("created"),
            "title": messages.heading(record.get("title") or record.get("watch", "?"),
                                      record["diff"], tuple(record.get("kinds", ()))),
            "pending": [{"url": t["url"], "attempts": t.get("attempts", 0),
                         "error": t.get("error")} for t in targets if not t.get("delivered")],
            "delivered": [{"url": t["url"], "at": t["delivered"]}
                          for t in targets if t.get("delivered")],
        })
    return rows, damaged
