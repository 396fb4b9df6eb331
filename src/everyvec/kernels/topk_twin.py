"""Slow NumPy twins of :mod:`everyvec.kernels.topk`, for the tests only."""

from __future__ import annotations

import numpy as np


def topk_twin(scores: np.ndarray, k: int, allowed: np.ndarray | None = None,
              sqnorms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best columns of every row of a full score matrix, best first.

    Same conventions as the kernels: euclidean scores are ``2 s - |x|^2``, skipped columns
    and missing slots are ``-inf`` with id ``-1``.
    """
    scores = scores.astype(np.float32)
    if sqnorms is not None:
        scores = (np.float32(2.0) * scores - sqnorms[None, :]).astype(np.float32)
    if allowed is not None:
        scores = np.where(allowed[None, :] > 0, scores, -np.inf).astype(np.float32)
    rows, n = scores.shape
    out_scores = np.full((rows, k), -np.inf, dtype=np.float32)
    out_ids = np.full((rows, k), -1, dtype=np.int64)
    for i in range(rows):
        order = np.argsort(-scores[i], kind="stable")[:k]
        order = order[np.isfinite(scores[i, order])]
        out_scores[i, :len(order)] = scores[i, order]
        out_ids[i, :len(order)] = order
    return out_scores, out_ids
