"""When each entry of a watch was listed: one pass over its stored snapshots, oldest first."""

from __future__ import annotations

from .errors import ConfigError
from .store import Store
from .text import norm


def history(store: Store, watch: str, entry: str | None = None) -> tuple[list[dict], int]:
    """Rows ``{id, name, first, last, snapshots, listed_now}`` sorted by id, and how many
    snapshots were read. ``entry`` (an id or a name) keeps only the rows it names."""
    from .snapshot import load

    paths = store.snapshots(watch)
    if not paths:
        raise ConfigError(f"no stored snapshots of watch {watch!r} in {store.root}")
    seen: dict[str, dict] = {}
    latest_ids: set[str] = set()
    for path in paths:
        snap = load(path)
        when = {"edition": snap["list"].get("edition"),
                "retrieved_at": snap["source"]["retrieved_at"]}
        latest_ids = set()
        for e in snap["entries"]:
            row = seen.setdefault(e["id"], {"id": e["id"], "name": e["name"], "first": when,
                                            "snapshots": 0})
            row.update(name=e["name"], last=when)
            row["snapshots"] += 1
            latest_ids.add(e["id"])
    rows = sorted(seen.values(), key=lambda r: r["id"])
    for row in rows:
        row["listed_now"] = row["id"] in latest_ids
    if entry:
        rows = [r for r in rows if r["id"] == entry or norm(r["name"]) == norm(entry)]
        if not rows:
            raise ConfigError(f"watch {watch!r}: no entry {entry!r} in {len(paths)} stored "
                              "snapshot(s)")
    return rows, len(paths)
