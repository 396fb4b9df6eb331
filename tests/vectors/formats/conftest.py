"""Small vectors with awkward values and keys, shared by the format tests."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec import Vectors

EDGE_VALUES = np.array(
    [0.0, -0.0, 1e-45, -1e-45, 1.1754944e-38, 3.4028235e38, -3.4028235e38, 0.1, 1.0 / 3,
     123456.789, -2.5e-7, 1e-5],
    dtype=np.float32,
)


def make_vectors(count: int = 40, dim: int = 7, seed: int = 0) -> Vectors:
    """Random float32 vectors whose first rows hold edge values; keys include unicode."""
    rng = np.random.default_rng(seed)
    matrix = (rng.standard_normal((count, dim)) * 10.0 ** rng.integers(-6, 6, (count, 1)))
    matrix = matrix.astype(np.float32)
    flat = matrix.reshape(-1)
    flat[:EDGE_VALUES.size] = EDGE_VALUES[:flat.size]
    base = ["</s>", "the", "Ärger", "日本語", "naïve", "😀", "a\tb", "x" * 30, "-1.5", "e"]
    keys = [base[i] if i < len(base) else f"w{i}" for i in range(count)]
    return Vectors(keys, matrix, provenance={"source": "test", "seed": seed})


@pytest.fixture
def vectors() -> Vectors:
    return make_vectors()


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bitwise equality of two float32 arrays (tells -0.0 from 0.0)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    b = np.ascontiguousarray(b, dtype=np.float32)
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.fixture(name="make_vectors")
def make_vectors_fixture():
    return make_vectors


@pytest.fixture(name="same")
def same_fixture():
    return same
