"""Texts → padded id matrices for a transformer, with truncation and word alignment kept.

The model folder's ``tokenizer.json`` is read by Hugging Face's Rust ``tokenizers`` library
(the fast tokenizer ``transformers`` itself uses), without the rest of ``transformers``.
Each batch is padded to its own longest row, not to ``max_length``: the encoder sorts texts
by length first, so most batches need almost no padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec._optional import require
from everyvec.encoders.model_files import ModelFiles

__all__ = ["TextTokenizer", "TokenBatch"]


@dataclass
class TokenBatch:
    """One padded batch of token ids.

    Attributes
    ----------
    input_ids, attention_mask, token_type_ids
        ``(B, T)`` int64, ``T`` the longest row of the batch; mask 1 on real tokens.
    lengths
        ``(B,)`` tokens per row, special tokens included.
    truncated
        ``(B,)`` bool: the text had more than ``max_length`` tokens and was cut.
    word_ids
        Only for pre-split words: per row, the input word of each token (-1 for special
        tokens and padding).
    """

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray
    word_ids: np.ndarray | None = None

    def inputs(self) -> dict[str, np.ndarray]:
        """The model inputs by name."""
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
                "token_type_ids": self.token_type_ids}


class TextTokenizer:
    """The fast tokenizer of a model folder, cutting every text to ``max_length`` tokens.

    Parameters
    ----------
    files
        From :func:`~everyvec.encoders.model_files.resolve_model`.
    max_length
        The most tokens per text, special tokens included (default: the model's).
    """

    def __init__(self, files: ModelFiles, max_length: int | None = None) -> None:
        tokenizers = require("tokenizers", "A transformer encoder's tokenizer")
        self.files = files
        self.max_length = int(max_length or files.max_length)
        self.pad_id = int(files.read_config().get("pad_token_id") or 0)
        self._tokenizer = tokenizers.Tokenizer.from_file(str(files.path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_length)
        self._whole = tokenizers.Tokenizer.from_file(str(files.path / "tokenizer.json"))
        self._whole.no_padding()
        self._whole.no_truncation()

    def count(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text before truncation (special tokens included)."""
        return np.array([len(e.ids) for e in self._whole.encode_batch(list(texts))],
                        dtype=np.int64)

    def batch(self, texts: Sequence[str] | Sequence[Sequence[str]], *,
              pretokenized: bool = False) -> TokenBatch:
        """Tokenize and pad ``texts`` (strings, or word lists with ``pretokenized``)."""
        encodings = self._tokenizer.encode_batch(list(texts), is_pretokenized=pretokenized)
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        width = int(lengths.max()) if len(lengths) else 0
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        words = np.full_like(ids, -1) if pretokenized else None
        for row, encoding in enumerate(encodings):
            n = lengths[row]
            ids[row, :n] = encoding.ids
            types[row, :n] = encoding.type_ids
            mask[row, :n] = 1
            if words is not None:
                words[row, :n] = [-1 if w is None else w for w in encoding.word_ids]
        truncated = np.array([bool(e.overflowing) for e in encodings], dtype=bool)
        return TokenBatch(ids, mask, types, lengths, truncated, words)

    def pieces_per_word(self, words: Sequence[str]) -> np.ndarray:
        """How many tokens each word becomes when the text is not truncated."""
        encoding = self._whole.encode(list(words), is_pretokenized=True)
        found = np.array([w for w in encoding.word_ids if w is not None], dtype=np.int64)
        return np.bincount(found, minlength=len(words))

    def torch_batch(self, texts: Sequence[str]) -> dict[str, Any]:
        """``batch(texts)`` as torch tensors, for training."""
        torch = require("torch", "A transformer encoder")
        return {name: torch.from_numpy(value) for name, value in
                self.batch(texts).inputs().items()}
