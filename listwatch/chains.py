"""Entries followed through the diffs of consecutive stored snapshots: what a walk over a
watch's snapshots knows after some of them (:mod:`listwatch.history` walks).

An entry renamed or moved to another id (``renamed[]`` in a diff) goes on as the same
chain, and an id that comes back after a gap is the same chain again. :class:`Chains` is
kept in the store's cache as JSON, so the walk after a new snapshot goes on from it with
that one diff instead of starting over; a walk from the start and one resumed from any
point make the same chains (tests/test_history.py checks it).
"""

from __future__ import annotations

from collections import Counter

FORMAT = "chains/1"


def label(edition: str | None, retrieved_at: str) -> str:
    """The edition a snapshot belongs to (the day it was retrieved, for lists without)."""
    return str(edition) if edition else str(retrieved_at)[:10]


class Chain:
    """One entry through time: its entry as the diffs left it (id, name, category,
    country), the steps it was listed in as ``[start, end)`` pairs (``end`` None while
    listed), and its former ids and names."""

    __slots__ = ("entry", "spans", "former")

    def __init__(self, entry: dict) -> None:
        self.entry = entry
        self.spans: list[list] = []
        self.former: list[dict] = []


def _count(entries, sign: int, by_country: Counter) -> None:
    """Physical markets per country, as listed then (a moved one counts where it was)."""
    for e in entries:
        if e.get("category") == "physical":
            by_country[e.get("country") or "—"] += sign


class Chains:
    """Every chain after some steps (a step: one stored snapshot, oldest first)."""

    def __init__(self) -> None:
        self.steps: list[dict] = []            # per step: {"edition", "retrieved_at"}
        self.made: list[Chain] = []            # every chain, in the order they began
        self.owner: dict[str, Chain] = {}      # every id ever seen -> its latest chain
        self.current: dict[str, Chain] = {}    # id listed now -> its chain
        self.countries: list[dict] = []        # per step: physical markets per country

    def start(self, snapshot: dict) -> None:
        """The first step: every entry of the first snapshot is added."""
        self.advance({"to": {"edition": (snapshot.get("list") or {}).get("edition"),
                             "retrieved_at": (snapshot.get("source") or {}).get("retrieved_at")},
                      "added": snapshot["entries"], "removed": [], "renamed": [], "changed": []})

    def advance(self, d: dict) -> None:
        """The next step: the diff of the last snapshot and the next."""
        k = len(self.steps)
        owner, current = self.owner, self.current
        by_country = Counter(self.countries[-1]) if self.countries else Counter()
        side = d["to"]
        until = label(self.steps[-1]["edition"], self.steps[-1]["retrieved_at"]) if k else ""
        self.steps.append({"edition": side["edition"], "retrieved_at": side["retrieved_at"]})
        for e in d["removed"]:
            current.pop(e["id"]).spans[-1][1] = k
        for r in d["renamed"]:
            old, new = r["from"], r["to"]
            chain = current.pop(old["id"])  # its span goes on under the new id
            chain.former.append({"id": old["id"], "name": old["name"], "until": until})
            chain.entry = new
            owner[new["id"]] = current[new["id"]] = chain
        for e in d["added"]:
            ident = e["id"]
            chain = owner.get(ident)
            if chain is None or chain.spans[-1][1] is None:
                chain = Chain(e)  # new, or its old id came back beside the new one
                self.made.append(chain)
            chain.entry = e
            chain.spans.append([k, None])
            owner[ident] = current[ident] = chain
        _count(d["added"], 1, by_country)
        _count(d["removed"], -1, by_country)
        for r in d["renamed"]:
            _count([r["to"]], 1, by_country)
            _count([r["from"]], -1, by_country)
        for c in d["changed"]:
            chain = current[c["id"]]
            moved = {"category", "country"} & c["fields"].keys()
            if moved:
                _count([chain.entry], -1, by_country)
            chain.entry = {**chain.entry, **{f: v["to"] for f, v in c["fields"].items()
                                             if f in ("name", "category", "country")}}
            if moved:
                _count([chain.entry], 1, by_country)
        self.countries.append(dict(+by_country))

    # -- kept as JSON ---------------------------------------------------------------------
    def to_json(self) -> dict:
        """Column by column (one list per field: quick to write and to read back)."""
        made = self.made
        index = {id(c): i for i, c in enumerate(made)}
        entries = [c.entry for c in made]
        return {"listwatch": FORMAT, "steps": self.steps, "countries": self.countries,
                "ids": [e["id"] for e in entries], "names": [e["name"] for e in entries],
                "categories": [e.get("category") for e in entries],
                "in": [e.get("country") for e in entries],
                "spans": [c.spans for c in made], "former": [c.former for c in made],
                "owner": {ident: index[id(c)] for ident, c in self.owner.items()}}

    @classmethod
    def from_json(cls, doc: dict) -> Chains:
        """Raises KeyError, TypeError, IndexError or ValueError for what :meth:`to_json`
        would not have written."""
        columns = [doc[k] for k in ("ids", "names", "categories", "in", "spans", "former")]
        steps = doc["steps"]
        if doc["listwatch"] != FORMAT or len(doc["countries"]) != len(steps) or \
                len({len(c) for c in columns}) != 1 or \
                not all(isinstance(s, dict) and {"edition", "retrieved_at"} <= s.keys()
                        for s in steps):
            raise ValueError("not kept chains")
        out = cls()
        out.steps, out.countries = doc["steps"], doc["countries"]
        made, current = out.made, out.current
        for ident, name, category, country, spans, former in zip(*columns):
            chain = Chain({"id": ident, "name": name, "category": category, "country": country})
            chain.spans, chain.former = spans, former
            made.append(chain)
            if spans[-1][1] is None:
                current[ident] = chain
        out.owner = {ident: made[i] for ident, i in doc["owner"].items()}
        return out
