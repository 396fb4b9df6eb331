"""One suite, every backend: the index protocol behaves the same whatever is behind it.

The exact index is the oracle; approximate backends must reach recall@10 >= 0.95 against it
on clustered vectors, and everything else (validation, padding, filters, removal, upsert,
persistence) must behave identically.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from everyvec.errors import MissingKeyError
from everyvec.index import Matches, load_index, make_index

METRICS = ["cosine", "dot", "euclidean"]


def oracle(keys, matrix, queries, k, metric, allowed=None):
    """Brute force in float64, the slow and obvious way."""
    data = matrix.astype(np.float64)
    q = queries.astype(np.float64)
    if metric == "cosine":
        data = data / np.linalg.norm(data, axis=1, keepdims=True)
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
    if metric == "euclidean":
        scores = -np.sqrt(((q[:, None, :] - data[None, :, :]) ** 2).sum(-1))
    else:
        scores = q @ data.T
    if allowed is not None:
        mask = np.array([key in allowed for key in keys])
        scores[:, ~mask] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    out_keys = [[keys[j] for j in row if np.isfinite(scores[i, j])]
                for i, row in enumerate(order)]
    out_scores = np.take_along_axis(scores, order, axis=1)
    return out_keys, (-out_scores if metric == "euclidean" else out_scores)


def recall(found: Matches, expected: list[list[str]]) -> float:
    hits = total = 0
    for row, truth in zip(found.keys, expected, strict=True):
        hits += len(set(truth) & {key for key in row if key is not None})
        total += len(truth)
    return hits / total


def is_exact(index) -> bool:
    return type(index).exact


@pytest.mark.parametrize("metric", METRICS)
def test_search_agrees_with_brute_force(backend, points, queries, metric):
    _, make = backend
    keys, matrix = points
    index = make(metric=metric)
    index.add(keys, matrix)
    assert len(index) == len(keys)
    found = index.search(queries, k=10)
    expected, expected_scores = oracle(keys, matrix, queries, 10, metric)
    assert found.keys.shape == found.scores.shape == (len(queries), 10)
    assert found.scores.dtype == np.float32
    assert found.metric == metric
    if is_exact(index):
        np.testing.assert_allclose(found.scores, expected_scores, rtol=1e-4, atol=1e-4)
        assert recall(found, expected) >= 0.99  # ties may swap at the boundary
    else:
        assert recall(found, expected) >= 0.95
    # Best first, in the metric's own direction.
    step = np.diff(found.scores, axis=1)
    assert (step <= 1e-5).all() if metric != "euclidean" else (step >= -1e-5).all()


@pytest.mark.parametrize("metric", METRICS)
def test_scores_are_the_metric_of_the_returned_keys(backend, points, queries, metric):
    _, make = backend
    keys, matrix = points
    index = make(metric=metric)
    index.add(keys, matrix)
    found = index.search(queries[:5], k=5)
    row_of = {key: i for i, key in enumerate(keys)}
    for qi in range(5):
        for key, score in found[qi]:
            v, q = matrix[row_of[key]].astype(np.float64), queries[qi].astype(np.float64)
            if metric == "cosine":
                true = v @ q / np.linalg.norm(v) / np.linalg.norm(q)
            elif metric == "dot":
                true = v @ q
            else:
                true = np.linalg.norm(v - q)
            tolerance = 0.05 * max(1.0, abs(true)) if not is_exact(index) else 1e-3 * max(
                1.0, abs(true))
            assert math.isclose(score, true, abs_tol=tolerance), (key, score, true)


def test_empty_index_and_short_results_are_padded(backend, points):
    _, make = backend
    keys, matrix = points
    index = make()
    empty = index.search(matrix[0], k=3)
    assert empty.keys.shape == (1, 3) and all(key is None for key in empty.keys[0])
    assert np.isnan(empty.scores).all()
    assert empty[0] == []
    index.add(keys[:4], matrix[:4])
    found = index.search(matrix[:2], k=6)
    assert found.keys.shape == (2, 6)
    for row, scores in zip(found.keys, found.scores, strict=True):
        assert sorted(key for key in row if key is not None) == sorted(keys[:4])
        assert list(row[4:]) == [None, None] and np.isnan(scores[4:]).all()


def test_single_query_vector_gives_one_row(backend, points):
    _, make = backend
    keys, matrix = points
    index = make()
    index.add(keys[:50], matrix[:50])
    found = index.search(matrix[3], k=1)
    assert found.keys.shape == (1, 1) and found.keys[0, 0] == keys[3]


def test_filter_restricts_to_allowed_keys(backend, points, queries):
    _, make = backend
    keys, matrix = points
    index = make()
    index.add(keys, matrix)
    allowed = set(keys[::7])
    found = index.search(queries[:20], k=10, filter=allowed)
    assert {key for row in found.keys for key in row if key is not None} <= allowed
    expected, _ = oracle(keys, matrix, queries[:20], 10, "cosine", allowed=allowed)
    assert recall(found, expected) >= 0.95
    tiny = index.search(queries[:3], k=5, filter=[keys[1], keys[2], "no-such-key"])
    for row in tiny.keys:
        assert sorted(key for key in row if key is not None) == sorted(keys[1:3])
    nothing = index.search(queries[:2], k=4, filter=[])
    assert all(key is None for row in nothing.keys for key in row)


def test_remove_and_upsert(backend, points):
    _, make = backend
    keys, matrix = points
    index = make()
    index.add(keys[:300], matrix[:300])
    assert index.remove(keys[:10]) == 10
    assert len(index) == 290 and keys[0] not in index and keys[10] in index
    found = index.search(matrix[:10], k=20)
    assert not {key for row in found.keys for key in row} & set(keys[:10])
    with pytest.raises(MissingKeyError, match="k0"):
        index.remove([keys[0]])
    assert index.remove([keys[0], keys[11]], missing_ok=True) == 1
    # Upsert moves key 12 onto the vector of key 200: a query there finds both.
    index.upsert([keys[12]], matrix[200:201])
    assert len(index) == 289
    top = {key for key, _ in index.search(matrix[200], k=2)[0]}
    assert top == {keys[12], keys[200]}
    # A removed key may be added again.
    index.add([keys[0]], matrix[:1])
    assert index.search(matrix[0], k=1)[0][0][0] == keys[0]


def test_bad_input_is_refused_clearly(backend, points):
    _, make = backend
    keys, matrix = points
    index = make()
    index.add(keys[:5], matrix[:5])
    with pytest.raises(ValueError, match="already in the index"):
        index.add(keys[:1], matrix[:1])
    with pytest.raises(ValueError, match="32 columns"):
        index.add(["new"], np.ones((1, 31)))
    with pytest.raises(ValueError, match="NaN"):
        index.add(["new"], np.full((1, 32), np.nan))
    with pytest.raises(ValueError, match="pair up"):
        index.add(["a", "b"], matrix[:3])
    with pytest.raises(ValueError, match="duplicate key"):
        index.add(["a", "a"], matrix[:2])
    with pytest.raises(ValueError, match="32 columns"):
        index.search(np.ones(5), k=3)
    with pytest.raises(ValueError, match="NaN"):
        index.search(np.full(32, np.inf), k=3)
    with pytest.raises(ValueError, match="'k'"):
        index.search(matrix[0], k=0)
    with pytest.raises(TypeError, match="filter"):
        index.search(matrix[0], k=1, filter="k1")
    assert len(index) == 5


def test_save_and_load_round_trip(backend, points, queries, tmp_path):
    name, make = backend
    keys, matrix = points
    index = make(metric="euclidean")
    index.add(keys[:500], matrix[:500])
    index.remove(keys[:3])
    before = index.search(queries[:10], k=5)
    index.save(tmp_path / "saved")
    loaded = load_index(tmp_path / "saved")
    assert type(loaded) is type(index)
    assert (loaded.dim, loaded.metric, len(loaded), loaded.spec) == (32, "euclidean", 497,
                                                                      index.spec)
    after = loaded.search(queries[:10], k=5)
    assert (after.keys == before.keys).all()
    np.testing.assert_allclose(after.scores, before.scores, rtol=1e-5, atol=1e-5)
    # A loaded (memory-mapped) index still takes new keys.
    loaded.add(keys[500:510], matrix[500:510])
    assert len(loaded) == 507 and keys[505] in loaded
    # Saving again over the same folder replaces it.
    loaded.save(tmp_path / "saved")
    assert len(load_index(tmp_path / "saved")) == 507


def test_spec_round_trips(backend):
    _, make = backend
    index = make(dim=8, metric="dot")
    assert make_index.__module__  # the factory is public
    assert index.spec.split(":")[0] == type(index).kind
    assert repr(index).startswith("<")
