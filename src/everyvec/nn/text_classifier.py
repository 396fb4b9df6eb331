"""A text classifier whose word embeddings learn the task (SPEC §6): embed → pool → linear.

Short texts are tokenised, mapped to ids of a vocabulary built on the training texts (PAD = 0,
UNK = 1, EOS = 2; every text ends with EOS), padded in length-sorted buckets
(:mod:`everyvec.nn.batching`) and read by

* an embedding table, learned from scratch (random init) or initialised from trained word
  vectors (``vectors=``), frozen or fine-tuned;
* a pooling: ``"mean"`` (the mean of the real tokens' vectors) or ``"gru"`` (a small GRU run
  over packed sequences, its final hidden state);
* a linear layer to one logit per class, trained with cross-entropy through
  :func:`everyvec.nn.training.fit_loop` (early stopping, seeds, progress, CPU or CUDA).

The point (seed 000): co-occurrence vectors put "like" next to "hate" because both appear in
the same contexts; embeddings trained on a sentiment label pull them apart, along the
direction the classifier reads. :attr:`TextClassifier.word_vectors_` gives the task-trained
vectors as :class:`~everyvec.Vectors`, so neighbours and maps work on them.

A fitted model saves to a folder (JSON config, the vocabulary file, one ``.npy`` per weight —
never a pickle). torch is imported only when a model is fitted, loaded or used.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_choice, check_int
from everyvec.errors import EveryvecError, FormatError
from everyvec.nn._params import FIT_PARAMS, Params
from everyvec.nn.batching import SequenceBatches, encode_sequences, pack
from everyvec.nn.saved import load_weights, read_model, write_model
from everyvec.nn.text_input import (
    EOS,
    N_SPECIAL,
    PAD,
    UNK,
    build_vocabulary,
    get_tokenize,
    token_lists,
)
from everyvec.nn.training import (
    FitSettings,
    fit_loop,
    import_torch,
    resolve_device,
    seeded,
    split_rows,
)
from everyvec.vectors.vectors import Vectors

__all__ = ["TextClassifier"]

logger = logging.getLogger(__name__)

FORMAT = "everyvec.text-classifier"
VERSION = 1
_OWNER = "TextClassifier"
_MODEL_PARAMS = ("embedding_dim", "vectors", "freeze", "pooling", "hidden_size", "min_count",
                 "max_len", "tokenizer", "sparse")
_PARAMS = _MODEL_PARAMS + FIT_PARAMS
_DEFAULT_DIM = 64


class TextClassifier(Params):
    """Predict labels of short texts from word embeddings trained on the labels.

    Parameters
    ----------
    embedding_dim
        Size of the word vectors. ``None``: 64, or the dimension of ``vectors``; with
        ``vectors`` it must equal their dimension.
    vectors
        Trained word vectors (:class:`~everyvec.Vectors`, e.g. ``Word2Vec(...).vectors``) to
        initialise the embedding rows of the words they contain. Other words and EOS start
        random (with the pretrained vectors' spread). ``None``: all rows random. UNK (words
        unseen in training or rarer than ``min_count``) always starts at zero.
    freeze
        Keep the embedding table fixed (needs ``vectors``; the whole table is frozen, so
        words missing from ``vectors`` keep their random start). ``False`` fine-tunes it.
    pooling
        ``"mean"``: average the vectors of a text's tokens (EOS included). ``"gru"``: run a
        one-layer GRU over them and use its last hidden state.
    hidden_size
        Width of the GRU (``pooling="gru"`` only).
    min_count
        Words seen fewer times in the training texts are unknown (the UNK row).
    max_len
        Longest text read, in tokens including EOS (longer texts keep their beginning);
        ``None``: no limit.
    tokenizer
        How strings are cut into tokens: a name for :func:`everyvec.text.get_tokenizer`
        (``"english"``: lower-cased regex words) or a callable ``str -> list[str]`` (such a
        model cannot be saved). Texts given as token lists are used as they are.
    sparse
        Sparse embedding gradients, stepped by ``SparseAdam`` (pays off for large
        vocabularies; the embedding then gets no weight decay).
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training, as in :class:`~everyvec.nn.training.FitSettings`. The validation rows are a
        stratified share of the texts; early stopping watches their loss and the best
        epoch's weights are kept.

    Attributes
    ----------
    classes_ : list
        The labels, sorted when they are comparable (else in order of first appearance).
        Column ``j`` of :meth:`predict_proba` is ``classes_[j]``.
    vocabulary_ : everyvec.Vocabulary
        PAD, UNK, EOS, then the training words kept by ``min_count``.
    word_vectors_ : Vectors
        The embedding rows of the vocabulary's words (specials left out), as they are now.
    n_pretrained_ : int or None
        Vocabulary words whose row started from ``vectors`` (None without ``vectors``).
    history_, best_epoch_, rows_per_second_
        What training did (see :class:`~everyvec.nn.training.FitResult`).

    Examples
    --------
    >>> from everyvec.nn.text_classifier import TextClassifier  # doctest: +SKIP
    >>> model = TextClassifier(epochs=5).fit(["i love it", "i hate it"] * 50, [1, 0] * 50)
    >>> model.predict(["love it"])  # doctest: +SKIP
    """

    _param_names = _PARAMS

    def __init__(self, embedding_dim: int | None = None, *, vectors: Vectors | None = None,
                 freeze: bool = False, pooling: str = "mean", hidden_size: int = 64,
                 min_count: int = 1, max_len: int | None = 200,
                 tokenizer: str | Callable[[str], list[str]] = "english", sparse: bool = False,
                 epochs: int = 10, batch_size: int = 64, lr: float = 5e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.1, patience: int = 3,
                 seed: int = 0, device: str = "cpu", progress: bool | None = None) -> None:
        self.embedding_dim = embedding_dim
        self.vectors = vectors
        self.freeze = freeze
        self.pooling = pooling
        self.hidden_size = hidden_size
        self.min_count = min_count
        self.max_len = max_len
        self.tokenizer = tokenizer
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

    # -- parameters ------------------------------------------------------------------------

    def __repr__(self) -> str:
        changed = self._changed_params(skip=("vectors",))
        if self.vectors is not None:
            changed["vectors"] = f"<{len(self.vectors)} vectors>"
        return f"{_OWNER}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _check_params(self) -> None:
        o = _OWNER
        check_int(self.embedding_dim, "embedding_dim", o, minimum=1, allow_none=True)
        if self.vectors is not None and not isinstance(self.vectors, Vectors):
            raise TypeError(f"The 'vectors' parameter of {o} must be everyvec Vectors (e.g. "
                            f"Word2Vec(...).vectors or Vectors.load(path)) or None. Got "
                            f"{type(self.vectors).__name__}.")
        check_bool(self.freeze, "freeze", o)
        check_choice(self.pooling, "pooling", o, ("mean", "gru"))
        check_int(self.hidden_size, "hidden_size", o, minimum=1)
        check_int(self.min_count, "min_count", o, minimum=1)
        check_int(self.max_len, "max_len", o, minimum=2, allow_none=True)
        if not callable(self.tokenizer) and not isinstance(self.tokenizer, str):
            raise TypeError(f"The 'tokenizer' parameter of {o} must be a tokenizer name such "
                            f"as 'english' or a callable str -> list[str]. Got "
                            f"{self.tokenizer!r}.")
        check_bool(self.sparse, "sparse", o)
        self._settings()

    def _dim(self) -> int:
        """The embedding size the parameters ask for (checked against ``vectors``)."""
        if self.vectors is None:
            return self.embedding_dim or _DEFAULT_DIM
        if self.embedding_dim is not None and self.embedding_dim != self.vectors.dim:
            raise ValueError(f"The 'embedding_dim' parameter of {_OWNER} is "
                             f"{self.embedding_dim} but the 'vectors' have dimension "
                             f"{self.vectors.dim}; leave embedding_dim=None to use theirs")
        return self.vectors.dim

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, texts: Sequence[str | Sequence[str]], labels: Any) -> TextClassifier:
        """Learn the vocabulary, the embeddings and the classifier from labelled texts.

        Parameters
        ----------
        texts
            Strings (cut with ``tokenizer``) or token lists, one per example.
        labels
            One label per text: any hashable values (str, int, ...), at least two distinct.
        """
        self._check_params()
        settings = self._settings()
        dim = self._dim()
        if self.freeze and self.vectors is None:
            raise ValueError(f"The 'freeze' parameter of {_OWNER} is True but no 'vectors' "
                             "were given: a frozen random table cannot learn; pass vectors= "
                             "or freeze=False")
        device = resolve_device(self.device, _OWNER)
        tokenize = get_tokenize(self.tokenizer)
        tokens = token_lists(texts, tokenize, f"{_OWNER}.fit")
        classes, y = _encode_labels(labels, len(tokens))
        train_rows, valid_rows = split_rows(len(tokens), settings.validation_fraction,
                                            settings.seed, _OWNER, stratify=y)
        vocab = build_vocabulary([tokens[i] for i in train_rows], self.min_count,
                                 f"{_OWNER}.fit")
        ids = encode_sequences(vocab, tokens, unknown="unk")
        source = _batches(self, [ids[i] for i in train_rows], y[train_rows], settings)
        valid = (_batches(self, [ids[i] for i in valid_rows], y[valid_rows], settings)
                 if len(valid_rows) else None)
        torch = import_torch(_OWNER)
        with seeded(settings.seed, device) as generator:
            net = _build_network(torch, len(vocab), dim, self.pooling, self.hidden_size,
                                 len(classes), self.sparse)
            n_pretrained = _initialise(torch, net, vocab, self.vectors, self.freeze)
            net = net.to(device)
            pooling = self.pooling

            def loss_fn(model: Any, batch: Any) -> Any:
                (batch_ids, lengths), targets = batch
                logits = _forward(model, batch_ids, lengths, pooling)
                return torch.nn.functional.cross_entropy(logits, targets)

            result = fit_loop(net, source, valid, loss_fn, settings, owner=_OWNER,
                              device=device, generator=generator)
        # Fitted state changes only once training succeeded.
        self.n_pretrained_ = n_pretrained
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        self.rows_per_second_ = result.rows_per_second
        self.stopped_early_ = result.stopped_early
        self._install(net, vocab, classes, device)
        return self

    def _install(self, net: Any, vocab: Any, classes: list[Any], device: Any) -> None:
        net.eval()
        self.network_ = net
        self.vocabulary_ = vocab
        self.classes_ = classes
        self._labels = _label_array(classes)
        self._device = device
        # Prediction and save() use the parameters the network was built with.
        self._built_with = {k: v for k, v in self.get_params().items() if k != "vectors"}
        self._built_with["embedding_dim"] = int(net["embedding"].embedding_dim)

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "network_"):
            raise EveryvecError(f"{_OWNER}.{what}: the model is not fitted; call fit() or "
                                f"{_OWNER}.load() first")

    @property
    def word_vectors_(self) -> Vectors:
        """The embedding rows of the vocabulary's words (PAD, UNK and EOS left out)."""
        self._fitted("word_vectors_")
        weight = self.network_["embedding"].weight.detach()
        words = self.vocabulary_.id_to_token[N_SPECIAL:]
        provenance = {"model": _OWNER, **{k: v for k, v in self._built_with.items()
                                          if k not in ("progress", "device", "tokenizer")},
                      "best_epoch": self.best_epoch_}
        if not isinstance(self._built_with["tokenizer"], str):
            provenance["tokenizer"] = repr(self._built_with["tokenizer"])
        else:
            provenance["tokenizer"] = self._built_with["tokenizer"]
        return Vectors.from_torch(weight[N_SPECIAL:], words, provenance=provenance)

    def predict_proba(self, texts: Sequence[str | Sequence[str]]) -> np.ndarray:
        """Class probabilities, ``(n_texts, n_classes)`` float64; columns follow ``classes_``."""
        self._fitted("predict_proba")
        return self._logits(texts, "predict_proba", probabilities=True)

    def predict(self, texts: Sequence[str | Sequence[str]]) -> np.ndarray:
        """The most probable label of each text (a numpy array of ``classes_`` values)."""
        self._fitted("predict")
        logits = self._logits(texts, "predict", probabilities=False)
        return self._labels[np.argmax(logits, axis=1)] if len(logits) else self._labels[:0]

    def score(self, texts: Sequence[str | Sequence[str]], labels: Any) -> float:
        """Accuracy: the share of texts whose predicted label equals the given one."""
        predicted = self.predict(texts)
        truth = _label_values(labels, len(predicted), f"{_OWNER}.score")
        if not truth:
            raise ValueError(f"{_OWNER}.score: no texts to score")
        return float(np.mean([p == t for p, t in zip(predicted.tolist(), truth, strict=True)]))

    def _logits(self, texts: Any, what: str, probabilities: bool) -> np.ndarray:
        torch = import_torch(_OWNER)
        params = self._built_with
        tokens = token_lists(texts, get_tokenize(params["tokenizer"]), f"{_OWNER}.{what}",
                              allow_empty=True)
        n_classes = len(self.classes_)
        out = np.zeros((len(tokens), n_classes), np.float64)
        if not tokens:
            return out
        ids = encode_sequences(self.vocabulary_, tokens, unknown="unk")
        step = max(int(params["batch_size"]), 512)
        source = SequenceBatches(ids, batch_size=step, pad=0, eos=2, max_len=params["max_len"])
        # Rows sorted by length so each batch pads little; results go back to input order.
        order = np.argsort(source.lengths, kind="stable")
        net = self.network_
        net.eval()
        with torch.no_grad():
            for start in range(0, len(order), step):
                rows = order[start:start + step]
                (batch_ids, lengths), _ = source.batch(rows)
                logits = _forward(net, batch_ids.to(self._device), lengths.to(self._device),
                                  params["pooling"])
                if probabilities:
                    logits = torch.softmax(logits, dim=1)
                out[rows] = logits.double().cpu().numpy()
        return out

    # -- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to folder ``path`` atomically (no pickle anywhere).

        The folder holds ``config.json`` (parameters, classes, training history),
        ``vocabulary.txt`` and ``weights/<name>.npy``. ``vectors`` is not stored: the
        embedding weights already hold what training made of them.
        """
        self._fitted("save")
        params = dict(self._built_with)
        if not isinstance(params["tokenizer"], str):
            raise TypeError(f"{_OWNER}.save: the model was fitted with a callable tokenizer "
                            f"({params['tokenizer']!r}), which cannot be saved without "
                            "pickle; fit with a tokenizer name, or pass token lists")
        classes = []
        for label in self.classes_:
            if not isinstance(label, (str, int, float, bool)):
                raise TypeError(f"{_OWNER}.save: label {label!r} "
                                f"({type(label).__name__}) cannot be stored in JSON; labels "
                                "must be str, int, float or bool to save a model")
            classes.append(label)
        config = {"params": params, "classes": classes, "n_vocabulary": len(self.vocabulary_),
                  "n_pretrained": self.n_pretrained_, "history": self.history_,
                  "best_epoch": self.best_epoch_, "rows_per_second": self.rows_per_second_,
                  "stopped_early": self.stopped_early_}
        return write_model(path, format=FORMAT, version=VERSION, config=config,
                           state=self.network_.state_dict(),
                           write_extra=lambda tmp: self.vocabulary_.save(tmp / "vocabulary.txt"))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> TextClassifier:
        """A model saved by :meth:`save`, on ``device``."""
        return _read_model(cls, Path(path), device)


# -- helpers ---------------------------------------------------------------------------------

def _label_values(labels: Any, n: int, where: str) -> list[Any]:
    """Labels as a list of plain Python values (numpy scalars unwrapped), one per text."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise TypeError(f"{where}: labels must be a list or array with one label per text; "
                        f"got {type(labels).__name__}")
    values = [v.item() if isinstance(v, np.generic) else v for v in labels]
    if len(values) != n:
        raise ValueError(f"{where}: {n} texts but {len(values)} labels; give one label per "
                         "text")
    for number, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            raise ValueError(f"{where}: the label of text {number} is missing ({value!r})")
        try:
            hash(value)
        except TypeError:
            raise TypeError(f"{where}: the label of text {number} ({value!r}) is not "
                            "hashable; labels must be values such as str or int") from None
    return values


def _encode_labels(labels: Any, n: int) -> tuple[list[Any], np.ndarray]:
    """``(classes, class index per text)``."""
    values = _label_values(labels, n, f"{_OWNER}.fit")
    distinct = list(dict.fromkeys(values))
    try:
        classes = sorted(distinct)
    except TypeError:  # labels of mixed types keep their order of first appearance
        classes = distinct
    if len(classes) < 2:
        raise ValueError(f"{_OWNER}.fit: every text has the label {classes[0]!r}; a "
                         "classifier needs at least two classes")
    index = {c: i for i, c in enumerate(classes)}
    return classes, np.array([index[v] for v in values], dtype=np.int64)


def _label_array(classes: list[Any]) -> np.ndarray:
    """``classes`` as an array that predictions index into, keeping the labels' type."""
    if len({type(c) for c in classes}) == 1 and isinstance(classes[0], (str, int, float, bool)):
        return np.asarray(classes)
    array = np.empty(len(classes), dtype=object)
    array[:] = classes
    return array


def _batches(model: TextClassifier, ids: list[np.ndarray], y: np.ndarray,
             settings: FitSettings) -> SequenceBatches:
    return SequenceBatches(ids, y, batch_size=settings.batch_size, pad=0, eos=2,
                           max_len=model.max_len)


def _build_network(torch: Any, n_vocab: int, dim: int, pooling: str, hidden_size: int,
                   n_classes: int, sparse: bool) -> Any:
    """Embedding (PAD = row 0, zeros, no gradient), optional GRU, linear head."""
    nn = torch.nn
    layers = {"embedding": nn.Embedding(n_vocab, dim, padding_idx=0, sparse=sparse)}
    width = dim
    if pooling == "gru":
        layers["gru"] = nn.GRU(dim, hidden_size, batch_first=True)
        width = hidden_size
    layers["head"] = nn.Linear(width, n_classes)
    return nn.ModuleDict(layers)


def _initialise(torch: Any, net: Any, vocab: Any, vectors: Vectors | None,
                freeze: bool) -> int | None:
    """Copy pretrained rows into the embedding; return how many words had one.

    UNK starts at zero: with ``min_count=1`` no training token maps to it, so it would keep
    a random start and throw every unseen word of a new text in a random direction; zero
    makes an unseen word only dilute the mean (it still learns from rare words).
    """
    embedding = net["embedding"]
    if vectors is None:
        with torch.no_grad():
            embedding.weight[1].zero_()
        return None
    words = vocab.id_to_token
    found = [(i, vectors.key_to_index[w]) for i, w in enumerate(words)
             if i >= N_SPECIAL and w in vectors.key_to_index]
    matrix = np.asarray(vectors.matrix, dtype=np.float32)
    spread = float(matrix.std()) if matrix.size else 1.0
    with torch.no_grad():
        embedding.weight.normal_(0.0, spread if spread > 0 else 1.0)
        if found:
            rows, source = (np.array(x, dtype=np.int64) for x in zip(*found, strict=True))
            embedding.weight[torch.from_numpy(rows)] = torch.from_numpy(matrix[source])
        embedding.weight[:2].zero_()  # PAD and UNK
    embedding.weight.requires_grad_(not freeze)
    share = len(found) / max(len(words) - N_SPECIAL, 1)
    if share < 0.5:
        logger.warning("%s: only %d of %d vocabulary words (%.0f%%) have a pretrained vector; "
                       "the rest start random%s", _OWNER, len(found), len(words) - N_SPECIAL,
                       100 * share, " and stay random (freeze=True)" if freeze else "")
    return len(found)


def _forward(net: Any, ids: Any, lengths: Any, pooling: str) -> Any:
    """Logits ``(B, n_classes)`` of a padded batch."""
    embedded = net["embedding"](ids)
    if pooling == "gru":
        _, hidden = net["gru"](pack(embedded, lengths))
        features = hidden[-1]
    else:
        # Masked mean: PAD positions are left out explicitly (not only by the zero PAD row).
        positions = import_torch(_OWNER).arange(ids.shape[1], device=ids.device)
        mask = (positions[None, :] < lengths[:, None]).unsqueeze(-1).to(embedded.dtype)
        features = (embedded * mask).sum(dim=1) / lengths[:, None].clamp(min=1).to(
            embedded.dtype)
    return net["head"](features)


def _read_model(cls: type[TextClassifier], path: Path, device: str) -> TextClassifier:
    """Rebuild a saved model; every file is checked against the config before use."""
    from everyvec.vocab import Vocabulary

    saved = read_model(path, format=FORMAT, version=VERSION, owner=_OWNER)
    config, config_path = saved.config, path / "config.json"
    try:
        params = dict(config["params"])
        classes = list(config["classes"])
        n_vocab = int(config["n_vocabulary"])
        history, best_epoch = list(config["history"]), int(config["best_epoch"])
        rows_per_second = float(config["rows_per_second"])
        stopped_early = bool(config["stopped_early"])
        n_pretrained = config["n_pretrained"]
        cls._check_saved_params(params)
        if len(classes) < 2:
            raise ValueError("fewer than two classes")
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"config is incomplete or malformed ({exc})",
                          path=config_path) from None
    params["device"] = device
    model = cls(**params)
    model._check_params()
    torch = import_torch(_OWNER)
    torch_device = resolve_device(device, _OWNER)
    vocab = Vocabulary.load(path / "vocabulary.txt")
    if len(vocab) != n_vocab or vocab.id_to_token[:N_SPECIAL] != (PAD, UNK, EOS):
        raise FormatError(f"expected {n_vocab} tokens starting with {PAD}, {UNK}, {EOS}",
                          path=path / "vocabulary.txt")
    net = _build_network(torch, n_vocab, int(params["embedding_dim"]), params["pooling"],
                         int(params["hidden_size"]), len(classes), bool(params["sparse"]))
    load_weights(net, saved)
    if params["freeze"]:
        net["embedding"].weight.requires_grad_(False)
    model.n_pretrained_ = n_pretrained
    model.history_, model.best_epoch_ = history, best_epoch
    model.rows_per_second_ = rows_per_second
    model.stopped_early_ = stopped_early
    model._install(net.to(torch_device), vocab, classes, torch_device)
    return model
