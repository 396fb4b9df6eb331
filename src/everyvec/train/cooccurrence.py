"""Word–context co-occurrence counts over an id-encoded corpus, as a sparse matrix.

Pairs are made with array slicing (one pass per window offset), never a Python loop over
tokens; pairs that would cross a sentence boundary are masked out.
"""

from __future__ import annotations

import numpy as np

from everyvec._optional import require


def window_weights(window: int, dynamic: bool) -> np.ndarray:
    """Weight of a context at distance ``d = 1..window``.

    With ``dynamic=True`` this is word2vec's expected weight under random window shrinking,
    ``(window - d + 1) / window``; otherwise every distance counts 1.
    """
    d = np.arange(1, window + 1, dtype=np.float64)
    return (window - d + 1) / window if dynamic else np.ones_like(d)


def cooccurrence_matrix(
    ids: np.ndarray, sentence_ids: np.ndarray, n_words: int, *, window: int = 5,
    dynamic: bool = True,
):
    """Symmetric co-occurrence counts as a ``scipy.sparse.csr_matrix`` (float64).

    Parameters
    ----------
    ids
        Token ids, the corpus concatenated (int array).
    sentence_ids
        Same length as ``ids``; positions with different values never co-occur.
    n_words
        Number of rows/columns.
    window
        Largest distance between a word and its context.
    dynamic
        Weight contexts by distance as word2vec's shrinking window does.
    """
    sparse = require("scipy.sparse", "co-occurrence counting")
    ids = np.asarray(ids, dtype=np.int64)
    sentence_ids = np.asarray(sentence_ids)
    if ids.shape != sentence_ids.shape:
        raise ValueError("ids and sentence_ids must have the same length")
    total = sparse.csr_matrix((n_words, n_words), dtype=np.float64)
    for d, weight in enumerate(window_weights(window, dynamic), start=1):
        if d >= len(ids):
            break
        same = sentence_ids[:-d] == sentence_ids[d:]
        rows, cols = ids[:-d][same], ids[d:][same]
        data = np.full(len(rows), weight)
        part = sparse.coo_matrix((data, (rows, cols)), shape=(n_words, n_words)).tocsr()
        total = total + part + part.T
    return total.tocsr()
