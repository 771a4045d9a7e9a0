"""Fuzzed documents never crash a source: each gives a valid snapshot or one SourceError line.

Bounded for CI (a few hundred examples in all); `HYPOTHESIS_PROFILE=long` runs more.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listwatch.errors import ListwatchError
from listwatch.fetching import Context
from listwatch.sources import collect_sources, run
from listwatch.validation import check_snapshot

EXAMPLES = int(os.environ.get("LISTWATCH_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

RSS_PARTS = ["<?xml version='1.0'?>", "<rss version='2.0'>", "<channel>", "<title>t</title>",
             "<item>", "<title>A &amp; B</title>", "<guid>g1</guid>", "<link>https://x/1</link>",
             "</item>", "<item><title>", "<![CDATA[x]]>", "&bogus;", "<!DOCTYPE x [",
             "<!ENTITY a 'b'>", "]>", "</channel>", "</rss>", "\x00", "\ud7ff", "é", "<"]
CSV_PARTS = ["id,name\n", "1,Alpha\n", '2,"Beta, Inc"\n', '3,"unterminated\n', "\n", ",,\n",
             "4,Ω\n", "\r\n", "id;name\n", "5\t6\n", "\x00", '"""', "1,Alpha\n"]
JSON_PARTS = ["[", "]", "{", "}", '"id"', ":", ",", '"name"', '"A"', "1", "1e400", "NaN",
              '"\\ud800"', "null", "[[[[[[", "true", '{"id":"1","name":"x"}']


def _one(reg, tmp_path, name: str, data: bytes, options: dict) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        snap = run(reg, str(path), options, Context())
    except ListwatchError as exc:
        line = str(exc)
        assert line and "\n" not in line and "Traceback" not in line
        return
    check_snapshot(snap, "fuzzed")  # what was accepted is a valid snapshot


@pytest.fixture
def sources(plugins):
    return collect_sources(plugins)


@FUZZ
@given(st.lists(st.sampled_from(RSS_PARTS), max_size=30))
def test_feeds(sources, tmp_path, parts):
    _one(sources["feed"], tmp_path, "f.xml", "".join(parts).encode("utf-8", "surrogatepass"),
         {})


@FUZZ
@given(st.lists(st.sampled_from(CSV_PARTS), max_size=30))
def test_csv_tables(sources, tmp_path, parts):
    _one(sources["table"], tmp_path, "t.csv", "".join(parts).encode("utf-8"), {})


@FUZZ
@given(st.lists(st.sampled_from(JSON_PARTS), max_size=30))
def test_json_tables(sources, tmp_path, parts):
    _one(sources["table"], tmp_path, "t.json", "".join(parts).encode("utf-8"), {})


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_as_a_feed_or_table(sources, tmp_path, data):
    _one(sources["feed"], tmp_path, "r.xml", data, {})
    _one(sources["table"], tmp_path, "r.csv", data, {})
