"""Where the transformer runs: PyTorch (the reference) or ONNX Runtime (the fast CPU path).

A backend is ``run(batch) -> (B, T, D) float32`` token vectors for a
:class:`~everyvec.encoders.tokenization.TokenBatch`; pooling happens outside, in NumPy, so the
two backends differ only in how the network is executed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from everyvec._optional import require
from everyvec.encoders.model_files import ModelFiles, load_torch_model
from everyvec.encoders.onnx_export import export_onnx, onnx_inputs
from everyvec.encoders.tokenization import TokenBatch

__all__ = ["BACKENDS", "Backend", "OnnxBackend", "TorchBackend", "make_backend"]

BACKENDS = ("onnx", "torch")


class Backend(Protocol):
    """Runs the transformer on a token batch."""

    name: str

    def run(self, batch: TokenBatch) -> np.ndarray:
        """``(B, T, D)`` float32 last-layer token vectors."""


class TorchBackend:
    """The ``transformers`` PyTorch model, under ``torch.inference_mode``.

    Parameters
    ----------
    files
        The model.
    device
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    threads
        torch intra-op threads to use while encoding (restored afterwards); None keeps
        torch's setting.
    """

    name = "torch"

    def __init__(self, files: ModelFiles, *, device: str = "cpu", threads: int | None = None
                 ) -> None:
        from everyvec.nn.training import resolve_device

        self.torch = require("torch", "The PyTorch encoder backend")
        self.device = resolve_device(device, "Encoder")
        self.threads = threads
        self.model = load_torch_model(files).to(self.device)
        self.inputs = onnx_inputs(files)

    def run(self, batch: TokenBatch) -> np.ndarray:
        torch = self.torch
        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            feed = {name: torch.from_numpy(value).to(self.device)
                    for name, value in batch.inputs().items() if name in self.inputs}
            with torch.inference_mode():
                hidden = self.model(**feed).last_hidden_state
            return hidden.float().cpu().numpy()
        finally:
            torch.set_num_threads(before)


class OnnxBackend:
    """An ONNX Runtime session on the exported (fused, optionally int8) model.

    Parameters
    ----------
    files
        The model; exported on first use (see :func:`~everyvec.encoders.onnx_export.export_onnx`).
    quantize
        None (fp32) or ``"int8"``.
    optimize
        Use the fused graph (default) rather than the plain export.
    threads
        ONNX Runtime intra-op threads (None: one per physical core).
    cache_dir
        Where exported files are kept.
    onnx_path
        Run this ``.onnx`` file instead of exporting (it must take the model's inputs).
    """

    name = "onnx"

    def __init__(self, files: ModelFiles, *, quantize: str | None = None, optimize: bool = True,
                 threads: int | None = None, cache_dir: str | os.PathLike[str] | None = None,
                 onnx_path: str | os.PathLike[str] | None = None) -> None:
        ort = require("onnxruntime", "The ONNX encoder backend")
        self.path = Path(onnx_path) if onnx_path is not None else export_onnx(
            files, optimize=optimize, quantize=quantize, cache_dir=cache_dir)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = int(threads)
            options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initializers are noise
        self.session = ort.InferenceSession(str(self.path), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def run(self, batch: TokenBatch) -> np.ndarray:
        feed = {name: value for name, value in batch.inputs().items() if name in self.inputs}
        return np.asarray(self.session.run(["last_hidden_state"], feed)[0], dtype=np.float32)


def make_backend(backend: str, files: ModelFiles, **options: Any) -> Backend:
    """The backend called ``backend`` ("onnx" or "torch") for ``files``."""
    if backend == "torch":
        return TorchBackend(files, device=options.get("device", "cpu"),
                            threads=options.get("threads"))
    if backend == "onnx":
        if options.get("device", "cpu") != "cpu":
            raise ValueError("The ONNX backend runs on the CPU; use backend='torch' for "
                             f"device={options['device']!r}")
        return OnnxBackend(files, quantize=options.get("quantize"),
                           optimize=options.get("optimize", True),
                           threads=options.get("threads"), cache_dir=options.get("cache_dir"),
                           onnx_path=options.get("onnx_path"))
    raise ValueError(f"The 'backend' parameter must be one of {', '.join(BACKENDS)}. "
                     f"Got {backend!r}.")
