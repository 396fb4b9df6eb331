"""A token-level task on a frozen biLM: ELMo's learned layer mix plus a linear head.

ELMo's point is that each downstream task picks its own mix of the biLM layers: a learned
``softmax(s)`` over the layers and a scale ``γ`` (:class:`~everyvec.nn.bilm.ScalarMix`).
:class:`TokenTagger` shows it in the smallest form: the biLM stays frozen, its layers are
computed once for the labelled tokens, and only ``s``, ``γ`` and a linear softmax classifier
are trained. After fitting, ``mix_weights_`` says which layers the task relied on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from everyvec._checks import check_bool
from everyvec.errors import EveryvecError
from everyvec.nn._params import FIT_PARAMS, Params
from everyvec.nn.training import (
    FitSettings,
    TensorBatches,
    fit_loop,
    import_torch,
    resolve_device,
    seeded,
    split_rows,
)

__all__ = ["TokenTagger"]

_OWNER = "TokenTagger"
_PARAMS = ("bilm", "layer_norm", *FIT_PARAMS)


class TokenTagger(Params):
    """Label tokens from a frozen biLM's layers mixed with learned ELMo weights.

    Parameters
    ----------
    bilm
        A fitted :class:`~everyvec.nn.bilm.BiLanguageModel` (needed by :meth:`fit`,
        :meth:`predict` and :meth:`score`; :meth:`fit_layers` works on any layered vectors).
    layer_norm
        Layer-normalise each layer before mixing (see :class:`~everyvec.nn.bilm.ScalarMix`).
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training of the mix and the head (rows are labelled tokens), as in
        :class:`~everyvec.nn.training.FitSettings`.

    Attributes
    ----------
    classes_ : list
        The labels (sorted when comparable); the head's outputs follow this order.
    mix_weights_ : numpy.ndarray
        ``softmax(s)``: the learned weight of each layer (sums to 1).
    gamma_ : float
        The learned scale ``γ``.
    network_ : torch.nn.ModuleDict
        ``mix`` (a ScalarMix) and ``head`` (a ``Linear``).
    history_, best_epoch_, rows_per_second_, stopped_early_
        What training did.
    """

    _param_names = _PARAMS

    def __init__(self, bilm: Any = None, *, layer_norm: bool = False, epochs: int = 40,
                 batch_size: int = 64, lr: float = 0.02, weight_decay: float = 0.0,
                 validation_fraction: float = 0.1, patience: int = 5, seed: int = 0,
                 device: str = "cpu", progress: bool | None = None) -> None:
        self.bilm = bilm
        self.layer_norm = layer_norm
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.seed = seed
        self.device = device
        self.progress = progress

    def _settings(self) -> FitSettings:
        check_bool(self.layer_norm, "layer_norm", _OWNER)
        return super()._settings()

    def _bilm(self, what: str) -> Any:
        from everyvec.nn.bilm import BiLanguageModel

        if not isinstance(self.bilm, BiLanguageModel):
            raise TypeError(f"The 'bilm' parameter of {_OWNER} must be a fitted "
                            f"BiLanguageModel to call {what}(). Got {type(self.bilm).__name__}"
                            "; use fit_layers()/predict_layers() for precomputed layers")
        self.bilm._fitted(f"representations (for {_OWNER}.{what})")
        return self.bilm

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, texts: Sequence[Any], tags: Sequence[Sequence[Any]]) -> TokenTagger:
        """Learn the mix and the head from tagged texts.

        Parameters
        ----------
        texts
            Strings or token lists, as the biLM reads them (see its ``tokenize``).
        tags
            Per text, one label per token (``None`` for tokens without a label, e.g. all
            but the ambiguous word whose sense is the task).
        """
        self._settings()
        layers, labels = self._labelled(texts, tags, "fit")
        return self.fit_layers(layers, labels)

    def fit_layers(self, layers: Any, labels: Sequence[Any]) -> TokenTagger:
        """Learn from precomputed layers: ``layers`` ``(n_tokens, n_layers, dim)``, one label
        per token."""
        settings = self._settings()
        array = _layers_array(layers, "fit_layers")
        values = _plain_labels(labels, len(array), "fit_layers")
        classes = _classes(values)
        index = {c: i for i, c in enumerate(classes)}
        y = np.array([index[v] for v in values], dtype=np.int64)
        train_rows, valid_rows = split_rows(len(array), settings.validation_fraction,
                                            settings.seed, _OWNER, stratify=y)
        torch = import_torch(_OWNER)
        from everyvec.nn._bilm_net import ScalarMix

        device = resolve_device(self.device, _OWNER)
        x, target = torch.from_numpy(array), torch.from_numpy(y)
        train = TensorBatches((x[train_rows], target[train_rows]), settings.batch_size)
        valid = (TensorBatches((x[valid_rows], target[valid_rows]), settings.batch_size)
                 if len(valid_rows) else None)
        with seeded(settings.seed, device) as generator:
            net = torch.nn.ModuleDict({
                "mix": ScalarMix(array.shape[1], layer_norm=self.layer_norm),
                "head": torch.nn.Linear(array.shape[2], len(classes))}).to(device)

            def loss_fn(model: Any, batch: Any) -> Any:
                features, targets = batch
                return torch.nn.functional.cross_entropy(model["head"](model["mix"](features)),
                                                         targets)

            result = fit_loop(net, train, valid, loss_fn, settings, owner=_OWNER,
                              device=device, generator=generator)
        net.eval()
        self.network_, self.classes_, self._device = net, classes, device
        self._shape = array.shape[1:]
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        self.rows_per_second_, self.stopped_early_ = result.rows_per_second, result.stopped_early
        return self

    @property
    def mix_weights_(self) -> np.ndarray:
        self._fitted("mix_weights_")
        return self.network_["mix"].mixing_weights().detach().cpu().double().numpy()

    @property
    def gamma_(self) -> float:
        self._fitted("gamma_")
        return float(self.network_["mix"].gamma.detach())

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "network_"):
            raise EveryvecError(f"{_OWNER}.{what}: the tagger is not fitted; call fit() or "
                                "fit_layers() first")

    def predict_layers(self, layers: Any) -> np.ndarray:
        """The most probable label of each row of ``layers`` ``(n_tokens, n_layers, dim)``."""
        self._fitted("predict_layers")
        array = _layers_array(layers, "predict_layers", allow_empty=True)
        if array.shape[1:] != self._shape and len(array):
            raise ValueError(f"{_OWNER}.predict_layers: layers of shape (n, {self._shape[0]}, "
                             f"{self._shape[1]}) expected (as in fitting); got {array.shape}")
        torch = import_torch(_OWNER)
        labels = _label_array(self.classes_)
        if not len(array):
            return labels[:0]
        best = []
        with torch.no_grad():
            for start in range(0, len(array), 4096):
                chunk = torch.from_numpy(array[start:start + 4096]).to(self._device)
                logits = self.network_["head"](self.network_["mix"](chunk))
                best.append(logits.argmax(dim=1).cpu().numpy())
        return labels[np.concatenate(best)]

    def predict(self, texts: Sequence[Any]) -> list[np.ndarray]:
        """A label for every token of every text (one array per text)."""
        self._fitted("predict")
        reps = self._bilm("predict").representations(texts)
        flat = self.predict_layers(np.concatenate(reps) if reps else np.zeros((0, 1, 1)))
        bounds = np.cumsum([0] + [len(r) for r in reps])
        return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def score(self, texts: Sequence[Any], tags: Sequence[Sequence[Any]]) -> float:
        """Accuracy over the tokens whose tag is not ``None``."""
        self._fitted("score")
        layers, labels = self._labelled(texts, tags, "score")
        predicted = self.predict_layers(layers).tolist()
        return float(np.mean([p == t for p, t in zip(predicted, labels, strict=True)]))

    def _labelled(self, texts: Sequence[Any], tags: Sequence[Sequence[Any]],
                  what: str) -> tuple[np.ndarray, list[Any]]:
        """The layers and labels of the tagged tokens of ``texts``."""
        bilm = self._bilm(what)
        tokens = bilm.tokenize(texts)
        if isinstance(tags, (str, bytes)) or not hasattr(tags, "__len__") or (
                len(tags) != len(tokens)):
            raise ValueError(f"{_OWNER}.{what}: give one list of tags per text "
                             f"({len(tokens)} texts)")
        rows, labels = [], []
        for number, (words, text_tags) in enumerate(zip(tokens, tags, strict=True)):
            if isinstance(text_tags, (str, bytes)) or not hasattr(text_tags, "__len__") or (
                    len(text_tags) != len(words)):
                got = len(text_tags) if hasattr(text_tags, "__len__") else repr(text_tags)
                raise ValueError(f"{_OWNER}.{what}: text {number} has {len(words)} tokens "
                                 f"{words[:8]} but {got} tags; give one tag (or None) per "
                                 "token as the biLM tokenizes it")
            for position, tag in enumerate(text_tags):
                if tag is not None:
                    rows.append((number, position))
                    labels.append(tag.item() if isinstance(tag, np.generic) else tag)
        if not rows:
            raise ValueError(f"{_OWNER}.{what}: every tag is None; nothing to learn from")
        wanted = sorted({number for number, _ in rows})
        reps = dict(zip(wanted, bilm.representations([tokens[i] for i in wanted]),
                        strict=True))
        return np.stack([reps[n][p] for n, p in rows]), labels


def _layers_array(layers: Any, what: str, allow_empty: bool = False) -> np.ndarray:
    try:
        array = np.asarray(layers, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"{_OWNER}.{what}: layers must be a numeric array (n_tokens, "
                        f"n_layers, dim); got {type(layers).__name__}") from None
    if array.ndim != 3 or (not allow_empty and not len(array)):
        raise ValueError(f"{_OWNER}.{what}: layers must have shape (n_tokens, n_layers, dim) "
                         f"with at least one token; got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{_OWNER}.{what}: layers hold NaN or infinite values")
    return np.ascontiguousarray(array)


def _plain_labels(labels: Any, n: int, what: str) -> list[Any]:
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise TypeError(f"{_OWNER}.{what}: labels must be a list with one label per token; "
                        f"got {type(labels).__name__}")
    values = [v.item() if isinstance(v, np.generic) else v for v in labels]
    if len(values) != n:
        raise ValueError(f"{_OWNER}.{what}: {n} tokens but {len(values)} labels")
    for number, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise ValueError(f"{_OWNER}.{what}: label {number} is missing ({value!r})")
        try:
            hash(value)
        except TypeError:
            raise TypeError(f"{_OWNER}.{what}: label {number} ({value!r}) is not hashable; "
                            "labels must be values such as str or int") from None
    return values


def _classes(values: list[Any]) -> list[Any]:
    distinct = list(dict.fromkeys(values))
    try:
        distinct = sorted(distinct)
    except TypeError:  # mixed label types keep their order of first appearance
        pass
    if len(distinct) < 2:
        raise ValueError(f"{_OWNER}: every token has the label {distinct[0]!r}; a tagger "
                         "needs at least two classes")
    return distinct


def _label_array(classes: list[Any]) -> np.ndarray:
    if len({type(c) for c in classes}) == 1 and isinstance(classes[0], (str, int, float, bool)):
        return np.asarray(classes)
    array = np.empty(len(classes), dtype=object)
    array[:] = classes
    return array
