"""Slow plain-Python twins of :mod:`everyvec.kernels.walks`, for the tests only.

They make the same random draws in the same order as the kernels, from the Python twins of
the RNG (:mod:`everyvec.kernels.sampling`), so a test can compare walks one for one.
"""

from __future__ import annotations

import numpy as np

from everyvec.kernels.sampling import (
    alias_table_py,
    derive_state_py,
    draw_alias_py,
    draw_below_py,
    next_state_py,
    output32_py,
)

__all__ = ["row_alias_tables_twin", "walks_twin"]

def row_alias_tables_twin(indptr: np.ndarray,
                          weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Twin of :func:`~everyvec.kernels.walks.row_alias_tables`: one table per row."""
    thresholds = np.zeros(len(weights), np.uint64)
    aliases = np.zeros(len(weights), np.int32)
    for v in range(len(indptr) - 1):
        lo, hi = int(indptr[v]), int(indptr[v + 1])
        if hi > lo:
            thresholds[lo:hi], aliases[lo:hi] = alias_table_py(weights[lo:hi].astype(float))
    return thresholds, aliases


def _step(x: int, lo: int, deg: int, weighted: bool, thresholds: np.ndarray,
          aliases: np.ndarray) -> tuple[int, int]:
    if not weighted:
        x = next_state_py(x)
        return draw_below_py(output32_py(x), deg), x
    return draw_alias_py(x, thresholds[lo:lo + deg], aliases[lo:lo + deg])


def walks_twin(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray | None,
               start_nodes: np.ndarray, walk_length: int, p: float, q: float, seed: int,
               stream: tuple[int, ...]) -> list[list[int]]:
    """The walks the kernel takes from ``start_nodes``, as lists of node ids.

    ``weights=None`` walks uniformly; node2vec's bias applies unless ``p == q == 1``. Walk
    ``w`` draws from ``derive_state(seed, *stream, w)``.
    """
    from everyvec.kernels.walks import node2vec_bias

    weighted = weights is not None
    if weighted:
        thresholds, aliases = row_alias_tables_twin(indptr, weights)
        totals = [sum(float(weights[e]) for e in range(indptr[v], indptr[v + 1]))
                  for v in range(len(indptr) - 1)]
    else:
        thresholds = aliases = np.zeros(0)
    accept_array, bound, excess = node2vec_bias(p, q)
    accept = [int(a) for a in accept_array]
    second_order = not (p == 1.0 and q == 1.0)
    walks = []
    for w, start in enumerate(start_nodes.tolist()):
        x = derive_state_py(seed, *stream, w)
        walk = [start]
        previous = -1
        while len(walk) < walk_length:
            current = walk[-1]
            lo, hi = int(indptr[current]), int(indptr[current + 1])
            if hi == lo:
                break
            row = indices[lo:hi].tolist()
            if not second_order or previous < 0:
                k, x = _step(x, lo, hi - lo, weighted, thresholds, aliases)
                candidate = row[k]
            else:
                outlier = 0
                if excess > 0.0 and previous in row:
                    back = lo + row.index(previous)
                    w_back = float(weights[back]) if weighted else 1.0
                    total = totals[current] if weighted else float(hi - lo)
                    mass = w_back * excess
                    outlier = int(mass / (bound * total + mass) * 4294967296.0)
                linked = set(indices[indptr[previous]:indptr[previous + 1]].tolist())
                while True:
                    if outlier:
                        x = next_state_py(x)
                        if output32_py(x) < outlier:
                            candidate = previous
                            break
                    k, x = _step(x, lo, hi - lo, weighted, thresholds, aliases)
                    candidate = row[k]
                    x = next_state_py(x)
                    kind = 0 if candidate == previous else 1 if candidate in linked else 2
                    if output32_py(x) < accept[kind]:
                        break
            previous = current
            walk.append(candidate)
        walks.append(walk)
    return walks
