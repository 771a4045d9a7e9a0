"""What a new user does first, end to end through the installed executable: `init`, point
both watches at local files, `check`; then the day a new report adds a market and a story
names it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from test_check import lw

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def story(title: str, guid: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Trade news</title>'
            "<link>https://news.example/</link>"
            f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
            f"<guid>{guid}</guid></item></channel></rss>")


def test_init_then_check_then_the_day_the_list_changes(tmp_path):
    made = lw(tmp_path, "init")
    assert made.returncode == 0, made.stderr
    config = tmp_path / "listwatch.toml"
    text = config.read_text(encoding="utf-8")
    page = "https://ustr.gov/issue-areas/intellectual-property/notorious-markets-list"
    assert page in text and "https://ustr.gov/rss.xml" in text
    config.write_text(text.replace(page, "nml.pdf").replace("https://ustr.gov/rss.xml",
                                                            "news.xml"), encoding="utf-8")
    shutil.copyfile(EXAMPLES / "reports" / "nml-2019.pdf", tmp_path / "nml.pdf")
    (tmp_path / "news.xml").write_text(story("Notorious markets review due", "s1"), "utf-8")

    first = lw(tmp_path, "check")
    assert first.returncode == 0, first.stderr
    assert "nml: baseline stored" in first.stdout
    assert "nml-news: baseline stored" in first.stdout

    shutil.copyfile(EXAMPLES / "reports" / "nml-2020.pdf", tmp_path / "nml.pdf")
    (tmp_path / "news.xml").write_text(
        story("Notorious markets: USTR adds Mercado Libre to its list", "s2"), "utf-8")
    second = lw(tmp_path, "check", "--format", "json")
    assert second.returncode == 0, second.stderr
    watches = {w["watch"]: w for w in json.loads(second.stdout)["watches"]}
    assert any(e["name"] == "MERCADO LIBRE" for e in watches["nml"]["diff"]["added"])
    (item,) = watches["nml-news"]["diff"]["added"]
    assert "MERCADO LIBRE" in item["attributes"]["mentioned"]
