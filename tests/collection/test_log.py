"""The write-ahead log: durable changes, torn last lines, damaged lines, exact JSON."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec import Collection, EveryvecError, FormatError
from everyvec.collection.log import delete_line, parse_line, read_log, upsert_line
from everyvec.collection.records import check_metadata, dumps


@pytest.fixture
def saved(tmp_path, small):
    return small.save(tmp_path / "col")


def test_changes_survive_without_save(saved, vectors, same_content):
    with Collection.open(saved, writable=True) as c:
        c.upsert(["new", "k1"], np.ones((2, 8)), metadata=[{"a": 1}, {"b": [1.5, None]}])
        c.delete(["k2"])
        c.upsert(["k3"], vectors["k3"] * 3)  # metadata kept
        c.delete(["new"])
        c.upsert(["new"], np.full(8, 2.0))  # re-added: metadata starts empty again
        expected_keys = c.keys
        reopened = Collection.open(saved)  # a reader, while the writer is open
        same_content(c, reopened)
    assert reopened.keys == expected_keys
    assert reopened.metadata("k1") == {"b": [1.5, None]} and reopened.metadata("new") == {}
    assert reopened.metadata("k3") == {"lang": "en", "n": 3, "even": False}
    assert "k2" not in reopened
    np.testing.assert_array_equal(reopened.vector("k3"), vectors["k3"] * 3)
    lines = (saved / "log.jsonl").read_text().splitlines()
    assert [json.loads(line)["op"] for line in lines] == ["upsert", "delete", "upsert",
                                                          "delete", "upsert"]
    assert all(json.loads(line)["base"] == "v000001" for line in lines)


def test_save_folds_the_log_in(saved, same_content):
    with Collection.open(saved, writable=True) as c:
        c.upsert(["new"], np.ones(8))
        c.save()
        assert not (saved / "log.jsonl").exists()
        c.delete(["new"])  # logged against the new snapshot
        assert json.loads((saved / "log.jsonl").read_text())["base"] == "v000002"
        reopened = Collection.open(saved)
        same_content(c, reopened)
    assert "new" not in reopened


def test_torn_last_line_is_ignored(saved, caplog):
    with Collection.open(saved, writable=True) as c:
        c.upsert(["a"], np.ones(8))
        c.upsert(["b"], np.ones(8))
    log = saved / "log.jsonl"
    data = log.read_bytes()
    log.write_bytes(data[:-20])  # the crash cut the second append short
    with caplog.at_level(logging.WARNING, logger="everyvec.collection"):
        reader = Collection.open(saved)
    assert "a" in reader and "b" not in reader
    assert "incomplete last line" in caplog.text and "line 2" in caplog.text
    # A writer cuts the torn tail off before appending, so the log stays readable.
    with Collection.open(saved, writable=True) as c:
        c.upsert(["c"], np.ones(8))
    assert len(log.read_text().splitlines()) == 2
    reopened = Collection.open(saved)
    assert "a" in reopened and "c" in reopened and "b" not in reopened


def test_damaged_middle_line_is_an_error(saved):
    with Collection.open(saved, writable=True) as c:
        for name in "abc":
            c.upsert([name], np.ones(8))
    log = saved / "log.jsonl"
    lines = log.read_bytes().split(b"\n")
    lines[1] = lines[1][:30] + b"#" + lines[1][31:]
    log.write_bytes(b"\n".join(lines))
    with pytest.raises(FormatError, match=r"log\.jsonl, line 2: not a valid JSON line"):
        Collection.open(saved)


@pytest.mark.parametrize("line, match", [
    (b'[1, 2]', '"base"'),
    (b'{"base": "v000001", "op": "rename", "keys": []}', '"op"'),
    (b'{"base": "v000001", "op": "delete", "keys": [1]}', '"keys"'),
    (b'{"base": "v000001", "op": "delete", "keys": ["a", "a"]}', "unique"),
    (b'{"base": "v000001", "op": "upsert", "keys": ["a"], "vectors": [[1, 2]]}', "8 finite"),
    (b'{"base": "v000001", "op": "upsert", "keys": ["a"], "vectors": [["x"]]}', "numbers"),
    (b'{"base": "v000001", "op": "upsert", "keys": ["a"], "vectors": [[NaN, 1, 1, 1, 1, 1, 1, '
     b'1]]}', "finite"),
    (b'{"base": "v000001", "op": "upsert", "keys": ["a"], "vectors": [[1, 1, 1, 1, 1, 1, 1, '
     b'1]], "metadata": [1]}', "must be a dict"),
])
def test_invalid_operations(saved, line, match):
    (saved / "log.jsonl").write_bytes(line + b"\n" + delete_line("v000001", ["k1"]))
    with pytest.raises(FormatError, match=match) as info:
        Collection.open(saved)
    assert info.value.line == 1


def test_lines_of_an_older_snapshot_are_skipped(saved):
    stale = upsert_line("v000000", ["ghost"], np.ones((1, 3), np.float32), None)
    (saved / "log.jsonl").write_bytes(stale + delete_line("v000001", ["k1"]))
    c = Collection.open(saved)
    assert "ghost" not in c and "k1" not in c
    contents = read_log(saved / "log.jsonl", "v000001", 8)
    assert contents.stale == 1 and len(contents.operations) == 1


def test_nan_never_reaches_the_log(saved):
    with Collection.open(saved, writable=True) as c:
        with pytest.raises(ValueError):
            c.upsert(["a"], np.full(8, np.inf))
        with pytest.raises(ValueError):
            c.upsert(["a"], np.ones(8), metadata={"a": {"x": float("-inf")}})
    assert (saved / "log.jsonl").read_bytes() == b""


# -- exact JSON round trips --------------------------------------------------------------
json_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text())
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)
metadata_dicts = st.dictionaries(st.text(), json_values, max_size=5)
float32s = st.floats(width=32, allow_nan=False, allow_infinity=False)


def same_json(a, b) -> bool:
    """Equality that also tells -0.0 from 0.0 and 1 from 1.0 from True."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.lists(float32s, min_size=3, max_size=3), min_size=1, max_size=4),
       metadata=st.lists(metadata_dicts, min_size=4, max_size=4))
def test_log_lines_round_trip_exactly(rows, metadata):
    matrix = np.array(rows, dtype=np.float32)
    keys = [f"key{i}\u00e9\U0001f600" for i in range(len(rows))]
    metas = [check_metadata(m, k) for m, k in zip(metadata, keys, strict=False)]
    line = upsert_line("v000001", keys, matrix, metas)
    base, op = parse_line(line, 3, path="log.jsonl", line=1)
    assert base == "v000001" and op.keys == keys
    assert op.vectors.dtype == np.float32
    assert op.vectors.tobytes() == matrix.tobytes()  # bit for bit, -0.0 included
    assert all(same_json(a, b) for a, b in zip(op.metadata, metas, strict=True))


@settings(max_examples=80, deadline=None)
@given(metadata=metadata_dicts)
def test_metadata_lines_round_trip_exactly(metadata):
    text = dumps(check_metadata(metadata, "k"))
    assert "\n" not in text and text.isascii()
    assert same_json(json.loads(text), metadata)


def test_reader_retries_when_a_save_replaces_its_snapshot(saved, monkeypatch):
    """A reader that read the manifest just before a writer's save finds its snapshot gone,
    and reads the new one instead."""
    from everyvec.collection import collection as module

    writer = Collection.open(saved, writable=True)
    writer.upsert(["late"], np.ones(8))
    original = module.native.read_payload
    calls = []

    def racing(folder, manifest, **kwargs):
        calls.append(manifest["collection"]["version"])
        if len(calls) == 1:
            monkeypatch.setattr(module.native, "read_payload", original)
            writer.save()  # removes v000001 under the reader's feet
        return original(folder, manifest, **kwargs)

    monkeypatch.setattr(module.native, "read_payload", racing)
    reader = Collection.open(saved)
    writer.close()
    assert calls == ["v000001"] and "late" in reader
    assert reader._version == "v000002"


def test_index_failure_after_logging(saved, monkeypatch):
    """The change is in the log when the index fails: it stands, and the index catches up."""
    with Collection.open(saved, writable=True) as c:
        real = type(c.index).upsert
        failures = []

        def flaky(self, keys, vectors):
            if not failures:
                failures.append(keys)
                raise ConnectionError("index server gone")
            return real(self, keys, vectors)

        monkeypatch.setattr(type(c.index), "upsert", flaky)
        with pytest.raises(EveryvecError, match="stands.*ConnectionError"):
            c.upsert(["late"], np.ones(8))
        assert "late" in c and "late" not in c.index
        assert c.search(np.ones(8), k=1)[0][0][0] == "late"  # caught up first
        assert "late" in c.index
        failures.clear()
        with pytest.raises(EveryvecError):
            c.upsert(["never"], np.ones(8))
        assert c.delete(["never"]) == 1  # deleting a key the index lacks is fine
        c.search(np.ones(8), k=1)
        assert "never" not in c.index and len(c.index) == len(c)
    reopened = Collection.open(saved)
    assert "late" in reopened and "never" not in reopened
