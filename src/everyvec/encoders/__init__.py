"""Contextual encoders: pretrained transformers (BERT family) as text → vector functions.

* :class:`Encoder` — sentence vectors (mean / CLS / max pooling) and word-aligned token
  vectors from a local Hugging Face folder or a packaged model (``"all-MiniLM-L6-v2"``),
  run by ONNX Runtime (fused, optionally int8) or PyTorch (the reference).
* :func:`resolve_model` / :class:`ModelFiles` — where a model is and how it is meant to be
  used; :func:`export_onnx` — the cached ONNX export behind the fast backend.
* :func:`fine_tune` — contrastive fine-tuning for sentence similarity with the lower layers
  frozen.

Everything heavy (torch, transformers, onnxruntime) is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Encoder", "FineTuneResult", "ModelFiles", "TokenVectors", "TruncationWarning",
           "export_onnx", "fine_tune", "resolve_model"]

_LAZY = {
    "Encoder": "everyvec.encoders.encoder", "TokenVectors": "everyvec.encoders.encoder",
    "TruncationWarning": "everyvec.encoders.encoder",
    "ModelFiles": "everyvec.encoders.model_files",
    "resolve_model": "everyvec.encoders.model_files",
    "export_onnx": "everyvec.encoders.onnx_export",
    "fine_tune": "everyvec.encoders.finetune",
    "FineTuneResult": "everyvec.encoders.finetune",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'everyvec.encoders' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
