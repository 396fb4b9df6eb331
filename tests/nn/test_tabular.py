"""TabularEmbedder: planted category groups and effects recovered, tables in, save/load, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from everyvec.errors import EveryvecError, FormatError
from everyvec.nn.tabular import TabularEmbedder

torch = pytest.importorskip("torch")
pd = pytest.importorskip("pandas")

GROUP_A = [f"c{i:02d}" for i in range(10)]
GROUP_B = [f"c{i:02d}" for i in range(10, 20)]
FAST = {"hidden": (16,), "epochs": 8, "batch_size": 128, "lr": 1e-2, "dropout": 0.0,
        "progress": False}


def planted_table(n: int = 3000, seed: int = 0) -> dict[str, np.ndarray]:
    """20 cities in two planted groups that drive the label; a noise column and a number."""
    rng = np.random.default_rng(seed)
    city = rng.choice(GROUP_A + GROUP_B, size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)  # unrelated to the label
    x = rng.normal(size=n)
    logit = np.where(np.isin(city, GROUP_A), 2.5, -2.5) + 0.5 * x
    label = rng.random(n) < 1 / (1 + np.exp(-logit))
    return {"city": city, "colour": colour, "x": x, "label": label}


@pytest.fixture(scope="module")
def table() -> dict[str, np.ndarray]:
    return planted_table()


@pytest.fixture(scope="module")
def model(table: dict[str, np.ndarray]) -> TabularEmbedder:
    return TabularEmbedder(embedding_sizes={"city": 4}, **FAST).fit(table, "label")


def test_learned_city_vectors_separate_the_planted_groups(model: TabularEmbedder,
                                                          table: dict) -> None:
    vectors = model.column_vectors("city")
    assert sorted(vectors.keys) == GROUP_A + GROUP_B  # no "<unk>" unless asked
    matrix = np.stack([vectors[k] for k in GROUP_A + GROUP_B])
    group = np.array([0] * 10 + [1] * 10)
    # Every city's nearest neighbour (cosine) is in its own group ...
    for key in GROUP_A + GROUP_B:
        neighbour = vectors.most_similar(key, topn=1)[0][0]
        assert (key in GROUP_A) == (neighbour in GROUP_A), (key, neighbour)
    # ... and the groups lie far apart compared with their spread (silhouette-like margin).
    distance = np.linalg.norm(matrix[:, None] - matrix[None], axis=2)
    same = group[:, None] == group[None]
    within = distance[same & ~np.eye(20, dtype=bool)].reshape(20, 9).mean(axis=1)
    between = distance[~same].reshape(20, 10).mean(axis=1)
    silhouette = (between - within) / np.maximum(between, within)
    assert silhouette.min() > 0.5
    assert model.score(table, "label") > 0.85
    assert model.classes_.tolist() == [False, True]


def test_transform_layout_and_names(model: TabularEmbedder, table: dict) -> None:
    features = model.transform(table)
    names = model.feature_names_out()
    assert model.encoder_.categorical_ == ["city", "colour"]
    assert model.encoder_.numeric_ == ["x"]
    dims = model.embedding_dims_
    assert dims == {"city": 4, "colour": 1}  # colour: round(4 ** 0.25), UNK counted
    assert features.dtype == np.float32 and features.shape == (3000, 4 + 1 + 1)
    assert names == ["city_emb0", "city_emb1", "city_emb2", "city_emb3", "colour_emb0", "x"]
    row = 7
    np.testing.assert_allclose(features[row, :4], model.column_vectors("city")[table["city"][row]])
    x = table["x"]
    np.testing.assert_allclose(features[:, -1], (x - x.mean()) / x.std(), rtol=1e-5, atol=1e-5)
    proba = model.predict_proba(table)
    assert proba.shape == (3000, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.rows_per_second_ > 0 and 1 <= model.best_epoch_ <= len(model.history_)


def test_regression_recovers_planted_category_effects() -> None:
    rng = np.random.default_rng(1)
    shops = [f"shop{i}" for i in range(8)]
    effect = dict(zip(shops, np.linspace(-3, 4, 8), strict=True))
    n = 3000
    shop = rng.choice(shops, size=n)
    size = rng.uniform(0, 2, size=n)
    price = 10 + np.array([effect[s] for s in shop]) + 1.5 * size + rng.normal(0, 0.3, n)
    frame = pd.DataFrame({"shop": shop, "size": size, "price": price})
    model = TabularEmbedder("regression", **FAST).fit(frame, "price")
    assert model.score(frame, "price") > 0.95
    probe = pd.DataFrame({"shop": shops, "size": np.ones(8)})
    predicted = model.predict(probe)
    truth = 10 + np.array([effect[s] for s in shops]) + 1.5
    assert np.abs(predicted - truth).max() < 0.5
    with pytest.raises(EveryvecError, match="task='regression'"):
        model.predict_proba(probe)


def test_multiclass_labels(table: dict) -> None:
    city = table["city"]
    label = np.where(np.isin(city, GROUP_A[:5]), "north",
                     np.where(np.isin(city, GROUP_A[5:]), "south", "west"))
    model = TabularEmbedder(**FAST).fit({"city": city, "x": table["x"]}, label)
    assert model.classes_.tolist() == ["north", "south", "west"]
    assert model.predict_proba({"city": city, "x": table["x"]}).shape == (3000, 3)
    assert model.score({"city": city, "x": table["x"]}, label) > 0.97


def test_polars_and_pandas_give_the_same_model(table: dict) -> None:
    pl = pytest.importorskip("polars")
    small = {k: v[:800] for k, v in table.items()}
    settings = {**FAST, "epochs": 2}
    a = TabularEmbedder(**settings).fit(pd.DataFrame(small), "label")
    b = TabularEmbedder(**settings).fit(pl.DataFrame(small), "label")
    features = {k: v for k, v in small.items() if k != "label"}
    c = TabularEmbedder(**settings).fit(features, pl.Series(small["label"]))
    for other in (b, c):
        np.testing.assert_array_equal(a.transform(small), other.transform(small))
    np.testing.assert_array_equal(a.predict_proba(pl.DataFrame(small)),
                                  a.predict_proba(pd.DataFrame(small)))


def test_seed_reproducibility(table: dict) -> None:
    small = {k: v[:600] for k, v in table.items()}
    settings = {**FAST, "epochs": 2}
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    first = TabularEmbedder(seed=5, **settings).fit(small, "label")
    after = torch.rand(1)
    assert torch.equal(before, after)  # the caller's random state is untouched
    again = TabularEmbedder(seed=5, **settings).fit(small, "label")
    other = TabularEmbedder(seed=6, **settings).fit(small, "label")
    np.testing.assert_array_equal(first.transform(small), again.transform(small))
    assert first.history_ == [
        {**h, "seconds": f["seconds"], "rows_per_second": f["rows_per_second"]}
        for h, f in zip(again.history_, first.history_, strict=True)]
    assert not np.array_equal(first.transform(small), other.transform(small))


def test_unseen_and_missing_categories(model: TabularEmbedder, table: dict) -> None:
    probe = {"city": ["c00", "atlantis", None], "colour": ["red", "red", "red"],
             "x": [0.0, 0.0, 0.0]}
    features = model.transform(probe)  # no error
    unk = model.column_vectors("city", include_unk=True)
    assert unk.keys[0] == "<unk>"
    np.testing.assert_allclose(features[1, :4], unk["<unk>"])
    np.testing.assert_allclose(features[2, :4], unk["<unk>"])  # <missing> never seen in fit
    # The unused UNK row is the frequency-weighted mean of the city vectors.
    counts = model.encoder_.counts_["city"]
    rows = np.stack([unk[k] for k in unk.keys[1:]])
    np.testing.assert_allclose(unk["<unk>"], counts[1:] @ rows / counts[1:].sum(), atol=1e-6)
    assert model.predict(probe).shape == (3,)


def test_save_load_round_trip(model: TabularEmbedder, table: dict, tmp_path: Path) -> None:
    folder = model.save(tmp_path / "model")
    assert not list(folder.rglob("*.pkl")) and (folder / "config.json").is_file()
    loaded = TabularEmbedder.load(folder)
    np.testing.assert_array_equal(loaded.transform(table), model.transform(table))
    np.testing.assert_array_equal(loaded.predict_proba(table), model.predict_proba(table))
    assert loaded.classes_.tolist() == model.classes_.tolist()
    assert loaded.feature_names_out() == model.feature_names_out()
    assert loaded.history_ == model.history_ and loaded.best_epoch_ == model.best_epoch_
    assert loaded.column_vectors("city").keys == model.column_vectors("city").keys
    model.save(folder)  # overwriting works (atomic replace)
    (folder / "weights" / "output.bias.npy").unlink()
    with pytest.raises(FormatError, match="missing array file"):
        TabularEmbedder.load(folder)
    (folder / "config.json").write_text("{", encoding="utf-8")
    with pytest.raises(FormatError, match="not valid JSON"):
        TabularEmbedder.load(folder)


def test_regression_save_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    frame = {"g": rng.choice(["a", "b", "c"], 300), "y": rng.normal(size=300)}
    model = TabularEmbedder("regression", **{**FAST, "epochs": 1}).fit(frame, "y")
    loaded = TabularEmbedder.load(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    assert not hasattr(loaded, "classes_")


def test_clear_errors(table: dict) -> None:
    small = {k: v[:200] for k, v in table.items()}
    quick = {**FAST, "epochs": 1}
    with pytest.raises(KeyError, match="no column 'income'"):
        TabularEmbedder(**quick).fit(small, "income")
    with pytest.raises(KeyError, match="not in the table"):
        TabularEmbedder(categorical=["city", "town"], **quick).fit(small, "label")
    with_nan = {**small, "label": np.where(np.arange(200) == 3, np.nan, 1.0)}
    with pytest.raises(ValueError, match="missing .* first row 3"):
        TabularEmbedder(**quick).fit(with_nan, "label")
    with pytest.raises(ValueError, match="single class"):
        TabularEmbedder(**quick).fit(small, np.ones(200, bool))
    with pytest.raises(ValueError, match="column 'colour' has a single value"):
        TabularEmbedder(**quick).fit({**small, "colour": np.full(200, "red")}, "label")
    with pytest.raises(ValueError, match="numeric column 'x' has a single value"):
        TabularEmbedder(**quick).fit({**small, "x": np.ones(200)}, "label")
    with pytest.raises(ValueError, match="target has 5 values"):
        TabularEmbedder(**quick).fit(small, np.ones(5))
    with pytest.raises(ValueError, match="also listed"):
        TabularEmbedder(categorical=["label"], **quick).fit(small, "label")
    with pytest.raises(KeyError, match="embedding_sizes names"):
        TabularEmbedder(embedding_sizes={"town": 3}, **quick).fit(small, "label")
    with pytest.raises(ValueError, match="'embedding_sizes' parameter"):
        TabularEmbedder(embedding_sizes="sqrt").fit(small, "label")
    with pytest.raises(ValueError, match="'task' parameter"):
        TabularEmbedder("ranking").fit(small, "label")
    with pytest.raises(ValueError, match="'dropout' parameter"):
        TabularEmbedder(dropout=1.0).fit(small, "label")
    with pytest.raises(ValueError, match="constant"):
        TabularEmbedder("regression", **quick).fit(small, np.ones(200))
    with pytest.raises(EveryvecError, match="not fitted"):
        TabularEmbedder().transform(small)
    model = TabularEmbedder(**quick).fit(small, "label")
    with pytest.raises(KeyError, match="not a categorical column"):
        model.column_vectors("x")
    with pytest.raises(KeyError, match="lacks the training columns"):
        model.transform({"city": ["c01"]})


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_cuda_without_cuda_is_a_clear_error(table: dict) -> None:
    with pytest.raises(ValueError, match="CUDA is not available"):
        TabularEmbedder(device="cuda", **FAST).fit(table, "label")
