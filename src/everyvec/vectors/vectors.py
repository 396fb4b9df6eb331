"""The Vectors object: keys ↔ rows of a float32 matrix.

A Vectors knows nothing about how it was trained. The matrix may be a read-only memory map
(the native format loads that way); nothing here writes into it. Unit-normalised rows are
computed lazily, once, on the first query that needs them.

This module is the container (keys, rows, norms, subsets, files, sentence vectors, PyTorch);
the similarity queries come from :class:`everyvec.vectors.queries.QueryMixin`. Numerical work
lives in plain functions over arrays: :mod:`everyvec.vectors.bag` (sentence vectors) and
:mod:`everyvec.nn.embedding` (PyTorch).
"""

from __future__ import annotations

import copy as _copy
import difflib
import importlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec.errors import MissingKeyError
from everyvec.vectors import bag as _bag
from everyvec.vectors import ops
from everyvec.vectors.queries import Neighbors, QueryMixin

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["Neighbors", "Vectors"]


class Vectors(QueryMixin):
    """Keys and a float32 matrix with one row per key.

    Parameters
    ----------
    keys
        One unique string per row, in row order.
    matrix
        Array of shape ``(len(keys), dim)``; converted to C-contiguous float32 (no copy when it
        already is, so a memory map stays a memory map).
    provenance
        Free-form JSON-able facts about where the vectors came from (saved in the manifest).

    Examples
    --------
    >>> import numpy as np
    >>> v = Vectors(["a", "b"], np.eye(2))
    >>> v["a"]
    array([1., 0.], dtype=float32)
    """

    def __init__(
        self,
        keys: Iterable[str],
        matrix: Any,
        *,
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        keys = list(keys)
        # A memory map stays one (np.asarray would hide it behind a plain ndarray view).
        matrix = matrix if isinstance(matrix, np.memmap) else np.asarray(matrix)
        if matrix.ndim != 2:
            raise ValueError(f"matrix must be 2-D (keys × dim), got shape {matrix.shape}")
        if matrix.shape[0] != len(keys):
            raise ValueError(
                f"matrix has {matrix.shape[0]} rows but {len(keys)} keys were given; "
                "expected one row per key"
            )
        if matrix.dtype != np.float32 or not matrix.flags.c_contiguous:
            if not np.issubdtype(matrix.dtype, np.number):
                raise TypeError(f"matrix must be numeric, got dtype {matrix.dtype}")
            matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        key_to_index: dict[str, int] = {}
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise TypeError(f"keys must be str, got {type(key).__name__} at row {i}: {key!r}")
            if key in key_to_index:
                raise ValueError(f"duplicate key {key!r} at rows {key_to_index[key]} and {i}")
            key_to_index[key] = i
        self._keys = keys
        self._matrix = matrix
        self._key_to_index = key_to_index
        self._unit: np.ndarray | None = None
        self._norms: np.ndarray | None = None
        self._key_array: np.ndarray | None = None
        self.provenance: dict[str, Any] = dict(provenance or {})

    # ------------------------------------------------------------------ basic container protocol
    @property
    def keys(self) -> list[str]:
        """Keys in row order (do not mutate)."""
        return self._keys

    @property
    def matrix(self) -> np.ndarray:
        """The ``(len, dim)`` float32 matrix (possibly a read-only memory map)."""
        return self._matrix

    @property
    def key_to_index(self) -> Mapping[str, int]:
        """Mapping from key to row number."""
        return self._key_to_index

    @property
    def dim(self) -> int:
        """Number of columns."""
        return int(self._matrix.shape[1])

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._key_to_index

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __repr__(self) -> str:
        return f"Vectors({len(self)} keys × {self.dim} dims)"

    def __getitem__(self, key: str | Sequence[str]) -> np.ndarray:
        """The row of ``key`` (a copy), or a ``(n, dim)`` array for a list of keys."""
        if isinstance(key, str):
            return np.array(self._matrix[self.index(key)])
        return self._matrix[self.indices(key)]

    def index(self, key: str) -> int:
        """Row number of ``key``; :class:`~everyvec.MissingKeyError` with suggestions if absent."""
        try:
            return self._key_to_index[key]
        except (KeyError, TypeError):
            raise MissingKeyError(key, self.suggest(key)) from None

    def indices(self, keys: Iterable[str]) -> np.ndarray:
        """Row numbers of many keys as an int64 array (raises on the first missing key)."""
        lookup = self._key_to_index
        try:
            return np.fromiter((lookup[k] for k in keys), dtype=np.int64)
        except (KeyError, TypeError):
            missing = next(k for k in keys if not isinstance(k, str) or k not in lookup)
            raise MissingKeyError(missing, self.suggest(missing)) from None

    def suggest(self, key: object, n: int = 3) -> list[str]:
        """Up to ``n`` existing keys that look like ``key`` (case-insensitive match first)."""
        if not isinstance(key, str) or not self._keys:
            return []
        lowered = key.lower()
        exact_case = [k for k in (key.lower(), key.upper(), key.capitalize())
                      if k != key and k in self._key_to_index]
        # difflib over every key is slow for large vocabularies: compare only keys of similar
        # length that share the first character (case-insensitively).
        first = lowered[:1]
        pool = [k for k in self._keys[:200_000]
                if abs(len(k) - len(key)) <= 2 and k[:1].lower() == first]
        close = difflib.get_close_matches(key, pool, n=n, cutoff=0.6)
        seen: list[str] = []
        for k in exact_case + close:
            if k not in seen:
                seen.append(k)
        return seen[:n]

    # ------------------------------------------------------------------ norms
    @property
    def norms(self) -> np.ndarray:
        """L2 norm of every row (float32), computed once."""
        if self._norms is None:
            self._norms = np.linalg.norm(self._matrix, axis=1).astype(np.float32)
        return self._norms

    @property
    def unit_matrix(self) -> np.ndarray:
        """Rows scaled to unit length (all-zero rows stay zero), computed once."""
        if self._unit is None:
            norms = self.norms
            safe = np.where(norms > 0, norms, 1.0).astype(np.float32)
            self._unit = self._matrix / safe[:, None]
        return self._unit

    # ------------------------------------------------------------------ derived vectors
    def copy(self) -> Vectors:
        """A deep copy with its own writable matrix (a memory map is read into memory)."""
        return Vectors(list(self._keys), np.array(self._matrix),
                       provenance=_copy.deepcopy(self.provenance))

    def subset(self, keys: Iterable[str]) -> Vectors:
        """New Vectors holding only ``keys``, in the order given (rows are copied).

        Raises :class:`~everyvec.MissingKeyError` for an unknown key and ``ValueError`` for a
        repeated one.
        """
        keys = list(keys)
        rows = self.indices(keys)
        return Vectors(keys, self._matrix[rows], provenance=_copy.deepcopy(self.provenance))

    def restrict(self, n: int) -> Vectors:
        """The first ``n`` keys (all of them when ``n >= len(self)``); the matrix is shared.

        Useful when keys are sorted by descending frequency, as trained vectors usually are.
        """
        n = ops.check_restrict(n, len(self), "n")
        return Vectors(self._keys[:n], self._matrix[:n],
                       provenance=_copy.deepcopy(self.provenance))

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str], format: str = "native") -> Path:
        """Write the vectors with :func:`everyvec.vectors.formats.save`; returns the path.

        ``format`` is one of ``"native"``, ``"word2vec"``, ``"word2vec-binary"``, ``"glove"``,
        ``"fasttext"``. The write is atomic (temporary name, then rename).
        """
        formats = importlib.import_module("everyvec.vectors.formats")
        return formats.save(self, path, format=format)

    @classmethod
    def load(cls, path: str | os.PathLike[str], format: str | None = None, **kw: Any) -> Vectors:
        """Read vectors with :func:`everyvec.vectors.formats.load` (format detected when None).

        Keyword arguments (``limit``, ``unicode_errors``, ``mmap``) go to the reader.
        """
        formats = importlib.import_module("everyvec.vectors.formats")
        return formats.load(path, format=format, **kw)

    # ------------------------------------------------------------------ sentence vectors
    def sentence_vector(
        self,
        tokens: Sequence[str],
        method: str = "mean",
        *,
        frequencies: Mapping[str, float] | Sequence[float] | None = None,
        a: float = _bag.DEFAULT_SIF_A,
        total: float | None = None,
        oov: str = "skip",
        empty: str = "warn",
        components: np.ndarray | None = None,
    ) -> np.ndarray:
        """One sentence's bag-of-words vector; see :meth:`sentence_vectors` for the options.

        Returns a ``(dim,)`` float32 vector (zeros when no token is known).
        """
        _bag.check_frequencies_given(method, frequencies)
        weights = (_bag.sif_weights(self._key_to_index, len(self), frequencies, a=a, total=total)
                   if method == "sif" else None)
        if isinstance(tokens, (str, bytes)):
            raise TypeError("tokens must be a list of str tokens, not a string; split it first")
        result = _bag.bag_vectors(self._matrix, self._key_to_index, [tokens], method=method,
                                  weights=weights, oov=oov, empty=empty, components=components,
                                  suggest=self.suggest)
        return result.vectors[0]

    def sentence_vectors(
        self,
        sentences: Iterable[Sequence[str]],
        method: str = "mean",
        *,
        frequencies: Mapping[str, float] | Sequence[float] | None = None,
        a: float = _bag.DEFAULT_SIF_A,
        total: float | None = None,
        oov: str = "skip",
        empty: str = "warn",
        remove_pc: int = 0,
        components: np.ndarray | None = None,
        return_counts: bool = False,
    ) -> np.ndarray | _bag.BagResult:
        """Bag-of-words vectors for many sentences (lists of tokens).

        Parameters
        ----------
        sentences
            Iterable of token lists.
        method
            ``"sum"``, ``"mean"`` (over known tokens) or ``"sif"``: smooth inverse frequency,
            ``1/|s| Σ a/(a + p(w)) v_w`` (Arora, Liang & Ma 2017).
        frequencies
            For ``"sif"`` only: counts or probabilities per word, a mapping key → value or an
            array with one value per row. Words without a value get ``p = 0`` (weight 1).
        a
            SIF smoothing constant (default 1e-3).
        total
            Divisor giving ``p(w) = value / total``; default the sum of the values.
        oov
            ``"skip"`` unknown tokens (counted) or ``"error"``
            (:class:`~everyvec.MissingKeyError`).
        empty
            Sentences with no known token get zeros: ``"warn"`` (one warning per call),
            ``"error"`` (``ValueError``) or ``"ignore"``.
        remove_pc
            Remove this many principal components of the batch (SIF's last step uses 1).
        components
            Remove these components instead (e.g. from an earlier ``return_counts=True`` call).
        return_counts
            Return a :class:`~everyvec.vectors.bag.BagResult` (vectors, ``n_known``,
            ``n_oov``, ``components``) instead of the bare ``(n, dim)`` float32 array.
        """
        _bag.check_frequencies_given(method, frequencies)
        if not isinstance(return_counts, bool):
            raise TypeError(f"return_counts must be True or False, got {return_counts!r}")
        weights = (_bag.sif_weights(self._key_to_index, len(self), frequencies, a=a, total=total)
                   if method == "sif" else None)
        result = _bag.bag_vectors(self._matrix, self._key_to_index, sentences, method=method,
                                  weights=weights, oov=oov, empty=empty, remove_pc=remove_pc,
                                  components=components, suggest=self.suggest)
        return result if return_counts else result.vectors

    # ------------------------------------------------------------------ PyTorch
    def to_torch(
        self,
        freeze: bool = True,
        padding_key: str | None = None,
        sparse: bool = False,
        max_norm: float | None = None,
    ) -> torch.nn.Embedding:
        """A ``torch.nn.Embedding`` holding these vectors; see :func:`everyvec.nn.to_torch`.

        Embedding index = ``self.key_to_index[key]``; a new ``padding_key`` gets a zero row at
        index ``len(self)`` (``embedding.padding_idx``).
        """
        from everyvec.nn.embedding import to_torch

        return to_torch(self, freeze=freeze, padding_key=padding_key, sparse=sparse,
                        max_norm=max_norm)

    @classmethod
    def from_torch(
        cls, embedding: Any, keys: Iterable[str], *, provenance: Mapping[str, Any] | None = None
    ) -> Vectors:
        """Vectors copied out of an ``nn.Embedding`` or 2-D tensor (detached, CPU, float32).

        See :func:`everyvec.nn.from_torch`; ``keys`` gives one key per row.
        """
        from everyvec.nn.embedding import from_torch

        return from_torch(embedding, keys, provenance=dict(provenance or {}))
