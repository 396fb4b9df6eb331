"""CTR models: planted FM interactions, the shared DeepFM embedding, UNK, save/load, seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")
pd = pytest.importorskip("pandas")

from everyvec import Vectors  # noqa: E402
from everyvec.data.synthetic import ctr_dataset  # noqa: E402
from everyvec.errors import EveryvecError, FormatError  # noqa: E402
from everyvec.nn import _ctr_network as _net  # noqa: E402
from everyvec.nn.ctr import DeepFM, FactorizationMachine, LogisticCTR, roc_auc  # noqa: E402

N_TRAIN, N_TEST = 12_000, 6_000
FAST = {"epochs": 3, "batch_size": 256, "validation_fraction": 0.0}


def pairwise_slow(e: np.ndarray) -> np.ndarray:
    """The FM second-order term by its definition: every pair of fields, one dot product."""
    n, fields, _ = e.shape
    out = np.zeros(n)
    for row in range(n):
        for f in range(fields):
            for g in range(f + 1, fields):
                out[row] += float(e[row, f] @ e[row, g])
    return out


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, max_side=6),
                  elements=st.floats(-10, 10)))
def test_fm_identity_matches_the_pairwise_loop(e: np.ndarray) -> None:
    expected = pairwise_slow(e)
    np.testing.assert_allclose(_net.pairwise_interactions(e), expected, rtol=1e-9, atol=1e-9)
    got = _net.pairwise_interactions(torch.as_tensor(e)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
def test_roc_auc_matches_sklearn(rows: list[tuple[bool, int]]) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    labels = np.array([r[0] for r in rows])
    scores = np.array([r[1] for r in rows], float)  # small ints: many ties
    if labels.all() or not labels.any():
        assert np.isnan(roc_auc(labels, scores))
    else:
        assert roc_auc(labels, scores) == pytest.approx(metrics.roc_auc_score(labels, scores))


# -- quality on planted interactions --------------------------------------------------------


@pytest.fixture(scope="module")
def planted():
    data = ctr_dataset(N_TRAIN + N_TEST, n_fields=6, cardinality=20, dim=4, first_order=0.5,
                       interactions=1.5, seed=3)
    train = data.frame.iloc[:N_TRAIN].reset_index(drop=True)
    test = data.frame.iloc[N_TRAIN:].reset_index(drop=True)
    return data, train, test


@pytest.fixture(scope="module")
def fitted(planted):
    data, train, _ = planted
    y = data.labels[:N_TRAIN]
    settings = {"epochs": 15, "batch_size": 256, "lr": 1e-2, "seed": 0}
    return {"logistic": LogisticCTR(**settings).fit(train, y),
            "fm": FactorizationMachine(4, **settings).fit(train, y),
            "deepfm": DeepFM(4, hidden=(32,), **settings).fit(train, y)}


def test_fm_and_deepfm_recover_planted_interactions(planted, fitted) -> None:
    data, _, test = planted
    y = data.labels[N_TRAIN:]
    oracle = roc_auc(y, data.probabilities[N_TRAIN:])
    auc = {name: model.score(test, y) for name, model in fitted.items()}
    assert auc["fm"] > auc["logistic"] + 0.04, auc
    assert auc["deepfm"] > auc["logistic"] + 0.04, auc
    assert auc["fm"] > oracle - 0.045 and auc["deepfm"] > oracle - 0.045, (auc, oracle)
    for model in fitted.values():
        assert model.best_epoch_ >= 1 and model.rows_per_second_ > 0
        assert len(model.history_) >= model.best_epoch_
        assert {"loss", "validation_loss", "rows_per_second"} <= set(model.history_[0])


def test_learned_vectors_reflect_the_planted_ones(planted, fitted) -> None:
    data, _, _ = planted
    # The FM is only identified up to a rotation, but dot products are not: the learned
    # <v_f0, v_f1> of frequent value pairs should track the planted ones.
    truth = data.truth
    learned = fitted["fm"].field_vectors("f0"), fitted["fm"].field_vectors("f1")
    keys = [f"v{k}" for k in range(6)]
    got = learned[0][keys] @ learned[1][keys].T
    want = truth.pair_weight * truth.vectors["f0"][:6] @ truth.vectors["f1"][:6].T
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.7


# -- the shared embedding ---------------------------------------------------------------------


def test_deepfm_shares_one_embedding_between_fm_and_dnn(fitted) -> None:
    model = fitted["deepfm"]
    net = model.network_
    dim = model.embedding_dim
    tables = [p for p in net.parameters() if p.dim() == 2 and p.shape[1] == dim
              and p.shape[0] == model.n_features_]
    assert len(tables) == 1 and tables[0] is net.embedding.weight
    embeddings = [m for m in net.modules() if isinstance(m, torch.nn.Embedding)]
    assert sorted(m.embedding_dim for m in embeddings) == [1, dim]  # first order + shared
    assert net.dnn[0].in_features == len(model.encoder_.categorical_) * dim
    # gradients from each part alone reach the one table
    index = torch.as_tensor(np.array([[0, 21, 42, 63, 84, 105], [1, 22, 43, 64, 85, 106]]))
    values = torch.ones(index.shape)
    for part in ("fm", "dnn"):
        net.zero_grad()
        net.parts(index, values)[part].sum().backward()
        grad = net.embedding.weight.grad
        assert grad is not None and float(grad.abs().sum()) > 0, part
        assert float(grad[index.unique()].abs().sum()) == float(grad.abs().sum())
    net.zero_grad()
    vectors = model.field_vectors("f2")
    assert isinstance(vectors, Vectors) and vectors.keys[0] == "<unk>"
    rows = slice(int(model._offsets[2]), int(model._offsets[3]))
    np.testing.assert_array_equal(vectors.matrix, net.embedding.weight.detach()[rows].numpy())


def test_logistic_has_no_embedding(fitted) -> None:
    model = fitted["logistic"]
    assert model.network_.embedding is None and model.network_.dnn is None
    assert not hasattr(model, "field_vectors")
    weights = model.field_weights("f0")
    assert next(iter(weights)) == "<unk>" and len(weights) == 21


# -- inputs ---------------------------------------------------------------------------------


def test_unseen_values_use_the_unk_row(planted, fitted) -> None:
    _, _, test = planted
    model = fitted["deepfm"]
    rows = test.iloc[:5].copy()
    a, b = rows.copy(), rows.copy()
    a["f1"], b["f1"] = "never seen", None
    np.testing.assert_allclose(model.predict_proba(a), model.predict_proba(b))
    # UNK never trained (min_count=1): it starts and stays at zero
    assert not model.field_vectors("f1")["<unk>"].any()
    assert model.field_weights("f1")["<unk>"] == 0.0


def test_pandas_polars_and_dict_inputs_agree() -> None:
    pl = pytest.importorskip("polars")
    data = ctr_dataset(1500, n_fields=3, cardinality=8, seed=1)
    frame = data.frame
    models = [FactorizationMachine(4, **FAST).fit(f, data.labels) for f in
              (frame, pl.from_pandas(frame), {c: frame[c].tolist() for c in frame})]
    probabilities = [m.predict_proba(frame)[:, 1] for m in models]
    np.testing.assert_allclose(probabilities[1], probabilities[0], rtol=1e-6)
    np.testing.assert_allclose(probabilities[2], probabilities[0], rtol=1e-6)
    np.testing.assert_allclose(models[0].predict_proba(pl.from_pandas(frame))[:, 1],
                               probabilities[0], rtol=1e-6)


def test_target_column_string_classes_and_numeric_fields() -> None:
    data = ctr_dataset(1500, n_fields=3, cardinality=8, seed=2)
    frame = data.frame.assign(price=np.arange(1500) % 7 * 1.5,
                              clicked=np.where(data.labels == 1, "yes", "no"))
    model = DeepFM(4, hidden=(8,), **FAST).fit(frame, "clicked")
    assert model.encoder_.categorical_ == ["f0", "f1", "f2"]
    assert model.encoder_.numeric_ == ["price"]
    assert list(model.classes_) == ["no", "yes"]
    assert set(model.predict(frame)) <= {"no", "yes"}
    probabilities = model.predict_proba(frame)
    assert probabilities.shape == (1500, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert 0.0 <= model.score(frame, "clicked") <= 1.0
    price = model.field_vectors("price")
    assert price.keys == ["price"] and price.matrix.shape == (1, 4)
    with pytest.raises(KeyError, match="not a feature column"):
        model.field_vectors("clicked")


# -- training settings ----------------------------------------------------------------------


def test_seed_reproducibility_and_sparse_gradients() -> None:
    data = ctr_dataset(1500, n_fields=3, cardinality=8, seed=1)
    fit = lambda **kw: DeepFM(4, hidden=(8,), **{**FAST, **kw}).fit(  # noqa: E731
        data.frame, data.labels).predict_proba(data.frame)
    before = torch.random.get_rng_state()
    np.testing.assert_array_equal(fit(seed=5), fit(seed=5))
    assert torch.equal(before, torch.random.get_rng_state())  # caller's RNG untouched
    assert not np.array_equal(fit(seed=5), fit(seed=6))
    sparse = DeepFM(4, hidden=(8,), sparse=True, **FAST).fit(data.frame, data.labels)
    assert sparse.network_.embedding.sparse and sparse.network_.first.sparse
    assert sparse.score(data.frame, data.labels) > 0.6


def test_early_stopping_keeps_the_best_epoch() -> None:
    data = ctr_dataset(2000, n_fields=3, cardinality=50, seed=1)
    model = FactorizationMachine(8, epochs=30, lr=0.05, patience=2,
                                 validation_fraction=0.3).fit(data.frame, data.labels)
    losses = [h["validation_loss"] for h in model.history_]
    assert len(losses) < 30  # this learning rate overfits fast
    assert model.best_epoch_ == int(np.argmin(losses)) + 1


# -- saving ---------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path, planted, fitted) -> None:
    _, _, test = planted
    for name, model in fitted.items():
        folder = model.save(tmp_path / name)
        config = json.loads((folder / "config.json").read_text())
        assert config["format"] == "everyvec.ctr-model" and config["model"] == type(model).__name__
        assert all(p.suffix in (".json", ".npy") for p in folder.rglob("*") if p.is_file())
        loaded = type(model).load(folder)
        np.testing.assert_array_equal(loaded.predict_proba(test), model.predict_proba(test))
        assert loaded.get_params() == model.get_params()
        assert loaded.history_ == model.history_ and loaded.best_epoch_ == model.best_epoch_
        assert list(loaded.classes_) == list(model.classes_)
    with pytest.raises(FormatError, match="FactorizationMachine.load"):
        DeepFM.load(tmp_path / "fm")
    (tmp_path / "fm" / "weights" / "embedding.weight.npy").unlink()
    with pytest.raises(FormatError, match="missing array file"):
        FactorizationMachine.load(tmp_path / "fm")
    (tmp_path / "logistic" / "config.json").write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        LogisticCTR.load(tmp_path / "logistic")
    with pytest.raises(FileNotFoundError):
        DeepFM.load(tmp_path / "nothing")


# -- errors ---------------------------------------------------------------------------------


def test_device_cuda_without_cuda_is_a_clear_error() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    data = ctr_dataset(100, n_fields=2, cardinality=4, output="dict")
    with pytest.raises(ValueError, match="CUDA is not available"):
        DeepFM(device="cuda").fit(data.frame, data.labels)


@pytest.mark.parametrize(("model", "error", "match"), [
    (DeepFM(embedding_dim=0), ValueError, "'embedding_dim' parameter of DeepFM"),
    (DeepFM(hidden=[8, 0]), ValueError, "'hidden' parameter of DeepFM"),
    (DeepFM(hidden=8), TypeError, "'hidden'"),
    (DeepFM(dropout=1.0), ValueError, "'dropout'"),
    (FactorizationMachine(sparse="yes"), TypeError, "'sparse'"),
    (LogisticCTR(lr=0), ValueError, "'lr' parameter of LogisticCTR"),
    (LogisticCTR(min_count=0), ValueError, "'min_count'"),
    (LogisticCTR(categorical="f0"), TypeError, "'categorical'"),
    (DeepFM(device="gpu"), ValueError, "'device'"),
])
def test_bad_parameters(model, error: type, match: str) -> None:
    data = ctr_dataset(50, n_fields=2, cardinality=4, output="dict")
    with pytest.raises(error, match=match):
        model.fit(data.frame, data.labels)


def test_bad_targets_and_unfitted_use() -> None:
    data = ctr_dataset(60, n_fields=2, cardinality=4, output="dict")
    model = LogisticCTR(**FAST)
    with pytest.raises(EveryvecError, match="not fitted"):
        model.predict_proba(data.frame)
    with pytest.raises(ValueError, match="exactly two distinct values"):
        model.fit(data.frame, np.arange(60) % 3)
    with pytest.raises(ValueError, match="exactly two distinct values"):
        model.fit(data.frame, np.ones(60))
    with pytest.raises(ValueError, match="60 rows but the target has 59"):
        model.fit(data.frame, data.labels[:59])
    with pytest.raises(ValueError, match="missing"):
        model.fit(data.frame, np.where(np.arange(60) == 3, np.nan, data.labels))
    with pytest.raises(KeyError, match="no column 'click'"):
        model.fit(data.frame, "click")
    model.fit(data.frame, data.labels)
    with pytest.raises(ValueError, match="not among the fitted classes"):
        model.score(data.frame, np.full(60, 7))
    with pytest.raises(KeyError, match="lacks the training columns"):
        model.predict({"f0": ["v1"]})
