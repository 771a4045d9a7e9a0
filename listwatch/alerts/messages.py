"""Alert messages: the title and body announcing a diff, in Markdown or plain text,
cut to fit a service's size limit; per-watch templates. No apprise here.

Default title: ``<title> <edition>: <summary>``, e.g.
``Notorious Markets List 2023: 4 added, 6 removed, 1 renamed`` (the watch's
``title``, else its name; the new edition when the list has one).

Default body: the change list, grouped by kind (added, removed, renamed, changed;
only the kinds the watch reports), one line per entry with its category/country,
the page it is on (``provenance.page``) and its first link (``urls``). When the list
does not fit in the service's limit it is cut and ends with ``… and N more``.

Templates (``template = {title = "...", body = "..."}`` in a ``[[watch]]``) replace
either part. ``{name}`` is a variable, ``{{`` and ``}}`` are literal braces:

===================  ==========================================================
``{title}``          the watch's title, else its name
``{watch}``          the watch's name
``{list}``           the list's id (``list.id`` of the snapshot)
``{edition}``        the new edition (empty when the list has none)
``{previous_edition}`` the edition compared against (empty when none)
``{retrieved_at}``   when the new snapshot was fetched (UTC, ISO 8601)
``{summary}``        ``4 added, 6 removed, 1 renamed`` (reported kinds only)
``{heading}``        the default title
``{added}`` ``{removed}`` ``{renamed}`` ``{changed}`` ``{unchanged}``
                     how many entries of each kind
``{total}``          how many reported changes in all
``{changes}``        the change list (Markdown or text, as the service takes),
                     cut to what the rest of the body leaves room for
===================  ==========================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("added", "removed", "renamed", "changed")
VARIABLES = ("title", "watch", "list", "edition", "previous_edition", "retrieved_at",
             "summary", "heading", "added", "removed", "renamed", "changed", "unchanged",
             "total", "changes")
_VAR = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
MAX_BODY = 32_768  # never build more than this, whatever a service allows
MAX_VALUE = 80     # a changed field's value is cut to this many characters


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    markdown: bool


def unknown_variables(template: str) -> list[str]:
    return [m.group(1) for m in _VAR.finditer(template)
            if m.group(1) and m.group(1) not in VARIABLES]


def fill(template: str, values: dict[str, object]) -> str:
    def sub(m: re.Match) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        return str(values.get(m.group(1), m.group(0)))
    return _VAR.sub(sub, template)


# -- the change list ------------------------------------------------------------------
def summary(d: dict, kinds=KINDS) -> str:
    parts = [f"{d['counts'][k]} {k}" for k in KINDS if k in kinds and d["counts"][k]]
    return ", ".join(parts) or "no change"


def heading(title: str, d: dict, kinds=KINDS) -> str:
    edition = ((d.get("to") or {}).get("edition") or "").strip()
    name = title if not edition or edition in title else f"{title} {edition}"
    return f"{name}: {summary(d, kinds)}"


def _esc(text: str, md: bool) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text) if md else text


def _value(value) -> str:
    text = (", ".join(map(str, value)) or "—") if isinstance(value, list) else \
        ("—" if value in (None, "") else str(value))
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _entry(entry: dict, md: bool) -> str:
    attrs = entry.get("attributes") or {}
    where = [str(v) for v in (entry.get("category") or attrs.get("category"),
                              entry.get("country") or attrs.get("country")) if v]
    name = f"**{_esc(entry['name'], True)}**" if md else entry["name"]
    text = name + (f" ({_esc(', '.join(where), md)})" if where else "")
    page = (entry.get("provenance") or {}).get("page")
    if page:
        text += f" — p. {page}"
    named = attrs.get("mentioned")
    if named:
        text += " — names " + _esc(", ".join(map(str, named)), md)
    urls = entry.get("urls") or []
    if urls:
        link = str(urls[0])
        text += f" — <{link}>" if md and link.startswith(("http://", "https://")) else \
            f" — {_esc(link, md)}"
    return text


def _item(kind: str, item: dict, md: bool) -> str:
    if kind == "renamed":
        text = f"{_entry(item['from'], md)} → {_entry(item['to'], md)}"
    elif kind == "changed":
        name = f"**{_esc(item['name'], True)}**" if md else item["name"]
        fields = "; ".join(f"{_esc(f, md)}: {_esc(_value(v.get('from')), md)} → "
                           f"{_esc(_value(v.get('to')), md)}"
                           for f, v in (item.get("fields") or {}).items())
        text = f"{name}: {fields}"
    else:
        text = _entry(item, md)
    mark = "-" if md else {"added": "+", "removed": "-"}.get(kind, "~")
    return f"{mark} {text}"


def changes(d: dict, kinds=KINDS, md: bool = True, limit: int = MAX_BODY) -> str:
    """The change list in at most ``limit`` characters, ending ``… and N more`` when cut."""
    groups = [(k, d[k]) for k in KINDS if k in kinds and d.get(k)]
    total = sum(len(items) for _, items in groups)
    out: list[str] = []
    used = shown = 0
    reserve = len(f"… and {total} more") + 2

    def room(line: str, extra: int = 0) -> bool:
        return used + len(line) + 1 + extra + (reserve if shown + 1 < total else 0) <= limit

    cut = False
    for kind, items in groups:
        head = (f"**{kind.capitalize()} ({len(items)})**" if md
                else f"{kind.capitalize()} ({len(items)}):")
        if out:
            head = "\n" + head
        first = _item(kind, items[0], md)
        if not room(head, len(first) + 1):
            cut = True
            break
        out.append(head)
        used += len(head) + 1
        for item in items:
            line = _item(kind, item, md)
            if not room(line):
                cut = True
                break
            out.append(line)
            used += len(line) + 1
            shown += 1
        if cut:
            break
    if shown < total:
        out.append(("\n" if out and not cut else "") + f"… and {total - shown} more")
    text = "\n".join(out)
    return text if len(text) <= limit else text[:max(0, limit - 1)] + "…"


# -- whole messages ---------------------------------------------------------------------
def values(d: dict, kinds, title: str, watch: str) -> dict[str, object]:
    counts = d["counts"]
    return {
        "title": title, "watch": watch, "list": d.get("list") or "",
        "edition": (d.get("to") or {}).get("edition") or "",
        "previous_edition": (d.get("from") or {}).get("edition") or "",
        "retrieved_at": (d.get("to") or {}).get("retrieved_at") or "",
        "summary": summary(d, kinds), "heading": heading(title, d, kinds),
        **{k: counts.get(k, 0) for k in (*KINDS, "unchanged")},
        "total": sum(counts.get(k, 0) for k in kinds),
    }


def render(d: dict, kinds, *, title: str, watch: str, template: dict | None = None,
           markdown: bool = True, limit: int = MAX_BODY, title_limit: int = 250,
           footer: str = "") -> Message:
    """The message for one service: ``limit`` is what its body may hold (title
    included when the service has no separate title: pass ``title_limit=0``)."""
    template = template or {}
    vals = values(d, kinds, title, watch)
    head = fill(template["title"], vals) if template.get("title") else vals["heading"]
    head = " ".join(head.split())
    if title_limit > 0 and len(head) > title_limit:
        head = head[:title_limit - 1] + "…"
    budget = min(limit, MAX_BODY) - (len(head) + 2 if title_limit <= 0 else 0)
    body_template = template.get("body") or "{changes}"
    if footer:
        body_template += "\n\n" + footer.replace("{", "{{").replace("}", "}}")
    rest = len(fill(body_template, {**vals, "changes": ""}))
    vals["changes"] = changes(d, kinds, markdown, max(0, budget - rest))
    body = fill(body_template, vals)
    if len(body) > budget:  # a template longer than the service allows
        body = body[:max(0, budget - 1)] + "…"
    return Message(head, body, markdown)


def test_message(watch: str | None, title: str | None) -> Message:
    what = f"watch {watch}" + (f" ({title})" if title and title != watch else "") if watch \
        else "every configured notifier"
    return Message(f"listwatch: test message for {what}",
                   f"This is a test message from listwatch for {what}. If you can read it, "
                   "listwatch alerts reach you here.", False)


def notice(lines: list[str], failing: int | None = None) -> Message:
    """The message for ``[alerts] on_error``: broken sources, failed deliveries, and
    (``lines`` beyond the ``failing`` ones) problems that are over."""
    n = len(lines) if failing is None else failing
    fixed = len(lines) - n
    parts = ([f"{n} problem{'s' if n != 1 else ''} in the last check"] if n else []) + \
        ([f"{fixed} resolved"] if fixed else [])
    return Message(f"listwatch: {', '.join(parts)}", "\n".join(f"- {p}" for p in lines),
                   False)
