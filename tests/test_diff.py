"""The keyed diff: properties (hypothesis), the streaming fast path, renames, reports."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from listwatch import report, snapshot
from listwatch.diff import (
    RENAME_THRESHOLD,
    _diff_canonical,
    apply,
    changed_fields,
    diff,
    diff_files,
    is_empty,
    match_renames,
    norm,
)
from listwatch.errors import InvalidSnapshot
from listwatch.renames import _name_key, _name_pairs
from listwatch.snapshot import NotCanonical
from listwatch.validation import reference_errors, snapshot_errors

SOURCE = {"plugin": "table", "retrieved_at": "2026-01-01T00:00:00Z", "sha256": "0" * 64}
PROPERTY = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def snap(entries, edition="2023", list_id="l"):
    return snapshot.make({"id": list_id, "edition": edition}, entries, dict(SOURCE), [])


# -- strategies ----------------------------------------------------------------------------

# Words whose case folds back (no ß/ı surprises), with quotes and accents: the noise under test.
WORDS = ["alpha", "Bazaar", "TAOBAO", "pirate", "bay", "Amazon's", "“Foreign”", "domains",
         "Café", "Zürich", "ÉLAN", "market", "mall", "x", "2", "Torrentz2", "foo.com", "R&D",
         "don't", "Silk", "road", "ÇA", "1337X", "e-shop", "the", "of", "GLOBAL", "Ünion"]
phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
ids = st.sampled_from([f"id{i}" for i in range(25)] + ["online/taobao", "physical/cn/x",
                                                       "Ünïcode", "a b", "z"])
scalars = st.none() | st.booleans() | st.integers(-5, 5) | phrases


@st.composite
def entries(draw, ident=ids):
    entry = {"id": draw(ident), "name": draw(phrases)}
    optional = {
        "category": st.sampled_from(["online", "physical", None]),
        "country": st.sampled_from(["CN", "RU", "Brazil", None]),
        "aliases": st.lists(phrases, max_size=2),
        "urls": st.lists(st.sampled_from(["a.com", "b.org", "c.net", "www.d.io/x"]),
                         max_size=2, unique=True),
        "attributes": st.dictionaries(st.sampled_from(["rank", "note", "tags"]), scalars,
                                      max_size=2),
        "provenance": st.fixed_dictionaries({"page": st.integers(1, 90)}),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            entry[key] = draw(strategy)
    return entry


entry_lists = st.lists(entries(), max_size=10, unique_by=lambda e: e["id"])
docs = entry_lists.map(snap)


@st.composite
def related_pair(draw):
    """Two snapshots sharing some entries: kept, changed, removed, added."""
    a = draw(entry_lists)
    b = []
    for e in a:
        action = draw(st.sampled_from(["keep", "keep", "noise", "change", "drop"]))
        if action == "keep":
            b.append(dict(e))
        elif action == "noise":  # another line in the file, the same entry for the diff
            b.append(with_noise({"entries": [e]}, draw(st.integers(0, 99)))["entries"][0])
        elif action == "change":
            other = draw(entries(st.just(e["id"])))
            b.append(other)
    taken = {e["id"] for e in b}
    b += [e for e in draw(entry_lists) if e["id"] not in taken and
          e["id"] not in {x["id"] for x in a}]
    return snap(a, "2022"), snap(b, "2023")


def noisy(value, rnd: random.Random):
    """The same value with case, spacing, quote style and list order changed."""
    if isinstance(value, str):
        text = value.replace("'", rnd.choice(["'", "’", "‘", "ʼ"]))
        text = text.replace('"', rnd.choice(['"', "“", "”"]))
        text = rnd.choice([str.upper, str.lower, str.title, str.swapcase, str])(text)
        return rnd.choice(["", " ", "\t"]) + text.replace(" ", rnd.choice([" ", "  ", " \n "])) \
            + rnd.choice(["", " "])
    if isinstance(value, list):
        items = [noisy(v, rnd) for v in value]
        rnd.shuffle(items)
        return items
    if isinstance(value, dict):
        return {k: noisy(v, rnd) for k, v in value.items()}
    return value


def with_noise(doc: dict, seed: int) -> dict:
    rnd = random.Random(seed)
    out = []
    for e in doc["entries"]:
        changed = {k: (v if k in ("id", "provenance") else noisy(v, rnd)) for k, v in e.items()}
        if "provenance" in changed:
            changed["provenance"] = {"page": rnd.randint(1, 300), "section": "moved"}
        out.append(changed)
    rnd.shuffle(out)
    return {**doc, "entries": out}


def assert_same_entries(a_entries, b_entries):
    d = diff(snap(a_entries), snap(b_entries))
    assert is_empty(d), d


# -- properties ------------------------------------------------------------------------------

@PROPERTY
@given(docs)
def test_diff_with_itself_is_empty(a):
    d = diff(a, a)
    assert is_empty(d)
    assert d["counts"]["unchanged"] == len(a["entries"])
    assert reference_errors("diff", d) == []


@PROPERTY
@given(related_pair())
def test_applying_the_diff_gives_the_new_snapshot(pair):
    a, b = pair
    d = diff(a, b)
    assert reference_errors("diff", d) == []
    assert_same_entries(apply(a, d), b["entries"])
    assert [e["id"] for e in apply(a, d)] == [e["id"] for e in b["entries"]]
    counts = d["counts"]
    assert counts["added"] + counts["renamed"] + counts["changed"] + counts["unchanged"] \
        == len(b["entries"])
    assert counts["removed"] + counts["renamed"] + counts["changed"] + counts["unchanged"] \
        == len(a["entries"])


@PROPERTY
@given(docs, docs)
def test_applying_the_diff_between_unrelated_snapshots(a, b):
    d = diff(a, b)
    assert reference_errors("diff", d) == []
    assert_same_entries(apply(a, d), b["entries"])


@PROPERTY
@given(docs, st.integers(0, 2**32))
@example(snap([{"id": "a", "name": "Amazon's “Foreign” Domains", "aliases": ["X", "Y"],
                "urls": ["a.com", "b.org"], "provenance": {"page": 3}}]), 1)
def test_noise_is_never_a_change(a, seed):
    b = snapshot.make(a["list"], with_noise(a, seed)["entries"], dict(SOURCE), [])
    raw = with_noise(a, seed)  # not even cleaned by snapshot.make
    for other in (b, raw):
        d = diff(a, other)
        assert is_empty(d), d
        assert d["counts"]["unchanged"] == len(a["entries"])
        assert is_empty(diff(other, a))


@PROPERTY
@given(related_pair())
def test_streaming_equals_full_diff(pair):
    a, b = pair
    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp, "a.json"), Path(tmp, "b.json")
        pa.write_text(snapshot.dumps(a), encoding="utf-8")
        pb.write_text(snapshot.dumps(b), encoding="utf-8")
        expected = diff(a, b)
        assert _diff_canonical(pa, pb, ()) == expected  # the fast path itself, no fallback
        assert diff_files(pa, pb) == expected
        ignore = ["attributes.rank", "country"]
        assert diff_files(pa, pb, ignore) == diff(a, b, ignore)


LAYOUTS = {
    "indent": lambda doc: json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
    "compact": lambda doc: json.dumps(doc),
    "no-final-newline": lambda doc: snapshot.dumps(doc)[:-1],
    "crlf": lambda doc: snapshot.dumps(doc).replace("\n", "\r\n"),
    "bom": lambda doc: "\ufeff" + snapshot.dumps(doc),
    "reversed": lambda doc: _reversed_lines(doc),
    "envelope-reordered": lambda doc: json.dumps(
        {"entries": doc["entries"], **{k: v for k, v in doc.items() if k != "entries"}},
        indent=1),
    "extra-space": lambda doc: snapshot.dumps(doc).replace('"entries": [', '"entries":  ['),
}


def _reversed_lines(doc: dict) -> str:
    """The canonical layout with the entry lines in reverse order (valid JSON)."""
    entries = sorted(doc["entries"], key=lambda e: e["id"], reverse=True)
    lines = [f"  {json.dumps(k)}: {snapshot.compact(doc[k])}," for k in snapshot.ENVELOPE]
    body = ",\n".join("    " + snapshot.compact(e) for e in entries)
    return "{\n" + "\n".join(lines) + '\n  "entries": [\n' + body + "\n  ]\n}\n"


@PROPERTY
@given(related_pair(), st.sampled_from(sorted(LAYOUTS)), st.sampled_from(["old", "new", "both"]))
def test_non_canonical_files_fall_back_to_the_full_diff(pair, layout, which):
    a, b = pair
    if layout == "reversed":
        assume(len(a["entries"] if which != "new" else b["entries"]) >= 2)
    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp, "a.json"), Path(tmp, "b.json")
        write = LAYOUTS[layout]
        pa.write_text(write(a) if which != "new" else snapshot.dumps(a), encoding="utf-8",
                      newline="")
        pb.write_text(write(b) if which != "old" else snapshot.dumps(b), encoding="utf-8",
                      newline="")
        with pytest.raises(NotCanonical):
            _diff_canonical(pa, pb, ())
        assert diff_files(pa, pb) == diff(a, b)


def test_layouts_are_valid_json():
    doc = snap([{"id": "b", "name": "B"}, {"id": "a", "name": "A"}])
    for name, write in LAYOUTS.items():
        assert json.loads(write(doc).lstrip("\ufeff")) == doc or name == "reversed"


@st.composite
def damaged_canonical(draw):
    """A canonical text whose entry lines were duplicated, swapped or dropped."""
    a, b = draw(related_pair())
    text = snapshot.dumps(b)
    lines = text.split("\n")
    start = lines.index('  "entries": [') + 1 if '  "entries": [' in lines else None
    assume(start is not None and len(b["entries"]) >= 1)
    body = [line.rstrip(",") for line in lines[start:start + len(b["entries"])]]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(body) - 1))
        action = draw(st.sampled_from(["dup", "swap", "drop", "move"]))
        if action == "dup":
            body.insert(draw(st.integers(0, len(body))), body[i])
        elif action == "swap" and len(body) > 1:
            j = draw(st.integers(0, len(body) - 1))
            body[i], body[j] = body[j], body[i]
        elif action == "drop" and len(body) > 1:
            body.pop(i)
        elif action == "move":
            body.insert(draw(st.integers(0, len(body))), body.pop(i))
    damaged = "\n".join(lines[:start] + [",\n".join(body)] + lines[start + len(b["entries"]):])
    return a, damaged, draw(st.booleans())


@PROPERTY
@given(damaged_canonical())
def test_damaged_canonical_files_never_give_a_wrong_diff(case):
    """Lines duplicated or out of order: the exact diff, or the file's validation error."""
    a, damaged, damaged_is_old = case
    with tempfile.TemporaryDirectory() as tmp:
        pa, pb = Path(tmp, "a.json"), Path(tmp, "b.json")
        pa.write_text(snapshot.dumps(a), encoding="utf-8")
        pb.write_text(damaged, encoding="utf-8")
        parsed = json.loads(damaged)
        old, new = (pb, pa) if damaged_is_old else (pa, pb)
        if snapshot_errors(parsed):
            with pytest.raises(InvalidSnapshot, match="duplicate id"):
                diff_files(old, new)
        else:
            expected = diff(parsed, a) if damaged_is_old else diff(a, parsed)
            assert diff_files(old, new) == expected


def test_duplicate_line_in_canonical_file_is_not_added(tmp_path):
    """Regression: an entry line repeated in NEW was reported as added (exit 1)."""
    a = snap([{"id": "e1", "name": "One"}, {"id": "e2", "name": "Two"}])
    lines = snapshot.dumps(a).splitlines(keepends=True)
    dup = lines[:7] + [lines[6]] + lines[7:]
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    pa.write_text("".join(lines))
    pb.write_text("".join(dup))
    with pytest.raises(InvalidSnapshot, match=r"entries\[1\].id: duplicate id 'e1'"):
        diff_files(pa, pb)
    with pytest.raises(InvalidSnapshot, match="duplicate id"):
        diff_files(pb, pb)


def test_streaming_large_files_in_blocks(tmp_path):
    """More entries than one read block, changes at both ends and in the middle."""
    n = 30_000
    a = [{"id": f"e{i:06d}", "name": f"Market {i}", "urls": [f"m{i}.example"]} for i in range(n)]
    b = [dict(e) for e in a[1:-1]]
    b[n // 2]["name"] = "Renamed in the middle"
    b.append({"id": "zzz", "name": "Last One"})
    sa, sb = snap(a), snap(b)
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    pa.write_text(snapshot.dumps(sa))
    pb.write_text(snapshot.dumps(sb))
    got = _diff_canonical(pa, pb, ())
    assert got == diff(sa, sb)
    assert got["counts"] == {"added": 1, "removed": 2, "changed": 1, "renamed": 0,
                             "unchanged": n - 3}


def test_streaming_empty_and_one_entry(tmp_path):
    for a_entries, b_entries in [([], []), ([], [{"id": "a", "name": "A"}]),
                                 ([{"id": "a", "name": "A"}], []),
                                 ([{"id": "a", "name": "A"}], [{"id": "a", "name": "B"}])]:
        a, b = snap(a_entries), snap(b_entries)
        pa, pb = tmp_path / "a.json", tmp_path / "b.json"
        pa.write_text(snapshot.dumps(a))
        pb.write_text(snapshot.dumps(b))
        assert _diff_canonical(pa, pb, ()) == diff(a, b)


# -- examples ---------------------------------------------------------------------------------

def test_first_snapshot_has_no_from():
    d = diff(None, snap([{"id": "a", "name": "A"}]))
    assert d["from"] is None and d["counts"]["added"] == 1
    assert reference_errors("diff", d) == []


def test_diff_document_shape():
    a = snap([{"id": "a", "name": "A"}, {"id": "b", "name": "B", "aliases": ["x"]}], "2022")
    b = snap([{"id": "b", "name": "B", "aliases": ["x", "y"]}, {"id": "c", "name": "C"}], "2023")
    d = diff(a, b)
    assert d["listwatch"] == "diff/1" and d["list"] == "l"
    assert d["from"] == {"edition": "2022", "sha256": "0" * 64,
                         "retrieved_at": "2026-01-01T00:00:00Z", "plugin_version": None}
    assert d["to"]["edition"] == "2023"
    assert d["added"] == [{"id": "c", "name": "C"}]
    assert d["removed"] == [{"id": "a", "name": "A"}]
    assert d["changed"] == [{"id": "b", "name": "B",
                             "fields": {"aliases": {"from": ["x"], "to": ["x", "y"]}}}]
    assert d["counts"] == {"added": 1, "removed": 1, "changed": 1, "renamed": 0, "unchanged": 0}
    assert reference_errors("diff", d) == []


def test_diff_carries_locations_categories_and_pages_for_links(tmp_path):
    """Optional diff/1 metadata: each side's document location, the new side's
    categories, a changed entry's provenance; the same on the streaming path."""
    entries_a = [{"id": "a", "name": "A", "category": "online", "urls": ["a.com"],
                  "provenance": {"page": 3}}]
    entries_b = [
        {"id": "a", "name": "A", "category": "online", "urls": ["a.com", "a.de"],
         "provenance": {"page": 4}},
        {"id": "b", "name": "B", "category": "physical", "attributes": {"category": "x"}},
        {"id": "c", "name": "C", "attributes": {"category": "nested only"}},
        {"id": "d", "name": "D", "category": "on\"line", "aliases": ["]x["]},
        {"id": "e", "name": "E", "category": None},
        {"id": "f", "name": "F", "category": "online"}]
    a, b = snap(entries_a, "2022"), snap(entries_b)
    a["source"]["location"] = "https://example.org/2022.pdf"
    b["source"]["location"] = "reports/2023.pdf"
    d = diff(a, b)
    assert d["from"]["location"] == "https://example.org/2022.pdf"
    assert d["to"]["location"] == "reports/2023.pdf"
    assert "categories" not in d["from"]
    assert d["to"]["categories"] == {"on\"line": 1, "online": 2, "physical": 1}
    assert d["changed"][0]["provenance"] == {"page": 4}
    assert reference_errors("diff", d) == []
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    pa.write_text(snapshot.dumps(a))
    pb.write_text(snapshot.dumps(b))
    assert _diff_canonical(pa, pb, ()) == d
    plain = snap([{"id": "a", "name": "A"}])  # no location, no categories: left out
    assert set(diff(plain, plain)["to"]) == {"edition", "sha256", "retrieved_at",
                                             "plugin_version"}


def test_renamed_by_shared_url():
    a = snap([{"id": "old", "name": "Foo Market", "urls": ["https://www.Foo.com/"],
               "category": "online"}])
    b = snap([{"id": "new", "name": "Totally Different", "urls": ["foo.com"],
               "category": "online"}])
    d = diff(a, b)
    assert d["counts"] == {"added": 0, "removed": 0, "changed": 0, "renamed": 1, "unchanged": 0}
    (r,) = d["renamed"]
    assert (r["from"]["id"], r["to"]["id"], r["reason"], r["score"]) == ("old", "new", "url", 1.0)
    assert reference_errors("diff", d) == []


@pytest.mark.parametrize("old, new", [
    ("PIRATE BAY", "PIRATEBAY"),
    ("Torrentz2", "Torrentz 2"),
    ("Rapidgator.net", "RAPIDGATOR NET"),
    ("Amazon’s Foreign Domains", "Amazon's Foreign Domain"),
])
def test_renamed_by_similar_name(old, new):
    from rapidfuzz import fuzz

    score = fuzz.ratio(_name_key({"name": old}), _name_key({"name": new})) / 100
    assert score >= RENAME_THRESHOLD
    d = diff(snap([{"id": "x1", "name": old}]), snap([{"id": "x2", "name": new}]))
    (r,) = d["renamed"]
    assert r["reason"] == "name" and r["score"] == pytest.approx(score, abs=0.01)
    assert d["counts"]["added"] == d["counts"]["removed"] == 0


def test_dissimilar_names_are_added_and_removed():
    d = diff(snap([{"id": "x1", "name": "Silk Road"}]), snap([{"id": "x2", "name": "Bazaar"}]))
    assert d["counts"] == {"added": 1, "removed": 1, "changed": 0, "renamed": 0, "unchanged": 0}


def test_different_categories_are_not_renamed():
    a = snap([{"id": "o", "name": "Kiyosk", "category": "online", "urls": ["k.com"]}])
    b = snap([{"id": "p", "name": "Kiyosk", "category": "physical", "urls": ["k.com"]}])
    d = diff(a, b)
    assert d["counts"]["renamed"] == 0 and d["counts"]["added"] == d["counts"]["removed"] == 1
    # a missing category does not block a rename
    c = snap([{"id": "p", "name": "Kiyosk", "urls": ["k.com"]}])
    assert diff(a, c)["counts"]["renamed"] == 1


def test_same_name_under_another_country_is_moved():
    old = {"id": "physical/hong-kong/ladies-market", "name": "Ladies Market, Mong Kok",
           "category": "physical", "country": "Hong Kong"}
    new = {**old, "id": "physical/china/ladies-market", "country": "China"}
    d = diff(snap([old]), snap([new]))
    (r,) = d["renamed"]
    assert (r["reason"], r["score"]) == ("moved", 1.0)
    assert reference_errors("diff", d) == []
    assert "  ~ Ladies Market, Mong Kok moved: country Hong Kong → China\n" in report.text(d)
    assert "- Ladies Market, Mong Kok moved: country Hong Kong → China\n" in report.markdown(d)
    # a similar name in another country is a rename, and the same name in the same
    # country under another id is one too
    other = {**new, "name": "Ladies Market, Mongkok"}
    assert diff(snap([old]), snap([other]))["renamed"][0]["reason"] == "name"
    same = {**old, "id": "physical/hong-kong/ladies-market-2"}
    assert diff(snap([old]), snap([same]))["renamed"][0]["reason"] == "name"


def test_each_entry_renamed_at_most_once_best_first():
    removed = [{"id": "r1", "name": "Market Alpha"}, {"id": "r2", "name": "Market Alphaa"}]
    added = [{"id": "a1", "name": "Market Alpha!"}]
    renamed, still_removed, still_added = match_renames(removed, added)
    assert [(r["from"]["id"], r["to"]["id"]) for r in renamed] == [("r1", "a1")]
    assert still_removed == [removed[1]] and still_added == []


def test_url_beats_name():
    removed = [{"id": "r1", "name": "Same Names"}, {"id": "r2", "name": "Other",
                                                     "urls": ["u.com"]}]
    added = [{"id": "a1", "name": "Same Name", "urls": ["u.com"]}]
    renamed, _, _ = match_renames(removed, added)
    assert [(r["from"]["id"], r["reason"]) for r in renamed] == [("r2", "url")]


def test_name_pairs_match_brute_force():
    """The length pre-filter must not lose a pair the full comparison would find."""
    from rapidfuzz import fuzz

    rnd = random.Random(7)
    syllables = ["ka", "lo", "mi", "zu", "ter", "bax", "qui", "ron", "sel", "vo"]

    def name():
        return " ".join("".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4)))
                        for _ in range(rnd.randint(1, 3)))

    removed = [{"id": f"r{i}", "name": name()} for i in range(300)]
    added = [{"id": f"a{i}", "name": (removed[i]["name"] + rnd.choice(["", "x", "s", " 2"])
                                      if i < 100 else name())} for i in range(300)]
    got = sorted((i, j) for _, i, j, _ in _name_pairs(removed, added))
    cutoff = RENAME_THRESHOLD * 100
    brute = sorted((i, j) for i, r in enumerate(removed) for j, a in enumerate(added)
                   if fuzz.ratio(_name_key(r), _name_key(a), score_cutoff=cutoff) >= cutoff)
    assert got == brute and len(got) >= 100


def test_rename_matching_is_not_quadratic_in_python():
    rnd = random.Random(1)
    alphabet = "abcdefghijklmnopqrstuvwxyz "

    def name():
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(6, 30)))

    removed = [{"id": f"r{i}", "name": name()} for i in range(3000)]
    added = [{"id": f"a{i}", "name": name()} for i in range(3000)]
    import time

    start = time.process_time()
    match_renames(removed, added)
    assert time.process_time() - start < 20  # ~0.3 s here; difflib would take minutes


def test_provenance_is_never_a_change():
    a = snap([{"id": "a", "name": "A", "provenance": {"page": 12, "section": "online"}}])
    b = snap([{"id": "a", "name": "A", "provenance": {"page": 14}}])
    c = snap([{"id": "a", "name": "A"}])
    assert is_empty(diff(a, b)) and is_empty(diff(a, c)) and is_empty(diff(c, a))


def test_ignore_paths():
    a = snap([{"id": "a", "name": "A", "country": "CN", "attributes": {"rank": 1, "note": "x"}}])
    b = snap([{"id": "a", "name": "A", "country": "RU", "attributes": {"rank": 2, "note": "x"}}])
    assert set(diff(a, b)["changed"][0]["fields"]) == {"country", "attributes.rank"}
    assert is_empty(diff(a, b, ["attributes.rank", "country"]))
    assert list(diff(a, b, ["country"])["changed"][0]["fields"]) == ["attributes.rank"]
    c = snap([{"id": "a", "name": "A", "country": "CN", "attributes": {"rank": 1, "note": "y"}}])
    assert list(diff(a, c, ["attributes.rank"])["changed"][0]["fields"]) == ["attributes.note"]


def test_empty_equals_absent():
    assert changed_fields({"id": "a", "name": "A", "aliases": [], "country": None,
                           "attributes": {}},
                          {"id": "a", "name": "A", "category": ""}) == {}


def test_norm():
    assert norm("  Amazon’s  “Foreign”\tDomains ") == norm("AMAZON'S \"FOREIGN\" DOMAINS")
    assert norm(["b", "A"]) == norm(["a", "B"])
    assert norm({"x": [1, "a"]}) == norm({"x": ["A", 1]})
    assert norm(1) != norm("1")


def test_order_of_entries_does_not_change_the_diff():
    a = [{"id": f"e{i}", "name": f"Name {i}"} for i in range(6)]
    b = [{"id": f"e{i}", "name": f"Name {i}x"} for i in range(3, 9)]
    base = diff({"entries": a, "list": {"id": "l"}}, {"entries": b, "list": {"id": "l"}})
    shuffled = diff({"entries": a[::-1], "list": {"id": "l"}},
                    {"entries": b[::-1], "list": {"id": "l"}})
    assert base == shuffled


# -- reports ----------------------------------------------------------------------------------

@pytest.fixture
def sample_diff():
    a = snap([{"id": "gone", "name": "Gone Market", "category": "online"},
              {"id": "tb", "name": "TAOBAO", "aliases": ["Tao"], "urls": ["taobao.com"]},
              {"id": "pb", "name": "The Pirate Bay", "urls": ["thepiratebay.org"]}], "2022")
    b = snap([{"id": "new", "name": "Brand New Bazaar", "category": "physical",
               "country": "Brazil", "provenance": {"page": 17}},
              {"id": "tb", "name": "TAOBAO", "aliases": ["Tao", "Taobao Global"],
               "urls": ["taobao.com"]},
              {"id": "pb2", "name": "Pirate Bay", "urls": ["thepiratebay.org"]}], "2023")
    return diff(a, b)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_reports_name_every_change(sample_diff, fmt):
    out = report.FORMATS[fmt](sample_diff)
    for name in ("Gone Market", "Brand New Bazaar", "TAOBAO", "The Pirate Bay", "Pirate Bay",
                 "Taobao Global"):
        assert name in out
    if fmt == "json":
        assert json.loads(out) == sample_diff


def test_text_report(sample_diff):
    out = report.text(sample_diff, name="NML")
    assert out.splitlines()[0] == \
        "NML 2022 → 2023: 1 added, 1 removed, 1 renamed, 1 changed (now 1 physical, 2 other)"
    assert "  + Brand New Bazaar (physical, Brazil) — p. 17" in out
    assert "  - Gone Market (online)" in out
    assert "  ~ The Pirate Bay → Pirate Bay — renamed (same domain thepiratebay.org)" in out
    assert "  ~ TAOBAO — aliases: +Taobao Global" in out
    assert "same url" not in out and "1.00" not in out


def test_markdown_report(sample_diff):
    out = report.markdown(sample_diff, kinds=("added", "removed"))
    assert out.startswith("## l 2022 → 2023: 1 added, 1 removed (now 1 physical, 2 other)\n")
    assert "### Added (1)\n- Brand New Bazaar (physical, Brazil) — p. 17\n" in out and "Renamed" not in out


def test_summary_no_change():
    d = diff(snap([]), snap([]))
    assert report.summary(d) == "no change"
    assert report.text(d) == "l 2023: no change (now 0 entries)\n"


def test_bundled_example_snapshots_stream_like_the_full_diff():
    """Regression: entries that differ only in provenance were not counted as unchanged."""
    examples = sorted((Path(__file__).parent.parent / "examples" / "snapshots").glob("*.json"))
    assert len(examples) >= 2, "examples/snapshots holds two editions"
    for old, new in zip(examples, examples[1:]):
        expected = diff(snapshot.load(old), snapshot.load(new))
        assert _diff_canonical(old, new, ()) == expected
        assert expected["counts"]["unchanged"] > 0


def test_a_shared_url_wins_a_tie_with_an_identical_name():
    old = {"listwatch": "snapshot/1", "list": {"id": "x"},
           "source": {"plugin": "t", "retrieved_at": "z"},
           "entries": [{"id": "a", "name": "ALPHA", "urls": ["alpha.com"]},
                       {"id": "b", "name": "BETA", "urls": ["beta.com"]}]}
    new = {**old, "entries": [{"id": "c", "name": "ALPHA", "urls": ["beta.com"]},
                              {"id": "d", "name": "GAMMA", "urls": ["alpha.com"]}]}
    pairs = {(r["from"]["id"], r["to"]["id"], r["reason"]) for r in diff(old, new)["renamed"]}
    assert pairs == {("b", "c", "url"), ("a", "d", "url")}


def test_lines_differing_only_in_provenance_are_unchanged_without_parsing(tmp_path,
                                                                          monkeypatch):
    """A reordered table moves every row: equal but for provenance, never parsed."""
    import listwatch.diff as diffing

    n = 300
    a = snap([{"id": f"e{i:03d}", "name": f"E {i}", "attributes": {"k": "v"},
               "provenance": {"row": i}} for i in range(n)])
    b = snap([{"id": f"e{i:03d}", "name": f"E {i}" if i % 50 else f"E {i}!",
               "attributes": {"k": "v"}, "provenance": {"row": n - i, "sheet": "a b"}}
              for i in range(1, n)]
             + [{"id": "z", "name": "Z", "provenance": {"row": 0}}])
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    pa.write_text(snapshot.dumps(a))
    pb.write_text(snapshot.dumps(b))
    parsed = []
    real = diffing._parse
    monkeypatch.setattr(diffing, "_parse", lambda line, where: parsed.append(line) or
                        real(line, where))
    d = _diff_canonical(pa, pb, ())
    assert d == diff(a, b)
    assert d["counts"] == {"added": 1, "removed": 1, "changed": 5, "renamed": 0,
                           "unchanged": n - 1 - 5}
    # the changed pairs, the removed, the added, and the first line after the removed
    assert len(parsed) == 2 * 5 + 3


@pytest.mark.parametrize("old, new, same", [
    ('{"id":"a","name":"A","provenance":{"row":1}}', '{"id":"a","name":"A"}', True),
    ('{"id":"a","name":"A","provenance":{"p":{"row":1}}}', '{"id":"a","name":"A"}', True),
    ('{"id":"a","name":"A","provenance":{"row":"x\\"y"}}', '{"id":"a","name":"A"}', True),
    ('{"id":"a","name":"A","provenance":{"row":1}}',
     '{"id":"a","name":"B","provenance":{"row":1}}', False),
    ('{"id":"a","name":"A","x":{"provenance":{"row":1}}}', '{"id":"a","name":"A","x":{}}',
     False),
])
def test_provenance_is_stripped_only_where_the_diff_ignores_it(tmp_path, old, new, same):
    """Nested or unusual provenance objects fall back to parsing; the result is the same."""
    envelope = '{\n  "listwatch": "snapshot/1",\n  "list": {"id":"l"},\n  "source": ' \
               '{"plugin":"p","retrieved_at":"t"},\n  "warnings": [],\n  "entries": [\n    '
    pa, pb = tmp_path / "a.json", tmp_path / "b.json"
    pa.write_text(envelope + old + "\n  ]\n}\n")
    pb.write_text(envelope + new + "\n  ]\n}\n")
    d = _diff_canonical(pa, pb, ())
    assert d == diff(json.loads(pa.read_text()), json.loads(pb.read_text()))
    assert d["counts"]["unchanged"] == (1 if same else 0)
