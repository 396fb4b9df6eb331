"""Rules of thumb for choosing an embedding dimension from the number of categories.

* ``"fourth_root"``: ``round(k · n ** 0.25)``. The common rule "embedding dimension ≈ the
  fourth root of the vocabulary size" (quoted, for instance, in the Chinese nn.Embedding notes
  this project started from: "一个经验公式是 embedding 空间维度等于 vocabulary 大小开四次方");
  ``k`` defaults to 1, which is that rule as stated. Google's feature-column guide gives the
  same rule; ``k`` of 1.6 to 4 are also seen in practice.
* ``"fastai"``: ``min(600, round(1.6 · n ** 0.56))``, fastai's ``emb_sz_rule``. fastai counts
  an extra ``#na#`` category, so pass ``n + 1`` to reproduce its tables exactly.

Both use Python's ``round`` (half to even), as fastai does, and never return less than 1.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["RULES", "embedding_size"]

RULES = ("fourth_root", "fastai")


def embedding_size(
    n_categories: int,
    rule: str = "fourth_root",
    *,
    k: float = 1.0,
    max_dim: int | None = None,
) -> int:
    """Suggested embedding dimension for ``n_categories`` distinct values.

    Parameters
    ----------
    n_categories
        Number of distinct categories (vocabulary size), an int >= 1.
    rule
        ``"fourth_root"`` (``round(k · n^0.25)``) or ``"fastai"``
        (``min(600, round(1.6 · n^0.56))``).
    k
        Multiplier of the fourth-root rule (> 0); not used by ``"fastai"``.
    max_dim
        Optional upper bound (an int >= 1) applied after the rule.

    Returns
    -------
    int
        The dimension, at least 1.

    Examples
    --------
    >>> embedding_size(10_000)
    10
    >>> embedding_size(10_000, k=4)
    40
    >>> embedding_size(10_000, "fastai")
    278
    """
    if isinstance(n_categories, bool) or not isinstance(n_categories, Integral):
        raise TypeError(
            f"n_categories must be an int >= 1, got {type(n_categories).__name__} "
            f"{n_categories!r}"
        )
    if n_categories < 1:
        raise ValueError(f"n_categories must be an int >= 1, got {n_categories}")
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(map(repr, RULES))}; got {rule!r}")
    if isinstance(k, bool) or not isinstance(k, Real) or not math.isfinite(k) or k <= 0:
        raise ValueError(f"k must be a finite number > 0, got {k!r}")
    if max_dim is not None and (
        isinstance(max_dim, bool) or not isinstance(max_dim, Integral) or max_dim < 1
    ):
        raise ValueError(f"max_dim must be an int >= 1 or None, got {max_dim!r}")
    n = int(n_categories)
    if rule == "fastai":
        if k != 1.0:
            raise ValueError("k only applies to rule='fourth_root'")
        dim = min(600, round(1.6 * n ** 0.56))
    else:
        dim = round(float(k) * n ** 0.25)
    dim = max(1, int(dim))
    if max_dim is not None:
        dim = min(dim, int(max_dim))
    return dim
