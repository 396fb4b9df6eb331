"""embedding_size: the fourth-root rule and fastai's rule, with argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from everyvec.sizing import embedding_size


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, 1), (16, 2), (81, 3), (1024, 6), (10_000, 10), (1_000_000, 32), (2, 1)],
)
def test_fourth_root_rule(n, expected):
    assert embedding_size(n) == expected


def test_fourth_root_multiplier_and_cap():
    assert embedding_size(10_000, k=4) == 40
    assert embedding_size(10_000, k=1.6) == 16
    assert embedding_size(10_000, k=4, max_dim=32) == 32
    assert embedding_size(1, k=0.1) == 1  # never below 1


@pytest.mark.parametrize(
    ("n", "expected"),
    # fastai's emb_sz_rule: min(600, round(1.6 * n ** 0.56))
    [(2, 2), (10, 6), (100, 21), (1_000, 77), (10_000, 278), (100_000, 600), (10**7, 600)],
)
def test_fastai_rule(n, expected):
    assert embedding_size(n, "fastai") == expected


@given(st.integers(1, 10**9))
def test_rules_follow_their_formulas(n):
    assert embedding_size(n) == max(1, round(n ** 0.25))
    assert embedding_size(n, rule="fastai") == max(1, min(600, round(1.6 * n ** 0.56)))
    assert embedding_size(n) <= embedding_size(n + 1000)


def test_numpy_integers_are_accepted():
    assert embedding_size(np.int64(10_000)) == 10


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_categories": 0}, ValueError, "n_categories"),
        ({"n_categories": -5}, ValueError, "n_categories"),
        ({"n_categories": 10.0}, TypeError, "n_categories"),
        ({"n_categories": True}, TypeError, "n_categories"),
        ({"n_categories": "10"}, TypeError, "n_categories"),
        ({"n_categories": 10, "rule": "sqrt"}, ValueError, "rule"),
        ({"n_categories": 10, "k": 0}, ValueError, "k must"),
        ({"n_categories": 10, "k": -1}, ValueError, "k must"),
        ({"n_categories": 10, "k": math.inf}, ValueError, "k must"),
        ({"n_categories": 10, "k": 2, "rule": "fastai"}, ValueError, "fourth_root"),
        ({"n_categories": 10, "max_dim": 0}, ValueError, "max_dim"),
        ({"n_categories": 10, "max_dim": 2.5}, ValueError, "max_dim"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        embedding_size(**kwargs)
