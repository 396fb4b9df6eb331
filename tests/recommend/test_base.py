"""VectorRecommender: user vector = weighted mean of history vectors; seen items left out."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec import Vectors
from everyvec.index import make_index
from everyvec.recommend import VectorRecommender

# Two orthogonal clusters on the plane's axes, and a third item between them.
KEYS = ["x1", "x2", "x3", "y1", "y2", "y3", "mid"]
MATRIX = np.array([[1, 0.0], [0.9, 0.1], [0.8, 0.05], [0, 1], [0.1, 0.9], [0.05, 0.8],
                   [1, 1]], np.float32)


@pytest.fixture()
def vectors() -> Vectors:
    return Vectors(KEYS, MATRIX)


def brute_force(history: list[str], k: int, weights: np.ndarray) -> list[str]:
    unit = MATRIX / np.linalg.norm(MATRIX, axis=1, keepdims=True)
    user = weights @ unit[[KEYS.index(h) for h in history]]
    scores = unit @ user
    order = [KEYS[i] for i in np.argsort(-scores, kind="stable") if KEYS[i] not in history]
    return order[:k]


def test_mean_of_history_matches_brute_force(vectors: Vectors) -> None:
    rec = VectorRecommender(vectors)
    history = ["x1", "y1", "y2"]
    got = rec.recommend(history, k=4)
    assert [item for item, _ in got] == brute_force(history, 4, np.full(3, 1 / 3))
    assert all(isinstance(item, str) and type(item) is str for item, _ in got)


def test_recency_weighting_follows_the_last_items(vectors: Vectors) -> None:
    history = ["x1", "x2", "y1"]
    weights = VectorRecommender(vectors, weighting="recency", half_life=1.0).weights(3)
    np.testing.assert_allclose(weights, np.array([0.25, 0.5, 1.0]) / 1.75)
    recent = VectorRecommender(vectors, weighting="recency", half_life=0.5)
    got = [item for item, _ in recent.recommend(history, k=3)]
    assert got == brute_force(history, 3, recent.weights(3))
    assert got[0] in {"y2", "y3"}  # the last item dominates
    mean = VectorRecommender(vectors).recommend(history, k=1)
    assert mean[0][0] == "mid"


def test_seen_and_excluded_items_are_left_out(vectors: Vectors) -> None:
    rec = VectorRecommender(vectors)
    everything = rec.recommend(["x1"], k=10)
    assert "x1" not in [item for item, _ in everything] and len(everything) == 6
    with_seen = rec.recommend(["x1"], k=1, exclude_seen=False)
    assert with_seen[0][0] == "x1"
    excluded = rec.recommend(["x1"], k=2, exclude=["x2"])
    assert [item for item, _ in excluded] == ["x3", "mid"]


def test_unknown_items_are_skipped_and_cold_users_get_nothing(vectors: Vectors) -> None:
    rec = VectorRecommender(vectors)
    batch = rec.recommend_batch([["nope"], ["nope", "y1"], []], k=2)
    assert batch[0] == [] and batch[2] == []
    assert [item for item, _ in batch[1]] == ["y3", "y2"]
    assert rec.cold_users_ == 2


def test_any_index_backend_and_a_prebuilt_index(vectors: Vectors) -> None:
    hnsw = VectorRecommender(vectors, index="hnsw:M=8")
    exact = VectorRecommender(vectors)
    assert [i for i, _ in hnsw.recommend(["y1"], 3)] == [i for i, _ in exact.recommend(["y1"], 3)]
    index = make_index("exact", dim=2, metric="dot")
    index.add(KEYS, MATRIX)
    prebuilt = VectorRecommender(vectors, index=index)
    assert prebuilt.metric == "dot"
    assert prebuilt.recommend(["mid"], 1)[0][0] in {"x1", "y1"}
    short = make_index("exact", dim=2)
    short.add(KEYS[:2], MATRIX[:2])
    with pytest.raises(ValueError, match="index holds 2 keys"):
        VectorRecommender(vectors, index=short)


def test_similar_items(vectors: Vectors) -> None:
    assert VectorRecommender(vectors).similar_items("y1", 2)[0][0] == "y3"


def test_clear_errors(vectors: Vectors) -> None:
    with pytest.raises(ValueError, match="'weighting' parameter"):
        VectorRecommender(vectors, weighting="median")
    with pytest.raises(ValueError, match="half_life"):
        VectorRecommender(vectors, half_life=0)
    rec = VectorRecommender(vectors)
    with pytest.raises(TypeError, match="history 0 must be a list"):
        rec.recommend_batch(["x1"])
    with pytest.raises(TypeError, match="convert ids with str"):
        rec.recommend([1, 2])
    with pytest.raises(ValueError, match="'k' parameter"):
        rec.recommend(["x1"], k=0)
    with pytest.raises(TypeError, match="not one string"):
        rec.recommend(["x1"], exclude="x2")


def test_history_vectors_score_candidates_by_inner_product(vectors: Vectors) -> None:
    # Inputs and outputs differ, as skip-gram's two matrices: the user vector comes from the
    # history table, candidates are ranked by inner product with their own table.
    rng = np.random.default_rng(0)
    outputs = Vectors(KEYS, rng.normal(size=(len(KEYS), 2)).astype(np.float32))
    rec = VectorRecommender(outputs, history_vectors=vectors, metric="dot")
    history = ["x1", "y2"]
    user = MATRIX[[0, 4]].mean(axis=0)
    scores = outputs.matrix @ user
    expected = [KEYS[i] for i in np.argsort(-scores) if KEYS[i] not in history][:3]
    assert [item for item, _ in rec.recommend(history, 3)] == expected
    narrow = Vectors(KEYS, np.ones((len(KEYS), 3), np.float32))
    with pytest.raises(ValueError, match="history_vectors have 3 dimensions"):
        VectorRecommender(vectors, history_vectors=narrow)
