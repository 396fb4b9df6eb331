"""Top-k recommendation metrics on a held-out split, and the loop that computes them.

Each metric takes, per user, the ranked list a recommender returned (item keys, or
``(item, score)`` pairs) and the set of held-out relevant items, looks at the first ``k``
entries, and averages over users that have at least one relevant item. With ``top`` the
distinct items of a user's first ``k`` recommendations and ``R`` the user's relevant set:

* recall@k = ``|top ∩ R| / |R|``. The denominator is ``|R|`` even when ``|R| > k``, the common
  definition, so a perfect list scores below 1 for users with more than ``k`` held-out items
  (leave-last-out with ``n=1`` has ``|R| = 1``, where recall@k equals hit rate@k).
* NDCG@k = DCG / IDCG with binary gains: ``DCG = Σ_{i ≤ k, item_i ∈ R} 1 / log2(i + 1)``
  (ranks ``i`` from 1; a repeated item counts once) and the ideal ``IDCG = Σ_{i ≤ min(|R|, k)}
  1 / log2(i + 1)``, so a list that starts with relevant items scores 1.
* hit rate@k = the share of users with at least one relevant item in their top ``k``.
* coverage@k = distinct items recommended to all users together / catalogue size.

:func:`evaluate_recommender` runs a :class:`~everyvec.recommend.base.Recommender` over
held-out users in batches (seen items excluded) and reports all four. Every held-out item
counts, also items that never occurred in training and so cannot be recommended: they are
misses, as in a real system.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from everyvec._checks import check_bool, check_int
from everyvec._progress import Meter

__all__ = ["RecsReport", "coverage", "evaluate_recommender", "hit_rate", "ndcg_at_k",
           "recall_at_k"]


def _keys(ranked: Iterable[Any], k: int) -> list[str]:
    """The distinct item keys of the first ``k`` entries (scores dropped)."""
    keys = (entry[0] if isinstance(entry, tuple) else entry for entry in list(ranked)[:k])
    return list(dict.fromkeys(keys))


def _pairs(recommended: Sequence[Any], relevant: Sequence[Collection[str]], k: int,
           owner: str) -> list[tuple[list[str], set[str]]]:
    """Users with a relevant item: (distinct top-k keys, relevant set)."""
    k = check_int(k, "k", owner, minimum=1)
    if isinstance(recommended, (str, bytes)) or isinstance(relevant, (str, bytes)):
        raise TypeError(f"{owner}: give one ranked list and one relevant set per user")
    recommended, relevant = list(recommended), list(relevant)
    if len(recommended) != len(relevant):
        raise ValueError(f"{owner}: {len(recommended)} ranked lists but {len(relevant)} "
                         "relevant sets; give one of each per user")
    pairs = []
    for ranked, truth in zip(recommended, relevant, strict=True):
        if isinstance(ranked, (str, bytes)) or isinstance(truth, (str, bytes)):
            raise TypeError(f"{owner}: each user's recommendations and relevant items must be "
                            f"collections of item keys, not one string ({ranked!r:.40})")
        if truth:
            pairs.append((_keys(ranked, k), set(truth)))
    if not pairs:
        raise ValueError(f"{owner}: no user has a relevant item")
    return pairs


def _recall(top: list[str], truth: set[str]) -> float:
    return sum(item in truth for item in top) / len(truth)


def _ndcg(top: list[str], truth: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(rank + 2) for rank, item in enumerate(top) if item in truth)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(truth), k)))
    return dcg / ideal


def recall_at_k(recommended: Sequence[Sequence[Any]], relevant: Sequence[Collection[str]],
                k: int = 10) -> float:
    """Mean recall@k: relevant items found in the top ``k``, over all relevant items.

    Parameters
    ----------
    recommended
        One ranked list per user: item keys or ``(item, score)`` pairs, best first.
    relevant
        One collection of relevant (held-out) items per user. Users with none are skipped.
    k
        Cut-off.

    Examples
    --------
    >>> recall_at_k([["a", "b", "c"], ["d", "e"]], [{"a", "c", "x", "y"}, {"e"}], k=2)
    0.625
    """
    pairs = _pairs(recommended, relevant, k, "recall_at_k")
    return sum(_recall(top, truth) for top, truth in pairs) / len(pairs)


def ndcg_at_k(recommended: Sequence[Sequence[Any]], relevant: Sequence[Collection[str]],
              k: int = 10) -> float:
    """Mean NDCG@k with binary gains (ideal DCG over ``min(|relevant|, k)`` hits).

    Parameters are those of :func:`recall_at_k`.

    Examples
    --------
    >>> round(ndcg_at_k([["x", "a"]], [{"a"}], k=2), 4)  # 1/log2(3)
    0.6309
    """
    pairs = _pairs(recommended, relevant, k, "ndcg_at_k")
    return sum(_ndcg(top, truth, k) for top, truth in pairs) / len(pairs)


def hit_rate(recommended: Sequence[Sequence[Any]], relevant: Sequence[Collection[str]],
             k: int = 10) -> float:
    """Share of users with at least one relevant item in their top ``k``.

    Parameters are those of :func:`recall_at_k`.
    """
    pairs = _pairs(recommended, relevant, k, "hit_rate")
    return sum(any(item in truth for item in top) for top, truth in pairs) / len(pairs)


def coverage(recommended: Sequence[Sequence[Any]], catalogue: int | Collection[str],
             k: int | None = None) -> float:
    """Distinct items in all users' top ``k`` lists together, over the catalogue size.

    Parameters
    ----------
    recommended
        One ranked list per user (item keys or ``(item, score)`` pairs).
    catalogue
        The items that could be recommended, or their number. Given as a collection, only
        recommended items inside it count.
    k
        Cut-off (``None``: whole lists).
    """
    k = check_int(k, "k", "coverage", minimum=1, allow_none=True)
    shown: set[str] = set()
    for ranked in recommended:
        shown.update(_keys(ranked, k if k is not None else len(ranked)))
    if isinstance(catalogue, int) and not isinstance(catalogue, bool):
        size = catalogue
    elif isinstance(catalogue, Collection) and not isinstance(catalogue, str):
        items = set(catalogue)
        shown &= items
        size = len(items)
    else:
        raise TypeError("coverage: catalogue must be the items that can be recommended or "
                        f"their number; got {type(catalogue).__name__}")
    if size <= 0:
        raise ValueError("coverage: the catalogue is empty")
    return len(shown) / size


@dataclass(frozen=True)
class RecsReport:
    """Metrics of one recommender on one held-out split.

    Attributes
    ----------
    k
        Cut-off.
    users
        Users evaluated (those with held-out items).
    recall, ndcg, hit_rate, coverage
        The means defined in :mod:`everyvec.evaluate.recs`.
    cold_users
        Evaluated users without a history: no recommendation is made, so they count as
        misses.
    catalogue
        Items the recommender can return (the denominator of coverage).
    seconds
        Wall time of the evaluation.
    """

    k: int
    users: int
    recall: float
    ndcg: float
    hit_rate: float
    coverage: float
    cold_users: int
    catalogue: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return asdict(self)

    def __str__(self) -> str:
        k = self.k
        return (f"recall@{k} {self.recall:.4f}  NDCG@{k} {self.ndcg:.4f}  hit rate@{k} "
                f"{self.hit_rate:.4f}  coverage@{k} {self.coverage:.4f}  ({self.users:,} users"
                f", {self.cold_users:,} without history)")


def evaluate_recommender(recommender: Any, histories: Any,
                         test: Mapping[str, Sequence[str]], k: int = 10, *,
                         exclude_seen: bool = True, batch_size: int = 1024,
                         progress: bool | None = None) -> RecsReport:
    """Recall@k, NDCG@k, hit rate@k and coverage@k of a recommender on held-out items.

    Parameters
    ----------
    recommender
        A fitted :class:`~everyvec.recommend.base.Recommender`.
    histories
        ``{user: items the recommender sees, oldest first}`` — the training sequences (an
        :class:`~everyvec.data.Interactions` gives its :meth:`sequences`).
    test
        ``{user: held-out items}``, e.g. from ``Interactions.leave_last_out`` or
        ``time_split``. Users with an empty list are skipped; users without a history get
        no recommendations and count as misses.
    k
        Cut-off.
    exclude_seen
        Recommend only items outside the history (the usual protocol for "what to watch
        next"). ``False`` lets items come back — right for sessions, where users often
        return to an item they viewed earlier.
    batch_size
        Users per :meth:`~everyvec.recommend.base.Recommender.recommend_batch` call.
    progress
        Progress bar over users (``None``: when stderr is a terminal).
    """
    owner = "evaluate_recommender"
    k = check_int(k, "k", owner, minimum=1)
    batch_size = check_int(batch_size, "batch_size", owner, minimum=1)
    check_bool(exclude_seen, "exclude_seen", owner)
    if hasattr(histories, "sequences") and not isinstance(histories, Mapping):
        histories = histories.sequences()
    if not isinstance(histories, Mapping) or not isinstance(test, Mapping):
        raise TypeError(f"{owner}: histories and test must be {{user: [items]}} mappings")
    users = [user for user, items in test.items() if len(items)]
    if not users:
        raise ValueError(f"{owner}: the test split holds no held-out items")
    started = time.perf_counter()
    seen = [list(histories.get(user, ())) for user in users]
    ranked: list[list[Any]] = [[] for _ in users]
    warm = [i for i, history in enumerate(seen) if history]
    with Meter("evaluating", len(users), unit="users", progress=progress) as meter:
        meter.advance(len(users) - len(warm))
        for start in range(0, len(warm), batch_size):
            batch = warm[start:start + batch_size]
            lists = recommender.recommend_batch([seen[i] for i in batch], k,
                                                exclude_seen=exclude_seen)
            if len(lists) != len(batch):
                raise ValueError(f"{owner}: {type(recommender).__name__}.recommend_batch "
                                 f"returned {len(lists)} lists for {len(batch)} histories")
            for i, items in zip(batch, lists, strict=True):
                ranked[i] = items
            meter.advance(len(batch))
    relevant = [set(test[user]) for user in users]
    catalogue = len(recommender.items)
    return RecsReport(
        k=k, users=len(users),
        recall=recall_at_k(ranked, relevant, k), ndcg=ndcg_at_k(ranked, relevant, k),
        hit_rate=hit_rate(ranked, relevant, k),
        coverage=coverage(ranked, max(catalogue, 1), k),
        cold_users=len(users) - len(warm), catalogue=catalogue,
        seconds=time.perf_counter() - started)
