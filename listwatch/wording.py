"""A diff in words, for people: the heading, one line per change, links to the document.

``report.py`` (what ``check`` and ``diff`` print) and ``alerts/messages.py`` (what is
sent) both say a change this way, in one of three markups: ``text``, ``markdown`` or
``html`` (see ``docs/formats.md`` for the diff's fields).

Links: each side of a diff (``from``, ``to``) may carry its document's ``location``. An
http(s) location is linked, and an entry's ``provenance.page`` links that page of it as
``#page=N`` (how PDF viewers open a page). A local path is shown by its file name and is
never a link. Entries of the new snapshot link the new document, removed ones the
previous document.

The words:

- ``urls: +amazon.it, +amazon.es, −amazon.ca`` — a list field as what was added and
  what was removed;
- ``renamed (same domain privatelayer.com)`` — the two entries share a URL;
- ``renamed (name 93% similar)`` — their names are that similar (``renames.py``);
- ``moved: country Hong Kong → China`` — the same market under another heading (another
  country or category, so another id).
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Iterable
from pathlib import PurePosixPath

from .renames import _url_key
from .text import norm

KINDS = ("added", "removed", "renamed", "changed")
MAX_VALUE = 80  # a changed scalar field's value is cut to this many characters
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MARKS = {"added": "+", "removed": "-"}


class Markup:
    """Plain text: a link is its label followed by the bare URL (mail and chat
    clients make a bare URL clickable)."""

    name = "text"

    def esc(self, text: str) -> str:
        return text

    def bold(self, text: str) -> str:
        return self.esc(text)

    def link(self, label: str, url: str) -> str:
        return f"{self.esc(label)} {url}"

    def url(self, url: str) -> str:
        return url

    def item(self, kind: str, text: str) -> str:
        return f"{_MARKS.get(kind, '~')} {text}"


class Markdown(Markup):
    """CommonMark: ``[label](url)`` and ``<url>`` (apprise turns these into Slack's
    ``<url|label>`` and into HTML for services that take HTML)."""

    name = "markdown"

    def __init__(self, bold_names: bool = True) -> None:
        self.bold_names = bold_names  # reports list names plainly; chat alerts in bold

    def esc(self, text: str) -> str:
        return _MD_SPECIAL.sub(r"\\\1", text)

    def bold(self, text: str) -> str:
        return f"**{self.esc(text)}**" if self.bold_names else self.esc(text)

    def link(self, label: str, url: str) -> str:
        return f"[{self.esc(label)}]({_safe_url(url)})"

    def url(self, url: str) -> str:
        return f"<{_safe_url(url)}>"

    def item(self, kind: str, text: str) -> str:
        return f"- {text}"


class HTML(Markup):
    name = "html"

    def esc(self, text: str) -> str:
        return html.escape(text, quote=False)

    def bold(self, text: str) -> str:
        return f"<b>{self.esc(text)}</b>"

    def link(self, label: str, url: str) -> str:
        return f'<a href="{html.escape(url)}">{self.esc(label)}</a>'

    def url(self, url: str) -> str:
        return self.link(url, url)

    def item(self, kind: str, text: str) -> str:
        return f"<li>{text}</li>"


MARKUPS: dict[str, Markup] = {m.name: m for m in (Markup(), Markdown(), HTML())}
REPORT_MARKDOWN = Markdown(bold_names=False)


def _safe_url(url: str) -> str:
    """A URL that cannot end a Markdown link or autolink early."""
    return "".join(f"%{ord(c):02X}" if c in " <>()" else c for c in url)


# -- documents and pages ---------------------------------------------------------------
def is_link(location: str | None) -> bool:
    """Only http(s) locations are ever links (a local path never is)."""
    return bool(location) and location.lower().startswith(("http://", "https://"))


def document_name(location: str) -> str:
    """What a reader calls the document: its file name (a URL's last path segment,
    else its host)."""
    if is_link(location):
        parts = urllib.parse.urlsplit(location)
        segment = urllib.parse.unquote(parts.path.rstrip("/").rpartition("/")[2])
        return segment or parts.hostname or location
    path = urllib.parse.unquote(urllib.parse.urlsplit(location).path) \
        if location.startswith("file:") else location
    return PurePosixPath(path.replace("\\", "/")).name or location


def location_of(side: dict | None) -> str:
    """A side's location as a template shows it: the URL, or a local file's name."""
    location = (side or {}).get("location") or ""
    return location if not location or is_link(location) else document_name(location)


def document(location: str, m: Markup) -> str:
    """A document by name, linked when it is a URL. Text and HTML show the URL itself:
    an email's plain-text part is made from its HTML, and must keep the address."""
    if not is_link(location):
        return m.esc(document_name(location))
    if m.name == "text":
        return location
    return m.link(location if m.name == "html" else document_name(location), location)


def source_line(d: dict, m: Markup) -> str:
    """``Source: <document>`` (and the one compared against, when another), or ""."""
    new = (d.get("to") or {}).get("location")
    if not new:
        return ""
    old = (d.get("from") or {}).get("location")
    text = f"Source: {document(new, m)}"
    if old and old != new:
        text += f" (compared with {document(old, m)})"
    return text


def _page(entry: dict, side: dict | None, m: Markup, prefix: str = "") -> str:
    page = (entry.get("provenance") or {}).get("page")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        return ""
    label = f"{prefix}p. {page}"
    location = (side or {}).get("location") or ""
    if is_link(location):
        return m.link(label, f"{location.split('#', 1)[0]}#page={page}")
    return m.esc(label)


# -- headings --------------------------------------------------------------------------
def span(d: dict) -> str:
    """``2019 → 2020``, or the new edition alone, or ""."""
    new = ((d.get("to") or {}).get("edition") or "").strip()
    old = ((d.get("from") or {}).get("edition") or "").strip()
    return f"{old} → {new}" if old and new and old != new else new


def listed(d: dict) -> int:
    """How many entries the new snapshot holds."""
    c = d["counts"]
    return c.get("unchanged", 0) + c.get("changed", 0) + c.get("added", 0) + c.get("renamed", 0)


def now(d: dict) -> str:
    """``39 online, 33 physical`` (from ``to.categories``), else ``72 entries``."""
    total = listed(d)
    categories = (d.get("to") or {}).get("categories") or {}
    if not categories:
        return f"{total} {'entry' if total == 1 else 'entries'}"
    parts = [f"{n} {name}" for name, n in categories.items()]
    other = total - sum(categories.values())
    return ", ".join(parts + ([f"{other} other"] if other > 0 else []))


def summary(d: dict, kinds: Iterable[str] = KINDS) -> str:
    """``8 added, 2 removed, 2 renamed`` (kinds with zero left out)."""
    kinds = tuple(kinds)
    parts = [f"{d['counts'][k]} {k}" for k in KINDS if k in kinds and d["counts"].get(k)]
    return ", ".join(parts) or "no change"


def name_with_span(title: str, d: dict) -> str:
    """``Notorious Markets List 2019 → 2020`` (editions left out when the title has them)."""
    edition = ((d.get("to") or {}).get("edition") or "").strip()
    when = span(d)
    return title if not when or edition in title else f"{title} {when}"


def heading(title: str, d: dict, kinds: Iterable[str] = KINDS) -> str:
    """``Notorious Markets List 2019 → 2020: 8 added, 2 removed (now 39 online, 33 physical)``."""
    return f"{name_with_span(title, d)}: {summary(d, kinds)} (now {now(d)})"


# -- one line per change ---------------------------------------------------------------
def _where(entry: dict) -> str:
    attrs = entry.get("attributes") or {}
    return ", ".join(str(v) for v in (entry.get("category") or attrs.get("category"),
                                      entry.get("country") or attrs.get("country")) if v)


def _urls(entry: dict, m: Markup) -> str:
    return ", ".join(m.url(u) if is_link(u) else m.esc(u)
                     for u in map(str, entry.get("urls") or []))


def _named(entry: dict, m: Markup) -> str:
    named = (entry.get("attributes") or {}).get("mentioned")
    return "names " + m.esc(", ".join(map(str, named))) if named else ""


def _join(*parts: str) -> str:
    return " — ".join(p for p in parts if p)


def entry_line(entry: dict, side: dict | None, m: Markup, page_prefix: str = "") -> str:
    """An added or removed entry: name, where, every URL, what it names, its page."""
    where = _where(entry)
    name = m.bold(entry["name"]) + (f" ({m.esc(where)})" if where else "")
    return _join(name, _urls(entry, m), _named(entry, m),
                 _page(entry, side, m, page_prefix))


def _value(value) -> str:
    if isinstance(value, list):
        text = ", ".join(map(str, value)) or "—"
    else:
        text = "—" if value in (None, "") else str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def delta(field: str, change: dict, m: Markup) -> str:
    """``urls: +amazon.it, −amazon.ca`` for a list; ``country: Hong Kong → China`` else."""
    label = field.removeprefix("attributes.")
    old, new = change.get("from"), change.get("to")
    if isinstance(old, list) or isinstance(new, list):
        old = old if isinstance(old, list) else ([] if old in (None, "") else [old])
        new = new if isinstance(new, list) else ([] if new in (None, "") else [new])
        had, has = {norm(v) for v in old}, {norm(v) for v in new}
        plus = [f"+{v}" for v in new if norm(v) not in had]
        minus = [f"−{v}" for v in old if norm(v) not in has]
        if plus or minus:
            return f"{m.esc(label)}: {m.esc(', '.join(plus + minus))}"
    return f"{m.esc(label)}: {m.esc(_value(old))} → {m.esc(_value(new))}"


def why_renamed(item: dict) -> str:
    """``renamed (same domain x.com)``, ``renamed (name 93% similar)`` or
    ``moved: country Hong Kong → China``."""
    old, new = item["from"], item["to"]
    if item.get("reason") == "moved" or norm(old["name"]) == norm(new["name"]):
        moves = [f"{f} {_value(old.get(f))} → {_value(new.get(f))}"
                 for f in ("category", "country") if norm(old.get(f)) != norm(new.get(f))]
        return "moved: " + ("; ".join(moves) or f"id {old['id']} → {new['id']}")
    if item.get("reason") == "url":
        keys = {_url_key(u) for u in old.get("urls") or () if isinstance(u, str)}
        shared = next((u for u in new.get("urls") or ()
                       if isinstance(u, str) and _url_key(u) in keys), None)
        if shared:
            return f"renamed (same {'link' if is_link(shared) else 'domain'} {shared})"
        return "renamed (same URL)"
    score = item.get("score")
    if isinstance(score, (int, float)):
        return f"renamed (name {round(score * 100)}% similar)"
    return "renamed"


def renamed_line(item: dict, d: dict, m: Markup) -> str:
    old, new = item["from"], item["to"]
    why = why_renamed(item)
    if norm(old["name"]) == norm(new["name"]):
        names = m.bold(new["name"])
    else:
        names = f"{m.bold(old['name'])} → {m.bold(new['name'])}"
    if why.startswith("moved"):  # "Ladies Market moved: country Hong Kong → China"
        return _join(f"{names} {m.esc(why)}", _page(new, d.get("to"), m))
    where = _where(new)
    if where:
        names += f" ({m.esc(where)})"
    return _join(names, m.esc(why), _page(new, d.get("to"), m))


def changed_line(item: dict, d: dict, m: Markup) -> str:
    fields = "; ".join(delta(f, v, m) for f, v in (item.get("fields") or {}).items())
    return _join(m.bold(item["name"]), fields, _page(item, d.get("to"), m))


def line(kind: str, item: dict, d: dict, m: Markup) -> str:
    """One change in words (without its list mark)."""
    if kind == "renamed":
        return renamed_line(item, d, m)
    if kind == "changed":
        return changed_line(item, d, m)
    if kind == "removed":
        old, new = (d.get("from") or {}), (d.get("to") or {})
        before = (old.get("edition") or "").strip()
        prefix = f"{before}, " if before and before != (new.get("edition") or "").strip() \
            else ""
        return entry_line(item, old, m, prefix)
    return entry_line(item, d.get("to"), m)


def groups(d: dict, kinds: Iterable[str], m: Markup) -> list[tuple[str, list[str]]]:
    """``[(kind, [line, …]), …]`` for each reported kind with changes, in KINDS order."""
    kinds = tuple(kinds)
    return [(k, [line(k, item, d, m) for item in d[k]])
            for k in KINDS if k in kinds and d.get(k)]
