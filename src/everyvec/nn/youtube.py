"""YouTube-style candidate generation (SPEC §6): a user tower trained by sampled softmax.

Idea: a PyTorch model reads a user's recent items (their input embeddings averaged, plus
optional dense user features) through a ReLU MLP into a user vector, trained to score the
next item highest among all items with a sampled softmax. The softmax's output matrix is the
item vector table; serving needs only the tower for the user vector and a maximum inner
product search over the item vectors through any :mod:`everyvec.index` backend — the
serving side is a :class:`~everyvec.recommend.base.VectorRecommender` with ``metric="dot"``
whose user vectors come from the tower. Training details and simplifications are in
:mod:`everyvec.nn._youtube_training`.

A fitted model saves to a folder (JSON config, item keys as JSON, one ``.npy`` file per weight
tensor — never a pickle) and loads back with :meth:`YouTubeCandidates.load`. torch is an
optional extra, imported only when a model is fitted, loaded or used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_device, check_float, check_fraction, check_int, check_widths
from everyvec._optional import require
from everyvec.errors import EveryvecError, FormatError
from everyvec.nn import _youtube_training as _t
from everyvec.nn._params import Params
from everyvec.nn.saved import load_weights, read_model, write_model
from everyvec.nn.training import resolve_device
from everyvec.recommend.base import (
    Recommendation,
    Recommender,
    VectorRecommender,
    check_histories,
)
from everyvec.train.item2vec import as_item_sequences
from everyvec.vectors.vectors import Vectors

__all__ = ["YouTubeCandidates"]

FORMAT = "everyvec.youtube-candidates"
VERSION = 2  # 2: items and feature statistics moved into config.json / arrays/
_OWNER = "YouTubeCandidates"
_PARAMS = ("embedding_dim", "hidden", "history_length", "negatives", "ns_exponent", "epochs",
           "batch_size", "lr", "weight_decay", "dropout", "min_count", "validation_fraction",
           "patience", "seed", "device", "progress", "index")


def _torch() -> Any:
    return require("torch", "the YouTube candidate model")


class YouTubeCandidates(Params, Recommender):
    """Candidate generation as in YouTube's deep network: history → user vector → MIPS.

    Parameters
    ----------
    embedding_dim
        Dimension of the input item embeddings, the user vectors and the item vectors.
    hidden
        Widths of the ReLU layers of the user tower (a linear layer to ``embedding_dim``
        follows them); ``()`` makes the tower one linear layer.
    history_length
        How many of the most recent items make the input of an example (and of serving).
    negatives
        Sampled negatives per batch (shared by its examples), drawn from item
        ``count ** ns_exponent`` with the logQ correction; ``0`` trains with the full softmax
        over every item (exact; affordable for catalogues of a few thousand items).
    ns_exponent
        Exponent of the sampling distribution (0.75 as word2vec; 0 is uniform).
    epochs, batch_size, lr, weight_decay
        Adam training: passes over the examples, examples per step, learning rate, L2.
    dropout
        Dropout after every hidden ReLU layer (0: none).
    min_count
        Items seen fewer times are dropped (never an input, a label or a candidate).
    validation_fraction
        Share of the examples held out for early stopping on their recall@10 (0: off).
    patience
        Epochs without a better held-out recall@10 before training stops (the best epoch's
        weights are kept).
    seed
        Seeds the initial weights, the shuffling, the negatives and dropout: a fixed seed
        gives the same model on CPU (torch's global RNG state is left as it was).
    device
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (an error when CUDA is not available).
    progress
        Progress bar (None: only when stderr is a terminal).
    index
        Index spec for serving (``"exact"``, ``"hnsw:M=32,ef=128"``, ...), searched by inner
        product.

    Attributes
    ----------
    item_vectors_ : Vectors
        The output (softmax) matrix, one row per item; user vectors are scored against it.
    input_vectors_ : Vectors
        The input embedding table (averaged over a history), one row per item.
    history_ : list of dict
        Per epoch: ``epoch``, ``loss`` (mean training loss), ``seconds``, and with
        validation ``validation_loss`` (sampled) and ``validation_recall`` (recall@10).
    best_epoch_ : int
        The epoch whose weights the model holds.
    n_features_ : int
        Number of user features it was fitted with (0: none).

    Notes
    -----
    Example: every position ``t >= 1`` of a time-ordered history; its input is the items
    before it. A model fitted with user features and asked to recommend without them uses
    the average user's features (zeros after standardisation). Histories with no known item
    get an empty list.

    Examples
    --------
    >>> from everyvec.recommend import YouTubeCandidates  # doctest: +SKIP
    >>> model = YouTubeCandidates(embedding_dim=16, epochs=5).fit(histories)  # doctest: +SKIP
    >>> model.recommend(["item 7", "item 12"], k=5)  # doctest: +SKIP
    """

    _param_names = _PARAMS

    def __init__(self, embedding_dim: int = 64, *, hidden: Sequence[int] = (256, 128),
                 history_length: int = 50, negatives: int = 200, ns_exponent: float = 0.75,
                 epochs: int = 10, batch_size: int = 512, lr: float = 1e-3,
                 weight_decay: float = 0.0, dropout: float = 0.0, min_count: int = 1,
                 validation_fraction: float = 0.0, patience: int = 2, seed: int = 0,
                 device: str = "cpu", progress: bool | None = None,
                 index: str = "exact") -> None:
        self.embedding_dim = embedding_dim
        self.hidden = hidden
        self.history_length = history_length
        self.negatives = negatives
        self.ns_exponent = ns_exponent
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.min_count = min_count
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.seed = seed
        self.device = device
        self.progress = progress
        self.index = index

    # -- parameters ------------------------------------------------------------------------

    def _check_params(self) -> None:
        o = _OWNER
        check_int(self.embedding_dim, "embedding_dim", o, minimum=1)
        check_widths(self.hidden, "hidden", o)
        check_int(self.history_length, "history_length", o, minimum=1)
        check_int(self.negatives, "negatives", o, minimum=0)
        check_float(self.ns_exponent, "ns_exponent", o)
        check_int(self.epochs, "epochs", o, minimum=1)
        check_int(self.batch_size, "batch_size", o, minimum=1)
        if check_float(self.lr, "lr", o, minimum=0.0) == 0.0:
            raise ValueError(f"The 'lr' parameter of {o} must be > 0. Got {self.lr!r}.")
        check_float(self.weight_decay, "weight_decay", o, minimum=0.0)
        check_fraction(self.dropout, "dropout", o)
        check_int(self.min_count, "min_count", o, minimum=1)
        check_fraction(self.validation_fraction, "validation_fraction", o)
        check_int(self.patience, "patience", o, minimum=1)
        check_int(self.seed, "seed", o, minimum=0)
        check_device(self.device, "device", o)
        if self.progress is not None and not isinstance(self.progress, bool):
            raise TypeError(f"The 'progress' parameter of {o} must be True, False or None. "
                            f"Got {self.progress!r}.")
        if not isinstance(self.index, str):
            raise TypeError(f"The 'index' parameter of {o} must be an index spec string such "
                            f"as 'exact' or 'hnsw:M=32,ef=128'. Got {self.index!r}.")
        from everyvec.index.spec import parse_spec

        parse_spec(self.index)

    def _torch_device(self, torch: Any) -> Any:
        return resolve_device(self.device, _OWNER)

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, data: Any, user_features: Any = None) -> YouTubeCandidates:
        """Train on time-ordered histories.

        Parameters
        ----------
        data
            :class:`~everyvec.data.Interactions`, a ``{user: [items]}`` mapping (oldest
            first) or an iterable of item lists. Items are converted to ``str``.
        user_features
            Optional dense features per user: a ``{user: vector}`` mapping (needs user keys,
            so ``data`` must be a mapping or Interactions) or a 2-D array with one row per
            history in ``data``'s order. Standardised (per column) before use.
        """
        self._check_params()
        torch = _torch()
        device = self._torch_device(torch)
        users, histories = _user_histories(data)
        features = _fit_features(user_features, users, len(histories))
        mean = scale = None
        if features is not None:
            mean, scale = features.mean(axis=0), features.std(axis=0)
            scale = np.where(scale > 0, scale, 1.0)
            features = ((features - mean) / scale).astype(np.float32)
        n_features = 0 if features is None else features.shape[1]
        encoded = _t.encode_histories(histories, self.min_count)
        setup = _t.Setup(self.history_length, self.negatives, self.ns_exponent, self.epochs,
                         self.batch_size, self.lr, self.weight_decay,
                         self.validation_fraction, self.patience, self.seed, self.progress)
        rng_devices = [] if device.type == "cpu" else [device]
        with torch.random.fork_rng(devices=rng_devices):
            torch.manual_seed(self.seed)
            net = _t.build_network(torch, len(encoded.keys), self.embedding_dim,
                                   tuple(self.hidden), n_features, self.dropout).to(device)
            history, best_epoch = _t.train(torch, net, encoded, features, setup, device)
        # Fitted state changes only once training succeeded.
        self.feature_mean_, self.feature_scale_, self.n_features_ = mean, scale, n_features
        self.history_, self.best_epoch_ = history, best_epoch
        self._install(net, encoded.keys, device)
        return self

    def _install(self, net: Any, keys: list[str], device: Any) -> None:
        """Make the fitted state: vectors, lookup, serving recommender."""
        net.eval()
        self.network_ = net
        self._device = device
        # Serving and save() use the parameters the network was built with, even if an
        # attribute is changed after fit.
        self._built_with = dict(self.get_params(), hidden=[int(h) for h in self.hidden])
        provenance = {"model": _OWNER, **{k: v for k, v in self._built_with.items()
                                          if k not in ("progress", "device")}}
        output = net["output"].weight.detach().cpu().numpy()
        self.item_vectors_ = Vectors(keys, output, provenance=provenance)
        self.input_vectors_ = Vectors(keys, net["input"].weight.detach().cpu().numpy()[:-1],
                                      provenance=provenance)
        self._row = self.item_vectors_.key_to_index
        self._serving = _Serving(self, self.item_vectors_, self.index)

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "_serving"):
            raise EveryvecError(f"{_OWNER}.{what}: the model is not fitted; call fit() or "
                                f"{_OWNER}.load() first")

    @property
    def items(self) -> list[str]:
        """Every item the model can recommend (those kept by ``min_count``)."""
        self._fitted("items")
        return list(self.item_vectors_.keys)

    @property
    def cold_users_(self) -> int:
        """Histories without a known item in the last :meth:`recommend_batch` call."""
        self._fitted("cold_users_")
        return self._serving.cold_users_

    def _windows(self, histories: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """``(n, history_length)`` ids of each history's last known items, and which have one."""
        pad, length = len(self._row), self._built_with["history_length"]
        windows = np.full((len(histories), length), pad, np.int64)
        known = np.zeros(len(histories), bool)
        for n, history in enumerate(histories):
            rows = [self._row[item] for item in history if item in self._row][-length:]
            if rows:
                windows[n, length - len(rows):] = rows
                known[n] = True
        return windows, known

    def _serving_features(self, features: Any, n: int) -> np.ndarray | None:
        if features is None:
            # The average user: zeros after standardisation.
            return np.zeros((n, self.n_features_), np.float32) if self.n_features_ else None
        if not self.n_features_:
            raise ValueError(f"{_OWNER}: features were given but the model was fitted "
                             "without user features")
        matrix = _as_matrix(features, "features")
        if matrix.shape != (n, self.n_features_):
            raise ValueError(f"{_OWNER}: features must have shape ({n}, {self.n_features_}) — "
                             f"one row per history, {self.n_features_} columns as in fit; "
                             f"got {matrix.shape}")
        return ((matrix - self.feature_mean_) / self.feature_scale_).astype(np.float32)

    def user_vectors(self, histories: Sequence[Sequence[str]],
                     features: Any = None) -> np.ndarray:
        """The tower's user vector of each history (float32, ``(n, embedding_dim)``).

        Parameters
        ----------
        histories
            Item lists, oldest first; unknown items are skipped, the last
            ``history_length`` known ones are used.
        features
            ``(n, n_features_)`` raw user features (standardised as in fit), or None.
        """
        self._fitted("user_vectors")
        histories = check_histories(histories, f"{_OWNER}.user_vectors")
        return self._user_vectors(histories, features)[0]

    def _user_vectors(self, histories: list[list[str]],
                      features: Any) -> tuple[np.ndarray, np.ndarray]:
        torch = _torch()
        windows, known = self._windows(histories)
        feats = self._serving_features(features, len(histories))
        out = np.zeros((len(histories), self.item_vectors_.dim), np.float32)
        step = max(self._built_with["batch_size"], 1024)
        with torch.no_grad():
            for b in range(0, len(histories), step):
                w = torch.as_tensor(windows[b:b + step]).to(self._device)
                f = None if feats is None else torch.as_tensor(feats[b:b + step]).to(
                    self._device)
                out[b:b + step] = _t.user_tower(torch, self.network_, w, f).cpu().numpy()
        return out, known

    def recommend_batch(self, histories: Sequence[Sequence[str]], k: int = 10, *,
                        exclude_seen: bool = True, features: Any = None) -> list[Recommendation]:
        """The top ``k`` items for each history by inner product with its user vector.

        ``features`` (optional): raw user features, one row per history.
        """
        self._fitted("recommend_batch")
        return self._serving.recommend_batch(histories, k, exclude_seen=exclude_seen,
                                             features=features)

    def similar_items(self, item: Any, k: int = 10) -> Recommendation:
        """The ``k`` items whose item vectors are closest to ``item``'s by cosine."""
        self._fitted("similar_items")
        return self.item_vectors_.most_similar(item if isinstance(item, str) else str(item),
                                               topn=k)

    # -- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to folder ``path`` atomically (no pickle anywhere)."""
        self._fitted("save")
        config = {"params": dict(self._built_with), "n_items": len(self._row),
                  "n_features": self.n_features_, "items": self.item_vectors_.keys,
                  "history": self.history_, "best_epoch": self.best_epoch_}
        arrays = ({"feature_mean": self.feature_mean_, "feature_scale": self.feature_scale_}
                  if self.n_features_ else {})
        return write_model(path, format=FORMAT, version=VERSION, config=config,
                           state=self.network_.state_dict(), arrays=arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> YouTubeCandidates:
        """A model saved by :meth:`save`, on ``device``."""
        return _read_model(cls, Path(path), device)


class _Serving(VectorRecommender):
    """Maximum inner product search of tower user vectors against the item vectors."""

    def __init__(self, model: YouTubeCandidates, item_vectors: Vectors, index: str) -> None:
        super().__init__(item_vectors, metric="dot", index=index)
        self._model = model
        self._features: Any = None

    def user_vectors(self, histories: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        return self._model._user_vectors([list(h) for h in histories], self._features)

    def recommend_batch(self, histories: Sequence[Sequence[str]], k: int = 10, *,
                        exclude_seen: bool = True, features: Any = None) -> list[Recommendation]:
        self._features = features
        try:
            return super().recommend_batch(histories, k, exclude_seen=exclude_seen)
        finally:
            self._features = None


def _user_histories(data: Any) -> tuple[list[Any] | None, list[list[str]]]:
    """User keys (None for a plain list) and their histories with str items."""
    if hasattr(data, "sequences") and hasattr(data, "baskets"):
        data = data.sequences()
    if isinstance(data, Mapping):
        users: list[Any] | None = list(data)
        values: Any = [data[u] for u in users]
    elif isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise TypeError(f"{_OWNER}.fit takes Interactions, a {{user: [items]}} mapping or a "
                        f"list of item lists; got {type(data).__name__}")
    else:
        users, values = None, data
    return users, list(as_item_sequences(values, "sequence"))


def _as_matrix(value: Any, name: str) -> np.ndarray:
    try:
        matrix = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{_OWNER}: {name} must be a 2-D array of numbers (one row per "
                         f"user); {exc}") from None
    if matrix.ndim != 2:
        raise ValueError(f"{_OWNER}: {name} must be 2-D (users × features), got shape "
                         f"{matrix.shape}")
    if not np.isfinite(matrix).all():
        row = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
        raise ValueError(f"{_OWNER}: {name} row {row} holds a NaN or infinite value")
    return matrix


def _fit_features(user_features: Any, users: list[Any] | None, n: int) -> np.ndarray | None:
    """The ``(n, d)`` feature matrix aligned with the histories, or None."""
    if user_features is None:
        return None
    if isinstance(user_features, Mapping):
        if users is None:
            raise TypeError(f"{_OWNER}.fit: user_features as a mapping needs user keys; pass "
                            "the histories as a {user: [items]} mapping or Interactions, or "
                            "give the features as an array with one row per history")
        rows = []
        for user in users:
            row = user_features.get(user, user_features.get(str(user)))
            if row is None:
                raise ValueError(f"{_OWNER}.fit: user_features has no vector for user "
                                 f"{user!r}")
            rows.append(np.ravel(np.asarray(row, dtype=np.float64)))
            if len(rows[-1]) != len(rows[0]):
                raise ValueError(f"{_OWNER}.fit: user_features vectors differ in length "
                                 f"({len(rows[0])} for {users[0]!r}, {len(rows[-1])} for "
                                 f"{user!r})")
        user_features = rows
    matrix = _as_matrix(user_features, "user_features")
    if matrix.shape[0] != n or matrix.shape[1] < 1:
        raise ValueError(f"{_OWNER}.fit: user_features must have one row per history ({n}) "
                         f"and at least one column; got shape {matrix.shape}")
    return matrix


def _read_model(cls: type[YouTubeCandidates], path: Path, device: str) -> YouTubeCandidates:
    """Rebuild a saved model; every file is checked against the config before use."""
    saved = read_model(path, format=FORMAT, version=VERSION, owner=_OWNER)
    config_path = path / "config.json"
    try:
        params = dict(saved.config["params"])
        n_items, n_features = int(saved.config["n_items"]), int(saved.config["n_features"])
        history, best_epoch = list(saved.config["history"]), int(saved.config["best_epoch"])
        cls._check_saved_params(params)
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"config is incomplete or malformed ({exc})",
                          path=config_path) from None
    keys = saved.config.get("items")
    if (not isinstance(keys, list) or len(keys) != n_items
            or not all(isinstance(k, str) for k in keys)):
        raise FormatError(f"'items' must be a list of {n_items} item keys (str)",
                          path=config_path)
    params["device"] = device
    model = cls(**params)
    model._check_params()
    torch = _torch()
    torch_device = model._torch_device(torch)
    net = _t.build_network(torch, n_items, model.embedding_dim, tuple(model.hidden),
                           n_features, model.dropout)
    load_weights(net, saved)
    model.n_features_ = n_features
    model.feature_mean_ = model.feature_scale_ = None
    if n_features:
        try:
            mean, scale = saved.arrays["feature_mean"], saved.arrays["feature_scale"]
        except KeyError:
            raise FormatError("the feature statistics are missing", path=path) from None
        if mean.shape != (n_features,) or scale.shape != (n_features,):
            raise FormatError(f"feature statistics must have shape ({n_features},)", path=path)
        model.feature_mean_, model.feature_scale_ = (mean.astype(np.float64),
                                                     scale.astype(np.float64))
    model.history_, model.best_epoch_ = history, best_epoch
    model._install(net.to(torch_device), keys, torch_device)
    return model
