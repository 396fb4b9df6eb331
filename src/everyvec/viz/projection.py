"""Project vectors to a few dimensions for a picture: PCA, t-SNE or UMAP.

PCA is plain NumPy and always available: it centres the rows and takes the top eigenvectors of
the ``d × d`` covariance, accumulated over row chunks, so a tall ``n × d`` matrix (or a memory
map) costs ``O(n d²)`` time and one chunk of extra memory; a wide matrix (``n < d``) uses a thin
SVD instead. Each component's largest loading is made positive (the convention of
scikit-learn's ``svd_flip``), so the picture does not flip between runs or machines.

t-SNE (scikit-learn) and UMAP (umap-learn) are optional extras imported on first use. Both keep
local neighbourhoods rather than global distances, and are far slower than PCA: for more than
a few thousand points, project a subset.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from everyvec._checks import check_choice, check_int
from everyvec._optional import require

__all__ = ["METHODS", "available_methods", "project"]

#: Every method :func:`project` knows, whether or not its extra is installed.
METHODS = ("pca", "tsne", "umap")

_MODULE_OF = {"tsne": "sklearn", "umap": "umap"}
_OWNER = "project"
_CHUNK = 8192  # rows per step of the covariance sum: bounded float64 memory on huge inputs


def available_methods() -> list[str]:
    """The methods whose dependencies are installed, in the order of :data:`METHODS`.

    Only looks for the packages (``importlib.util.find_spec``); nothing heavy is imported.
    """
    return [m for m in METHODS
            if m not in _MODULE_OF or importlib.util.find_spec(_MODULE_OF[m]) is not None]


def project(matrix: Any, method: str = "pca", *, dim: int = 2, seed: int = 0) -> np.ndarray:
    """Map each row of ``matrix`` to a point in ``dim`` dimensions.

    Parameters
    ----------
    matrix
        Array-like of shape ``(n, d)`` with finite numbers, ``n >= dim + 1`` and ``d >= dim``
        (a memory map is read in chunks by PCA).
    method
        ``"pca"`` (NumPy, deterministic), ``"tsne"`` (needs ``everyvec[viz]``) or ``"umap"``
        (needs ``everyvec[umap]``).
    dim
        Number of output dimensions (2 for a plot).
    seed
        Random seed for t-SNE and UMAP (PCA has no randomness).

    Returns
    -------
    numpy.ndarray
        ``(n, dim)`` float32 coordinates, one row per input row.

    Raises
    ------
    ValueError
        For a bad shape, non-finite values, too few rows or an unknown method.
    everyvec.MissingExtraError
        When the package behind ``method`` is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> project(np.eye(4), dim=2).shape
    (4, 2)
    """
    check_choice(method, "method", _OWNER, METHODS)
    dim = check_int(dim, "dim", _OWNER, minimum=1)
    seed = check_int(seed, "seed", _OWNER, minimum=0)
    x = _check_matrix(matrix, dim)
    if method == "pca":
        points = _pca(x, dim)
    elif method == "tsne":
        points = _tsne(x, dim, seed)
    else:
        points = _umap(x, dim, seed)
    return np.ascontiguousarray(points, dtype=np.float32)


def _check_matrix(matrix: Any, dim: int) -> np.ndarray:
    x = matrix if isinstance(matrix, np.ndarray) else np.asarray(matrix)
    if x.ndim != 2:
        raise ValueError(f"The 'matrix' parameter of {_OWNER} must be a 2-D array (rows × dims). "
                         f"Got shape {x.shape}.")
    if x.dtype == np.bool_ or not np.issubdtype(x.dtype, np.number) \
            or np.issubdtype(x.dtype, np.complexfloating):
        raise TypeError(f"The 'matrix' parameter of {_OWNER} must hold real numbers. "
                        f"Got dtype {x.dtype}.")
    n, d = x.shape
    if n < dim + 1:
        raise ValueError(f"The 'matrix' parameter of {_OWNER} must have at least dim + 1 = "
                         f"{dim + 1} rows to project to {dim} dimensions. Got {n} rows.")
    if d < dim:
        raise ValueError(f"The 'dim' parameter of {_OWNER} must be at most the number of "
                         f"columns of 'matrix' ({d}). Got {dim}.")
    if np.issubdtype(x.dtype, np.floating):
        bad = ~np.isfinite(x).all(axis=1)
        if bad.any():
            raise ValueError(f"The 'matrix' parameter of {_OWNER} must hold finite numbers. "
                             f"Got NaN or infinity in row {int(np.flatnonzero(bad)[0])}.")
    return x


def _pca(x: np.ndarray, dim: int) -> np.ndarray:
    n, d = x.shape
    mean = x.mean(axis=0, dtype=np.float64)
    if n >= d:
        cov = np.zeros((d, d))
        for start in range(0, n, _CHUNK):
            block = x[start:start + _CHUNK] - mean
            cov += block.T @ block
        values, vectors = np.linalg.eigh(cov)  # ascending order
        strengths = values[::-1][:dim]
        components = np.ascontiguousarray(vectors[:, ::-1][:, :dim].T)
    else:
        _, singular, components = np.linalg.svd(x - mean, full_matrices=False)
        strengths, components = singular[:dim] ** 2, components[:dim]
    # Directions without variance are arbitrary (rank < dim): give them exact zeros instead.
    flat = strengths <= max(float(strengths[0]), 0.0) * 1e-12
    components[flat] = 0.0
    pivots = np.abs(components).argmax(axis=1)
    signs = np.sign(components[np.arange(dim), pivots])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, _CHUNK):
        out[start:start + _CHUNK] = (x[start:start + _CHUNK] - mean) @ components.T
    return out


def _tsne(x: np.ndarray, dim: int, seed: int) -> np.ndarray:
    manifold = require("sklearn.manifold", "the t-SNE projection")
    n = x.shape[0]
    # scikit-learn needs perplexity < n; a third of n keeps tiny sets from one big blob.
    perplexity = min(30.0, max(1.0, (n - 1) / 3))
    tsne = manifold.TSNE(n_components=dim, perplexity=perplexity, init="pca",
                         learning_rate="auto", random_state=seed,
                         method="barnes_hut" if dim < 4 else "exact")  # Barnes-Hut: dim <= 3
    return tsne.fit_transform(np.asarray(x, dtype=np.float32))


def _umap(x: np.ndarray, dim: int, seed: int) -> np.ndarray:
    umap = require("umap", "the UMAP projection")
    n = x.shape[0]
    # n_jobs=1 because a random_state forces it anyway (and UMAP warns when it has to).
    reducer = umap.UMAP(n_components=dim, n_neighbors=max(2, min(15, n - 1)),
                        random_state=seed, n_jobs=1,
                        init="spectral" if n > dim + 2 else "random")
    return reducer.fit_transform(np.asarray(x, dtype=np.float32))
