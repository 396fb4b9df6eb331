"""Collection: building, changing, searching, saving and reopening."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import everyvec
from everyvec import Collection, MissingKeyError, Vectors
from everyvec.errors import EveryvecError
from everyvec.index import Matches


def brute_force(matrix, query, k):
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    scores = unit @ (query / np.linalg.norm(query))
    return list(np.argsort(-scores, kind="stable")[:k])


# -- building ----------------------------------------------------------------------------
def test_empty_collection(tmp_path):
    c = Collection(4)
    assert len(c) == 0 and c.keys == [] and "a" not in c
    assert c.dim == 4 and c.metric == "cosine" and c.index_spec == "exact" and c.path is None
    found = c.search(np.ones(4), k=3)
    assert isinstance(found, Matches) and found.keys.tolist() == [[None] * 3]
    assert c.vectors.matrix.shape == (0, 4)
    c.save(tmp_path / "empty")
    again = Collection.open(tmp_path / "empty")
    assert len(again) == 0 and again.dim == 4
    assert len(everyvec.load(tmp_path / "empty")) == 0


def test_bad_construction():
    with pytest.raises(ValueError, match="'dim' parameter of Collection"):
        Collection(0)
    with pytest.raises(ValueError, match="'metric' parameter of Collection"):
        Collection(3, metric="manhattan")
    with pytest.raises(ValueError, match="unknown index kind"):
        Collection(3, index="annoy")
    with pytest.raises(TypeError, match="must be a Vectors"):
        Collection.from_vectors(np.eye(3))


def test_from_vectors_with_metadata(vectors, metadata):
    c = Collection.from_vectors(vectors, metadata=metadata, metric="dot")
    assert c.keys == vectors.keys and c.metric == "dot"
    assert c.metadata("k4") == metadata[4]
    assert c.vectors is vectors  # unchanged: the very rows it was given
    by_key = Collection.from_vectors(vectors, metadata={"k1": {"x": 1}})
    assert by_key.metadata("k1") == {"x": 1} and by_key.metadata("k2") == {}
    with pytest.raises(MissingKeyError, match="'k999'"):
        Collection.from_vectors(vectors, metadata={"k999": {}})
    with pytest.raises(ValueError, match="aligned"):
        Collection.from_vectors(vectors, metadata=[{}])


def test_metadata_is_checked(small):
    with pytest.raises(TypeError, match=r"key 'x'.*set"):
        small.upsert(["x"], np.ones((1, 8)), metadata=[{"tags": {"a"}}])
    with pytest.raises(ValueError, match=r"key 'x'.*nan"):
        small.upsert(["x"], np.ones((1, 8)), metadata=[{"score": float("nan")}])
    with pytest.raises(TypeError, match="field name 1"):
        small.upsert(["x"], np.ones((1, 8)), metadata=[{1: "a"}])
    with pytest.raises(TypeError, match="must be a dict"):
        small.upsert(["x"], np.ones((1, 8)), metadata=["label"])
    assert "x" not in small
    small.upsert("x", np.ones(8), {"t": (1, 2), "f": np.float32(0.5), "b": np.bool_(True)})
    assert small.metadata("x") == {"t": [1, 2], "f": 0.5, "b": True}


# -- changes -----------------------------------------------------------------------------
def test_upsert_delete_and_readd(small, vectors):
    small.upsert(["new", "k3"], np.ones((2, 8)), metadata=[{"lang": "xx"}, None])
    assert len(small) == 41 and small.keys[-1] == "new" and small.keys[3] == "k3"
    np.testing.assert_array_equal(small.vector("k3"), np.ones(8, np.float32))
    assert small.metadata("k3") == {} and small.metadata("new") == {"lang": "xx"}
    assert small.delete(["k3", "new"]) == 2
    assert "k3" not in small and len(small) == 39 and len(small.index) == 39
    small.upsert(["k3"], vectors["k3"])
    assert small.keys[-1] == "k3"  # re-added keys go last
    np.testing.assert_array_equal(small.vector("k3"), vectors["k3"])
    assert small.search(vectors["k3"], k=1)[0][0][0] == "k3"


def test_upsert_metadata_only_and_keep(small, vectors):
    small.upsert(["k5"], vectors["k5"], metadata=[{"lang": "zz"}])
    np.testing.assert_array_equal(small.vector("k5"), vectors["k5"])
    assert small.metadata("k5") == {"lang": "zz"}
    small.upsert(["k5"], vectors["k5"] * 2)  # metadata=None keeps it
    assert small.metadata("k5") == {"lang": "zz"}
    small.upsert({"k5": None}.keys(), [vectors["k5"]], metadata={"k5": None})  # resets it
    assert small.metadata("k5") == {}


def test_unknown_keys(small):
    with pytest.raises(MissingKeyError, match="did you mean") as info:
        small.vector("K1")
    assert "k1" in info.value.suggestions
    with pytest.raises(MissingKeyError):
        small.metadata("nope")
    with pytest.raises(MissingKeyError, match="'k400'"):
        small.delete(["k1", "k400"])
    assert "k1" in small  # nothing was removed
    assert small.delete(["k1", "k400"], missing_ok=True) == 1
    assert small.delete("k400", missing_ok=True) == 0
    with pytest.raises(MissingKeyError):
        small.most_similar("nope")


def test_bad_changes(small):
    with pytest.raises(ValueError, match="8 columns"):
        small.upsert(["a"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        small.upsert(["a"], np.full((1, 8), np.nan))
    with pytest.raises(ValueError, match="duplicate key"):
        small.upsert(["a", "a"], np.ones((2, 8)))
    with pytest.raises(ValueError, match="newline"):
        small.upsert(["a\nb"], np.ones((1, 8)))
    with pytest.raises(TypeError, match="non-empty strings"):
        small.upsert([""], np.ones((1, 8)))
    with pytest.raises(ValueError, match="pair up"):
        small.upsert(["a", "b"], np.ones((1, 8)))
    small.upsert([], np.empty((0, 8)))
    assert len(small) == 40


def test_many_updates_compact_the_change_buffer(vectors):
    c = Collection.from_vectors(vectors)
    rng = np.random.default_rng(1)
    expected = {}
    for step in range(60):
        keys = [f"k{i}" for i in rng.choice(40, 10, replace=False)] + [f"n{step}"]
        rows = rng.normal(size=(len(keys), 8)).astype(np.float32)
        c.upsert(keys, rows)
        expected.update(zip(keys, rows, strict=True))
        c.delete([f"n{step - 1}"], missing_ok=True)
        expected.pop(f"n{step - 1}", None)
    assert set(c.keys) == set(expected)
    for key, row in expected.items():
        np.testing.assert_array_equal(c.vector(key), row)
    np.testing.assert_array_equal(c.vectors[c.keys[0]], expected[c.keys[0]])


# -- queries -----------------------------------------------------------------------------
def test_search_matches_brute_force(small, vectors):
    query = vectors.matrix[:3] + 0.1
    found = small.search(query, k=5)
    for i in range(3):
        expected = brute_force(vectors.matrix, query[i], 5)
        assert list(found.keys[i]) == [vectors.keys[j] for j in expected]


def test_filters(small, metadata):
    query = np.ones(8)
    found = small.search(query, k=40, filter={"lang": "de"})[0]
    assert {small.metadata(k)["lang"] for k, _ in found} == {"de"}
    assert len(found) == sum(m["lang"] == "de" for m in metadata)
    any_of = {k for k, _ in small.search(query, k=40, filter={"lang": ["de", "fr"]})[0]}
    assert any_of == {f"k{i}" for i, m in enumerate(metadata) if m["lang"] in ("de", "fr")}
    both = {k for k, _ in small.search(query, k=40, filter={"lang": "en", "even": True})[0]}
    assert both == {f"k{i}" for i, m in enumerate(metadata) if m["lang"] == "en" and i % 2 == 0}
    assert not {k for k, _ in small.search(query, k=40, filter={"even": 1})[0]}  # 1 is not True
    func = {k for k, _ in small.search(query, k=40, filter=lambda m: m["n"] < 5)[0]}
    assert func == {f"k{i}" for i in range(5)}
    assert small.search(query, k=3, filter={"lang": "none"}).keys.tolist() == [[None] * 3]
    assert small.search(query, k=3, filter={"missing": None})[0] == []


def test_filter_value_types(small):
    query = np.ones(8)
    as_float = {k for k, _ in small.search(query, k=40, filter={"n": [3.0, np.int64(4)]})[0]}
    assert as_float == {"k3", "k4"}  # JSON numbers: 3 == 3.0
    assert {k for k, _ in small.search(query, k=40, filter={"lang": np.str_("fr"),
                                                            "even": np.bool_(True)})[0]} == {
        f"k{i}" for i in range(40) if i % 3 == 2 and i % 2 == 0}
    small.upsert(["t"], query, metadata=[{"tags": ["a"], "none": None}])
    assert small.search(query, k=40, filter={"tags": "a"})[0] == []  # lists match nothing
    assert [k for k, _ in small.search(query, k=40, filter={"none": None})[0]] == ["t"]


def test_filter_cache_follows_changes(small):
    query = np.ones(8)
    first = small.search(query, k=40, filter={"lang": "de"})[0]
    small.upsert(["k1"], np.ones(8), metadata=[{"lang": "en"}])  # k1 was "de"
    second = small.search(query, k=40, filter={"lang": "de"})[0]
    assert "k1" in {k for k, _ in first} and "k1" not in {k for k, _ in second}
    small.upsert(["z"], np.ones(8), metadata=[{"lang": "de"}])
    assert small.search(query, k=1, filter={"lang": "de"})[0][0][0] == "z"


@pytest.mark.parametrize("bad, kind, match", [
    (5, TypeError, "'filter' parameter of Collection.search"),
    ("lang=de", TypeError, "'filter' parameter"),
    ({"lang": {"in": ["de"]}}, TypeError, "field 'lang'"),
    ({"lang": [["de"]]}, TypeError, "field 'lang'"),
    ({1: "de"}, TypeError, "field names"),
    ({"n": float("nan")}, ValueError, "nan"),
    (lambda m: None, TypeError, "must return True or False"),
])
def test_bad_filters(small, bad, kind, match):
    with pytest.raises(kind, match=match):
        small.search(np.ones(8), k=3, filter=bad)


def test_most_similar_matches_vectors(small, vectors):
    for positive, negative in [("k1", ()), (["k1", "k2"], ["k3"]),
                               ([vectors["k7"], "k8"], None), ([("k1", 2.0)], "k9")]:
        got = small.most_similar(positive, negative, k=5)
        want = vectors.most_similar(positive, negative, topn=5)
        assert [k for k, _ in got] == [k for k, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
    assert all(k not in ("k1", "k2", "k3") for k, _ in small.most_similar(["k1", "k2"], "k3"))
    filtered = small.most_similar("k1", k=5, filter={"lang": "fr"})
    assert len(filtered) == 5 and {small.metadata(k)["lang"] for k, _ in filtered} == {"fr"}
    with pytest.raises(ValueError, match="at least one"):
        small.most_similar([])
    with pytest.raises(ValueError, match="'k' parameter"):
        small.most_similar("k1", k=0)


# -- saving and opening ------------------------------------------------------------------
def test_round_trip(tmp_path, small, vectors, same_content):
    small.upsert(["extra"], np.ones(8), metadata=[{"lang": "日本語", "f": 0.1}])
    small.delete(["k0"])
    small.provenance["source"] = "test"
    path = small.save(tmp_path / "col")
    assert small.path == path
    again = Collection.open(path)
    same_content(small, again)
    assert again.provenance == {"source": "test"}
    query = vectors.matrix[:4]
    a, b = small.search(query, k=6, filter={"lang": "en"}), again.search(query, k=6,
                                                                         filter={"lang": "en"})
    assert a.keys.tolist() == b.keys.tolist()
    np.testing.assert_array_equal(a.scores, b.scores)
    assert isinstance(again.vectors.matrix, np.memmap)
    in_memory = Collection.open(path, mmap=False)
    assert not isinstance(in_memory.vectors.matrix, np.memmap)
    same_content(small, in_memory)


def test_folder_layout_and_plain_load(tmp_path, small):
    path = small.save(tmp_path / "col")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format"] == "everyvec.vectors"
    assert manifest["files"]["vectors"]["name"] == "v000001/vectors.npy"
    assert manifest["collection"] == {
        "format_version": 1, "version": "v000001", "metadata": "v000001/metadata.jsonl",
        "index_spec": "exact", "metric": "cosine", "index": "v000001/index"}
    assert sorted(p.name for p in (path / "v000001").iterdir()) == [
        "index", "keys.txt", "metadata.jsonl", "vectors.npy"]
    plain = everyvec.load(path)
    assert isinstance(plain, Vectors) and plain.keys == small.keys
    np.testing.assert_array_equal(plain.matrix, small.vectors.matrix)
    everyvec.vectors.formats.verify_native(path)
    lines = (path / "v000001" / "metadata.jsonl").read_text().splitlines()
    assert json.loads(lines[3]) == small.metadata("k3")
    # A second save compacts: one snapshot, no log.
    small.upsert(["x"], np.ones(8))
    small.save()
    assert sorted(p.name for p in path.iterdir() if p.name != "lock") == [
        "manifest.json", "v000002"]


def test_open_plain_vectors_read_only(tmp_path, vectors):
    for form, name in (("native", "plain"), ("word2vec", "plain.txt")):
        where = vectors.save(tmp_path / name, format=form)
        c = Collection.open(where)
        assert c.keys == vectors.keys and c.metadata("k1") == {} and c.index_spec == "exact"
        assert c.search(vectors["k2"], k=1)[0][0][0] == "k2"
        with pytest.raises(io.UnsupportedOperation, match="read-only"):
            c.upsert(["x"], np.ones(8))
        with pytest.raises(io.UnsupportedOperation, match="plain vectors"):
            Collection.open(where, writable=True)
        copy = c.save(tmp_path / f"{name}-col")
        assert Collection.open(copy).keys == vectors.keys


def test_read_only_collection_refuses_changes(tmp_path, small):
    path = small.save(tmp_path / "col")
    c = Collection.open(path)
    with pytest.raises(io.UnsupportedOperation, match="writable=True"):
        c.delete(["k1"])
    with pytest.raises(io.UnsupportedOperation, match="read-only"):
        c.save()
    other = c.save(tmp_path / "copy")  # a copy elsewhere is fine
    assert Collection.open(other).keys == small.keys


def test_save_refuses_foreign_folders(tmp_path, small, vectors):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an everyvec collection"):
        small.save(tmp_path / "junk")
    vectors.save(tmp_path / "plain")
    with pytest.raises(FileExistsError, match="plain vectors"):
        small.save(tmp_path / "plain")
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError, match="not a folder"):
        small.save(tmp_path / "file")
    with pytest.raises(ValueError, match="pass save"):
        Collection(3).save()


def test_save_over_another_collection(tmp_path, small, same_content):
    path = Collection(8, metric="dot").save(tmp_path / "col")
    small.save(path)
    again = Collection.open(path)
    same_content(small, again)


def test_one_writer(tmp_path, small):
    path = small.save(tmp_path / "col")
    with Collection.open(path, writable=True) as writer:
        with pytest.raises(EveryvecError, match="open for writing elsewhere"):
            Collection.open(path, writable=True)
        with pytest.raises(EveryvecError, match="open for writing elsewhere"):
            small.save()
        Collection.open(path)  # readers are welcome
        assert writer.writable and writer.logged
    with Collection.open(path, writable=True):
        pass


def test_iteration_and_repr(tmp_path, small):
    assert list(small) == small.keys and len(small) == 40
    assert repr(small) == "<Collection 40 keys × 8 dims, cosine, index 'exact'>"
    path = small.save(tmp_path / "col")
    with Collection.open(path, writable=True) as c:
        assert repr(c).endswith("logged>") and str(path) in repr(c)
        assert c.writable and c.logged
    assert small.writable and not small.logged
    assert not Collection.open(path).writable


def test_closed_collection(small):
    small.close()
    small.close()
    with pytest.raises(ValueError, match="closed"):
        small.search(np.ones(8))
    with pytest.raises(ValueError, match="closed"):
        small.upsert(["x"], np.ones(8))
    assert "closed" in repr(small)


def test_other_metrics(tmp_path, vectors, same_content):
    for metric in ("dot", "euclidean"):
        c = Collection.from_vectors(vectors, metric=metric)
        found = c.search(vectors["k3"], k=2)
        assert found.metric == metric
        assert metric == "dot" or found.keys[0, 0] == "k3"  # dot favours long rows
        again = Collection.open(c.save(tmp_path / metric))
        same_content(c, again)
        np.testing.assert_array_equal(again.search(vectors["k3"], k=2).scores, found.scores)


@pytest.mark.parametrize("spec", ["hnsw:M=8,ef=32", "ivfflat:nlist=4,nprobe=4"])
def test_approximate_index_round_trip(tmp_path, vectors, spec):
    pytest.importorskip("faiss")
    c = Collection.from_vectors(vectors, index=spec)
    assert c.index_spec.startswith(spec)
    c.upsert(["new"], vectors["k9"] + 0.01)
    again = Collection.open(c.save(tmp_path / "col"))
    assert again.index_spec == c.index_spec and len(again.index) == 41
    assert again.search(vectors["k9"], k=2)[0][0][0] in ("k9", "new")
    with Collection.open(tmp_path / "col", writable=True) as w:
        w.delete(["new"])
    assert "new" not in Collection.open(tmp_path / "col").index


def test_milvus_index_is_a_pointer(tmp_path, vectors):
    pytest.importorskip("milvus_lite")
    spec = f"milvus:uri={tmp_path}/milvus.db,collection=words"
    c = Collection.from_vectors(vectors.restrict(10), index=spec)
    path = c.save(tmp_path / "col")
    c.close()
    with Collection.open(path, writable=True) as w:
        w.upsert(["new"], vectors["k20"])
        w.delete(["k1"])
        assert w.search(vectors["k20"], k=1)[0][0][0] == "new"
    # A logged change that never reached Milvus (a crash between the two) is applied on open.
    from everyvec.collection.log import delete_line

    with open(path / "log.jsonl", "ab") as log:
        log.write(delete_line("v000001", ["k2"]))
    with Collection.open(path, writable=True) as w:
        assert len(w.index) == len(w) == 9 and "k2" not in w.index and "new" in w.index
        w.save()
