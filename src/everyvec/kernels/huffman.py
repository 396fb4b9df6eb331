"""Huffman codes for hierarchical softmax, built as word2vec.c's ``CreateBinaryTree``.

With the words sorted by count, descending, Huffman's algorithm needs no heap: the leaves,
read from the rarest up, form one ascending queue, and the inner nodes come out of the merges
in ascending order too, so they form a second one. Each merge takes the two smallest fronts
(an inner node wins a tie, as in word2vec.c), which makes the build linear after the sort.

Inner node ``a`` (made by the ``a``-th merge) is row ``a`` of ``syn1``, which has ``V - 1``
rows; the last merge is the root, ``V - 2``. A word's path runs from the root down:
``points[w, d]`` is the node at depth ``d`` and ``labels[w, d]`` is 1 minus the branch bit
taken there (the first node merged is bit 0, the second bit 1): the label word2vec trains
that node's logistic unit towards. Counts need not be sorted: words of equal count keep their
order, as after word2vec's sort by count.

:func:`huffman_tree_py`, a heap-based twin with the same tie rules, is the test oracle.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

__all__ = ["huffman_tree", "huffman_tree_py"]


@njit(cache=True, nogil=True)
def _create_binary_tree(sorted_counts):
    """Two-queue build over descending counts: ``(parent, bit)`` per node.

    Nodes ``0..V-1`` are the leaves in sorted order, ``V + a`` the inner node of merge ``a``.
    """
    v = len(sorted_counts)
    count = np.empty(2 * v - 1, np.int64)
    count[:v] = sorted_counts
    parent = np.zeros(2 * v - 1, np.int64)
    bit = np.zeros(2 * v - 1, np.int8)
    leaf = v - 1  # front of the leaf queue: the rarest leaf not merged yet
    inner = v  # front of the inner queue: the oldest inner node not merged yet
    for a in range(v - 1):
        made = v + a
        count[made] = 0
        for b in range(2):
            if leaf >= 0 and (inner == made or count[leaf] < count[inner]):
                node = leaf
                leaf -= 1
            else:
                node = inner
                inner += 1
            count[made] += count[node]
            parent[node] = made
            bit[node] = b
    return parent, bit


@njit(cache=True, nogil=True)
def _codes(parent, bit, order):
    """Walk each leaf up to the root; write its path root-first into word ``order[r]``'s row."""
    v = len(order)
    root = 2 * v - 2
    lengths = np.zeros(v, np.int32)
    for r in range(v):
        node = r
        while node != root:
            lengths[order[r]] += 1
            node = parent[node]
    width = max(1, lengths.max())
    points = np.zeros((v, width), np.int32)
    labels = np.zeros((v, width), np.int8)
    for r in range(v):
        w = order[r]
        node = r
        d = lengths[w]
        while node != root:
            d -= 1
            labels[w, d] = 1 - bit[node]
            node = parent[node]
            points[w, d] = node - v
    return points, labels, lengths


def _sorted_order(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError("counts must be a non-empty 1-D array")
    return np.argsort(-counts, kind="stable")


def huffman_tree(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman paths of ``V >= 1`` words with the given counts, as word2vec.c builds them.

    Parameters
    ----------
    counts : numpy.ndarray
        Count of each word, any order (cast to int64).

    Returns
    -------
    points : numpy.ndarray
        int32 ``(V, max_len)``: inner nodes (rows of ``syn1``) from the root, ``V - 2``, down.
    labels : numpy.ndarray
        int8 ``(V, max_len)``: ``1 - code bit`` at each node of the path.
    lengths : numpy.ndarray
        int32 ``(V,)``: code length of each word. Cells past it are 0; ``max_len >= 1``, so a
        single word gets one unused cell and length 0.
    """
    order = _sorted_order(counts)
    parent, bit = _create_binary_tree(np.asarray(counts, dtype=np.int64)[order])
    return _codes(parent, bit, order)


def huffman_tree_py(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Twin of :func:`huffman_tree` with a heap; same tie rules, so the same tree."""
    order = _sorted_order(counts)
    v = len(order)
    sorted_counts = [int(c) for c in np.asarray(counts, dtype=np.int64)[order]]
    # Key (count, kind, rank): an inner node (kind 0, oldest first) beats a leaf of equal
    # count, and among equal leaves the one sorted last (the leaf queue's front) comes first.
    heap = [(c, 1, -r, r) for r, c in enumerate(sorted_counts)]
    heapq.heapify(heap)
    parent = [0] * (2 * v - 1)
    bit = [0] * (2 * v - 1)
    for a in range(v - 1):
        first, second = heapq.heappop(heap), heapq.heappop(heap)
        for b, (_, _, _, node) in enumerate((first, second)):
            parent[node] = v + a
            bit[node] = b
        heapq.heappush(heap, (first[0] + second[0], 0, a, v + a))
    paths = []
    for r in range(v):
        path, node = [], r
        while node != 2 * v - 2:
            path.append((parent[node] - v, 1 - bit[node]))
            node = parent[node]
        paths.append(path[::-1])
    lengths = np.zeros(v, np.int32)
    width = max(1, max(len(p) for p in paths))
    points = np.zeros((v, width), np.int32)
    labels = np.zeros((v, width), np.int8)
    for r, path in enumerate(paths):
        w = order[r]
        lengths[w] = len(path)
        for d, (point, label) in enumerate(path):
            points[w, d] = point
            labels[w, d] = label
    return points, labels, lengths
