"""The shared training loop: early stopping, best weights, seeds, devices, sparse gradients."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec.nn.training import (
    FitSettings,
    TensorBatches,
    fit_loop,
    make_optimizer,
    move_to,
    resolve_device,
    seeded,
    split_rows,
)

torch = pytest.importorskip("torch")


def _linear_problem(n: int = 600, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = (x @ torch.tensor([2.0, -1.0, 0.0, 0.5]) > 0).float()
    return x, y


def _bce(model, batch):
    x, y = batch
    return torch.nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y)


def _fit(settings: FitSettings, x, y, valid: bool = True):
    device = resolve_device(settings.device, "Test")
    train_rows, valid_rows = split_rows(len(x), settings.validation_fraction, settings.seed,
                                        "Test")
    with seeded(settings.seed, device) as generator:
        model = torch.nn.Linear(4, 1)
        result = fit_loop(
            model, TensorBatches((x[train_rows], y[train_rows]), settings.batch_size),
            TensorBatches((x[valid_rows], y[valid_rows]), 256) if valid else None,
            _bce, settings, owner="Test", device=device, generator=generator)
    return model, result


def test_learns_a_separable_problem_and_reports_history():
    x, y = _linear_problem()
    model, result = _fit(FitSettings(epochs=15, lr=0.05, batch_size=64), x, y)
    accuracy = ((model(x).squeeze(1) > 0).float() == y).float().mean()
    assert accuracy > 0.95
    assert [r["epoch"] for r in result.history] == list(range(1, len(result.history) + 1))
    assert all({"loss", "validation_loss", "seconds", "rows_per_second"} <= set(r)
               for r in result.history)
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.rows_per_second > 0 and 1 <= result.best_epoch <= 15
    assert not model.training  # left in eval mode


def test_early_stopping_restores_the_best_epoch():
    # Pure-noise labels: the validation loss stops improving quickly, so patience runs out.
    x, _ = _linear_problem(400)
    y = (torch.rand(400, generator=torch.Generator().manual_seed(3)) > 0.5).float()
    settings = FitSettings(epochs=60, lr=0.2, batch_size=32, patience=2)
    model, result = _fit(settings, x, y)
    assert result.stopped_early and len(result.history) < 60
    losses = [r["validation_loss"] for r in result.history]
    assert result.best_epoch == int(np.argmin(losses)) + 1
    assert len(result.history) == result.best_epoch + settings.patience
    # The weights held are the best epoch's: recompute its validation loss.
    _, valid_rows = split_rows(400, settings.validation_fraction, settings.seed, "Test")
    with torch.no_grad():
        again = float(_bce(model, (x[valid_rows], y[valid_rows])))
    assert again == pytest.approx(min(losses), rel=1e-5)


def test_same_seed_same_weights_and_global_rng_untouched():
    x, y = _linear_problem()
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a, _ = _fit(FitSettings(epochs=3, seed=7), x, y)
    assert torch.equal(torch.random.get_rng_state(), before)
    b, _ = _fit(FitSettings(epochs=3, seed=7), x, y)
    c, _ = _fit(FitSettings(epochs=3, seed=8), x, y)
    assert torch.equal(a.weight, b.weight)
    assert not torch.equal(a.weight, c.weight)


def test_without_validation_keeps_the_last_epoch():
    x, y = _linear_problem()
    _, result = _fit(FitSettings(epochs=4, validation_fraction=0.0), x, y, valid=False)
    assert len(result.history) == 4 and result.best_epoch == 4
    assert "validation_loss" not in result.history[0]


def test_a_diverging_loss_is_a_clear_error():
    x, y = _linear_problem()
    x[5, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="Test.fit: the loss became nan"):
        _fit(FitSettings(epochs=2, validation_fraction=0.0), x, y, valid=False)


def test_sparse_embeddings_train_with_sparse_adam():
    emb = torch.nn.Embedding(50, 4, sparse=True)
    head = torch.nn.Linear(4, 1)
    model = torch.nn.Sequential(emb, head)
    optimizer = make_optimizer(model, lr=0.1)
    kinds = sorted(type(o).__name__ for o in optimizer.optimizers)
    assert kinds == ["Adam", "SparseAdam"]
    before = emb.weight.detach().clone()
    ids = torch.tensor([1, 2, 3])
    loss = model(ids).sum()
    optimizer.zero_grad()
    loss.backward()
    assert emb.weight.grad.is_sparse
    optimizer.step()
    changed = (emb.weight.detach() != before).any(dim=1)
    # SparseAdam touches only the rows the batch looked up.
    assert changed.nonzero().ravel().tolist() == [1, 2, 3]


def test_a_frozen_model_has_nothing_to_train():
    model = torch.nn.Linear(2, 1).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameter"):
        make_optimizer(model, lr=0.1)


def test_settings_are_checked_with_the_owner_named():
    with pytest.raises(ValueError, match="'lr' parameter of Model must be > 0"):
        FitSettings(lr=0.0).check("Model")
    with pytest.raises(TypeError, match="'epochs' parameter of Model"):
        FitSettings(epochs=2.5).check("Model")
    with pytest.raises(ValueError, match="'validation_fraction'"):
        FitSettings(validation_fraction=1.0).check("Model")
    with pytest.raises(ValueError, match="'device' parameter of Model"):
        FitSettings(device="tpu").check("Model")
    assert FitSettings.from_params({"lr": 0.5, "hidden": 3}).lr == 0.5


def test_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="CUDA is not available"):
        resolve_device("cuda", "Model")
    assert resolve_device("cpu", "Model").type == "cpu"


def test_split_rows_holds_out_the_fraction_and_stratifies():
    train, valid = split_rows(100, 0.2, 0, "T")
    assert len(valid) == 20 and len(np.intersect1d(train, valid)) == 0
    assert sorted(np.concatenate([train, valid]).tolist()) == list(range(100))
    labels = np.array([0] * 95 + [1] * 5)
    _, valid = split_rows(100, 0.2, 0, "T", stratify=labels)
    assert labels[valid].sum() == 1  # the rare class reaches the validation rows
    with pytest.raises(ValueError, match="leaves no held-out"):
        split_rows(3, 0.1, 0, "T")


def test_batches_cover_every_row_once_and_move_to_device():
    x = torch.arange(10)
    source = TensorBatches((x, x * 2), batch_size=4)
    assert len(source) == 3
    seen = torch.cat([b[0] for b, _ in source.batches(torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10))
    ordered = [b[0].tolist() for b, _ in source.batches(None)]
    assert ordered == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    moved = move_to({"a": (x, [x])}, torch.device("cpu"))
    assert torch.equal(moved["a"][1][0], x)
    with pytest.raises(ValueError, match="disagree on the number of rows"):
        TensorBatches((x, x[:3]), 2)
