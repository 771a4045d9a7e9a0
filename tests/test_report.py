"""`listwatch report`: the data, Markdown and a self-contained HTML file, checked in a real
browser (headless Chromium) against `history --format json`."""

from __future__ import annotations

import json
import re
from collections import Counter

import browser
import pytest
from click.testing import CliRunner

from listwatch.cli import App, cli
from listwatch.reporting import build, page_link
from listwatch.snapshot import make
from listwatch.store import Store

HOSTILE = "<script>alert(1)</script>"


def lw(store: Store, *args: str):
    return CliRunner().invoke(cli, ["--store", str(store.root), *args], obj=App())


def expected_sizes(rows: list[dict], editions: list[str]) -> list[dict]:
    """List size, additions and removals per edition, from `history --format json` rows."""
    out = []
    for i, edition in enumerate(editions):
        listed = [r for r in rows if edition in r["editions"]]
        before = editions[i - 1] if i else None
        out.append({
            "edition": edition, "total": len(listed),
            "online": sum(r["category"] == "online" for r in listed),
            "physical": sum(r["category"] == "physical" for r in listed),
            "added": None if before is None else
            sum(before not in r["editions"] for r in listed),
            "removed": None if before is None else
            sum(before in r["editions"] and edition not in r["editions"] for r in rows)})
    return out


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Store:
    """Two editions whose names, countries, domains and location are hostile markup."""
    store = Store(tmp_path_factory.mktemp("hostile"))
    base = [{"id": "online/x", "name": HOSTILE, "category": "online",
             "urls": ['"><img src=x onerror=alert(2)>.com'], "provenance": {"page": 3}},
            {"id": "physical/a/b", "name": "Market & <b>Bold</b>", "category": "physical",
             "country": "<i>Nowhere</i>", "provenance": {"page": 4}}]
    for year, entries in (("2022", base[:1]), ("2023", base)):
        store.save("evil", make({"id": "evil", "edition": year, "title": f"</title>{HOSTILE}"},
                                entries, {"plugin": "t", "retrieved_at": f"{year}-06-01T00:00:00Z",
                                          "location": "javascript:alert(3)"}, []))
    return store


def test_report_data_matches_history(nml_store):
    data = build(nml_store, "nml")
    rows = json.loads(lw(nml_store, "history", "nml", "--format", "json").stdout)
    assert data["editions"] == ["2016", "2017", "2018", "2019", "2020", "2021"]
    for got, want in zip(data["sizes"], expected_sizes(rows, data["editions"])):
        assert {k: got[k] for k in want} == want
    # each edition's own countries: Ladies Market counted under Hong Kong in 2019 only
    countries = {c["country"]: c["counts"] for c in data["countries"]}
    assert countries["Hong Kong"] == [0, 0, 0, 1, 0, 0]
    assert [sum(col) for col in zip(*countries.values())] == \
        [s["physical"] for s in data["sizes"]]
    change = data["change"]
    assert (change["from"], change["to"]) == ("2020", "2021")
    assert [e["name"] for e in change["removed"]] == ["UPLOADED"]
    taobao = next(e for e in data["latest"]["entries"] if e["id"] == "online/taobao")
    assert taobao["link"] == f"http://127.0.0.1:9/files/2021%20Notorious%20Markets.pdf" \
        f"#page={taobao['page']}" and taobao["page"] > 1


def test_moved_and_renamed_in_the_change(nml_store, tmp_path):
    store = Store(tmp_path)
    for path in nml_store.snapshots("nml")[3:5]:  # 2019, 2020
        store.save("nml", json.loads(path.read_text("utf-8")))
    change = build(store, "nml")["change"]
    assert [(m["entry"]["name"], m["from"], m["to"]) for m in change["moved"]] == \
        [("Ladies Market, Mong Kok, Hong Kong", "Hong Kong", "China")]
    assert [(r["from"], r["to"]["name"]) for r in change["renamed"]] == \
        [("PRIVATE LAYER-HOSTED SITES", "PRIVATE LAYER")]
    md = lw(store, "report", "nml").stdout
    link = change["moved"][0]["entry"]["link"]
    assert f"- [Ladies Market, Mong Kok, Hong Kong]({link}) moved: country Hong Kong → China" \
        in md


def test_one_edition_has_nothing_to_compare(tmp_path):
    store = Store(tmp_path)
    store.save("w", make({"id": "w", "edition": "2023"}, [{"id": "a", "name": "A"}],
                         {"plugin": "t", "retrieved_at": "2024-01-01T00:00:00Z"}, []))
    md = lw(store, "report", "w").stdout
    assert "Only one edition is stored: nothing to compare yet." in md
    assert "Watch `w`: 1 edition stored, 2023; latest 2023" in md
    assert "| 2023 | 1 | 1 | — | — |" in md  # no category: "other"
    page = tmp_path / "w.html"
    assert lw(store, "report", "w", "--html", str(page)).exit_code == 0
    assert "nothing to compare yet" in page.read_text("utf-8")
    missing = lw(store, "report", "nope")
    assert missing.exit_code == 2 and "no stored snapshots of watch 'nope'" in missing.stderr


@pytest.mark.parametrize("location, link", [
    ("https://ustr.gov/files/2023 NML (final).pdf",
     "https://ustr.gov/files/2023%20NML%20%28final%29.pdf#page=7"),
    ("http://127.0.0.1/r.PDF?v=1", "http://127.0.0.1/r.PDF?v=1#page=7"),
    ("https://ustr.gov/notorious-markets", None),     # an index page: no page to open
    ("/home/me/nml-2023.pdf", None), ("file:///tmp/nml.pdf", None),
    ("javascript:alert(1)//.pdf", None),
])
def test_page_links_only_into_pdfs_over_http(location, link):
    assert page_link(location, 7) == link


def test_markdown_escapes_names(hostile_store):
    md = lw(hostile_store, "report", "evil").stdout
    assert "<script" not in md and "<b>Bold" not in md and "<img" not in md
    assert r"&lt;script&gt;alert\(1\)&lt;/script&gt;" in md


def test_html_escapes_everything(hostile_store, tmp_path):
    out = tmp_path / "evil.html"
    result = lw(hostile_store, "report", "evil", "--html", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "<script" not in page and "<img" not in page and "<b>Bold" not in page
    assert "<i>Nowhere" not in page and "javascript:" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page  # and no script would run even if one got in
    tree = browser.parse(browser.dump_dom(out, tmp_path))
    assert not tree.find_all("script") and not tree.find_all("img")
    names = [tr.find("td").text for tr in tree.find("table", id="latest").find_all("tr")[1:]]
    assert HOSTILE in names and "Market & <b>Bold</b>" in names
    assert tree.find("title").text.startswith(f"</title>{HOSTILE}")


def test_html_report_in_a_browser(nml_store, tmp_path):
    out = tmp_path / "nml.html"
    result = lw(nml_store, "report", "nml", "--html", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!127\.0\.0\.1:9/)""", page), \
        "nothing is loaded from the network when the report is viewed"
    rows = json.loads(lw(nml_store, "history", "nml", "--format", "json").stdout)
    editions = ["2016", "2017", "2018", "2019", "2020", "2021"]
    want = expected_sizes(rows, editions)

    tree = browser.parse(browser.dump_dom(out, tmp_path))
    chart = tree.find("svg", id="size-chart")
    assert chart is not None, "the chart is in the rendered page"
    bars = chart.find_all("g", class_="bar")
    assert [b.attrs["data-edition"] for b in bars] == editions
    for bar, w in zip(bars, want):
        assert int(bar.attrs["data-total"]) == w["total"]
        assert int(bar.attrs["data-online"]) == w["online"]
        assert int(bar.attrs["data-physical"]) == w["physical"]
        assert bar.attrs["data-added"] == ("" if w["added"] is None else str(w["added"]))
        assert bar.attrs["data-removed"] == ("" if w["removed"] is None else str(w["removed"]))
        assert len(bar.find_all("rect")) == 2
        shown = [t.text for t in bar.find_all("text")]
        assert shown[0] == str(w["total"]) and shown[1] == w["edition"]
    table = {tr.attrs["data-edition"]: {td.attrs["data-key"]: td.text for td in tr.find_all("td")
                                        if "data-key" in td.attrs}
             for tr in tree.find("table", id="sizes").find_all("tr") if "data-edition" in tr.attrs}
    for w in want:
        shown = table[w["edition"]]
        assert (shown["total"], shown["online"], shown["physical"]) == \
            (str(w["total"]), str(w["online"]), str(w["physical"]))
        assert shown["added"] == ("—" if w["added"] is None else f"+{w['added']}")
    # the timeline: one row per history row, a filled cell per edition listed
    grid = {tr.attrs["data-id"]: tr for tr in tree.find("table", id="timeline").find_all("tr")
            if "data-id" in tr.attrs}
    assert set(grid) == {r["id"] for r in rows}
    for r in rows:  # a bar per run of editions listed, as wide as the run
        cells = [td for td in grid[r["id"]].find_all("td") if td.attrs.get("class", "")
                 .split()[:1] in (["on"], ["off"])]
        listed, at = [], 0
        for cell in cells:
            span = int(cell.attrs.get("colspan", 1))
            if "on" in cell.attrs["class"].split():
                run = editions[at:at + span]
                assert cell.attrs["title"] == (run[0] if span == 1 else f"{run[0]}–{run[-1]}")
                listed += run
            at += span
        assert at == len(editions) and listed == r["editions"], r["id"]
    latest = tree.find("table", id="latest").find_all("tr")[1:]
    assert len(latest) == sum(r["listed_now"] for r in rows)
    removed = tree.find("ul", id="removed")
    assert [li.text for li in removed.find_all("li")] == ["UPLOADED (online)"]

    # printable: every section on paper, the navigation left out
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(browser.print_to_pdf(out, tmp_path / "report.pdf",
                                                         tmp_path)))
    printed = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert len(printed) >= 2
    assert "2021 Review of Notorious Markets" in printed[0]
    assert "2021 against 2020" in printed[0] and "List size per edition" in "".join(printed)
    assert printed[0].count("Physical markets per country") == 0  # only the nav would say it
    assert "Each entry across editions" in "".join(printed) and "TAOBAO" in "".join(printed)

    # what a person sees: the chart's colours are on screen, on a desktop and on a phone
    from PIL import Image

    for name, size in (("report-desktop.png", (1200, 1600)), ("report-phone.png", (390, 1800))):
        shot = browser.screenshot(out, tmp_path / name, tmp_path, size)
        print(f"screenshot: {shot}")
        colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20)
        seen = {rgb for _, rgb in colours}
        assert (0x2f, 0x6d, 0xb5) in seen and (0xd9, 0x82, 0x2b) in seen, \
            f"online and physical bars drawn ({shot})"


def random_series(rng, editions: int, snapshots_per_edition: int):
    """Entries dropped, added, renamed (same domain), moved, and old ids coming back."""
    serial = 0
    gone: list[dict] = []

    def new() -> dict:
        nonlocal serial
        serial += 1
        if gone and rng.random() < 0.3:  # an entry that was on the list before
            return gone.pop(rng.randrange(len(gone)))
        if rng.random() < 0.4:
            country = rng.choice(["China", "India", "Hong Kong"])
            return {"id": f"physical/{country.lower()}/m{serial}", "name": f"Market {serial}",
                    "category": "physical", "country": country}
        return {"id": f"online/s{serial}", "name": f"SITE {serial}", "category": "online",
                "urls": [f"s{serial}.example"]}

    current = [new() for _ in range(12)]
    for k in range(editions * snapshots_per_edition):
        kept = []
        for e in current:
            roll = rng.random()
            if roll < 0.15:
                gone.append(e)
            elif roll < 0.22 and e["category"] == "online":
                serial += 1
                kept.append({**e, "id": f"online/s{serial}", "name": f"SITE {serial} NEW"})
            elif roll < 0.28 and e["category"] == "physical":
                country = "China" if e["country"] != "China" else "India"
                kept.append({**e, "country": country,
                             "id": f"physical/{country.lower()}/{e['id'].rsplit('/', 1)[1]}"})
            else:
                kept.append(e)
        ids = {e["id"] for e in kept}
        kept += [e for e in (new() for _ in range(rng.randint(0, 4))) if e["id"] not in ids]
        current = list({e["id"]: e for e in kept}.values())
        yield str(2000 + k // snapshots_per_edition), f"{2000 + k}-01-01T00:00:{k % 60:02d}Z", \
            current


@pytest.mark.parametrize("seed", range(12))
def test_sizes_and_timeline_agree_with_history_rows(tmp_path, seed):
    """Bounded random series (one or two snapshots per edition): the report's counts are
    the history rows' and, with one snapshot per edition, the snapshot's own size."""
    import random

    from listwatch.history import spans

    rng = random.Random(seed)
    per_edition = 1 + seed % 2
    store = Store(tmp_path)
    sizes_stored, countries_stored = {}, {}
    for edition, when, entries in random_series(rng, 6, per_edition):
        store.save("l", make({"id": "l", "edition": edition}, entries,
                             {"plugin": "t", "retrieved_at": when}, []))
        sizes_stored[edition] = len(entries)  # the edition's newest snapshot
        countries_stored[edition] = Counter(e["country"] for e in entries
                                            if e["category"] == "physical")
    data = build(store, "l")
    rows = json.loads(lw(store, "history", "l", "--format", "json").stdout)
    editions = data["editions"]
    expected = expected_sizes(rows, editions)
    for s in expected:
        s["other"] = s["total"] - s["online"] - s["physical"]
    assert data["sizes"] == expected
    if per_edition == 1:
        assert [s["total"] for s in data["sizes"]] == [sizes_stored[e] for e in editions]
    # physical markets per country: each edition's own (its newest snapshot's)
    for i, edition in enumerate(editions):
        shown = {c["country"]: c["counts"][i] for c in data["countries"] if c["counts"][i]}
        assert shown == countries_stored[edition], edition
    # one row per entry: an id reused by another entry later is two rows
    assert sorted((t["id"], t["listed"], t["spans"], t["count"]) for t in data["timeline"]) \
        == sorted((r["id"], [e in r["editions"] for e in editions],
                   spans(r["editions"], editions), len(r["editions"])) for r in rows)
