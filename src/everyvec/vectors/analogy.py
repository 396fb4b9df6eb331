"""Word analogies a:b::c:? solved in batches (3CosAdd and 3CosMul), agreeing with gensim.

The reading follows the questions-words file: a line ``a b c d`` means "a is to b as c is to
d", so the answer to ``man king woman ?`` is ``queen`` ≈ king − man + woman.

* **3CosAdd** is gensim's ``most_similar(positive=[b, c], negative=[a])``: unit rows are
  combined as ``u_b + u_c − u_a``, re-normalised, and every candidate is scored by its cosine
  with that direction.
* **3CosMul** is gensim's ``most_similar_cosmul(positive=[b, c], negative=[a])`` (Levy &
  Goldberg 2014, eq. 4, cosines shifted to [0, 1]):
  ``(1+cos(x,b))/2 · (1+cos(x,c))/2 / ((1+cos(x,a))/2 + 1e-6)``.

Questions are processed a block at a time: one float32 matrix product scores a block of
questions against every candidate, ``a``, ``b`` and ``c`` are set to ``-inf`` inside the
block, and :func:`numpy.argpartition` keeps the best ``topn``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from everyvec.vectors import ops

__all__ = ["METHODS", "COSMUL_EPSILON", "check_method", "cosmul_scores", "solve_analogies"]

METHODS = ("3cosadd", "3cosmul")

# gensim's most_similar_cosmul adds this to the denominator to avoid dividing by zero.
COSMUL_EPSILON = 1e-6


def check_method(method: object) -> str:
    """Return ``method`` if it is ``"3cosadd"`` or ``"3cosmul"``; ``ValueError`` otherwise."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be '3cosadd' or '3cosmul'; got {method!r}")
    return method


def _rows(values: Any, name: str, n_rows: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of row numbers, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer row numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= n_rows):
        bad = int(arr[(arr < 0) | (arr >= n_rows)][0])
        raise IndexError(f"{name} holds row {bad}, outside 0..{n_rows - 1}")
    return arr


def cosmul_scores(
    candidates: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
    *,
    out: np.ndarray | None = None,
    work: np.ndarray | None = None,
) -> np.ndarray:
    """3CosMul scores of every candidate row for each query, as gensim computes them.

    Parameters
    ----------
    candidates
        ``(m, dim)`` unit-normalised rows.
    positive, negative
        ``(n, p, dim)`` and ``(n, q, dim)`` unit-normalised terms per query (``p >= 1``,
        ``q`` may be 0).
    out, work
        Optional ``(n, m)`` float32 buffers to reuse (fresh large arrays cost page faults).

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` float32 (``out`` when given):
        ``Π_pos (1+cos)/2 / (Π_neg (1+cos)/2 + 1e-6)``, in gensim's order of float32 steps.
    """
    n, m = positive.shape[0], candidates.shape[0]
    if positive.shape[1] < 1:
        raise ValueError("3CosMul needs at least one positive term per query")
    cand_t = candidates.T
    out = np.empty((n, m), np.float32) if out is None else out
    if work is None and (positive.shape[1] > 1 or negative.shape[1] > 0):
        work = np.empty((n, m), np.float32)

    def shifted(terms: np.ndarray, j: int, buffer: np.ndarray) -> np.ndarray:
        np.matmul(terms[:, j, :], cand_t, out=buffer)
        buffer += 1.0
        buffer *= 0.5
        return buffer

    shifted(positive, 0, out)
    for j in range(1, positive.shape[1]):
        out *= shifted(positive, j, work)
    if negative.shape[1]:
        den = shifted(negative, 0, work)
        if negative.shape[1] > 1:
            den = den.copy()
            for j in range(1, negative.shape[1]):
                den *= shifted(negative, j, work)
        den += np.float32(COSMUL_EPSILON)
        out /= den
    else:
        out /= np.float32(1.0 + COSMUL_EPSILON)  # gensim: prod of no terms is 1, plus 1e-6
    return out


def solve_analogies(
    unit: np.ndarray,
    a: Any,
    b: Any,
    c: Any,
    *,
    method: str = "3cosadd",
    topn: int = 1,
    restrict: int | None = None,
    block: int = 2048,
) -> tuple[np.ndarray, np.ndarray]:
    """Answer many analogies a:b::c:? at once.

    Parameters
    ----------
    unit
        ``(V, dim)`` matrix with unit-normalised rows (e.g. ``Vectors.unit_matrix``); zero rows
        are allowed and score as cosine 0. Converted to float32 if it is not already.
    a, b, c
        Equal-length 1-D int arrays of row numbers: question ``i`` is
        ``a[i] : b[i] :: c[i] : ?``.
    method
        ``"3cosadd"`` (gensim ``most_similar``) or ``"3cosmul"`` (gensim
        ``most_similar_cosmul``).
    topn
        Answers per question, best first.
    restrict
        Only rows ``< restrict`` are candidates (the questions' own rows may lie beyond).
        ``None`` means every row.
    block
        Most questions per matrix product; lowered automatically so one block's scores stay
        under 128 MiB (e.g. about 1,100 questions at 30,000 candidates).

    Returns
    -------
    indices, scores
        ``(q, topn)`` int64 row numbers and float32 scores, best first. ``a``, ``b`` and ``c``
        are never returned; a slot that cannot be filled (``topn`` larger than the candidates
        left) holds ``-1`` and ``-inf``. A question whose 3CosAdd direction is zero (say
        ``b == a`` and ``c`` a zero row) scores every candidate 0 (never NaN) and its answer
        is then simply the lowest free row.

    Examples
    --------
    >>> import numpy as np
    >>> unit = np.eye(4, dtype=np.float32)
    >>> idx, _ = solve_analogies(unit, [0], [1], [2])
    >>> idx.shape
    (1, 1)
    """
    method = check_method(method)
    unit = np.asarray(unit)
    if unit.ndim != 2:
        raise ValueError(f"unit must be a 2-D matrix, got shape {unit.shape}")
    if unit.dtype != np.float32:
        unit = unit.astype(np.float32)
    n_rows = unit.shape[0]
    a = _rows(a, "a", n_rows)
    b = _rows(b, "b", n_rows)
    c = _rows(c, "c", n_rows)
    if not (a.shape == b.shape == c.shape):
        raise ValueError(
            f"a, b and c must have the same length, got {a.shape[0]}, {b.shape[0]}, {c.shape[0]}"
        )
    k = ops.check_topn(topn)
    n_cand = ops.check_restrict(restrict, n_rows, "restrict")
    step = ops.rows_per_block(n_cand, ops.check_block(block), 1 if method == "3cosadd" else 2)

    q = a.shape[0]
    k_out = min(k, n_cand)
    out_idx = np.full((q, k), -1, np.int64)
    out_val = np.full((q, k), -np.inf, np.float32)
    candidates = unit[:n_cand]
    # Score buffers are allocated once and reused: fresh large arrays cost page faults.
    buffer = np.empty((min(step, q), n_cand), np.float32)
    work = np.empty_like(buffer) if method == "3cosmul" else None
    for start in range(0, q, step):
        sl = slice(start, min(start + step, q))
        rows = sl.stop - sl.start
        ua, ub, uc = unit[a[sl]], unit[b[sl]], unit[c[sl]]
        if method == "3cosadd":
            # gensim: weighted mean of the unit vectors, then re-normalised; the 1/3 factor
            # vanishes in the normalisation.
            query = ops.unit_rows(ub + uc - ua)
            scores = np.matmul(query, candidates.T, out=buffer[:rows])
        else:
            scores = cosmul_scores(candidates, np.stack([ub, uc], axis=1), ua[:, None, :],
                                   out=buffer[:rows], work=work[:rows])
        ops.exclude_rows(scores, np.stack([a[sl], b[sl], c[sl]], axis=1))
        idx, vals = ops.top_k(scores, k_out, overwrite=True)
        out_idx[sl, :k_out] = idx
        out_val[sl, :k_out] = vals
    return out_idx, out_val
