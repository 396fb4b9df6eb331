"""PPMI-SVD word vectors: the counting against a slow twin, the SVD against NumPy's, and the
whole estimator on a corpus whose structure is planted."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec import VocabularyError
from everyvec.train import PPMISVD
from everyvec.train.cooccurrence import cooccurrence_matrix, window_weights
from everyvec.train.randomized_svd import randomized_svd


def slow_cooccurrence(ids, sentence_ids, n, window, dynamic):
    weights = window_weights(window, dynamic)
    dense = np.zeros((n, n))
    for i in range(len(ids)):
        for d in range(1, window + 1):
            j = i + d
            if j < len(ids) and sentence_ids[i] == sentence_ids[j]:
                dense[ids[i], ids[j]] += weights[d - 1]
                dense[ids[j], ids[i]] += weights[d - 1]
    return dense


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), min_size=0, max_size=40),
    st.integers(1, 4),
    st.booleans(),
)
def test_cooccurrence_equals_slow_twin(pairs, window, dynamic) -> None:
    ids = np.array([p[0] for p in pairs], dtype=np.int64)
    sentences = np.cumsum([p[1] == 0 for p in pairs]).astype(np.int64)
    fast = cooccurrence_matrix(ids, sentences, 6, window=window, dynamic=dynamic).toarray()
    np.testing.assert_allclose(fast, slow_cooccurrence(ids, sentences, 6, window, dynamic))


def test_window_weights() -> None:
    np.testing.assert_allclose(window_weights(4, True), [1, 0.75, 0.5, 0.25])
    np.testing.assert_allclose(window_weights(3, False), [1, 1, 1])


def test_randomized_svd_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    low_rank = rng.standard_normal((80, 6)) @ rng.standard_normal((6, 60))
    noisy = low_rank + 1e-3 * rng.standard_normal(low_rank.shape)
    u, s, vt = randomized_svd(noisy, 6, seed=3)
    s_exact = np.linalg.svd(noisy, compute_uv=False)[:6]
    np.testing.assert_allclose(s, s_exact, rtol=1e-6)
    np.testing.assert_allclose((u * s) @ vt, noisy, atol=0.05)
    np.testing.assert_allclose(u.T @ u, np.eye(6), atol=1e-8)
    u2, _, _ = randomized_svd(noisy, 6, seed=3)
    np.testing.assert_array_equal(u, u2)
    with pytest.raises(ValueError, match="rank"):
        randomized_svd(noisy, 60)


def planted_corpus(seed: int = 0, sentences: int = 600) -> list[list[str]]:
    """Two topics whose words only ever share sentences with their own topic."""
    rng = np.random.default_rng(seed)
    topics = [[f"animal{i}" for i in range(12)], [f"metal{i}" for i in range(12)]]
    corpus = []
    for n in range(sentences):
        words = topics[n % 2]
        corpus.append([words[k] for k in rng.integers(0, len(words), size=12)])
    return corpus


def test_ppmi_svd_separates_planted_topics() -> None:
    corpus = planted_corpus()
    model = PPMISVD(vector_size=4, window=3, min_count=1).fit(corpus)
    vectors = model.vectors
    assert len(vectors) == 24 and vectors.dim == 4
    for word in ("animal0", "metal5"):
        prefix = word[:5]
        neighbours = [k for k, _ in vectors.most_similar(word, topn=8)]
        assert all(k.startswith(prefix) for k in neighbours), (word, neighbours)
    assert vectors.provenance["trainer"] == "everyvec.PPMISVD"
    again = PPMISVD(vector_size=4, window=3, min_count=1).fit(corpus).vectors
    np.testing.assert_array_equal(again.matrix, vectors.matrix)


@pytest.mark.parametrize(
    ("param", "value"),
    [("vector_size", 0), ("window", -1), ("min_count", 0), ("context_smoothing", 1.5),
     ("shift", 0.5), ("eigenvalue_power", 2), ("max_vocab_size", 1)],
)
def test_bad_parameters_are_named(param: str, value: object) -> None:
    model = PPMISVD(**{param: value})
    with pytest.raises(ValueError, match=f"'{param}' parameter of PPMISVD"):
        model.fit(planted_corpus(sentences=10))


def test_too_small_vocabulary() -> None:
    with pytest.raises(VocabularyError, match="vector_size"):
        PPMISVD(vector_size=50, min_count=1).fit([["a", "b", "c"]])
