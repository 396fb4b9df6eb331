"""Pooling: NumPy and torch agree with a slow loop, and padding never counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from everyvec.encoders.pooling import normalize_rows, pool


def slow_pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    out = []
    for row, keep in zip(hidden, mask, strict=True):
        real = row[keep > 0]
        out.append(row[0] if mode == "cls" else real.mean(0) if mode == "mean" else real.max(0))
    return np.array(out)


@st.composite
def batches(draw):
    b, t, d = draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 5))
    hidden = draw(arrays(np.float64, (b, t, d), elements=st.floats(-1e3, 1e3)))
    lengths = draw(st.lists(st.integers(1, t), min_size=b, max_size=b))
    mask = (np.arange(t)[None, :] < np.array(lengths)[:, None]).astype(np.int64)
    return hidden, mask


@settings(max_examples=60, deadline=None)
@given(batches(), st.sampled_from(["mean", "cls", "max"]))
def test_pool_matches_the_slow_loop(batch, mode):
    hidden, mask = batch
    np.testing.assert_allclose(pool(hidden, mask, mode), slow_pool(hidden, mask, mode),
                               rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(batches(), st.sampled_from(["mean", "cls", "max"]))
def test_torch_pooling_agrees_with_numpy(batch, mode):
    torch = pytest.importorskip("torch")
    hidden, mask = batch
    ours = pool(torch.from_numpy(hidden), torch.from_numpy(mask), mode).numpy()
    np.testing.assert_allclose(ours, pool(hidden, mask, mode), rtol=1e-9, atol=1e-9)


def test_padding_values_never_count():
    hidden = np.zeros((1, 3, 2))
    hidden[0, :2] = [[1.0, 2.0], [3.0, 4.0]]
    hidden[0, 2] = 1e9  # a padded position with a huge value
    mask = np.array([[1, 1, 0]])
    np.testing.assert_allclose(pool(hidden, mask, "mean"), [[2.0, 3.0]])
    np.testing.assert_allclose(pool(hidden, mask, "max"), [[3.0, 4.0]])


def test_normalize_rows_keeps_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize_rows(x), [[0.6, 0.8], [0.0, 0.0]])


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="'pooling'"):
        pool(np.zeros((1, 1, 1)), np.ones((1, 1)), "sum")
