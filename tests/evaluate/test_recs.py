"""Recommendation metrics against hand-computed values, and the evaluation loop."""

from __future__ import annotations

import math

import pytest

from everyvec.evaluate.recs import (
    RecsReport,
    coverage,
    evaluate_recommender,
    hit_rate,
    ndcg_at_k,
    recall_at_k,
)
from everyvec.recommend.base import Recommender


def test_recall_by_hand():
    recommended = [["a", "b", "c"], ["d", "e"], ["x"]]
    relevant = [{"a", "c", "y", "z"}, {"e"}, set()]  # the third user has nothing: skipped
    assert recall_at_k(recommended, relevant, k=2) == pytest.approx((1 / 4 + 1) / 2)
    assert recall_at_k(recommended, relevant, k=3) == pytest.approx((2 / 4 + 1) / 2)
    # |relevant| > k: the denominator stays |relevant|, so a perfect list scores 2/4.
    assert recall_at_k([["a", "c"]], [{"a", "c", "y", "z"}], k=2) == 0.5


def test_ndcg_by_hand():
    # Hits at ranks 2 and 3 of 3; two relevant items: IDCG = 1 + 1/log2(3).
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k([["x", "a", "b"]], [{"a", "b"}], k=3) == pytest.approx(dcg / ideal)
    # More relevant items than k: the ideal list has only k hits.
    assert ndcg_at_k([["a", "b"]], [{"a", "b", "c"}], k=2) == pytest.approx(1.0)
    assert ndcg_at_k([["a", "a", "x"]], [{"a", "x"}], k=3) == pytest.approx(1.0)  # repeat once
    assert ndcg_at_k([["x", "y"]], [{"a"}], k=2) == 0.0


def test_hit_rate_and_scores_as_pairs():
    recommended = [[("a", 0.9), ("b", 0.5)], [("c", 0.8)], []]
    relevant = [{"b"}, {"d"}, {"e"}]
    assert hit_rate(recommended, relevant, k=2) == pytest.approx(1 / 3)
    assert hit_rate(recommended, relevant, k=1) == 0.0
    assert recall_at_k(recommended, relevant, k=2) == pytest.approx(1 / 3)


def test_coverage_by_hand():
    recommended = [["a", "b", "c"], ["b", "d"], ["a"]]
    assert coverage(recommended, 10) == 0.4
    assert coverage(recommended, 10, k=1) == 0.2  # a, b
    assert coverage(recommended, ["a", "b", "z", "w"]) == 0.5  # only catalogue items count


def test_metric_errors():
    with pytest.raises(ValueError, match="2 ranked lists but 1 relevant sets"):
        recall_at_k([["a"], ["b"]], [{"a"}])
    with pytest.raises(ValueError, match="no user has a relevant item"):
        ndcg_at_k([["a"]], [set()])
    with pytest.raises(ValueError, match="'k' parameter of hit_rate"):
        hit_rate([["a"]], [{"a"}], k=0)
    with pytest.raises(TypeError, match="not one string"):
        recall_at_k(["abc"], [{"a"}])
    with pytest.raises(ValueError, match="catalogue is empty"):
        coverage([["a"]], 0)


class Fixed(Recommender):
    """Recommends a fixed list, minus what the history holds; records its calls."""

    def __init__(self, ranking: list[str]) -> None:
        self.ranking = ranking
        self.calls: list[int] = []

    @property
    def items(self) -> list[str]:
        return list(self.ranking)

    def recommend_batch(self, histories, k=10, *, exclude_seen=True):
        self.calls.append(len(histories))
        return [[(item, 1.0) for item in self.ranking if not exclude_seen or item not in h][:k]
                for h in histories]


def test_evaluate_recommender_by_hand():
    model = Fixed(["a", "b", "c", "d", "e"])
    histories = {"u": ["a"], "v": ["b", "c"], "w": ["e"], "extra": ["a"]}
    test = {"u": ["b"], "v": ["e", "z"], "w": ["a"], "cold": ["a"], "empty": []}
    report = evaluate_recommender(model, histories, test, k=2, batch_size=2, progress=False)
    # u: [b, c] hit; v: [a, d] no hit; w: [a, b] hit; cold: no history -> miss.
    assert isinstance(report, RecsReport)
    assert (report.users, report.cold_users, report.k, report.catalogue) == (4, 1, 2, 5)
    assert report.recall == pytest.approx((1 + 0 + 1 + 0) / 4)
    assert report.hit_rate == pytest.approx(2 / 4)
    assert report.ndcg == pytest.approx((1 + 0 + 1 + 0) / 4)
    assert report.coverage == pytest.approx(4 / 5)  # a, b, c, d
    assert model.calls == [2, 1]  # three warm users in batches of two
    assert report.to_dict()["recall"] == report.recall
    assert str(report).startswith("recall@2 0.5000  NDCG@2 0.5000  hit rate@2 0.5000")


def test_evaluate_recommender_can_let_seen_items_come_back():
    histories = {"u": ["a", "b"]}
    test = {"u": ["a"]}  # a session returning to an item it viewed before
    assert evaluate_recommender(Fixed(["a", "c"]), histories, test, k=1).hit_rate == 0.0
    again = evaluate_recommender(Fixed(["a", "c"]), histories, test, k=1, exclude_seen=False)
    assert again.hit_rate == 1.0


def test_evaluate_recommender_takes_interactions_and_checks_inputs():
    from everyvec.data.interactions import Interactions

    log = Interactions.from_arrays(["u", "u", "v"], ["a", "b", "c"], timestamps=[1, 2, 3])
    report = evaluate_recommender(Fixed(["c", "d"]), log, {"u": ["c"]}, k=1)
    assert report.recall == 1.0
    with pytest.raises(ValueError, match="no held-out items"):
        evaluate_recommender(Fixed(["a"]), {}, {"u": []})

    class Broken(Fixed):
        def recommend_batch(self, histories, k=10, *, exclude_seen=True):
            return []

    with pytest.raises(ValueError, match="returned 0 lists for 1 histories"):
        evaluate_recommender(Broken(["a"]), {"u": ["a"]}, {"u": ["b"]})
