"""Lazy imports of optional dependencies, with an error that says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from everyvec.errors import MissingExtraError

_EXTRA_OF = {"torch": "torch", "jieba": "text", "gensim": "bench", "scipy": "recs",
             "pandas": "recs", "pyarrow": "recs", "networkx": "bench",
             "lightgbm": "bench", "polars": "dev",
             "faiss": "faiss", "pymilvus": "milvus", "milvus_lite": "milvus",
             "fastapi": "serve", "uvicorn": "serve", "matplotlib": "viz", "sklearn": "viz",
             "umap": "umap", "transformers": "encoders", "tokenizers": "encoders",
             "onnx": "encoders", "onnxruntime": "encoders", "safetensors": "encoders",
             "sentence_transformers": "bench"}


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that provides it.

    Parameters
    ----------
    module
        Top-level module name, e.g. ``"torch"``.
    purpose
        What the caller wanted it for, used in the message.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRA_OF.get(module.split(".")[0], module)
        raise MissingExtraError(
            f"{purpose} needs the optional dependency {module!r}: "
            f"pip install 'everyvec[{extra}]'"
        ) from exc
