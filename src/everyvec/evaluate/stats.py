"""Rank and linear correlation in plain NumPy (no SciPy needed at run time).

Spearman's ρ is Pearson's r on ranks, with tied values given the average of the ranks they
span — the same definition as ``scipy.stats.spearmanr`` and therefore gensim's
``evaluate_word_pairs``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["rankdata", "pearson", "spearman"]


def _as_vector(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def rankdata(values: Any) -> np.ndarray:
    """Ranks starting at 1, ties replaced by the mean of the ranks they occupy.

    Parameters
    ----------
    values
        One-dimensional array-like of finite numbers.

    Returns
    -------
    numpy.ndarray
        float64 ranks, e.g. ``[10, 20, 20, 30] -> [1, 2.5, 2.5, 4]``.
    """
    x = _as_vector(values, "values")
    n = x.size
    if n == 0:
        return np.empty(0, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.arange(n)
    xs = x[order]
    new_value = np.empty(n, dtype=bool)
    new_value[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new_value[1:])
    group = np.cumsum(new_value)[inverse]  # 1-based id of each element's tie group
    starts = np.append(np.flatnonzero(new_value), n)  # group g spans sorted slots [s[g-1], s[g])
    # average of 1-based ranks starts[g-1]+1 … starts[g]
    return 0.5 * (starts[group] + starts[group - 1] + 1)


def pearson(x: Any, y: Any) -> float:
    """Pearson's correlation coefficient; NaN when either input is constant or too short.

    Parameters
    ----------
    x, y
        One-dimensional array-likes of the same length.
    """
    a = _as_vector(x, "x")
    b = _as_vector(y, "y")
    if a.size != b.size:
        raise ValueError(f"x and y must have the same length, got {a.size} and {b.size}")
    if a.size < 2:
        return math.nan
    a = a - a.mean()
    b = b - b.mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    if denominator == 0.0:
        return math.nan
    # Rounding can push |r| a hair past 1 for perfectly correlated inputs.
    return float(min(1.0, max(-1.0, float(a @ b) / denominator)))


def spearman(x: Any, y: Any) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN when a side is constant.

    Parameters
    ----------
    x, y
        One-dimensional array-likes of the same length.

    Examples
    --------
    >>> spearman([1, 2, 3, 4], [10, 20, 20, 40])
    0.9486832980505138
    """
    a = _as_vector(x, "x")
    b = _as_vector(y, "y")
    if a.size != b.size:
        raise ValueError(f"x and y must have the same length, got {a.size} and {b.size}")
    return pearson(rankdata(a), rankdata(b))
