"""The report (:func:`listwatch.reporting.build`) as one self-contained HTML file.

No script, no external style sheet, font or image: the chart is inline SVG, so the file
opens offline, on a phone (the tables scroll sideways, the chart scales) and prints (print
styles drop the navigation and keep table rows whole). Every name comes from an
untrusted document, so every text and attribute goes through :func:`html.escape`, and
links are only ever http(s) URLs.
"""

from __future__ import annotations

import functools
import itertools
import re
from html import escape

from .reporting import KINDS, either, stored
from .snapshot import gc_paused

CSS = """
:root { --online: #2f6db5; --physical: #d9822b; --other: #8a8f98; --add: #1e7d32;
  --rem: #b3261e; --line: #d6d9de; --muted: #5f6670; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1b1f24; line-height: 1.45;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.5rem; margin: .2rem 0 .4rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
  border-bottom: 1px solid var(--line); padding-bottom: .2rem; } h3 { font-size: 1rem; }
.muted { color: var(--muted); } nav { display: flex; flex-wrap: wrap; gap: .2rem .9rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: .9rem; min-width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
  vertical-align: top; } th { background: #f3f4f6; position: sticky; top: 0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.on { background: var(--online); } td.on.physical { background: var(--physical); }
td.off { background: #fff; } .grid td.on, .grid td.off { min-width: 1.4rem; padding: 0; }
td.spans { white-space: nowrap; }
.grid th.ed { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; }
.add { color: var(--add); } .rem { color: var(--rem); } .domains { word-break: break-all; }
svg { width: 100%; height: auto; display: block; } svg text { font: 11px sans-serif; }
rect.online { fill: var(--online); } rect.physical { fill: var(--physical); }
rect.other { fill: var(--other); } text.add { fill: var(--add); } text.rem { fill: var(--rem); }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
  vertical-align: -.1rem; }
ul.changes { padding-left: 1.2rem; } ul.changes li { margin: .15rem 0; }
@media (max-width: 40rem) { body { padding: .5rem; font-size: 15px; }
  th, td { padding: .25rem .35rem; } .wide { display: none; } }
@media print { nav { display: none; } body { max-width: none; padding: 0; font-size: 10pt; }
  a { color: inherit; text-decoration: none; } .scroll { overflow: visible; }
  tr, li, svg { break-inside: avoid; } h2 { break-after: avoid; }
  td.on, td.off, i { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


_SPECIAL = re.compile("[&<>\"']")


def esc(value) -> str:
    """Text for HTML (attribute values too); a dash (``&mdash;``) for nothing."""
    if value is None or value == "":
        return "&mdash;"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return escape(text) if _SPECIAL.search(text) else text  # most names need nothing


def _named(e: dict) -> str:
    if e.get("link"):
        return f'<a href="{escape(e["link"], quote=True)}">{esc(e["name"])}</a>'
    return esc(e["name"])


def chart(sizes: list[dict]) -> str:
    """Stacked bars (online, physical, other) per edition, with +added/−removed below."""
    n = len(sizes)
    step, left, top, plot = 56, 36, 22, 170
    width, height = left + step * n + 10, top + plot + 48
    peak = max((s["total"] for s in sizes), default=0) or 1
    out = [f'<svg id="size-chart" viewBox="0 0 {width} {height}" role="img" '
           f'style="max-width:{max(width * 1.5, 480):.0f}px" aria-labelledby="size-chart-title">',
           '<title id="size-chart-title">List size per edition: online and physical entries, '
           'with additions and removals</title>',
           f'<line x1="{left}" y1="{top + plot}" x2="{width - 5}" y2="{top + plot}" '
           'stroke="#999"/>']
    for k in range(5):
        value = round(peak * k / 4)
        y = top + plot - plot * value / peak
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                   f'fill="#5f6670">{value}</text>')
    for i, s in enumerate(sizes):
        x = left + step * i + 10
        attrs = " ".join(f'data-{k}="{"" if s[k] is None else s[k]}"'
                         for k in ("online", "physical", "other", "total", "added", "removed"))
        out.append(f'<g class="bar" data-edition="{escape(str(s["edition"]), quote=True)}" '
                   f'{attrs}>')
        y = top + plot
        for kind in ("online", "physical", "other"):
            h = plot * s[kind] / peak
            if h:
                y -= h
                out.append(f'<rect class="{kind}" x="{x}" y="{y:.1f}" width="{step - 20}" '
                           f'height="{h:.1f}"><title>{esc(s["edition"])}: '
                           f'{s[kind]} {kind}</title></rect>')
        mid = x + (step - 20) / 2
        out.append(f'<text x="{mid}" y="{y - 4:.1f}" text-anchor="middle">{s["total"]}</text>')
        out.append(f'<text x="{mid}" y="{top + plot + 14}" text-anchor="middle">'
                   f'{esc(s["edition"])}</text>')
        if s["added"] is not None:
            out.append(f'<text x="{mid}" y="{top + plot + 28}" text-anchor="middle" '
                       f'class="add">+{s["added"]}</text>')
            out.append(f'<text x="{mid}" y="{top + plot + 41}" text-anchor="middle" '
                       f'class="rem">&minus;{s["removed"]}</text>')
        out.append("</g>")
    out.append("</svg>")
    legend = "".join(f'<span><i style="background:var(--{k})"></i>{k}</span>'
                     for k in ("online", "physical", "other")
                     if any(s[k] for s in sizes))
    return "\n".join(out) + f'\n<p class="legend">{legend}<span class="add">+ added</span>' \
        '<span class="rem">&minus; removed</span></p>'


def _table(head: list[str], rows: list[str], table_id: str, cls: str = "") -> str:
    return "\n".join([f'<div class="scroll"><table id="{table_id}" class="{cls}"><thead><tr>'
                      + "".join(head) + "</tr></thead><tbody>", *rows,
                      "</tbody></table></div>"])


def _sizes_table(sizes: list[dict]) -> str:
    """The chart's numbers as a table (for screen readers, copying, and print)."""
    cols = [k for k in ("online", "physical", "other") if any(s[k] for s in sizes)]
    cols += ["total", "added", "removed"]
    head = ["<th>Edition</th>"] + [f'<th class="n">{k.capitalize()}</th>' for k in cols]
    sign = {"added": ("add", "+"), "removed": ("rem", "&minus;")}
    rows = []
    for s in sizes:
        cells = "".join(f'<td class="n {sign.get(k, ("", ""))[0]}" data-key="{k}">'
                        + ("&mdash;" if s[k] is None else f"{sign.get(k, ('', ''))[1]}{s[k]}")
                        + "</td>" for k in cols)
        rows.append(f'<tr data-edition="{escape(str(s["edition"]), quote=True)}">'
                    f'<td>{esc(s["edition"])}</td>{cells}</tr>')
    return _table(head, rows, "sizes")


def _changes(change: dict | None) -> str:
    if not change:
        return "<p>Only one edition is stored: nothing to compare yet.</p>"
    parts, empty = [], []
    for kind in KINDS:
        items = change[kind]
        lis = []
        for item in items:
            if kind in ("added", "removed"):
                where = ", ".join(esc(v) for v in (item["category"], item["country"]) if v)
                lis.append(f"{_named(item)}" + (f' <span class="muted">({where})</span>'
                                                if where else ""))
            elif kind == "renamed":
                lis.append(f"{esc(item['from'])} &rarr; {_named(item['to'])} "
                           f'<span class="muted">(same {esc(item["reason"])})</span>')
            elif kind == "moved":
                lis.append(f"{_named(item['entry'])} moved: country {esc(item['from'])} &rarr; "
                           f"{esc(item['to'])}")
            else:
                lis.append(f"{esc(item['name'])}: " + "; ".join(
                    f"{esc(f)}: {esc(v['from'])} &rarr; {esc(v['to'])}"
                    for f, v in item["fields"].items()))
        if not lis:
            empty.append(kind)
            continue
        parts.append(f'<h3>{kind.capitalize()} (<span class="count" data-kind="{kind}">'
                     f'{len(items)}</span>)</h3><ul class="changes" id="{kind}">'
                     + "".join(f"<li>{li}</li>" for li in lis) + "</ul>")
    if empty:
        parts.append(f'<p class="muted">Nothing {either(empty)}.</p>')
    return "\n".join(parts)


def _latest(entries: list[dict]) -> str:
    head = ["<th>Name</th>", "<th>Category</th>", "<th>Country</th>",
            '<th class="wide">Domains</th>', "<th>Page</th>"]
    same = functools.cache(esc)  # categories and countries: a few values, many rows
    rows = []
    for e in entries:
        page = (f'<a href="{esc(e["link"])}">p.&nbsp;{e["page"]}</a>'
                if e["link"] else esc(e["page"]))
        rows.append(f'<tr><td>{esc(e["name"])}</td><td>{same(e["category"])}</td>'
                    f'<td>{same(e["country"])}</td><td class="wide domains">{esc(e["urls"])}'
                    f"</td><td>{page}</td></tr>")
    return _table(head, rows, "latest")


def _countries(editions: list[str], countries: list[dict]) -> str:
    head = ["<th>Country</th>"] + [f'<th class="n">{esc(e)}</th>' for e in editions]
    rows = [f'<tr><td>{esc(c["country"])}</td>'
            + "".join(f'<td class="n">{n or ""}</td>' for n in c["counts"]) + "</tr>"
            for c in countries]
    return _table(head, rows, "countries")


def _bars(kind: str, listed: list[bool], titles: list[str]) -> str:
    """One row of the grid: a cell per run of editions listed (a bar titled with its
    editions) or not, ``colspan`` for a run longer than one edition."""
    cells = []
    for flag, run in itertools.groupby(range(len(listed)), key=listed.__getitem__):
        at = list(run)
        span = f' colspan="{len(at)}"' if len(at) > 1 else ""
        if flag:
            title = titles[at[0]] if len(at) == 1 else f"{titles[at[0]]}&ndash;{titles[at[-1]]}"
            cells.append(f'<td class="on {kind}"{span} title="{title}"></td>')
        else:
            cells.append(f'<td class="off"{span}></td>')
    return "".join(cells)


def _timeline(editions: list[str], timeline: list[dict]) -> str:
    head = ["<th>Entry</th>"] + [f'<th class="ed">{esc(e)}</th>' for e in editions] + \
        ["<th>Listed</th>"]
    titles = [esc(e) for e in editions]
    cells_of: dict[tuple, str] = {}  # rows listed alike (and of one kind) share their cells

    @functools.cache
    def spans(text: str) -> str:  # "2016&ndash;2021": the page stays ASCII for ASCII names
        return esc(text).replace("–", "&ndash;")

    rows = []
    for t in timeline:
        kind = t["category"] or "other"
        key = (kind, *t["listed"])
        cells = cells_of.get(key)
        if cells is None:
            cells = cells_of[key] = _bars(esc(kind), t["listed"], titles)
        former = "".join(f'<br><span class="muted">was {esc(f["name"])} until '
                         f'{esc(f["until"])}</span>' for f in t["former"]) if t["former"] else ""
        rows.append(f'<tr data-id="{esc(t["id"])}" data-count="{t["count"]}">'
                    f"<td>{esc(t['name'])}{former}</td>{cells}"
                    f'<td class="spans">{spans(t["spans"])} ({t["count"]})</td></tr>')
    return _table(head, rows, "timeline", "grid")


@gc_paused()  # no cycles made (see history.walk)
def render(data: dict) -> str:
    """The whole page."""
    eds, latest, change = data["editions"], data["latest"], data["change"]
    edition = latest["edition"] or eds[-1]
    versus = f"{esc(change['to'])} against {esc(change['from'])}" if change else "Changes"
    sections = [
        ("change", versus, _changes(change)),
        ("size", "List size per edition", chart(data["sizes"]) + _sizes_table(data["sizes"])),
        ("country", "Physical markets per country",
         _countries(eds, data["countries"]) if data["countries"] else
         "<p>No physical markets in any edition.</p>"),
        ("list", f"The {esc(edition)} list ({len(latest['entries'])} entries)",
         _latest(latest["entries"])),
        ("history", "Each entry across editions", _timeline(eds, data["timeline"])),
    ]
    nav = "".join(f'<a href="#{key}">{title}</a>' for key, title, _ in sections)
    kept = stored(eds, esc).replace("–", "&ndash;")
    head = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            f"style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{esc(data['title'])} &mdash; listwatch report</title>\n<style>{CSS}</style>"
            f"</head>\n<body>\n<header><h1>{esc(data['title'])}</h1>\n"
            f'<p class="muted">Watch <strong>{esc(data["watch"])}</strong>: {kept}; '
            f"latest {esc(edition)}, retrieved "
            f"{esc(latest['retrieved_at'])}.</p>\n<nav>{nav}</nav></header>")
    parts = [head]
    for key, title, content in sections:  # one join: the timeline alone can be megabytes
        parts += [f'<section id="{key}"><h2>{title}</h2>', content, "</section>"]
    parts.append('<footer><p class="muted">Made by listwatch from the stored snapshots.</p>'
                 "</footer>\n</body></html>\n")
    return "\n".join(parts)
