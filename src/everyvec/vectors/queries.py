"""Queries on a Vectors: similarity, neighbours, analogies, odd-one-out — single and batched.

A mixin so that :mod:`everyvec.vectors.vectors` keeps to the container (keys, rows, norms,
files). The methods turn keys into row numbers and check arguments; the numerical work lives in
plain functions over arrays: :mod:`everyvec.vectors.ops` (metrics, blocked top-k search) and
:mod:`everyvec.vectors.analogy` (3CosAdd/3CosMul).

Query semantics follow gensim 4.4's ``KeyedVectors`` so results agree on the same vectors:
keys given to ``most_similar`` are unit-normalised, combined with their weights (+1 positive,
−1 negative) into a mean, re-normalised, and compared by cosine; the query keys themselves are
left out of the results. Where gensim would produce NaN (zero rows), everyvec scores cosine 0; a
query that is itself a zero vector is an error.

``search`` and ``most_similar(index=...)`` send the query through a nearest-neighbour index
(:mod:`everyvec.index`: a spec string builds one, kept on the object) instead of scanning every
row; :func:`query_from_terms` builds the same 3CosAdd query for other key stores
(:class:`everyvec.Collection`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from everyvec.vectors import analogy as _analogy
from everyvec.vectors import ops

if TYPE_CHECKING:  # pragma: no cover
    from everyvec.index import Matches

__all__ = ["Neighbors", "QueryMixin", "combine", "query_from_terms"]


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



def combine(terms: np.ndarray, weights: np.ndarray, metric: str) -> np.ndarray:
    """gensim's ``get_mean_vector``: the weighted mean of ``terms`` over ``Σ|w|``.

    For cosine the terms should already be unit rows, and the mean is re-normalised. Raises
    ``ValueError`` when the weights are all zero or (cosine, dot) the mean is zero.
    """
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


def query_from_terms(
    positive: Any,
    negative: Any,
    *,
    dim: int,
    vector_of: Callable[[str], np.ndarray],
    metric: str = "cosine",
) -> tuple[np.ndarray, list[str]]:
    """The 3CosAdd query vector of :meth:`QueryMixin.most_similar`, for any key store.

    ``positive`` and ``negative`` are as in ``most_similar``; ``vector_of(key)`` returns a
    key's vector (and raises for an unknown key). Returns the query and the keys it used
    (which a search usually leaves out of its results).
    """
    keys: list[str] = []
    found: list[np.ndarray] = []

    def index_of(key: str) -> int:
        found.append(np.asarray(vector_of(key), dtype=np.float32))
        keys.append(key)
        return len(keys) - 1

    rows, given, weights = ops.parse_terms(positive, negative, dim=dim, index_of=index_of)
    if not rows:
        raise ValueError("most_similar needs at least one positive or negative key or vector")
    stored = np.stack(found) if found else np.empty((0, dim), np.float32)
    if metric == "cosine" and len(stored):
        stored = ops.unit_rows(stored)
    terms = np.stack([stored[r] if r is not None else given[t] for t, r in enumerate(rows)])
    return combine(terms, weights, metric), keys


class QueryMixin:
    """Similarity queries; mixed into :class:`everyvec.Vectors`, which provides the rows."""

    _keys: list[str]
    _matrix: np.ndarray
    _key_to_index: dict[str, int]
    _key_array: np.ndarray | None

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
        index: Any = None,
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
        index
            ``None`` scans every row exactly with NumPy. Otherwise the combined query goes
            through a nearest-neighbour index (as :meth:`search` takes it: a spec string such
            as ``"hnsw:M=32,ef=128"``, an :class:`everyvec.index.Index` holding these keys,
            or a :class:`everyvec.Collection`), asking for ``topn`` plus the number of
            excluded keys and dropping those. ``"3cosadd"`` only; not with
            ``restrict_vocab``. With ``"exact"`` the results equal the default path's.

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
        if index is not None:
            if method != "3cosadd":
                raise ValueError("index= works with method='3cosadd' only")
            if restrict_vocab is not None:
                raise ValueError("index= and restrict_vocab cannot be combined: the index "
                                 "decides the candidates")
            searcher = self._searcher(index, metric)
            query = self._combine(rows, given, weights, metric)
            skip = {self._keys[r] for r in excluded[0].tolist()}
            if k == 0:
                return []
            found = searcher.search(query, k + len(skip))[0]
            return [(key, score) for key, score in found if key not in skip][:k]
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

    def search(self, queries: Any, k: int = 10, *, index: Any = "exact",
               metric: str = "cosine") -> Matches:
        """The ``k`` nearest keys of each query, through a nearest-neighbour index.

        Parameters
        ----------
        queries
            A vector, an ``(n, dim)`` array, a key or a list of keys/vectors (a key stands
            for its vector and is not left out of its own results).
        k
            Matches per query (rows are padded with ``None``/NaN when fewer keys exist).
        index
            A spec string (``"exact"``, ``"hnsw:M=32,ef=128"``, …): an index of that kind
            is built over these vectors on first use and kept on this object for the next
            call with the same spec and metric. Or an :class:`everyvec.index.Index`
            already holding these keys, or an :class:`everyvec.Collection`; their metric
            must equal ``metric``.
        metric
            ``"cosine"``, ``"dot"`` or ``"euclidean"`` (scores are then distances).

        Returns
        -------
        everyvec.index.Matches
            ``keys`` and ``scores`` of shape ``(n, k)``, best first.
        """
        metric = ops.check_metric(metric)
        searcher = self._searcher(index, metric)
        rows, _ = self._as_rows(queries, "queries")
        return searcher.search(rows, k)

    def _searcher(self, index: Any, metric: str) -> Any:
        """``index`` as something with ``search(queries, k)``: built from a spec, or checked."""
        if isinstance(index, str):
            from everyvec.index import format_spec, make_index, parse_spec

            key = (format_spec(*parse_spec(index)), metric)
            cache: dict[tuple[str, str], Any] | None = getattr(self, "_index_cache", None)
            if cache is None:
                cache = self._index_cache = {}
            if key not in cache:
                built = make_index(key[0], dim=self.dim, metric=metric)
                built.add(self._keys, self._matrix)
                cache[key] = built
            return cache[key]
        if callable(getattr(index, "search", None)) and isinstance(
                getattr(index, "metric", None), str):
            if getattr(index, "dim", self.dim) != self.dim:
                raise ValueError(f"index holds vectors of dimension {index.dim}; these have "
                                 f"{self.dim}")
            if index.metric != metric:
                raise ValueError(f"index uses metric {index.metric!r} but metric={metric!r} "
                                 "was asked; pass the index's metric")
            return index
        raise TypeError("index must be a spec string such as 'exact', an everyvec.index.Index "
                        f"or an everyvec.Collection; got {type(index).__name__}")

    def _combine(self, rows: Sequence[int | None], given: np.ndarray, weights: np.ndarray,
                 metric: str) -> np.ndarray:
        """gensim's ``get_mean_vector``: weighted mean over ``Σ|w|`` (unit rows for cosine)."""
        source = self.unit_matrix if metric == "cosine" else self._matrix
        terms = np.stack([source[r] if r is not None else given[t] for t, r in enumerate(rows)])
        return combine(terms, weights, metric)

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
