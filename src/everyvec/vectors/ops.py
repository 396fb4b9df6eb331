"""Similarity search as plain functions over float32 arrays: metrics, blocked top-k, validation.

Everything here works on arrays and row numbers only; :class:`~everyvec.Vectors` turns keys
into rows and calls in. Queries are scored a block at a time with one float32 matrix product
(BLAS ``sgemm``) and reduced with :func:`numpy.argpartition`, so no Python loop runs per query
and no ``(queries × vocabulary)`` array larger than about 128 MiB is ever held.

Scores are "higher is better" inside: cosine similarity, dot product, and for the Euclidean
metric ``2·q·x − ‖x‖²`` (the same ranking as ``−‖q − x‖²``). Euclidean results are converted
back to true distances, recomputed exactly for the rows returned, and come smallest first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "METRICS",
    "check_metric",
    "check_restrict",
    "check_topn",
    "exclude_rows",
    "pairwise_similarity",
    "parse_terms",
    "rows_per_block",
    "search",
    "top_k",
    "unit_rows",
]

METRICS = ("cosine", "dot", "euclidean")

# Largest number of float32 scores held per block (128 MiB); blocks shrink to respect it.
BLOCK_ELEMENTS = 1 << 25

# Up to this many results per row, top_k uses repeated argmax instead of argpartition.
ARGMAX_MAX_K = 48


# ---------------------------------------------------------------------------- validation
def check_metric(metric: object, allowed: Sequence[str] = METRICS) -> str:
    """Return ``metric`` if it is one of ``allowed``; ``ValueError`` naming them otherwise."""
    if not isinstance(metric, str) or metric not in allowed:
        raise ValueError(f"metric must be one of {', '.join(map(repr, allowed))}; got {metric!r}")
    return metric


def _check_count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")
    return int(value)


def check_topn(topn: object, *, allow_none: bool = False) -> int | None:
    """Validate ``topn``: an int >= 1 (or ``None`` meaning "every candidate" when allowed)."""
    if topn is None and allow_none:
        return None
    return _check_count(topn, "topn", 1)


def check_restrict(restrict: object, n_rows: int, name: str = "restrict_vocab") -> int:
    """Candidate rows: ``n_rows`` when ``restrict`` is None, else ``min(restrict, n_rows)``.

    ``restrict`` must be an int >= 1; a value above ``n_rows`` simply means every row, as in
    gensim.
    """
    if restrict is None:
        return n_rows
    return min(_check_count(restrict, name, 1), n_rows)


def check_block(block: object) -> int:
    """Validate a block size (an int >= 1)."""
    return _check_count(block, "block", 1)


def rows_per_block(n_candidates: int, block: int, arrays: int = 1) -> int:
    """Queries per block: at most ``block``, fewer so ``arrays`` score matrices fit the budget."""
    budget = BLOCK_ELEMENTS // max(1, arrays * max(1, n_candidates))
    return max(1, min(block, budget))


# ---------------------------------------------------------------------------- basic kernels
def unit_rows(x: np.ndarray) -> np.ndarray:
    """Float32 copy of ``x`` (1-D or 2-D) with each row scaled to unit L2 norm; zero rows stay 0."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, np.float32(1.0))


def pairwise_similarity(a: np.ndarray, b: np.ndarray, metric: str = "cosine") -> np.ndarray:
    """Row-by-row similarity of two ``(n, dim)`` arrays (broadcasting a single row).

    Cosine with a zero vector is 0 (not NaN), as in scikit-learn.
    """
    check_metric(metric, ("cosine", "dot"))
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    if metric == "cosine":
        a, b = unit_rows(a), unit_rows(b)
    return np.einsum("...d,...d->...", a, b, dtype=np.float32)


def top_k(
    scores: np.ndarray, k: int, *, overwrite: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest entries of each row of ``scores``, best first.

    Ties are broken by the smaller column number. Entries equal to ``-inf`` (excluded rows)
    come back with index ``-1``, and so do NaN entries; ``k`` is clipped to the number of
    columns.

    For small ``k`` this runs ``k`` passes of :func:`numpy.argmax` (each about a hundred
    times cheaper than one :func:`numpy.argpartition` over the same block); larger ``k`` use
    ``argpartition``. With ``overwrite=True`` the small-``k`` path may scribble on ``scores``
    instead of copying it.

    Returns
    -------
    indices, values
        ``(n, k)`` int64 column numbers and the matching scores.
    """
    n, m = scores.shape
    k = min(k, m)
    if k == 0:
        return np.empty((n, 0), np.int64), np.empty((n, 0), scores.dtype)
    if np.isnan(scores).any():  # NaN (from NaN in the matrix) is never a result
        scores = np.where(np.isnan(scores), -np.inf, scores).astype(scores.dtype)
        overwrite = True
    if k <= ARGMAX_MAX_K:
        work = scores if overwrite else scores.copy()
        idx = np.empty((n, k), np.int64)
        vals = np.empty((n, k), scores.dtype)
        rows = np.arange(n)
        for j in range(k):
            best = np.argmax(work, axis=1)  # first maximum: the smaller column wins ties
            idx[:, j] = best
            vals[:, j] = work[rows, best]
            work[rows, best] = -np.inf
    else:
        if k < m:
            cand = _largest_columns(scores, k)
        else:
            cand = np.broadcast_to(np.arange(m), (n, m))
        vals = np.take_along_axis(scores, cand, axis=1)
        order = np.lexsort((cand, -vals), axis=-1)
        idx = np.take_along_axis(cand, order, axis=1).astype(np.int64)
        vals = np.take_along_axis(vals, order, axis=1)
    idx[np.isneginf(vals)] = -1
    return idx, vals


def _largest_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Columns of the ``k`` largest entries per row (unordered); ties at the cut go to the
    smaller column, which ``argpartition`` alone does not promise."""
    m = scores.shape[1]
    # the k-th largest value of each row: everything above it is in, equals fill up the rest
    kth = np.partition(scores, m - k, axis=1)[:, m - k][:, None]
    above = scores > kth
    equal = scores == kth
    needed = k - above.sum(axis=1, keepdims=True)
    chosen = above | (equal & (np.cumsum(equal, axis=1) <= needed))
    return np.nonzero(chosen)[1].reshape(scores.shape[0], k)


def exclude_rows(scores: np.ndarray, exclude: np.ndarray | None) -> None:
    """Set ``scores[i, exclude[i, j]] = -inf`` in place; ids outside the columns are ignored."""
    if exclude is None or exclude.size == 0:
        return
    m = scores.shape[1]
    valid = (exclude >= 0) & (exclude < m)
    r, c = np.nonzero(valid)
    scores[r, exclude[r, c]] = -np.inf


# ---------------------------------------------------------------------------- blocked search
def search(
    candidates: np.ndarray,
    queries: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    exclude: np.ndarray | None = None,
    block: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` candidate rows for every query, computed a block of queries at a time.

    Parameters
    ----------
    candidates
        ``(m, dim)`` float32 rows to search. For ``"cosine"`` pass unit-normalised rows (the
        queries are normalised here; zero rows score 0).
    queries
        ``(n, dim)`` query vectors.
    k
        Results per query (clipped to ``m``).
    metric
        ``"cosine"`` or ``"dot"`` (largest first) or ``"euclidean"`` (smallest distance first).
    exclude
        Optional ``(n, e)`` int array of candidate rows never to return for each query
        (``-1`` pads).
    block
        Most queries per matrix product (lowered to keep each block's scores under 128 MiB).

    Returns
    -------
    indices, scores
        ``(n, k)`` int64 rows and float32 scores. Slots a query cannot fill (every candidate
        excluded) hold index ``-1`` and score ``-inf`` (``+inf`` for Euclidean distances).
    """
    check_metric(metric)
    candidates = np.asarray(candidates, dtype=np.float32)
    queries = np.asarray(queries, dtype=np.float32)
    n, m = queries.shape[0], candidates.shape[0]
    k = min(k, m)
    if metric == "cosine":
        queries = unit_rows(queries)
    sq_norms = np.einsum("ij,ij->i", candidates, candidates) if metric == "euclidean" else None
    out_idx = np.empty((n, k), np.int64)
    out_val = np.empty((n, k), np.float32)
    step = rows_per_block(m, block)
    cand_t = candidates.T
    buffer = np.empty((min(step, n), m), np.float32)  # reused: fresh arrays cost page faults
    for start in range(0, n, step):
        stop = min(start + step, n)
        scores = np.matmul(queries[start:stop], cand_t, out=buffer[:stop - start])
        if sq_norms is not None:
            scores *= 2.0
            scores -= sq_norms
        exclude_rows(scores, None if exclude is None else exclude[start:stop])
        idx, vals = top_k(scores, k, overwrite=True)
        if sq_norms is not None:
            idx, vals = _exact_distances(candidates, queries[start:stop], idx)
        out_idx[start:stop] = idx
        out_val[start:stop] = vals
    return out_idx, out_val


def _exact_distances(
    candidates: np.ndarray, queries: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances of the chosen rows, recomputed directly and re-sorted ascending.

    The ``2·q·x − ‖x‖²`` form used for ranking loses precision for nearby points; the
    distances returned to users are computed from the differences instead.
    """
    n, k = idx.shape
    dist = np.full((n, k), np.inf, np.float32)
    dim = max(1, candidates.shape[1])
    step = max(1, BLOCK_ELEMENTS // max(1, k * dim))
    for start in range(0, n, step):
        sub = idx[start:start + step]
        diff = candidates[np.maximum(sub, 0)] - queries[start:start + step, None, :]
        d = np.sqrt(np.einsum("qkd,qkd->qk", diff, diff))
        d[sub < 0] = np.inf
        dist[start:start + step] = d
    order = np.lexsort((np.where(idx < 0, np.iinfo(np.int64).max, idx), dist), axis=-1)
    return np.take_along_axis(idx, order, 1), np.take_along_axis(dist, order, 1)


# ---------------------------------------------------------------------------- query terms
def parse_terms(
    positive: Any,
    negative: Any,
    *,
    dim: int,
    index_of: Callable[[str], int],
) -> tuple[list[int | None], np.ndarray, np.ndarray]:
    """Turn gensim-style ``positive``/``negative`` arguments into rows, raw vectors and weights.

    Each argument may be ``None``, a key, a 1-D vector, a 2-D array (one vector per row), or a
    list of items where an item is a key, a 1-D vector or a ``(key_or_vector, weight)`` pair.
    Positive items weigh ``+1`` and negative ``-1`` unless a weight is given, as in gensim.

    Returns
    -------
    rows
        Row number of each term, or ``None`` for terms given as vectors.
    vectors
        ``(t, dim)`` float32 array of the given vectors (zeros where ``rows`` has a row).
    weights
        ``(t,)`` float64 weights.
    """
    rows: list[int | None] = []
    vecs: list[np.ndarray | None] = []
    weights: list[float] = []
    for name, value, sign in (("positive", positive, 1.0), ("negative", negative, -1.0)):
        for pos, item in enumerate(_as_items(value, name)):
            where = f"{name}[{pos}]"
            weight = sign
            if isinstance(item, tuple):
                if len(item) != 2:
                    raise ValueError(
                        f"{where}: a tuple must be (key_or_vector, weight), got {item!r}"
                    )
                item, weight = item
                if isinstance(weight, bool) or not isinstance(weight, Real) or not math.isfinite(
                    weight
                ):
                    raise TypeError(f"{where}: weight must be a finite number, got {weight!r}")
                weight = float(weight)
            if isinstance(item, str):
                rows.append(index_of(item))
                vecs.append(None)
            elif isinstance(item, np.ndarray):
                rows.append(None)
                vecs.append(check_vector(item, dim, where))
            else:
                raise TypeError(
                    f"{where}: expected a key (str), a 1-D numpy vector or a (key, weight) pair, "
                    f"got {type(item).__name__}"
                )
            weights.append(weight)
    out = np.zeros((len(rows), dim), np.float32)
    for i, v in enumerate(vecs):
        if v is not None:
            out[i] = v
    return rows, out, np.asarray(weights, dtype=np.float64)


def _as_items(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
        raise ValueError(f"{name}: an array must be 1-D or 2-D, got shape {value.shape}")
    if isinstance(value, (list, tuple)):
        return list(value)
    raise TypeError(
        f"{name} must be a key, a vector or a list of keys/vectors, got {type(value).__name__}"
    )


def check_vector(vector: Any, dim: int, name: str = "vector") -> np.ndarray:
    """``vector`` as a finite float32 1-D array of length ``dim``, or a clear error."""
    arr = np.asarray(vector)
    if arr.ndim != 1 or arr.shape[0] != dim:
        raise ValueError(f"{name}: expected a vector of shape ({dim},), got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name}: expected a real numeric vector, got dtype {arr.dtype}")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: vector contains NaN or infinity")
    return arr
