"""The Milvus backend on Milvus Lite: what the conformance suite does not cover.

Key escaping in filters, attaching to (and refusing) existing collections, the saved pointer
without the token, and scores against NumPy on indexed (flushed) segments.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from everyvec.errors import FormatError  # noqa: E402
from everyvec.index import load_index, make_index  # noqa: E402
from everyvec.index import milvus as milvus_module  # noqa: E402
from everyvec.index.milvus import TOKEN_ENV, MilvusIndex, quote_key  # noqa: E402

NASTY = ['a"b', "c'd", "back\\slash", "ends\\", "\\\"mixed\\'", "new\nline", "cr\rlf",
         "tab\tbed", "ünïcödé", "😀 emoji", "key in [\"x\"]", '"', "'", "\\", " ", "nul\x00x",
         "ctrl\x01\x7f", '"] or key in ["', "x,y"]


def _points(n: int, dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


@pytest.fixture
def uri(tmp_path):
    return str(tmp_path / "milvus.db")


def test_quote_key_escapes_what_the_grammar_needs():
    assert quote_key('a"b') == r'"a\"b"'
    assert quote_key("a\\b") == r'"a\\b"'
    assert quote_key("a\nb\tc\rd") == r'"a\nb\tc\rd"'
    assert quote_key("it's ünï") == '"it\'s ünï"'


def test_keys_with_quotes_and_backslashes_round_trip_through_filters(uri):
    index = MilvusIndex(8, "dot", uri=uri)
    matrix = _points(len(NASTY) + 5, 8)
    keys = NASTY + [f"plain{i}" for i in range(5)]
    index.add(keys, matrix)
    assert len(index) == len(keys)
    assert all(key in index for key in NASTY)
    assert "a\"b\\" not in index and "a" not in index
    for i, key in enumerate(NASTY):
        found = index.search(matrix[-1], k=3, filter=[key])
        assert found[0] == [(key, pytest.approx(float(matrix[i] @ matrix[-1]), rel=1e-5))]
    several = index.search(matrix[:3], k=10, filter=NASTY[:6])
    assert {key for row in several.keys for key in row if key is not None} == set(NASTY[:6])
    assert index.remove(NASTY[:4] + ["never-added"], missing_ok=True) == 4
    assert len(index) == len(keys) - 4 and NASTY[0] not in index and NASTY[4] in index


def test_random_unicode_keys_round_trip(uri):
    rng = np.random.default_rng(3)
    # Printable and control characters from several planes, quotes and backslashes included.
    alphabet = [chr(c) for c in [*range(0x01, 0x80), 0xE9, 0x4E2D, 0x1F600]]
    keys = sorted({"".join(rng.choice(alphabet, size=rng.integers(1, 12))) for _ in range(300)})
    index = MilvusIndex(4, "euclidean", uri=uri)
    index.add(keys, _points(len(keys), 4))
    allowed = keys[::3]
    found = index.search(_points(2, 4, seed=9), k=len(keys), filter=allowed)
    assert sorted(key for key in found.keys[0] if key is not None) == sorted(allowed)
    assert index.remove(keys) == len(keys) and len(index) == 0


def test_search_agrees_with_numpy_after_a_flush(uri):
    """Flushed rows are served from built segments (not the write buffer) in Milvus Lite."""
    matrix, queries = _points(1500, 16), _points(20, 16, seed=1)
    keys = [f"k{i}" for i in range(len(matrix))]
    for metric in ("cosine", "dot", "euclidean"):
        index = MilvusIndex(16, metric, uri=uri, collection=f"flat_{metric}",
                            index_type="FLAT")
        index.add(keys, matrix)
        index.client.flush(index.collection)
        found = index.search(queries, k=5)
        data, q = matrix.astype(np.float64), queries.astype(np.float64)
        if metric == "cosine":
            data /= np.linalg.norm(data, axis=1, keepdims=True)
            q /= np.linalg.norm(q, axis=1, keepdims=True)
        if metric == "euclidean":
            truth = np.sqrt(((q[:, None] - data[None]) ** 2).sum(-1))
            order = np.argsort(truth, axis=1)[:, :5]
        else:
            truth = q @ data.T
            order = np.argsort(-truth, axis=1)[:, :5]
        assert (found.keys == np.array(keys, dtype=object)[order]).all(), metric
        np.testing.assert_allclose(found.scores, np.take_along_axis(truth, order, 1),
                                   rtol=1e-4, atol=1e-4)


def test_a_zero_vector_scores_zero_under_cosine(uri):
    index = MilvusIndex(4, "cosine", uri=uri)
    index.add(["zero", "one"], np.array([[0, 0, 0, 0], [1, 0, 0, 0]], dtype=np.float32))
    found = index.search(np.array([1.0, 1, 0, 0]), k=2)
    assert found[0] == [("one", pytest.approx(2 ** -0.5)), ("zero", pytest.approx(0.0))]


def test_make_index_attaches_to_an_existing_collection(uri):
    spec = f"milvus:uri={uri},collection=words"
    first = make_index(spec, dim=8, metric="dot")
    first.add(["a", "b", "c"], _points(3, 8))
    second = make_index(spec, dim=8, metric="dot")
    assert len(second) == 3 and "b" in second
    assert second.client is first.client  # one client per URI in a process
    second.add(["d"], _points(1, 8, seed=5))
    assert len(first) == 4
    with pytest.raises(ValueError, match="already in the index"):
        first.add(["d"], _points(1, 8))


def test_existing_collection_with_another_dim_metric_or_index_is_refused(uri):
    MilvusIndex(8, "cosine", uri=uri, collection="c").add(["a"], _points(1, 8))
    with pytest.raises(FormatError, match="dimension 8, not 16"):
        MilvusIndex(16, "cosine", uri=uri, collection="c")
    with pytest.raises(FormatError, match="holds 'cosine' vectors.*not 'dot'"):
        MilvusIndex(8, "dot", uri=uri, collection="c")
    with pytest.raises(FormatError, match="holds 'cosine' vectors.*not 'euclidean'"):
        MilvusIndex(8, "euclidean", uri=uri, collection="c")
    with pytest.raises(FormatError, match="AUTOINDEX index, not HNSW"):
        MilvusIndex(8, "cosine", uri=uri, collection="c", index_type="HNSW")


def test_a_foreign_collection_opens_by_its_index_metric_or_is_refused(uri):
    from pymilvus import DataType, MilvusClient

    client = MilvusClient(uri)
    for name, key_type in (("foreign", DataType.VARCHAR), ("intkeys", DataType.INT64)):
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        extra = {"max_length": 64} if key_type == DataType.VARCHAR else {}
        schema.add_field("key", key_type, is_primary=True, **extra)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=4)
        params = client.prepare_index_params()
        params.add_index(field_name="vector", index_type="FLAT", metric_type="COSINE")
        client.create_collection(name, schema=schema)  # index_params= would sleep 0.5 s
        client.create_index(name, params, sync=False)
        client.load_collection(name)
    with pytest.raises(FormatError, match="not an everyvec collection"):
        MilvusIndex(4, "cosine", uri=uri, collection="intkeys", index_type="FLAT")
    index = MilvusIndex(4, "cosine", uri=uri, collection="foreign", index_type="FLAT")
    index.add(["x", "y"], np.array([[3, 0, 0, 0], [0, 2, 0, 0]], dtype=np.float32))
    assert index.search(np.array([1.0, 1, 0, 0]), k=1).scores[0, 0] == pytest.approx(2 ** -0.5)
    with pytest.raises(ValueError, match="at most 64 bytes"):
        index.add(["z" * 65], _points(1, 4))
    with pytest.raises(FormatError, match="'cosine' vectors"):
        MilvusIndex(4, "dot", uri=uri, collection="foreign", index_type="FLAT")


@pytest.mark.parametrize(("params", "error", "match"), [
    ({}, ValueError, "'uri' parameter of MilvusIndex is required"),
    ({"uri": "vectors.txt"}, ValueError, "ending in '.db' or a server URI"),
    ({"uri": "/no/such/folder/x.db"}, ValueError, "not a folder"),
    ({"uri": "https://root:pw@host:19530"}, ValueError, "must not hold credentials"),
    ({"uri": "x.db", "collection": "1st"}, ValueError, "'collection' parameter"),
    ({"uri": "x.db", "collection": "has-dash"}, ValueError, "'collection' parameter"),
    ({"uri": "x.db", "index_type": "IVF_PQ"}, ValueError, "'index_type' parameter"),
    ({"uri": "x.db", "nprobe": 8}, ValueError, "index_type=IVF_FLAT only"),
    ({"uri": "x.db", "index_type": "FLAT", "ef": 8}, ValueError, "index_type=HNSW only"),
    ({"uri": "x.db", "nlist": 0}, ValueError, "must be > 0"),
])
def test_bad_parameters_are_refused_before_connecting(params, error, match, tmp_path,
                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=match):
        MilvusIndex(8, "cosine", **params)
    assert not milvus_module._clients or all(
        not uri.startswith(str(tmp_path)) for uri, _ in milvus_module._clients)


def test_an_unreachable_server_raises_a_connection_error_without_the_token():
    from everyvec.index.milvus import MilvusConnectionError

    with pytest.raises(MilvusConnectionError, match="127.0.0.1:1") as caught:
        MilvusIndex(4, uri="http://127.0.0.1:1", token="s3cret-token")
    assert "s3cret" not in str(caught.value)
    assert isinstance(caught.value, ConnectionError)


def test_missing_uri_in_a_spec_string_is_named():
    with pytest.raises(ValueError, match="'uri'.*required.*milvus:uri=vectors.db"):
        make_index("milvus", dim=4)


def test_a_relative_lite_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    index = make_index("milvus:uri=rel.db", dim=4)
    assert index.params["uri"] == str(tmp_path / "rel.db")
    assert index.spec == f"milvus:uri={tmp_path / 'rel.db'},collection=everyvec," \
                         "index_type=AUTOINDEX"


def test_save_writes_a_pointer_without_the_token(uri, tmp_path, monkeypatch):
    secret = "root:Sup3rS3cret"
    index = MilvusIndex(4, "euclidean", uri=uri, token=secret, index_type="HNSW", M=8, ef=32)
    index.add(["a", "b"], _points(2, 4))
    assert secret not in repr(index) and secret not in index.spec
    assert secret not in json.dumps(index.params)
    folder = index.save(tmp_path / "saved")
    assert sorted(p.name for p in folder.iterdir()) == ["index.json"]
    text = (folder / "index.json").read_text(encoding="utf-8")
    assert "Sup3rS3cret" not in text and "token" not in text
    assert json.loads(text)["backend"] == {"uri": uri, "collection": "everyvec",
                                           "index_type": "HNSW", "M": 8, "ef": 32}
    monkeypatch.setenv(TOKEN_ENV, secret)
    loaded = load_index(folder)
    assert loaded._token == secret and len(loaded) == 2 and loaded.spec == index.spec
    monkeypatch.delenv(TOKEN_ENV)
    explicit = MilvusIndex.load(folder, token="other")
    assert explicit._token == "other" and "a" in explicit


def test_loading_a_pointer_to_a_dropped_collection_fails_clearly(uri, tmp_path):
    index = MilvusIndex(4, "dot", uri=uri, collection="gone")
    index.save(tmp_path / "saved")
    index.client.drop_collection("gone")
    with pytest.raises(FormatError, match="'gone'.*does not exist.*only a pointer"):
        load_index(tmp_path / "saved")


def test_long_and_unencodable_keys_are_refused_before_inserting(uri):
    index = MilvusIndex(4, "dot", uri=uri)
    with pytest.raises(ValueError, match="513 bytes in UTF-8.*at most 512 bytes"):
        index.add(["ok", "x" * 513], _points(2, 4))
    with pytest.raises(ValueError, match="at most 512 bytes"):
        index.add(["é" * 257], _points(1, 4))  # 257 characters, 514 bytes
    with pytest.raises(ValueError, match="lone surrogate"):
        index.add(["bad\ud800"], _points(1, 4))
    assert len(index) == 0 and "x" * 513 not in index
    index.add(["é" * 256], _points(1, 4))
    assert "é" * 256 in index


def test_large_allow_lists_are_searched_in_chunks(uri, monkeypatch):
    matrix, queries = _points(400, 8), _points(5, 8, seed=2)
    keys = [f"k{i}" for i in range(400)]
    index = MilvusIndex(8, "euclidean", uri=uri, index_type="FLAT")
    index.add(keys, matrix)
    allowed = keys[::2] + ["unknown", "y" * 600]
    whole = index.search(queries, k=7, filter=allowed)
    monkeypatch.setattr(milvus_module, "FILTER_CHUNK", 13)
    chunked = index.search(queries, k=7, filter=allowed)
    assert (chunked.keys == whole.keys).all()
    np.testing.assert_allclose(chunked.scores, whole.scores, rtol=1e-6)
    assert {key for row in chunked.keys for key in row} <= set(allowed)
    assert index.remove(keys[:50]) == 50 and len(index) == 350  # chunked deletes and lookups


def test_close_releases_the_shared_client_with_the_last_index(uri):
    first = MilvusIndex(4, "dot", uri=uri)
    with MilvusIndex(4, "dot", uri=uri) as second:
        second.add(["a"], _points(1, 4))
    assert "a" in first
    from everyvec.errors import EveryvecError

    with pytest.raises(EveryvecError, match="closed"):
        len(second)
    assert repr(second).endswith("closed>")
    first.close()
    first.close()  # idempotent
    assert not any(key[0] == uri for key in milvus_module._clients)
    again = MilvusIndex(4, "dot", uri=uri)  # a fresh client sees the stored data
    assert len(again) == 1


def test_k_beyond_the_milvus_limit_works_on_a_small_collection(uri):
    index = MilvusIndex(4, "dot", uri=uri)
    index.add(["a", "b"], _points(2, 4))
    found = index.search(_points(1, 4), k=20000)
    assert found.keys.shape == (1, 20000) and sorted(found.keys[0, :2]) == ["a", "b"]
    assert np.isnan(found.scores[0, 2:]).all()
