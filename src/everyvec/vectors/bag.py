"""Bag-of-words sentence vectors: sum, mean and SIF (Arora, Liang & Ma, ICLR 2017).

A sentence is a list of tokens; its vector combines the rows of its known tokens:

* ``"sum"``: the plain sum;
* ``"mean"``: the sum divided by the number of known tokens;
* ``"sif"``: the smooth-inverse-frequency weighted mean ``1/|s| · Σ a/(a + p(w)) · v_w``, where
  ``p(w)`` is the word's relative frequency in a corpus and ``a`` (default ``1e-3``) the
  smoothing constant. Arora et al. then remove the projection on the first principal
  component of the batch's sentence vectors (``remove_pc=1``); as in their code the component
  is the first right singular vector of the uncentred matrix.

Tokens missing from the vectors are skipped and counted (or raise, with ``oov="error"``). A
sentence with no known token gets a zero vector, with one warning per call (``empty="warn"``),
an error (``empty="error"``) or silently (``empty="ignore"``) — never NaN.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np

from everyvec.errors import MissingKeyError
from everyvec.vectors.ops import BLOCK_ELEMENTS

__all__ = [
    "BAG_METHODS",
    "DEFAULT_SIF_A",
    "BagResult",
    "bag_vectors",
    "principal_components",
    "remove_components",
    "sif_weights",
]

BAG_METHODS = ("sum", "mean", "sif")
DEFAULT_SIF_A = 1e-3
_OOV = ("skip", "error")
_EMPTY = ("warn", "error", "ignore")


class BagResult(NamedTuple):
    """Sentence vectors with the counts behind them."""

    vectors: np.ndarray
    """``(n, dim)`` float32 sentence vectors."""
    n_known: np.ndarray
    """``(n,)`` int64 number of tokens found in the vectors, per sentence."""
    n_oov: np.ndarray
    """``(n,)`` int64 number of tokens skipped as out of vocabulary, per sentence."""
    components: np.ndarray
    """``(k, dim)`` principal components removed (``k`` = 0 when none were)."""


def _choice(value: object, name: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def sif_weights(
    key_to_index: Mapping[str, int],
    n_rows: int,
    frequencies: Mapping[str, float] | Sequence[float] | np.ndarray,
    *,
    a: float = DEFAULT_SIF_A,
    total: float | None = None,
) -> np.ndarray:
    """Per-row SIF weights ``a / (a + p(w))``.

    Parameters
    ----------
    key_to_index
        Key → row mapping of the vectors.
    n_rows
        Number of rows.
    frequencies
        Word counts or relative frequencies: a mapping key → value (keys not in the vectors
        are ignored; rows missing from it get ``p = 0``, i.e. weight 1) or an array with one
        value per row.
    a
        Smoothing constant (> 0); Arora et al. recommend 1e-3 to 1e-4.
    total
        Divisor turning values into probabilities ``p(w) = value / total``; defaults to the sum
        of all values given, so counts and probabilities both work.

    Returns
    -------
    numpy.ndarray
        ``(n_rows,)`` float32 weights in (0, 1].
    """
    if isinstance(a, bool) or not isinstance(a, Real) or not (math.isfinite(a) and a > 0):
        raise ValueError(f"a must be a finite number > 0, got {a!r}")
    if isinstance(frequencies, Mapping):
        values = np.fromiter((float(v) for v in frequencies.values()), np.float64,
                             count=len(frequencies))
        counts = np.zeros(n_rows, np.float64)
        for key, value in frequencies.items():
            row = key_to_index.get(key)
            if row is not None:
                counts[row] = value
    else:
        counts = np.asarray(frequencies, dtype=np.float64)
        if counts.shape != (n_rows,):
            raise ValueError(
                f"frequencies as an array must have one value per row, shape ({n_rows},); "
                f"got shape {counts.shape}"
            )
        values = counts
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0):
        raise ValueError("frequencies must be finite and >= 0")
    if total is None:
        total = float(values.sum())
    elif isinstance(total, bool) or not isinstance(total, Real) or not math.isfinite(total):
        raise ValueError(f"total must be a finite number > 0, got {total!r}")
    if total <= 0:
        raise ValueError(f"frequencies must sum to > 0 (or give total > 0), got total {total}")
    p = counts / float(total)
    return (a / (a + p)).astype(np.float32)


def principal_components(x: np.ndarray, n: int) -> np.ndarray:
    """First ``n`` right singular vectors of ``x`` (no centring, as in Arora et al.'s code)."""
    x = np.asarray(x, dtype=np.float64)
    if n <= 0:
        return np.empty((0, x.shape[1]), np.float32)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return vt[:n].astype(np.float32)


def remove_components(x: np.ndarray, components: np.ndarray) -> np.ndarray:
    """``x`` minus its projection on the span of ``components`` (rows orthonormalised here)."""
    x = np.asarray(x, dtype=np.float32)
    comps = np.asarray(components, dtype=np.float64)
    if comps.ndim == 1:
        comps = comps[None, :]
    if comps.ndim != 2 or comps.shape[1] != x.shape[1]:
        raise ValueError(
            f"components must have shape (k, {x.shape[1]}) or ({x.shape[1]},), got {comps.shape}"
        )
    if comps.shape[0] == 0:
        return x.copy()
    if not np.all(np.isfinite(comps)):
        raise ValueError("components contain NaN or infinity")
    q, r = np.linalg.qr(comps.T)
    if np.any(np.abs(np.diag(r)) < 1e-12):
        raise ValueError("components are linearly dependent (or zero)")
    proj = (x.astype(np.float64) @ q) @ q.T
    return (x - proj).astype(np.float32)


def bag_vectors(
    matrix: np.ndarray,
    key_to_index: Mapping[str, int],
    sentences: Iterable[Sequence[str]],
    *,
    method: str = "mean",
    weights: np.ndarray | None = None,
    oov: str = "skip",
    empty: str = "warn",
    remove_pc: int = 0,
    components: np.ndarray | None = None,
    suggest: Callable[[str], list[str]] | None = None,
) -> BagResult:
    """Sentence vectors for a batch of token lists.

    Parameters
    ----------
    matrix
        ``(V, dim)`` word vectors.
    key_to_index
        Token → row.
    sentences
        Iterable of token sequences (lists of str; a bare str is refused, split it first).
    method
        ``"sum"``, ``"mean"`` or ``"sif"``.
    weights
        ``(V,)`` per-row weights, required for ``"sif"`` (see :func:`sif_weights`).
    oov
        ``"skip"`` unknown tokens (counted in ``n_oov``) or raise
        :class:`~everyvec.MissingKeyError` (``"error"``).
    empty
        What to do about sentences with no known token (their vector is zeros):
        ``"warn"`` once per call, ``"error"`` (``ValueError``) or ``"ignore"``.
    remove_pc
        Number of principal components of the batch to remove (Arora et al. use 1 with SIF).
    components
        Components to remove instead of computing them (e.g. ``BagResult.components`` of a
        training batch, to embed new sentences the same way).
    suggest
        Function giving close keys for the error message of ``oov="error"``.
    """
    method = _choice(method, "method", BAG_METHODS)
    oov = _choice(oov, "oov", _OOV)
    empty = _choice(empty, "empty", _EMPTY)
    if isinstance(remove_pc, bool) or not isinstance(remove_pc, Integral) or remove_pc < 0:
        raise ValueError(f"remove_pc must be an int >= 0, got {remove_pc!r}")
    if remove_pc and components is not None:
        raise ValueError("give either remove_pc (compute components) or components, not both")
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences must be a list of token lists, got a single string")
    dim = matrix.shape[1]
    if method == "sif":
        if weights is None:
            raise ValueError("method='sif' needs word frequencies")
        row_weights = np.asarray(weights, dtype=np.float32)
    else:
        row_weights = None

    sums: list[np.ndarray] = []
    known_counts: list[int] = []
    oov_counts: list[int] = []
    chunk_rows: list[int] = []
    chunk_starts: list[int] = []
    chunk_sentences = 0
    chunk_limit = max(1, BLOCK_ELEMENTS // max(1, dim))

    def flush() -> None:
        nonlocal chunk_rows, chunk_starts, chunk_sentences
        block = np.zeros((chunk_sentences, dim), np.float64)
        if chunk_rows:
            rows = np.asarray(chunk_rows, np.int64)
            vecs = matrix[rows]
            if row_weights is not None:
                vecs = vecs * row_weights[rows][:, None]
            starts = np.asarray(chunk_starts, np.int64)
            lengths = np.diff(np.append(starts, rows.size))
            nonempty = lengths > 0
            block[nonempty] = np.add.reduceat(vecs, starts[nonempty], axis=0, dtype=np.float64)
        sums.append(block)
        chunk_rows, chunk_starts, chunk_sentences = [], [], 0

    lookup = key_to_index
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(
                f"sentence {number} is a string, expected a list of tokens; split it first"
            )
        if not isinstance(sentence, Iterable):
            raise TypeError(
                f"sentence {number} must be a list of str tokens, got {type(sentence).__name__}"
            )
        chunk_starts.append(len(chunk_rows))
        chunk_sentences += 1
        found = 0
        missing = 0
        for token in sentence:
            try:
                row = lookup.get(token)
            except TypeError:
                row = None
            if row is None:
                if not isinstance(token, str):
                    raise TypeError(
                        f"sentence {number}: tokens must be str, got {type(token).__name__} "
                        f"{token!r}"
                    )
                if oov == "error":
                    raise MissingKeyError(token, suggest(token) if suggest else None)
                missing += 1
            else:
                chunk_rows.append(row)
                found += 1
        known_counts.append(found)
        oov_counts.append(missing)
        if len(chunk_rows) >= chunk_limit:
            flush()
    if chunk_sentences or not sums:
        flush()

    total = np.concatenate(sums, axis=0) if sums else np.zeros((0, dim), np.float64)
    n_known = np.asarray(known_counts, np.int64)
    n_oov = np.asarray(oov_counts, np.int64)
    if method != "sum":
        total /= np.maximum(n_known, 1)[:, None]
    vectors = total.astype(np.float32)

    empties = np.flatnonzero(n_known == 0)
    if empties.size:
        message = (
            f"{empties.size} of {n_known.size} sentences have no token in the vectors "
            f"(first: sentence {int(empties[0])}); their vectors are zeros"
        )
        if empty == "error":
            raise ValueError(message)
        if empty == "warn":
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    if remove_pc:
        usable = int((n_known > 0).sum())
        if usable <= remove_pc or remove_pc > dim:
            raise ValueError(
                f"remove_pc={remove_pc} needs more than {remove_pc} non-empty sentences and at "
                f"most {dim} components; the batch has {usable} non-empty sentences"
            )
        comps = principal_components(vectors[n_known > 0], int(remove_pc))
    elif components is not None:
        comps = np.asarray(components, dtype=np.float32)
        if comps.ndim == 1:
            comps = comps[None, :]
    else:
        comps = np.empty((0, dim), np.float32)
    if comps.shape[0]:
        vectors = remove_components(vectors, comps)
        vectors[n_known == 0] = 0.0  # empty sentences stay exactly zero
    return BagResult(vectors, n_known, n_oov, comps)


def check_frequencies_given(method: str, frequencies: Any) -> None:
    """Raise a clear error when SIF is asked for without frequencies (or the reverse)."""
    if method == "sif" and frequencies is None:
        raise ValueError("method='sif' needs frequencies= (word counts or probabilities)")
    if method != "sif" and frequencies is not None:
        raise ValueError(f"frequencies= is only used by method='sif', not {method!r}")
