"""The house-style parameter checks shared by every estimator."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec._checks import check_fraction, check_names, check_widths


def test_check_fraction():
    assert check_fraction(0, "dropout", "M") == 0.0 and check_fraction(0.5, "dropout", "M") == 0.5
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="'dropout' parameter of M must be a finite "
                                             "number >= 0"):
            check_fraction(bad, "dropout", "M")
    with pytest.raises(TypeError):
        check_fraction("0.1", "dropout", "M")


def test_check_widths():
    assert check_widths([64, np.int64(8)], "hidden", "M") == (64, 8)
    assert check_widths((), "hidden", "M") == ()
    with pytest.raises(TypeError, match="'hidden' parameter of M must be a list or tuple"):
        check_widths(64, "hidden", "M")
    for bad in ([0], [True], [2.5]):
        with pytest.raises(ValueError, match="ints >= 1"):
            check_widths(bad, "hidden", "M")


def test_check_names():
    assert check_names(None, "numeric", "M") is None
    assert check_names(("a", "b"), "numeric", "M") == ["a", "b"]
    for bad in ("a", ["a", 1], {"a"}):
        with pytest.raises(TypeError, match="'numeric' parameter of M must be a list of "
                                            "column names or None"):
            check_names(bad, "numeric", "M")


def test_check_device_names() -> None:
    from everyvec._checks import check_device

    assert check_device("cuda:1", "device", "X") == "cuda:1"
    assert check_device(None, "device", "X", allow_none=True) is None
    with pytest.raises(ValueError, match=r"'device' parameter of X must be 'cpu', 'cuda'"):
        check_device("gpu", "device", "X")
    with pytest.raises(TypeError, match="Got None"):
        check_device(None, "device", "X")
