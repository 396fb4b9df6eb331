"""The two baselines every recommendation table should carry: most-popular and item-kNN.

* :class:`MostPopular` recommends the items found in the most histories, the same list for
  everybody (minus what each user has seen). Any model that does not beat it clearly has not
  learned anything personal.
* :class:`ItemKNN` is classic item-based collaborative filtering (Sarwar et al. 2001): with
  ``X`` the binary user × item matrix, items ``i`` and ``j`` co-occur ``C[i, j] = (XᵀX)[i, j]``
  times and their similarity is the cosine ``C[i, j] / (sqrt(C[i, i] C[j, j]) + shrink)``. A
  history scores item ``j`` with the sum of its (distinct, known) items' similarity to ``j``;
  ``neighbors`` keeps only each item's most similar items. Scores of a batch are one sparse
  product followed by ``argpartition``.

Simplifications: interactions are binary (repeats and ratings do not weigh more); the whole
item × item similarity is built in memory as a sparse matrix, which suits catalogues up to a
few hundred thousand items with sparse co-occurrence. A history without known items (or with
fewer than ``k`` co-occurring ones) is filled with popular items by :class:`ItemKNN`, with
score 0.0, unless ``popular_fallback=False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_float, check_int
from everyvec._optional import require
from everyvec.errors import EveryvecError, MissingKeyError
from everyvec.recommend.base import Recommendation, Recommender, check_histories
from everyvec.train.item2vec import as_item_sequences

__all__ = ["ItemKNN", "MostPopular"]

#: Dense score cells computed at once by ItemKNN (rows × items), to bound memory (64 MiB).
_SCORE_CELLS = 1 << 24


def _catalogue(data: Any, owner: str) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """Items in order of first appearance, and the (history, item) pairs of the distinct
    items of every history, with the number of histories."""
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    n = 0
    for n, basket in enumerate(as_item_sequences(data, "set"), start=1):
        for code in {index.setdefault(item, len(index)) for item in basket}:
            rows.append(n - 1)
            cols.append(code)
    if not index:
        raise ValueError(f"{owner}.fit: the data holds no items")
    return list(index), np.asarray(rows, np.int64), np.asarray(cols, np.int64), n


class _Baseline(Recommender):
    """What both baselines share: the item catalogue and the popularity order."""

    _PARAMS: tuple[str, ...] = ()

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def _checked(self, histories: Any, k: Any, exclude_seen: Any
                 ) -> tuple[int, bool, list[list[str]]]:
        """Validated ``recommend_batch`` arguments, once the model is fitted."""
        owner = f"{type(self).__name__}.recommend_batch"
        k = check_int(k, "k", owner, minimum=1)
        exclude_seen = check_bool(exclude_seen, "exclude_seen", owner)
        histories = check_histories(histories, owner)
        self._fitted()
        return k, exclude_seen, histories

    def _fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise EveryvecError(f"this {type(self).__name__} is not fitted yet; call "
                                "fit(data) first")

    @property
    def items(self) -> list[str]:
        self._fitted()
        return list(self.items_)

    def _fit_popularity(self, items: list[str], cols: np.ndarray, n_histories: int) -> None:
        self.items_ = items
        self.item_index_ = {item: i for i, item in enumerate(items)}
        #: Histories holding each item.
        self.counts_ = np.bincount(cols, minlength=len(items))
        self.n_histories_ = n_histories
        # Stable: equally popular items keep their order of first appearance.
        self._popular = np.argsort(-self.counts_, kind="stable").tolist()

    def _popular_fill(self, chosen: Recommendation, seen: set[int], k: int,
                      score: float | None = None) -> Recommendation:
        """Append the most popular items not seen and not chosen until ``k`` items."""
        if len(chosen) >= k:
            return chosen
        taken = seen | {self.item_index_[item] for item, _ in chosen}
        for code in self._popular:
            if code not in taken:
                value = score if score is not None else self.counts_[code] / self.n_histories_
                chosen.append((self.items_[code], float(value)))
                if len(chosen) == k:
                    break
        return chosen

    def _known(self, history: Sequence[str]) -> set[int]:
        index = self.item_index_
        return {index[item] for item in history if item in index}


class MostPopular(_Baseline):
    """Recommend the items found in the most histories.

    The score of an item is the share of training histories (users, sessions) that hold it;
    repeats within one history count once. Ties keep the order in which items first appeared.

    Examples
    --------
    >>> model = MostPopular().fit([["a", "b"], ["b", "c"], ["b"]])
    >>> model.recommend(["a"], k=2)
    [('b', 1.0), ('c', 0.3333333333333333)]
    """

    def fit(self, data: Any) -> MostPopular:
        """Count item popularity.

        Parameters
        ----------
        data
            :class:`~everyvec.data.Interactions`, a ``{user: [items]}`` mapping or an
            iterable of item lists.
        """
        items, _, cols, n = _catalogue(data, type(self).__name__)
        self._fit_popularity(items, cols, n)
        return self

    def recommend_batch(self, histories: Sequence[Sequence[str]], k: int = 10, *,
                        exclude_seen: bool = True) -> list[Recommendation]:
        k, exclude_seen, histories = self._checked(histories, k, exclude_seen)
        return [self._popular_fill([], self._known(h) if exclude_seen else set(), k)
                for h in histories]


class ItemKNN(_Baseline):
    """Item-based nearest neighbours: cosine similarity of item co-occurrence counts.

    Parameters
    ----------
    neighbors
        Keep only each item's ``neighbors`` most similar items (``None``: keep all). Fewer
        neighbours make scoring faster and often a little more precise.
    shrink
        Added to the cosine's denominator; damps similarities resting on few co-occurrences.
    popular_fallback
        Complete lists that similarity cannot fill (a history without known items, or with
        fewer than ``k`` co-occurring ones) with the most popular unseen items, scored 0.0.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_matrix
        ``float32`` item × item similarity (row: an item, columns: its neighbours), zero
        diagonal, in the order of :attr:`items`.
    counts_ : numpy.ndarray
        Histories holding each item.

    Examples
    --------
    >>> baskets = [["milk", "bread"], ["bread", "butter"], ["milk", "bread", "butter"]]
    >>> ItemKNN().fit(baskets).similar_items("milk", k=1)  # doctest: +SKIP
    [('bread', 0.816...)]
    """

    _PARAMS = ("neighbors", "shrink", "popular_fallback")

    def __init__(self, neighbors: int | None = None, *, shrink: float = 0.0,
                 popular_fallback: bool = True) -> None:
        self.neighbors = neighbors
        self.shrink = shrink
        self.popular_fallback = popular_fallback

    def _check_params(self) -> None:
        owner = type(self).__name__
        check_int(self.neighbors, "neighbors", owner, minimum=1, allow_none=True)
        check_float(self.shrink, "shrink", owner, minimum=0.0)
        check_bool(self.popular_fallback, "popular_fallback", owner)

    def fit(self, data: Any) -> ItemKNN:
        """Build the item × item similarity.

        Parameters
        ----------
        data
            :class:`~everyvec.data.Interactions` (its baskets: distinct items per user), a
            ``{user: [items]}`` mapping or an iterable of item lists.
        """
        self._check_params()
        sparse = require("scipy.sparse", "ItemKNN")
        items, rows, cols, n = _catalogue(data, type(self).__name__)
        self._fit_popularity(items, cols, n)
        x = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                              shape=(n, len(items)))
        co = (x.T @ x).tocoo()
        norms = np.sqrt(self.counts_.astype(np.float64))
        values = co.data / (norms[co.row] * norms[co.col] + float(self.shrink))
        off_diagonal = (co.row != co.col) & (values > 0)
        row, col, values = co.row[off_diagonal], co.col[off_diagonal], values[off_diagonal]
        if self.neighbors is not None:
            row, col, values = _top_per_row(row, col, values, self.neighbors)
        self.similarity_ = sparse.csr_matrix((values.astype(np.float32), (row, col)),
                                             shape=(len(items), len(items)))
        return self

    def recommend_batch(self, histories: Sequence[Sequence[str]], k: int = 10, *,
                        exclude_seen: bool = True) -> list[Recommendation]:
        k, exclude_seen, histories = self._checked(histories, k, exclude_seen)
        sparse = require("scipy.sparse", "ItemKNN")
        known = [self._known(h) for h in histories]
        n_items = len(self.items_)
        step = max(1, _SCORE_CELLS // n_items)
        results: list[Recommendation] = []
        for start in range(0, len(known), step):
            chunk = known[start:start + step]
            rows = np.repeat(np.arange(len(chunk)), [len(s) for s in chunk])
            cols = np.fromiter((c for s in chunk for c in s), np.int64, count=len(rows))
            h = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                                  shape=(len(chunk), n_items))
            scores = np.asarray((h @ self.similarity_).todense())
            if exclude_seen:
                scores[rows, cols] = -np.inf
            results += self._top(scores, chunk, k, exclude_seen)
        return results

    def _top(self, scores: np.ndarray, known: list[set[int]], k: int,
             exclude_seen: bool) -> list[Recommendation]:
        """The best ``k`` positive scores of each row, best first, then the popular fill."""
        kk = min(k, scores.shape[1])
        top = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        best = np.take_along_axis(scores, top, axis=1)
        # Best first; equal scores: more popular first, then catalogue order.
        order = np.lexsort((top, -self.counts_[top], -best), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        best = np.take_along_axis(best, order, axis=1)
        out = []
        for row, (codes, values) in enumerate(zip(top.tolist(), best.tolist(), strict=True)):
            chosen = [(self.items_[c], v) for c, v in zip(codes, values, strict=True) if v > 0]
            if self.popular_fallback:
                chosen = self._popular_fill(chosen, known[row] if exclude_seen else set(),
                                            k, score=0.0)
            out.append(chosen)
        return out

    def similar_items(self, item: Any, k: int = 10) -> Recommendation:
        """The ``k`` items most similar to ``item`` (itself left out), best first."""
        self._fitted()
        k = check_int(k, "k", f"{type(self).__name__}.similar_items", minimum=1)
        key = item if isinstance(item, str) else str(item)
        if key not in self.item_index_:
            raise MissingKeyError(key)
        row = self.similarity_.getrow(self.item_index_[key])
        order = np.lexsort((row.indices, -self.counts_[row.indices], -row.data))[:k]
        return [(self.items_[int(c)], float(v))
                for c, v in zip(row.indices[order], row.data[order], strict=True)]


def _top_per_row(row: np.ndarray, col: np.ndarray, values: np.ndarray,
                 n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the ``n`` largest values of every row of a COO matrix."""
    order = np.lexsort((col, -values, row))
    row, col, values = row[order], col[order], values[order]
    starts = np.searchsorted(row, row, side="left")
    keep = np.arange(len(row)) - starts < n
    return row[keep], col[keep], values[keep]
