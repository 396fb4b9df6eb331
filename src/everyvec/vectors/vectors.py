"""The Vectors object: keys ↔ rows of a float32 matrix, and the queries made on them.

A Vectors knows nothing about how it was trained. The matrix may be a read-only memory map
(the native format loads that way); nothing here writes into it. Unit-normalised rows are
computed lazily, once, on the first query that needs them.

The methods here turn keys into row numbers and check arguments; the numerical work lives in
plain functions over arrays: :mod:`everyvec.vectors.ops` (metrics, blocked top-k search),
:mod:`everyvec.vectors.analogy` (3CosAdd/3CosMul), :mod:`everyvec.vectors.bag` (sentence
vectors) and :mod:`everyvec.nn.embedding` (PyTorch).

Query semantics follow gensim 4.4's ``KeyedVectors`` so results agree on the same vectors:
keys given to :meth:`Vectors.most_similar` are unit-normalised, combined with their weights
(+1 positive, −1 negative) into a mean, re-normalised, and compared by cosine; the query keys
themselves are left out of the results. Where gensim would produce NaN (zero rows), everyvec
scores cosine 0; a query that is itself a zero vector is an error.
"""

from __future__ import annotations

import copy as _copy
import difflib
import importlib
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from everyvec.errors import MissingKeyError
from everyvec.vectors import analogy as _analogy
from everyvec.vectors import bag as _bag
from everyvec.vectors import ops

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["Neighbors", "Vectors"]


class Neighbors(NamedTuple):
    """Results of a batched query: one row per query, best first.

    Slots that could not be filled (fewer candidates than ``topn``) hold index ``-1``, key
    ``None`` and score ``-inf`` (``+inf`` for Euclidean distances).
    """

    indices: np.ndarray
    """``(n, topn)`` int64 row numbers."""
    scores: np.ndarray
    """``(n, topn)`` float32 similarities (or Euclidean distances, smallest first)."""
    keys: np.ndarray
    """``(n, topn)`` object array of keys."""


class Vectors:
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
        matrix = np.asarray(matrix)
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
    def save(self, path: str | os.PathLike[str], format: str = "native", **options: Any) -> Path:
        """Write the vectors with :func:`everyvec.vectors.formats.save`; returns the path.

        ``format`` is one of ``"native"``, ``"word2vec"``, ``"word2vec-binary"``, ``"glove"``,
        ``"fasttext"``; ``options`` go to the writer.
        """
        formats = importlib.import_module("everyvec.vectors.formats")
        return formats.save(self, path, format=format, **options)

    @classmethod
    def load(cls, path: str | os.PathLike[str], format: str | None = None, **kw: Any) -> Vectors:
        """Read vectors with :func:`everyvec.vectors.formats.load` (format detected when None).

        Keyword arguments (``limit``, ``unicode_errors``, ``mmap``) go to the reader.
        """
        formats = importlib.import_module("everyvec.vectors.formats")
        return formats.load(path, format=format, **kw)

    # ------------------------------------------------------------------ helpers for queries
    def _key_objects(self) -> np.ndarray:
        if self._key_array is None:
            self._key_array = np.array(self._keys, dtype=object)
        return self._key_array

    def _pairs(self, idx: np.ndarray, vals: np.ndarray) -> list[tuple[str, float]]:
        """``(key, score)`` tuples for one result row, dropping unfilled (-1) slots."""
        keys = self._keys
        return [(keys[i], s) for i, s in zip(idx.tolist(), vals.tolist(), strict=True) if i >= 0]

    def _as_rows(self, value: Any, name: str) -> tuple[np.ndarray, bool]:
        """``value`` (key, vector, list of keys/vectors, 2-D array) as ``(n, dim)`` float32."""
        if isinstance(value, str):
            return self._matrix[self.index(value)][None, :], True
        if isinstance(value, np.ndarray) and value.ndim == 2:
            if value.shape[1] != self.dim or value.shape[0] == 0:
                raise ValueError(
                    f"{name}: expected an array of shape (n >= 1, {self.dim}), "
                    f"got shape {value.shape}"
                )
            arr = value.astype(np.float32)
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name}: array contains NaN or infinity")
            return arr, False
        if isinstance(value, np.ndarray):
            return ops.check_vector(value, self.dim, name)[None, :], True
        if isinstance(value, (list, tuple)):
            if not value:
                raise ValueError(f"{name}: empty list")
            if all(isinstance(item, str) for item in value):  # the common case, vectorised
                return self._matrix[self.indices(value)], False
            rows = [self._as_rows(item, f"{name}[{i}]") for i, item in enumerate(value)]
            if any(not single for _, single in rows):
                raise TypeError(f"{name}: list items must be keys or 1-D vectors")
            return np.concatenate([r for r, _ in rows], axis=0), False
        raise TypeError(
            f"{name}: expected a key (str), a vector, or a list of them; got {type(value).__name__}"
        )

    def _excluded(self, rows: Sequence[int | None], exclude: Any) -> np.ndarray:
        """Row numbers never returned by a query: its own keys (gensim) plus ``exclude``."""
        if isinstance(exclude, bool):
            chosen = [r for r in rows if r is not None] if exclude else []
        elif isinstance(exclude, str):
            chosen = [r for r in rows if r is not None]
            chosen += [self._key_to_index[exclude]] if exclude in self._key_to_index else []
        elif isinstance(exclude, Iterable):
            chosen = [r for r in rows if r is not None]
            lookup = self._key_to_index
            chosen += [lookup[k] for k in exclude if isinstance(k, str) and k in lookup]
        else:
            raise TypeError(f"exclude must be True, False or a collection of keys, got {exclude!r}")
        return np.asarray(chosen, dtype=np.int64)

    def _one_query_scores(self, vector: np.ndarray, metric: str) -> np.ndarray:
        """Scores of every row against one vector: similarity (cosine/dot) or distance."""
        if metric == "cosine":
            return self.unit_matrix @ ops.unit_rows(vector)
        if metric == "dot":
            return self._matrix @ vector
        diff = self._matrix - vector
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))

    # ------------------------------------------------------------------ similarity queries
    def similarity(self, a: Any, b: Any, *, metric: str = "cosine") -> float | np.ndarray:
        """Cosine similarity (or dot product) of ``a`` and ``b``.

        Each side is a key, a 1-D vector, a list of keys/vectors or a 2-D array. Two single
        items give a float; lists give an array of pairwise similarities ``sim(a[i], b[i])``
        (a single item is paired with every item of the other side). A zero vector has cosine
        0 with everything.

        Examples
        --------
        >>> v = Vectors(["a", "b", "c"], [[1, 0], [0, 1], [1, 1]])
        >>> round(v.similarity("a", "c"), 4)
        0.7071
        >>> v.similarity(["a", "b"], ["c", "c"]).round(4)
        array([0.7071, 0.7071], dtype=float32)
        """
        metric = ops.check_metric(metric, ("cosine", "dot"))
        left, single_left = self._as_rows(a, "a")
        right, single_right = self._as_rows(b, "b")
        if left.shape[0] != right.shape[0] and not (single_left or single_right):
            raise ValueError(
                f"a and b must have the same number of items, got {left.shape[0]} and "
                f"{right.shape[0]}"
            )
        sims = ops.pairwise_similarity(left, right, metric)
        if single_left and single_right:
            return float(sims[0])
        return sims

    def distances(
        self, key_or_vector: Any, others: Iterable[str] | None = None, *, metric: str = "cosine"
    ) -> np.ndarray:
        """Distances from a key or vector to ``others`` (default: every key, in row order).

        ``metric="cosine"`` gives ``1 − cosine`` (as gensim's ``distances``), ``"euclidean"``
        the L2 distance. Returns a float32 array.
        """
        metric = ops.check_metric(metric, ("cosine", "euclidean"))
        query, single = self._as_rows(key_or_vector, "key_or_vector")
        if not single:
            raise TypeError("key_or_vector must be one key or one 1-D vector")
        if others is None:
            scores = self._one_query_scores(query[0], metric)
        else:
            rows = self._matrix[self.indices(others)]
            if metric == "cosine":
                scores = ops.unit_rows(rows) @ ops.unit_rows(query[0])
            else:
                scores = np.linalg.norm(rows - query[0], axis=1)
        return (1.0 - scores if metric == "cosine" else scores).astype(np.float32)

    def rank(self, key1: str, key2: str, *, metric: str = "cosine") -> int:
        """Rank of ``key2`` among all keys by closeness to ``key1`` (1 = nearest; gensim's rank).

        It is one plus the number of keys other than ``key1`` strictly closer to ``key1``
        than ``key2`` is.
        """
        metric = ops.check_metric(metric)
        i, j = self.index(key1), self.index(key2)
        scores = self._one_query_scores(self._matrix[i], metric)
        if metric == "euclidean":
            scores = -scores
        threshold = scores[j]
        scores[i] = -np.inf
        return int(np.count_nonzero(scores > threshold)) + 1

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        *,
        restrict_vocab: int | None = None,
        method: str = "3cosadd",
        metric: str = "cosine",
        exclude: bool | Iterable[str] = True,
    ) -> list[tuple[str, float]]:
        """The keys nearest to a combination of keys and vectors, as in gensim.

        Parameters
        ----------
        positive, negative
            A key, a 1-D vector, or a list of keys / vectors / ``(key_or_vector, weight)``
            pairs. Positive items weigh +1 and negative −1; a pair's weight is used as given
            (gensim's rule). Vectors given directly are not normalised (gensim again).
        topn
            Number of results (an int >= 1), or None for every candidate.
        restrict_vocab
            Only the first ``restrict_vocab`` rows are candidates (int >= 1).
        method
            ``"3cosadd"``: score rows against the normalised weighted mean (gensim
            ``most_similar``). ``"3cosmul"``: the multiplicative objective of gensim
            ``most_similar_cosmul`` (cosine only; vectors given directly are normalised;
            weights other than ±1 are refused).
        metric
            With ``"3cosadd"``: ``"cosine"`` (as above), ``"dot"`` (the weighted mean of the
            raw vectors, scored by dot product, largest first) or ``"euclidean"`` (the same
            mean, scored by L2 distance, **smallest first**; scores are distances).
        exclude
            True (default) leaves the query's own keys out of the results; False keeps them;
            a collection of keys leaves those out as well (unknown ones are ignored).

        Returns
        -------
        list of (key, score)
            Best first; fewer than ``topn`` when fewer candidates remain.

        Raises
        ------
        MissingKeyError
            A query key is not in the vectors (the message suggests close keys).
        ValueError
            No query terms, a zero query vector for cosine or dot, or a bad argument.
        """
        method = _analogy.check_method(method)
        metric = ops.check_metric(metric)
        if method == "3cosmul" and metric != "cosine":
            raise ValueError("method='3cosmul' works with metric='cosine' only")
        k = ops.check_topn(topn, allow_none=True)
        n_cand = ops.check_restrict(restrict_vocab, len(self))
        rows, given, weights = ops.parse_terms(positive, negative, dim=self.dim,
                                               index_of=self.index)
        if not rows:
            raise ValueError("most_similar needs at least one positive or negative key or vector")
        excluded = self._excluded(rows, exclude)[None, :]
        k = n_cand if k is None else k
        if method == "3cosmul":
            if not np.all(np.abs(weights) == 1.0):
                raise ValueError("method='3cosmul' does not take weights (only +1 / -1)")
            terms = np.stack([self.unit_matrix[r] if r is not None else ops.unit_rows(given[t])
                              for t, r in enumerate(rows)])
            if not np.any(weights > 0):
                raise ValueError("method='3cosmul' needs at least one positive key or vector")
            scores = _analogy.cosmul_scores(self.unit_matrix[:n_cand], terms[weights > 0][None],
                                            terms[weights < 0][None])
            ops.exclude_rows(scores, excluded)
            idx, vals = ops.top_k(scores, k)
        else:
            query = self._combine(rows, given, weights, metric)
            candidates = self.unit_matrix if metric == "cosine" else self._matrix
            idx, vals = ops.search(candidates[:n_cand], query[None, :], k, metric=metric,
                                   exclude=excluded)
        return self._pairs(idx[0], vals[0])

    def _combine(self, rows: Sequence[int | None], given: np.ndarray, weights: np.ndarray,
                 metric: str) -> np.ndarray:
        """gensim's ``get_mean_vector``: weighted mean over ``Σ|w|`` (unit rows for cosine)."""
        source = self.unit_matrix if metric == "cosine" else self._matrix
        terms = np.stack([source[r] if r is not None else given[t] for t, r in enumerate(rows)])
        total = np.abs(weights).sum()
        if total == 0:
            raise ValueError("the weights of the query terms are all zero")
        mean = (weights @ terms.astype(np.float64)) / total
        if metric == "cosine":
            mean = ops.unit_rows(mean)
        if metric != "euclidean" and not np.any(mean):
            raise ValueError(
                "the query vector is zero (a zero vector, or terms that cancel out); "
                f"{metric} similarity to it is undefined"
            )
        return mean.astype(np.float32)

    def similar_by_vector(
        self,
        vector: Any,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
        *,
        metric: str = "cosine",
    ) -> list[tuple[str, float]]:
        """The keys nearest to ``vector`` (nothing excluded); see :meth:`most_similar`."""
        vec = ops.check_vector(vector, self.dim)
        return self.most_similar(positive=[vec], topn=topn, restrict_vocab=restrict_vocab,
                                 metric=metric)

    def most_similar_batch(
        self,
        queries: Sequence[str] | np.ndarray,
        topn: int = 10,
        *,
        restrict_vocab: int | None = None,
        metric: str = "cosine",
        exclude_self: bool = True,
        block: int = 1024,
    ) -> Neighbors:
        """Nearest keys for many queries at once (blocked matrix products, no per-query loop).

        Row ``i`` equals ``most_similar(queries[i], topn=topn, ...)`` for a key query.

        Parameters
        ----------
        queries
            A list of keys, or an ``(n, dim)`` array of query vectors.
        topn
            Results per query (int >= 1).
        restrict_vocab
            Only the first ``restrict_vocab`` rows are candidates.
        metric
            ``"cosine"``, ``"dot"`` (largest first) or ``"euclidean"`` (smallest first).
        exclude_self
            Leave each query key out of its own results (ignored for vector queries).
        block
            Most queries per matrix product.

        Returns
        -------
        Neighbors
            ``indices``, ``scores`` and ``keys``, each of shape ``(n, topn)``.
        """
        metric = ops.check_metric(metric)
        k = ops.check_topn(topn)
        n_cand = ops.check_restrict(restrict_vocab, len(self))
        block = ops.check_block(block)
        if not isinstance(exclude_self, bool):
            raise TypeError(f"exclude_self must be True or False, got {exclude_self!r}")
        if isinstance(queries, str):
            raise TypeError("queries must be a list of keys (use most_similar for one key)")
        if isinstance(queries, np.ndarray) and queries.ndim == 2:
            vectors, _ = self._as_rows(queries, "queries") if len(queries) else (
                np.empty((0, self.dim), np.float32), False)
            exclude = None
        else:
            rows = self.indices(list(queries))
            vectors = self._matrix[rows]
            exclude = rows[:, None] if exclude_self else None
        if metric != "euclidean" and len(vectors):
            zero = ~np.any(vectors, axis=1)
            if zero.any():
                warnings.warn(
                    f"{int(zero.sum())} of {len(vectors)} queries are zero vectors; their "
                    f"{metric} scores are all 0 and their neighbours arbitrary",
                    RuntimeWarning, stacklevel=2,
                )
        candidates = (self.unit_matrix if metric == "cosine" else self._matrix)[:n_cand]
        idx, vals = ops.search(candidates, vectors, k, metric=metric, exclude=exclude, block=block)
        if idx.shape[1] < k:  # fewer candidates than topn: pad to the promised shape
            pad = k - idx.shape[1]
            idx = np.pad(idx, ((0, 0), (0, pad)), constant_values=-1)
            fill = np.inf if metric == "euclidean" else -np.inf
            vals = np.pad(vals, ((0, 0), (0, pad)), constant_values=fill)
        keys = self._key_objects()[np.maximum(idx, 0)]
        keys[idx < 0] = None
        return Neighbors(idx, vals, keys)

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        topn: int = 1,
        *,
        method: str = "3cosadd",
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Answer ``a : b :: c : ?`` (read as in questions-words: "a is to b as c is to ?").

        ``v.analogy("man", "king", "woman")`` looks for king − man + woman, i.e.
        ``most_similar(positive=[b, c], negative=[a])`` (``"3cosadd"``) or its
        ``most_similar_cosmul`` form (``"3cosmul"``). ``a``, ``b`` and ``c`` are never answers.

        Returns
        -------
        list of (key, score)
            The ``topn`` best answers, best first.
        """
        for name, key in (("a", a), ("b", b), ("c", c)):
            if not isinstance(key, str):
                raise TypeError(f"{name} must be a key (str), got {type(key).__name__}")
        rows = [np.array([self.index(key)]) for key in (a, b, c)]
        k = ops.check_topn(topn)
        idx, vals = _analogy.solve_analogies(self.unit_matrix, *rows, method=method, topn=k,
                                             restrict=ops.check_restrict(restrict_vocab, len(self)))
        return self._pairs(idx[0], vals[0])

    def doesnt_match(self, keys: Sequence[str]) -> str:
        """The key farthest from the (normalised) mean of the unit vectors of ``keys``.

        As gensim's ``doesnt_match``, except that an unknown key raises
        :class:`~everyvec.MissingKeyError` instead of being dropped.
        """
        if isinstance(keys, str):
            raise TypeError("keys must be a list of keys, not a single string")
        keys = list(keys)
        if len(keys) < 2:
            raise ValueError(f"doesnt_match needs at least 2 keys, got {len(keys)}")
        unit = self.unit_matrix[self.indices(keys)]
        mean = ops.unit_rows(unit.astype(np.float64).mean(axis=0))
        return keys[int(np.argmin(unit @ mean))]

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
