"""STS evaluation: a planted encoder recovers the gold ranking; a random one does not."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec.data.stsb import StsPairs
from everyvec.evaluate.sts import StsResult, evaluate_sts


def _planted(n_sentences: int = 60, n_pairs: int = 150, dim: int = 8, seed: int = 0):
    """Sentences with hidden meaning vectors; gold score = 5 * cosine of the meanings, mapped
    to [0, 5]; the planted encoder returns the meaning (scaled, as a model might)."""
    rng = np.random.default_rng(seed)
    meaning = rng.normal(size=(n_sentences, dim))
    texts = [f"sentence number {i}" for i in range(n_sentences)]
    i, j = rng.integers(0, n_sentences, (2, n_pairs))
    unit = meaning / np.linalg.norm(meaning, axis=1, keepdims=True)
    gold = 2.5 * (1 + np.einsum("ij,ij->i", unit[i], unit[j]))
    lookup = {t: k for k, t in enumerate(texts)}
    calls: list[list[str]] = []

    def encode(batch: list[str]) -> np.ndarray:
        calls.append(list(batch))
        rows = np.array([lookup[t] for t in batch])
        return meaning[rows] * rng.uniform(0.5, 2.0, (len(rows), 1))  # length is irrelevant

    pairs = StsPairs([texts[k] for k in i], [texts[k] for k in j], gold)
    return pairs, encode, calls


def test_planted_encoder_is_perfect_and_encodes_each_sentence_once() -> None:
    pairs, encode, calls = _planted()
    result = evaluate_sts(encode, pairs, name="planted")
    assert isinstance(result, StsResult)
    assert result.spearman == pytest.approx(1.0) and result.pearson == pytest.approx(1.0)
    assert result.pairs == 150
    distinct = set(pairs.sentences1) | set(pairs.sentences2)
    assert len(calls) == 1 and sorted(calls[0]) == sorted(distinct)
    assert result.sentences == len(distinct)
    text = str(result)
    assert "planted" in text and "1.0000" in text
    assert result.to_dict()["spearman"] == pytest.approx(1.0)


def test_noise_lowers_the_score_and_matches_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    pairs, _, _ = _planted(seed=1)
    rng = np.random.default_rng(5)
    distinct = sorted(set(pairs.sentences1) | set(pairs.sentences2))
    table = {t: rng.normal(size=8) for t in distinct}

    def random_encode(texts: list[str]) -> np.ndarray:
        return np.stack([table[t] for t in texts])

    result = evaluate_sts(random_encode, pairs.sentences1, pairs.sentences2,
                          list(pairs.scores), batch_size=7)
    assert abs(result.spearman) < 0.3
    vectors = {t: v / np.linalg.norm(v) for t, v in table.items()}
    cosine = [vectors[a] @ vectors[b] for a, b in zip(pairs.sentences1, pairs.sentences2,
                                                       strict=True)]
    # abs: two cosines a rounding error apart may swap ranks (one swap moves rho by ~4e-6)
    assert result.spearman == pytest.approx(scipy_stats.spearmanr(pairs.scores, cosine)[0],
                                            abs=1e-4)
    assert result.pearson == pytest.approx(scipy_stats.pearsonr(pairs.scores, cosine)[0])


def test_batches_give_the_same_result() -> None:
    pairs, encode, calls = _planted(seed=2)
    whole = evaluate_sts(encode, pairs)
    calls.clear()
    chunked = evaluate_sts(encode, pairs, batch_size=16)
    assert max(len(c) for c in calls) == 16 and len(calls) > 1
    assert chunked.spearman == pytest.approx(whole.spearman)


def test_zero_vectors_score_zero_similarity() -> None:
    def encode(texts: list[str]) -> np.ndarray:
        return np.array([[0.0, 0.0] if t == "empty" else [1.0, float(len(t))] for t in texts])

    result = evaluate_sts(encode, ["a", "empty", "abc"], ["a", "a", "b"], [5.0, 0.0, 2.0])
    assert result.spearman == pytest.approx(1.0)


def test_bad_inputs() -> None:
    pairs, encode, _ = _planted()
    with pytest.raises(TypeError, match="'encode' parameter"):
        evaluate_sts("model", pairs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="StsPairs .* or three sequences"):
        evaluate_sts(encode, pairs.sentences1)
    with pytest.raises(TypeError, match="not both"):
        evaluate_sts(encode, pairs, pairs.sentences2)
    with pytest.raises(ValueError, match="same length"):
        evaluate_sts(encode, ["a", "b"], ["c"], [1.0, 2.0])
    with pytest.raises(TypeError, match="'sentences1' parameter"):
        evaluate_sts(encode, "abc", ["a", "b", "c"], [1, 2, 3])
    with pytest.raises(ValueError, match="finite"):
        evaluate_sts(encode, ["a"], ["b"], [float("nan")])
    with pytest.raises(ValueError, match="no sentence pairs"):
        evaluate_sts(encode, [], [], [])
    with pytest.raises(ValueError, match="'batch_size' parameter"):
        evaluate_sts(encode, pairs, batch_size=0)
    with pytest.raises(ValueError, match=r"returned shape \(2,\)"):
        evaluate_sts(lambda texts: np.zeros(len(texts)), ["a"], ["b"], [1.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        evaluate_sts(lambda texts: np.full((len(texts), 2), np.nan), ["a"], ["b"], [1.0])
