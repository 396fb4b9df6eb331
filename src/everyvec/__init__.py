"""everyvec: embeddings for everything — learn, query, evaluate, search and serve vectors.

The public API, in one place::

    import everyvec
    vectors = everyvec.load("vectors.bin")          # any supported format, detected by content
    vectors.most_similar("king", topn=5)
    everyvec.evaluate.analogies(vectors, everyvec.datasets.path("questions-words"))

Submodules: :mod:`everyvec.text` (tokenizers, corpus readers), :mod:`everyvec.evaluate`,
:mod:`everyvec.datasets`, :mod:`everyvec.train`, :mod:`everyvec.data` (interaction logs,
graphs, tables), :mod:`everyvec.recommend`, :mod:`everyvec.nn` (PyTorch models). They are
imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from everyvec.errors import (
    CorpusError,
    DatasetError,
    EveryvecError,
    FormatError,
    MissingExtraError,
    MissingKeyError,
    ModelNotFoundError,
    VocabularyError,
)
from everyvec.sizing import embedding_size
from everyvec.vectors import Neighbors, Vectors
from everyvec.vectors.formats import FORMATS, detect_format, load, save
from everyvec.vocab import Vocabulary

__version__ = "0.1.0"

_SUBMODULES = ("data", "datasets", "encoders", "evaluate", "nn", "recommend", "text",
               "train")

__all__ = [
    "FORMATS",
    "Collection",
    "CorpusError",
    "DatasetError",
    "DeepFM",
    "DeepWalk",
    "Encoder",
    "EveryvecError",
    "FormatError",
    "Item2Vec",
    "MissingExtraError",
    "MissingKeyError",
    "ModelNotFoundError",
    "Neighbors",
    "Node2Vec",
    "PPMISVD",
    "TabularEmbedder",
    "TextClassifier",
    "Vectors",
    "Vocabulary",
    "VocabularyError",
    "Word2Vec",
    "__version__",
    "data",
    "datasets",
    "detect_format",
    "embedding_size",
    "encoders",
    "evaluate",
    "load",
    "nn",
    "recommend",
    "save",
    "text",
    "train",
]


def __getattr__(name: str) -> Any:
    # Submodules and estimators load lazily so `import everyvec` stays light.
    if name in _SUBMODULES:
        return importlib.import_module(f"everyvec.{name}")
    if name in ("DeepWalk", "Item2Vec", "Node2Vec", "PPMISVD", "Word2Vec"):
        from everyvec import train

        return getattr(train, name)
    if name in ("DeepFM", "TabularEmbedder", "TextClassifier"):
        from everyvec import nn

        return getattr(nn, name)
    if name == "Encoder":
        from everyvec.encoders import Encoder

        return Encoder
    if name == "Collection":
        from everyvec.collection import Collection

        return Collection
    raise AttributeError(f"module 'everyvec' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
