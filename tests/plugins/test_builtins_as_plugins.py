"""Each built-in source tested the way a third party tests theirs: only listwatch.testing
and its fixtures, over the bundled example documents. If listwatch.testing rots, this fails.
"""

from __future__ import annotations

from pathlib import Path

import listwatch_feed
import listwatch_table
import pytest
from listwatch_ustr_nml import NotoriousMarkets

import listwatch
from listwatch.testing import assert_ids_stable, run_source

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


def test_table_over_http_with_default_columns(listwatch_http):
    url = listwatch_http.serve(EXAMPLES / "data" / "entities.csv")
    snapshot = assert_ids_stable(listwatch_table.Table(), url)
    assert snapshot["list"]["id"] == "entities"
    assert snapshot["source"]["plugin"] == "table"
    assert snapshot["source"]["plugin_version"] == listwatch.__version__
    assert "E-1001" in {e["id"] for e in snapshot["entries"]}
    with pytest.raises(listwatch.OptionsError, match="option") as err:
        run_source(listwatch_table.Table(), url, {"id": ""})
    assert err.value.exit_code == 2


def test_feed_links_the_markets_a_story_names(listwatch_http):
    nml = run_source(NotoriousMarkets(), str(EXAMPLES / "reports" / "nml-2020.pdf"))
    url = listwatch_http.serve(EXAMPLES / "feeds" / "trade-news.xml")
    options = {"keywords": ["notorious markets"], "mentions_of": "nml"}
    snapshot = assert_ids_stable(listwatch_feed.LazyFeed(), url, options, latest={"nml": nml})
    wechat = next(e for e in snapshot["entries"] if "WeChat" in e["name"])
    assert "TAOBAO" in wechat["attributes"]["mentioned"]
    assert listwatch_http.requests_for("trade-news.xml")  # fetched over HTTP, twice


def test_ustr_nml_ids_are_stable_and_a_web_page_is_not_a_report(listwatch_http):
    url = listwatch_http.serve(EXAMPLES / "reports" / "nml-2020.pdf")
    snapshot = assert_ids_stable(NotoriousMarkets(), url)
    assert snapshot["list"]["edition"] == "2020"
    assert {"online/taobao", "online/mercado-libre"} <= {e["id"] for e in snapshot["entries"]}
    page = listwatch_http.serve(b"<html><body>Not found</body></html>", "/report.pdf",
                                content_type="text/html")
    with pytest.raises(listwatch.SourceError) as err:
        run_source(NotoriousMarkets(), page)
    assert err.value.exit_code == 3 and "report.pdf" in str(err.value)
