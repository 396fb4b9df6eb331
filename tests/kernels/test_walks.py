"""The random-walk kernels against their Python twins, and the walks' distributions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec.data.graph import Graph
from everyvec.kernels.sampling import alias_probabilities, derive_state, stream_prefix
from everyvec.kernels.walks import (
    node2vec_bias,
    row_alias_tables,
    row_totals,
    walk_range,
)
from everyvec.kernels.walks_twin import row_alias_tables_twin, walks_twin

STREAM = (7, 3)


def random_graph(seed: int, n: int = 25, m: int = 70, *, directed: bool = False,
                 weighted: bool = False) -> Graph:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    weights = rng.uniform(0.1, 5.0, m) if weighted else None
    return Graph.from_edges(src.tolist(), dst.tolist(), weights, directed=directed,
                            nodes=[str(i) for i in range(n)])


def kernel_walks(g: Graph, starts: np.ndarray, walk_length: int, p: float, q: float,
                 seed: int, *, ranges: int = 1) -> list[list[int]]:
    """Run the kernel over ``starts`` in ``ranges`` pieces, like the threaded driver."""
    weighted = g.weights is not None
    if weighted:
        thresholds, aliases = row_alias_tables(g.indptr, g.weights.astype(np.float64))
        weights, totals = g.weights, row_totals(g.indptr, g.weights)
    else:
        thresholds, aliases = np.zeros(0, np.uint64), np.zeros(0, np.int32)
        weights, totals = np.zeros(0, np.float32), np.zeros(0)
    accept, bound, excess = node2vec_bias(p, q)
    out = np.full((len(starts), walk_length), -1, np.int32)
    lengths = np.zeros(len(starts), np.int32)
    cuts = np.linspace(0, len(starts), ranges + 1).astype(int)
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        walk_range(g.indptr, g.indices, weights, totals, thresholds, aliases, weighted,
                   starts, lo, hi, np.uint64(stream_prefix(seed, *STREAM)), accept, bound,
                   excess, not (p == 1 and q == 1), out, lengths)
    return [out[i, :lengths[i]].tolist() for i in range(len(starts))]


def all_starts(g: Graph, rounds: int = 2) -> np.ndarray:
    return np.tile(np.arange(g.n_nodes, dtype=np.int32), rounds)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize(("p", "q"), [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25), (0.5, 0.5),
                                      (2.0, 3.0)])
def test_kernel_matches_twin_walk_for_walk(weighted: bool, directed: bool, p: float,
                                           q: float) -> None:
    g = random_graph(11, directed=directed, weighted=weighted)
    starts = all_starts(g)
    ours = kernel_walks(g, starts, 12, p, q, seed=5, ranges=3)
    twin = walks_twin(g.indptr, g.indices, g.weights, starts, 12, p, q, 5, STREAM)
    assert ours == twin
    if directed:  # the random digraph has sinks: some walks stop early
        assert any(len(w) < 12 for w in ours)


def test_walks_follow_edges_only() -> None:
    for directed in (False, True):
        g = random_graph(3, directed=directed, weighted=True)
        for p, q in ((1.0, 1.0), (0.3, 3.0)):
            for walk in kernel_walks(g, all_starts(g, 3), 15, p, q, seed=1):
                for u, v in zip(walk[:-1], walk[1:], strict=False):
                    assert g.has_edge(g.names[u], g.names[v])
                if len(walk) < 15:  # stopped early: only at a sink
                    assert g.degree()[walk[-1]] == 0


def test_walk_streams_are_derive_state() -> None:
    """Walk ``w`` starts from ``derive_state(seed, *STREAM, w)``: a node with one neighbour
    consumes exactly one draw per step, and the twin uses derive_state itself."""
    assert stream_prefix(9) != stream_prefix(9, 1)
    g = Graph.from_edges(["a"], ["b"])
    assert kernel_walks(g, np.array([0, 1], np.int32), 5, 1.0, 1.0, seed=9) == [
        [0, 1, 0, 1, 0], [1, 0, 1, 0, 1]]
    assert derive_state(9, *STREAM, 0) != derive_state(9, *STREAM, 1)


def test_sink_ends_a_walk() -> None:
    g = Graph.from_edges(["a", "b"], ["b", "c"], directed=True)
    walks = kernel_walks(g, np.array([0, 1, 2], np.int32), 6, 0.5, 2.0, seed=0)
    assert walks == [[0, 1, 2], [1, 2], [2]]


weight_rows = st.lists(st.lists(st.floats(0.01, 100.0), min_size=0, max_size=12),
                       min_size=1, max_size=8)


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(rows=weight_rows)
def test_row_alias_tables_match_twin_and_distribution(rows: list[list[float]]) -> None:
    indptr = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    weights = np.array([w for r in rows for w in r], np.float32)
    thresholds, aliases = row_alias_tables(indptr, weights.astype(np.float64))
    twin_t, twin_a = row_alias_tables_twin(indptr, weights)
    np.testing.assert_array_equal(thresholds, twin_t)
    np.testing.assert_array_equal(aliases, twin_a)
    for v in range(len(rows)):
        lo, hi = indptr[v], indptr[v + 1]
        if hi > lo:
            probs = alias_probabilities(thresholds[lo:hi], aliases[lo:hi])
            expected = weights[lo:hi] / weights[lo:hi].sum()
            np.testing.assert_allclose(probs, expected, atol=1e-6)
    totals = row_totals(indptr, weights)
    for v in range(len(rows)):
        assert totals[v] == sum(float(w) for w in weights[indptr[v]:indptr[v + 1]])


def test_node2vec_bias_constants() -> None:
    accept, bound, excess = node2vec_bias(1.0, 1.0)
    assert accept.tolist() == [2**32] * 4 and bound == 1.0 and excess == 0.0
    accept, bound, excess = node2vec_bias(0.25, 4.0)  # return outlier of mass 4 - 1
    assert bound == 1.0 and excess == 3.0
    assert accept.tolist() == [2**32, 2**32, 2**30, 2**30]
    accept, bound, excess = node2vec_bias(2.0, 0.5)  # outward favoured
    assert bound == 2.0 and excess == 0.0
    assert accept.tolist() == [2**30, 2**31, 2**32, 2**31]


def exact_second_order(g: Graph, t: int, v: int, p: float, q: float) -> np.ndarray:
    """node2vec's transition probabilities from ``v`` having come from ``t``."""
    lo, hi = g.indptr[v], g.indptr[v + 1]
    probs = np.zeros(g.n_nodes)
    for e in range(lo, hi):
        x = int(g.indices[e])
        w = 1.0 if g.weights is None else float(g.weights[e])
        tlo, thi = g.indptr[t], g.indptr[t + 1]
        bias = 1 / p if x == t else 1.0 if x in g.indices[tlo:thi] else 1 / q
        probs[x] = w * bias
    return probs / probs.sum()


# A hub ``v`` with the previous node ``t``, two common neighbours of t and v, and three
# nodes only v reaches: every bias case, with weights that differ.
SOURCES = ["t", "t", "t", "v", "v", "v", "v", "v"]
TARGETS = ["v", "c1", "c2", "c1", "c2", "f1", "f2", "f3"]
WEIGHTS = [2.0, 1.0, 1.0, 0.5, 3.0, 1.0, 2.0, 4.0]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize(("p", "q"), [(0.2, 1.0), (1.0, 0.25), (4.0, 4.0), (0.5, 2.0)])
def test_second_order_transition_frequencies(weighted: bool, directed: bool, p: float,
                                             q: float) -> None:
    g = Graph.from_edges(SOURCES, TARGETS, WEIGHTS if weighted else None, directed=directed)
    t, v = g.index_of("t"), g.index_of("v")
    draws = 40_000
    # Walks of three nodes from t; keep those whose first step went to v.
    starts = np.full(draws, t, np.int32)
    walks = [w for w in kernel_walks(g, starts, 3, p, q, seed=17) if w[1] == v]
    observed = np.bincount([w[2] for w in walks], minlength=g.n_nodes)
    expected = exact_second_order(g, t, v, p, q) * len(walks)
    mask = expected > 0
    assert observed[~mask].sum() == 0
    chi2 = float((((observed - expected)[mask]) ** 2 / expected[mask]).sum())
    dof = int(mask.sum()) - 1
    assert chi2 < dof + 6 * np.sqrt(2 * dof) + 10, (observed, expected)


def ring_of_cliques(cliques: int = 8, size: int = 6) -> Graph:
    sources, targets = [], []
    for c in range(cliques):
        members = [f"{c}.{i}" for i in range(size)]
        for i in range(size):
            for j in range(i + 1, size):
                sources.append(members[i])
                targets.append(members[j])
        sources.append(members[0])
        targets.append(f"{(c + 1) % cliques}.1")
    return Graph.from_edges(sources, targets)


def test_return_rate_grows_as_p_shrinks_and_q_steers_exploration() -> None:
    g = ring_of_cliques()
    starts = all_starts(g, 20)

    def stats(p: float, q: float) -> tuple[float, float]:
        walks = kernel_walks(g, starts, 30, p, q, seed=4)
        returns = np.mean([w[i] == w[i - 2] for w in walks for i in range(2, len(w))])
        distinct = np.mean([len(set(w)) for w in walks])
        return float(returns), float(distinct)

    returns = [stats(p, 1.0)[0] for p in (4.0, 1.0, 0.25)]
    assert returns[0] < returns[1] < returns[2]
    assert returns[2] > 0.4 and returns[0] < 0.1
    # Low q: outward, DFS-like, more distinct nodes per walk; high q: stays local.
    outward, local = stats(1.0, 0.25)[1], stats(1.0, 4.0)[1]
    assert outward > local + 2
