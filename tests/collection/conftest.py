"""Small collections for the tests: a few clustered keys with metadata."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec import Vectors


def make_vectors(n: int = 40, dim: int = 8, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, dim)) * 3
    matrix = centres[np.arange(n) % 4] + rng.normal(size=(n, dim))
    return Vectors([f"k{i}" for i in range(n)], matrix.astype(np.float32))


def make_metadata(n: int = 40) -> list[dict]:
    langs = ["en", "de", "fr"]
    return [{"lang": langs[i % 3], "n": i, "even": i % 2 == 0} for i in range(n)]


@pytest.fixture
def vectors() -> Vectors:
    return make_vectors()


@pytest.fixture
def metadata() -> list[dict]:
    return make_metadata()


def _same_content(a, b) -> None:
    assert a.keys == b.keys
    assert a.dim == b.dim and a.metric == b.metric and a.index_spec == b.index_spec
    np.testing.assert_array_equal(np.asarray(a.vectors.matrix), np.asarray(b.vectors.matrix))
    assert [a.metadata(k) for k in a.keys] == [b.metadata(k) for k in b.keys]
    assert len(a.index) == len(b.index) == len(a)


@pytest.fixture
def same_content():
    """``same_content(a, b)`` asserts two collections hold the same keys (in order), vectors,
    metadata and index size."""
    return _same_content


@pytest.fixture
def small(vectors, metadata):
    """A 40-key cosine collection with metadata, in memory."""
    from everyvec import Collection

    return Collection.from_vectors(vectors, metadata=metadata)
