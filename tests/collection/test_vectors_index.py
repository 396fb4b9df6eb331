"""Vectors.search and most_similar(index=...): the index path equals the exact NumPy path."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec import Collection
from everyvec.index import Matches, make_index


@pytest.mark.parametrize("metric", ["cosine", "dot", "euclidean"])
def test_most_similar_through_exact_index_equals_numpy(vectors, metric):
    cases = [("k1", None), (["k1", "k2"], ["k3"]), ([vectors["k5"]], None),
             ([("k6", 0.5), "k7"], [vectors["k8"]])]
    for positive, negative in cases:
        for topn in (1, 5, 38, None):
            plain = vectors.most_similar(positive, negative, topn=topn, metric=metric)
            fast = vectors.most_similar(positive, negative, topn=topn, metric=metric,
                                        index="exact")
            assert [k for k, _ in fast] == [k for k, _ in plain]
            np.testing.assert_allclose([s for _, s in fast], [s for _, s in plain],
                                       rtol=1e-5, atol=1e-5)


def test_most_similar_exclude_with_index(vectors):
    plain = vectors.most_similar("k1", topn=5, exclude=["k5", "k9"])
    fast = vectors.most_similar("k1", topn=5, exclude=["k5", "k9"], index="exact")
    assert [k for k, _ in fast] == [k for k, _ in plain]
    kept = vectors.most_similar("k1", topn=2, exclude=False, index="exact")
    assert kept[0][0] == "k1"


def test_most_similar_accepts_an_index_or_a_collection(vectors):
    index = make_index("exact", dim=8)
    index.add(vectors.keys, vectors.matrix)
    collection = Collection.from_vectors(vectors)
    want = vectors.most_similar(["k1", "k2"], "k3", topn=4)
    for given in (index, collection):
        got = vectors.most_similar(["k1", "k2"], "k3", topn=4, index=given)
        assert [k for k, _ in got] == [k for k, _ in want]


def test_most_similar_index_refusals(vectors):
    with pytest.raises(ValueError, match="3cosadd"):
        vectors.most_similar("k1", method="3cosmul", index="exact")
    with pytest.raises(ValueError, match="restrict_vocab"):
        vectors.most_similar("k1", restrict_vocab=5, index="exact")
    dot = make_index("exact", dim=8, metric="dot")
    with pytest.raises(ValueError, match="metric 'dot'"):
        vectors.most_similar("k1", index=dot)
    with pytest.raises(ValueError, match="dimension 3"):
        vectors.most_similar("k1", index=make_index("exact", dim=3))
    with pytest.raises(TypeError, match="spec string"):
        vectors.most_similar("k1", index=42)
    with pytest.raises(ValueError, match="unknown index kind"):
        vectors.most_similar("k1", index="annoy")


@pytest.mark.parametrize("metric", ["cosine", "dot", "euclidean"])
def test_search_equals_most_similar_batch(vectors, metric):
    queries = vectors.matrix[:5] + 0.05
    found = vectors.search(queries, k=7, metric=metric)
    assert isinstance(found, Matches) and found.keys.shape == (5, 7) and found.metric == metric
    batch = vectors.most_similar_batch(queries, topn=7, metric=metric)
    assert found.keys.tolist() == batch.keys.tolist()
    # ExactIndex ranks euclidean by |q|^2 - 2 q.x + |x|^2 in float32 (cancellation near 0);
    # ops.search recomputes the distances of the rows it returns.
    np.testing.assert_allclose(found.scores, batch.scores, rtol=1e-5,
                               atol=1e-4 if metric == "euclidean" else 1e-5)


def test_search_caches_the_built_index(vectors):
    first = vectors.search(vectors["k1"], k=3)
    cached = vectors._index_cache[("exact", "cosine")]
    vectors.search(["k2", "k3"], k=3)
    assert vectors._index_cache[("exact", "cosine")] is cached
    assert first[0][0][0] == "k1"
    vectors.search(vectors["k1"], k=3, metric="dot")
    assert set(vectors._index_cache) == {("exact", "cosine"), ("exact", "dot")}


def test_search_through_a_collection(vectors):
    collection = Collection.from_vectors(vectors, metric="euclidean")
    found = vectors.search(vectors["k4"], k=2, index=collection, metric="euclidean")
    assert found.keys[0, 0] == "k4" and found.scores[0, 0] == 0
