"""What every recommender looks like from outside, and the one that ranks by item vectors.

A recommender turns a user's history (item keys, oldest first) into the ``k`` items it would
show next, best first, as ``(item, score)`` pairs. Evaluation (:mod:`everyvec.recommend.metrics`)
and the CLI only use :meth:`Recommender.recommend_batch`, so item2vec, the YouTube-style
candidate model and the baselines are measured the same way.

:class:`VectorRecommender` is the SPEC §6 recipe: a user vector — the mean of the history's
item vectors, or a recency-weighted mean — queries an index of item vectors (any backend of
:mod:`everyvec.index`, exact by default), and items already seen are skipped. Subclasses change
only how the user vector is made (:meth:`VectorRecommender.user_vectors`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from everyvec._checks import check_choice, check_float, check_int
from everyvec.index import Index, make_index

__all__ = ["Recommendation", "Recommender", "VectorRecommender", "check_histories"]

logger = logging.getLogger(__name__)

#: One user's list: ``(item, score)`` pairs, best first.
Recommendation = list[tuple[str, float]]

WEIGHTINGS = ("mean", "recency")


def check_histories(histories: Any, owner: str) -> list[list[str]]:
    """Histories as lists of str item keys; a clear error for a bare string or non-str items."""
    if isinstance(histories, (str, bytes)) or not isinstance(histories, Iterable):
        raise TypeError(f"{owner}: histories must be a list of item lists, got "
                        f"{type(histories).__name__}")
    checked = []
    for n, history in enumerate(histories):
        if isinstance(history, (str, bytes)) or not isinstance(history, Iterable):
            raise TypeError(f"{owner}: history {n} must be a list of item keys, got "
                            f"{type(history).__name__} {history!r:.60}")
        items = list(history)
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"{owner}: item keys are str; history {n} holds "
                                f"{type(item).__name__} {item!r} (convert ids with str())")
        checked.append(items)
    return checked


class Recommender(ABC):
    """Ranks catalogue items for user histories.

    Subclasses implement :meth:`recommend_batch` and :attr:`items`.
    """

    @property
    @abstractmethod
    def items(self) -> Sequence[str]:
        """Every item this recommender can return (its catalogue)."""

    @abstractmethod
    def recommend_batch(self, histories: Sequence[Sequence[str]], k: int = 10, *,
                        exclude_seen: bool = True) -> list[Recommendation]:
        """The top ``k`` items for each history, best first.

        Parameters
        ----------
        histories
            One list of item keys per user, oldest first.
        k
            Items per user (fewer when fewer qualify).
        exclude_seen
            Leave out items the history already holds.
        """

    def recommend(self, history: Sequence[str], k: int = 10, *, exclude_seen: bool = True,
                  exclude: Iterable[str] = ()) -> Recommendation:
        """The top ``k`` items for one user history, best first.

        Parameters
        ----------
        history
            Item keys the user interacted with, oldest first.
        k
            How many items.
        exclude_seen
            Leave out items of ``history``.
        exclude
            Further items to leave out (out of stock, already shown, ...).
        """
        k = check_int(k, "k", f"{type(self).__name__}.recommend", minimum=1)
        banned = set(exclude)
        if isinstance(exclude, str):
            raise TypeError("exclude must be a collection of item keys, not one string")
        ranked = self.recommend_batch([history], k + len(banned), exclude_seen=exclude_seen)[0]
        return [(item, score) for item, score in ranked if item not in banned][:k]


class VectorRecommender(Recommender):
    """Recommend the items nearest to a user vector built from the history's item vectors.

    Parameters
    ----------
    item_vectors
        One vector per item (e.g. ``Item2Vec(...).fit(...).vectors``): the candidates.
    history_vectors
        Vectors that history items are looked up in, when they differ from the candidates'
        (``None``: ``item_vectors``). Skip-gram's input vectors with its output vectors as
        candidates and ``metric="dot"`` rank items by the model's own prediction of what
        comes next (see :meth:`everyvec.Item2Vec.recommender`).
    weighting
        ``"mean"``: every history item counts the same; ``"recency"``: the item ``j`` steps
        before the last weighs ``0.5 ** (j / half_life)``.
    half_life
        Items after which a history item's weight halves (``weighting="recency"``).
    metric
        ``"cosine"`` (item vectors normalised before averaging and search), ``"dot"`` or
        ``"euclidean"``.
    index
        An index spec (``"exact"``, ``"hnsw:M=32,ef=128"``, ...) built over ``item_vectors``,
        or an :class:`~everyvec.index.Index` already holding them.

    Notes
    -----
    History items missing from ``item_vectors`` (too rare to train) are skipped; a history
    with no known item gets an empty list, counted in :attr:`cold_users_`.
    """

    def __init__(self, item_vectors: Any, *, history_vectors: Any = None,
                 weighting: str = "mean", half_life: float = 5.0, metric: str = "cosine",
                 index: str | Index = "exact") -> None:
        owner = type(self).__name__
        self.weighting = check_choice(weighting, "weighting", owner, WEIGHTINGS)
        self.half_life = check_float(half_life, "half_life", owner, minimum=0.0)
        if self.half_life == 0.0:
            raise ValueError(f"The 'half_life' parameter of {owner} must be > 0. Got 0.0.")
        if isinstance(index, Index):
            metric = index.metric
        self.metric = check_choice(metric, "metric", owner, ("cosine", "dot", "euclidean"))
        self.item_vectors = item_vectors
        self.history_vectors = item_vectors if history_vectors is None else history_vectors
        self._matrix = _unit_rows(item_vectors.matrix, metric == "cosine")
        self._history_matrix = (self._matrix if history_vectors is None else
                                _unit_rows(history_vectors.matrix, metric == "cosine"))
        if self._history_matrix.shape[1] != self._matrix.shape[1]:
            raise ValueError(f"{owner}: history_vectors have {self._history_matrix.shape[1]} "
                             f"dimensions, item_vectors {self._matrix.shape[1]}")
        self._row = self.history_vectors.key_to_index
        if isinstance(index, Index):
            if len(index) != len(item_vectors):
                raise ValueError(f"{owner}: the index holds {len(index)} keys, item_vectors "
                                 f"{len(item_vectors)}; give an index built over item_vectors")
            self.index = index
        else:
            self.index = make_index(index, dim=self._matrix.shape[1], metric=metric)
            self.index.add(list(item_vectors.keys), self._matrix)
        self.cold_users_ = 0

    @property
    def items(self) -> Sequence[str]:
        return list(self.item_vectors.keys)

    def weights(self, length: int) -> np.ndarray:
        """Weight of each of ``length`` history positions (oldest first), summing to 1."""
        if self.weighting == "mean":
            w = np.ones(length)
        else:
            w = 0.5 ** (np.arange(length - 1, -1, -1) / self.half_life)
        return w / w.sum()

    def user_vectors(self, histories: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """``(vectors, known)``: one query vector per history, and whether it has one.

        The vector of a history is the weighted mean of its known items' vectors in
        ``history_vectors`` (unit length first with the cosine metric). Override to build
        user vectors differently.
        """
        dim = self._matrix.shape[1]
        vectors = np.zeros((len(histories), dim), np.float32)
        known = np.zeros(len(histories), bool)
        for u, history in enumerate(histories):
            rows = [self._row[item] for item in history if item in self._row]
            if rows:
                w = self.weights(len(rows)).astype(np.float32)
                vectors[u] = w @ self._history_matrix[rows]
                known[u] = True
        return vectors, known

    def recommend_batch(self, histories: Sequence[Sequence[str]], k: int = 10, *,
                        exclude_seen: bool = True) -> list[Recommendation]:
        owner = f"{type(self).__name__}.recommend_batch"
        k = check_int(k, "k", owner, minimum=1)
        histories = check_histories(histories, owner)
        vectors, known = self.user_vectors(histories)
        results: list[Recommendation] = [[] for _ in histories]
        self.cold_users_ = int((~known).sum())
        rows = np.flatnonzero(known)
        if not len(rows):
            return results
        seen = [set(histories[r]) if exclude_seen else set() for r in rows]
        # Over-fetch by the largest number of seen items any of these users may lose.
        fetch = min(k + max(len(s) for s in seen), len(self.index))
        matches = self.index.search(vectors[rows], fetch)
        for r, s, keys, scores in zip(rows, seen, matches.keys, matches.scores, strict=True):
            ranked = [(str(key), float(score)) for key, score in zip(keys, scores, strict=True)
                      if key is not None and key not in s]
            results[r] = ranked[:k]
        return results

    def similar_items(self, item: str, k: int = 10) -> Recommendation:
        """The ``k`` items nearest to ``item`` (itself left out)."""
        return self.recommend([item], k, exclude_seen=True)


def _unit_rows(matrix: Any, normalize: bool) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if not normalize:
        return matrix
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)
