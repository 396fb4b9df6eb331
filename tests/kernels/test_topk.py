"""The top-k kernel against its NumPy twin, on random blocks split at random places."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.kernels.topk import merge_block, new_heaps, sorted_heaps
from everyvec.kernels.topk_twin import topk_twin


def run_kernel(scores, k, allowed, sqnorms, cuts):
    heap_scores, heap_ids = new_heaps(scores.shape[0], k)
    edges = [0, *sorted(cuts), scores.shape[1]]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        merge_block(np.ascontiguousarray(scores[:, a:b]), a,
                    allowed if allowed is not None else np.empty(0, np.uint8),
                    sqnorms if sqnorms is not None else np.empty(0, np.float32),
                    heap_scores, heap_ids)
    sorted_heaps(heap_scores, heap_ids)
    return heap_scores, heap_ids


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 6), cols=st.integers(1, 80), k=st.integers(1, 12),
       seed=st.integers(0, 2**31), masked=st.booleans(), euclidean=st.booleans(),
       data=st.data())
def test_kernel_equals_twin(rows, cols, k, seed, masked, euclidean, data):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(rows, cols)).astype(np.float32)
    allowed = (rng.random(cols) < 0.6).astype(np.uint8) if masked else None
    sqnorms = rng.random(cols).astype(np.float32) if euclidean else None
    cuts = data.draw(st.lists(st.integers(0, cols), max_size=4, unique=True))
    got_scores, got_ids = run_kernel(scores, k, allowed, sqnorms, cuts)
    want_scores, want_ids = topk_twin(scores, k, allowed, sqnorms)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6)
    np.testing.assert_array_equal(got_ids, want_ids)  # random floats: no ties


def test_missing_slots_are_marked():
    scores = np.array([[0.5, 0.1]], dtype=np.float32)
    got_scores, got_ids = run_kernel(scores, 4, np.array([1, 0], np.uint8), None, [])
    assert got_ids.tolist() == [[0, -1, -1, -1]]
    assert got_scores[0, 0] == np.float32(0.5) and np.isneginf(got_scores[0, 1:]).all()
