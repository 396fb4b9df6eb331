"""Running top-k selection over blocks of scores, one bounded min-heap per query row.

The exact index computes a block of scores with one BLAS matrix product and hands it to
:func:`merge_block`, which keeps the ``k`` best of everything seen so far per query. Most
scores fail the "better than the current k-th best" test, so the inner loop is one compare
per score; only the rare winner pays for a heap sift. This is what FAISS does after its GEMM,
and it beats ``argpartition`` over the full row, which touches every score several times.

Each kernel has a slow NumPy twin in :mod:`everyvec.kernels.topk_twin` for the tests.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["new_heaps", "merge_block", "sorted_heaps"]


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


@njit(parallel=True, nogil=True, cache=True)
def merge_block(scores, offset, allowed, sqnorms, heap_scores, heap_ids):
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


@njit(parallel=True, nogil=True, cache=True)
def sorted_heaps(heap_scores, heap_ids):
    """Sort every heap row best first, in place (empty slots, ``-inf``/``-1``, go last)."""
    rows, k = heap_scores.shape
    for i in prange(rows):
        order = np.argsort(-heap_scores[i], kind="mergesort")
        heap_scores[i] = heap_scores[i][order]
        heap_ids[i] = heap_ids[i][order]
