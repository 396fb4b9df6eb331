"""Bag-of-words sentence vectors: sum, mean, SIF, OOV handling, principal-component removal."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec import MissingKeyError, Vectors
from everyvec.vectors import bag

KEYS = ["the", "cat", "sat", "on", "mat", "dog"]
M = np.array(
    [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0],
     [2.0, 2.0, 2.0]],
    np.float32,
)
COUNTS = {"the": 500, "cat": 10, "sat": 5, "on": 300, "mat": 2, "dog": 0, "absent": 183}


@pytest.fixture()
def v() -> Vectors:
    return Vectors(KEYS, M)


def test_sum_and_mean(v):
    s = ["the", "cat", "zebra", "cat"]
    np.testing.assert_allclose(v.sentence_vector(s, "sum"), M[0] + 2 * M[1])
    np.testing.assert_allclose(v.sentence_vector(s), (M[0] + 2 * M[1]) / 3)  # OOV not counted
    out = v.sentence_vectors([s, ["dog"], ["sat", "on"]], "mean")
    assert out.shape == (3, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[2], (M[2] + M[3]) / 2)


def test_sif_weights_formula(v):
    total = sum(COUNTS.values())  # 1000: the default divisor is the sum of all values given
    a = 1e-3
    w = {k: a / (a + COUNTS[k] / total) for k in KEYS}
    s = ["the", "cat", "mat", "unknown"]
    expected = (w["the"] * M[0] + w["cat"] * M[1] + w["mat"] * M[4]) / 3
    np.testing.assert_allclose(v.sentence_vector(s, "sif", frequencies=COUNTS), expected,
                               rtol=1e-6)
    # probabilities work too, and an explicit total overrides the sum
    probs = {k: c / total for k, c in COUNTS.items()}
    np.testing.assert_allclose(v.sentence_vector(s, "sif", frequencies=probs), expected,
                               rtol=1e-5)
    np.testing.assert_allclose(
        v.sentence_vector(s, "sif", frequencies=COUNTS, total=2000.0, a=1e-2),
        sum(1e-2 / (1e-2 + COUNTS[k] / 2000) * M[KEYS.index(k)] for k in s[:3]) / 3, rtol=1e-6)
    # an array with one count per row; words missing from a mapping weigh 1 (p = 0)
    row_counts = np.array([COUNTS[k] for k in KEYS], float)
    weights = bag.sif_weights(v.key_to_index, len(v), row_counts, total=1000.0)
    np.testing.assert_allclose(weights, [w[k] for k in KEYS], rtol=1e-6)
    assert bag.sif_weights(v.key_to_index, len(v), {"the": 5})[KEYS.index("cat")] == 1.0


def test_sif_bad_arguments(v):
    with pytest.raises(ValueError, match="needs frequencies"):
        v.sentence_vector(["the"], "sif")
    with pytest.raises(ValueError, match="only used by"):
        v.sentence_vector(["the"], "mean", frequencies=COUNTS)
    with pytest.raises(ValueError, match="a must be"):
        v.sentence_vector(["the"], "sif", frequencies=COUNTS, a=0)
    with pytest.raises(ValueError, match=">= 0"):
        v.sentence_vector(["the"], "sif", frequencies={"the": -1, "cat": 3})
    with pytest.raises(ValueError, match="sum to > 0"):
        v.sentence_vector(["the"], "sif", frequencies={"the": 0})
    with pytest.raises(ValueError, match="one value per row"):
        v.sentence_vector(["the"], "sif", frequencies=[1, 2, 3])
    with pytest.raises(ValueError, match="total"):
        v.sentence_vector(["the"], "sif", frequencies=COUNTS, total=float("nan"))
    with pytest.raises(ValueError, match="method"):
        v.sentence_vector(["the"], "max")


def test_oov_counting_and_errors(v):
    res = v.sentence_vectors([["the", "x", "y"], [], ["cat"]], return_counts=True,
                             empty="ignore")
    assert res.n_known.tolist() == [1, 0, 1]
    assert res.n_oov.tolist() == [2, 0, 0]
    assert res.components.shape == (0, 3)
    with pytest.raises(MissingKeyError, match="Cat") as info:
        v.sentence_vectors([["the"], ["Cat"]], oov="error")
    assert info.value.suggestions == ["cat"]
    with pytest.raises(ValueError, match="oov"):
        v.sentence_vector(["the"], oov="ignore")
    with pytest.raises(TypeError, match="split it first"):
        v.sentence_vector("the cat")
    with pytest.raises(TypeError, match="string"):
        v.sentence_vectors(["the cat", "sat"])
    with pytest.raises(TypeError, match="list of token lists"):
        v.sentence_vectors("the cat")
    with pytest.raises(TypeError, match="tokens must be str"):
        v.sentence_vector(["the", 3])
    with pytest.raises(TypeError, match="return_counts"):
        v.sentence_vectors([["the"]], return_counts=1)


def test_all_oov_sentence_gives_zeros_never_nan(v):
    with pytest.warns(RuntimeWarning, match="1 of 2 sentences"):
        out = v.sentence_vectors([["nope", "nada"], ["cat"]], "sif", frequencies=COUNTS)
    np.testing.assert_array_equal(out[0], 0.0)
    assert np.isfinite(out).all()
    with pytest.raises(ValueError, match="no token"):
        v.sentence_vector(["nope"], empty="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(v.sentence_vector([], empty="ignore"), 0.0)
    with pytest.raises(ValueError, match="empty"):
        v.sentence_vector(["cat"], empty="maybe")
    assert v.sentence_vectors([]).shape == (0, 3)


def test_principal_component_removal(v):
    rng = np.random.default_rng(0)
    sentences = [list(rng.choice(KEYS, size=rng.integers(1, 6))) for _ in range(40)]
    sentences.append(["unknown"])
    plain = v.sentence_vectors(sentences, "sif", frequencies=COUNTS, empty="ignore")
    res = v.sentence_vectors(sentences, "sif", frequencies=COUNTS, remove_pc=1,
                             return_counts=True, empty="ignore")
    comp = res.components
    assert comp.shape == (1, 3)
    _, _, vt = np.linalg.svd(plain[:-1].astype(np.float64), full_matrices=False)
    assert abs(abs(float(comp[0] @ vt[0])) - 1) < 1e-5  # the first right singular vector
    np.testing.assert_allclose(res.vectors, plain - np.outer(plain @ comp[0], comp[0]),
                               atol=1e-5)
    np.testing.assert_allclose(res.vectors @ comp[0], 0.0, atol=1e-5)
    np.testing.assert_array_equal(res.vectors[-1], 0.0)
    # the same components applied to new sentences
    again = v.sentence_vector(sentences[3], "sif", frequencies=COUNTS, components=comp)
    np.testing.assert_allclose(again, res.vectors[3], atol=1e-6)
    two = v.sentence_vectors(sentences, remove_pc=2, empty="ignore", return_counts=True)
    assert two.components.shape == (2, 3)
    np.testing.assert_allclose(two.vectors @ two.components.T, 0.0, atol=1e-5)


def test_principal_component_bad_arguments(v):
    with pytest.raises(ValueError, match="remove_pc"):
        v.sentence_vectors([["the"], ["cat"]], remove_pc=-1)
    with pytest.raises(ValueError, match="remove_pc"):
        v.sentence_vectors([["the"], ["cat"]], remove_pc=True)
    with pytest.raises(ValueError, match="non-empty"):
        v.sentence_vectors([["the"]], remove_pc=1)
    with pytest.raises(ValueError, match="not both"):
        v.sentence_vectors([["the"], ["cat"]], remove_pc=1, components=np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        v.sentence_vectors([["the"]], components=np.ones(4))
    with pytest.raises(ValueError, match="dependent"):
        bag.remove_components(np.ones((2, 3)), np.zeros((1, 3)))


def test_chunked_accumulation_matches(monkeypatch, v):
    rng = np.random.default_rng(1)
    sentences = [list(rng.choice(KEYS + ["oov"], size=rng.integers(0, 7))) for _ in range(30)]
    whole = v.sentence_vectors(sentences, "sum", empty="ignore")
    monkeypatch.setattr(bag, "BLOCK_ELEMENTS", 6)  # flush every couple of tokens
    chunked = v.sentence_vectors(iter(sentences), "sum", empty="ignore")  # any iterable works
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    sentences=st.lists(st.lists(st.sampled_from(KEYS + ["oov1", "oov2"]), max_size=8),
                       max_size=12),
    method=st.sampled_from(bag.BAG_METHODS),
)
def test_batch_equals_naive_loop(sentences, method):
    v = Vectors(KEYS, M)
    freqs = COUNTS if method == "sif" else None
    got = v.sentence_vectors(sentences, method, frequencies=freqs, empty="ignore")
    weights = bag.sif_weights(v.key_to_index, len(v), COUNTS)
    for row, s in zip(got, sentences, strict=True):
        known = [t for t in s if t in v]
        acc = np.zeros(3)
        for t in known:
            acc += M[v.index(t)] * (weights[v.index(t)] if method == "sif" else 1.0)
        if method != "sum" and known:
            acc /= len(known)
        np.testing.assert_allclose(row, acc, rtol=1e-5, atol=1e-6)
