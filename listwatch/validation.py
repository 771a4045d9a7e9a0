"""JSON Schema validation: snapshots, diffs, config and plugins' option schemas.

Snapshots are validated with jsonschema-rs (Draft 2020-12, exact error paths,
~200x faster on large lists); jsonschema is the reference implementation and is
used for everything small. tests/test_validation.py proves the two agree.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

from .errors import InvalidSnapshot

SCHEMAS = ("snapshot", "diff", "config")


def schema_text(name: str) -> str:
    if name not in SCHEMAS:
        raise ValueError(f"unknown schema {name!r}")
    return (resources.files("listwatch.schemas") / f"{name}.schema.json").read_text("utf-8")


@functools.cache
def schema(name: str) -> dict:
    return json.loads(schema_text(name))


def format_path(path: Iterable[Any]) -> str:
    """``["entries", 3, "name"]`` → ``entries[3].name``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _registry():
    from referencing import Registry, Resource

    return Registry().with_resources(
        (schema(n)["$id"].rsplit("/", 1)[0] + f"/{n}.schema.json",
         Resource.from_contents(schema(n))) for n in SCHEMAS)


@functools.cache
def _reference_validator(name: str):
    import jsonschema

    return jsonschema.Draft202012Validator(schema(name), registry=_registry())


@functools.cache
def _fast_snapshot_validator():
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the dependency is declared
        return None
    return jsonschema_rs.Draft202012Validator(schema("snapshot"))


@functools.cache
def _entry_validator():
    """One entry against ``$defs/entry`` of the snapshot schema (the diff's fast path)."""
    sub = {"$schema": schema("snapshot")["$schema"], "$defs": schema("snapshot")["$defs"],
           "$ref": "#/$defs/entry"}
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the dependency is declared
        import jsonschema

        return jsonschema.Draft202012Validator(sub)
    return jsonschema_rs.Draft202012Validator(sub)


def entry_is_valid(entry: Any) -> bool:
    """Whether one entry would pass the snapshot schema (ids' uniqueness aside)."""
    return _entry_validator().is_valid(entry)


def reference_errors(name: str, doc: Any) -> list[tuple[str, str]]:
    """(path, message) pairs from jsonschema, in document order."""
    errors = _reference_validator(name).iter_errors(doc)
    found = sorted(((list(e.absolute_path), e.message) for e in errors),
                   key=lambda pm: _path_key(pm[0]))
    return [(format_path(p), m) for p, m in found]


def _path_key(path: Iterable[Any]) -> list[tuple[int, Any]]:
    """Sort key for a JSON path: array indices numerically (entries[2] before [10])."""
    return [(0, p) if isinstance(p, int) else (1, str(p)) for p in path]


def schema_errors(doc: Any) -> list[tuple[str, str]]:
    """(path, message) pairs for a snapshot document against the snapshot schema."""
    fast = _fast_snapshot_validator()
    if fast is None:
        return reference_errors("snapshot", doc)
    if fast.is_valid(doc):  # the common case, without collecting errors: 40% faster
        return []
    found = [(list(e.instance_path), e.message) for e in fast.iter_errors(doc)]
    found.sort(key=lambda pm: _path_key(pm[0]))
    return [(format_path(p), m) for p, m in found]


def duplicate_id_errors(doc: dict) -> list[tuple[str, str]]:
    entries = doc.get("entries")
    try:  # the common case, checked in C: every entry has an id and none repeats
        ids = [entry["id"] for entry in entries]
        if len(set(ids)) == len(ids):
            return []
    except (TypeError, KeyError):  # not a list, an entry without id, an unhashable id
        pass
    seen: dict[str, int] = {}
    problems = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        key = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(key, str):
            continue
        if key in seen:
            problems.append((f"entries[{i}].id", f"duplicate id {key!r} "
                                                 f"(first at entries[{seen[key]}])"))
        else:
            seen[key] = i
    return problems


def snapshot_errors(doc: Any) -> list[str]:
    """Every problem with a snapshot, as ``path: message`` lines."""
    problems = schema_errors(doc)
    if isinstance(doc, dict) and (duplicates := duplicate_id_errors(doc)):
        problems = sorted(problems + duplicates, key=lambda pm: _path_key(
            int(i) if i else k for i, k in re.findall(r"\[(\d+)\]|([^.\[\]]+)", pm[0])))
    return [f"{path}: {message}" for path, message in problems]


def check_snapshot(doc: Any, where: str) -> None:
    problems = snapshot_errors(doc)
    if problems:
        raise InvalidSnapshot(where, problems)


def check_schema(candidate: Any) -> str | None:
    """None when ``candidate`` is a valid Draft 2020-12 schema, else the problem.

    jsonschema-rs answers the common case (valid) without importing the pure-Python
    jsonschema, which costs ~0.1 s of every run; jsonschema words the problem.
    """
    try:
        import jsonschema_rs

        if jsonschema_rs.meta.is_valid(candidate):
            return None
    except Exception:  # noqa: BLE001 - e.g. not a dict; let the reference decide
        pass
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(candidate)
    except jsonschema.SchemaError as exc:
        return f"{format_path(exc.absolute_path)}: {exc.message}"
    return None


def unknown_keys(err) -> list[str]:
    """``unknown key 'locaton' (did you mean 'location'?)`` for each key an
    ``additionalProperties`` error is about; the suggestion is a known key not
    already present, found by :func:`difflib.get_close_matches`."""
    import difflib

    if not isinstance(err.instance, dict):
        return []
    known = set(err.schema.get("properties", {}))
    free = sorted(known - set(err.instance))
    lines = []
    for key in sorted(k for k in err.instance if k not in known):
        close = difflib.get_close_matches(str(key), free, n=1, cutoff=0.6)
        lines.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return lines


def safe_message(err) -> str:
    """The schema error without the offending value, which may hold a secret."""
    expected = err.validator_value
    if err.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"is not of type {' or '.join(repr(k) for k in kinds)}"
    if err.validator == "enum":
        return f"must be one of {', '.join(map(repr, expected))}"
    if err.validator == "additionalProperties":
        return "; ".join(unknown_keys(err)) or "unknown key"
    if err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">",
                "exclusiveMaximum": "<"}[err.validator]
        return f"must be {sign} {expected}"
    if err.validator == "pattern":
        return f"must match the pattern {expected}"
    if err.validator in ("minLength", "minItems"):
        return "must not be empty"
    if err.validator == "uniqueItems":
        return "has repeated items"
    if err.validator == "required":
        return err.message
    return f"is invalid ({err.validator})"


@functools.lru_cache(maxsize=64)
def _fast_options_validator(schema_json: str):
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(schema_json))


def option_errors(options_schema: dict, options: Any) -> list[tuple[str, str]]:
    """(path, message) for options that break a source's schema; messages never echo
    values. Valid options (the common case) are checked without importing jsonschema."""
    try:
        if _fast_options_validator(json.dumps(options_schema, sort_keys=True)).is_valid(
                options):
            return []
    except Exception:  # noqa: BLE001 - let the reference validator decide and word it
        pass
    import jsonschema

    validator = jsonschema.Draft202012Validator(options_schema)
    found = sorted(((list(e.absolute_path), safe_message(e))
                    for e in validator.iter_errors(options)),
                   key=lambda pm: _path_key(pm[0]))
    return [(format_path(p), m) for p, m in found]
