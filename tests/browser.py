"""Headless Chromium (Debian's ``chromium``), driven from the command line: load a page,
read back the DOM it rendered, take a screenshot. `.ci/run` installs it when missing."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]


def chromium() -> str:
    """The browser's path; a missing browser fails the test, it never skips it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed: the HTML report is tested in a real browser. "
                    "Install it with `apt-get update && apt-get install -y chromium` "
                    "(.ci/run does this when it is missing).")
    return found


def run(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args,
                             page.resolve().as_uri()], capture_output=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"chromium exited {result.returncode}: {result.stderr.decode()[-2000:]}")
    return result


def dump_dom(page: Path, tmp: Path) -> str:
    """The DOM after the page rendered, serialised by the browser."""
    return run(page, tmp, "--dump-dom", "--virtual-time-budget=2000").stdout.decode("utf-8")


def screenshot(page: Path, out: Path, tmp: Path, size: tuple[int, int]) -> Path:
    run(page, tmp, f"--screenshot={out}", f"--window-size={size[0]},{size[1]}")
    if not out.exists() or out.stat().st_size == 0:
        pytest.fail(f"chromium wrote no screenshot to {out}")
    return out


def print_to_pdf(page: Path, out: Path, tmp: Path) -> Path:
    """The page as the browser prints it (print styles applied)."""
    run(page, tmp, f"--print-to-pdf={out}", "--no-pdf-header-footer")
    if not out.exists() or out.stat().st_size == 0:
        pytest.fail(f"chromium printed nothing to {out}")
    return out


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.text_parts) + "".join(c.text for c in self.children)

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if child.tag == tag and all(child.attrs.get(k.rstrip("_")) == v
                                        for k, v in attrs.items()):
                found.append(child)
            found += child.find_all(tag, **attrs)
        return found

    def find(self, tag: str, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None


VOID = {"meta", "link", "br", "img", "input", "hr", "col", "area", "base", "wbr", "source"}


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.at = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, dict(attrs), self.at))

    def handle_endtag(self, tag):
        node = self.at
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.at = node.parent

    def handle_data(self, data):
        if self.at.children:  # text after a child: keep it in document order
            tail = Node("#text", {}, self.at)
            tail.text_parts.append(data)
            self.at.children.append(tail)
        else:
            self.at.text_parts.append(data)


def parse(dom: str) -> Node:
    tree = _Tree()
    tree.feed(dom)
    tree.close()
    return tree.root
