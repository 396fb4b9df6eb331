"""A word-level recurrent language model whose final hidden state embeds a sentence (SPEC §5).

:class:`RNNLanguageModel` learns to predict each word of a sentence from the words before
it with an LSTM or GRU. To do that well its hidden state has to carry what the sentence has
said so far, so the state after the last word is a sentence embedding (seed 001):
:meth:`~RNNLanguageModel.encode` returns it. How well the model predicts is its perplexity,
``exp`` of the mean cross-entropy per predicted token (:meth:`~RNNLanguageModel.perplexity`).

Sentences are tokenised (or given as token lists), mapped to a vocabulary built on the
training sentences (PAD = 0, UNK = 1 for words rarer than ``min_count``, EOS = 2), ended with
EOS and batched in length buckets (:mod:`everyvec.nn.batching`). The RNN reads packed
sequences and the softmax runs over real positions only, so padding costs nothing; training
goes through :func:`everyvec.nn.training.fit_loop` (early stopping on the validation
perplexity, seeds, progress, CPU or CUDA). A fitted model saves to a folder of JSON and
``.npy`` files (never a pickle); torch is imported only when a model is fitted or used.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_choice, check_float, check_fraction, check_int
from everyvec.errors import EveryvecError, FormatError
from everyvec.nn import _lm_network as net_ops
from everyvec.nn._params import FIT_PARAMS, Params
from everyvec.nn.batching import SequenceBatches, encode_sequences
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
    fit_loop,
    import_torch,
    make_optimizer,
    resolve_device,
    seeded,
    split_rows,
)
from everyvec.vectors.vectors import Vectors

__all__ = ["RNNLanguageModel"]

FORMAT = "everyvec.rnn_lm"
VERSION = 1
_OWNER = "RNNLanguageModel"
_MODEL_PARAMS = ("cell", "embedding_dim", "hidden_size", "num_layers", "dropout", "tie_weights",
                 "grad_clip", "min_count", "max_len", "tokenizer")
_PARAMS = _MODEL_PARAMS + FIT_PARAMS
Texts = Sequence[str | Sequence[str]]


class RNNLanguageModel(Params):
    """Predict the next word with an LSTM or GRU; embed sentences with its final state.

    Parameters
    ----------
    cell
        ``"lstm"`` or ``"gru"``.
    embedding_dim
        Size of the input word vectors; ``None``: ``hidden_size``.
    hidden_size
        Width of every recurrent layer, and of the sentence vectors :meth:`encode` returns.
    num_layers
        Stacked recurrent layers (the sentence vector is the top layer's state).
    dropout
        Dropout rate on the embeddings, between stacked layers and before the softmax.
    tie_weights
        Share one matrix between the input embedding and the softmax layer (Press & Wolf,
        2017): fewer parameters and usually a lower perplexity. Needs ``embedding_dim`` equal
        to ``hidden_size``.
    grad_clip
        Largest L2 norm of the gradient per step (larger ones are scaled down); ``None``: no
        clipping.
    min_count
        Words seen fewer times in the training sentences become UNK (the model predicts and
        reads UNK like a word).
    max_len
        Longest sentence read, in tokens including EOS; a longer one keeps its first
        ``max_len - 1`` words (and still ends with EOS). ``None``: no limit.
    tokenizer
        A name for :func:`everyvec.text.get_tokenizer` (``"english"``: lower-cased regex
        words) or a callable ``str -> list[str]`` (such a model cannot be saved). Token
        lists are used as they are.
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training, as in :class:`~everyvec.nn.training.FitSettings`; ``batch_size`` counts
        sentences. Early stopping watches the validation sentences' perplexity and the best
        epoch's weights are kept.

    Attributes
    ----------
    vocabulary_ : everyvec.Vocabulary
        PAD, UNK, EOS, then the training words kept by ``min_count``.
    perplexity_ : float
        Perplexity on the validation sentences (on the training sentences without them).
    history_ : list of dict
        One record per epoch: ``loss`` and ``validation_loss`` are mean cross-entropies per
        token (nats; ``exp`` gives the perplexity), ``rows_per_second`` counts sentences and
        ``tokens_per_second`` predicted tokens.
    best_epoch_, rows_per_second_, tokens_per_second_
        The epoch whose weights the model holds; training sentences and tokens per second.
    word_vectors_ : Vectors
        The input embedding rows of the vocabulary's words (specials left out).

    Notes
    -----
    A sentence ``w1 .. wn`` is read as ``EOS w1 .. wn`` (EOS doubles as the start token) and
    predicts ``w1 .. wn EOS``: n + 1 predictions, the end of the sentence included, and
    UNK predicted like any word. Perplexities are therefore comparable only between models
    sharing a vocabulary and a tokenizer.

    Examples
    --------
    >>> from everyvec.nn.language_model import RNNLanguageModel  # doctest: +SKIP
    >>> lm = RNNLanguageModel(hidden_size=32, epochs=5).fit(["the cat sat down"] * 100)
    >>> lm.next_words("the cat", k=1)  # doctest: +SKIP
    [('sat', 0.99...)]
    """

    _param_names = _PARAMS

    def __init__(self, cell: str = "lstm", *, embedding_dim: int | None = None,
                 hidden_size: int = 128, num_layers: int = 1, dropout: float = 0.0,
                 tie_weights: bool = False, grad_clip: float | None = 1.0, min_count: int = 1,
                 max_len: int | None = 100, tokenizer: str | Callable[[str], list[str]] = "english",
                 epochs: int = 10, batch_size: int = 64, lr: float = 3e-3,
                 weight_decay: float = 0.0, validation_fraction: float = 0.1, patience: int = 2,
                 seed: int = 0, device: str = "cpu", progress: bool | None = None) -> None:
        self.cell = cell
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.tie_weights = tie_weights
        self.grad_clip = grad_clip
        self.min_count = min_count
        self.max_len = max_len
        self.tokenizer = tokenizer
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

    def _check_params(self) -> int:
        """Check every parameter; return the embedding size."""
        o = _OWNER
        check_choice(self.cell, "cell", o, ("lstm", "gru"))
        check_int(self.embedding_dim, "embedding_dim", o, minimum=1, allow_none=True)
        check_int(self.hidden_size, "hidden_size", o, minimum=1)
        check_int(self.num_layers, "num_layers", o, minimum=1)
        check_fraction(self.dropout, "dropout", o)
        check_bool(self.tie_weights, "tie_weights", o)
        if self.grad_clip is not None and check_float(self.grad_clip, "grad_clip", o,
                                                      minimum=0.0) == 0.0:
            raise ValueError(f"The 'grad_clip' parameter of {o} must be > 0 or None. Got "
                             f"{self.grad_clip!r}.")
        check_int(self.min_count, "min_count", o, minimum=1)
        check_int(self.max_len, "max_len", o, minimum=2, allow_none=True)
        if not callable(self.tokenizer) and not isinstance(self.tokenizer, str):
            raise TypeError(f"The 'tokenizer' parameter of {o} must be a tokenizer name such "
                            f"as 'english' or a callable str -> list[str]. Got "
                            f"{self.tokenizer!r}.")
        self._settings()
        dim = self.hidden_size if self.embedding_dim is None else self.embedding_dim
        if self.tie_weights and dim != self.hidden_size:
            raise ValueError(f"The 'tie_weights' parameter of {o} is True but embedding_dim="
                             f"{dim} differs from hidden_size={self.hidden_size}: the shared "
                             "matrix is both the input embedding and the softmax layer over "
                             "hidden states, so the sizes must match (leave embedding_dim="
                             "None, or tie_weights=False)")
        return dim

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, texts: Texts) -> RNNLanguageModel:
        """Learn the vocabulary and the network from sentences.

        Parameters
        ----------
        texts
            Strings (cut with ``tokenizer``) or token lists, one sentence (or line) each.
        """
        dim = self._check_params()
        settings = self._settings()
        device = resolve_device(self.device, _OWNER)
        tokens = token_lists(texts, get_tokenize(self.tokenizer), f"{_OWNER}.fit")
        train_rows, valid_rows = split_rows(len(tokens), settings.validation_fraction,
                                            settings.seed, _OWNER)
        vocab = build_vocabulary([tokens[i] for i in train_rows], self.min_count,
                                 f"{_OWNER}.fit")
        ids = encode_sequences(vocab, tokens, unknown="unk")
        train = net_ops.TokenBatches(self._batches([ids[i] for i in train_rows],
                                                   settings.batch_size))
        valid = (net_ops.TokenBatches(self._batches([ids[i] for i in valid_rows],
                                                    settings.batch_size))
                 if len(valid_rows) else None)
        torch = import_torch(_OWNER)
        with seeded(settings.seed, device) as generator:
            net = net_ops.build_network(torch, len(vocab), dim, self.hidden_size, self.cell,
                                        self.num_layers, self.dropout, self.tie_weights)
            net = net.to(device)
            optimizer = make_optimizer(net, settings.lr, settings.weight_decay)
            if self.grad_clip is not None:
                optimizer = net_ops.ClippedOptimizer(optimizer, list(net.parameters()),
                                                     float(self.grad_clip))

            def loss_fn(model: Any, batch: Any) -> Any:
                batch_ids, lengths = batch
                return net_ops.token_losses(model, batch_ids, lengths, "mean")

            result = fit_loop(net, train, valid, loss_fn, settings, owner=_OWNER,
                              device=device, generator=generator, optimizer=optimizer)
        # fit_loop counted tokens as its rows; give both rates under their own names.
        per_sentence = train.n_sentences / train.n_rows
        history = []
        for record in result.history:
            record = dict(record)
            record["tokens_per_second"] = record["rows_per_second"]
            record["rows_per_second"] *= per_sentence
            history.append(record)
        # Fitted state changes only once training succeeded.
        self.history_, self.best_epoch_ = history, result.best_epoch
        self.tokens_per_second_ = result.rows_per_second
        self.rows_per_second_ = result.rows_per_second * per_sentence
        self.stopped_early_ = result.stopped_early
        self._install(net, vocab, device, dim)
        if valid is not None:
            self.perplexity_ = math.exp(history[result.best_epoch - 1]["validation_loss"])
        else:
            self.perplexity_ = self._perplexity_of([ids[i] for i in train_rows])
        return self

    def _batches(self, ids: list[np.ndarray], batch_size: int) -> SequenceBatches:
        return SequenceBatches(ids, batch_size=batch_size, pad=0, eos=2, max_len=self.max_len)

    def _install(self, net: Any, vocab: Any, device: Any, dim: int) -> None:
        net.eval()
        self.network_ = net
        self.vocabulary_ = vocab
        self._device = device
        # Using and saving the model follow the parameters the network was built with.
        self._built_with = self.get_params()
        self._built_with["embedding_dim"] = dim

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "network_"):
            raise EveryvecError(f"{_OWNER}.{what}: the model is not fitted; call fit() or "
                                f"{_OWNER}.load() first")

    def _ids(self, texts: Any, what: str) -> SequenceBatches:
        """Texts → EOS-ended id rows (cut to ``max_len``), as a SequenceBatches to gather."""
        params = self._built_with
        tokens = token_lists(texts, get_tokenize(params["tokenizer"]), f"{_OWNER}.{what}",
                             allow_empty=True)
        ids = encode_sequences(self.vocabulary_, tokens, unknown="unk")
        return SequenceBatches(ids, batch_size=1, pad=0, eos=2, max_len=params["max_len"])

    def _groups(self, source: SequenceBatches, batch_size: int | None) -> list[np.ndarray]:
        rows = int(batch_size or max(int(self._built_with["batch_size"]), 256))
        return net_ops.eval_groups(source.lengths, rows)

    def perplexity(self, texts: Texts, *, batch_size: int | None = None) -> float:
        """``exp`` of the mean cross-entropy per predicted token over all ``texts``.

        Every sentence counts its words and its end (EOS) as predictions; words outside the
        vocabulary are UNK, predicted like a word. ``batch_size``: sentences per forward pass
        (default: at least 256); it changes speed and memory, not the result.
        """
        self._fitted("perplexity")
        check_int(batch_size, "batch_size", f"{_OWNER}.perplexity", minimum=1, allow_none=True)
        source = self._ids(texts, "perplexity")
        if source.n_rows == 0:
            raise ValueError(f"{_OWNER}.perplexity: no texts were given")
        return self._perplexity_source(source, batch_size)

    def _perplexity_of(self, ids: list[np.ndarray]) -> float:
        source = SequenceBatches(ids, batch_size=1, pad=0, eos=2,
                                 max_len=self._built_with["max_len"])
        return self._perplexity_source(source, None)

    def _perplexity_source(self, source: SequenceBatches, batch_size: int | None) -> float:
        torch = import_torch(_OWNER)
        total = 0.0
        with torch.no_grad():
            for rows in self._groups(source, batch_size):
                (ids, lengths), _ = source.batch(rows)
                total += float(net_ops.token_losses(self.network_, ids.to(self._device),
                                                    lengths.to(self._device), "sum"))
        return math.exp(total / int(source.lengths.sum()))

    def encode(self, texts: Texts, *, batch_size: int | None = None) -> np.ndarray:
        """Sentence vectors: the top layer's hidden state after the last word.

        Parameters
        ----------
        texts
            Strings or token lists. An empty text gets the state after the start token.
        batch_size
            Sentences per forward pass (default: at least 256). Sentences are batched by
            length and returned in input order; the result does not depend on it.

        Returns
        -------
        numpy.ndarray
            ``(len(texts), hidden_size)`` float32.
        """
        self._fitted("encode")
        check_int(batch_size, "batch_size", f"{_OWNER}.encode", minimum=1, allow_none=True)
        torch = import_torch(_OWNER)
        source = self._ids(texts, "encode")
        out = np.zeros((source.n_rows, int(self._built_with["hidden_size"])), np.float32)
        with torch.no_grad():
            for rows in self._groups(source, batch_size):
                (ids, lengths), _ = source.batch(rows)
                _, hidden = net_ops.run(self.network_, ids.to(self._device),
                                        lengths.to(self._device))
                out[rows] = hidden[-1].float().cpu().numpy()
        return out

    def to_vectors(self, texts: Texts, keys: Sequence[str] | None = None) -> Vectors:
        """:meth:`encode` as :class:`~everyvec.Vectors` keyed by the texts (token lists are
        joined with spaces) or by ``keys``; keys must be distinct."""
        if keys is None:
            keys = [t if isinstance(t, str) else " ".join(t) for t in texts]
        keys = list(keys)
        vectors = self.encode(texts)
        if len(keys) != len(vectors):
            raise ValueError(f"{_OWNER}.to_vectors: {len(vectors)} texts but {len(keys)} keys; "
                             "give one key per text")
        return Vectors(keys, vectors, provenance={**self._provenance(),
                                                  "what": "final hidden state"})

    def next_words(self, text: str | Sequence[str], k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable next tokens after ``text`` with their probabilities.

        ``"<eos>"`` stands for the end of the sentence and ``"<unk>"`` for a rare word.
        """
        self._fitted("next_words")
        k = check_int(k, "k", f"{_OWNER}.next_words", minimum=1)
        torch = import_torch(_OWNER)
        tokens = token_lists([text], get_tokenize(self._built_with["tokenizer"]),
                             f"{_OWNER}.next_words")[0]
        ids = self.vocabulary_.encode(tokens, unknown="unk")
        inputs = torch.as_tensor(np.concatenate([[net_ops.START], ids]).astype(np.int64))
        with torch.no_grad():
            embedded = self.network_["embedding"](inputs[None].to(self._device))
            output, _ = self.network_["rnn"](embedded)
            probs = torch.softmax(net_ops.logits(self.network_, output[0, -1]), dim=0)
        probs[0] = -1.0  # PAD is never a prediction
        top = torch.topk(probs, min(k, len(probs) - 1))
        words = self.vocabulary_.id_to_token
        return [(words[int(i)], float(p)) for p, i in zip(top.values, top.indices, strict=True)]

    def _provenance(self) -> dict[str, Any]:
        params = {k: v for k, v in self._built_with.items() if k not in ("progress", "device")}
        if not isinstance(params["tokenizer"], str):
            params["tokenizer"] = repr(params["tokenizer"])
        return {"model": _OWNER, **params, "best_epoch": self.best_epoch_}

    @property
    def word_vectors_(self) -> Vectors:
        """The input embedding rows of the vocabulary's words (PAD, UNK and EOS left out)."""
        self._fitted("word_vectors_")
        weight = self.network_["embedding"].weight.detach()
        return Vectors.from_torch(weight[N_SPECIAL:], self.vocabulary_.id_to_token[N_SPECIAL:],
                                  provenance=self._provenance())

    # -- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to folder ``path`` atomically (no pickle anywhere):
        ``config.json`` (parameters, training history), ``vocabulary.txt`` and
        ``weights/<name>.npy`` (a tied matrix is stored once)."""
        self._fitted("save")
        params = dict(self._built_with)
        if not isinstance(params["tokenizer"], str):
            raise TypeError(f"{_OWNER}.save: the model was fitted with a callable tokenizer "
                            f"({params['tokenizer']!r}), which cannot be saved without "
                            "pickle; fit with a tokenizer name, or pass token lists")
        config = {"params": params, "n_vocabulary": len(self.vocabulary_),
                  "history": self.history_, "best_epoch": self.best_epoch_,
                  "rows_per_second": self.rows_per_second_,
                  "tokens_per_second": self.tokens_per_second_,
                  "perplexity": self.perplexity_, "stopped_early": self.stopped_early_}
        return write_model(path, format=FORMAT, version=VERSION, config=config,
                           state=self.network_.state_dict(),
                           write_extra=lambda tmp: self.vocabulary_.save(tmp / "vocabulary.txt"))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> RNNLanguageModel:
        """A model saved by :meth:`save`, on ``device``."""
        from everyvec.vocab import Vocabulary

        path = Path(path)
        saved = read_model(path, format=FORMAT, version=VERSION, owner=_OWNER)
        config, config_path = saved.config, path / "config.json"
        try:
            params = dict(config["params"])
            n_vocab = int(config["n_vocabulary"])
            fitted = {"history_": list(config["history"]),
                      "best_epoch_": int(config["best_epoch"]),
                      "rows_per_second_": float(config["rows_per_second"]),
                      "tokens_per_second_": float(config["tokens_per_second"]),
                      "perplexity_": float(config["perplexity"]),
                      "stopped_early_": bool(config["stopped_early"])}
            cls._check_saved_params(params)
            params["device"] = device
            model = cls(**params)
            dim = model._check_params()
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"config is incomplete or malformed ({exc})",
                              path=config_path) from None
        torch = import_torch(_OWNER)
        torch_device = resolve_device(device, _OWNER)
        vocab = Vocabulary.load(path / "vocabulary.txt")
        if len(vocab) != n_vocab or vocab.id_to_token[:N_SPECIAL] != (PAD, UNK, EOS):
            raise FormatError(f"expected {n_vocab} tokens starting with {PAD}, {UNK}, {EOS}",
                              path=path / "vocabulary.txt")
        net = net_ops.build_network(torch, n_vocab, dim, model.hidden_size, model.cell,
                                    model.num_layers, model.dropout, model.tie_weights)
        load_weights(net, saved)
        for name, value in fitted.items():
            setattr(model, name, value)
        model._install(net.to(torch_device), vocab, torch_device, dim)
        return model
