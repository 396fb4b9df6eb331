"""Entity embeddings for tables (Guo & Berkhahn 2016; SPEC §6): categories as learned vectors.

Idea: give every categorical column its own embedding table, look up each row's categories,
concatenate them with the standardised numeric columns and train a ReLU MLP on a supervised
target. The embedding tables then hold what the target taught about the categories: values
with similar effects get nearby vectors. After :meth:`TabularEmbedder.fit`

* :meth:`~TabularEmbedder.transform` turns any table into dense features (embeddings and
  standardised numbers) for any other model, e.g. gradient boosting;
* :meth:`~TabularEmbedder.column_vectors` gives one column's categories as
  :class:`~everyvec.Vectors`, so neighbours, maps and everything else in everyvec work on
  categories too;
* :meth:`~TabularEmbedder.predict` / :meth:`~TabularEmbedder.predict_proba` use the MLP itself.

Tables are read through :class:`~everyvec.nn.columns.TableEncoder` (pandas or polars
DataFrames, pyarrow Tables, ``{column: values}`` mappings); a category not seen in training
maps to the UNK row. Training runs through :func:`everyvec.nn.training.fit_loop` (early
stopping on a validation split, seeded, CPU or CUDA). A fitted model saves to a folder of JSON
and ``.npy`` files — never a pickle. torch is imported only when a model is fitted or loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import (
    check_choice,
    check_fraction,
    check_int,
    check_names,
    check_widths,
)
from everyvec.data._columns import is_null
from everyvec.errors import EveryvecError, FormatError
from everyvec.nn import _tabular_net as _net
from everyvec.nn._params import Params
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
from everyvec.sizing import RULES, embedding_size
from everyvec.vectors.vectors import Vectors

__all__ = ["TabularEmbedder"]

FORMAT = "everyvec.tabular-embedder"
VERSION = 1
_OWNER = "TabularEmbedder"
_TASKS = ("classification", "regression")
_PARAMS = ("task", "categorical", "numeric", "embedding_sizes", "hidden", "dropout",
           "min_count", "epochs", "batch_size", "lr", "weight_decay", "validation_fraction",
           "patience", "seed", "device", "progress")


class TabularEmbedder(Params):
    """Entity embeddings: one embedding table per categorical column, trained through an MLP.

    Parameters
    ----------
    task
        ``"classification"`` (two or more classes; binary uses one logit) or
        ``"regression"`` (the target is standardised for training, predictions are not).
    categorical, numeric
        Column names. None infers them from the training table: numbers are numeric,
        anything else (strings, bools, categoricals) categorical; the target column is never
        a feature.
    embedding_sizes
        Dimension of each column's embedding: a rule of :func:`everyvec.embedding_size`
        applied to the column's number of categories (UNK included) — ``"fourth_root"``
        (``round(n ** 0.25)``) or ``"fastai"`` (``min(600, round(1.6 · n ** 0.56))``) —, one
        int for every column, or a ``{column: int or rule}`` mapping whose unlisted columns
        follow ``"fourth_root"``.
    hidden
        Widths of the ReLU layers of the MLP (``()``: a linear model on the embeddings).
    dropout
        Dropout after every hidden layer (0: none).
    min_count
        Categories seen fewer times in training share the UNK row.
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training (:class:`~everyvec.nn.training.FitSettings`): Adam, early stopping on the
        validation loss of ``validation_fraction`` of the rows (stratified by class), the
        best epoch's weights kept. A fixed ``seed`` gives the same model on CPU. The
        default ``lr`` (3e-3, above FitSettings' 1e-3) is for the embeddings: they start
        small (std 0.01, as fastai) and need steps large enough to leave their random start
        before early stopping; at 1e-3 an early stop after two epochs could leave the
        category vectors barely trained.

    Attributes
    ----------
    encoder_ : TableEncoder
        Columns, categories (by code; 0 is ``"<unk>"``) and numeric scaling.
    embedding_dims_ : dict of str to int
        The dimension used per categorical column.
    classes_ : numpy.ndarray
        The sorted class labels (classification only).
    history_ : list of dict
        Per epoch: ``loss``, ``validation_loss``, ``seconds``, ``rows_per_second``.
    best_epoch_ : int
        The epoch whose weights the model holds.
    rows_per_second_ : float
        Training throughput over all epochs.

    Notes
    -----
    A category unseen in training (or rarer than ``min_count``) is looked up in the UNK row.
    When no training row used that row (``min_count=1``), it is set after training to the
    frequency-weighted mean of the column's vectors: an unseen category is treated as the
    average one rather than as a random vector. Missing values (None, NaN, empty) are their
    own category, ``"<missing>"``.

    Examples
    --------
    >>> from everyvec.nn.tabular import TabularEmbedder  # doctest: +SKIP
    >>> model = TabularEmbedder(epochs=10).fit(train, "over_50k")  # doctest: +SKIP
    >>> features = model.transform(test)  # doctest: +SKIP
    >>> model.column_vectors("occupation").most_similar("Sales")  # doctest: +SKIP
    """

    _param_names = _PARAMS

    def __init__(self, task: str = "classification", *,
                 categorical: Sequence[str] | None = None,
                 numeric: Sequence[str] | None = None,
                 embedding_sizes: str | int | Mapping[str, int | str] = "fourth_root",
                 hidden: Sequence[int] = (256, 128), dropout: float = 0.1,
                 min_count: int = 1, epochs: int = 20, batch_size: int = 256,
                 lr: float = 3e-3, weight_decay: float = 0.0,
                 validation_fraction: float = 0.1, patience: int = 3, seed: int = 0,
                 device: str = "cpu", progress: bool | None = None) -> None:
        self.task = task
        self.categorical = categorical
        self.numeric = numeric
        self.embedding_sizes = embedding_sizes
        self.hidden = hidden
        self.dropout = dropout
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

    # -- parameters ------------------------------------------------------------------------

    def _check_params(self) -> FitSettings:
        o = _OWNER
        check_choice(self.task, "task", o, _TASKS)
        check_names(self.categorical, "categorical", o)
        check_names(self.numeric, "numeric", o)
        _check_sizes(self.embedding_sizes)
        check_widths(self.hidden, "hidden", o)
        check_fraction(self.dropout, "dropout", o)
        check_int(self.min_count, "min_count", o, minimum=1)
        return self._settings()

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, frame: Any, target: Any) -> TabularEmbedder:
        """Train on a table.

        Parameters
        ----------
        frame
            pandas or polars DataFrame, pyarrow Table or ``{column: values}`` mapping.
        target
            The name of a column of ``frame`` (then never a feature), or one value per row
            (array, list, pandas or polars Series; then every column of ``frame`` may be a
            feature, so leave the target and anything derived from it out). Must have no
            missing value.

        Returns
        -------
        TabularEmbedder
            ``self``, fitted.
        """
        settings = self._check_params()
        torch = import_torch(f"{_OWNER}.fit")
        device = resolve_device(self.device, _OWNER)
        if isinstance(target, str):
            y_raw, exclude = column_array(frame, target, _OWNER), [target]
            listed = set(self.categorical or ()) | set(self.numeric or ())
            if target in listed:
                raise ValueError(f"{_OWNER}.fit: the target column {target!r} is also listed "
                                 "as a feature in 'categorical' or 'numeric'")
        else:
            y_raw, exclude = as_target(target, _OWNER), []
        encoder = TableEncoder(self.categorical, self.numeric, min_count=self.min_count,
                               owner=_OWNER).fit(frame, exclude=exclude)
        encoded = encoder.transform(frame)
        if len(y_raw) != len(encoded):
            raise ValueError(f"{_OWNER}.fit: the target has {len(y_raw)} values but the table "
                             f"has {len(encoded)} rows")
        _check_informative(encoder, encoded.numeric)
        kind, y, classes, y_mean, y_scale = _prepare_target(self.task, y_raw)
        dims = _dims(self.embedding_sizes, encoder)
        train_rows, valid_rows = split_rows(
            len(y), settings.validation_fraction, settings.seed, _OWNER,
            stratify=y if kind != "regression" else None)
        n_outputs = len(classes) if kind == "multiclass" else 1
        y_t = torch.as_tensor(y)

        def batches(rows: np.ndarray) -> TensorBatches:
            return TensorBatches((torch.as_tensor(encoded.codes[rows]),
                                  torch.as_tensor(encoded.numeric[rows]), y_t[rows]),
                                 settings.batch_size)

        with seeded(settings.seed, device) as generator:
            net = _net.build_network(torch, encoder.cardinalities_,
                                     [dims[c] for c in encoder.categorical_],
                                     len(encoder.numeric_), [int(h) for h in self.hidden],
                                     float(self.dropout), n_outputs).to(device)
            result = fit_loop(net, batches(train_rows),
                              batches(valid_rows) if len(valid_rows) else None,
                              _net.loss_function(torch, kind), settings, owner=_OWNER,
                              device=device, generator=generator)
        _fill_unused_unk(torch, net, encoder)
        # Fitted state changes only once training succeeded.
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.rows_per_second_ = result.rows_per_second
        self._install(net, encoder, dims, kind, classes, y_mean, y_scale, device)
        return self

    def fit_transform(self, frame: Any, target: Any) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` of the same table."""
        return self.fit(frame, target).transform(frame)

    def _install(self, net: Any, encoder: TableEncoder, dims: dict[str, int], kind: str,
                 classes: np.ndarray | None, y_mean: float, y_scale: float,
                 device: Any) -> None:
        net.eval()
        self.network_ = net
        self.encoder_ = encoder
        self.embedding_dims_ = dict(dims)
        self._kind = kind
        if classes is not None:
            self.classes_ = classes
        elif hasattr(self, "classes_"):
            del self.classes_
        self._y_mean, self._y_scale = y_mean, y_scale
        self._device = device
        # save() and the output layer follow the parameters the network was built with.
        self._built_with = dict(self.get_params(), hidden=[int(h) for h in self.hidden],
                                categorical=list(encoder.categorical_),
                                numeric=list(encoder.numeric_),
                                embedding_sizes=_json_sizes(self.embedding_sizes))

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "network_"):
            raise EveryvecError(f"{_OWNER}.{what}: the model is not fitted; call fit() or "
                                f"{_OWNER}.load() first")

    def _encode(self, frame: Any) -> Any:
        return self.encoder_.transform(frame)

    def transform(self, frame: Any) -> np.ndarray:
        """Dense float32 features of every row: the embeddings, then the standardised numbers.

        Column order (see :meth:`feature_names_out`): for each categorical column in
        ``encoder_.categorical_`` order, its ``embedding_dims_[column]`` embedding values;
        then the numeric columns in ``encoder_.numeric_`` order, standardised with the
        training mean and standard deviation (missing → 0). Extra columns of ``frame`` are
        ignored; unseen categories get the UNK row.
        """
        self._fitted("transform")
        encoded = self._encode(frame)
        return _net.features(import_torch(), self.network_, encoded.codes, encoded.numeric,
                             self._device)

    def feature_names_out(self) -> list[str]:
        """Names of :meth:`transform`'s columns: ``"<column>_emb<j>"``, then numeric names."""
        self._fitted("feature_names_out")
        names = [f"{c}_emb{j}" for c in self.encoder_.categorical_
                 for j in range(self.embedding_dims_[c])]
        return names + list(self.encoder_.numeric_)

    def column_vectors(self, column: str, *, include_unk: bool = False) -> Vectors:
        """One categorical column's embedding table as :class:`~everyvec.Vectors`.

        The keys are the column's categories as text (missing values are
        ``"<missing>"``); ``include_unk`` adds the ``"<unk>"`` row.
        """
        self._fitted("column_vectors")
        columns = self.encoder_.categorical_
        if column not in columns:
            raise KeyError(f"{_OWNER}.column_vectors: {column!r} is not a categorical column "
                           f"of the model; they are {columns}")
        j = columns.index(column)
        matrix = self.network_.embeddings[j].weight.detach().cpu().numpy()
        keys = self.encoder_.categories_[column]
        start = 0 if include_unk else 1
        provenance = {"model": _OWNER, "column": column, "task": self.task,
                      "embedding_dim": self.embedding_dims_[column]}
        return Vectors(keys[start:], matrix[start:], provenance=provenance)

    def _outputs(self, frame: Any) -> np.ndarray:
        encoded = self._encode(frame)
        return _net.outputs(import_torch(), self.network_, encoded.codes, encoded.numeric,
                            self._device).astype(np.float64)

    def predict_proba(self, frame: Any) -> np.ndarray:
        """Class probabilities, ``(rows, len(classes_))`` float64 (classification only)."""
        self._fitted("predict_proba")
        if self._kind == "regression":
            raise EveryvecError(f"{_OWNER}.predict_proba: the model was fitted with "
                                "task='regression'; use predict()")
        out = self._outputs(frame)
        if self._kind == "binary":
            p = 1.0 / (1.0 + np.exp(-out[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        out -= out.max(axis=1, keepdims=True)
        e = np.exp(out)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, frame: Any) -> np.ndarray:
        """The most probable class of each row, or the predicted number (regression)."""
        self._fitted("predict")
        if self._kind == "regression":
            return self._outputs(frame)[:, 0] * self._y_scale + self._y_mean
        return self.classes_[np.argmax(self.predict_proba(frame), axis=1)]

    def score(self, frame: Any, target: Any) -> float:
        """Accuracy (classification) or R² (regression) on a table and its target."""
        self._fitted("score")
        y = (column_array(frame, target, _OWNER) if isinstance(target, str)
             else as_target(target, _OWNER))
        predicted = self.predict(frame)
        if len(y) != len(predicted):
            raise ValueError(f"{_OWNER}.score: the target has {len(y)} values but the table "
                             f"has {len(predicted)} rows")
        if self._kind != "regression":
            return float(np.mean(predicted == y))
        y = y.astype(np.float64)
        total = float(((y - y.mean()) ** 2).sum())
        return 1.0 - float(((y - predicted) ** 2).sum()) / total if total > 0 else 0.0

    # -- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to folder ``path`` atomically (JSON + ``.npy``, no pickle)."""
        self._fitted("save")
        config = {"params": self._built_with, "kind": self._kind,
                  "encoder": self.encoder_.to_config(), "embedding_dims": self.embedding_dims_,
                  "classes": None if self._kind == "regression" else self.classes_.tolist(),
                  "target_mean": self._y_mean, "target_scale": self._y_scale,
                  "history": self.history_, "best_epoch": self.best_epoch_,
                  "rows_per_second": self.rows_per_second_}
        return write_model(path, format=FORMAT, version=VERSION, config=config,
                           state=self.network_.state_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> TabularEmbedder:
        """A model saved by :meth:`save`, on ``device``."""
        return _read_model(cls, Path(path), device)


# -- helpers ---------------------------------------------------------------------------------

def _check_sizes(sizes: Any) -> None:
    expected = ("'fourth_root', 'fastai', an int >= 1, or a {column: int or rule} mapping")

    def ok(value: Any) -> bool:
        if isinstance(value, str):
            return value in RULES
        return (not isinstance(value, bool) and isinstance(value, (int, np.integer))
                and value >= 1)

    if isinstance(sizes, Mapping):
        good = all(isinstance(k, str) and ok(v) for k, v in sizes.items())
    else:
        good = ok(sizes)
    if not good:
        kind = ValueError if isinstance(sizes, (str, int, Mapping)) else TypeError
        raise kind(f"The 'embedding_sizes' parameter of {_OWNER} must be {expected}. "
                   f"Got {sizes!r}.")


def _json_sizes(sizes: Any) -> Any:
    if isinstance(sizes, Mapping):
        return {str(k): (v if isinstance(v, str) else int(v)) for k, v in sizes.items()}
    return sizes if isinstance(sizes, str) else int(sizes)


def _dims(sizes: Any, encoder: TableEncoder) -> dict[str, int]:
    per_column = dict(sizes) if isinstance(sizes, Mapping) else {}
    unknown = sorted(set(per_column) - set(encoder.categorical_))
    if unknown:
        raise KeyError(f"{_OWNER}: embedding_sizes names {unknown}, which are not categorical "
                       f"columns of the table; those are {encoder.categorical_}")
    default = "fourth_root" if isinstance(sizes, Mapping) else sizes
    dims = {}
    for column, n in zip(encoder.categorical_, encoder.cardinalities_, strict=True):
        rule = per_column.get(column, default)
        dims[column] = int(rule) if not isinstance(rule, str) else embedding_size(n, rule)
    return dims


def _check_informative(encoder: TableEncoder, numeric: np.ndarray) -> None:
    """A column with a single training value cannot inform the model: say so."""
    for column, counts in encoder.counts_.items():
        if int(np.count_nonzero(counts)) < 2:
            only = encoder.categories_[column][int(np.argmax(counts))]
            raise ValueError(f"{_OWNER}.fit: categorical column {column!r} has a single value "
                             f"({only!r}) in the training rows; drop it or list the columns "
                             "to use in 'categorical'")
    for j, column in enumerate(encoder.numeric_):
        if len(numeric) and np.ptp(numeric[:, j]) == 0:
            raise ValueError(f"{_OWNER}.fit: numeric column {column!r} has a single value in "
                             "the training rows; drop it or list the columns to use in "
                             "'numeric'")


def _prepare_target(task: str, values: np.ndarray
                    ) -> tuple[str, np.ndarray, np.ndarray | None, float, float]:
    """``(kind, training target, classes, mean, scale)`` with clear errors for bad targets."""
    nulls = [row for row, v in enumerate(values.tolist()) if is_null(v)] \
        if values.dtype.kind in "OfU" else []
    if nulls:
        raise ValueError(f"{_OWNER}.fit: the target is missing (None/NaN) in {len(nulls)} "
                         f"rows, first row {nulls[0]}; drop those rows first")
    if task == "regression":
        try:
            y = values.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{_OWNER}.fit: task='regression' needs a numeric target; got "
                             f"values such as {values[:3].tolist()!r}") from None
        if not np.isfinite(y).all():
            row = int(np.flatnonzero(~np.isfinite(y))[0])
            raise ValueError(f"{_OWNER}.fit: the target at row {row} is {y[row]}")
        mean, scale = float(y.mean()), float(y.std())
        if scale == 0:
            raise ValueError(f"{_OWNER}.fit: the regression target is constant ({mean:g}); "
                             "there is nothing to learn")
        return "regression", ((y - mean) / scale).astype(np.float32), None, mean, scale
    try:
        classes, codes = np.unique(values, return_inverse=True)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in values.tolist()})
        raise TypeError(f"{_OWNER}.fit: the class labels must be of one sortable type "
                        f"(all str, all int, ...); got {kinds}") from None
    labels = [c.item() if isinstance(c, np.generic) else c for c in classes.tolist()]
    if not all(isinstance(c, (str, bool, int, float)) for c in labels):
        raise TypeError(f"{_OWNER}.fit: class labels must be str, bool or numbers")
    classes = np.array(labels)  # an object array of numpy scalars → a plain typed array
    if len(classes) < 2:
        raise ValueError(f"{_OWNER}.fit: the target has a single class ({classes[0]!r}); "
                         "classification needs at least two")
    codes = codes.reshape(-1)
    if len(classes) == 2:
        return "binary", codes.astype(np.float32), classes, 0.0, 1.0
    return "multiclass", codes.astype(np.int64), classes, 0.0, 1.0


def _fill_unused_unk(torch: Any, net: Any, encoder: TableEncoder) -> None:
    """Give an UNK row no training row touched the average vector of its column."""
    with torch.no_grad():
        for j, column in enumerate(encoder.categorical_):
            counts = np.asarray(encoder.counts_[column], np.float64)
            if counts[0] > 0 or counts[1:].sum() == 0:
                continue
            weight = net.embeddings[j].weight
            share = torch.as_tensor(counts[1:] / counts[1:].sum(), dtype=weight.dtype,
                                    device=weight.device)
            weight[0] = share @ weight[1:]


def _read_model(cls: type[TabularEmbedder], path: Path, device: str) -> TabularEmbedder:
    """Rebuild a saved model; every file is checked against the config before use."""
    saved = read_model(path, format=FORMAT, version=VERSION, owner=_OWNER)
    config, config_path = saved.config, path / "config.json"
    try:
        params = dict(config["params"])
        cls._check_saved_params(params)
        kind = str(config["kind"])
        if kind not in ("binary", "multiclass", "regression"):
            raise ValueError(f"unknown kind {kind!r}")
        encoder = TableEncoder.from_config(config["encoder"], owner=_OWNER)
        dims = {str(k): int(v) for k, v in config["embedding_dims"].items()}
        if list(dims) != encoder.categorical_:
            raise ValueError("embedding_dims do not match the categorical columns")
        classes = None if config["classes"] is None else np.asarray(config["classes"])
        if (classes is None) != (kind == "regression"):
            raise ValueError("classes do not match the task")
        y_mean, y_scale = float(config["target_mean"]), float(config["target_scale"])
        history = list(config["history"])
        best_epoch = int(config["best_epoch"])
        rows_per_second = float(config["rows_per_second"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FormatError(f"config is incomplete or malformed ({exc})",
                          path=config_path) from None
    params["device"] = device
    model = cls(**params)
    model._check_params()
    torch = import_torch(f"{_OWNER}.load")
    torch_device = resolve_device(device, _OWNER)
    n_outputs = len(classes) if kind == "multiclass" else 1
    net = _net.build_network(torch, encoder.cardinalities_,
                             [dims[c] for c in encoder.categorical_], len(encoder.numeric_),
                             [int(h) for h in model.hidden], float(model.dropout), n_outputs)
    load_weights(net, saved)
    model.history_, model.best_epoch_ = history, best_epoch
    model.rows_per_second_ = rows_per_second
    model._install(net.to(torch_device), encoder, dims, kind, classes, y_mean, y_scale,
                   torch_device)
    return model

