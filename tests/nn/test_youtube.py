"""YouTube-style candidate model: planted co-watch groups, features, logQ loss, save/load."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from everyvec.errors import EveryvecError, FormatError  # noqa: E402
from everyvec.nn import _youtube_training as _t  # noqa: E402
from everyvec.nn.youtube import YouTubeCandidates  # noqa: E402

GROUPS, PER_GROUP = 4, 25
SMALL = {"embedding_dim": 16, "hidden": (32,), "negatives": 20, "epochs": 8,
         "batch_size": 64, "lr": 0.01, "seed": 0}


def group(item: str) -> int:
    return int(item[1:]) // PER_GROUP


def planted(n_users: int = 160, length: int = 12, noise: float = 0.0,
            seed: int = 0) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Each user watches items of one group (popularity skewed inside the group).

    With ``noise`` > 0, that share of a history's items comes from random other groups.
    """
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, PER_GROUP + 1)
    weights /= weights.sum()
    histories, groups = {}, {}
    for u in range(n_users):
        g = u % GROUPS
        own = rng.choice(PER_GROUP, size=length, replace=False, p=weights) + g * PER_GROUP
        other = rng.integers(0, GROUPS * PER_GROUP, size=length)
        items = np.where(rng.random(length) < noise, other, own)
        histories[f"u{u}"] = [f"i{i}" for i in items]
        groups[f"u{u}"] = g
    return histories, groups


@pytest.fixture(scope="module")
def data() -> dict[str, list[str]]:
    return planted()[0]


@pytest.fixture(scope="module")
def model(data: dict[str, list[str]]) -> YouTubeCandidates:
    return YouTubeCandidates(**SMALL).fit(data)


def share_in_group(recs: list[tuple[str, float]], g: int) -> float:
    return sum(group(item) == g for item, _ in recs) / len(recs)


def test_recommends_from_the_history_group(model: YouTubeCandidates) -> None:
    shares = []
    for g in range(GROUPS):
        history = [f"i{g * PER_GROUP + j}" for j in (3, 7, 11)]
        recs = model.recommend(history, k=10)
        assert len(recs) == 10 and not set(history) & {item for item, _ in recs}
        shares.append(share_in_group(recs, g))
    assert np.mean(shares) >= 0.8  # chance is 0.25
    assert all(isinstance(item, str) and isinstance(score, float)
               for item, score in model.recommend(["i0"], k=3))


def test_leave_last_out_recall_beats_most_popular() -> None:
    histories, _ = planted(n_users=240, seed=1)
    train = {u: h[:-1] for u, h in histories.items()}
    test = {u: h[-1] for u, h in histories.items()}
    model = YouTubeCandidates(**SMALL).fit(train)
    recs = model.recommend_batch(list(train.values()), k=10)
    popular = [item for item, _ in Counter(i for h in train.values() for i in h).most_common()]
    pop_recs = [[i for i in popular if i not in set(h)][:10] for h in train.values()]
    recall = np.mean([test[u] in {i for i, _ in r} for u, r in zip(train, recs, strict=True)])
    pop_recall = np.mean([test[u] in r for u, r in zip(train, pop_recs, strict=True)])
    assert recall >= 0.5 and recall >= pop_recall + 0.2, (recall, pop_recall)


def test_seen_items_excluded_unless_asked(model: YouTubeCandidates) -> None:
    history = [f"i{j}" for j in range(20)]
    recs = model.recommend(history, k=5)
    assert len(recs) == 5 and not set(history) & {item for item, _ in recs}
    everything = model.recommend_batch([history], k=len(model.items), exclude_seen=False)[0]
    assert {item for item, _ in everything} == set(model.items)
    scores = [score for _, score in everything]
    assert scores == sorted(scores, reverse=True)


def test_serving_is_inner_product_with_the_output_matrix(model: YouTubeCandidates) -> None:
    history = ["i30", "i31", "i40"]
    user = model.user_vectors([history])[0]
    scores = model.item_vectors_.matrix @ user
    order = [model.items[i] for i in np.argsort(-scores, kind="stable")
             if model.items[i] not in history][:5]
    got = model.recommend(history, k=5)
    assert [item for item, _ in got] == order
    row = model.item_vectors_.key_to_index
    np.testing.assert_allclose([s for _, s in got], [scores[row[i]] for i in order], rtol=1e-5)


def test_fitted_state(model: YouTubeCandidates) -> None:
    assert len(model.items) == GROUPS * PER_GROUP
    assert model.item_vectors_.matrix.shape == (100, 16)
    assert model.input_vectors_.keys == model.item_vectors_.keys
    assert [h["epoch"] for h in model.history_] == list(range(1, 9))
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]
    assert model.best_epoch_ == 8 and model.n_features_ == 0
    assert model.user_vectors([["i1"], ["i2", "i3"]]).shape == (2, 16)
    similar = model.similar_items("i0", k=5)
    assert share_in_group(similar, 0) >= 0.6 and "i0" not in {item for item, _ in similar}


def test_unknown_histories_get_no_recommendation(model: YouTubeCandidates) -> None:
    recs = model.recommend_batch([["nope"], [], ["i0", "nope"]], k=3)
    assert recs[0] == [] and recs[1] == [] and len(recs[2]) == 3
    assert model.cold_users_ == 2


def test_same_seed_same_model_and_global_rng_untouched(data: dict[str, list[str]]) -> None:
    options = dict(SMALL, epochs=2, dropout=0.1)
    state = torch.get_rng_state()
    a = YouTubeCandidates(**options).fit(data)
    assert torch.equal(torch.get_rng_state(), state)
    b = YouTubeCandidates(**options).fit(data)
    c = YouTubeCandidates(**dict(options, seed=1)).fit(data)
    np.testing.assert_array_equal(a.item_vectors_.matrix, b.item_vectors_.matrix)
    assert [h["loss"] for h in a.history_] == [h["loss"] for h in b.history_]
    assert not np.array_equal(a.item_vectors_.matrix, c.item_vectors_.matrix)


def test_user_features_pick_the_group_for_an_ambiguous_history() -> None:
    # Histories are noisy, so the group feature is the reliable signal; at serving the
    # history holds one item of every group and only the feature can tell them apart.
    histories, groups = planted(n_users=320, noise=0.5, seed=2)
    features = {u: np.eye(GROUPS)[g] * 2.0 + 1.0 for u, g in groups.items()}
    model = YouTubeCandidates(**dict(SMALL, epochs=10)).fit(histories, user_features=features)
    assert model.n_features_ == GROUPS
    ambiguous = [f"i{g * PER_GROUP}" for g in range(GROUPS)]
    recs = model.recommend_batch([ambiguous] * GROUPS, k=10,
                                 features=np.eye(GROUPS) * 2.0 + 1.0)
    shares = [share_in_group(r, g) for g, r in enumerate(recs)]
    # The four histories are identical, so without the features the mean share is 0.25.
    assert np.mean(shares) >= 0.7, shares
    # Without features the average user is assumed: a valid list, not an error.
    assert len(model.recommend(ambiguous, k=10)) == 10
    # An array aligned with the histories is the same as the mapping.
    array = np.array([features[u] for u in histories])
    same = YouTubeCandidates(**dict(SMALL, epochs=1)).fit(histories, user_features=array)
    ref = YouTubeCandidates(**dict(SMALL, epochs=1)).fit(histories, user_features=features)
    np.testing.assert_array_equal(same.item_vectors_.matrix, ref.item_vectors_.matrix)


def test_full_softmax_and_validation_early_stopping(data: dict[str, list[str]]) -> None:
    full = YouTubeCandidates(**dict(SMALL, negatives=0)).fit(data)
    assert share_in_group(full.recommend(["i50", "i52", "i55"], k=10), 2) >= 0.8
    stopped = YouTubeCandidates(**dict(SMALL, epochs=30, lr=0.05, validation_fraction=0.2,
                                       patience=1)).fit(data)
    recalls = [h["validation_recall"] for h in stopped.history_]
    assert all(h["validation_loss"] > 0 for h in stopped.history_)
    assert stopped.best_epoch_ == int(np.argmax(recalls)) + 1
    assert len(recalls) == stopped.best_epoch_ + 1 < 30  # stopped one epoch after the best


def test_interactions_and_item_lists_are_accepted(data: dict[str, list[str]]) -> None:
    from everyvec.data.interactions import Interactions

    users = [u for u, h in data.items() for _ in h]
    items = [i for h in data.values() for i in h]
    times = [t for h in data.values() for t in range(len(h))]
    inter = Interactions.from_arrays(users, items, timestamps=times)
    options = dict(SMALL, epochs=1)
    a = YouTubeCandidates(**options).fit(inter)
    b = YouTubeCandidates(**options).fit(list(data.values()))
    c = YouTubeCandidates(**options).fit(inter.sequences())
    np.testing.assert_array_equal(a.item_vectors_.matrix, c.item_vectors_.matrix)
    assert sorted(b.items) == sorted(a.items)
    ints = YouTubeCandidates(**options).fit([[1, 2, 3], [2, 3, 4]] * 10)
    assert sorted(ints.items) == ["1", "2", "3", "4"]


def test_min_count_drops_rare_items() -> None:
    histories = [["a", "b", "c"], ["a", "rare"]] + [["a", "b"]] * 5
    model = YouTubeCandidates(**dict(SMALL, epochs=1, min_count=2, progress=True)).fit(
        histories)
    assert model.items == ["a", "b"]
    assert model.recommend(["c", "rare"]) == []


def test_save_load_round_trip(model: YouTubeCandidates, tmp_path: Path) -> None:
    histories = [["i1", "i2"], ["i60", "i70", "i61"], ["unknown"]]
    path = model.save(tmp_path / "yt")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights"]
    loaded = YouTubeCandidates.load(path)
    assert loaded.recommend_batch(histories, k=7) == model.recommend_batch(histories, k=7)
    np.testing.assert_array_equal(loaded.item_vectors_.matrix, model.item_vectors_.matrix)
    assert loaded.get_params() == dict(model.get_params(), hidden=[32])
    assert loaded.history_ == model.history_
    model.save(tmp_path / "yt")  # overwriting an existing save works
    assert YouTubeCandidates.load(tmp_path / "yt").items == model.items


def test_save_load_with_features(tmp_path: Path) -> None:
    histories, groups = planted(n_users=40, seed=3)
    feats = np.array([[g, 10.0 * g] for g in groups.values()])
    model = YouTubeCandidates(**dict(SMALL, epochs=1)).fit(histories, user_features=feats)
    loaded = YouTubeCandidates.load(model.save(tmp_path / "yt"))
    query = [["i1", "i30"]] * 2
    serving = np.array([[0.0, 0.0], [3.0, 30.0]])
    np.testing.assert_array_equal(loaded.user_vectors(query, serving),
                                  model.user_vectors(query, serving))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d / "config.json", "no config.json"),
    (lambda d: (d / "config.json").write_text("{"), "not valid JSON"),
    (lambda d: _edit(d, format="other"), "format is 'other'"),
    (lambda d: _edit(d, version=99), "version 99 is not supported"),
    (lambda d: (d / "weights" / "output.weight.npy"), "missing array file"),
    (lambda d: np.save(d / "weights" / "output.weight.npy", np.zeros((3, 16), np.float32)),
     "shape (3, 16), expected (100, 16)"),
    (lambda d: np.save(d / "weights" / "output.weight.npy",
                       np.array([{"a": 1}], dtype=object), allow_pickle=True),
     "not a readable .npy array"),
    (lambda d: _edit(d, items=["a"]), "'items' must be a list of 100 item keys"),
])
def test_load_errors(model: YouTubeCandidates, tmp_path: Path, change, message: str) -> None:
    path = model.save(tmp_path / "yt")
    target = change(path)
    if isinstance(target, Path):
        target.unlink()
    with pytest.raises(FormatError, match=_escape(message)):
        YouTubeCandidates.load(path)


def _edit(folder: Path, **fields) -> None:
    config = json.loads((folder / "config.json").read_text())
    config.update(fields)
    (folder / "config.json").write_text(json.dumps(config))


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_load_of_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no saved YouTubeCandidates"):
        YouTubeCandidates.load(tmp_path / "absent")


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"embedding_dim": 0}, ValueError, "'embedding_dim' parameter of YouTubeCandidates"),
    ({"hidden": (32, 0)}, ValueError, "'hidden' parameter"),
    ({"hidden": 32}, TypeError, "'hidden' parameter"),
    ({"negatives": -1}, ValueError, "'negatives'"),
    ({"lr": 0.0}, ValueError, "'lr' parameter of YouTubeCandidates must be > 0"),
    ({"dropout": 1.0}, ValueError, "'dropout'"),
    ({"validation_fraction": 1.0}, ValueError, "'validation_fraction'"),
    ({"epochs": 1.5}, TypeError, "'epochs'"),
    ({"device": "gpu"}, ValueError, "'device' parameter"),
    ({"progress": "yes"}, TypeError, "'progress'"),
    ({"index": "nope"}, ValueError, "unknown index kind"),
])
def test_bad_parameters(data, params, error, message) -> None:
    with pytest.raises(error, match=_escape(message)):
        YouTubeCandidates(**dict(SMALL, **params)).fit(data)


def test_bad_data_and_features(data: dict[str, list[str]], model: YouTubeCandidates) -> None:
    with pytest.raises(TypeError, match="takes Interactions"):
        YouTubeCandidates(**SMALL).fit(42)
    with pytest.raises(ValueError, match="no training example"):
        YouTubeCandidates(**SMALL).fit([["a"], ["b"]])
    with pytest.raises(EveryvecError, match="no item occurs min_count=5"):
        YouTubeCandidates(**dict(SMALL, min_count=5)).fit([["a", "b"]])
    with pytest.raises(TypeError, match="mapping needs user keys"):
        YouTubeCandidates(**SMALL).fit(list(data.values()), user_features={"u0": [1.0]})
    with pytest.raises(ValueError, match="no vector for user 'u0'"):
        YouTubeCandidates(**SMALL).fit(data, user_features={"u1": [1.0]})
    with pytest.raises(ValueError, match="one row per history"):
        YouTubeCandidates(**SMALL).fit(data, user_features=np.ones((3, 2)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        YouTubeCandidates(**SMALL).fit(data, user_features=np.full((len(data), 2), np.nan))
    with pytest.raises(ValueError, match="fitted without user features"):
        model.recommend_batch([["i1"]], features=np.ones((1, 2)))


def test_feature_dimension_mismatch_at_serving() -> None:
    histories, _ = planted(n_users=40, seed=4)
    model = YouTubeCandidates(**dict(SMALL, epochs=1)).fit(
        histories, user_features=np.ones((40, 3)))
    with pytest.raises(ValueError, match=_escape("must have shape (1, 3)")):
        model.recommend_batch([["i1"]], features=np.ones((1, 2)))
    with pytest.raises(ValueError, match=_escape("must have shape (2, 3)")):
        model.user_vectors([["i1"], ["i2"]], features=np.ones((1, 3)))


def test_unfitted_model_says_so(tmp_path: Path) -> None:
    model = YouTubeCandidates()
    for call in (lambda: model.recommend(["a"]), lambda: model.items,
                 lambda: model.user_vectors([["a"]]), lambda: model.save(tmp_path / "x"),
                 lambda: model.similar_items("a")):
        with pytest.raises(EveryvecError, match="not fitted"):
            call()


def test_cuda_asked_but_unavailable(data, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        YouTubeCandidates(**dict(SMALL, device="cuda")).fit(data)


# -- the pieces of the training module ---------------------------------------------------------


def test_sampled_softmax_applies_log_q_and_masks_accidental_hits() -> None:
    users = torch.tensor([[1.0, 0.0], [0.5, 2.0]])
    weight = torch.tensor([[1.0, 1.0], [0.0, 2.0], [-1.0, 0.5]])
    labels = torch.tensor([0, 2])
    negatives = torch.tensor([1, 2, 2])
    log_q = torch.log(torch.tensor([0.5, 0.3, 0.2]))
    got = _t.sampled_softmax_loss(torch, users, weight, labels, negatives, log_q)

    w, u, lq = weight.numpy(), users.numpy(), log_q.numpy()
    # Row 0: true item 0 against items 1, 2, 2 (no hit). Row 1: true item 2 against 1, 2, 2,
    # where both draws of item 2 are accidental hits and drop out.
    row0 = [u[0] @ w[0] - lq[0]] + [u[0] @ w[j] - lq[j] for j in (1, 2, 2)]
    row1 = [u[1] @ w[2] - lq[2], u[1] @ w[1] - lq[1]]
    expected = np.mean([np.log(np.sum(np.exp(r))) - r[0] for r in (row0, row1)])
    assert float(got) == pytest.approx(expected, rel=1e-6)

    kept = _t.sampled_softmax_loss(torch, users, weight, labels, negatives, log_q,
                                   remove_accidental_hits=False)
    row1_all = [u[1] @ w[2] - lq[2]] + [u[1] @ w[j] - lq[j] for j in (1, 2, 2)]
    with_hits = np.mean([np.log(np.sum(np.exp(r))) - r[0] for r in (row0, row1_all)])
    assert float(kept) == pytest.approx(with_hits, rel=1e-6)

    full = _t.sampled_softmax_loss(torch, users, weight, labels, None, None)
    logits = u @ w.T
    exact = np.mean([np.log(np.exp(logits[i]).sum()) - logits[i, labels[i]] for i in (0, 1)])
    assert float(full) == pytest.approx(exact, rel=1e-6)


def test_examples_and_history_windows() -> None:
    encoded = _t.encode_histories([["a", "b", "c", "d"], ["x"], ["b", "a"], []], min_count=1)
    assert encoded.keys[:2] == ["a", "b"] and sorted(encoded.keys) == ["a", "b", "c", "d", "x"]
    np.testing.assert_array_equal(encoded.starts, [0, 4, 5, 7, 7])
    positions, users = encoded.examples()
    np.testing.assert_array_equal(positions, [1, 2, 3, 6])
    np.testing.assert_array_equal(users, [0, 0, 0, 2])
    pad = len(encoded.keys)
    windows = _t.history_windows(encoded.tokens, positions, encoded.starts[users], 2, pad)
    a, b, c = 0, 1, encoded.keys.index("c")
    np.testing.assert_array_equal(windows, [[pad, a], [a, b], [b, c], [pad, b]])
    dropped = _t.encode_histories([["a", "b", "a"], ["c", "a"]], min_count=2)
    assert dropped.keys == ["a"]
    np.testing.assert_array_equal(dropped.starts, [0, 2, 3])
