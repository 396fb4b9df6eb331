"""2-D projections: PCA against scikit-learn, planted clusters stay apart, clear errors."""

from __future__ import annotations

import importlib.util
import sys
import time

import numpy as np
import pytest

from everyvec.errors import MissingExtraError
from everyvec.viz.projection import METHODS, available_methods, project


def _blobs(per: int = 25, dim: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well separated Gaussian blobs: centres 10 apart, unit noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, dim)) * 10
    labels = np.repeat(np.arange(3), per)
    return centres[labels] + rng.normal(size=(3 * per, dim)), labels


def _separated(points: np.ndarray, labels: np.ndarray) -> bool:
    """Every point lies nearest to its own cluster's centre."""
    centres = np.stack([points[labels == c].mean(axis=0) for c in range(3)])
    distances = np.linalg.norm(points[:, None, :] - centres[None], axis=2)
    return bool((distances.argmin(axis=1) == labels).all())


@pytest.mark.parametrize("shape", [(200, 20), (12, 40)], ids=["tall", "wide"])
def test_pca_matches_sklearn_up_to_sign(shape: tuple[int, int]) -> None:
    decomposition = pytest.importorskip("sklearn.decomposition")
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape) * np.linspace(3, 0.5, shape[1]) + 4
    ours = project(x, "pca", dim=3)
    theirs = decomposition.PCA(n_components=3).fit_transform(x)
    assert ours.shape == (shape[0], 3) and ours.dtype == np.float32
    signs = np.sign((ours * theirs).sum(axis=0))
    np.testing.assert_allclose(ours, theirs * signs, atol=1e-4)


def test_pca_is_deterministic_and_sign_stable() -> None:
    x, _ = _blobs()
    first = project(x, "pca")
    np.testing.assert_array_equal(first, project(x.copy(), "pca"))
    # The sign rule looks at the loadings, not at row order: shuffled rows, same picture.
    order = np.random.default_rng(2).permutation(len(x))
    np.testing.assert_allclose(project(x[order], "pca"), first[order], atol=1e-4)


def test_pca_rank_deficient_and_chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    line = np.outer(np.arange(6.0), np.ones(4))  # all points on one line: PC 2 has no variance
    points = project(line, "pca")
    assert np.all(points[:, 1] == 0) and np.all(np.diff(points[:, 0]) > 0)
    x = np.random.default_rng(3).normal(size=(50, 5)).astype(np.float32)
    whole = project(x)
    monkeypatch.setattr("everyvec.viz.projection._CHUNK", 7)
    np.testing.assert_allclose(project(x), whole, atol=1e-5)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_planted_clusters_stay_separated(method: str) -> None:
    if method not in available_methods():
        pytest.skip(f"{method} not installed")
    x, labels = _blobs()
    points = project(x, method, seed=0)
    assert points.shape == (len(x), 2) and np.isfinite(points).all()
    assert _separated(points, labels)


def test_tsne_small_inputs_and_seed() -> None:
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(4)
    assert project(rng.normal(size=(3, 6)), "tsne").shape == (3, 2)  # perplexity < n
    x = rng.normal(size=(12, 6))
    np.testing.assert_array_equal(project(x, "tsne", seed=7), project(x, "tsne", seed=7))


def test_available_methods() -> None:
    methods = available_methods()
    assert methods[0] == "pca" and set(methods) <= set(METHODS)
    assert ("tsne" in methods) == (importlib.util.find_spec("sklearn") is not None)
    assert ("umap" in methods) == (importlib.util.find_spec("umap") is not None)


def test_missing_umap_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "umap", None)  # makes `import umap` fail
    with pytest.raises(MissingExtraError, match=r"everyvec\[umap\]"):
        project(np.eye(5), "umap")


@pytest.mark.slow
def test_umap_tiny() -> None:
    pytest.importorskip("umap")
    started = time.perf_counter()
    x, labels = _blobs(per=10, dim=8)
    points = project(x, "umap", seed=0)
    if time.perf_counter() - started > 30:  # the first call JIT-compiles umap's numba code
        pytest.skip("umap too slow on this machine")
    assert points.shape == (30, 2) and points.dtype == np.float32
    assert _separated(points, labels)


@pytest.mark.parametrize(
    ("matrix", "kwargs", "error", "match"),
    [
        (np.zeros(5), {}, ValueError, "2-D"),
        (np.zeros((2, 3)), {}, ValueError, "at least dim \\+ 1 = 3 rows"),
        (np.zeros((5, 1)), {}, ValueError, "'dim'.*at most the number of columns"),
        (np.array([[1.0, 2.0], [np.nan, 1.0], [0.0, 0.0]]), {}, ValueError, "row 1"),
        (np.array([["a", "b"]] * 3), {}, TypeError, "real numbers"),
        (np.eye(3), {"method": "mds"}, ValueError, "'pca', 'tsne', 'umap'"),
        (np.eye(3), {"dim": 0}, ValueError, "'dim'"),
        (np.eye(3), {"seed": -1}, ValueError, "'seed'"),
    ],
)
def test_bad_input_errors(matrix: np.ndarray, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        project(matrix, **kwargs)
