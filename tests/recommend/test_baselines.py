"""MostPopular and ItemKNN: hand-checked scores, fallbacks, and planted co-purchase groups."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from everyvec.data.interactions import Interactions
from everyvec.errors import EveryvecError, MissingKeyError
from everyvec.evaluate.recs import evaluate_recommender
from everyvec.recommend.base import Recommender
from everyvec.recommend.baselines import ItemKNN, MostPopular

pytest.importorskip("scipy")

BASKETS = [["a", "b"], ["a", "b", "c"], ["b", "c"], ["d"], ["b", "b"]]


def planted_log(seed: int = 0, users: int = 400, groups: int = 8, per_group: int = 12,
                bought: int = 6) -> Interactions:
    """Each user buys within one group (and a couple of random items); popularity is flat."""
    rng = random.Random(seed)
    catalogue = [[f"g{g}_{i}" for i in range(per_group)] for g in range(groups)]
    everything = [item for group in catalogue for item in group]
    users_, items_, times = [], [], []
    for u in range(users):
        picks = rng.sample(catalogue[u % groups], bought) + rng.sample(everything, 2)
        rng.shuffle(picks)
        for t, item in enumerate(picks):
            users_.append(f"u{u}")
            items_.append(item)
            times.append(t)
    return Interactions.from_arrays(users_, items_, timestamps=times)


def test_most_popular_counts_histories_not_repeats():
    model = MostPopular().fit(BASKETS)
    assert isinstance(model, Recommender)
    assert model.items == ["a", "b", "c", "d"]
    assert model.recommend([], k=3) == [("b", 0.8), ("a", 0.4), ("c", 0.4)]
    assert model.recommend(["b", "unknown"], k=2) == [("a", 0.4), ("c", 0.4)]
    assert model.recommend_batch([["b"], ["a"]], k=1) == [[("a", 0.4)], [("b", 0.8)]]
    assert model.recommend(["b"], k=1, exclude_seen=False) == [("b", 0.8)]
    assert len(model.recommend([], k=50)) == 4


def test_item_knn_cosine_by_hand():
    model = ItemKNN().fit(BASKETS)
    # Histories holding a: 2, b: 4, c: 2; a&b co-occur twice, b&c twice, a&c once.
    similar = model.similar_items("a", k=3)
    assert [item for item, _ in similar] == ["b", "c"]
    assert [score for _, score in similar] == pytest.approx([2 / math.sqrt(8), 1 / 2])
    ranked = model.recommend(["a"], k=3)
    assert [item for item, _ in ranked] == ["b", "c", "d"]  # d: the popular fill, score 0
    assert ranked[1][1] == pytest.approx(0.5) and ranked[2][1] == 0.0
    both = model.recommend(["a", "c"], k=1)
    assert both[0][0] == "b" and both[0][1] == pytest.approx(2 / math.sqrt(8) * 2)
    shrunk = ItemKNN(shrink=1.0).fit(BASKETS)
    assert shrunk.similar_items("a", 1)[0][1] == pytest.approx(2 / (math.sqrt(8) + 1))
    with pytest.raises(MissingKeyError):
        model.similar_items("zzz")


def test_item_knn_neighbors_keep_the_most_similar():
    full = ItemKNN().fit(BASKETS)
    pruned = ItemKNN(neighbors=1).fit(BASKETS)
    assert pruned.similarity_.getnnz(axis=1).max() == 1
    for item in ("a", "b", "c"):
        assert pruned.similar_items(item, 5) == full.similar_items(item, 1)


def test_item_knn_cold_histories_get_popular_items_or_nothing():
    model = ItemKNN().fit(BASKETS)
    assert model.recommend(["nope"], k=2) == [("b", 0.0), ("a", 0.0)]
    strict = ItemKNN(popular_fallback=False).fit(BASKETS)
    assert strict.recommend(["nope"], k=2) == []
    assert [item for item, _ in strict.recommend(["a"], k=5)] == ["b", "c"]
    assert strict.recommend(["d"], k=5) == []  # d co-occurs with nothing


def test_batches_agree_with_single_calls():
    inter = planted_log(1, users=120)
    model = ItemKNN(neighbors=10).fit(inter)
    histories = list(inter.sequences().values())[:30] + [[], ["unknown"]]
    batch = model.recommend_batch(histories, k=7)
    for history, ranked in zip(histories, batch, strict=True):
        assert ranked == model.recommend(history, k=7)
        assert not set(history) & {item for item, _ in ranked}
        assert len(ranked) == 7


def test_planted_groups_itemknn_far_above_popular():
    inter = planted_log(0)
    train, test = inter.leave_last_out(2)
    histories = train.sequences()
    knn = evaluate_recommender(ItemKNN().fit(train), histories, test, k=10)
    pop = evaluate_recommender(MostPopular().fit(train), histories, test, k=10)
    # A user's remaining in-group items are 10 of 96; popularity is flat, so MostPopular
    # is near chance (~0.1) while ItemKNN recommends the user's own group.
    assert knn.recall > 0.6 and knn.recall > 3 * pop.recall
    model = ItemKNN().fit(train)
    same_group = [other.split("_")[0] == "g3" for other, _ in model.similar_items("g3_0", 5)]
    assert all(same_group)


def test_fit_inputs_and_errors():
    as_dict = MostPopular().fit({"u": ["a", "b"], "v": ["b"]})
    as_ints = MostPopular().fit([[1, 2], [2]])
    assert as_dict.recommend([], 2) == [("b", 1.0), ("a", 0.5)]
    assert as_ints.items == ["1", "2"]
    with pytest.raises(EveryvecError, match="not fitted"):
        ItemKNN().recommend(["a"])
    with pytest.raises(ValueError, match="'neighbors' parameter of ItemKNN"):
        ItemKNN(neighbors=0).fit(BASKETS)
    with pytest.raises(ValueError, match="'shrink' parameter of ItemKNN"):
        ItemKNN(shrink=-1.0).fit(BASKETS)
    with pytest.raises(ValueError, match="no items"):
        MostPopular().fit([[], []])
    with pytest.raises(TypeError, match="history 0 must be a list"):
        MostPopular().fit(BASKETS).recommend_batch(["abc"])
    assert repr(ItemKNN(5)) == "ItemKNN(neighbors=5, shrink=0.0, popular_fallback=True)"


def test_large_catalogue_is_scored_in_chunks(monkeypatch):
    from everyvec.recommend import baselines

    monkeypatch.setattr(baselines, "_SCORE_CELLS", 64)  # 2 histories per chunk of 40 items
    inter = planted_log(2, users=60, groups=4, per_group=10)
    model = ItemKNN().fit(inter)
    histories = list(inter.sequences().values())[:9]
    chunked = model.recommend_batch(histories, k=5)
    monkeypatch.setattr(baselines, "_SCORE_CELLS", 1 << 24)
    assert chunked == model.recommend_batch(histories, k=5)
    assert np.all([len(r) == 5 for r in chunked])
