"""The fast canonical encoding (orjson, normalising only what needs it) writes exactly the
bytes of the code it replaced, kept here verbatim as the reference."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwatch import encoding, snapshot

# -- the reference: listwatch/snapshot.py before the fast path -------------------------------


def _old_text(value: str) -> str:
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def old_clean(value):
    kind = type(value)
    if kind is str:
        return _old_text(value)
    if kind is dict:
        return {k: _old_text(v) if type(v) is str else old_clean(v) for k, v in value.items()}
    if kind is list:
        return [_old_text(v) if type(v) is str else old_clean(v) for v in value]
    if isinstance(value, str):
        return _old_text(str(value))
    if isinstance(value, (list, tuple)):
        return [old_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: old_clean(v) for k, v in value.items()}
    return value


def old_make(list_, entries, source, warnings):
    entries = [old_clean(e) for e in entries]
    entries.sort(key=lambda e: str(e.get("id", "")))
    return {"listwatch": snapshot.FORMAT, "list": old_clean(list_), "source": source,
            "warnings": [old_clean(str(w)) for w in warnings], "entries": entries}


_OLD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def old_dumps(doc):
    keys = [k for k in snapshot.ENVELOPE if k in doc]
    keys += sorted(k for k in doc if k not in snapshot.ENVELOPE and k != "entries")
    lines = ["{"] + [f"  {json.dumps(k)}: {_OLD.encode(doc[k])}," for k in keys]
    entries = sorted(doc.get("entries", []), key=lambda e: str(e.get("id", "")))
    if entries:
        lines.append(snapshot.ENTRIES_OPEN)
        lines.append(",\n".join("    " + _OLD.encode(e) for e in entries))
        lines.append("  ]")
    else:
        lines.append('  "entries": []')
    lines.append("}")
    return "\n".join(lines) + "\n"


def lists(value):
    """Tuples as lists: make() keeps a clean entry as given, tuples included (they are
    written as arrays, exactly as before); the old code copied them into lists."""
    if isinstance(value, (list, tuple)):
        return [lists(v) for v in value]
    if isinstance(value, dict):
        return {k: lists(v) for k, v in value.items()}
    return value


# -- the corpus ---------------------------------------------------------------------------------

SPACES = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
CONTROLS = "".join(map(chr, range(32))) + "\x7f\x85"


class Name(str):
    pass


def corpus() -> list[dict]:
    nfd = unicodedata.normalize("NFD", "Café Ünïcödé Ñandú Åland")
    values = [
        "plain", "", " ", "  two  spaces  ", "\ttab\tand\nnewline\r\n", nfd,
        unicodedata.normalize("NFC", nfd), "e\u0301", "\u0301 leading combining mark",
        "Zeta “Imports” ‘quoted’", 'a "quoted" \\ backslash', "\\t not a tab", "\\u0009",
        "emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "日本語 テキスト", "ﬁ ligature (NFC keeps it)", "Å (angstrom)",
        "x" + SPACES + "y", SPACES, CONTROLS, "a" + CONTROLS + "b", "\u2028line\u2029sep",
        "ends with nbsp\xa0", "\u3000ideographic\u3000", "1.5", "null", ":1e5", "[null]",
        0, 1, -1, 2**53, 2**63 - 1, -(2**63), 2**64, -(2**64), 10**30, True, False, None,
        0.0, -0.0, 1.0, 1.5, -2.25, 1e16, 1e-7, 1e300, 123456789.123, 5e-324, 1 / 3,
        [], {}, ["b", "a", " c "], [1, [2, [3, [nfd]]]], {"k": " v "}, {"nested": {"d": nfd}},
        ("a", "tuple"), Name(" subclassed  str "),
        {"a key with  two spaces": "x", " lead": "y", "Ünï": nfd},
    ]
    deep: object = "bottom  "
    for _ in range(300):  # deeper than orjson goes (255)
        deep = [deep]
    values.append(deep)
    entries = []
    for i, value in enumerate(values):
        entries.append({"id": f"e{i:03d}", "name": f" Name  {i} ", "attributes": {"v": value},
                        "provenance": {"row": i}})
        entries.append({"id": f"f{i:03d}", "name": "N", "v": value, "aliases": [value]})
    entries.append({"id": nfd, "name": nfd, "country": None, "urls": [], "category": "x"})
    return entries


def test_corpus_is_byte_identical():
    entries = corpus()
    args = ({"id": "l", "title": " T  "}, entries, {"plugin": "p", "retrieved_at": "t"},
            ["warn  ing"])
    old = old_make(*args)
    new = snapshot.make(*args)
    assert lists(new) == old
    assert snapshot.dumps(new) == old_dumps(old)
    assert snapshot.canonical(snapshot.make_with_text(*args)) == old_dumps(old)
    assert snapshot.dumps(new) == old_dumps(new)


def test_each_value_alone_is_byte_identical():
    """One unsure or unclean entry among many clean ones takes the slow path alone."""
    clean = [{"id": f"c{i}", "name": "Clean", "attributes": {"n": i}} for i in range(50)]
    for entry in corpus():
        entries = [*clean, entry]
        made = snapshot.make({"id": "l"}, entries, {"plugin": "p", "retrieved_at": "t"}, [])
        reference = old_make({"id": "l"}, entries, {"plugin": "p", "retrieved_at": "t"}, [])
        assert lists(made) == reference, entry["id"]
        assert snapshot.dumps(made) == old_dumps(reference), entry["id"]
        made = snapshot.make_with_text({"id": "l"}, entries, {"plugin": "p", "retrieved_at": "t"},
                                       [])
        assert snapshot.canonical(made) == old_dumps(reference), entry["id"]


def test_spaces_list_is_pythons():
    """_not_clean must know every character str.split() splits on."""
    for char in SPACES:
        line = encoding.compact_lines([{"v": f"a{char}b"}])[0]
        if char != " ":
            assert encoding._not_clean(line), hex(ord(char))


def test_a_cycle_fails_as_before():
    cyclic: dict = {"id": "a", "name": "A"}
    cyclic["attributes"] = {"self": cyclic}
    with pytest.raises(ValueError, match="Circular reference"):
        snapshot.dumps({"entries": [cyclic]})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), "a\ud800",
                                 "\udfff", {"x": [float("nan")]}])
def test_what_json_cannot_hold_is_refused(bad):
    with pytest.raises(ValueError):
        snapshot.make({"id": "l"}, [{"id": "a", "name": "A", "attributes": {"v": bad}}],
                      {"plugin": "p", "retrieved_at": "t"}, [])


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
    | st.sampled_from([" ", "  ", "\t", "e\u0301", "\xa0", '"', "\\", "1e5", "null"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=6), JSONISH, max_size=4), max_size=8))
def test_random_entries_are_byte_identical(extras):
    entries = [{**extra, "id": f"r{i}", "name": "R"} for i, extra in enumerate(extras)]
    source = {"plugin": "p", "retrieved_at": "t"}
    made = snapshot.make({"id": "l"}, entries, source, [])
    reference = old_make({"id": "l"}, entries, source, [])
    assert made == reference
    assert snapshot.dumps(made) == old_dumps(reference)
    made = snapshot.make_with_text({"id": "l"}, entries, source, [])
    assert snapshot.canonical(made) == old_dumps(reference)


def test_canonical_follows_the_envelope_and_a_new_entries_list():
    """The entry lines encoded by make_with_text serve once, for the same entries list;
    the envelope is encoded each time (check --reparse stamps the source afterwards)."""
    source = {"plugin": "p", "retrieved_at": "t"}
    made = snapshot.make_with_text({"id": "l"}, [{"id": "a", "name": "A"}], source, [])
    made["source"]["reparsed_at"] = "now"
    assert snapshot.canonical(made) == snapshot.dumps(made)
    assert '"reparsed_at":"now"' in snapshot.canonical(made)
    made = snapshot.make_with_text({"id": "l"}, [{"id": "a", "name": "A"}], source, [])
    made["entries"] = [{"id": "b", "name": "B"}]
    assert '"id":"b"' in snapshot.canonical(made)
