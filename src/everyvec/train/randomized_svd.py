"""Truncated SVD of a large sparse matrix by random projection (Halko, Martinsson & Tropp 2011).

For the few hundred leading singular vectors of a vocabulary-sized PPMI matrix this is much
faster than ARPACK and accurate enough after a few power iterations.
"""

from __future__ import annotations

import numpy as np


def randomized_svd(
    matrix, rank: int, *, oversample: int = 10, power_iterations: int = 4, seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leading ``rank`` singular triplets ``(U, s, Vt)`` of ``matrix`` (dense or scipy sparse).

    Parameters
    ----------
    matrix
        ``(m, n)`` array or sparse matrix supporting ``@`` and ``.T``.
    rank
        Number of singular values wanted; must be below ``min(m, n)``.
    oversample
        Extra random directions that make the leading subspace more accurate.
    power_iterations
        Passes of ``A Aᵀ`` that sharpen the spectrum (each re-orthonormalised).
    seed
        Seed of the random projection (results are deterministic for a given seed).
    """
    m, n = matrix.shape
    if not 1 <= rank < min(m, n):
        raise ValueError(f"rank must be in [1, {min(m, n) - 1}] for a {m}×{n} matrix, got {rank}")
    rng = np.random.default_rng(seed)
    width = min(rank + oversample, min(m, n))
    q = np.asarray(matrix @ rng.standard_normal((n, width)))
    q, _ = np.linalg.qr(q)
    for _ in range(power_iterations):
        z, _ = np.linalg.qr(np.asarray(matrix.T @ q))
        q, _ = np.linalg.qr(np.asarray(matrix @ z))
    small = np.asarray((matrix.T @ q).T)  # = qᵀ A, shape (width, n)
    u_small, s, vt = np.linalg.svd(small, full_matrices=False)
    u = q @ u_small
    # Fix the sign of each component so that repeated runs agree exactly.
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(u.shape[1])])
    signs[signs == 0] = 1
    return u[:, :rank] * signs[:rank], s[:rank], vt[:rank] * signs[:rank, None]
