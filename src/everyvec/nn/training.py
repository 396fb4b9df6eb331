"""One training loop for everyvec's PyTorch models: batches, progress, early stopping, seeds.

Every supervised model in :mod:`everyvec.nn` (the tabular entity embedder, DeepFM and its
baselines, the text classifier) trains through :func:`fit_loop`:

* a :class:`BatchSource` yields CPU batches; the loop moves them to the device, so the same
  code runs on ``"cpu"`` and ``"cuda"`` (the CPU path is the one the tests exercise);
* Adam for dense parameters and ``SparseAdam`` for embeddings built with ``sparse=True``
  (:func:`make_optimizer`), because Adam refuses sparse gradients;
* after each epoch the validation loss is measured; training stops after ``patience`` epochs
  without improvement and the best epoch's weights are restored;
* everything random (initialisation, shuffling, dropout) happens inside :func:`seeded`, which
  forks torch's global generator, so a fit is reproducible for its seed and leaves the
  caller's random state untouched;
* a rich progress bar shows rows per second (off when stderr is not a terminal).

torch is imported lazily: importing this module does not import torch.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from everyvec._checks import check_device, check_float, check_fraction, check_int
from everyvec._optional import require
from everyvec._progress import Meter

__all__ = ["BatchSource", "FitResult", "FitSettings", "TensorBatches", "fit_loop",
           "make_optimizer", "move_to", "resolve_device", "seeded", "split_rows", "import_torch"]

logger = logging.getLogger(__name__)



def import_torch(purpose: str = "everyvec.nn") -> Any:
    """The torch module, or :class:`~everyvec.MissingExtraError` naming the ``torch`` extra."""
    return require("torch", purpose)


@dataclass
class FitSettings:
    """How a model trains. Every estimator in :mod:`everyvec.nn` exposes these as parameters.

    Attributes
    ----------
    epochs
        Most passes over the training rows (>= 1).
    batch_size
        Rows per optimiser step (>= 1).
    lr
        Adam learning rate (> 0).
    weight_decay
        L2 penalty of the dense parameters (>= 0; sparse embeddings get none).
    validation_fraction
        Share of the rows held out for early stopping (0 <= f < 1; 0 trains every epoch
        and keeps the last weights).
    patience
        Epochs without a better validation loss before training stops (>= 1).
    seed
        Seed of every random choice of the fit (>= 0).
    device
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    progress
        Progress bar: True, False, or None (only when stderr is a terminal).
    """

    epochs: int = 20
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    validation_fraction: float = 0.1
    patience: int = 3
    seed: int = 0
    device: str = "cpu"
    progress: bool | None = None

    def check(self, owner: str) -> None:
        """Raise a ``TypeError``/``ValueError`` naming ``owner`` and the bad parameter."""
        check_int(self.epochs, "epochs", owner, minimum=1)
        check_int(self.batch_size, "batch_size", owner, minimum=1)
        if check_float(self.lr, "lr", owner, minimum=0.0) == 0.0:
            raise ValueError(f"The 'lr' parameter of {owner} must be > 0. Got {self.lr!r}.")
        check_float(self.weight_decay, "weight_decay", owner, minimum=0.0)
        check_fraction(self.validation_fraction, "validation_fraction", owner)
        check_int(self.patience, "patience", owner, minimum=1)
        check_int(self.seed, "seed", owner, minimum=0)
        check_device(self.device, "device", owner)
        if self.progress is not None and not isinstance(self.progress, bool):
            raise TypeError(f"The 'progress' parameter of {owner} must be True, False or "
                            f"None. Got {self.progress!r}.")

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> FitSettings:
        """The settings among an estimator's parameters (other keys are ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in params.items() if k in names})


@dataclass
class FitResult:
    """What :func:`fit_loop` did.

    Attributes
    ----------
    history
        One dict per epoch: ``epoch``, ``loss`` (training, mean per row), ``seconds``,
        ``rows_per_second`` and, with validation rows, ``validation_loss``.
    best_epoch
        The epoch whose weights the model holds now.
    rows_per_second
        Training rows per second over all epochs (forward, backward and step).
    stopped_early
        True when patience ran out before ``epochs``.
    """

    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    rows_per_second: float = 0.0
    stopped_early: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


class BatchSource(Protocol):
    """Rows split into batches of CPU tensors (anything :func:`move_to` handles)."""

    n_rows: int

    def __len__(self) -> int:
        """Number of batches per epoch."""

    def batches(self, generator: Any | None) -> Iterator[tuple[Any, int]]:
        """``(batch, rows in it)`` pairs; shuffled with ``generator``, in order when None."""


class TensorBatches:
    """Equal-length tensors (first dimension = rows) cut into shuffled mini-batches.

    Parameters
    ----------
    tensors
        Tensors sharing their first dimension, e.g. ``(features, labels)``.
    batch_size
        Rows per batch (the last batch may be smaller).
    """

    def __init__(self, tensors: Sequence[Any], batch_size: int) -> None:
        sizes = {int(t.shape[0]) for t in tensors}
        if len(sizes) != 1:
            raise ValueError(f"TensorBatches: the tensors disagree on the number of rows: "
                             f"{sorted(sizes)}")
        self.tensors = tuple(tensors)
        self.batch_size = int(batch_size)
        self.n_rows = sizes.pop()

    def __len__(self) -> int:
        return math.ceil(self.n_rows / self.batch_size)

    def batches(self, generator: Any | None) -> Iterator[tuple[Any, int]]:
        t = import_torch()
        order = (t.randperm(self.n_rows, generator=generator) if generator is not None
                 else t.arange(self.n_rows))
        for start in range(0, self.n_rows, self.batch_size):
            rows = order[start:start + self.batch_size]
            yield tuple(x[rows] for x in self.tensors), len(rows)


def resolve_device(device: str, owner: str) -> Any:
    """``torch.device`` for ``"cpu"`` / ``"cuda"`` / ``"cuda:N"``; a clear error without CUDA."""
    t = import_torch(owner)
    check_device(device, "device", owner)
    if device.startswith("cuda"):
        if not t.cuda.is_available():
            raise ValueError(f"The 'device' parameter of {owner} asks for {device!r} but CUDA "
                             "is not available to torch (no GPU, or a CPU-only torch build); "
                             "use device='cpu'")
        resolved = t.device(device)
        if resolved.index is not None and resolved.index >= t.cuda.device_count():
            raise ValueError(f"The 'device' parameter of {owner} asks for {device!r} but "
                             f"torch sees {t.cuda.device_count()} CUDA device(s)")
        return resolved
    return t.device("cpu")


@contextlib.contextmanager
def seeded(seed: int, device: Any) -> Iterator[Any]:
    """Seed torch's generators inside the block and restore the caller's state after it.

    Yields a CPU ``torch.Generator`` seeded with ``seed + 1`` for shuffling.
    """
    t = import_torch()
    devices = [] if t.device(device).type == "cpu" else [t.device(device)]
    with t.random.fork_rng(devices=devices):
        t.manual_seed(seed)
        yield t.Generator().manual_seed(seed + 1)


def split_rows(n_rows: int, fraction: float, seed: int, owner: str,
               stratify: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sorted ``(train, validation)`` row numbers; ``fraction`` of the rows are held out.

    With ``stratify`` (a label per row) each label is split in the same proportion, so a
    rare class still reaches the validation rows.
    """
    if fraction <= 0:
        return np.arange(n_rows), np.arange(0)
    rng = np.random.default_rng(seed)
    groups = [np.arange(n_rows)] if stratify is None else [
        np.flatnonzero(stratify == value) for value in np.unique(stratify)]
    valid = []
    for rows in groups:
        take = int(round(fraction * len(rows)))
        valid.append(rng.permutation(rows)[:take])
    held = np.sort(np.concatenate(valid)) if valid else np.arange(0)
    if not 0 < len(held) < n_rows:
        raise ValueError(f"{owner}.fit: validation_fraction={fraction:g} of {n_rows} rows "
                         "leaves no held-out or no training row; use more rows or "
                         "validation_fraction=0")
    mask = np.ones(n_rows, bool)
    mask[held] = False
    return np.flatnonzero(mask), held


class _Optimizers:
    """Several optimisers stepped together (dense Adam + SparseAdam)."""

    def __init__(self, optimizers: list[Any]) -> None:
        self.optimizers = optimizers

    def zero_grad(self) -> None:
        for o in self.optimizers:
            o.zero_grad(set_to_none=True)

    def step(self) -> None:
        for o in self.optimizers:
            o.step()


def make_optimizer(model: Any, lr: float, weight_decay: float = 0.0) -> _Optimizers:
    """Adam over dense parameters, ``SparseAdam`` over sparse-gradient embeddings.

    ``torch.optim.Adam`` refuses sparse gradients; ``SparseAdam`` updates only the rows a
    batch looked up, which is what makes ``sparse=True`` pay off on large vocabularies.
    """
    t = import_torch()
    sparse_ids = {id(m.weight) for m in model.modules()
                  if isinstance(m, (t.nn.Embedding, t.nn.EmbeddingBag)) and m.sparse}
    trainable = [p for p in model.parameters() if p.requires_grad]
    dense = [p for p in trainable if id(p) not in sparse_ids]
    sparse = [p for p in trainable if id(p) in sparse_ids]
    optimizers = []
    if dense:
        optimizers.append(t.optim.Adam(dense, lr=lr, weight_decay=weight_decay))
    if sparse:
        optimizers.append(t.optim.SparseAdam(sparse, lr=lr))
    if not optimizers:
        raise ValueError("the model has no trainable parameter (is every layer frozen?)")
    return _Optimizers(optimizers)


def move_to(batch: Any, device: Any) -> Any:
    """``batch`` (a tensor, PackedSequence, or tuple/list/dict of them) on ``device``."""
    if isinstance(batch, (tuple, list)):
        return type(batch)(move_to(x, device) for x in batch)
    if isinstance(batch, dict):
        return {k: move_to(v, device) for k, v in batch.items()}
    if hasattr(batch, "to"):
        return batch.to(device)
    return batch


def _mean_loss(model: Any, source: BatchSource, loss_fn: Callable[[Any, Any], Any],
               device: Any) -> float:
    t = import_torch()
    model.eval()
    total = 0.0
    with t.no_grad():
        for batch, rows in source.batches(None):
            total += float(loss_fn(model, move_to(batch, device))) * rows
    return total / max(source.n_rows, 1)


def fit_loop(model: Any, train: BatchSource, valid: BatchSource | None,
             loss_fn: Callable[[Any, Any], Any], settings: FitSettings, *, owner: str,
             device: Any, generator: Any, optimizer: Any = None) -> FitResult:
    """Train ``model`` in place; keep the best epoch's weights when there are validation rows.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` already on ``device``.
    train, valid
        Training and (optional) validation batches.
    loss_fn
        ``loss_fn(model, batch)`` → the mean loss of the batch (a scalar tensor). It is also
        used, under ``torch.no_grad()`` and ``model.eval()``, for the validation loss.
    settings
        Epochs, learning rate, patience, progress (see :class:`FitSettings`).
    owner
        Name shown on the progress bar and in log lines.
    device
        Where batches go (:func:`resolve_device`).
    generator
        CPU ``torch.Generator`` that shuffles the batches (from :func:`seeded`).
    optimizer
        Anything with ``zero_grad()`` and ``step()``; default :func:`make_optimizer`.
    """
    if train.n_rows == 0:
        raise ValueError(f"{owner}.fit: no training row")
    optimizer = optimizer or make_optimizer(model, settings.lr, settings.weight_decay)
    result = FitResult()
    best_loss, best_state = math.inf, None
    trained_rows, trained_seconds = 0, 0.0
    with Meter(owner, settings.epochs * len(train), unit="rows",
               progress=settings.progress) as meter:
        for epoch in range(1, settings.epochs + 1):
            model.train()
            started = time.perf_counter()
            total = 0.0
            for batch, rows in train.batches(generator):
                loss = loss_fn(model, move_to(batch, device))
                if not bool(loss.isfinite()):
                    raise FloatingPointError(
                        f"{owner}.fit: the loss became {float(loss.detach())} in epoch "
                        f"{epoch}; lower lr (now {settings.lr:g}) or check the inputs for "
                        "huge values")
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * rows
                elapsed = time.perf_counter() - started
                meter.advance(1, description=f"{owner} epoch {epoch}/{settings.epochs}",
                              rate=(trained_rows + rows) / max(trained_seconds + elapsed, 1e-9))
                trained_rows += rows
            seconds = time.perf_counter() - started
            trained_seconds += seconds
            record = {"epoch": epoch, "loss": total / train.n_rows, "seconds": seconds,
                      "rows_per_second": train.n_rows / max(seconds, 1e-9)}
            if valid is not None:
                record["validation_loss"] = _mean_loss(model, valid, loss_fn, device)
            result.history.append(record)
            logger.info("%s epoch %d: %s", owner, epoch, record)
            if valid is None:
                continue
            if record["validation_loss"] < best_loss:
                best_loss, result.best_epoch = record["validation_loss"], epoch
                best_state = copy.deepcopy(model.state_dict())
            elif epoch - result.best_epoch >= settings.patience:
                result.stopped_early = True
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        result.best_epoch = len(result.history)
    model.eval()
    result.rows_per_second = trained_rows / max(trained_seconds, 1e-9)
    return result
