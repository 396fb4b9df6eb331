"""Click-through-rate models on categorical tables: DeepFM and its two baselines.

Idea (SPEC §6; Guo et al. 2017, "DeepFM"): every value of every field gets one embedding
vector, and the **same** vectors feed a factorization machine — which scores every pair of
fields by the dot product of their vectors — and a DNN over the concatenated vectors, which
can learn interactions of any order. The click probability is ``sigmoid(y_first + y_FM +
y_DNN)``. One table trained by both parts means no feature engineering and no pretraining,
and after fitting the table is a :class:`~everyvec.Vectors` per field, so field values can
be searched and compared like words.

Three estimators, one network with more or fewer parts (:mod:`everyvec.nn._ctr_network`):

* :class:`LogisticCTR` — first-order weights only: logistic regression on one-hot fields;
* :class:`FactorizationMachine` — first order + the pairwise FM term;
* :class:`DeepFM` — first order + FM + a ReLU MLP, all reading the one embedding table.

Tables (pandas, polars, pyarrow or ``{column: values}``) go through
:class:`~everyvec.nn.columns.TableEncoder`: categorical values become codes (values unseen in
training, or rarer than ``min_count``, share an ``"<unk>"`` row); numeric columns are
standardised and each becomes one feature whose vector is scaled by the number — the DeepFM
paper's treatment of continuous fields, which lets them take part in every pairwise term
(bucketise a column yourself, e.g. with ``pandas.qcut``, to treat it as categorical). The
target is binary (two distinct values); ``classes_[1]`` is the "click".

A fitted model saves to a folder (JSON config + one ``.npy`` per weight tensor, never a
pickle). torch is an optional extra, imported only when a model is fitted, loaded or used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import (
    check_bool,
    check_fraction,
    check_int,
    check_names,
    check_widths,
)
from everyvec.errors import EveryvecError, FormatError
from everyvec.nn import _ctr_network as _net
from everyvec.nn._params import FIT_PARAMS, Params
from everyvec.nn.columns import TableEncoder, as_target, column_array
from everyvec.nn.saved import load_weights, read_model, write_model
from everyvec.nn.training import (
    FitSettings,
    TensorBatches,
    fit_loop,
    import_torch,
    resolve_device,
    seeded,
    split_rows,
)
from everyvec.vectors.vectors import Vectors

__all__ = ["DeepFM", "FactorizationMachine", "LogisticCTR", "roc_auc"]

FORMAT = "everyvec.ctr-model"
VERSION = 1
_PREDICT_ROWS = 65_536


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative.

    Ties count half (average ranks, the Mann–Whitney statistic). NaN when one class is absent.
    """
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, np.float64)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    _, inverse, counts = np.unique(scores[order], return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = np.empty(len(scores))
    ranks[order] = ((ends - counts + 1 + ends) / 2.0)[inverse]
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0)
                 / (positives * negatives))


class _CTRModel(Params):
    """Shared machinery; the subclasses choose the network parts and the parameters."""

    _kind = "logistic"

    # -- parameters ------------------------------------------------------------------------

    def _check_params(self) -> FitSettings:
        o = type(self).__name__
        check_int(self.min_count, "min_count", o, minimum=1)
        check_names(self.categorical, "categorical", o)
        check_names(self.numeric, "numeric", o)
        if self._kind != "logistic":
            check_int(self.embedding_dim, "embedding_dim", o, minimum=1)
            check_bool(self.sparse, "sparse", o)
        if self._kind == "deepfm":
            check_widths(self.hidden, "hidden", o)
            check_fraction(self.dropout, "dropout", o)
        return self._settings()

    def _architecture(self) -> dict[str, Any]:
        """The network shape these parameters give (what save/load must agree on)."""
        return {"kind": self._kind,
                "dim": int(getattr(self, "embedding_dim", 1)),
                "hidden": [int(h) for h in getattr(self, "hidden", ())],
                "dropout": float(getattr(self, "dropout", 0.0)),
                "sparse": bool(getattr(self, "sparse", False))}

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, frame: Any, target: Any) -> Any:
        """Train on a table of fields and a binary target.

        Parameters
        ----------
        frame
            pandas / polars DataFrame, pyarrow Table or ``{column: values}`` mapping.
        target
            The name of a column of ``frame`` (then not used as a feature), or one value
            per row (array, list, Series) with exactly two distinct values.

        Returns
        -------
        self
        """
        owner = type(self).__name__
        settings = self._check_params()
        torch = import_torch(owner)
        device = resolve_device(settings.device, owner)
        exclude: tuple[str, ...] = ()
        if isinstance(target, str):
            exclude = (target,)
            target = column_array(frame, target, owner)
        classes, y = _binary_target(as_target(target, owner), owner)
        encoder = TableEncoder(self.categorical, self.numeric, min_count=self.min_count,
                               owner=owner).fit(frame, exclude=exclude)
        encoded = encoder.transform(frame)
        if len(encoded) != len(y):
            raise ValueError(f"{owner}.fit: the table has {len(encoded)} rows but the target "
                             f"has {len(y)} values")
        offsets, n_features = _net.feature_layout(encoder.cardinalities_,
                                                  len(encoder.numeric_))
        index, values = _net.features(encoded.codes, encoded.numeric, offsets)
        train, valid = split_rows(len(y), settings.validation_fraction, settings.seed, owner,
                                  stratify=y)
        tensors = [torch.as_tensor(a) for a in (index, values, y.astype(np.float32))]
        train_batches = TensorBatches([t[train] for t in tensors], settings.batch_size)
        valid_batches = (TensorBatches([t[valid] for t in tensors], max(settings.batch_size,
                                                                         4096))
                         if len(valid) else None)
        shape = self._architecture()
        with seeded(settings.seed, device) as generator:
            net = _net.build_network(torch, n_features, index.shape[1], shape["kind"],
                                     shape["dim"], shape["hidden"], shape["dropout"],
                                     shape["sparse"], unk_rows=offsets[:-1].tolist(),
                                     base_rate=float(y[train].mean())).to(device)
            loss = torch.nn.functional.binary_cross_entropy_with_logits
            result = fit_loop(net, train_batches, valid_batches,
                              lambda model, batch: loss(model(batch[0], batch[1]), batch[2]),
                              settings, owner=owner, device=device, generator=generator)
        # Fitted state changes only once training succeeded.
        self.encoder_, self.classes_ = encoder, classes
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        self.rows_per_second_ = result.rows_per_second
        self._install(net, device, shape)
        return self

    def _install(self, net: Any, device: Any, shape: dict[str, Any]) -> None:
        net.eval()
        self.network_, self._device, self._shape = net, device, shape
        self._offsets, self.n_features_ = _net.feature_layout(
            self.encoder_.cardinalities_, len(self.encoder_.numeric_))

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "network_"):
            name = type(self).__name__
            raise EveryvecError(f"{name}.{what}: the model is not fitted; call fit() or "
                                f"{name}.load() first")

    def decision_function(self, frame: Any) -> np.ndarray:
        """The click logit of every row (float64); unseen values use their field's UNK row."""
        self._fitted("decision_function")
        torch = import_torch(type(self).__name__)
        encoded = self.encoder_.transform(frame)
        index, values = _net.features(encoded.codes, encoded.numeric, self._offsets)
        out = np.empty(len(index), np.float64)
        with torch.no_grad():
            for start in range(0, len(index), _PREDICT_ROWS):
                rows = slice(start, start + _PREDICT_ROWS)
                logits = self.network_(torch.as_tensor(index[rows]).to(self._device),
                                       torch.as_tensor(values[rows]).to(self._device))
                out[rows] = logits.double().cpu().numpy()
        return out

    def predict_proba(self, frame: Any) -> np.ndarray:
        """``(rows, 2)`` probabilities of ``classes_[0]`` and ``classes_[1]`` (the click)."""
        self._fitted("predict_proba")
        p = 0.5 * (1.0 + np.tanh(0.5 * self.decision_function(frame)))
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, frame: Any) -> np.ndarray:
        """The likelier class of every row (``classes_[1]`` when its probability >= 0.5)."""
        self._fitted("predict")
        return self.classes_[(self.decision_function(frame) >= 0).astype(np.int64)]

    def score(self, frame: Any, target: Any) -> float:
        """ROC AUC of the click probabilities on ``frame`` (higher is better; 0.5 is chance).

        AUC, not accuracy: click data is unbalanced, and ranking is what CTR models are for.
        ``target`` is a column name of ``frame`` or one value per row, as in :meth:`fit`.
        """
        self._fitted("score")
        owner = f"{type(self).__name__}.score"
        if isinstance(target, str):
            target = column_array(frame, target, owner)
        y = as_target(target, owner)
        known = {str(c) for c in self.classes_}
        unknown = sorted({str(v) for v in y.tolist()} - known)
        if unknown:
            raise ValueError(f"{owner}: target values {unknown[:5]} are not among the "
                             f"fitted classes {sorted(known)}")
        positive = np.array([str(v) == str(self.classes_[1]) for v in y.tolist()])
        return roc_auc(positive, self.decision_function(frame))

    def _field(self, column: str, what: str) -> tuple[list[str], slice]:
        """Keys and table rows of one field (a numeric column is one key: its name)."""
        self._fitted(what)
        encoder = self.encoder_
        if column in encoder.categories_:
            j = encoder.categorical_.index(column)
            start = int(self._offsets[j])
            return list(encoder.categories_[column]), slice(start, start
                                                            + encoder.cardinalities_[j])
        if column in encoder.numeric_:
            row = int(self._offsets[-1]) + encoder.numeric_.index(column)
            return [column], slice(row, row + 1)
        raise KeyError(f"{type(self).__name__}.{what}: {column!r} is not a feature column; "
                       f"the model uses {encoder.categorical_ + encoder.numeric_}")

    def field_weights(self, column: str) -> dict[str, float]:
        """First-order logit weight of each value of ``column`` (``"<unk>"`` included)."""
        keys, rows = self._field(column, "field_weights")
        weights = self.network_.first.weight.detach()[rows, 0].cpu().numpy()
        return {k: float(w) for k, w in zip(keys, weights, strict=True)}

    # -- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to folder ``path`` atomically (JSON + ``.npy``; no pickle)."""
        self._fitted("save")
        params = {k: v for k, v in self.get_params().items() if k not in ("device",)}
        params = json.loads(json.dumps(params, default=list))  # tuples → lists
        config = {"model": type(self).__name__, "params": params,
                  "architecture": self._shape, "encoder": self.encoder_.to_config(),
                  "classes": self.classes_.tolist(), "history": self.history_,
                  "best_epoch": self.best_epoch_, "rows_per_second": self.rows_per_second_}
        return write_model(path, format=FORMAT, version=VERSION, config=config,
                           state=self.network_.state_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> Any:
        """A model saved by :meth:`save`, on ``device``."""
        return _read_model(cls, Path(path), device)


class LogisticCTR(_CTRModel):
    """Logistic regression on one-hot fields: one learned weight per value, no interactions.

    The baseline the FM and DeepFM must beat; trained by the same loop (Adam, early stopping)
    so the comparison isolates the model.

    Parameters
    ----------
    categorical, numeric
        Feature columns (None: inferred — numbers are numeric, anything else categorical).
    min_count
        Values seen fewer times in training share their field's ``"<unk>"`` row.
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training (:class:`~everyvec.nn.training.FitSettings`): Adam, early stopping on the
        held-out log-loss with the best epoch's weights restored.

    Attributes
    ----------
    classes_ : ndarray
        The two target values; ``classes_[1]`` is the click.
    encoder_ : TableEncoder
        Columns, categories (by code) and numeric scales learned in fit.
    history_, best_epoch_, rows_per_second_
        Per-epoch losses and timings, the epoch whose weights the model holds, training
        throughput.
    """

    _kind = "logistic"
    _param_names = ("categorical", "numeric", "min_count", *FIT_PARAMS)

    def __init__(self, *, categorical: list[str] | None = None,
                 numeric: list[str] | None = None, min_count: int = 1, epochs: int = 20,
                 batch_size: int = 256, lr: float = 3e-3, weight_decay: float = 0.0,
                 validation_fraction: float = 0.1, patience: int = 2, seed: int = 0,
                 device: str = "cpu", progress: bool | None = None) -> None:
        self.categorical = categorical
        self.numeric = numeric
        self.min_count = min_count
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.seed = seed
        self.device = device
        self.progress = progress


class FactorizationMachine(_CTRModel):
    """Factorization machine (Rendle 2010): first order + ``Σ_{f<g} <v_f, v_g>``.

    Every value of every field has a weight and an ``embedding_dim`` vector; each pair of
    fields in a row adds the dot product of their values' vectors to the logit, so
    interactions of values never seen together in training are still estimated.

    Parameters
    ----------
    embedding_dim
        Length of the value vectors (the FM's rank).
    categorical, numeric, min_count
        As in :class:`LogisticCTR`.
    sparse
        Sparse embedding gradients, stepped by ``SparseAdam`` (worth it for very large
        vocabularies; such tables get no ``weight_decay``).
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training, as in :class:`LogisticCTR`.

    Attributes
    ----------
    classes_, encoder_, history_, best_epoch_, rows_per_second_
        As in :class:`LogisticCTR`.
    """

    _kind = "fm"
    _param_names = ("embedding_dim", "categorical", "numeric", "min_count", "sparse",
                    *FIT_PARAMS)

    def __init__(self, embedding_dim: int = 8, *, categorical: list[str] | None = None,
                 numeric: list[str] | None = None, min_count: int = 1, sparse: bool = False,
                 epochs: int = 20, batch_size: int = 256, lr: float = 3e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.1,
                 patience: int = 2, seed: int = 0, device: str = "cpu",
                 progress: bool | None = None) -> None:
        self.embedding_dim = embedding_dim
        self.categorical = categorical
        self.numeric = numeric
        self.min_count = min_count
        self.sparse = sparse
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.seed = seed
        self.device = device
        self.progress = progress

    def field_vectors(self, column: str) -> Vectors:
        """The embedding of every value of ``column`` (``"<unk>"`` first) as Vectors.

        For :class:`DeepFM` this is the one table both the FM and the DNN part read. A
        numeric column has one vector, keyed by the column name.
        """
        keys, rows = self._field(column, "field_vectors")
        matrix = self.network_.embedding.weight.detach()[rows].cpu().numpy()
        provenance = {"model": type(self).__name__, "field": column,
                      "embedding_dim": int(self._shape["dim"])}
        return Vectors(keys, matrix.astype(np.float32), provenance=provenance)


class DeepFM(FactorizationMachine):
    """DeepFM (Guo et al. 2017): first order + FM + a DNN, FM and DNN sharing one embedding.

    The DNN reads the concatenated value vectors of a row — the very vectors the FM term
    multiplies pairwise — through ReLU layers to one logit; the click probability is
    ``sigmoid(y_first + y_FM + y_DNN)``. Gradients of both parts train the one table, which
    :meth:`field_vectors` returns per field.

    Parameters
    ----------
    embedding_dim
        Length of the shared value vectors.
    hidden
        Widths of the DNN's ReLU layers (a linear layer to one output follows them).
    dropout
        Dropout after every hidden ReLU layer (0: none).
    categorical, numeric, min_count, sparse
        As in :class:`FactorizationMachine`.
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training, as in :class:`LogisticCTR`.

    Attributes
    ----------
    classes_, encoder_, history_, best_epoch_, rows_per_second_
        As in :class:`LogisticCTR`.

    Examples
    --------
    >>> from everyvec.data.synthetic import ctr_dataset  # doctest: +SKIP
    >>> data = ctr_dataset(20_000)  # doctest: +SKIP
    >>> model = DeepFM(embedding_dim=8).fit(data.frame, data.labels)  # doctest: +SKIP
    >>> model.predict_proba(data.frame)[:, 1]  # doctest: +SKIP
    """

    _kind = "deepfm"
    _param_names = ("embedding_dim", "hidden", "dropout", "categorical", "numeric",
                    "min_count", "sparse", *FIT_PARAMS)

    def __init__(self, embedding_dim: int = 8, *, hidden: tuple[int, ...] = (64, 32),
                 dropout: float = 0.1, categorical: list[str] | None = None,
                 numeric: list[str] | None = None, min_count: int = 1, sparse: bool = False,
                 epochs: int = 20, batch_size: int = 256, lr: float = 3e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.1,
                 patience: int = 2, seed: int = 0, device: str = "cpu",
                 progress: bool | None = None) -> None:
        super().__init__(embedding_dim, categorical=categorical, numeric=numeric,
                         min_count=min_count, sparse=sparse, epochs=epochs,
                         batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         validation_fraction=validation_fraction, patience=patience,
                         seed=seed, device=device, progress=progress)
        self.hidden = hidden
        self.dropout = dropout


def _binary_target(y: np.ndarray, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, 0/1 labels)`` of a two-valued target; a clear error otherwise."""
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError(f"{owner}.fit: the target is missing (NaN) in row "
                         f"{int(np.flatnonzero(np.isnan(y))[0])}")
    if y.dtype.kind == "O":
        missing = [i for i, v in enumerate(y.tolist()) if v is None]
        if missing:
            raise ValueError(f"{owner}.fit: the target is missing (None) in row {missing[0]}")
    try:
        classes, labels = np.unique(y, return_inverse=True)
    except TypeError:
        raise TypeError(f"{owner}.fit: the target values cannot be compared (mixed types?); "
                        "give two values of one type, e.g. 0/1") from None
    if len(classes) != 2:
        raise ValueError(f"{owner}.fit: the target must have exactly two distinct values "
                         f"(click / no click); got {len(classes)}: "
                         f"{classes[:5].tolist()}")
    return classes, labels.reshape(-1).astype(np.int64)


def _read_model(cls: type[_CTRModel], path: Path, device: str) -> _CTRModel:
    """Rebuild a saved model; every file is checked against the config before use."""
    saved = read_model(path, format=FORMAT, version=VERSION, owner=cls.__name__)
    config, config_path = saved.config, path / "config.json"
    if config.get("model") != cls.__name__:
        raise FormatError(f"this folder holds a {config.get('model')!r}; load it with "
                          f"{config.get('model')}.load, not {cls.__name__}.load",
                          path=config_path)
    try:
        params = dict(config["params"])
        shape = dict(config["architecture"])
        classes = np.array(config["classes"])
        history, best_epoch = list(config["history"]), int(config["best_epoch"])
        rows_per_second = float(config["rows_per_second"])
        encoder = TableEncoder.from_config(config["encoder"], owner=cls.__name__)
        cls._check_saved_params(params)
        if "hidden" in params:
            params["hidden"] = tuple(params["hidden"])
        if len(classes) != 2:
            raise ValueError("classes must hold two values")
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"config is incomplete or malformed ({exc})",
                          path=config_path) from None
    model = cls(**{**params, "device": device})
    model._check_params()
    if model._architecture() != shape:
        raise FormatError(f"architecture {shape} does not match the parameters "
                          f"({model._architecture()})", path=config_path)
    torch = import_torch(cls.__name__)
    torch_device = resolve_device(device, cls.__name__)
    offsets, n_features = _net.feature_layout(encoder.cardinalities_, len(encoder.numeric_))
    net = _net.build_network(torch, n_features, len(offsets) - 1 + len(encoder.numeric_),
                             shape["kind"], shape["dim"], shape["hidden"], shape["dropout"],
                             shape["sparse"])
    load_weights(net, saved)
    model.encoder_, model.classes_ = encoder, classes
    model.history_, model.best_epoch_ = history, best_epoch
    model.rows_per_second_ = rows_per_second
    model._install(net.to(torch_device), torch_device, shape)
    return model

