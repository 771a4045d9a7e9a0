"""The built-in ``feed`` source: parsing, ids, filters, mentions, bad feeds, polite HTTP.

Every feed here is written by hand; HTTP goes to the 127.0.0.1 server of tests/servers.py.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from servers import Route

from listwatch import Draft, SourceError
from listwatch.errors import ConfigError, NotModified
from listwatch.fetching import Context, location_key
from listwatch.sources import collect_sources, run

# Sentences of a news report on the 2021 list, as such a story reads: the test depends on
# nothing outside the repository.
SEED_EXCERPT = (
    "The US government identified 39 online and 33 brick-and-mortar marketplaces that "
    "reportedly engage in or facilitate significant trademark counterfeiting or copyright "
    "theft. “This includes the continued identification of the WeChat e-commerce ecosystem "
    "as one of the largest platforms for counterfeit goods in China,” he added. WeChat is "
    "China’s most popular chat app and is owned by Chinese technology company Tencent "
    "Holdings Limited. China-based online marketplaces AliExpress, Baidu Wangpan, DHGate, "
    "Pinduoduo and Taobao are also part of the list of notorious marketplaces, along with "
    "seven physical marketplaces in China. The list of notorious markets is an important "
    "tool to encourage the private sector to take action, Tay said.")

RSS2 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Trade &amp; IP News</title>
  <link>https://news.example/</link>
  <item>
    <title>USTR releases the 2023 Notorious Markets List</title>
    <link>https://news.example/2024/nml</link>
    <guid isPermaLink="false">news-example-1001</guid>
    <pubDate>Tue, 30 Jan 2024 10:00:00 -0500</pubDate>
    <description><![CDATA[<p>The list names <b>Taobao</b> &amp; others.</p>
      <script>alert(1)</script><p>Second&nbsp;para</p>]]></description>
    <author>desk@news.example (Trade Desk)</author>
  </item>
  <item>
    <title>Comment request published</title>
    <link>https://news.example/2023/comments</link>
    <pubDate>Fri, 18 Aug 2023 12:00:00 GMT</pubDate>
    <dc:creator>Ann Author</dc:creator>
    <description>Plain text about counterfeit goods.</description>
  </item>
  <item>
    <title>Weekly digest</title>
    <description>No guid, no link.</description>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Piracy Monitor</title>
  <id>tag:piracy.example,2024:feed</id>
  <updated>2024-02-01T09:00:00Z</updated>
  <entry>
    <title type="html">Sci-Hub &lt;em&gt;stays&lt;/em&gt; listed</title>
    <id>tag:piracy.example,2024:42</id>
    <link rel="alternate" href="https://piracy.example/42"/>
    <updated>2024-02-01T09:00:00+01:00</updated>
    <author><name>Ed Itor</name></author>
    <author><name>Co Writer</name></author>
    <summary type="html">&lt;p&gt;USTR&amp;rsquo;s review again names Sci-Hub.&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;Full text that also names LibGen.&lt;/p&gt;</content>
  </entry>
</feed>
"""

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/">
    <title>RDF Wire</title><link>https://rdf.example/</link><description>d</description>
  </channel>
  <item rdf:about="https://rdf.example/story/7">
    <title>Markets story</title><link>https://rdf.example/story/7</link>
    <dc:date>2024-01-31T08:30:00Z</dc:date>
    <description>RSS 1.0 item</description>
  </item>
</rdf:RDF>
"""

RSS091 = """<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel>
  <title>Old School</title><link>https://old.example/</link><description>x</description>
  <item><title>First</title><link>https://old.example/1</link></item>
  <item><title>Second</title><link>https://old.example/2</link></item>
</channel></rss>
"""

BROKEN = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Broken</title>
  <item><title>Fine item</title><link>https://b.example/1</link></item>
  <item><title>AT&T and Q&A</title><link>https://b.example/2</link>
"""

EMPTY_FEED = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Quiet</title><link>https://q.example/</link></channel></rss>
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Error</title>
<link rel="alternate" type="application/rss+xml" href="https://site.example/feed.xml">
</head><body><h1>Page not found</h1><a href="/">home</a></body></html>
"""

LAUGHS = "".join(
    f'  <!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">\n' for i in range(1, 10))
BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol0 "lol">
{LAUGHS}]>
<rss version="2.0"><channel><title>Bomb &lol9;</title>
  <item><title>Laugh &lol9;</title><link>https://bomb.example/1</link>
  <description>&lol9;&lol9;</description></item>
</channel></rss>
"""

# One flat entity referenced many times: feedparser keeps such "safe" entities and its
# loose parser expands them (60 KB in, 100 MB out, measured); the plugin must not.
QUADRATIC = ('<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + "A" * 5000 + '">\n]>\n'
             '<rss version="2.0"><channel><title>Q</title><item><title>q</title>'
             '<link>https://q.example/1</link><description>' + "&big;" * 4000 +
             '</description></item><item><title>AT&T</title></item></channel></rss>')


def xxe(target: str) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY xxe SYSTEM "{target}">
  <!ENTITY % remote SYSTEM "{target}">
  %remote;
]>
<rss version="2.0"><channel><title>XXE</title>
  <item><title>Leak &xxe;</title><link>https://xxe.example/1</link>
  <description>before &xxe; after</description></item>
</channel></rss>
"""


@pytest.fixture
def feed(plugins):
    return collect_sources(plugins)["feed"]


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def by_name(draft: Draft) -> dict[str, dict]:
    return {e["name"]: e for e in draft.entries}


def dump(draft: Draft, ctx: Context | None = None) -> str:
    return json.dumps([draft.list, draft.entries, draft.warnings, ctx.warnings if ctx else []],
                      ensure_ascii=False)


# --- formats, entries, ids --------------------------------------------------------------

def test_rss2_items_become_entries(feed, tmp_path):
    ctx = Context()
    draft = feed.source.fetch(write(tmp_path, "a.xml", RSS2), {}, ctx)
    assert draft.list == {"id": "trade-ip-news", "title": "Trade & IP News"}
    assert ctx.warnings == [] and draft.warnings == []
    first, second, third = draft.entries
    assert first["id"] == "news-example-1001"
    assert first["name"] == "USTR releases the 2023 Notorious Markets List"
    assert first["urls"] == ["https://news.example/2024/nml"]
    attrs = first["attributes"]
    assert attrs["published"] == "2024-01-30T15:00:00Z"
    assert attrs["summary"] == "The list names Taobao & others. Second para"  # nbsp is whitespace
    assert "alert" not in attrs["summary"] and "<" not in attrs["summary"]
    assert attrs["authors"] == ["Trade Desk"]
    assert attrs["feed"] == "Trade & IP News"
    assert second["id"] == "https://news.example/2023/comments"  # no guid: the link
    assert second["attributes"]["authors"] == ["Ann Author"]
    assert third["id"].startswith("title:") and len(third["id"]) == len("title:") + 32
    assert "published" not in third["attributes"]


def test_atom_entry(feed, tmp_path):
    draft = feed.source.fetch(write(tmp_path, "a.atom", ATOM), {}, Context())
    (entry,) = draft.entries
    assert draft.list == {"id": "piracy-monitor", "title": "Piracy Monitor"}
    assert entry["id"] == "tag:piracy.example,2024:42"
    assert entry["name"] == "Sci-Hub stays listed"
    assert entry["urls"] == ["https://piracy.example/42"]
    assert entry["attributes"]["published"] == "2024-02-01T08:00:00Z"
    assert entry["attributes"]["summary"] == "USTR’s review again names Sci-Hub."
    assert entry["attributes"]["authors"] == ["Ed Itor", "Co Writer"]


def test_rss1_and_rss091(feed, tmp_path):
    rdf = feed.source.fetch(write(tmp_path, "r.rdf", RSS1), {}, Context())
    assert [(e["id"], e["attributes"]["published"]) for e in rdf.entries] == [
        ("https://rdf.example/story/7", "2024-01-31T08:30:00Z")]
    ctx = Context()
    old = feed.source.fetch(write(tmp_path, "o.xml", RSS091), {}, ctx)
    assert [e["id"] for e in old.entries] == ["https://old.example/1", "https://old.example/2"]
    assert ctx.warnings == []  # a DOCTYPE without entities is not worth a warning


def test_ids_are_stable_safe_and_unique(feed, tmp_path):
    long_guid = "https://x.example/?" + "q=1&" * 200
    text = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Ids</title>
      <item><title>A</title><guid>  spaced
         guid\t1 </guid></item>
      <item><title>Long</title><guid>{long_guid.replace("&", "&amp;")}</guid></item>
      <item><title>Same title</title></item>
      <item><title>same   TITLE</title><description>dup by title</description></item>
      <item><title>Other</title></item>
      <item><link>https://x.example/no-title/</link></item>
      <item><description>nothing at all</description></item>
    </channel></rss>"""
    path = write(tmp_path, "ids.xml", text)
    first = feed.source.fetch(path, {}, Context())
    again = feed.source.fetch(path, {}, Context())
    assert [e["id"] for e in first.entries] == [e["id"] for e in again.entries]
    ids = [e["id"] for e in first.entries]
    assert ids[0] == "spaced guid 1"
    assert ids[1].startswith("sha256:") and len(ids[1]) == 7 + 32
    assert len(ids) == len(set(ids)) == 6  # "same TITLE" repeats "Same title"'s id
    assert first.warnings == [f"{path}: 1 item(s) repeat an earlier item's id and were skipped"]
    names = [e["name"] for e in first.entries]
    assert "(untitled) x.example/no-title" in names and "(untitled item 7)" in names
    assert all(len(i) <= 256 and "\n" not in i and "\t" not in i for i in ids)


def test_summary_is_bounded_plain_text(feed, tmp_path):
    body = "<p>" + " ".join(f"word{i} &amp; more" for i in range(400)) + "</p>"
    text = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>L</title>'
            f'<item><title>Long</title><guid>l</guid><description><![CDATA[{body}]]>'
            f'</description></item></channel></rss>')
    draft = feed.source.fetch(write(tmp_path, "l.xml", text), {}, Context())
    summary = draft.entries[0]["attributes"]["summary"]
    assert len(summary) <= 500 and summary.endswith("…")
    assert summary.startswith("word0 & more word1 & more") and "&amp;" not in summary


def test_snapshot_through_the_core_is_valid(feed, tmp_path):
    snap = run(feed, write(tmp_path, "a.xml", RSS2), {}, Context())
    assert snap["source"]["plugin"] == "feed" and len(snap["entries"]) == 3
    with pytest.raises(ConfigError, match="option"):
        run(feed, write(tmp_path, "b.xml", RSS2), {"keyword": ["typo"]}, Context())
    assert feed.source.default_report == ("added",)


def test_ids_are_nfc_and_list_id_falls_back_to_the_location(feed, http_server):
    text = ('<?xml version="1.0"?><rss version="2.0"><channel>'
            '<item><title>a</title><guid>cafe\u0301</guid></item>'
            '<item><title>b</title><guid>caf\u00e9</guid></item></channel></rss>')
    url = http_server.route("/feeds/news.xml", Route(body=text.encode(), content_type="text/xml"))
    secret = url + "?token=hunter2"
    ctx = Context()
    draft = feed.source.fetch(secret, {}, ctx)
    assert [e["id"] for e in draft.entries] == ["caf\u00e9"]  # one item, said twice
    assert draft.entries[0]["urls"] == []  # a guid that is not a URL is not a link either
    assert draft.list == {"id": "127-0-0-1-feeds-news-xml"}
    assert "hunter2" not in dump(draft, ctx)


def test_latin1_and_utf16_feeds(feed, tmp_path):
    latin = ('<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>'
             '<title>Café</title><item><title>Crème</title><guid>c</guid></item></channel></rss>')
    draft = feed.source.fetch(write(tmp_path, "l.xml", latin.encode("latin-1")), {}, Context())
    assert draft.list["title"] == "Café" and draft.entries[0]["name"] == "Crème"
    utf16 = latin.replace("iso-8859-1", "utf-16").encode("utf-16")
    draft = feed.source.fetch(write(tmp_path, "u.xml", utf16), {}, Context())
    assert draft.entries[0]["name"] == "Crème"


# --- filters ---------------------------------------------------------------------------

def names(draft: Draft) -> list[str]:
    return sorted(e["name"] for e in draft.entries)


def test_keywords_any_of_case_insensitive_in_title_or_text(feed, tmp_path):
    path = write(tmp_path, "a.xml", RSS2)
    got = feed.source.fetch(path, {"keywords": ["NOTORIOUS markets", "counterfeit"]}, Context())
    assert names(got) == ["Comment request published",
                          "USTR releases the 2023 Notorious Markets List"]
    got = feed.source.fetch(path, {"keywords": ["taobao"]}, Context())  # in the summary
    assert names(got) == ["USTR releases the 2023 Notorious Markets List"]
    atom = write(tmp_path, "a.atom", ATOM)
    assert names(feed.source.fetch(atom, {"keywords": ["ustr's"]}, Context()))  # ’ = '
    assert names(feed.source.fetch(atom, {"keywords": ["libgen"]}, Context()))  # full content
    assert feed.source.fetch(path, {"keywords": ["nothing like it"]}, Context()).entries == []


def test_exclude_drops_items(feed, tmp_path):
    path = write(tmp_path, "a.xml", RSS2)
    got = feed.source.fetch(path, {"exclude": ["DIGEST", "comment"]}, Context())
    assert names(got) == ["USTR releases the 2023 Notorious Markets List"]
    got = feed.source.fetch(path, {"keywords": ["list", "comment"], "exclude": ["comment"]},
                            Context())
    assert names(got) == ["USTR releases the 2023 Notorious Markets List"]


def test_max_age_days_keeps_recent_and_undated(feed, tmp_path, monkeypatch):
    monkeypatch.setattr(feed.source, "now", lambda: datetime(2024, 2, 5, tzinfo=UTC))
    path = write(tmp_path, "a.xml", RSS2)
    got = feed.source.fetch(path, {"max_age_days": 30}, Context())
    assert names(got) == ["USTR releases the 2023 Notorious Markets List", "Weekly digest"]
    got = feed.source.fetch(path, {"max_age_days": 5.5}, Context())
    assert names(got) == ["USTR releases the 2023 Notorious Markets List", "Weekly digest"]
    got = feed.source.fetch(path, {"max_age_days": 1}, Context())
    assert names(got) == ["Weekly digest"]


# --- mentions --------------------------------------------------------------------------

NML = {"listwatch": "snapshot/1", "list": {"id": "ustr-nml", "edition": "2023"},
       "entries": [
           {"id": "online/aliexpress", "name": "ALIEXPRESS", "urls": ["aliexpress.com"]},
           {"id": "online/amazon-s-foreign-domains", "name": "AMAZON'S FOREIGN DOMAINS"},
           {"id": "online/baidu-wangpan", "name": "BAIDU WANGPAN", "urls": ["pan.baidu.com"]},
           {"id": "online/dhgate", "name": "DHGATE", "urls": ["dhgate.com"]},
           {"id": "online/1337x", "name": "1337X", "urls": ["1337x.to"]},
           {"id": "online/pinduoduo", "name": "PINDUODUO", "aliases": ["PDD"]},
           {"id": "online/taobao", "name": "TAOBAO", "urls": ["taobao.com"]},
           {"id": "online/vk", "name": "VK", "urls": ["vk.com"]},
           {"id": "online/wechat-e-commerce-ecosystem", "name": "WECHAT E-COMMERCE ECOSYSTEM"},
           {"id": "online/private-layer", "name": "PRIVATE LAYER"},
           {"id": "online/mercado-libre", "name": "MERCADO LIBRE"},
           {"id": "online/one", "name": "ONE"},  # a made-up entry that is a common word
           {"id": "physical/china/anfu-market", "name": "Anfu Market, Putian, Fujian Province",
            "category": "physical", "country": "China"},
           {"id": "physical/china/huaqiangbei", "name": "Huaqiangbei Electronics Malls, Shenzhen",
            "category": "physical", "country": "China"},
       ]}


def feed_of(*items: tuple[str, str]) -> str:
    body = "".join(f"<item><title>{t}</title><guid>g{i}</guid><description><![CDATA[{d}]]>"
                   f"</description></item>" for i, (t, d) in enumerate(items))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>M</title>{body}'
            '</channel></rss>')


def mentions(feed, tmp_path, *items, snapshot=NML) -> list[list[str]]:
    path = write(tmp_path, "m.xml", feed_of(*items))
    ctx = Context(latest=lambda name: snapshot if name == "nml" else None)
    draft = feed.source.fetch(path, {"mentions_of": "nml"}, ctx)
    return [e["attributes"]["mentions"] for e in sorted(draft.entries, key=lambda e: e["id"])]


@pytest.mark.parametrize("article", [SEED_EXCERPT])
def test_seed_article_names_six_markets(feed, tmp_path, article):
    (found,) = mentions(feed, tmp_path, ("U.S. names China's WeChat, Alibaba sites", article))
    assert found == ["online/aliexpress", "online/baidu-wangpan", "online/dhgate",
                     "online/pinduoduo", "online/taobao", "online/wechat-e-commerce-ecosystem"]
    path = write(tmp_path, "seed.xml", feed_of(("WeChat story", article)))
    draft = feed.source.fetch(path, {"mentions_of": "nml"}, Context(latest=lambda name: NML))
    assert draft.entries[0]["attributes"]["mentioned"] == [
        "ALIEXPRESS", "BAIDU WANGPAN", "DHGATE", "PINDUODUO", "TAOBAO",
        "WECHAT E-COMMERCE ECOSYSTEM"]
    # nor "one of the largest platforms", "private sector", "China", Tencent, Alibaba


def test_mentions_word_bounded_and_quote_insensitive(feed, tmp_path):
    got = mentions(feed, tmp_path,
                   ("Vkusno i tochka opens", "A burger chain, not VKontakte."),
                   ("VK’s music app", "and vk.com itself"),
                   ("Amazon’s foreign domains", "amazon's FOREIGN Domains again"),
                   ("Nothing", "one day, private layer cake at the mercado"),
                   ("Sites", "1337x.to and DHgate.com, Pan.Baidu.com, Mercadolibre"),
                   ("Private Layer hosts", "decomposed accents: Mercado Libre\u0301"))
    assert got == [[], ["online/vk"], ["online/amazon-s-foreign-domains"], [],
                   ["online/1337x", "online/baidu-wangpan", "online/dhgate",
                    "online/mercado-libre"],
                   ["online/private-layer"]]  # "Libré" is another word


def test_mentions_short_and_common_names_need_capitals(feed, tmp_path):
    got = mentions(feed, tmp_path, ("lower", "the vk team and one pdd"),
                   ("Upper", "ONE said; PDD shares rose"))
    assert got == [[], ["online/one", "online/pinduoduo"]]


def test_mentions_derived_short_forms(feed, tmp_path):
    got = mentions(feed, tmp_path,
                   ("WeChat shop", "WeChat is a chat app"),
                   ("Baidu search", "Baidu and Amazon results"),
                   ("Putian", "Raids at the Anfu market and in Huaqiangbei Electronics"))
    assert got == [["online/wechat-e-commerce-ecosystem"],
                   ["online/amazon-s-foreign-domains"],  # "Baidu" alone is not BAIDU WANGPAN
                   ["physical/china/anfu-market", "physical/china/huaqiangbei"]]
    ambiguous = {"entries": [{"id": "a", "name": "AMAZON’S FOREIGN DOMAINS"},
                             {"id": "b", "name": "AMAZON MALL"}]}
    assert mentions(feed, tmp_path, ("x", "Amazon and Amazon Mall"),
                    snapshot=ambiguous) == [["b"]]


def test_mentions_of_without_a_snapshot_keeps_the_items_and_warns(feed, tmp_path):
    path = write(tmp_path, "a.xml", RSS2)
    ctx = Context()
    draft = feed.source.fetch(path, {"mentions_of": "nml"}, ctx)
    assert draft.entries and all("mentions" not in e["attributes"] for e in draft.entries)
    assert ctx.warnings == ["mentions_of: watch 'nml' has no snapshot yet; items are not "
                            "linked to its entries"]


def test_the_feed_declares_the_watch_it_reads(feed):
    assert feed.source.reads({"mentions_of": "nml"}) == ["nml"]
    assert feed.source.reads({}) == []


def test_mentions_are_fast_for_hundreds_by_hundreds(feed, tmp_path):
    entries = [{"id": f"online/m{i}", "name": f"MARKET{i}X ZONE{i}", "aliases": [f"Alias{i}q"],
                "urls": [f"site{i}.example"]} for i in range(600)]
    text = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit; " * 40)
    items = [(f"Story {i}", f"{text} market{i}x zone{i} and site{(i * 7) % 600}.example")
             for i in range(400)]
    start = time.perf_counter()
    got = mentions(feed, tmp_path, *items, snapshot={"entries": entries})
    elapsed = time.perf_counter() - start
    assert len(got) == 400 and all(len(m) in (1, 2) for m in got)
    assert elapsed < 5, f"{elapsed:.2f} s"


# --- bad feeds -------------------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    (HTML_PAGE, "an HTML page, not an RSS or Atom feed; it links to a feed at "
                "https://site.example/feed.xml"),
    ("<html><body><p>unclosed<b>bold</body>", "an HTML page, not an RSS or Atom feed"),
    ("", "empty document, not a feed"),
    ("  \n\t ", "empty document, not a feed"),
    ('{"version": "https://jsonfeed.org/version/1"}', "JSON, not an RSS or Atom feed"),
    ("just some text", "not an RSS or Atom feed"),
    ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     "not an RSS or Atom feed (the root element is <svg>)"),
    ('<?xml version="1.0"?><rss version="2.0"><channel><title>Cut',
     "malformed feed with no readable items"),
])
def test_not_a_feed_is_one_clear_line(feed, tmp_path, body, message):
    with pytest.raises(SourceError) as info:
        feed.source.fetch(write(tmp_path, "x.xml", body), {}, Context())
    text = str(info.value)
    assert message in text and "\n" not in text


def test_a_body_that_is_a_path_is_never_opened(feed, tmp_path):
    target = write(tmp_path, "real.xml", RSS2)
    with pytest.raises(SourceError, match="not an RSS or Atom feed"):
        feed.source.fetch(write(tmp_path, "pointer.xml", target), {}, Context())


def test_valid_feed_without_items_is_an_empty_draft(feed, tmp_path):
    ctx = Context()
    draft = feed.source.fetch(write(tmp_path, "e.xml", EMPTY_FEED), {}, ctx)
    assert draft.entries == [] and draft.list["title"] == "Quiet" and ctx.warnings == []


def test_broken_markup_keeps_items_with_a_warning(feed, tmp_path):
    ctx = Context()
    path = write(tmp_path, "b.xml", BROKEN)
    draft = feed.source.fetch(path, {}, ctx)
    assert names(draft) == ["AT&T and Q&A", "Fine item"]
    amp, broken = ctx.warnings
    assert amp == f"{path}: 2 unescaped '&' in the feed, read as text"
    assert broken.startswith(f"{path}: malformed feed (line ") and "kept the 2 items" in broken


def test_bare_ampersands_alone_parse_cleanly(feed, tmp_path):
    text = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Q&A</title><item>'
            '<title>AT&T &amp; Q&A</title><guid>a</guid><description><![CDATA[<p>R&D &amp; '
            'more</p>]]></description></item></channel></rss>')
    ctx = Context()
    draft = feed.source.fetch(write(tmp_path, "amp.xml", text), {}, ctx)
    assert draft.list["title"] == "Q&A" and draft.entries[0]["name"] == "AT&T & Q&A"
    assert draft.entries[0]["attributes"]["summary"] == "R&D & more"
    assert len(ctx.warnings) == 1 and "3 unescaped '&'" in ctx.warnings[0]


def test_billion_laughs_is_never_expanded(feed, tmp_path):
    ctx = Context()
    start = time.perf_counter()
    draft = feed.source.fetch(write(tmp_path, "bomb.xml", BILLION_LAUGHS), {}, ctx)
    assert time.perf_counter() - start < 2
    out = dump(draft, ctx)
    assert "lollol" not in out and len(out) < 2000
    assert draft.entries[0]["name"] == "Laugh &lol9;"  # kept as literal text
    assert any("entities" in w and "never expanded" in w for w in ctx.warnings)


def test_flat_entity_blowup_is_never_expanded(feed, tmp_path):
    import tracemalloc

    ctx = Context()
    path = write(tmp_path, "q.xml", QUADRATIC)
    start = time.perf_counter()
    tracemalloc.start()
    try:
        draft = feed.source.fetch(path, {}, ctx)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 3
    assert peak < 8_000_000, f"{peak} bytes"  # expanded, it would be 20 MB of "A"
    out = dump(draft, ctx)
    assert "AAAAAAAAAA" not in out and len(out) < 5000
    assert len(draft.entries[0]["attributes"]["summary"]) <= 500


def test_utf16_entity_bomb_is_never_expanded(feed, tmp_path):
    draft = feed.source.fetch(write(tmp_path, "q16.xml", QUADRATIC.encode("utf-16")), {},
                              Context())
    assert "AAAAAAAAAA" not in dump(draft)


ITEM_WITH_REFS = ('<rss version="2.0"><channel><title>T</title><item><title>t &big;</title>'
                  '<link>https://t.example/1</link><description>&big;&big;</description>'
                  '</item></channel></rss>')


@pytest.mark.parametrize("prolog", [
    '<!-- <b> is not an element --><!DOCTYPE rss [<!ENTITY big "EXPANDED">]>',
    '<!DOCTYPE rss [<!ENTITY a "x]>y"><!ENTITY big "EXPANDED">]>',
    '<!-- <!DOCTYPE rss [<!ENTITY big "EXPANDED">]> -->',
    '<!DOCTYPE rss [<!ENTITY big "EXPANDED">',
    '<!doctype rss [<!ENTITY % p "<!ENTITY big \'EXPANDED\'>"> %p;]>',
    '<!DOCTYPE rss [<!ENTITY big "EXPANDED">]><!DOCTYPE rss [<!ENTITY big "EXPANDED">]>',
    '<?pi <!DOCTYPE rss [<!ENTITY big "EXPANDED">]> ?>',
])
def test_tricky_doctypes_never_expand(feed, tmp_path, prolog):
    ctx = Context()
    text = '<?xml version="1.0"?>\n' + prolog + "\n" + ITEM_WITH_REFS
    try:
        out = dump(feed.source.fetch(write(tmp_path, "t.xml", text), {}, ctx), ctx)
    except SourceError as exc:  # refusing the document is fine too
        out = str(exc)
    assert "EXPANDED" not in out.replace('"EXPANDED"', "")


def test_xxe_file_is_never_read(feed, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER-4711")
    for target in (secret.as_uri(), "file:///etc/passwd", "/etc/passwd"):
        ctx = Context()
        draft = feed.source.fetch(write(tmp_path, "xxe.xml", xxe(target)), {}, ctx)
        out = dump(draft, ctx)
        assert "TOP-SECRET-MARKER" not in out and "root:" not in out and "/bin/" not in out
        assert draft.entries[0]["name"] == "Leak &xxe;"


def test_xxe_and_external_dtd_are_never_fetched(feed, http_server):
    secret = http_server.route("/secret", Route(body=b"SECRET-OVER-HTTP",
                                                content_type="text/plain"))
    dtd = http_server.route("/evil.dtd", Route(body=b'<!ENTITY x "EVIL">',
                                               content_type="application/xml-dtd"))
    body = xxe(secret).replace("<!DOCTYPE rss [", f'<!DOCTYPE rss SYSTEM "{dtd}" [')
    url = http_server.route("/xxe.xml", Route(body=body.encode(),
                                              content_type="application/rss+xml"))
    ctx = Context()
    draft = feed.source.fetch(url, {}, ctx)
    assert "SECRET-OVER-HTTP" not in dump(draft, ctx) and "EVIL" not in dump(draft, ctx)
    assert [r.path for r in http_server.requests] == ["/xxe.xml"]


# --- over HTTP -------------------------------------------------------------------------

LAST_MODIFIED = "Tue, 30 Jan 2024 15:00:00 GMT"


def test_conditional_get_sends_validators_and_304_is_not_modified(feed, http_server):
    url = http_server.route("/rss.xml", Route(body=RSS2.encode(), etag='"v1"',
                                              last_modified=LAST_MODIFIED,
                                              content_type="application/rss+xml"))
    first = Context(conditional=True)
    draft = feed.source.fetch(url, {}, first)
    assert len(draft.entries) == 3
    assert first.new_validators == {location_key(url): {"etag": '"v1"', "last_modified": LAST_MODIFIED}}
    headers = http_server.requests[0].headers
    assert headers["User-Agent"].startswith("listwatch/")
    assert "application/rss+xml" in headers["Accept"] and headers["Accept-Encoding"] == "gzip"
    assert "If-None-Match" not in headers
    second = Context(conditional=True, validators=first.new_validators)
    with pytest.raises(NotModified):
        feed.source.fetch(url, {}, second)
    headers = http_server.requests[1].headers
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == LAST_MODIFIED


def test_last_modified_only_gives_304_too(feed, http_server):
    url = http_server.route("/lm.xml", Route(body=RSS2.encode(), last_modified=LAST_MODIFIED,
                                             content_type="text/xml"))
    ctx = Context(conditional=True)
    feed.source.fetch(url, {}, ctx)
    with pytest.raises(NotModified):
        feed.source.fetch(url, {}, Context(conditional=True, validators=ctx.new_validators))
    assert http_server.requests[-1].headers["If-Modified-Since"] == LAST_MODIFIED


def test_redirect_is_followed_and_relative_links_resolve(feed, http_server):
    relative = RSS2.replace("https://news.example/2024/nml", "/stories/nml")
    target = http_server.route("/new/rss.xml", Route(body=relative.encode(),
                                                     content_type="text/html; charset=utf-8"))
    old = http_server.route("/old.xml", Route(status=301, redirect=target))
    ctx = Context()
    draft = feed.source.fetch(old, {}, ctx)
    assert [r.path for r in http_server.requests] == ["/old.xml", "/new/rss.xml"]
    assert draft.entries[0]["urls"] == [http_server.url("/stories/nml")]
    assert ctx.warnings == []  # served as text/html: the body decides, no warning


def test_gzip_feed(feed, http_server):
    url = http_server.route("/gz.xml", Route(body=ATOM.encode(), gzip=True,
                                             content_type="application/atom+xml"))
    assert feed.source.fetch(url, {}, Context()).entries[0]["name"] == "Sci-Hub stays listed"


def test_gzip_bomb_is_capped_on_decompressed_bytes(feed, http_server):
    body = RSS2.replace("Plain text about", "A" * 8_000_000).encode()
    url = http_server.route("/bomb.xml", Route(body=body, gzip=True,
                                               content_type="application/rss+xml"))
    with pytest.raises(SourceError, match="limit"):
        feed.source.fetch(url, {}, Context(max_bytes=1_000_000))


@pytest.mark.parametrize("route, message", [
    (Route(status=500, body=b"oops"), "HTTP 500"),
    (Route(status=404, body=b"gone"), "HTTP 404"),
    (Route(body=HTML_PAGE.encode(), content_type="text/html"), "an HTML page"),
    (Route(body=b"", content_type="application/rss+xml"), "empty document"),
])
def test_http_failures_are_one_line(feed, http_server, route, message):
    url = http_server.route("/f.xml", route)
    with pytest.raises(SourceError, match=message) as info:
        feed.source.fetch(url, {}, Context())
    assert "\n" not in str(info.value)


def test_slow_server_times_out(feed, http_server):
    url = http_server.route("/slow.xml", Route(body=RSS2.encode(), delay=1.5,
                                               content_type="application/rss+xml"))
    start = time.perf_counter()
    with pytest.raises(SourceError, match="no complete answer within 0.5 s"):
        feed.source.fetch(url, {}, Context(timeout=0.5))
    assert time.perf_counter() - start < 1.4


def test_secret_query_values_stay_out_of_messages(feed, http_server):
    url = http_server.route("/k.xml", Route(body=BROKEN.encode(), content_type="text/xml"))
    ctx = Context()
    feed.source.fetch(url + "?token=hunter2", {}, ctx)
    assert ctx.warnings and all("hunter2" not in w for w in ctx.warnings)


def test_module_import_stays_cheap():
    import subprocess
    import sys

    code = ("import sys, listwatch_feed; "
            "print('feedparser' in sys.modules, 'listwatch_feed.source' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.stdout.split() == ["False", "False"]
    registered = ("import sys, listwatch_feed; from listwatch.plugins import make_plugins, "
                  "register; from listwatch.sources import collect_sources; "
                  "p = make_plugins(autoload=False); register(p, listwatch_feed, 'f'); "
                  "print(sorted(collect_sources(p)), 'listwatch_feed.source' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", registered], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["['feed']", "False"], "registering must not load the parser"


# --- end to end: `listwatch check` twice ------------------------------------------------

def test_check_twice_reports_exactly_the_new_item(http_server, tmp_path):
    from click.testing import CliRunner

    from listwatch.cli import cli

    def rss(*guids: str) -> bytes:
        items = "".join(f"<item><title>Story {g}</title><guid>{g}</guid></item>" for g in guids)
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}'
                f"</channel></rss>").encode()

    def serve(body: bytes, etag: str) -> str:
        return http_server.route("/wire.xml", Route(body=body, etag=etag,
                                                    content_type="application/rss+xml"))

    url = serve(rss("a", "b"), '"1"')
    config = tmp_path / "listwatch.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "store"}"\n\n'
                      f'[[watch]]\nname = "wire"\nsource = "feed"\nlocation = "{url}"\n')
    args = ["--config", str(config), "check", "--exit-code", "--format", "json"]
    runner = CliRunner()
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    serve(rss("b", "c"), '"2"')  # "c" is new, "a" rolled off
    second = runner.invoke(cli, args)
    assert second.exit_code == 1, second.output
    (watch,) = json.loads(second.stdout)["watches"]
    assert watch["report"] == ["added"]
    assert [e["id"] for e in watch["diff"]["added"]] == ["c"]
    assert http_server.requests[1].headers.get("If-None-Match") == '"1"'
    third = runner.invoke(cli, args)  # nothing new: 304
    assert third.exit_code == 0, third.output
    assert http_server.requests[2].headers.get("If-None-Match") == '"2"'
