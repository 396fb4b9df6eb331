"""Rank and correlation helpers against slow references (and SciPy when installed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.evaluate.stats import pearson, rankdata, spearman


def slow_average_ranks(values: list[float]) -> list[float]:
    """Rank of each value = 1 + number below it + (number equal to it - 1) / 2."""
    return [1 + sum(w < v for w in values) + (sum(w == v for w in values) - 1) / 2
            for v in values]


def slow_pearson(x: list[float], y: list[float]) -> float:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def test_rankdata_averages_ties() -> None:
    assert rankdata([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert rankdata([3, 3, 3]).tolist() == [2.0, 2.0, 2.0]
    assert rankdata([5, 1, 5, 0, 5]).tolist() == [4.0, 2.0, 4.0, 1.0, 4.0]
    assert rankdata([]).size == 0


small_ints = st.lists(st.integers(-3, 3), min_size=2, max_size=40)


@settings(max_examples=150, deadline=None)
@given(small_ints)
def test_rankdata_matches_slow_reference(values: list[int]) -> None:
    assert rankdata(values).tolist() == slow_average_ranks([float(v) for v in values])


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_spearman_with_ties_matches_slow_reference(data: st.DataObject) -> None:
    x = data.draw(small_ints)
    y = data.draw(st.lists(st.integers(-2, 2), min_size=len(x), max_size=len(x)))
    rx, ry = slow_average_ranks([float(v) for v in x]), slow_average_ranks([float(v) for v in y])
    got = spearman(x, y)
    if len(set(x)) == 1 or len(set(y)) == 1:
        assert math.isnan(got)
    else:
        assert got == pytest.approx(slow_pearson(rx, ry), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=30, unique=True))
def test_spearman_is_invariant_under_monotone_maps(values: list[float]) -> None:
    y = [v**3 + 2 * v for v in values]  # strictly increasing
    assert spearman(values, y) == pytest.approx(1.0)
    assert spearman(values, [-v for v in y]) == pytest.approx(-1.0)


def test_against_scipy() -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = rng.integers(0, 6, 50).astype(float)
        y = x + rng.normal(size=50)
        y[::7] = 1.0  # ties on both sides
        assert spearman(x, y) == pytest.approx(scipy_stats.spearmanr(x, y)[0], abs=1e-12)
        assert pearson(x, y) == pytest.approx(scipy_stats.pearsonr(x, y)[0], abs=1e-12)
        assert np.allclose(rankdata(y), scipy_stats.rankdata(y))


def test_degenerate_inputs_give_nan() -> None:
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))
    assert math.isnan(spearman([1, 2, 3], [4, 4, 4]))
    assert math.isnan(pearson([1], [2]))
    assert pearson([1, 2, 3], [2, 4, 6]) == 1.0


@pytest.mark.parametrize("fn", [pearson, spearman])
def test_bad_inputs_raise(fn) -> None:
    with pytest.raises(ValueError, match="same length"):
        fn([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        fn([1, float("nan"), 3], [1, 2, 3])
    with pytest.raises(ValueError, match="one-dimensional"):
        fn([[1, 2], [3, 4]], [1, 2])
