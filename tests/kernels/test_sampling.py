"""RNG, alias tables and sigmoid tables of the training kernels against their Python twins."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from numba import njit

from everyvec.kernels import sampling
from everyvec.kernels.sampling import (
    alias_probabilities,
    alias_table,
    alias_table_py,
    derive_state,
    draw_alias,
    draw_alias_in,
    draw_alias_py,
    draw_below,
    draw_below_py,
    finish_state,
    next_state,
    next_state_py,
    output32,
    output32_py,
    stream_prefix,
)

SETTINGS = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])

# Positive weights with zeros anywhere (never all zero), like count**0.75 of a vocabulary.
weights_lists = st.lists(
    st.one_of(st.just(0.0), st.floats(1e-3, 1e6), st.integers(1, 10**6).map(float)),
    min_size=1, max_size=60,
).filter(lambda ws: sum(ws) > 0)


@njit
def _stream(x, steps):
    """``steps`` successive states and their 32-bit outputs, from the kernels' functions."""
    states = np.empty(steps, np.uint64)
    outputs = np.empty(steps, np.uint64)
    for k in range(steps):
        x = next_state(x)
        states[k] = x
        outputs[k] = output32(x)
    return states, outputs


@njit
def _alias_counts(thresholds, aliases, x, draws):
    counts = np.zeros(len(thresholds), np.int64)
    for _ in range(draws):
        index, x = draw_alias(x, thresholds, aliases)
        counts[index] += 1
    return counts, x


@njit
def _alias_sequence(thresholds, aliases, x, draws):
    indices = np.empty(draws, np.int64)
    states = np.empty(draws, np.uint64)
    for k in range(draws):
        indices[k], x = draw_alias(x, thresholds, aliases)
        states[k] = x
    return indices, states


@njit
def _below_counts(x, n, draws):
    counts = np.zeros(n + 1, np.int64)  # the last cell counts draws out of range
    for _ in range(draws):
        x = next_state(x)
        counts[min(draw_below(output32(x), n), n)] += 1
    return counts


# -- xorshift64* -------------------------------------------------------------------------------

def test_state_stream_matches_python_twin() -> None:
    start = derive_state(12345, 1, 2)
    states, outputs = _stream(np.uint64(start), 10_000)
    x = start
    for k in range(10_000):
        x = next_state_py(x)
        assert int(states[k]) == x
        assert int(outputs[k]) == output32_py(x)
    assert int(outputs.max()) < 2**32
    assert len(np.unique(states)) == len(states)  # no short cycle


def test_known_first_states() -> None:
    # xorshift64* from state 1: the shifts by hand.
    x = 1
    x ^= x >> 12
    x ^= (x << 25) & (2**64 - 1)
    x ^= x >> 27
    assert next_state_py(1) == x == int(next_state(np.uint64(1)))
    assert output32_py(x) == (x * 0x2545F4914F6CDD1D % 2**64) >> 32


def test_outputs_look_uniform() -> None:
    _, outputs = _stream(np.uint64(derive_state(7)), 100_000)
    bits = np.unpackbits(outputs.astype(">u4").view(np.uint8)).reshape(-1, 32)
    assert np.all(np.abs(bits.mean(axis=0) - 0.5) < 0.01)  # each bit fair within ~6 sigma
    assert abs(outputs.mean() / 2**32 - 0.5) < 0.005


# -- draws below n -----------------------------------------------------------------------------

@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 2**32 - 1))
@example(2**32 - 1, 2**32 - 1)
@example(0, 1)
def test_draw_below_in_range_and_matches_twin(r32: int, n: int) -> None:
    value = int(draw_below(np.uint64(r32), n))
    assert 0 <= value < n
    assert value == draw_below_py(r32, n) == r32 * n // 2**32


def test_draw_below_roughly_uniform() -> None:
    n, draws = 7, 140_000
    counts = _below_counts(np.uint64(derive_state(3)), n, draws)
    assert counts[n] == 0
    expected = draws / n
    assert np.all(np.abs(counts[:n] - expected) < 6 * math.sqrt(expected))


# -- seeding -----------------------------------------------------------------------------------

def test_derive_state_deterministic_distinct_nonzero() -> None:
    assert derive_state(42, 0, 1, 2) == derive_state(42, 0, 1, 2)
    paths = [(s, e, b) for s in range(3) for e in range(4) for b in range(5)]
    states = {derive_state(*path) for path in paths}
    assert len(states) == len(paths)
    assert derive_state(1, 2) != derive_state(2, 1)
    assert derive_state(0, 1, 2) != derive_state(0, 12)
    assert all(0 < s < 2**64 for s in states)


# -- alias tables ------------------------------------------------------------------------------

@SETTINGS
@given(weights_lists)
@example([0.0, 5.0, 0.0, 0.0, 1.0])
@example([1.0])
@example([3.0, 3.0, 3.0])
def test_alias_table_matches_twin_and_target(weights: list[float]) -> None:
    w = np.array(weights, dtype=np.float64)
    thresholds, aliases = alias_table(w)
    twin_thresholds, twin_aliases = alias_table_py(w)
    np.testing.assert_array_equal(thresholds, twin_thresholds)
    np.testing.assert_array_equal(aliases, twin_aliases)
    assert thresholds.dtype == np.uint64 and aliases.dtype == np.int32
    assert np.all(thresholds <= 2**32)
    assert np.all((aliases >= 0) & (aliases < len(w)))
    probs = alias_probabilities(thresholds, aliases)
    np.testing.assert_allclose(probs, w / w.sum(), rtol=0, atol=1e-9)
    assert np.all(probs[w == 0] == 0.0)  # a zero weight is never drawn


def test_alias_draws_follow_target() -> None:
    rng = np.random.default_rng(0)
    w = rng.integers(1, 1000, size=40).astype(np.float64) ** 0.75
    w[[3, 17]] = 0.0
    thresholds, aliases = alias_table(w)
    draws = 400_000
    counts, _ = _alias_counts(thresholds, aliases, np.uint64(derive_state(9)), draws)
    target = w / w.sum()
    assert counts[3] == counts[17] == 0
    sigma = np.sqrt(draws * target * (1 - target))
    assert np.all(np.abs(counts - draws * target) <= 5 * sigma + 1)


def test_draw_alias_matches_twin() -> None:
    w = np.array([0.0, 1.0, 2.5, 0.0, 7.0, 1.0, 0.3])
    thresholds, aliases = alias_table(w)
    x = derive_state(5)
    indices, states = _alias_sequence(thresholds, aliases, np.uint64(x), 5000)
    for k in range(5000):
        index, x = draw_alias_py(x, thresholds, aliases)
        assert (int(indices[k]), int(states[k])) == (index, x)
    assert set(indices.tolist()) == {1, 2, 4, 5, 6}


# -- sigmoid tables ----------------------------------------------------------------------------

def test_sigmoid_tables() -> None:
    sig, logsig = sampling.sigmoid_tables()
    assert sig.shape == logsig.shape == (sampling.TABLE_SIZE,)
    assert sig.dtype == np.float32 and logsig.dtype == np.float64
    grid = (np.arange(sampling.TABLE_SIZE) / sampling.TABLE_SIZE * 2 - 1) * sampling.MAX_EXP
    np.testing.assert_allclose(sig, 1 / (1 + np.exp(-grid)), rtol=1e-6)
    np.testing.assert_allclose(logsig, np.log(1 / (1 + np.exp(-grid))), rtol=1e-12)
    assert sig[0] > 0 and sig[-1] < 1 and np.all(np.diff(sig) > 0)
    assert sig[sampling.TABLE_SIZE // 2] == 0.5  # the entry at score 0
    # The kernels' index of a score: int((f + MAX_EXP) * TABLE_SCALE), in range on (-6, 6).
    for f in (-sampling.MAX_EXP + 1e-6, 0.0, np.nextafter(np.float32(6), np.float32(0))):
        i = int((float(f) + sampling.MAX_EXP) * sampling.TABLE_SCALE)
        assert 0 <= i < sampling.TABLE_SIZE


@SETTINGS
@given(st.integers(0, 2**63), st.lists(st.integers(0, 2**40), max_size=3),
       st.integers(0, 2**40))
def test_finish_state_completes_the_prefix_as_derive_state(seed, parts, last) -> None:
    prefix = np.uint64(stream_prefix(seed, *parts))
    assert int(finish_state(prefix, np.uint64(last))) == derive_state(seed, *parts, last)


@SETTINGS
@given(st.lists(st.floats(1e-3, 1e3), min_size=1, max_size=20), st.integers(0, 5),
       st.integers(1, 2**63))
def test_draw_alias_in_reads_one_table_of_many(weights, offset, state) -> None:
    thresholds, aliases = alias_table(np.asarray(weights))
    # the same table stored after `offset` unrelated entries
    padded_t = np.concatenate([np.zeros(offset, np.uint64), thresholds])
    padded_a = np.concatenate([np.zeros(offset, np.int32), aliases])
    x = np.uint64(state)
    assert draw_alias_in(x, padded_t, padded_a, offset, len(weights)) == draw_alias(
        x, thresholds, aliases)
