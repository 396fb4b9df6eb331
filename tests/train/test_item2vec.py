"""Item2Vec: planted co-purchase groups are recovered in both modes; set mode sees every pair."""

from __future__ import annotations

import random

import numpy as np
import pytest

from everyvec import Item2Vec
from everyvec.train.encoded import EncodedCorpus
from everyvec.train.item2vec import as_item_sequences

GROUPS = 4
PER_GROUP = 10


def group_of(item: str) -> str:
    return item.split("_")[0]


def planted_baskets(seed: int = 0, n: int = 1500, size: int = 4) -> list[list[str]]:
    rng = random.Random(seed)
    items = [[f"g{g}_{i}" for i in range(PER_GROUP)] for g in range(GROUPS)]
    return [rng.sample(items[rng.randrange(GROUPS)], size) for _ in range(n)]


def same_group_share(model: Item2Vec, k: int = 5) -> float:
    hits = total = 0
    for item in model.vectors.keys:
        for other, _ in model.similar_items(item, k):
            hits += group_of(other) == group_of(item)
            total += 1
    return hits / total


@pytest.mark.parametrize("mode", ["set", "sequence"])
def test_planted_groups_are_recovered(mode: str) -> None:
    model = Item2Vec(16, mode=mode, workers=1, seed=0, epochs=5).fit(planted_baskets())
    assert len(model.vectors) == GROUPS * PER_GROUP
    assert same_group_share(model) > 0.9  # chance is 9/39


def test_set_mode_pairs_items_the_window_never_reaches() -> None:
    # Each basket holds two items of one group at its two ends, with 8 random fillers
    # between: a window of 2 never sees the pair, set mode sees every pair.
    rng = random.Random(1)
    fillers = [f"f{i}" for i in range(200)]
    baskets = []
    for _ in range(3000):
        g = rng.randrange(GROUPS)
        a, b = rng.sample(range(PER_GROUP), 2)
        baskets.append([f"g{g}_{a}", *rng.sample(fillers, 8), f"g{g}_{b}"])

    def share(mode: str) -> float:
        model = Item2Vec(16, mode=mode, window=2, workers=1, seed=0, epochs=5).fit(baskets)
        groups = [k for k in model.vectors.keys if k.startswith("g")]
        hits = 0
        for item in groups:
            best = max((o for o in groups if o != item),
                       key=lambda o: float(model.vectors.similarity(item, o)))
            hits += group_of(best) == group_of(item)
        return hits / len(groups)

    assert share("set") > 0.9
    assert share("sequence") < 0.6


def test_set_mode_window_spans_the_longest_basket() -> None:
    model = Item2Vec(8, mode="set", window=2, workers=1, epochs=1)
    encoded = EncodedCorpus.from_ids([0, 1, 2, 3, 4, 0, 1], [0, 5, 7], list("abcde"))
    assert model._window_settings(encoded) == (4, False)
    assert Item2Vec(8, window=3)._window_settings(encoded) == (3, True)


def test_inputs_integer_ids_mappings_and_interaction_like_objects() -> None:
    baskets = [[1, 2, 3], [2, 3, 4]] * 20
    model = Item2Vec(8, workers=1, epochs=1).fit(baskets)
    assert sorted(model.vectors.keys) == ["1", "2", "3", "4"]
    by_user = Item2Vec(8, workers=1, epochs=1).fit({"u1": ["a", "b"], "u2": ["b", "c"]})
    assert sorted(by_user.vectors.keys) == ["a", "b", "c"]

    class Log:  # anything with sequences() and baskets(), as everyvec.data.Interactions
        def sequences(self) -> dict[str, list[str]]:
            return {"u": ["x", "y", "z"]}

        def baskets(self) -> list[list[str]]:
            return [["p", "q"]]

    assert sorted(Item2Vec(4, workers=1, epochs=1).fit(Log()).vectors.keys) == ["x", "y", "z"]
    assert sorted(Item2Vec(4, mode="set", workers=1, epochs=1).fit(Log()).vectors.keys) == [
        "p", "q"]


def test_sets_are_accepted_with_a_stable_order() -> None:
    first = list(as_item_sequences([{"b", "a", "c"}]))
    assert first == [["a", "b", "c"]]


def test_bad_inputs_and_parameters() -> None:
    with pytest.raises(ValueError, match="'mode' parameter of Item2Vec"):
        Item2Vec(mode="bag")
    with pytest.raises(TypeError, match="not a string"):
        Item2Vec(workers=1).fit(["abc", "def"])
    with pytest.raises(TypeError, match="Item2Vec.fit takes"):
        Item2Vec(workers=1).fit(42)


def test_repr_params_and_checkpoint_keep_the_mode(tmp_path) -> None:
    model = Item2Vec(8, mode="set", ns_exponent=-0.5, workers=1, epochs=2)
    assert repr(model) == ("Item2Vec(mode='set', vector_size=8, epochs=2, workers=1, "
                           "ns_exponent=-0.5)")
    model.fit(planted_baskets(n=200))
    model.save_checkpoint(tmp_path / "ckpt")
    loaded = Item2Vec.load_checkpoint(tmp_path / "ckpt")
    assert isinstance(loaded, Item2Vec)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.vectors.matrix, model.vectors.matrix)


@pytest.mark.parametrize("scoring", ["predict", "similar"])
def test_recommender_from_the_item_vectors(scoring: str) -> None:
    model = Item2Vec(16, mode="set", workers=1, seed=0, epochs=5).fit(planted_baskets())
    history = ["g2_0", "g2_1", "g2_2"]
    recs = model.recommender(scoring).recommend(history, k=5)
    assert len(recs) == 5
    assert not {item for item, _ in recs} & set(history)
    assert sum(group_of(item) == "g2" for item, _ in recs) >= 4


def test_recommender_scoring_is_checked() -> None:
    model = Item2Vec(8, workers=1, epochs=1).fit(planted_baskets(n=50))
    with pytest.raises(ValueError, match="'scoring' parameter"):
        model.recommender("popular")
