"""Token vectors → one sentence vector: mean, CLS or max pooling over the real tokens.

Padding must not count: the mean divides by the number of real tokens and the max never
picks a padded position. The same code runs on NumPy arrays (inference) and torch tensors
(fine-tuning), so both paths pool identically.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["normalize_rows", "pool"]


def _is_numpy(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def pool(hidden: Any, mask: Any, mode: str) -> Any:
    """Pool ``(B, T, D)`` token vectors into ``(B, D)`` sentence vectors.

    Parameters
    ----------
    hidden
        Token vectors (NumPy array or torch tensor).
    mask
        ``(B, T)`` 1 on real tokens, 0 on padding (same library as ``hidden``).
    mode
        ``"mean"`` (average of the real tokens), ``"cls"`` (the first token) or ``"max"``
        (per-dimension maximum over the real tokens).
    """
    if mode == "cls":
        return hidden[:, 0]
    if _is_numpy(hidden):
        weights = mask[..., None].astype(hidden.dtype)
        if mode == "mean":
            return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if mode == "max":
            return np.where(weights > 0, hidden, -np.inf).max(axis=1)
    else:
        weights = mask[..., None].to(hidden.dtype)
        if mode == "mean":
            return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        if mode == "max":
            return hidden.masked_fill(weights == 0, float("-inf")).amax(dim=1)
    raise ValueError(f"The 'pooling' parameter must be 'mean', 'cls' or 'max'. Got {mode!r}.")


def normalize_rows(x: Any) -> Any:
    """Rows scaled to unit L2 norm; all-zero rows stay zero."""
    if _is_numpy(x):
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.maximum(norms, 1e-12)
    return x / x.norm(dim=1, keepdim=True).clamp(min=1e-12)
