"""Fixtures for the index conformance suite: clustered test vectors and an index factory."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

# Each backend of the conformance suite: (id, spec template, module it needs). "{tmp}" is a
# fresh temporary folder per test (Milvus Lite keeps its data in a file there).
BACKENDS = [
    ("exact", "exact", None),
    ("flat", "flat", "faiss"),
    ("hnsw", "hnsw:M=16,ef=64", "faiss"),
    ("ivfflat", "ivfflat:nlist=16,nprobe=8", "faiss"),
    ("ivfpq", "ivfpq:nlist=16,m=8,nprobe=8", "faiss"),
    ("milvus", "milvus:uri={tmp}/milvus.db,collection=conformance", "milvus_lite"),
]


def clustered(n: int, dim: int, clusters: int, seed: int) -> np.ndarray:
    """Points around random centres: the shape real embeddings have (unlike isotropic noise,
    on which every graph index fails)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32) * 3
    labels = rng.integers(clusters, size=n)
    return (centres[labels] + rng.normal(size=(n, dim)).astype(np.float32)).astype(np.float32)


@pytest.fixture(scope="session")
def points() -> tuple[list[str], np.ndarray]:
    matrix = clustered(2000, 32, 25, seed=7)
    return [f"k{i}" for i in range(len(matrix))], matrix


@pytest.fixture(scope="session")
def queries() -> np.ndarray:
    return clustered(100, 32, 25, seed=7)[::-1].copy() + 0.01


@pytest.fixture(params=[b[:2] for b in BACKENDS], ids=[b[0] for b in BACKENDS])
def backend(request, tmp_path):
    """``(name, make)``: ``make(dim, metric)`` builds an empty index of this backend."""
    name, template = request.param
    needs = dict((b[0], b[2]) for b in BACKENDS)[name]
    if needs and importlib.util.find_spec(needs) is None:
        pytest.skip(f"{needs} is not installed")
    from everyvec.index import make_index

    counter = iter(range(1000))

    def make(dim: int = 32, metric: str = "cosine"):
        folder = tmp_path / f"store{next(counter)}"
        folder.mkdir()
        return make_index(template.format(tmp=folder), dim=dim, metric=metric)

    return name, make
