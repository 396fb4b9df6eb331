"""Vectors queries: similarity, most_similar (3CosAdd/3CosMul, metrics), batches, ranks.

Most checks compare against gensim's KeyedVectors on the same small random vectors, or against
a brute-force NumPy computation written out here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec import MissingKeyError, Vectors
from everyvec.vectors import ops

gensim_models = pytest.importorskip("gensim.models")
# gensim's most_similar_cosmul calls its own deprecated init_sims.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

V, D = 300, 12


def _random_vectors(n: int = V, d: int = D, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    return [f"w{i}" for i in range(n)], rng.standard_normal((n, d)).astype(np.float32)


@pytest.fixture(scope="module")
def pair() -> tuple[Vectors, object]:
    keys, m = _random_vectors()
    kv = gensim_models.KeyedVectors(D)
    kv.add_vectors(keys, m)
    return Vectors(keys, m), kv


def _same(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> None:
    assert [k for k, _ in ours] == [k for k, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ similarity and friends
def test_similarity_matches_gensim_and_pairs(pair):
    v, kv = pair
    assert v.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")), abs=1e-6)
    many = v.similarity(["w1", "w3", "w5"], ["w2", "w4", "w6"])
    assert many.shape == (3,)
    expected = [kv.similarity(a, b) for a, b in (("w1", "w2"), ("w3", "w4"), ("w5", "w6"))]
    np.testing.assert_allclose(many, expected, atol=1e-6)
    # one against many broadcasts; vectors work as well as keys
    np.testing.assert_allclose(v.similarity("w1", ["w2", "w4"]),
                               [kv.similarity("w1", "w2"), kv.similarity("w1", "w4")], atol=1e-6)
    assert v.similarity(v["w1"], "w2") == pytest.approx(v.similarity("w1", "w2"), abs=1e-6)
    assert v.similarity("w1", "w2", metric="dot") == pytest.approx(
        float(v["w1"] @ v["w2"]), rel=1e-5)


def test_similarity_zero_vector_is_zero_not_nan():
    v = Vectors(["a", "z"], [[1.0, 2.0], [0.0, 0.0]])
    assert v.similarity("a", "z") == 0.0
    assert v.similarity("z", "z") == 0.0
    assert not np.isnan(v.distances("z")).any()


def test_similarity_bad_arguments(pair):
    v, _ = pair
    with pytest.raises(MissingKeyError, match="did you mean"):
        v.similarity("w1", "W2")
    with pytest.raises(ValueError, match="same number"):
        v.similarity(["w1", "w2"], ["w1", "w2", "w3"])
    with pytest.raises(ValueError, match="metric"):
        v.similarity("w1", "w2", metric="euclidean")
    with pytest.raises(ValueError, match="shape"):
        v.similarity(np.ones(D + 1), "w1")
    with pytest.raises(ValueError, match="NaN"):
        v.similarity(np.full(D, np.nan), "w1")
    with pytest.raises(TypeError):
        v.similarity(3, "w1")
    with pytest.raises(ValueError, match="empty"):
        v.similarity([], "w1")


def test_distances_rank_doesnt_match_match_gensim(pair):
    v, kv = pair
    np.testing.assert_allclose(v.distances("w3"), kv.distances("w3"), atol=1e-5)
    np.testing.assert_allclose(v.distances("w3", ["w1", "w9"]), kv.distances("w3", ["w1", "w9"]),
                               atol=1e-6)
    eu = v.distances("w3", metric="euclidean")
    np.testing.assert_allclose(eu, np.linalg.norm(v.matrix - v["w3"], axis=1), rtol=1e-5)
    for a, b in (("w1", "w2"), ("w7", "w100"), ("w5", "w5")):
        assert v.rank(a, b) == kv.rank(a, b)
    words = ["w1", "w2", "w3", "w4", "w50"]
    assert v.doesnt_match(words) == kv.doesnt_match(words)
    with pytest.raises(ValueError, match="at least 2"):
        v.doesnt_match(["w1"])
    with pytest.raises(TypeError):
        v.doesnt_match("w1 w2")
    with pytest.raises(MissingKeyError):
        v.doesnt_match(["w1", "nope"])
    with pytest.raises(ValueError, match="metric"):
        v.distances("w1", metric="dot")


def test_rank_euclidean_counts_closer_keys():
    v = Vectors(["o", "a", "b", "c"], [[0, 0], [1, 0], [3, 0], [2, 0]])
    assert v.rank("o", "a", metric="euclidean") == 1
    assert v.rank("o", "b", metric="euclidean") == 3
    assert v.rank("o", "c", metric="euclidean") == 2


# ------------------------------------------------------------------ most_similar vs gensim
@pytest.mark.parametrize(
    ("positive", "negative", "restrict"),
    [
        ("w1", None, None),
        (["w1", "w2"], ["w3"], None),
        (["w1", "w2"], ["w3"], 120),
        ([("w1", 2.0), "w4"], [("w3", 0.5)], None),  # a negative item's own weight wins
        (None, ["w8"], None),
        (["w9", "w9"], None, 50),
    ],
)
def test_most_similar_3cosadd_matches_gensim(pair, positive, negative, restrict):
    v, kv = pair
    ours = v.most_similar(positive, negative, topn=7, restrict_vocab=restrict)
    theirs = kv.most_similar(positive=positive, negative=negative, topn=7,
                             restrict_vocab=restrict)
    _same(ours, theirs)


def test_most_similar_with_vectors_matches_gensim(pair):
    v, kv = pair
    rng = np.random.default_rng(5)
    raw = (rng.standard_normal(D) * 3).astype(np.float32)  # raw vectors are not normalised
    _same(v.most_similar([raw, "w2"], ["w7"], topn=5), kv.most_similar([raw, "w2"], ["w7"], topn=5))
    _same(v.similar_by_vector(raw, topn=5, restrict_vocab=100),
          kv.similar_by_vector(raw, topn=5, restrict_vocab=100))
    # a 2-D array is a list of vectors
    two = np.stack([v["w1"], raw])
    _same(v.most_similar(two, topn=4), kv.most_similar(two, topn=4))
    # a vector equal to a key's row is not excluded (only keys are)
    assert v.similar_by_vector(v["w3"], topn=1)[0][0] == "w3"


def test_most_similar_3cosmul_matches_gensim(pair):
    v, kv = pair
    for pos, neg in ((["w1", "w2"], ["w3"]), ("w4", None), (["w5", "w6", "w7"], ["w8", "w9"])):
        _same(v.most_similar(pos, neg, topn=6, method="3cosmul"),
              kv.most_similar_cosmul(positive=pos, negative=neg, topn=6))


def test_most_similar_topn_none_and_results_sorted(pair):
    v, kv = pair
    everything = v.most_similar("w1", topn=None)
    assert len(everything) == V - 1
    scores = [s for _, s in everything]
    assert scores == sorted(scores, reverse=True)
    np.testing.assert_allclose(sorted(scores, reverse=True),
                               np.sort(np.delete(kv.most_similar("w1", topn=None), 1))[::-1],
                               atol=1e-5)
    assert len(v.most_similar("w1", topn=None, restrict_vocab=10)) == 9


def test_most_similar_exclude_options():
    v = Vectors(["a", "b", "c", "d"], [[1, 0], [0.9, 0.1], [0.8, 0.3], [0, 1]])
    assert v.most_similar("a", topn=1) == [("b", pytest.approx(v.similarity("a", "b")))]
    assert v.most_similar("a", topn=1, exclude=False)[0][0] == "a"
    assert v.most_similar("a", topn=1, exclude=["b", "unknown-is-ignored"])[0][0] == "c"
    assert v.most_similar("a", topn=1, exclude="b")[0][0] == "c"
    # fewer candidates than topn: fewer results, never the excluded keys
    assert [k for k, _ in v.most_similar("a", topn=10)] == ["b", "c", "d"]
    with pytest.raises(TypeError, match="exclude"):
        v.most_similar("a", exclude=3)


def test_most_similar_dot_and_euclidean_brute_force(pair):
    v, _ = pair
    m = v.matrix.astype(np.float64)
    query = (m[1] + m[2] - m[3]) / 3
    dot = m[:200] @ query
    dot[[1, 2, 3]] = -np.inf
    order = np.argsort(-dot, kind="stable")[:5]
    res = v.most_similar(["w1", "w2"], ["w3"], topn=5, metric="dot", restrict_vocab=200)
    assert [k for k, _ in res] == [f"w{i}" for i in order]
    np.testing.assert_allclose([s for _, s in res], dot[order], rtol=1e-4)

    dist = np.linalg.norm(m - m[10], axis=1)
    dist[10] = np.inf
    order = np.argsort(dist, kind="stable")[:5]
    res = v.most_similar("w10", topn=5, metric="euclidean")
    assert [k for k, _ in res] == [f"w{i}" for i in order]
    np.testing.assert_allclose([s for _, s in res], dist[order], rtol=1e-5)
    scores = [s for _, s in res]
    assert scores == sorted(scores)  # smallest distance first


def test_euclidean_distances_exact_for_near_duplicates():
    base = np.full(8, 1000.0, np.float32)
    m = np.stack([base, base + 1e-3, base + 2.0, -base])
    v = Vectors(["a", "b", "c", "d"], m)
    res = v.most_similar("a", topn=2, metric="euclidean")
    assert res[0][0] == "b"
    exact = np.linalg.norm(m[1].astype(np.float64) - m[0])  # ≈ 2.8e-3, float32 rounding
    assert res[0][1] == pytest.approx(exact, rel=1e-3)  # the expanded form would give 0 or NaN


def test_most_similar_zero_query_and_zero_rows():
    v = Vectors(["a", "b", "z"], [[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="zero"):
        v.most_similar("z")
    with pytest.raises(ValueError, match="zero"):
        v.most_similar("a", negative="a", exclude=False)
    with pytest.raises(ValueError, match="zero"):
        v.most_similar("z", metric="dot")
    res = v.most_similar("a", topn=2)
    assert res[1] == ("z", 0.0)  # a zero row scores cosine 0, not NaN
    assert v.most_similar("z", topn=1, metric="euclidean")[0][0] == "a"


def test_most_similar_bad_arguments(pair):
    v, _ = pair
    with pytest.raises(MissingKeyError) as info:
        v.most_similar("w10000")
    assert info.value.key == "w10000"
    with pytest.raises(MissingKeyError):
        v.most_similar(["w1"], ["missing"])
    for bad in (0, -3):
        with pytest.raises(ValueError, match="restrict_vocab"):
            v.most_similar("w1", restrict_vocab=bad)
        with pytest.raises(ValueError, match="topn"):
            v.most_similar("w1", topn=bad)
    with pytest.raises(TypeError, match="restrict_vocab"):
        v.most_similar("w1", restrict_vocab=2.5)
    with pytest.raises(TypeError, match="topn"):
        v.most_similar("w1", topn=True)
    with pytest.raises(ValueError, match="method"):
        v.most_similar("w1", method="3cosine")
    with pytest.raises(ValueError, match="metric"):
        v.most_similar("w1", metric="manhattan")
    with pytest.raises(ValueError, match="3cosmul"):
        v.most_similar("w1", method="3cosmul", metric="dot")
    with pytest.raises(ValueError, match="weights"):
        v.most_similar([("w1", 2.0)], method="3cosmul")
    with pytest.raises(ValueError, match="positive"):
        v.most_similar(None, "w1", method="3cosmul")
    with pytest.raises(ValueError, match="at least one"):
        v.most_similar()
    with pytest.raises(TypeError, match=r"positive\[1\]"):
        v.most_similar(["w1", 5])
    with pytest.raises(TypeError, match="weight"):
        v.most_similar([("w1", "heavy")])
    with pytest.raises(ValueError, match="tuple"):
        v.most_similar([("w1", 1.0, 2.0)])
    with pytest.raises(ValueError, match="shape"):
        v.most_similar(np.ones(D + 2))
    with pytest.raises(ValueError, match="zero"):
        v.most_similar([("w1", 0.0)])


def test_analogy_method_reads_a_b_c_as_questions_words(pair):
    v, kv = pair
    got = v.analogy("w3", "w1", "w2", topn=4)
    _same(got, kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=4))
    got = v.analogy("w3", "w1", "w2", topn=4, method="3cosmul")
    _same(got, kv.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"], topn=4))
    restricted = v.analogy("w3", "w1", "w2", topn=3, restrict_vocab=40)
    _same(restricted, kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=3,
                                      restrict_vocab=40))
    with pytest.raises(MissingKeyError):
        v.analogy("w3", "w1", "nope")
    with pytest.raises(TypeError):
        v.analogy("w3", ["w1"], "w2")


def test_analogy_on_a_constructed_example():
    # king - man + woman lands on queen by construction
    keys = ["man", "woman", "king", "queen", "apple"]
    m = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [0.2, -1, 0.1]], np.float32)
    v = Vectors(keys, m)
    assert v.analogy("man", "king", "woman")[0][0] == "queen"
    assert v.analogy("man", "king", "woman", method="3cosmul")[0][0] == "queen"


# ------------------------------------------------------------------ batched queries
@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 40),
    d=st.integers(1, 6),
    topn=st.integers(1, 45),
    restrict=st.one_of(st.none(), st.integers(1, 45)),
    metric=st.sampled_from(ops.METRICS),
    seed=st.integers(0, 2**16),
    block=st.integers(1, 7),
)
def test_batch_equals_per_query(n, d, topn, restrict, metric, seed, block):
    keys, m = _random_vectors(n, d, seed)
    m[0] = 0.0 if metric == "euclidean" else m[0]  # a zero row among the candidates
    v = Vectors(keys, m)
    queries = keys[1:min(n, 12)]
    out = v.most_similar_batch(queries, topn, restrict_vocab=restrict, metric=metric, block=block)
    assert out.indices.shape == out.scores.shape == out.keys.shape == (len(queries), topn)
    for row, key in enumerate(queries):
        single = v.most_similar(key, topn=topn, restrict_vocab=restrict, metric=metric)
        got = [(k, s) for k, s in zip(out.keys[row], out.scores[row], strict=True)
               if k is not None]
        assert [k for k, _ in got] == [k for k, _ in single]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in single], rtol=1e-5,
                                   atol=1e-6)
        filled = len(single)
        assert (out.indices[row, filled:] == -1).all()
        assert np.isinf(out.scores[row, filled:]).all()


def test_batch_matches_gensim_and_vector_queries(pair):
    v, kv = pair
    keys = [f"w{i}" for i in range(0, V, 7)]
    out = v.most_similar_batch(keys, topn=10)
    for row, key in enumerate(keys):
        _same(list(zip(out.keys[row], out.scores[row].tolist(), strict=True)),
              kv.most_similar(key, topn=10))
    by_vector = v.most_similar_batch(v[keys], topn=10)  # nothing excluded: self comes first
    assert (by_vector.indices[:, 0] == v.indices(keys)).all()
    np.testing.assert_array_equal(by_vector.indices[:, 1:], out.indices[:, :9])
    kept = v.most_similar_batch(keys, topn=3, exclude_self=False)
    np.testing.assert_array_equal(kept.indices, by_vector.indices[:, :3])


def test_batch_bad_arguments_and_edge_cases(pair):
    v, _ = pair
    with pytest.raises(MissingKeyError):
        v.most_similar_batch(["w1", "nope"])
    with pytest.raises(TypeError, match="list of keys"):
        v.most_similar_batch("w1")
    with pytest.raises(ValueError, match="topn"):
        v.most_similar_batch(["w1"], topn=0)
    with pytest.raises(ValueError, match="block"):
        v.most_similar_batch(["w1"], block=0)
    with pytest.raises(ValueError, match="shape"):
        v.most_similar_batch(np.ones((2, D + 1)))
    with pytest.raises(TypeError, match="exclude_self"):
        v.most_similar_batch(["w1"], exclude_self="yes")
    empty = v.most_similar_batch([], topn=4)
    assert empty.indices.shape == (0, 4)
    z = Vectors(["a", "b", "z"], [[1, 0], [0, 1], [0, 0]])
    with pytest.warns(RuntimeWarning, match="zero vectors"):
        out = z.most_similar_batch(["z", "a"], topn=2)
    assert not np.isnan(out.scores).any()


# ------------------------------------------------------------------ ops building blocks
@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 80),
    k=st.integers(1, 90),
    seed=st.integers(0, 2**16),
    ties=st.booleans(),
)
def test_top_k_both_paths_agree_with_a_full_sort(rows, cols, k, seed, ties):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((rows, cols)).astype(np.float32)
    if ties:
        scores = np.round(scores)
    scores[:, rng.integers(0, cols)] = -np.inf
    before = scores.copy()
    idx, vals = ops.top_k(scores, k)
    np.testing.assert_array_equal(scores, before)  # the input is left alone
    kk = min(k, cols)
    for r in range(rows):
        order = np.lexsort((np.arange(cols), -scores[r]))[:kk]
        expected = np.where(np.isneginf(scores[r, order]), -1, order)
        np.testing.assert_array_equal(idx[r], expected)
        np.testing.assert_array_equal(vals[r], scores[r, order])


def test_top_k_never_returns_nan():
    scores = np.array([[0.5, np.nan, 0.2, np.nan]], np.float32)
    for k in (2, 4):
        idx, vals = ops.top_k(scores, k)
        assert idx[0, :2].tolist() == [0, 2] and (idx[0, 2:] == -1).all()
        assert not np.isnan(vals).any()


def test_top_k_paths_switch_at_argmax_limit(monkeypatch):
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((4, 200)).astype(np.float32)
    a = ops.top_k(scores, 30)
    monkeypatch.setattr(ops, "ARGMAX_MAX_K", 0)
    b = ops.top_k(scores, 30)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_search_blocks_are_invisible(monkeypatch):
    keys, m = _random_vectors(60, 5, seed=9)
    v = Vectors(keys, m)
    whole = v.most_similar_batch(keys, topn=5)
    monkeypatch.setattr(ops, "BLOCK_ELEMENTS", 60 * 3)  # three queries per block
    blocked = v.most_similar_batch(keys, topn=5)
    np.testing.assert_array_equal(whole.indices, blocked.indices)
    assert ops.rows_per_block(60, 1024) == 3


def test_unit_rows_and_check_helpers():
    u = ops.unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(u, [[0.6, 0.8], [0.0, 0.0]])
    assert u.dtype == np.float32
    assert ops.check_restrict(None, 5) == 5
    assert ops.check_restrict(50, 5) == 5
    with pytest.raises(TypeError):
        ops.check_restrict(np.float64(3.0), 5)
    assert ops.check_restrict(np.int64(3), 5) == 3
    with pytest.raises(TypeError):
        ops.check_vector(np.array(["a", "b"]), 2)


# ------------------------------------------------------------------ derived vectors and files
def test_subset_restrict_copy():
    keys, m = _random_vectors(10, 3)
    v = Vectors(keys, m, provenance={"source": "test"})
    s = v.subset(["w5", "w1"])
    assert s.keys == ["w5", "w1"]
    np.testing.assert_array_equal(s.matrix, m[[5, 1]])
    with pytest.raises(MissingKeyError):
        v.subset(["w1", "x"])
    with pytest.raises(ValueError, match="duplicate"):
        v.subset(["w1", "w1"])
    r = v.restrict(4)
    assert r.keys == keys[:4] and len(v.restrict(100)) == 10
    np.testing.assert_array_equal(r.matrix, m[:4])
    with pytest.raises(ValueError):
        v.restrict(0)
    c = v.copy()
    c.matrix[0, 0] = 99.0
    c.provenance["source"] = "changed"
    assert v.matrix[0, 0] != 99.0 and v.provenance["source"] == "test"
    assert c.keys == v.keys and c.keys is not v.keys


def test_save_and_load_round_trip_through_formats(tmp_path):
    keys, m = _random_vectors(20, 4)
    v = Vectors(keys, m)
    glove = v.save(tmp_path / "x.txt", format="glove")
    assert glove == tmp_path / "x.txt"
    first = Vectors.load(glove, limit=5)
    assert first.keys == keys[:5]
    np.testing.assert_array_equal(first.matrix, m[:5])


def test_native_round_trip(tmp_path):
    keys, m = _random_vectors(20, 4)
    v = Vectors(keys, m)
    path = v.save(tmp_path / "vecs")
    back = Vectors.load(path)
    assert back.keys == keys
    np.testing.assert_array_equal(back.matrix, m)
