"""The ``ustr-nml`` source against generated report PDFs with known contents.

The PDFs come from tests/fixtures/make_reports.py (generated once per session into a tmp
dir, by the ``reports`` fixture in tests/conftest.py); the ground truth (ids, names, countries, aliases, domains, pages) is hand-written in
tests/fixtures/nml_data.py. Nothing here reaches the internet: local files and a server on
127.0.0.1 only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures import make_reports, nml_data
from servers import Route

from listwatch import SourceError, slug
from listwatch.diff import diff
from listwatch.fetching import Context
from listwatch.snapshot import make
from listwatch.sources import collect_sources

YEARS = nml_data.YEARS
SOURCE = {"plugin": "ustr-nml", "retrieved_at": "2026-01-01T00:00:00Z"}


@pytest.fixture(scope="session")
def bad(tmp_path_factory, reports) -> dict[str, Path]:
    return make_reports.make_bad(tmp_path_factory.mktemp("nml-bad"), Path(reports[2019]["path"]))


@pytest.fixture
def source(plugins):
    return collect_sources(plugins)["ustr-nml"].source


def snapshot(draft) -> dict:
    return make(draft.list, draft.entries, SOURCE, draft.warnings)


def comparable(entry: dict) -> dict:
    return {"id": entry["id"], "name": entry["name"], "category": entry["category"],
            "country": entry["country"], "aliases": entry["aliases"], "urls": entry["urls"]}


# --- registration ---------------------------------------------------------------------------

def test_registered_through_the_entry_point_group(source):
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="listwatch")}
    assert names.get("listwatch_ustr_nml") == "listwatch_ustr_nml"
    assert source.name == "ustr-nml"
    assert source.options_schema["properties"]["edition"]["pattern"] == r"^\d{4}$"


def test_importing_the_plugin_does_not_load_pypdfium2():
    code = ("import sys, listwatch_ustr_nml; "
            "print(sorted(m for m in ('pypdfium2', 'html.parser') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# --- contents ---------------------------------------------------------------------------------

@pytest.mark.parametrize("year", YEARS)
def test_edition_matches_ground_truth(reports, parsed, year):
    truth, draft = reports[year], parsed[year]
    assert draft.list == {"id": "ustr-nml", "title": truth["title"],
                          "edition": truth["edition"], "published": truth["published"]}
    got = {e["id"]: e for e in draft.entries}
    want = {e["id"]: e for e in truth["entries"]}
    assert sorted(got) == sorted(want)
    for ident, entry in want.items():
        assert comparable(got[ident]) == comparable(entry), ident
        assert got[ident]["provenance"] == {"page": entry["page"],
                                            "section": entry["category"]}, ident
    snap = snapshot(draft)              # the core's schema and id checks accept it
    from listwatch.validation import check_snapshot
    check_snapshot(snap, f"nml-{year}")


@pytest.mark.parametrize("year", YEARS)
def test_warnings_only_where_the_report_disagrees_with_itself(parsed, year):
    warnings = parsed[year].warnings
    if year == 2019:     # says 32 online markets: the HOSTING CONCEPTS heading names two
        assert warnings == ["the report says it lists 32 online markets; 31 online market "
                            "headings were found (one heading can name several markets)"]
    else:
        assert warnings == []


def test_precision_and_recall_of_market_names_are_100_percent(reports, parsed):
    tp = fp = fn = 0
    for year in YEARS:
        got = {(e["category"], e["name"]) for e in parsed[year].entries}
        want = {(e["category"], e["name"]) for e in reports[year]["entries"]}
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nmarket names over {len(YEARS)} editions: {tp} found, precision {precision:.1%}, "
          f"recall {recall:.1%}")
    assert (precision, recall) == (1.0, 1.0)


def test_tricky_names_survive(parsed):
    names = {e["name"] for year in YEARS for e in parsed[year].entries}
    for name in ("TORRENTZ2", "DYTT8", "CUEVANA3", "SHAHID4U", "1337x", "1337X", "9ANIME",
                 "CHOMIKUJ.PL", "AMAZON\u2019S FOREIGN DOMAINS", "AMAZON'S FOREIGN DOMAINS",
                 "HOSTING CONCEPTS B.V. (D/B/A OPEN PROVIDER) AND REGIONAL NETWORK "
                 "INFORMATION CENTER JSC", "PRIVATE LAYER-HOSTED SITES", "Ciudad del Este",
                 "Rua 25 de Março, São Paulo", "7th Kilometer Market, Odesa",
                 "Yiwu International Merchandise City (Futian Market), Yiwu, Zhejiang Province"):
        assert name in names
    # ALL-CAPS Issue Focus subheadings and markets named in Positive Developments are not
    # entries; neither are footnotes or page numbers
    for name in ("BACKGROUND", "ONLINE MARKETPLACES", "RECOMMENDED PRACTICES"):
        assert name not in names
    assert not any(n.isdigit() or n.startswith(("See ", "Id.")) for n in names)
    hosting = next(e for e in parsed[2019].entries if e["name"].startswith("HOSTING"))
    assert hosting["aliases"] == ["OPEN PROVIDER"]
    vk = next(e for e in parsed[2021].entries if e["id"] == "online/vkontakte")
    assert vk["urls"] == ["vk.com"] and vk["aliases"] == []


def test_removed_market_named_in_positive_developments_is_not_listed(parsed):
    ids2020 = {e["id"] for e in parsed[2020].entries}
    assert "online/snapdeal" not in ids2020          # its 2020 subheading is in that section
    assert "online/snapdeal" in {e["id"] for e in parsed[2019].entries}


def test_ids_are_stable_across_editions(parsed):
    def ids(year):
        return {e["name"]: e["id"] for e in parsed[year].entries}

    assert ids(2020)["1337x"] == ids(2021)["1337X"] == "online/1337x"
    assert (ids(2019)["AMAZON\u2019S FOREIGN DOMAINS"] == ids(2020)["AMAZON'S FOREIGN DOMAINS"]
            == "online/amazons-foreign-domains")
    wuai = {year: [e["id"] for e in parsed[year].entries if e["name"].startswith("Wu")]
            for year in YEARS}
    assert {i for v in wuai.values() for i in v} == {"physical/china/wuai-market"}
    # every market in two editions has one id (ids are hand-written in the ground truth)
    by_name: dict[str, set[str]] = {}
    for year in YEARS:
        for e in parsed[year].entries:
            by_name.setdefault(slug(e["name"]), set()).add(e["id"])
    moved = {"ladies-market-mong-kok-hong-kong"}        # changed country section
    assert {n for n, i in by_name.items() if len(i) > 1} == moved


# --- diffs between editions -------------------------------------------------------------------

def test_diff_2019_to_2020_reports_renames_not_remove_plus_add(reports, parsed):
    d = diff(snapshot(parsed[2019]), snapshot(parsed[2020]))
    renamed = {(r["from"]["id"], r["to"]["id"]): r["reason"] for r in d["renamed"]}
    assert renamed == {
        ("online/private-layer-hosted-sites", "online/private-layer"): "url",
        ("physical/hong-kong/ladies-market", "physical/china/ladies-market"): "moved",
    }
    ids = {y: {e["id"] for e in reports[y]["entries"]} for y in (2019, 2020)}
    moved = {"online/private-layer-hosted-sites", "online/private-layer",
             "physical/hong-kong/ladies-market", "physical/china/ladies-market"}
    assert {e["id"] for e in d["added"]} == ids[2020] - ids[2019] - moved
    assert {e["id"] for e in d["removed"]} == ids[2019] - ids[2020] - moved
    changed = {c["id"]: set(c["fields"]) for c in d["changed"]}
    # AMAZON’S → AMAZON'S and Wu’ai → Wu'ai are noise; the domains Amazon's entry covers changed
    assert changed == {"online/amazons-foreign-domains": {"urls"}}


def test_diff_2020_to_2021_treats_case_and_quote_changes_as_noise(parsed):
    d = diff(snapshot(parsed[2020]), snapshot(parsed[2021]))
    changed = {c["id"] for c in d["changed"]}
    assert "online/1337x" not in changed                        # 1337x → 1337X
    assert "online/amazons-foreign-domains" not in changed      # AMAZON'S → AMAZON’S
    assert "physical/china/wuai-market" not in changed          # Wu'ai → Wu’ai
    assert {e["id"] for e in d["removed"]} == {"online/uploaded"}
    assert d["renamed"] == []


# --- table of contents / body disagreements -----------------------------------------------------

def test_toc_and_body_disagreements_are_doubts(tmp_path, source, plugins):
    """A report whose table of contents and body disagree is parsed (TOC-only rows listed),
    but the disagreements are doubts: the snapshot is held back unless strict = false."""
    from listwatch.errors import HeldBack
    from listwatch.sources import run

    truth = make_reports.make_report(2019, tmp_path / "odd.pdf", drop=("TAOBAO", "PARAGUAY"),
                                     extra=[("GHOSTSITE", 30)])
    draft = source.fetch(truth["path"], {}, Context())
    text = "\n".join(draft.doubts)
    assert draft.warnings == []     # 32 stated, 32 found with GHOSTSITE
    assert "online market \u201cTAOBAO\u201d (PDF page" in text
    assert "is not in the table of contents" in text
    assert "lists online market \u201cGHOSTSITE\u201d (page 30) but no such heading" in text
    assert "country \u201cPARAGUAY\u201d (PDF page" in text
    ghost = next(e for e in draft.entries if e["name"] == "GHOSTSITE")
    assert ghost["id"] == "online/ghostsite" and ghost["provenance"]["section"] == "online"
    assert {e["id"] for e in truth["entries"]} <= {e["id"] for e in draft.entries}

    reg = collect_sources(plugins)["ustr-nml"]
    with pytest.raises(HeldBack) as held:
        run(reg, truth["path"], {}, Context(watch="nml"))
    assert str(held.value).startswith(f"{truth['path']}: held back, the source's self-checks "
                                      f"failed: {draft.doubts[0]} (and {len(draft.doubts) - 1} "
                                      "more); look at it, then `listwatch check --accept nml`")
    snap = run(reg, truth["path"], {}, Context(), strict=False)
    assert snap["warnings"] == draft.warnings + draft.doubts


def _pages(path: str):
    from listwatch_ustr_nml.pdf import open_pdf, read_pages

    return read_pages(open_pdf(Path(path).read_bytes()))


def _no_fonts(pages):
    """A text layer without usable font data."""
    from listwatch_ustr_nml.text import Line

    return [[Line(line.text, line.page) for line in page] for page in pages]


def _headings_in_body_font(pages):
    """Headings set in the body font (only their capitals tell them), a few italic lines."""
    from listwatch_ustr_nml.text import Line

    return [[Line(line.text, line.page, line.size if line.size < 10 else 11.0, False,
                  i % 17 == 3 and len(line.text) > 60, line.sup) for i, line in enumerate(page)]
            for page in pages]


@pytest.mark.parametrize("strip, years", [(_no_fonts, (2016, 2017, 2019, 2020)),
                                          (_headings_in_body_font, YEARS)])
def test_parser_falls_back_to_capitals_without_font_data(reports, strip, years):
    """Headings by capitals, footnotes by position (no sizes), and from 2019 on the TOC
    deciding which ALL-CAPS lines are headings (ALL-CAPS prose would look like one)."""
    from listwatch_ustr_nml.parse import parse

    for year in years:
        report = parse(strip(_pages(reports[year]["path"])))
        got = sorted((comparable(e) for e in report.entries), key=lambda e: e["id"])
        want = sorted((comparable(e) for e in reports[year]["entries"]), key=lambda e: e["id"])
        assert got == want, year


def test_title_from_the_body_when_the_cover_is_an_image(reports):
    from listwatch_ustr_nml.parse import parse

    for year in (2017, 2021):
        pages = _pages(reports[year]["path"])
        pages[0] = []                                  # cover without a text layer
        pages[1] = [line for line in pages[1] if "..." in line.text or not any(
            w in line.text for w in ("Review of", "Markets for", "Counterfeiting and"))]
        report = parse(pages)
        assert (report.title, report.edition) == (reports[year]["title"], str(year))
        assert len(report.entries) == len(reports[year]["entries"])


def _mini_report():
    """A small report as text-layer lines, with the awkward cases in one place."""
    from listwatch_ustr_nml.text import Line

    def body(text, page):
        return Line(text, page, 11.0)

    def bold(text, page, size=11.5, sup=0):
        return Line(text, page, size, True, False, sup)

    prose = "Right holders report that the site receives millions of visits each month"
    return [
        [bold("2022 Review of", 1, 28), bold("Notorious Markets for", 1, 28),
         bold("Counterfeiting and Piracy", 1, 28), body("January 31, 2023", 1)],
        [bold("Table of Contents", 2, 14)] + [body(t, 2) for t in (
            "Overview of the Results of the 2022 Review of Notorious Markets for",
            "Counterfeiting and Piracy ... 1",
            "Results of the 2022 Review of Notorious Markets ........................ 2",
            "Online Markets ............................................................ 2",
            "PRIVATE LAYER-HOSTED SITES ........................................ 2",
            "TORRENTZ2.............................................................. 2",
            "Physical Markets ........................................................ 3",
            "UNITED ARAB EMIRATES .............................................. 3",
            "Public Information ....................................................... 3",
            "i")],
        [bold("Overview of the Results of the 2022 Review of Notorious Markets for", 3, 14),
         bold("Counterfeiting and Piracy", 3, 14),
         body("The 2022 List identifies two online markets and one physical markets.", 3),
         body(prose, 3), Line("1 See https://example.com/report.", 3, 8.0), body("1", 3)],
        [bold("Results of the 2022 Review of Notorious Markets", 4, 14),
         bold("Online Markets", 4, 13), body(prose, 4),
         bold("PRIVATE LAYER-", 4), bold("HOSTED SITES", 4),
         body("PRIVATE LAYER hosts infringing sites at privatelayer.com2, and", 4),
         body(prose, 4), bold("TORRENTZ23", 4, sup=1),
         body("TORRENTZ2 operates at torrentz2.eu. " + prose, 4),
         Line("2 See https://www.similarweb.com/website/privatelayer.com.", 4, 8.0),
         Line("3 Id.", 4, 8.0), body("2", 4)],
        [bold("Physical Markets", 5, 13), body(prose, 5), bold("UNITED ARAB", 5),
         bold("EMIRATES", 5), Line("Dragon Mart, Dubai", 5, 11.0, True, True),
         body(prose, 5), bold("Public Information", 5, 14), body(prose, 5), body("3", 5)],
    ]


def test_mini_report_wrapped_headings_markers_and_countries():
    from listwatch_ustr_nml.parse import parse

    report = parse(_mini_report())
    assert (report.title, report.edition, report.published) == (
        "2022 Review of Notorious Markets for Counterfeiting and Piracy", "2022", "2023-01-31")
    assert report.warnings == [     # the stated counts agree; the counts are just small
        "only 2 online market headings found; the report's layout may have changed",
        "only 1 physical market heading found; the report's layout may have changed"]
    assert sorted((e["id"], e["name"], e["country"], tuple(e["urls"]), e["provenance"]["page"])
                  for e in report.entries) == [
        ("online/private-layer-hosted-sites", "PRIVATE LAYER-HOSTED SITES", None,
         ("privatelayer.com",), 4),
        ("online/torrentz2", "TORRENTZ2", None, ("torrentz2.eu",), 4),
        ("physical/united-arab-emirates/dragon-mart", "Dragon Mart, Dubai",
         "United Arab Emirates", (), 5),
    ]


# --- pure helpers -------------------------------------------------------------------------------

def test_domains_in_prose():
    from listwatch_ustr_nml.text import domains_in

    prose = ("Operating at 1337x.to3, the site (also 1337X.st) serves U.S. users, e.g., via "
             "https://www.fmovies.to/home and Amazon.co.uk. Example Holdings B.V. is in St. "
             "Petersburg; approx. 2.5 million files at No. 3 sites, i.e., rutracker.org/forum "
             "and scale.Dytt8.net. Mail abuse@host.com. See torrentz2.eu14")
    assert domains_in(prose) == ["1337x.to", "1337x.st", "fmovies.to", "amazon.co.uk",
                                 "rutracker.org", "dytt8.net", "torrentz2.eu"]


@pytest.mark.parametrize("rows, expected", [
    (["Issue Focus: The Adverse Impact on Workers Involved in the Manufacture of Counterfeit "
      "Goods . 3"],
     [("Issue Focus: The Adverse Impact on Workers Involved in the Manufacture of Counterfeit "
       "Goods", 3)]),
    (["Overview of the Results of the 2021 Review of Notorious Markets for Counterfeiting and "
      "Piracy ... 1"],
     [("Overview of the Results of the 2021 Review of Notorious Markets for Counterfeiting "
       "and Piracy", 1)]),
    (["1FICHIER.........................17", "BUKALAPAK....18", "CHOMIKUJ.PL ......... 19",
      "TORRENTZ2 ....................... 20", "DYTT8 . . . . . . . 21"],
     [("1FICHIER", 17), ("BUKALAPAK", 18), ("CHOMIKUJ.PL", 19), ("TORRENTZ2", 20),
      ("DYTT8", 21)]),
    (["HOSTING CONCEPTS B.V. (D/B/A OPEN PROVIDER) AND REGIONAL",
      "NETWORK INFORMATION CENTER JSC ...................... 22", "ii"],
     [("HOSTING CONCEPTS B.V. (D/B/A OPEN PROVIDER) AND REGIONAL NETWORK INFORMATION "
       "CENTER JSC", 22)]),
])
def test_toc_rows(rows, expected):
    from listwatch_ustr_nml import toc
    from listwatch_ustr_nml.text import PAGE_NUMBER, Line

    lines = [Line("Table of Contents", 2)] + [Line(r, 2) for r in rows] + \
        [Line("Overview", 3), Line("Prose " * 9, 3)]
    parsed = toc.parse_toc(lines, lambda line: bool(PAGE_NUMBER.match(line.text)))
    assert parsed.rows == expected


# --- index pages --------------------------------------------------------------------------------

INDEX_LINKS = [
    ("/files/2019%20Review%20of%20Notorious%20Markets%20for%20Counterfeiting%20and%20Piracy.pdf",
     "2019 Review of Notorious Markets for Counterfeiting and Piracy"),
    # folder year 2022 is the publication year; the edition is 2021
    ("/sites/default/files/files/Press/Releases/2022/2021%20Notorious%20Markets%20List%20"
     "(final).pdf", "2021 Notorious Markets List [PDF]"),
    ("/files/2020_Review_of_Notorious_Markets.pdf", "Read the 2020 list"),
    # not reports: comment request (newer year!), another report, a press release page
    ("/files/2022-Notorious-Markets-Comment-Request.pdf",
     "2022 Review of Notorious Markets: Comment Request"),
    ("/files/2021%20Special%20301%20Report.pdf", "2021 Special 301 Report"),
    ("/press/ustr-releases-2021-review-notorious-markets", "USTR Releases 2021 Review of "
     "Notorious Markets for Counterfeiting and Piracy"),
]


@pytest.fixture
def site(http_server, reports):
    paths = {2019: INDEX_LINKS[0][0], 2021: INDEX_LINKS[1][0], 2020: INDEX_LINKS[2][0]}
    for year, path in paths.items():
        http_server.route(path.replace(" ", "%20"),
                          Route(Path(reports[year]["path"]).read_bytes(),
                                content_type="application/pdf"))
    http_server.route("/nml", Route(make_reports.index_html(INDEX_LINKS),
                                    content_type="text/html; charset=utf-8"))
    return http_server


def test_index_page_over_http_takes_the_newest_edition(site, source):
    ctx = Context()
    draft = source.fetch(site.url("/nml"), {}, ctx)
    assert draft.list["edition"] == "2021"
    assert ctx.primary.location == site.url(INDEX_LINKS[1][0])   # the PDF is the source doc
    assert draft.warnings == []
    agents = {r.headers.get("User-Agent", "") for r in site.requests}
    assert all(a.startswith("listwatch/") for a in agents)


@pytest.mark.parametrize("edition", ["2019", "2020"])
def test_index_page_over_http_takes_the_edition_asked_for(site, source, reports, edition):
    draft = source.fetch(site.url("/nml"), {"edition": edition}, Context())
    assert draft.list["edition"] == edition
    assert len(draft.entries) == len(reports[int(edition)]["entries"])


def test_index_page_without_the_edition_asked_for(site, source):
    with pytest.raises(SourceError) as err:
        source.fetch(site.url("/nml"), {"edition": "2015"}, Context())
    assert str(err.value).endswith("no link to the 2015 report on this page (linked "
                                   "editions: 2019, 2020, 2021)")


def test_local_index_file_with_relative_links(tmp_path, reports, source):
    for year in (2017, 2018, 2019):
        (tmp_path / "reports").mkdir(exist_ok=True)
        target = tmp_path / "reports" / f"{year} NML.pdf"
        target.write_bytes(Path(reports[year]["path"]).read_bytes())
    index = tmp_path / "index.html"
    index.write_bytes(make_reports.index_html([
        ("reports/2017%20NML.pdf", "2017 Out-of-Cycle Review of Notorious Markets"),
        ("reports/2018%20NML.pdf", "2018 Out-of-Cycle Review of Notorious Markets"),
        ("reports/2019%20NML.pdf", "2019 Review of Notorious Markets for Counterfeiting and "
                                   "Piracy")]))
    assert source.fetch(str(index), {}, Context()).list["edition"] == "2019"
    assert source.fetch(str(index), {"edition": "2017"}, Context()).list["title"] == \
        "2017 Out-of-Cycle Review of Notorious Markets"


def test_pdf_of_another_edition_than_asked_for(reports, source):
    with pytest.raises(SourceError, match=r"this is the 2018 report, not the 2019 edition"):
        source.fetch(reports[2018]["path"], {"edition": "2019"}, Context())


# --- bad documents ------------------------------------------------------------------------------

BAD = {
    "error-page.pdf": r": not a PDF but an HTML page \(“Page Not Found \| United States Trade "
                      r"Representative”\)",
    "truncated.pdf": r": truncated PDF: the file ends before its %%EOF marker",
    "corrupt.pdf": r": corrupt PDF: PDFium cannot read it \(Data format error\)",
    "empty.pdf": r": empty file, not a PDF",
    "encrypted.pdf": r": encrypted PDF: it needs a password",
    "scanned.pdf": r": no text layer; OCR is not supported",
    "special-301.pdf": r": not a Notorious Markets report",
}


def _one_line_error(fetch) -> str:
    with pytest.raises(SourceError) as err:
        fetch()
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_document_is_one_clear_line(bad, source, name):
    message = _one_line_error(lambda: source.fetch(str(bad[name]), {}, Context()))
    assert message.startswith(str(bad[name]))
    assert re.search(BAD[name], message), message


@pytest.mark.parametrize("name", ["error-page.pdf", "truncated.pdf", "scanned.pdf"])
def test_bad_document_over_http(http_server, bad, source, name):
    ctype = "text/html" if name == "error-page.pdf" else "application/pdf"
    url = http_server.route(f"/files/{name}", Route(bad[name].read_bytes(), content_type=ctype))
    message = _one_line_error(lambda: source.fetch(url, {}, Context()))
    assert message.startswith(url)
    assert re.search(BAD[name], message), message


def test_index_page_without_report_links(http_server, source):
    url = http_server.route("/news", Route(make_reports.index_html(
        [("/a.pdf", "2021 Special 301 Report"), ("/about", "About USTR")]),
        content_type="text/html"))
    message = _one_line_error(lambda: source.fetch(url, {}, Context()))
    assert message == f"{url}: no links to Notorious Markets reports on this page"


def test_report_link_that_serves_html(http_server, source):
    http_server.route("/nml", Route(make_reports.index_html(
        [("/gone.pdf", "2021 Review of Notorious Markets for Counterfeiting and Piracy")]),
        content_type="text/html"))
    http_server.route("/gone.pdf", Route(b"<html><title>Moved</title></html>",
                                         content_type="text/html"))
    message = _one_line_error(lambda: source.fetch(http_server.url("/nml"), {}, Context()))
    assert message.startswith(http_server.url("/gone.pdf") + ": not a PDF but an HTML page")


def test_slow_server_times_out(http_server, source):
    url = http_server.route("/slow.pdf", Route(b"%PDF-1.7\n", delay=2.0,
                                               content_type="application/pdf"))
    message = _one_line_error(lambda: source.fetch(url, {}, Context(timeout=0.5)))
    assert "0.5 s" in message


def test_http_error_is_one_line(http_server, source):
    url = http_server.url("/missing.pdf")
    assert "HTTP 404" in _one_line_error(lambda: source.fetch(url, {}, Context()))
