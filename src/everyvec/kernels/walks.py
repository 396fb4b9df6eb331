"""Random walks over a CSR graph: DeepWalk (first order) and node2vec (second order).

One call walks a range of walks, each from its own start node, into rows of a shared output
buffer, and releases the GIL, so the caller runs ranges on threads side by side.

* **Uniform steps** (DeepWalk): the next node is a neighbour drawn with one 32-bit random
  (multiply-and-shift, :func:`~everyvec.kernels.sampling.draw_below`).
* **Weighted steps**: every node has a Vose alias table over its own row, laid out in two
  arrays parallel to the CSR edge array (a threshold and an alias column per stored edge),
  so the tables cost O(E) memory and a step costs one draw and at most two reads.
* **node2vec** (Grover & Leskovec 2016) biases a step from ``v`` (coming from ``t``) towards
  ``x`` by ``1/p`` when ``x == t``, ``1`` when ``t -> x`` is an edge and ``1/q`` otherwise.
  The reference code precomputes an alias table for every edge pair ``(t, v)`` — memory
  ``sum(degree**2)``. Here, as in KnightKing (Yang et al. 2019) and "fast node2vec", a
  candidate ``x`` is drawn from the first-order distribution and accepted with probability
  ``bias(x) / max(1, 1/q)``; whether ``t -> x`` is an edge is a binary search in ``t``'s
  sorted row, skipped when the random falls below ``min(1, 1/q) / max(1, 1/q)`` (accepted
  either way). When returning is favoured beyond that envelope (small ``p``), the excess is
  KnightKing's *outlier*: a separate mass ``w(v, t) * (1/p - max(1, 1/q))`` on ``t``, tried
  first in every round, so a small ``p`` does not make every other candidate rejected most of
  the time. Accepted candidates follow the exact second-order distribution, with no tables
  beyond the first-order ones. Decisions compare 32-bit randoms with integer thresholds, so
  the twin makes the same ones bit for bit. The first step of a walk has no ``t`` and is
  first order.
* **Directed graphs**: a walk that reaches a node without out-edges (a sink) stops there.
  node2vec's middle case is the edge ``t -> x`` (the walk could have gone there directly);
  the reference code tests ``x -> t`` instead. Undirected graphs do not tell them apart.

Randomness: walk ``w`` (its position in the list of start nodes) draws from its own
xorshift64* stream, ``derive_state(seed, stream, w)`` computed in the kernel by splitmix64, so
walks do not depend on how they are split among threads: any thread count gives the same
walks bit for bit.

The slow twins are in :mod:`everyvec.kernels.walks_twin`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from everyvec.kernels.sampling import (
    draw_alias_in,
    draw_below,
    fill_alias,
    finish_state,
    next_state,
    output32,
)

__all__ = [
    "ACCEPT_ALWAYS",
    "node2vec_bias",
    "row_alias_tables",
    "row_totals",
    "walk_range",
]

#: A threshold that accepts every 32-bit random.
ACCEPT_ALWAYS = 1 << 32


def node2vec_bias(p: float, q: float) -> tuple[np.ndarray, float, float]:
    """The rejection-sampling constants of node2vec's bias for ``p`` and ``q``.

    Returns ``(accept, bound, excess)``. The proposal envelope is ``bound = max(1, 1/q)``
    times the first-order distribution, plus — when returning is favoured beyond it
    (``1/p > bound``) — an outlier mass ``w(v, t) * excess`` on the previous node ``t``, with
    ``excess = 1/p - bound``. ``accept`` holds ``uint64`` thresholds ``[return, neighbour of
    t, farther, lower bound]``: a candidate is accepted when a 32-bit random is below its
    threshold, ``floor(min(bias, bound) / bound * 2**32)``; below the lower bound it is
    accepted without looking up the edge ``t -> x``.
    """
    biases = [1.0 / p, 1.0, 1.0 / q]
    bound = max(biases[1], biases[2])
    out = np.empty(4, np.uint64)
    for k, bias in enumerate([*biases, min(biases[1], biases[2])]):
        share = min(bias, bound) / bound
        out[k] = ACCEPT_ALWAYS if share >= 1.0 else min(int(share * 2.0**32), ACCEPT_ALWAYS)
    return out, bound, max(biases[0] - bound, 0.0)


@njit(cache=True, nogil=True)
def row_alias_tables(indptr, weights):
    """Vose alias tables for every row, over the CSR edge array.

    Returns ``(thresholds, aliases)`` parallel to ``indices``: a step from node ``v`` picks a
    column ``c`` of its row uniformly, keeps it when a 32-bit random is below
    ``thresholds[indptr[v] + c]`` and otherwise takes column ``aliases[indptr[v] + c]``
    (a position within the row). Each row's table is built exactly as
    :func:`~everyvec.kernels.sampling.alias_table` builds a table from that row's weights.
    """
    n_edges = len(weights)
    thresholds = np.empty(n_edges, np.uint64)
    aliases = np.empty(n_edges, np.int32)
    longest = 0
    for v in range(len(indptr) - 1):
        longest = max(longest, indptr[v + 1] - indptr[v])
    scaled = np.empty(longest, np.float64)
    small = np.empty(longest, np.int64)
    large = np.empty(longest, np.int64)
    for v in range(len(indptr) - 1):
        n = indptr[v + 1] - indptr[v]
        if n > 0:
            fill_alias(weights, indptr[v], n, thresholds, aliases, scaled, small, large)
    return thresholds, aliases


@njit(cache=True, nogil=True)
def row_totals(indptr, weights):
    """``float64`` sum of each row's weights, added in row order."""
    totals = np.zeros(len(indptr) - 1, np.float64)
    for v in range(len(indptr) - 1):
        total = 0.0
        for e in range(indptr[v], indptr[v + 1]):
            total += np.float64(weights[e])
        totals[v] = total
    return totals


@njit(cache=True, nogil=True, inline="always")
def _step(x, lo, deg, weighted, thresholds, aliases):
    """A first-order draw of a position in a row; returns ``(position, new_state)``."""
    if not weighted:
        x = next_state(x)
        return draw_below(output32(x), deg), x
    return draw_alias_in(x, thresholds, aliases, lo, deg)


@njit(cache=True, nogil=True, inline="always")
def _find(indices, lo, hi, value):
    """Position of ``value`` in the sorted ``indices[lo:hi]`` (binary search), or -1."""
    while lo < hi:
        mid = (lo + hi) >> 1
        found = indices[mid]
        if found == value:
            return mid
        if found < value:
            lo = mid + 1
        else:
            hi = mid
    return -1


@njit(cache=True, nogil=True, inline="always")
def _advance(indptr, indices, weights, totals, thresholds, aliases, weighted, accept, bound,
             excess, second_order, current, previous, x):
    """One step of a walk at ``current`` (coming from ``previous``, -1 at the start).

    Returns ``(next node, new state)``, or ``(-1, state)`` at a node without out-edges.
    """
    lo = indptr[current]
    deg = indptr[current + 1] - lo
    if deg == 0:
        return np.int64(-1), x
    if not second_order or previous < 0:
        k, x = _step(x, lo, deg, weighted, thresholds, aliases)
        return np.int64(indices[lo + k]), x
    # The return outlier: the mass of stepping back beyond the envelope.
    outlier = np.uint64(0)
    if excess > 0.0:
        back = _find(indices, lo, lo + deg, previous)
        if back >= 0:
            w_back = np.float64(weights[back]) if weighted else 1.0
            total = totals[current] if weighted else np.float64(deg)
            mass = w_back * excess
            outlier = np.uint64(mass / (bound * total + mass) * 4294967296.0)
    plo = indptr[previous]
    phi = indptr[previous + 1]
    while True:
        if outlier > np.uint64(0):
            x = next_state(x)
            if output32(x) < outlier:
                return previous, x
        k, x = _step(x, lo, deg, weighted, thresholds, aliases)
        candidate = np.int64(indices[lo + k])
        x = next_state(x)
        r = output32(x)
        if candidate == previous:
            if r < accept[0]:
                return candidate, x
        elif r < accept[3]:
            return candidate, x
        elif _find(indices, plo, phi, candidate) >= 0:
            if r < accept[1]:
                return candidate, x
        elif r < accept[2]:
            return candidate, x


@njit(cache=True, nogil=True)
def walk_range(indptr, indices, weights, totals, thresholds, aliases, weighted, start_nodes,
               first, last, prefix, accept, bound, excess, second_order, out, lengths):
    """Walk ``w = first..last-1`` from ``start_nodes[w]`` into ``out[w]``; set ``lengths[w]``.

    Parameters
    ----------
    indptr, indices
        The CSR graph (``int64`` offsets, ``int32`` neighbours sorted within rows).
    weights, totals
        Edge weights and each row's total (:func:`row_totals`); used only when
        ``weighted`` (pass empty arrays otherwise).
    thresholds, aliases
        Per-row alias tables (:func:`row_alias_tables`); used only when ``weighted``.
    weighted
        Steps follow edge weights (else uniform over neighbours).
    start_nodes
        ``int32`` start node of every walk.
    first, last
        The range of walks to take.
    prefix
        ``everyvec.kernels.sampling.stream_prefix(seed, *stream)`` as ``uint64``; walk
        ``w`` uses the stream ``derive_state(seed, *stream, w)``.
    accept, bound, excess
        node2vec's rejection constants (:func:`node2vec_bias`).
    second_order
        Apply node2vec's bias (``p == q == 1`` changes nothing: pass ``False``).
    out
        ``int32`` buffer of shape ``(walks, walk_length)``.
    lengths
        ``int32`` length of each walk (shorter than ``walk_length`` after a sink).
    """
    walk_length = out.shape[1]
    for w in range(first, last):
        x = finish_state(prefix, w)
        current = np.int64(start_nodes[w])
        out[w, 0] = current
        previous = np.int64(-1)
        length = 1
        while length < walk_length:
            nxt, x = _advance(indptr, indices, weights, totals, thresholds, aliases, weighted,
                              accept, bound, excess, second_order, current, previous, x)
            if nxt < 0:  # a sink: the walk ends here
                break
            previous = current
            current = nxt
            out[w, length] = current
            length += 1
        lengths[w] = length
