"""Spec strings: parsing, formatting, and the errors a typo gets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everyvec.index import format_spec, make_index, parse_spec
from everyvec.index.exact import ExactIndex


def test_parse_examples():
    assert parse_spec("exact") == ("exact", {})
    assert parse_spec("hnsw:M=32,ef=128") == ("hnsw", {"M": 32, "ef": 128})
    assert parse_spec(" IVFPQ: nlist=1024, m=16 ,nprobe=16") == (
        "ivfpq", {"nlist": 1024, "m": 16, "nprobe": 16})
    assert parse_spec("milvus:uri=http://host:19530,collection=words") == (
        "milvus", {"uri": "http://host:19530", "collection": "words"})
    assert parse_spec("hnsw:ef=1.5e2") == ("hnsw", {"ef": 150.0})


@pytest.mark.parametrize("spec, message", [
    ("annoy", "unknown index kind 'annoy'"),
    ("hnsw:M", "expected NAME=VALUE"),
    ("hnsw:M=", "expected NAME=VALUE"),
    ("hnsw:=3", "expected NAME=VALUE"),
    ("hnsw:M=3,M=4", "given twice"),
])
def test_bad_specs_say_what_is_wrong(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


def test_spec_must_be_a_string():
    with pytest.raises(TypeError, match="spec"):
        parse_spec(3)


names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
values = st.one_of(st.integers(-10**6, 10**6),
                   st.from_regex(r"[a-z/][a-z0-9_./:]{0,10}", fullmatch=True))


@given(params=st.dictionaries(names, values, max_size=4))
def test_format_then_parse_round_trips(params):
    assert parse_spec(format_spec("hnsw", params)) == ("hnsw", params)


def test_make_index_checks_parameters():
    index = make_index("exact", dim=4, metric="dot")
    assert isinstance(index, ExactIndex) and index.spec == "exact"
    with pytest.raises(ValueError, match="unknown parameter 'M'"):
        make_index("exact:M=3", dim=4)
    with pytest.raises(ValueError, match="'metric'"):
        make_index("exact", dim=4, metric="manhattan")
    with pytest.raises(TypeError, match="'dim'"):
        make_index("exact", dim=2.5)
