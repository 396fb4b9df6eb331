"""The FAISS backends beyond the conformance suite: parameters, tombstones, training, files.

The wrapper must give what raw FAISS gives for the same data and parameters, so several tests
build the raw FAISS index by hand and compare.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

faiss = pytest.importorskip("faiss")

from everyvec.errors import FormatError  # noqa: E402
from everyvec.index import load_index, make_index  # noqa: E402
from everyvec.index._faiss_keys import KeyTable  # noqa: E402
from everyvec.index.faiss import (  # noqa: E402
    FaissFlatIndex,
    FaissHNSWIndex,
    FaissIVFFlatIndex,
    FaissIVFPQIndex,
)


@pytest.fixture(autouse=True)
def one_thread():
    """One OpenMP thread: HNSW builds become deterministic, and a busy machine stays fast."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


def clustered(n: int, dim: int, clusters: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32) * 3
    labels = rng.integers(clusters, size=n)
    return (centres[labels] + rng.normal(size=(n, dim))).astype(np.float32)


def keys_for(n: int, start: int = 0) -> list[str]:
    return [f"w{i}" for i in range(start, start + n)]


def unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


# -- the key table ---------------------------------------------------------------------------

def test_key_table_hands_out_ids_in_order_and_never_reuses_them():
    table = KeyTable()
    assert list(table.assign(["a", "b", "c"])) == [0, 1, 2]
    assert list(table.remove(["b"])) == [1]
    assert list(table.assign(["b", "d"])) == [3, 4]
    assert len(table) == 4 and table.dead == 1 and "b" in table and "x" not in table
    assert list(table.ids_of(["d", "x", "a"])) == [4, 0]
    labels = np.array([[4, 0, -1], [1, -1, -1]])
    assert table.keys_of(labels).tolist() == [["d", "a", None], [None, None, None]]
    assert list(table.compact()) == [0, 2, 3, 4]
    assert table.keys_of(np.arange(4)).tolist() == ["a", "c", "b", "d"] and table.dead == 0
    for start in range(0, 1000, 7):  # growth keeps the None slot for -1
        table.assign([f"k{i}" for i in range(start, start + 7)])
    assert table.keys_of(np.array([-1, 1003]))[0] is None and table.next_id == 1005


# -- parameters and spec strings -------------------------------------------------------------

def test_kinds_and_classes():
    for spec, cls in [("flat", FaissFlatIndex), ("hnsw", FaissHNSWIndex),
                      ("ivfflat", FaissIVFFlatIndex), ("ivfpq", FaissIVFPQIndex)]:
        index = make_index(spec, dim=16)
        assert type(index) is cls and cls.kind == spec
    assert FaissFlatIndex.exact and not FaissHNSWIndex.exact


def test_defaults_appear_in_the_spec():
    assert make_index("hnsw", dim=8).spec == "hnsw:M=32,ef=128,ef_construction=200"
    assert make_index("ivfflat", dim=8).spec == "ivfflat:nlist=1024,nprobe=16"
    assert make_index("ivfpq", dim=32).spec == "ivfpq:nlist=1024,m=16,nbits=8,nprobe=16,rerank=8"


@pytest.mark.parametrize("spec", ["flat", "hnsw:M=8,ef=20,ef_construction=40",
                                  "ivfflat:nlist=4,nprobe=2",
                                  "ivfpq:nlist=4,m=4,nbits=6,nprobe=3,rerank=2"])
def test_spec_round_trips_to_the_same_parameters(spec):
    index = make_index(spec, dim=16, metric="dot")
    again = make_index(index.spec, dim=16, metric="dot")
    assert type(again) is type(index) and again.params == index.params
    assert again.spec == index.spec


def test_m_must_divide_the_dimension():
    with pytest.raises(ValueError, match="'m' parameter of FaissIVFPQIndex must divide the "
                                         r"dimension 300 .*e\.g\. 12, 15, 20\. Got 16"):
        make_index("ivfpq", dim=300)
    make_index("ivfpq:m=10", dim=30)  # fine


@pytest.mark.parametrize(("spec", "error", "match"), [
    ("hnsw:efSearch=10", ValueError, "unknown parameter 'efSearch'.*M, ef, ef_construction"),
    ("flat:M=4", ValueError, "unknown parameter 'M'"),
    ("hnsw:M=2.5", TypeError, "'M' parameter .* must be int"),
    ("hnsw:ef=fast", TypeError, "'ef' parameter .* must be int"),
    ("hnsw:M=1", ValueError, "'M' parameter of FaissHNSWIndex must be an int >= 2"),
    ("ivfflat:nprobe=0", ValueError, "'nprobe' parameter .* must be > 0"),
    ("ivfpq:m=4,nbits=17", ValueError, "'nbits' parameter of FaissIVFPQIndex must be an int "
                                       "in 1..16"),
    ("ivfpq:m=4,rerank=-1", ValueError, "'rerank' parameter .* must be > 0"),
])
def test_bad_parameters_are_refused_clearly(spec, error, match):
    with pytest.raises(error, match=match):
        make_index(spec, dim=16)


@pytest.mark.parametrize(("spec", "tuned", "fixed"), [
    ("hnsw:M=8,ef=4", {"ef": 64}, "M"),
    ("ivfflat:nlist=16,nprobe=1", {"nprobe": 16}, "nlist"),
    ("ivfpq:nlist=16,m=4,nprobe=1,rerank=1", {"nprobe": 16, "rerank": 20}, "m"),
])
def test_tune_changes_search_parameters_only(spec, tuned, fixed, tmp_path):
    data = clustered(1000, 16, 3, seed=2)  # few clusters, many lists: nprobe=1 misses a lot
    index, exact = make_index(spec, dim=16), make_index("flat", dim=16)
    for each in (index, exact):
        each.add(keys_for(1000), data)
    truth = exact.search(data[:100] + 0.3, k=10).keys

    def recall():
        found = index.search(data[:100] + 0.3, k=10).keys
        return sum(len(set(a) & set(b)) for a, b in zip(found, truth, strict=True)) / truth.size

    assert recall() < 0.9
    index.tune(**tuned)
    assert recall() >= 0.99
    assert make_index(index.spec, dim=16).params == index.params
    index.save(tmp_path / "saved")
    assert load_index(tmp_path / "saved").params == index.params
    with pytest.raises(ValueError, match=f"{fixed!r} cannot change"):
        index.tune(**{fixed: 4})


# -- the wrapper gives what raw FAISS gives --------------------------------------------------

def raw_search(factory, data, queries, k, metric, setup=None):
    faiss_metric = faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT
    if metric == "cosine":
        data, queries = unit(data), unit(queries)
    raw = faiss.index_factory(data.shape[1], factory, faiss_metric)
    if setup:
        setup(raw)
    if not raw.is_trained:
        raw.train(data)
    raw.add(data)
    scores, labels = raw.search(queries, k)
    return scores, labels


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize(("spec", "factory", "setup"), [
    ("flat", "Flat", None),
    ("hnsw:M=12,ef=24,ef_construction=50", "HNSW12,Flat",
     lambda r: (setattr(r.hnsw, "efSearch", 24), setattr(r.hnsw, "efConstruction", 50))),
    ("ivfflat:nlist=8,nprobe=2", "IVF8,Flat", lambda r: setattr(r, "nprobe", 2)),
    ("ivfpq:nlist=8,m=8,nprobe=2,rerank=3", "IVF8,PQ8x8np,RFlat",
     lambda r: (setattr(r, "k_factor", 3.0), setattr(faiss.extract_index_ivf(r), "nprobe", 2))),
])
def test_results_equal_raw_faiss(spec, factory, setup, metric):
    data = clustered(1500, 32, 12, seed=3)
    queries = clustered(40, 32, 12, seed=4)
    index = make_index(spec, dim=32, metric=metric)
    keys = keys_for(len(data))
    index.add(keys, data)
    found = index.search(queries, k=7)
    scores, labels = raw_search(factory, data, queries, 7, metric, setup)
    assert (labels >= 0).all()
    assert (found.keys == np.array(keys, dtype=object)[labels]).all()
    expected = np.sqrt(np.maximum(scores, 0)) if metric == "euclidean" else scores
    np.testing.assert_allclose(found.scores, expected, rtol=1e-5, atol=1e-5)


def test_tiny_ivf_index_is_exact_until_it_can_train():
    data = clustered(400, 16, 5, seed=5)
    index = make_index("ivfpq:nlist=8,m=4,nprobe=1,rerank=1", dim=16, metric="euclidean")
    exact = make_index("flat", dim=16, metric="euclidean")
    for start in range(0, 300, 50):  # 39 * 8 = 312 vectors are needed to train
        index.add(keys_for(50, start), data[start:start + 50])
        exact.add(keys_for(50, start), data[start:start + 50])
    assert not index.trained and len(index) == 300
    found, truth = index.search(data[:30], k=5), exact.search(data[:30], k=5)
    assert (found.keys == truth.keys).all()
    np.testing.assert_allclose(found.scores, truth.scores, rtol=1e-5, atol=1e-5)
    index.remove(keys_for(10))  # a tombstone in the buffer moves along at training
    index.add(keys_for(100, 300), data[300:400])
    assert index.trained and len(index) == 390 and index._index.ntotal == 390
    top = index.search(data[20:40], k=1).keys[:, 0]
    assert list(top) == keys_for(20, 20)


def test_ivfflat_trains_on_everything_buffered():
    data = clustered(700, 16, 6, seed=6)
    index = make_index("ivfflat:nlist=16,nprobe=3", dim=16, metric="dot")
    index.add(keys_for(600), data[:600])  # 39 * 16 = 624 are needed
    assert not index.trained
    index.remove(["w3"])
    index.add(keys_for(100, 600), data[600:])
    assert index.trained and len(index) == 699
    rows = np.r_[0:3, 4:700]
    scores, labels = raw_search("IVF16,Flat", data[rows], data[:20], 5, "dot",
                                lambda r: setattr(r, "nprobe", 3))
    found = index.search(data[:20], k=5)
    assert (found.keys == np.array(keys_for(700), dtype=object)[rows][labels]).all()


# -- HNSW: tombstones, recall, filters ------------------------------------------------------

def test_hnsw_removal_leaves_tombstones_until_half_are_dead():
    data = clustered(400, 16, 8, seed=8)
    index = make_index("hnsw:M=8,ef=32", dim=16, metric="euclidean")
    index.add(keys_for(400), data)
    index.remove(keys_for(150))
    assert len(index) == 250 and index._index.ntotal == 400 and index._table.dead == 150
    found = index.search(data[:200], k=10)
    assert not set(found.keys.ravel()) & set(keys_for(150))
    assert list(found.keys[150:, 0]) == keys_for(50, 150)
    # A filter naming removed keys does not bring them back.
    only = index.search(data[:5], k=3, filter=keys_for(2) + ["w399"])
    assert (only.keys[:, 0] == "w399").all() and (only.keys[:, 1:] == None).all()  # noqa: E711
    # Upserting a removed key gives it a fresh row; the old row stays dead.
    index.upsert(["w0"], data[399:400])
    assert set(index.search(data[399], k=2).keys[0]) == {"w0", "w399"}
    # More dead rows than live ones: the graph is rebuilt without them.
    index.remove(keys_for(150, 150))
    assert len(index) == 101 and index._table.dead == 0 and index._index.ntotal == 101
    found = index.search(data[300:399], k=1)
    assert list(found.keys[:, 0]) == keys_for(99, 300)


def test_hnsw_recall_on_clustered_data():
    data = clustered(4000, 48, 40, seed=9)
    queries = clustered(200, 48, 40, seed=10)
    index = make_index("hnsw:M=16,ef=64", dim=48)
    exact = make_index("flat", dim=48)
    for each in (index, exact):
        each.add(keys_for(4000), data)
    found, truth = index.search(queries, k=10), exact.search(queries, k=10)
    hits = sum(len(set(a) & set(b)) for a, b in zip(found.keys, truth.keys, strict=True))
    assert hits / truth.keys.size >= 0.95


@pytest.mark.parametrize("spec", ["hnsw:M=8,ef=16", "ivfflat:nlist=16,nprobe=1",
                                  "ivfpq:nlist=16,m=8,nprobe=1,rerank=2"])
def test_filtered_search_is_no_worse_than_unfiltered(spec):
    # Cheap parameters on purpose: unfiltered recall is poor, and a filter must not make it
    # worse (the search widens by the inverse allowed fraction); a small filter is exact.
    data = clustered(3000, 32, 30, seed=11)
    queries = clustered(50, 32, 30, seed=12)
    index, exact = make_index(spec, dim=32), make_index("flat", dim=32)
    for each in (index, exact):
        each.add(keys_for(3000), data)
    rng = np.random.default_rng(0)

    def recall(allowed):
        found = index.search(queries, k=10, filter=allowed)
        truth = exact.search(queries, k=10, filter=allowed)
        assert allowed is None or set(found.keys.ravel()) <= allowed
        hits = sum(len(set(a) & set(b)) for a, b in zip(found.keys, truth.keys, strict=True))
        return hits / truth.keys.size

    unfiltered = recall(None)
    assert unfiltered < 0.9
    for fraction in (0.5, 0.3, 0.1):
        assert recall({key for key in keys_for(3000) if rng.random() < fraction}) >= unfiltered
    assert recall({key for key in keys_for(3000) if rng.random() < 0.02}) == 1.0


def test_ivfpq_tombstones_and_rebuild_keep_training():
    data = clustered(900, 16, 6, seed=13)
    index = make_index("ivfpq:nlist=4,m=4,nprobe=4,rerank=4", dim=16, metric="euclidean")
    index.add(keys_for(900), data)
    assert index.trained
    quantiser = faiss.vector_to_array(faiss.downcast_index(index._index.base_index).pq.centroids)
    index.remove(keys_for(500))
    assert len(index) == 400 and index._index.ntotal == 400  # rebuilt: dead > live
    after = faiss.vector_to_array(faiss.downcast_index(index._index.base_index).pq.centroids)
    np.testing.assert_array_equal(quantiser, after)
    found = index.search(data[500:600], k=1)
    assert list(found.keys[:, 0]) == keys_for(100, 500)


def test_short_results_are_padded_by_trained_indexes():
    data = clustered(700, 16, 4, seed=14)
    index = make_index("ivfpq:nlist=4,m=4,nprobe=1", dim=16)
    index.add(keys_for(700), data)
    found = index.search(data[:3], k=5, filter=["w1", "w2"])
    assert (found.keys[:, 2:] == None).all() and np.isnan(found.scores[:, 2:]).all()  # noqa: E711
    assert not np.isnan(found.scores[:, :2]).any()


# -- persistence ---------------------------------------------------------------------------

SPECS = ["flat", "hnsw:M=8,ef=32", "ivfflat:nlist=4,nprobe=2", "ivfpq:nlist=4,m=4,nprobe=2"]


def mapped_files() -> str:
    maps = Path("/proc/self/maps")
    return maps.read_text() if maps.exists() else ""


@pytest.mark.parametrize("spec", SPECS + ["ivfflat:nlist=64", "ivfpq:nlist=64,m=4"])  # buffers
def test_mmap_load_maps_the_file_and_copies_before_changes(spec, tmp_path):
    data = clustered(600, 16, 5, seed=15)
    index = make_index(spec, dim=16, metric="euclidean")
    index.add(keys_for(500), data[:500])
    index.remove(["w7"])
    before = index.search(data[:20], k=4)
    index.save(tmp_path / "saved")
    mapped = load_index(tmp_path / "saved")
    plain = load_index(tmp_path / "saved", mmap=False)
    assert mapped._mapped and not plain._mapped
    if mapped_files():
        assert str(tmp_path / "saved" / "index.faiss") in mapped_files()
    for loaded in (mapped, plain):
        after = loaded.search(data[:20], k=4)
        assert (after.keys == before.keys).all()
        np.testing.assert_allclose(after.scores, before.scores, rtol=1e-6)
    # Changing a mapped index first copies it (FAISS would abort on a mapped array).
    mapped.remove(["w8", "w9"])
    mapped.add(keys_for(100, 500), data[500:])
    assert not mapped._mapped and len(mapped) == 597
    assert mapped.search(data[550], k=1).keys[0, 0] == "w550"


@pytest.mark.parametrize("spec", SPECS)
def test_keys_with_any_characters_survive_saving(spec, tmp_path):
    keys = ["new\nline", "tab\there", "naïve", "日本", "quote\"s", "null"]
    index = make_index(spec, dim=8, metric="dot")
    data = np.eye(8, dtype=np.float32)[:6] * 2
    index.add(keys, data)
    index.save(tmp_path / "saved")
    loaded = load_index(tmp_path / "saved")
    assert list(loaded.search(data, k=1).keys[:, 0]) == keys


def test_tombstones_survive_saving(tmp_path):
    data = clustered(300, 16, 4, seed=16)
    index = make_index("hnsw:M=8", dim=16)
    index.add(keys_for(300), data)
    index.remove(keys_for(100))
    index.save(tmp_path / "saved")
    header = json.loads((tmp_path / "saved" / "index.json").read_text())
    assert header["backend"]["tombstones"] == 100 and header["count"] == 200
    stored = json.loads((tmp_path / "saved" / "keys.json").read_text())
    assert stored[:100] == [None] * 100 and stored[100] == "w100"
    loaded = load_index(tmp_path / "saved")
    assert len(loaded) == 200 and loaded._table.dead == 100
    assert not set(loaded.search(data[:100], k=5).keys.ravel()) & set(keys_for(100))


@pytest.fixture
def saved(tmp_path):
    index = make_index("hnsw:M=8", dim=16)
    index.add(keys_for(50), clustered(50, 16, 3, seed=17))
    return index.save(tmp_path / "saved")


def test_a_truncated_faiss_file_is_a_format_error(saved):
    path = saved / "index.faiss"
    path.write_bytes(path.read_bytes()[:200])
    for mmap in (True, False):
        with pytest.raises(FormatError, match=r"index\.faiss.*not a FAISS index"):
            load_index(saved, mmap=mmap)


@pytest.mark.parametrize(("content", "match"), [
    ("{not json", "not valid UTF-8 JSON"),
    ('{"w0": 0}', "expected a JSON array"),
    ('["w0", 3]', "entry 1 is 3"),
    ('["w0", "w0"]', "'w0' occurs twice"),
    ('["w0", "w1"]', "holds 2 keys but index.json says count 50"),
])
def test_bad_keys_file_is_a_format_error(saved, content, match):
    (saved / "keys.json").write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=r"keys\.json.*" + match):
        load_index(saved)


def test_missing_files_are_format_errors(saved):
    (saved / "index.faiss").unlink()
    with pytest.raises(FormatError, match=r"index\.faiss: missing"):
        load_index(saved)
    (saved / "keys.json").unlink()
    with pytest.raises(FormatError, match=r"keys\.json: missing"):
        load_index(saved)


def test_a_faiss_file_of_another_kind_is_refused(saved, tmp_path):
    flat = make_index("flat", dim=16)
    flat.add(keys_for(50), clustered(50, 16, 3, seed=17))
    flat.save(tmp_path / "flat")
    (saved / "index.faiss").write_bytes((tmp_path / "flat" / "index.faiss").read_bytes())
    with pytest.raises(FormatError, match=r"index\.faiss: holds a FAISS IndexIDMap; expected an "
                                          "IndexHNSWFlat"):
        load_index(saved)


def test_header_and_faiss_file_must_agree(saved):
    header = json.loads((saved / "index.json").read_text())
    header["metric"] = "euclidean"
    (saved / "index.json").write_text(json.dumps(header))
    with pytest.raises(FormatError, match="metric type 0; expected dimension 16, metric "
                                          "'euclidean'"):
        load_index(saved)
    header["metric"], header["spec"] = "cosine", "hnsw:M=1"
    (saved / "index.json").write_text(json.dumps(header))
    with pytest.raises(FormatError, match=r"index\.json: bad spec 'hnsw:M=1'"):
        load_index(saved)
