"""Text encoders for the server: callables ``list[str] -> (n, dim) float32 array``.

The server takes any such callable (``create_app(..., encoder=fn)``); a ``name`` attribute,
when present, is what ``/health`` reports. By name (:func:`make_encoder`):

* ``"model"`` — the transformer :class:`everyvec.Encoder` recorded in the served vectors'
  provenance (vectors made by ``Encoder.to_vectors`` or ``everyvec encode``), so queries are
  encoded exactly as the documents were;
* any transformer model name or folder (``"all-MiniLM-L6-v2"``);
* ``"mean"`` (:class:`MeanEncoder`): the bag-of-words average of the served word vectors.

For ``"mean"``, a text is split with everyvec's English tokenizer, keeping case; each token is
looked up as written and, failing that, lower-cased (word vectors are usually lower-case, some
keep case). Tokens not in the vocabulary are skipped; a text with no known token at all is an
error (:class:`EncodingError`) naming the text — a zero vector would silently match nothing.

Simplification: the encoder reads the vectors it was built from; keys upserted into a writable
collection afterwards are not part of its vocabulary until the server restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from everyvec.errors import EveryvecError
from everyvec.text.tokenize import EnglishTokenizer, get_tokenizer

__all__ = ["ENCODERS", "EncodingError", "Encoder", "MeanEncoder", "encoder_name",
           "make_encoder", "recorded_encoder"]

#: The protocol: a batch of texts in, one float32 row per text out.
Encoder = Callable[[list[str]], np.ndarray]


class EncodingError(EveryvecError, ValueError):
    """A text cannot be encoded (e.g. none of its words is known); ``index`` says which."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


class MeanEncoder:
    """Average of the word vectors of a text's known tokens.

    Parameters
    ----------
    vectors
        A :class:`~everyvec.Vectors` (or anything with ``key_to_index`` and
        ``sentence_vectors``), e.g. ``collection.vectors``.
    tokenizer
        A tokenizer name or callable ``str -> list[str]``; default: English words, case kept.
    """

    name = "mean"

    def __init__(self, vectors: Any, tokenizer: str | Callable[[str], list[str]] | None = None
                 ) -> None:
        self.vectors = vectors
        self.tokenizer = (EnglishTokenizer(lowercase=False) if tokenizer is None
                          else get_tokenizer(tokenizer))

    def tokens(self, text: str) -> list[str]:
        """The tokens of ``text`` as keys of the vectors (unknown tokens as written)."""
        lookup = self.vectors.key_to_index
        found = []
        for token in self.tokenizer(text):
            if token not in lookup:
                lowered = token.lower()
                if lowered in lookup:
                    token = lowered
            found.append(token)
        return found

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("MeanEncoder expects a list of texts, not one string")
        sentences = [self.tokens(text) for text in texts]
        result = self.vectors.sentence_vectors(sentences, "mean", empty="ignore",
                                               return_counts=True)
        empty = np.flatnonzero(result.n_known == 0)
        if empty.size:
            i = int(empty[0])
            shown = texts[i] if len(texts[i]) <= 60 else texts[i][:57] + "..."
            more = f" ({empty.size} texts in all)" if empty.size > 1 else ""
            raise EncodingError(f"text {i} ({shown!r}) has no word in the vocabulary of the "
                                f"served vectors, so it has no mean vector{more}", i)
        return result.vectors

    def __repr__(self) -> str:
        return f"MeanEncoder({len(self.vectors)} words, tokenizer={self.tokenizer!r})"


def recorded_encoder(collection: Any) -> Encoder:
    """The transformer encoder that made ``collection``'s vectors (from their provenance)."""
    from everyvec.encoders.encoder import Encoder as TransformerEncoder

    config = collection.vectors.provenance.get("encoder")
    if not isinstance(config, dict):
        raise ValueError("encoder 'model' uses the encoder recorded in the vectors' "
                         "provenance, but these vectors were not made by everyvec's Encoder; "
                         "name a model instead (e.g. 'all-MiniLM-L6-v2' or a model folder)")
    return TransformerEncoder.from_config(config, progress=False)


#: Built-in encoders by name: each takes the collection served and returns an encoder.
#: Any other name is taken as a transformer model (packaged name or folder).
ENCODERS: dict[str, Callable[[Any], Encoder]] = {
    "mean": lambda collection: MeanEncoder(collection.vectors),
    "model": recorded_encoder,
}


def make_encoder(name: str, collection: Any) -> Encoder:
    """The encoder ``name`` for ``collection``: a built-in one, or a transformer model.

    Raises ValueError when ``name`` is neither, or when the encoder's vectors do not have the
    collection's dimension.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"The 'encoder' parameter must be one of "
                         f"{', '.join(repr(n) for n in ENCODERS)}, a transformer model name or "
                         f"folder, or a callable list[str] -> array. Got {name!r}.")
    factory = ENCODERS.get(name)
    if factory is not None:
        encoder = factory(collection)
    else:
        from everyvec.encoders.encoder import Encoder as TransformerEncoder
        from everyvec.errors import ModelNotFoundError

        try:
            encoder = TransformerEncoder(name, progress=False)
        except ModelNotFoundError as exc:
            raise ValueError(f"The 'encoder' parameter must be one of "
                             f"{', '.join(repr(n) for n in ENCODERS)} or a transformer model: "
                             f"{exc}") from None
    dim = getattr(encoder, "dim", None)
    if dim is not None and dim != collection.dim:
        raise ValueError(f"the encoder {encoder_name(encoder)!r} makes {dim}-dimensional "
                         f"vectors but the collection holds {collection.dim}-dimensional ones; "
                         "serve vectors made by the same model")
    return encoder


def encoder_name(encoder: Any) -> str | None:
    """What ``/health`` calls ``encoder``: its ``name``, else its function or class name."""
    if encoder is None:
        return None
    name = getattr(encoder, "name", None)
    if isinstance(name, str) and name:
        return name
    return getattr(encoder, "__name__", None) or type(encoder).__name__
