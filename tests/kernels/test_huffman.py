"""Huffman paths for hierarchical softmax: valid, optimal, and laid out as word2vec.c's."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from everyvec.kernels.huffman import huffman_tree, huffman_tree_py

SETTINGS = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])

count_lists = st.lists(st.integers(0, 10**9), min_size=1, max_size=80)


def optimal_cost(counts: list[int]) -> int:
    """Minimum of sum(count * code length): the sum of all merged weights (Huffman 1952)."""
    heap = list(counts)
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def codes(points: np.ndarray, labels: np.ndarray, lengths: np.ndarray) -> list[str]:
    """Each word's code as a bit string (bit = 1 - label)."""
    return ["".join(str(1 - int(b)) for b in labels[w, : lengths[w]]) for w in range(len(lengths))]


def check_tree(counts: np.ndarray, tree: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Shapes, dtypes and the structure of a binary tree with V leaves and V-1 inner nodes."""
    points, labels, lengths = tree
    v = len(counts)
    assert points.dtype == np.int32 and labels.dtype == np.int8 and lengths.dtype == np.int32
    assert points.shape == labels.shape == (v, max(1, int(lengths.max())))
    assert lengths.shape == (v,)
    if v == 1:
        assert lengths[0] == 0
        return
    assert np.all(lengths >= 1)
    assert np.all((points >= 0) & (points <= v - 2))
    assert np.all((labels == 0) | (labels == 1))
    mask = np.arange(points.shape[1]) < lengths[:, None]
    assert np.all(points[~mask] == 0) and np.all(labels[~mask] == 0)
    assert np.all(points[:, 0] == v - 2)  # every path starts at the root
    words = codes(points, labels, lengths)
    # Prefix-free, and complete: Kraft's sum is exactly 1 for a full binary tree.
    for a in range(v):
        for b in range(v):
            assert a == b or not words[b].startswith(words[a])
    assert sum(2.0 ** -len(c) for c in words) == pytest.approx(1.0, abs=1e-12)
    # A node's children: the same node reached by the same prefix from every word.
    node_of = {}
    for w in range(v):
        for d in range(lengths[w]):
            prefix = words[w][:d]
            assert node_of.setdefault(prefix, points[w, d]) == points[w, d]
    assert sorted(node_of.values()) == list(range(v - 1))  # each inner node once


@SETTINGS
@given(count_lists)
@example([7])
@example([3, 3])
@example([0, 0, 0])
@example([1, 1, 2, 3, 5, 8, 13, 21, 34])  # Fibonacci: the deepest tree, length V-1
def test_tree_is_valid_optimal_and_matches_twin(counts: list[int]) -> None:
    c = np.array(counts, dtype=np.int64)
    tree = huffman_tree(c)
    check_tree(c, tree)
    twin = huffman_tree_py(c)
    for got, want in zip(tree, twin, strict=True):
        np.testing.assert_array_equal(got, want)
    points, labels, lengths = tree
    assert int(np.dot(c, lengths)) == optimal_cost(counts)
    # Frequent words never get longer codes than rarer ones.
    order = np.argsort(-c, kind="stable")
    assert np.all(np.diff(lengths[order]) >= 0)


def test_single_word() -> None:
    points, labels, lengths = huffman_tree(np.array([5]))
    assert points.shape == labels.shape == (1, 1)
    assert lengths.tolist() == [0] and points.tolist() == [[0]] and labels.tolist() == [[0]]


def test_two_words() -> None:
    points, labels, lengths = huffman_tree(np.array([2, 9]))
    assert lengths.tolist() == [1, 1]
    assert points.tolist() == [[0], [0]]  # root = V - 2 = 0
    # The rarer word is merged first, gets bit 0 and so label 1.
    assert labels.tolist() == [[1], [0]]


def test_word2vec_c_layout() -> None:
    # Counts in vocabulary order (unsorted); word2vec.c would sort: 10, 8, 3, 3, 2, 1.
    points, labels, lengths = huffman_tree(np.array([10, 1, 3, 3, 2, 8]))
    # Merges, inner node winning ties: a0 = 1+2, a1 = a0+3 (w3), a2 = 3 (w2)+a1,
    # a3 = 8+a2, root a4 = 10+a3. The first node taken in a merge is bit 0 (label 1).
    assert lengths.tolist() == [1, 5, 3, 4, 5, 2]
    assert points.tolist() == [[4, 0, 0, 0, 0], [4, 3, 2, 1, 0], [4, 3, 2, 0, 0],
                               [4, 3, 2, 1, 0], [4, 3, 2, 1, 0], [4, 3, 0, 0, 0]]
    assert labels.tolist() == [[1, 0, 0, 0, 0], [0, 0, 0, 1, 1], [0, 0, 1, 0, 0],
                               [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0, 1, 0, 0, 0]]
    assert int(np.argmin(lengths)) == 0  # the most frequent word has the shortest code


def test_order_of_words_does_not_change_codes() -> None:
    rng = np.random.default_rng(1)
    counts = rng.choice(10_000, size=50, replace=False) + 1  # distinct: no ties to break
    perm = rng.permutation(50)
    base = huffman_tree(counts)
    moved = huffman_tree(counts[perm])
    # The same words get the same paths wherever they sit in the vocabulary.
    for a, b in zip(base, moved, strict=True):
        np.testing.assert_array_equal(a[perm], b)


def test_fibonacci_counts_give_the_deepest_tree() -> None:
    # Each merge takes the previous inner node and the next leaf: a chain of depth V - 1.
    fib = [1, 1]
    while len(fib) < 30:
        fib.append(fib[-1] + fib[-2])
    points, labels, lengths = huffman_tree(np.array(fib[::-1]))
    assert sorted(lengths.tolist()) == list(range(1, 30)) + [29]  # the two rarest share 29
    assert points.shape == (30, 29)
    np.testing.assert_array_equal(points[29], np.arange(28, -1, -1))  # the rarest: every node


def test_equal_counts_balance() -> None:
    points, labels, lengths = huffman_tree(np.full(64, 3))
    assert np.all(lengths == 6)
    assert len(set(codes(points, labels, lengths))) == 64


def test_rejects_empty_counts() -> None:
    with pytest.raises(ValueError):
        huffman_tree(np.array([], dtype=np.int64))
