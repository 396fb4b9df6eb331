"""Neural embeddings with PyTorch (imported lazily; ``pip install 'everyvec[torch]'``).

* The Embedding bridge: :func:`to_torch` / :func:`from_torch` (``Vectors`` ↔
  ``torch.nn.Embedding``) and :func:`encode` (token lists → padded index tensors).
* Batching: :func:`pad_sequences`, :class:`SequenceBatches` (length buckets), :func:`pack`.
* Models trained on a supervised target, whose embedding tables are then reused:
  :class:`TabularEmbedder` (entity embeddings of table columns), :class:`DeepFM`,
  :class:`FactorizationMachine` and :class:`LogisticCTR` (click-through rate),
  :class:`TextClassifier` (short texts), and :class:`YouTubeCandidates` (recommending).
* Language models whose states are contextual embeddings: :class:`RNNLanguageModel`
  (LSTM/GRU; the final hidden state is a sentence vector) and :class:`BiLanguageModel`
  (ELMo-style biLM; layers mixed by :class:`ScalarMix`, learned by :class:`TokenTagger`).
* :class:`FitSettings` and :class:`TableEncoder`: the training loop's settings and the
  table → arrays encoder the tabular models share.
"""

from __future__ import annotations

import importlib
from typing import Any

from everyvec.nn.embedding import encode, from_torch, padding_index, to_torch

__all__ = ["BiLanguageModel", "DeepFM", "FactorizationMachine", "FitSettings", "LogisticCTR",
           "RNNLanguageModel", "ScalarMix", "SequenceBatches", "TableEncoder", "TabularEmbedder",
           "TextClassifier", "TokenTagger", "YouTubeCandidates", "encode", "from_torch", "pack",
           "pad_sequences", "padding_index", "to_torch", "unpack"]

_LAZY = {
    "DeepFM": "everyvec.nn.ctr", "FactorizationMachine": "everyvec.nn.ctr",
    "LogisticCTR": "everyvec.nn.ctr", "FitSettings": "everyvec.nn.training",
    "SequenceBatches": "everyvec.nn.batching", "pack": "everyvec.nn.batching",
    "pad_sequences": "everyvec.nn.batching", "unpack": "everyvec.nn.batching",
    "TableEncoder": "everyvec.nn.columns", "TabularEmbedder": "everyvec.nn.tabular",
    "TextClassifier": "everyvec.nn.text_classifier", "YouTubeCandidates": "everyvec.nn.youtube",
    "RNNLanguageModel": "everyvec.nn.language_model", "BiLanguageModel": "everyvec.nn.bilm",
    "ScalarMix": "everyvec.nn.bilm", "TokenTagger": "everyvec.nn.bilm",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'everyvec.nn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
