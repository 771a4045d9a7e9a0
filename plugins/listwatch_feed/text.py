"""Feed text as plain text: HTML stripped, entities decoded, one line, bounded."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def fold(text: str) -> str:
    """Case-, quote- and whitespace-insensitive form for keyword matching."""
    return " ".join(text.replace("’", "'").replace("‘", "'").casefold().split())


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


_BLOCK = frozenset(["address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"])
_SKIP = frozenset(("script", "style", "template", "head", "title"))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def plain(value: Any) -> str:
    """HTML or text to one line of plain text: tags stripped, entities decoded."""
    if not isinstance(value, str) or not value:
        return ""
    if "<" in value:
        parser = _Text()
        try:
            parser.feed(value)
            parser.close()
            value = "".join(parser.parts)
        except Exception:  # noqa: BLE001 - HTMLParser on hostile input: fall back
            value = re.sub(r"<[^>]*>", " ", value)
            value = html.unescape(value)
    else:
        value = html.unescape(value)
    return " ".join(_CONTROL.sub(" ", value).split())


def text_of(detail) -> str:
    """Plain text of a feedparser ``*_detail`` dict (text or HTML)."""
    if not detail or not isinstance(detail.get("value"), str):
        return ""
    value = detail["value"]
    if "html" in (detail.get("type") or ""):
        return plain(value)
    return plain(value) if "&" in value or "<" in value else " ".join(value.split())
