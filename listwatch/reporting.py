"""What `listwatch report` shows, as data: one pass over a watch's stored editions.

The latest edition's list, what changed since the previous edition, the list's size per
edition (with additions and removals), physical markets per country per edition, and each
entry's timeline. Sizes, additions and removals are counted from the history rows
(:mod:`listwatch.history`), so they are the numbers `history --format json` gives; the
per-country counts are each edition's own (a moved market counts under the country it
was listed under then). :mod:`listwatch.html` and :func:`markdown` render it.
"""

from __future__ import annotations

import functools
import itertools
import re
import urllib.parse
from collections import Counter

from .history import pair_diff, run_text, walk
from .snapshot import gc_paused
from .store import Store

KINDS = ("added", "removed", "renamed", "moved", "changed")


def page_link(location: str | None, page) -> str | None:
    """``location#page=N`` for a PDF behind an http(s) URL; None for anything else."""
    return _linked(_pdf_url(location) if location else None, page)


def _linked(pdf: str | None, page) -> str | None:
    """``PDF#page=N``, when there is a PDF to open and a page number."""
    return f"{pdf}#page={page}" if pdf and isinstance(page, int) and page >= 1 else None


@functools.lru_cache(maxsize=64)
def _pdf_url(location: str) -> str | None:
    """The report's URL, for links to its pages: an http(s) URL of a PDF, else None."""
    parts = urllib.parse.urlsplit(location)
    if parts.scheme not in ("http", "https") or not parts.netloc or \
            not parts.path.lower().endswith(".pdf"):
        return None  # a local file, or a page that links to the report: no page to open
    path = urllib.parse.quote(parts.path, safe="/%:@!$&*+,;=-._~")
    query = urllib.parse.quote(parts.query, safe="/%:@!$&*+,;=-._~?")
    return urllib.parse.urlunsplit(parts._replace(path=path, query=query, fragment=""))


def _entry(e: dict, pdf: str | None) -> dict:
    """An entry as the report shows it; ``pdf``: the report's URL, for page links."""
    page = (e.get("provenance") or {}).get("page")
    return {"id": e["id"], "name": e["name"], "category": e.get("category"),
            "country": e.get("country"), "urls": list(e.get("urls") or []),
            "page": page, "link": _linked(pdf, page)}


def _change(store: Store, watch: str, last_of: list, pdf: str | None) -> dict | None:
    """The latest edition against the previous one (its newest snapshot), by kind."""
    if len(last_of) < 2:
        return None
    d = pair_diff(store, watch, last_of[-2], last_of[-1])
    moved = [r for r in d["renamed"] if r["reason"] == "moved"]
    return {
        "from": d["from"]["edition"], "to": d["to"]["edition"],
        "added": [_entry(e, pdf) for e in d["added"]],
        "removed": [_entry(e, None) for e in d["removed"]],
        "renamed": [{"from": r["from"]["name"], "to": _entry(r["to"], pdf),
                     "reason": r["reason"]} for r in d["renamed"] if r["reason"] != "moved"],
        "moved": [{"entry": _entry(r["to"], pdf), "from": r["from"].get("country"),
                   "to": r["to"].get("country")} for r in moved],
        "changed": [{"id": c["id"], "name": c["name"],
                     "fields": {f: v for f, v in c["fields"].items()}} for c in d["changed"]],
    }


@gc_paused()  # no cycles made (see history.walk)
def build(store: Store, watch: str) -> dict:
    """The report's data (plain JSON types)."""
    found = walk(store, watch)
    editions, latest = found.editions, found.latest
    location = (latest.get("source") or {}).get("location")
    pdf = _pdf_url(location) if location else None
    n = len(editions)
    shown: dict[tuple, tuple] = {}  # rows listed alike share their flags and words
    alike: Counter = Counter()      # (category, runs): how many rows
    timeline = []
    for r, runs in zip(found.rows, found.runs):
        key = tuple(runs)
        if key not in shown:
            flags = [False] * n
            for a, b in zip(runs[::2], runs[1::2]):
                flags[a:b] = [True] * (b - a)
            shown[key] = (flags, run_text(runs, editions), flags.count(True))
        flags, text, count = shown[key]
        alike[r["category"], key] += 1
        timeline.append({"id": r["id"], "name": r["name"], "category": r["category"],
                         "country": r["country"], "listed_now": r["listed_now"],
                         "spans": text, "count": count, "listed": flags,
                         "former": r["former"]})
    timeline.sort(key=lambda t: (not t["listed_now"], t["category"] or "", -t["count"],
                                 t["name"].casefold()))
    countries = sorted({c for counts in found.countries for c in counts}, key=str.casefold)
    per_country = [{"country": c, "counts": [counts.get(c, 0) for counts in found.countries]}
                   for c in countries]
    return {
        "listwatch": "report/1", "watch": watch,
        "title": (latest.get("list") or {}).get("title") or watch,
        "editions": editions,
        "latest": {**found.when[-1], "location": location,
                   "entries": sorted((_entry(e, pdf) for e in latest["entries"]),
                                     key=lambda e: (e["category"] or "", e["country"] or "",
                                                    e["name"].casefold()))},
        "change": _change(store, watch, found.last_of, pdf),
        "sizes": _sizes(editions, alike), "countries": per_country, "timeline": timeline,
    }


def _sizes(editions: list[str], alike: Counter) -> list[dict]:
    """The list's size per edition, with additions and removals, from how many rows of each
    category were listed in each pattern of runs: differences at the ends of runs, summed
    up (O(patterns), not O(rows x editions))."""
    n = len(editions)
    total, online, physical, added, removed = ([0] * (n + 1) for _ in range(5))
    by_category = {"online": online, "physical": physical}
    for (category, runs), k in alike.items():
        by = by_category.get(category)
        for a, b in zip(runs[::2], runs[1::2]):
            total[a] += k
            total[b] -= k
            if by is not None:
                by[a] += k
                by[b] -= k
            added[a] += k
            removed[b] += k
    total, online, physical = (list(itertools.accumulate(c)) for c in (total, online, physical))
    return [{"edition": edition, "total": total[i], "online": online[i],
             "physical": physical[i], "other": total[i] - online[i] - physical[i],
             "added": added[i] if i else None, "removed": removed[i] if i else None}
            for i, edition in enumerate(editions)]


# --- Markdown -------------------------------------------------------------------------------

_MD_ANY = re.compile(r"[\\`*_{}\[\]()#+!|~<>&\t\n\r\f\v]|  ")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def md(value) -> str:
    """Text safe in Markdown (a table cell too): one line, no HTML (``<`` is ``&lt;``),
    Markdown's special characters escaped."""
    if value in (None, "", []):
        return "—"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if not _MD_ANY.search(text):
        return text  # the common case: nothing to escape
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _head(cols: list[str]) -> list[str]:
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]


def _table(head: list[str], rows: list[list]) -> list[str]:
    return [*_head(head), *("| " + " | ".join(map(str, row)) + " |" for row in rows), ""]


def _timeline(editions: list[str], timeline: list[dict]) -> list[str]:
    cells_of: dict[tuple, str] = {}  # rows listed alike share their cells and words
    same = functools.cache(md)
    rows = []
    for t in timeline:
        key = tuple(t["listed"])
        cells = cells_of.get(key)
        if cells is None:
            cells = cells_of[key] = " | ".join(["●" if x else "·" for x in key])
        rows.append(f"| {md(t['name'])} | {cells} | {same(t['spans'])} ({t['count']}) |")
    return [*_head(["Entry", *map(md, editions), "Listed"]), *rows, ""]


def _latest(entries: list[dict]) -> list[str]:
    same = functools.cache(md)  # categories and countries: a few values, many rows
    rows = [f"| {md(e['name'])} | {same(e['category'])} | {same(e['country'])} | "
            f"{md(e['urls'])} | "
            + (f"[p. {e['page']}]({e['link']})" if e["link"] else md(e["page"])) + " |"
            for e in entries]
    return [*_head(["Name", "Category", "Country", "Domains", "Page"]), *rows, ""]


def _named(e: dict) -> str:
    name = md(e["name"])
    return f"[{name}]({e['link']})" if e.get("link") else name


def stored(editions: list[str], quote) -> str:
    """``6 editions stored, 2016–2021``"""
    if len(editions) == 1:
        return f"1 edition stored, {quote(editions[0])}"
    return f"{len(editions)} editions stored, {quote(editions[0])}–{quote(editions[-1])}"


def either(words: list[str]) -> str:
    """``renamed, moved or changed``"""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def change_lines(change: dict | None) -> list[str]:
    if not change:
        return ["Only one edition is stored: nothing to compare yet.", ""]
    out, empty = [], []
    for kind in KINDS:
        items = change[kind]
        if not items:
            empty.append(kind)
            continue
        out.append(f"### {kind.capitalize()} ({len(items)})")
        for item in items:
            if kind in ("added", "removed"):
                where = ", ".join(md(v) for v in (item["category"], item["country"]) if v)
                out.append(f"- {_named(item)}" + (f" ({where})" if where else ""))
            elif kind == "renamed":
                out.append(f"- {md(item['from'])} → {_named(item['to'])} (same {item['reason']})")
            elif kind == "moved":
                out.append(f"- {_named(item['entry'])} moved: country {md(item['from'])} → "
                           f"{md(item['to'])}")
            else:
                fields = "; ".join(f"{md(f)}: {md(v['from'])} → {md(v['to'])}"
                                   for f, v in item["fields"].items())
                out.append(f"- {md(item['name'])}: {fields}")
        out.append("")
    if empty:
        out += [f"Nothing {either(empty)}.", ""]
    return out


@gc_paused()
def markdown(data: dict) -> str:
    """The report as GitHub-flavoured Markdown (CI job summaries, pull-request comments)."""
    eds = data["editions"]
    latest = data["latest"]
    out = [f"# {md(data['title'])}", "",
           f"Watch `{data['watch']}`: {stored(eds, md)}; latest "
           f"{md(latest['edition'] or eds[-1])}, retrieved {md(latest['retrieved_at'])}.",
           ""]
    change = data["change"]
    title = f"{md(change['to'])} against {md(change['from'])}" if change else "Changes"
    out += [f"## {title}", "", *change_lines(change)]
    out += ["## List size per edition", ""]
    cols = [k for k in ("online", "physical", "other") if any(s[k] for s in data["sizes"])]
    out += _table(["Edition", *(k.capitalize() for k in cols), "Total", "Added", "Removed"],
                  [[md(s["edition"]), *(s[k] for k in cols), s["total"],
                    "—" if s["added"] is None else f"+{s['added']}",
                    "—" if s["removed"] is None else f"−{s['removed']}"]
                   for s in data["sizes"]])
    if data["countries"]:
        out += ["## Physical markets per country", ""]
        out += _table(["Country", *map(md, eds)],
                      [[md(c["country"]), *c["counts"]] for c in data["countries"]])
    out += [f"## {md(latest['edition'] or eds[-1])} list ({len(latest['entries'])} entries)", ""]
    out += _latest(latest["entries"])
    out += ["## Timeline", ""]
    out += _timeline(eds, data["timeline"])
    return "\n".join(out).rstrip() + "\n"
