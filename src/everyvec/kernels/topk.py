"""Running top-k selection over blocks of scores, one bounded min-heap per query row.

The exact index computes a block of scores with one BLAS matrix product and hands it to
:func:`merge_block`, which keeps the ``k`` best of everything seen so far per query. Most
scores fail the "better than the current k-th best" test, so the inner loop is one compare
per score; only the rare winner pays for a heap sift. This is what FAISS does after its GEMM,
and it beats ``argpartition`` over the full row, which touches every score several times.

For one or a few queries (a server's requests) :func:`scan_serial` computes the dot products
itself and merges as it goes, with no BLAS call and no thread pool, whose wake-ups cost more
than the work. Each kernel is checked against the NumPy twin in
:mod:`everyvec.kernels.topk_twin`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["new_heaps", "merge_block", "sorted_heaps", "sorted_heaps_serial", "scan_serial"]


def new_heaps(rows: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Empty heaps: scores ``-inf`` and ids ``-1``, shape ``(rows, k)``."""
    return np.full((rows, k), -np.inf, dtype=np.float32), np.full((rows, k), -1, np.int64)


@njit(inline="always")
def _sift_down(heap_scores, heap_ids, score, ident):
    """Replace the root of a min-heap with (score, ident) and restore the heap order."""
    k = heap_scores.shape[0]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= k:
            break
        child = left
        right = left + 1
        if right < k and heap_scores[right] < heap_scores[left]:
            child = right
        if heap_scores[child] >= score:
            break
        heap_scores[i] = heap_scores[child]
        heap_ids[i] = heap_ids[child]
        i = child
    heap_scores[i] = score
    heap_ids[i] = ident


def _merge_block(scores, offset, allowed, sqnorms, heap_scores, heap_ids):
    """Fold one ``(queries, n)`` block of scores for rows ``offset..offset+n`` into the heaps.

    Parameters
    ----------
    scores
        float32 ``(queries, n)``: inner products of the queries with the block's rows.
    offset
        Row number of the block's first column.
    allowed
        uint8 per row of the whole index (0 = skip: removed or filtered out); empty = all.
    sqnorms
        float32 squared norms per row of the whole index, for euclidean search (the score
        becomes ``2 q.x - |x|^2``, larger is nearer); empty for inner-product search.
    heap_scores, heap_ids
        ``(queries, k)`` min-heaps updated in place.
    """
    rows, n = scores.shape
    check_allowed = allowed.shape[0] > 0
    euclidean = sqnorms.shape[0] > 0
    for i in prange(rows):
        hs = heap_scores[i]
        hi = heap_ids[i]
        threshold = hs[0]
        for j in range(n):
            s = scores[i, j]
            if euclidean:
                s = 2.0 * s - sqnorms[offset + j]
            if s > threshold:
                if check_allowed and allowed[offset + j] == 0:
                    continue
                _sift_down(hs, hi, s, offset + j)
                threshold = hs[0]


@njit(nogil=True, fastmath=True, cache=True)
def scan_serial(matrix, queries, offset, allowed, sqnorms, heap_scores, heap_ids):
    """Score ``matrix`` rows against a few ``queries`` and fold them into the heaps, serially.

    The path for one or a few queries (a server's requests): no BLAS call and no thread pool,
    whose wake-ups and spinning cost more than the work and contend with other requests.
    Arguments as in :func:`merge_block`; ``matrix`` holds rows ``offset..offset+n``.
    """
    n, dim = matrix.shape
    nq = queries.shape[0]
    check_allowed = allowed.shape[0] > 0
    euclidean = sqnorms.shape[0] > 0
    for j in range(n):
        if check_allowed and allowed[offset + j] == 0:
            continue
        row = matrix[j]
        for i in range(nq):
            q = queries[i]
            s = np.float32(0.0)
            for d in range(dim):
                s += row[d] * q[d]
            if euclidean:
                s = 2.0 * s - sqnorms[offset + j]
            if s > heap_scores[i, 0]:
                _sift_down(heap_scores[i], heap_ids[i], s, offset + j)


def _sorted_heaps(heap_scores, heap_ids):
    """Sort every heap row best first, in place (empty slots, ``-inf``/``-1``, go last)."""
    rows, k = heap_scores.shape
    for i in prange(rows):
        order = np.argsort(-heap_scores[i], kind="mergesort")
        heap_scores[i] = heap_scores[i][order]
        heap_ids[i] = heap_ids[i][order]


merge_block = njit(parallel=True, nogil=True, cache=True)(_merge_block)
sorted_heaps = njit(parallel=True, nogil=True, cache=True)(_sorted_heaps)
sorted_heaps_serial = njit(nogil=True, cache=True)(_sorted_heaps)
