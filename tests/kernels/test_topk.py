"""The top-k kernel against its NumPy twin, on random blocks split at random places."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.kernels import topk
from everyvec.kernels.topk import new_heaps
from everyvec.kernels.topk_twin import topk_twin


def run_kernel(scores, k, allowed, sqnorms, cuts, serial=False):
    merge_block = topk.merge_block
    sorted_heaps = topk.sorted_heaps_serial if serial else topk.sorted_heaps
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
       serial=st.booleans(), data=st.data())
def test_kernel_equals_twin(rows, cols, k, seed, masked, euclidean, serial, data):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(rows, cols)).astype(np.float32)
    allowed = (rng.random(cols) < 0.6).astype(np.uint8) if masked else None
    sqnorms = rng.random(cols).astype(np.float32) if euclidean else None
    cuts = data.draw(st.lists(st.integers(0, cols), max_size=4, unique=True))
    got_scores, got_ids = run_kernel(scores, k, allowed, sqnorms, cuts, serial)
    want_scores, want_ids = topk_twin(scores, k, allowed, sqnorms)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6)
    np.testing.assert_array_equal(got_ids, want_ids)  # random floats: no ties


@pytest.mark.parametrize("serial", [False, True])
def test_missing_slots_are_marked(serial):
    scores = np.array([[0.5, 0.1]], dtype=np.float32)
    got_scores, got_ids = run_kernel(scores, 4, np.array([1, 0], np.uint8), None, [], serial)
    assert got_ids.tolist() == [[0, -1, -1, -1]]
    assert got_scores[0, 0] == np.float32(0.5) and np.isneginf(got_scores[0, 1:]).all()


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 5), cols=st.integers(1, 60), dim=st.integers(1, 9),
       k=st.integers(1, 8), seed=st.integers(0, 2**31), masked=st.booleans(),
       euclidean=st.booleans())
def test_serial_scan_equals_twin(rows, cols, dim, k, seed, masked, euclidean):
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(cols, dim)).astype(np.float32)
    queries = rng.normal(size=(rows, dim)).astype(np.float32)
    allowed = (rng.random(cols) < 0.6).astype(np.uint8) if masked else None
    sqnorms = (matrix ** 2).sum(1).astype(np.float32) if euclidean else None
    heap_scores, heap_ids = new_heaps(rows, k)
    topk.scan_serial(matrix, queries, 0,
                     allowed if allowed is not None else np.empty(0, np.uint8),
                     sqnorms if sqnorms is not None else np.empty(0, np.float32),
                     heap_scores, heap_ids)
    topk.sorted_heaps_serial(heap_scores, heap_ids)
    want_scores, want_ids = topk_twin(queries @ matrix.T, k, allowed, sqnorms)
    np.testing.assert_allclose(heap_scores, want_scores, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(heap_ids, want_ids)
