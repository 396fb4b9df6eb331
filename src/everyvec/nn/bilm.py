"""An ELMo-style bidirectional language model: contextual word vectors from LSTM layers (SPEC §5).

A word's vector should depend on its sentence: "bank" by a river and "bank" lending money are
one row of a word2vec table, but two different states of a language model that has read the
words around them. :class:`BiLanguageModel` follows ELMo (Peters et al. 2018; seed 003):

* a **forward** LSTM LM predicts each word from the words before it, a **backward** LSTM LM
  predicts it from the words after it; the two stacks are separate but **share the token
  embedding and the softmax layer**, and training minimises the sum of both directions'
  negative log-likelihoods (here: their mean per predicted token; padding never counts);
* an ``L``-layer biLM gives each token ``2L + 1`` representations — the token embedding
  ``x`` and the forward and backward state of each layer. As in ELMo they are arranged as
  ``L + 1`` layers of width ``2D``: layer 0 is ``[x; x]`` (ELMo duplicates its char-CNN
  layer the same way), layer ``j`` is ``[→h_j; ←h_j]``
  (:meth:`BiLanguageModel.representations`);
* a downstream task mixes them with softmax-normalised weights and a scale,
  ``ELMo_k = γ · Σ_j softmax(s)_j · h_{k,j}`` (:class:`ScalarMix`, a ``torch.nn.Module``
  for your own model; :class:`TokenTagger` learns ``s``, ``γ`` and a linear head for a
  token-level task on the frozen biLM). :meth:`BiLanguageModel.contextual_vectors` applies a
  fixed mix.

Simplification: ELMo reads characters through a CNN, so any word gets a vector; this model is
word level (unknown words share the UNK row). The LSTMs project their cells to the embedding
width (``proj_size``, ELMo's LSTMP), which keeps every layer ``D`` wide so one softmax serves
both stacks; layers from the second on add a residual connection, as ELMo does.

torch is imported when a model is fitted, loaded or used; ``ScalarMix`` is resolved on first
access (``from everyvec.nn.bilm import ScalarMix`` imports torch).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._checks import check_float, check_fraction, check_int
from everyvec.errors import EveryvecError, FormatError
from everyvec.nn._bilm_tagger import TokenTagger
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
    resolve_device,
    seeded,
    split_rows,
)
from everyvec.vectors.vectors import Vectors

if TYPE_CHECKING:  # pragma: no cover - resolved lazily by __getattr__ below
    from everyvec.nn._bilm_net import ScalarMix

__all__ = ["BiLanguageModel", "ScalarMix", "TokenTagger"]

FORMAT = "everyvec.bilm"
VERSION = 1
_OWNER = "BiLanguageModel"
_MODEL_PARAMS = ("embedding_dim", "hidden_size", "num_layers", "dropout", "min_count",
                 "max_len", "tokenizer")
_PARAMS = _MODEL_PARAMS + FIT_PARAMS
_TextsArg = Sequence[str | Sequence[str]]


def __getattr__(name: str) -> Any:
    # ScalarMix subclasses torch.nn.Module: resolving it imports torch, so only on demand.
    if name == "ScalarMix":
        import_torch("ScalarMix")
        from everyvec.nn._bilm_net import ScalarMix

        return ScalarMix
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BiLanguageModel(Params):
    """Forward and backward LSTM language models with a shared embedding and softmax (ELMo).

    Parameters
    ----------
    embedding_dim
        ``D``: width of the token embedding and of each direction's layer outputs (a
        representation layer is ``2D`` wide).
    hidden_size
        LSTM cells per layer and direction (>= ``embedding_dim``); when larger, the cell
        output is projected to ``D`` inside the recurrence, as ELMo's LSTMP does.
    num_layers
        ``L``: LSTM layers per direction.
    dropout
        Dropout on the embedding, between layers and before the softmax (training only).
    min_count
        Words seen fewer times in the training texts are unknown (the UNK row).
    max_len
        Longest sentence read in training, in tokens including the end marker (longer ones
        keep their beginning); ``None``: no limit. :meth:`representations` never cuts.
    tokenizer
        A tokenizer name for :func:`everyvec.text.get_tokenizer` (``"english"``) or a
        callable ``str -> list[str]`` (such a model cannot be saved). Token lists are used
        as they are.
    epochs, batch_size, lr, weight_decay, validation_fraction, patience, seed, device, progress
        Training, as in :class:`~everyvec.nn.training.FitSettings` (rows are sentences;
        early stopping watches the held-out sentences' loss).

    Attributes
    ----------
    vocabulary_ : everyvec.Vocabulary
        PAD, UNK, EOS (which marks both sentence ends), then the training words.
    network_ : torch.nn.Module
        The biLM (``embedding``, ``forward_layers``, ``backward_layers``, ``softmax``).
    n_layers_, representation_dim_ : int
        ``L + 1`` mixable layers per token, each ``2D`` wide.
    word_vectors_ : Vectors
        The context-free token embeddings (layer 0) of the vocabulary's words.
    history_, best_epoch_, rows_per_second_, stopped_early_
        What training did (see :class:`~everyvec.nn.training.FitResult`); losses are mean
        nats per predicted token, both directions averaged.

    Examples
    --------
    >>> from everyvec.nn.bilm import BiLanguageModel  # doctest: +SKIP
    >>> lm = BiLanguageModel(32, hidden_size=64, epochs=5).fit(sentences)  # doctest: +SKIP
    >>> [r.shape for r in lm.representations(["the bank of the river"])]  # doctest: +SKIP
    [(5, 3, 64)]
    """

    _param_names = _PARAMS

    def __init__(self, embedding_dim: int = 64, *, hidden_size: int = 256, num_layers: int = 2,
                 dropout: float = 0.1, min_count: int = 1, max_len: int | None = 100,
                 tokenizer: str | Callable[[str], list[str]] = "english", epochs: int = 10,
                 batch_size: int = 32, lr: float = 2e-3, weight_decay: float = 0.0,
                 validation_fraction: float = 0.1, patience: int = 3, seed: int = 0,
                 device: str = "cpu", progress: bool | None = None) -> None:
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
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

    def _check_params(self) -> None:
        o = _OWNER
        dim = check_int(self.embedding_dim, "embedding_dim", o, minimum=1)
        check_int(self.hidden_size, "hidden_size", o, minimum=1)
        if self.hidden_size < dim:
            raise ValueError(f"The 'hidden_size' parameter of {o} must be >= embedding_dim "
                             f"({dim}): each LSTM projects its cells down to the embedding "
                             f"width. Got {self.hidden_size!r}.")
        check_int(self.num_layers, "num_layers", o, minimum=1)
        check_fraction(self.dropout, "dropout", o)
        check_int(self.min_count, "min_count", o, minimum=1)
        check_int(self.max_len, "max_len", o, minimum=2, allow_none=True)
        if not callable(self.tokenizer) and not isinstance(self.tokenizer, str):
            raise TypeError(f"The 'tokenizer' parameter of {o} must be a tokenizer name such "
                            f"as 'english' or a callable str -> list[str]. Got "
                            f"{self.tokenizer!r}.")
        self._settings()

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, texts: _TextsArg) -> BiLanguageModel:
        """Learn the vocabulary and both language models from sentences.

        Parameters
        ----------
        texts
            Strings (cut with ``tokenizer``) or token lists, one sentence each.
        """
        self._check_params()
        settings = self._settings()
        device = resolve_device(self.device, _OWNER)
        tokens = token_lists(texts, get_tokenize(self.tokenizer), f"{_OWNER}.fit")
        train_rows, valid_rows = split_rows(len(tokens), settings.validation_fraction,
                                            settings.seed, _OWNER)
        vocab = build_vocabulary([tokens[i] for i in train_rows], self.min_count,
                                 f"{_OWNER}.fit")
        ids = encode_sequences(vocab, tokens, unknown="unk")

        def source(rows: np.ndarray) -> SequenceBatches:
            return SequenceBatches([ids[i] for i in rows], batch_size=settings.batch_size,
                                   pad=0, eos=2, max_len=self.max_len)

        train = source(train_rows)
        valid = source(valid_rows) if len(valid_rows) else None
        import_torch(_OWNER)
        from everyvec.nn._bilm_net import BiLMNetwork

        with seeded(settings.seed, device) as generator:
            net = BiLMNetwork(len(vocab), self.embedding_dim, self.hidden_size,
                              self.num_layers, self.dropout).to(device)

            def loss_fn(model: Any, batch: Any) -> Any:
                (batch_ids, lengths), _ = batch
                forward, backward, n = model.token_losses(batch_ids, lengths)
                return (forward + backward) / (2 * n)

            result = fit_loop(net, train, valid, loss_fn, settings, owner=_OWNER,
                              device=device, generator=generator)
        # Fitted state changes only once training succeeded.
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        self.rows_per_second_ = result.rows_per_second
        self.stopped_early_ = result.stopped_early
        self._install(net, vocab, device)
        return self

    def _install(self, net: Any, vocab: Any, device: Any) -> None:
        net.eval()
        self.network_ = net
        self.vocabulary_ = vocab
        self._device = device
        # Inference and save() use the parameters the network was built with.
        self._built_with = self.get_params()
        self.n_layers_ = int(self._built_with["num_layers"]) + 1
        self.representation_dim_ = 2 * int(self._built_with["embedding_dim"])

    # -- using it --------------------------------------------------------------------------

    def _fitted(self, what: str) -> None:
        if not hasattr(self, "network_"):
            raise EveryvecError(f"{_OWNER}.{what}: the model is not fitted; call fit() or "
                                f"{_OWNER}.load() first")

    def tokenize(self, texts: _TextsArg) -> list[list[str]]:
        """The tokens the model reads for each text (what :meth:`representations` rows
        align with); token lists pass unchanged."""
        self._fitted("tokenize")
        return token_lists(texts, get_tokenize(self._built_with["tokenizer"]),
                           f"{_OWNER}.tokenize", allow_empty=True)

    @property
    def word_vectors_(self) -> Vectors:
        """The context-free token embeddings of the vocabulary's words (specials left out)."""
        self._fitted("word_vectors_")
        weight = self.network_.embedding.weight.detach()
        provenance = {"model": _OWNER, "layer": 0, "best_epoch": self.best_epoch_,
                      **{k: v for k, v in self._built_with.items()
                         if k in _MODEL_PARAMS and k != "tokenizer"}}
        provenance["tokenizer"] = (self._built_with["tokenizer"] if isinstance(
            self._built_with["tokenizer"], str) else repr(self._built_with["tokenizer"]))
        return Vectors.from_torch(weight[N_SPECIAL:], self.vocabulary_.id_to_token[N_SPECIAL:],
                                  provenance=provenance)

    def _batches(self, texts: _TextsArg, what: str, batch_size: int | None
                 ) -> tuple[list[list[str]], SequenceBatches, int]:
        tokens = token_lists(texts, get_tokenize(self._built_with["tokenizer"]),
                             f"{_OWNER}.{what}", allow_empty=True)
        step = check_int(batch_size, "batch_size", f"{_OWNER}.{what}", minimum=1,
                         allow_none=True) or max(int(self._built_with["batch_size"]), 256)
        ids = encode_sequences(self.vocabulary_, tokens, unknown="unk")
        return tokens, SequenceBatches(ids, batch_size=step, pad=0, eos=2), step

    def _sorted_batches(self, source: SequenceBatches, step: int) -> Any:
        """``(rows, ids, lengths)`` on the device, rows sorted by length (little padding)."""
        order = np.argsort(source.lengths, kind="stable")
        for start in range(0, len(order), step):
            rows = order[start:start + step]
            (ids, lengths), _ = source.batch(rows)
            yield rows, ids.to(self._device), lengths.to(self._device)

    def representations(self, texts: _TextsArg, *, batch_size: int | None = None
                        ) -> list[np.ndarray]:
        """All layers of every token: one ``(n_tokens, L + 1, 2D)`` float32 array per text.

        Layer 0 is the context-free embedding ``[x; x]`` (the same for a word wherever it
        stands); layer ``j`` is ``[forward h_j; backward h_j]``, where the forward state has
        read the sentence up to and including the token and the backward state the sentence
        from its end back to the token. Row ``i`` is token ``i`` of :meth:`tokenize` (no rows
        for the sentence markers; long texts are not cut). Texts run in length-sorted
        batches of ``batch_size`` (default ``max(batch_size, 256)``); results come back in
        input order and do not depend on the batching.
        """
        self._fitted("representations")
        torch = import_torch(_OWNER)
        tokens, source, step = self._batches(texts, "representations", batch_size)
        out: list[np.ndarray] = [np.zeros(0)] * len(tokens)
        self.network_.eval()
        with torch.no_grad():
            for rows, ids, lengths in self._sorted_batches(source, step):
                layers = self.network_.representations(ids, lengths).float().cpu().numpy()
                for row, layer, length in zip(rows, layers, lengths.tolist(), strict=True):
                    out[row] = np.ascontiguousarray(layer[:length - 1])
        return out

    def contextual_vectors(self, texts: _TextsArg, weights: str | Sequence[float] | None = None,
                           gamma: float = 1.0, *, batch_size: int | None = None
                           ) -> list[np.ndarray]:
        """One ``(n_tokens, 2D)`` float32 array per text: the layers mixed with fixed weights.

        Parameters
        ----------
        weights
            ``None`` or ``"mean"``: equal weights over the ``L + 1`` layers; ``"top"``: the
            last LSTM layer only; or ``L + 1`` non-negative numbers (normalised to sum 1).
            A :class:`TokenTagger`'s ``mix_weights_`` fit here.
        gamma
            Scale of the mix.
        """
        self._fitted("contextual_vectors")
        mix = _mix_weights(weights, self.n_layers_)
        scale = check_float(gamma, "gamma", f"{_OWNER}.contextual_vectors")
        return [np.einsum("tkd,k->td", layers, mix).astype(np.float32) * np.float32(scale)
                for layers in self.representations(texts, batch_size=batch_size)]

    def perplexity(self, texts: _TextsArg, *, batch_size: int | None = None
                   ) -> dict[str, float]:
        """Forward and backward perplexity on ``texts``: ``{"forward": …, "backward": …}``.

        ``exp`` of the mean negative log-likelihood per predicted token: every word and the
        end marker of each sentence (forward), every word and the start marker (backward).
        Unknown words count as predicting UNK.
        """
        self._fitted("perplexity")
        torch = import_torch(_OWNER)
        tokens, source, step = self._batches(texts, "perplexity", batch_size)
        if not tokens:
            raise ValueError(f"{_OWNER}.perplexity: no texts were given")
        forward = backward = 0.0
        count = 0
        self.network_.eval()
        with torch.no_grad():
            for _, ids, lengths in self._sorted_batches(source, step):
                f, b, n = self.network_.token_losses(ids, lengths)
                forward, backward, count = forward + float(f), backward + float(b), count + n
        return {"forward": math.exp(forward / count), "backward": math.exp(backward / count)}

    # -- saving ----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model to folder ``path`` atomically (JSON, vocabulary, ``.npy``
        weights; no pickle)."""
        self._fitted("save")
        params = dict(self._built_with)
        if not isinstance(params["tokenizer"], str):
            raise TypeError(f"{_OWNER}.save: the model was fitted with a callable tokenizer "
                            f"({params['tokenizer']!r}), which cannot be saved without "
                            "pickle; fit with a tokenizer name, or pass token lists")
        config = {"params": params, "n_vocabulary": len(self.vocabulary_),
                  "history": self.history_, "best_epoch": self.best_epoch_,
                  "rows_per_second": self.rows_per_second_,
                  "stopped_early": self.stopped_early_}
        return write_model(path, format=FORMAT, version=VERSION, config=config,
                           state=self.network_.state_dict(),
                           write_extra=lambda tmp: self.vocabulary_.save(tmp / "vocabulary.txt"))

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, device: str = "cpu") -> BiLanguageModel:
        """A model saved by :meth:`save`, on ``device``."""
        from everyvec.vocab import Vocabulary

        path = Path(path)
        saved = read_model(path, format=FORMAT, version=VERSION, owner=_OWNER)
        config_path = path / "config.json"
        try:
            params = dict(saved.config["params"])
            n_vocab = int(saved.config["n_vocabulary"])
            history = list(saved.config["history"])
            best_epoch = int(saved.config["best_epoch"])
            rows_per_second = float(saved.config["rows_per_second"])
            stopped_early = bool(saved.config["stopped_early"])
            cls._check_saved_params(params)
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"config is incomplete or malformed ({exc})",
                              path=config_path) from None
        params["device"] = device
        model = cls(**params)
        try:
            model._check_params()
        except (TypeError, ValueError) as exc:
            raise FormatError(f"bad parameters ({exc})", path=config_path) from None
        import_torch(_OWNER)
        from everyvec.nn._bilm_net import BiLMNetwork

        torch_device = resolve_device(device, _OWNER)
        vocab = Vocabulary.load(path / "vocabulary.txt")
        if len(vocab) != n_vocab or vocab.id_to_token[:N_SPECIAL] != (PAD, UNK, EOS):
            raise FormatError(f"expected {n_vocab} tokens starting with {PAD}, {UNK}, {EOS}",
                              path=path / "vocabulary.txt")
        net = BiLMNetwork(n_vocab, int(params["embedding_dim"]), int(params["hidden_size"]),
                          int(params["num_layers"]), float(params["dropout"]))
        load_weights(net, saved)
        model.history_, model.best_epoch_ = history, best_epoch
        model.rows_per_second_, model.stopped_early_ = rows_per_second, stopped_early
        model._install(net.to(torch_device), vocab, torch_device)
        return model


# -- helpers ---------------------------------------------------------------------------------

def _mix_weights(weights: Any, n_layers: int) -> np.ndarray:
    """``weights`` of :meth:`BiLanguageModel.contextual_vectors` as ``n_layers`` floats
    summing to 1."""
    where = f"The 'weights' parameter of {_OWNER}.contextual_vectors"
    if weights is None or (isinstance(weights, str) and weights == "mean"):
        return np.full(n_layers, 1.0 / n_layers)
    if isinstance(weights, str):
        if weights == "top":
            return np.eye(n_layers)[-1]
        raise ValueError(f"{where} must be 'mean', 'top', None or {n_layers} non-negative "
                         f"numbers. Got {weights!r}.")
    try:
        array = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if (array is None or array.shape != (n_layers,) or not np.isfinite(array).all()
            or (array < 0).any() or array.sum() <= 0):
        raise ValueError(f"{where} must be 'mean', 'top', None or {n_layers} non-negative "
                         f"numbers (one per layer, not all zero). Got {weights!r}.")
    return array / array.sum()
