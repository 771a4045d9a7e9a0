"""Alert messages: the title and body announcing a diff, per service, cut to fit its
size limit; per-watch templates. No apprise here.

Default title: ``<title> <previous> → <edition>: <summary> (now <now>)``, e.g.
``Notorious Markets List 2019 → 2020: 8 added, 2 removed, 2 renamed (now 39 online,
33 physical)`` (the watch's ``title``, else its name).

Default body: the document (``Source: …``, a link when it is a URL), then the change
list grouped by kind (added, removed, renamed, changed; only the kinds the watch
reports), one line per entry in the words of :mod:`listwatch.wording`: its
category/country, every URL, the page it is on, linked to that page of the document.
It comes in the markup the service takes: Markdown (chat services; apprise turns it into
Slack's mrkdwn or HTML where needed), HTML (email: a summary table and real lists) or
plain text (bare URLs). When the list does not fit in the service's limit it is cut and
ends with ``… and N more``.

Templates (``template = {title = "...", body = "..."}`` in a ``[[watch]]``) replace
either part. ``{name}`` is a variable, ``{{`` and ``}}`` are literal braces. In an HTML
email a body template's text is escaped and its line breaks kept:

=======================  ==========================================================
``{title}``              the watch's title, else its name
``{watch}``              the watch's name
``{list}``               the list's id (``list.id`` of the snapshot)
``{edition}``            the new edition (empty when the list has none)
``{previous}``           the edition compared against (empty when none);
                         ``{previous_edition}`` is the same
``{span}``               ``2019 → 2020``, or the new edition alone
``{location}``           the new document: its URL, or a local file's name
``{previous_location}``  the same for the snapshot compared against
``{retrieved_at}``       when the new snapshot was fetched (UTC, ISO 8601)
``{summary}``            ``8 added, 2 removed, 2 renamed`` (reported kinds only)
``{now}``                ``39 online, 33 physical``: the new snapshot by category
                         (``72 entries`` when entries have no category)
``{listed}``             how many entries the new snapshot holds
``{heading}``            the default title
``{added}`` ``{removed}`` ``{renamed}`` ``{changed}`` ``{unchanged}``
                         how many entries of each kind
``{total}``              how many reported changes in all
``{source}``             ``Source: <document>`` in the service's markup (a link for a URL)
``{changes}``            the change list in the service's markup, cut to what the rest
                         of the body leaves room for
=======================  ==========================================================
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .. import wording
from ..wording import (
    KINDS,
    MARKUPS,
    groups,
    listed,
    location_of,
    name_with_span,
    now,
    source_line,
    span,
    summary,
)

__all__ = ["KINDS", "MAX_BODY", "VARIABLES", "Message", "changes", "fill", "heading", "notice",
           "render", "summary", "test_message", "unknown_variables", "values"]

VARIABLES = ("title", "watch", "list", "edition", "previous", "previous_edition", "span",
             "location", "previous_location", "retrieved_at", "summary", "now", "listed",
             "heading", "added", "removed", "renamed", "changed", "unchanged", "total",
             "source", "changes")
_MARKED_UP = frozenset({"source", "changes"})  # already in the service's markup
_VAR = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_BODY = 32_768  # never build more than this, whatever a service allows


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    format: str  # text | markdown | html


def heading(title: str, d: dict, kinds=KINDS) -> str:
    """How logs, ``on_error`` notices and ``listwatch outbox`` name an alert:
    ``Notorious Markets List 2019 → 2020: 8 added, 2 removed`` (the title without
    the size now)."""
    return f"{name_with_span(title, d)}: {summary(d, kinds)}"


def unknown_variables(template: str) -> list[str]:
    return [m.group(1) for m in _VAR.finditer(template)
            if m.group(1) and m.group(1) not in VARIABLES]


def fill(template: str, values: dict[str, object], markup: str = "text") -> str:
    """Replace ``{name}`` by its value; in HTML, escape the template's own text and
    every value but the ones already marked up."""
    if markup != "html":
        def literal(text: str) -> str:
            return text

        def value(name: str) -> str:
            return str(values[name])
    else:
        def literal(text: str) -> str:
            return html.escape(text, quote=False).replace("\n", "<br>\n")

        def value(name: str) -> str:
            text = str(values[name])
            return text if name in _MARKED_UP else html.escape(text, quote=False)
    out, at = [], 0
    for m in _VAR.finditer(template):
        out.append(literal(template[at:m.start()]))
        name = m.group(1)
        out.append(literal(m.group(0)[0]) if name is None else
                   value(name) if name in values else literal(m.group(0)))
        at = m.end()
    out.append(literal(template[at:]))
    return "".join(out)


# -- the change list ------------------------------------------------------------------
def _group(kind: str, n: int, markup: str, first: bool) -> tuple[str, str]:
    """A group's opening and closing lines."""
    label = f"{kind.capitalize()} ({n})"
    if markup == "html":
        return f"<h3>{label}</h3>\n<ul>", "</ul>"
    # Markdown: a blank line before the list, or apprise's Markdown → HTML makes no list
    head = f"**{label}**\n" if markup == "markdown" else f"{label}:"
    return head if first else "\n" + head, ""


def _more(n: int, markup: str) -> str:
    return f"<p>… and {n} more</p>" if markup == "html" else f"… and {n} more"


def changes(d: dict, kinds=KINDS, markup: str = "markdown", limit: int = MAX_BODY) -> str:
    """The change list in at most ``limit`` characters, ending ``… and N more`` when cut."""
    m = MARKUPS[markup]
    found = groups(d, kinds, m)
    total = sum(len(lines) for _, lines in found)
    out: list[str] = []
    used = shown = 0
    reserve = len(_more(total, markup)) + 2

    def fits(text: str, closing: str) -> bool:
        extra = len(closing) + 1 if closing else 0
        return used + len(text) + 1 + extra + (reserve if shown + 1 < total else 0) <= limit

    cut = False
    for kind, lines in found:
        head, tail = _group(kind, len(lines), markup, not out)
        first = m.item(kind, lines[0])
        if not fits(head + "\n" + first, tail):
            cut = True
            break
        out.append(head)
        used += len(head) + 1
        for line in lines:
            item = m.item(kind, line)
            if not fits(item, tail):
                cut = True
                break
            out.append(item)
            used += len(item) + 1
            shown += 1
        if tail:
            out.append(tail)
            used += len(tail) + 1
        if cut:
            break
    if shown < total:
        gap = "\n" if out and not cut and markup != "html" else ""
        out.append(gap + _more(total - shown, markup))
    text = "\n".join(out)
    return text if len(text) <= limit else text[:max(0, limit - 1)] + "…"


def _table(d: dict, kinds) -> str:
    """The HTML email's summary: a small two-column table (reads on a phone)."""
    rows = [(k.capitalize(), str(d["counts"][k])) for k in KINDS
            if k in kinds and d["counts"].get(k)]
    rows.append(("Now listed", now(d)))
    if span(d):
        rows.append(("Edition", span(d)))
    cells = "\n".join(f'<tr><th align="left">{html.escape(a)}</th><td>{html.escape(b)}</td>'
                      "</tr>" for a, b in rows)
    return f'<table cellpadding="4" style="border-collapse:collapse">\n{cells}\n</table>'


# -- whole messages ---------------------------------------------------------------------
def values(d: dict, kinds, title: str, watch: str, markup: str = "text") -> dict[str, object]:
    counts = d["counts"]
    old, new = d.get("from") or {}, d.get("to") or {}
    return {
        "title": title, "watch": watch, "list": d.get("list") or "",
        "edition": new.get("edition") or "",
        "previous": old.get("edition") or "", "previous_edition": old.get("edition") or "",
        "span": span(d), "location": location_of(new), "previous_location": location_of(old),
        "retrieved_at": new.get("retrieved_at") or "",
        "summary": summary(d, kinds), "now": now(d), "listed": listed(d),
        "heading": wording.heading(title, d, kinds),
        **{k: counts.get(k, 0) for k in (*KINDS, "unchanged")},
        "total": sum(counts.get(k, 0) for k in kinds),
        "source": source_line(d, MARKUPS[markup]),
    }


def _frame(d: dict, kinds, markup: str, source: str, footer: str) -> tuple[str, str]:
    """What the default body holds before and after the change list."""
    if markup == "html":
        return (_table(d, kinds) + "\n" + (f"<p>{source}</p>\n" if source else ""),
                f"\n<p>{html.escape(footer, quote=False)}</p>" if footer else "")
    return f"{source}\n\n" if source else "", f"\n\n{footer}" if footer else ""


def render(d: dict, kinds, *, title: str, watch: str, template: dict | None = None,
           markup: str = "markdown", limit: int = MAX_BODY, title_limit: int = 250,
           footer: str = "") -> Message:
    """The message for one service in its ``markup``: ``limit`` is what its body may
    hold (title included when the service has no separate title: pass ``title_limit=0``)."""
    template = template or {}
    vals = values(d, kinds, title, watch, markup)
    head = fill(template["title"], vals) if template.get("title") else vals["heading"]
    head = " ".join(head.split())
    if title_limit > 0 and len(head) > title_limit:
        head = head[:title_limit - 1] + "…"
    budget = min(limit, MAX_BODY) - (len(head) + 2 if title_limit <= 0 else 0)
    if template.get("body"):
        body_template = template["body"]
        if footer:
            body_template += "\n\n" + footer.replace("{", "{{").replace("}", "}}")
        rest = len(fill(body_template, {**vals, "changes": ""}, markup))
        vals["changes"] = changes(d, kinds, markup, max(0, budget - rest))
        body = fill(body_template, vals, markup)
    else:
        before, after = _frame(d, kinds, markup, str(vals["source"]), footer)
        body = before + changes(d, kinds, markup, max(0, budget - len(before) - len(after))) \
            + after
    if len(body) > budget:  # a template longer than the service allows
        body = body[:max(0, budget - 1)] + "…"
    return Message(head, body, markup)


def test_message(watch: str | None, title: str | None) -> Message:
    what = f"watch {watch}" + (f" ({title})" if title and title != watch else "") if watch \
        else "every configured notifier"
    return Message(f"listwatch: test message for {what}",
                   f"This is a test message from listwatch for {what}. If you can read it, "
                   "listwatch alerts reach you here.", "text")


def notice(lines: list[str], failing: int | None = None) -> Message:
    """The message for ``[alerts] on_error``: broken sources, failed deliveries, and
    (``lines`` beyond the ``failing`` ones) problems that are over."""
    n = len(lines) if failing is None else failing
    fixed = len(lines) - n
    parts = ([f"{n} problem{'s' if n != 1 else ''} in the last check"] if n else []) + \
        ([f"{fixed} resolved"] if fixed else [])
    return Message(f"listwatch: {', '.join(parts)}", "\n".join(f"- {p}" for p in lines),
                   "text")
