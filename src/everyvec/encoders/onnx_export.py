"""Export a transformer to ONNX, fuse it for ONNX Runtime, and optionally quantize it to int8.

Three files, each made once and cached (``$EVERYVEC_CACHE/onnx/<model>-<fingerprint>/``,
default ``~/.cache/everyvec``), so only the first encoder of a model pays for the export:

``model.onnx``
    ``torch.onnx.export`` of the model with the plain ("eager") attention code, dynamic batch
    and sequence axes; output ``last_hidden_state``.
``model-opt.onnx``
    ONNX Runtime's transformer optimizer fuses each layer's attention into one ``Attention``
    operator, the embeddings and layer norms into ``EmbedLayerNormalization`` /
    ``SkipLayerNormalization`` and the GELU into ``BiasGelu`` — the main speed-up on CPU.
``model-opt-int8.onnx``
    Dynamic int8 quantization of the fused model's matrix products (weights stored as int8
    with one scale per output channel, activations quantized per batch): about 4× smaller
    and faster on CPUs with VNNI, at a small cost in accuracy (measured in
    ``benchmarks/bench_encoder.py``).

The fingerprint hashes the weights and configuration, so a fine-tuned model saved to the same
folder gets a fresh export. Every file is written under a temporary name and renamed, so an
interrupted export never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from everyvec._optional import require
from everyvec.encoders.model_files import ModelFiles, load_torch_model

__all__ = ["export_onnx", "onnx_cache_dir", "onnx_inputs"]

logger = logging.getLogger(__name__)
_CACHE_ENV = "EVERYVEC_CACHE"
# Model types whose graphs ONNX Runtime's BERT fusions understand.
_BERT_LIKE = {"bert", "roberta", "xlm-roberta", "distilbert", "electra", "camembert",
              "mpnet", "albert"}
_OPSET = 17


def onnx_cache_dir() -> Path:
    """``$EVERYVEC_CACHE/onnx``, default ``~/.cache/everyvec/onnx``."""
    root = os.environ.get(_CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "everyvec"
    return base / "onnx"


def _fingerprint(files: ModelFiles) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        with open(files.path / name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def onnx_inputs(files: ModelFiles) -> list[str]:
    """The input names the exported graph takes (token types only when the model has them)."""
    names = ["input_ids", "attention_mask"]
    if int(files.read_config().get("type_vocab_size", 0) or 0) > 0:
        names.append("token_type_ids")
    return names


def export_onnx(files: ModelFiles, *, optimize: bool = True, quantize: str | None = None,
                cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The ONNX file for ``files`` (exported, fused and quantized on first use, then cached).

    Parameters
    ----------
    files
        From :func:`~everyvec.encoders.model_files.resolve_model`.
    optimize
        Apply ONNX Runtime's transformer fusions (BERT-family models; others keep the plain
        graph, which ONNX Runtime still optimizes when it loads it).
    quantize
        ``None`` (fp32) or ``"int8"`` (dynamic quantization of the weights).
    cache_dir
        Where the files go (default :func:`onnx_cache_dir`).

    Returns
    -------
    Path
        The ``.onnx`` file to load.
    """
    if quantize not in (None, "int8"):
        raise ValueError(f"The 'quantize' parameter must be None or 'int8'. Got {quantize!r}.")
    folder = (Path(cache_dir) if cache_dir is not None else onnx_cache_dir()) / (
        f"{_safe(files.name)}-{_fingerprint(files)}")
    folder.mkdir(parents=True, exist_ok=True)
    plain = folder / "model.onnx"
    if not plain.is_file():
        _export(files, plain)
    target = plain
    if optimize and str(files.read_config().get("model_type")) in _BERT_LIKE:
        fused = folder / "model-opt.onnx"
        if not fused.is_file():
            _fuse(files, plain, fused)
        target = fused
    if quantize == "int8":
        quantized = target.with_name(target.stem + "-int8.onnx")
        if not quantized.is_file():
            _quantize(target, quantized)
        target = quantized
    return target


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "model"


def _replace_atomically(write: Any, target: Path) -> None:
    """Run ``write(temp_path)`` then rename the temp file onto ``target``."""
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        write(Path(temp))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _export(files: ModelFiles, target: Path) -> None:
    torch = require("torch", "ONNX export")
    inputs = onnx_inputs(files)
    model = load_torch_model(files, eager_attention=True)

    class _LastHidden(torch.nn.Module):
        """Positional inputs in, ``last_hidden_state`` out: what the exporter traces."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: Any) -> Any:
            return self.model(**dict(zip(inputs, args, strict=True))).last_hidden_state

    # Any in-vocabulary ids do: the trace records operations, not values.
    sample = torch.tensor([[1, 2, 3, 4], [1, 3, 4, 0]])
    example = tuple(torch.ones_like(sample) if name == "attention_mask" else
                    torch.zeros_like(sample) if name == "token_type_ids" else sample
                    for name in inputs)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "last_hidden_state"]}
    logger.info("exporting %s to ONNX (%s)", files.name, target)

    def write(path: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            # The tracer warns about shape-dependent branches that dynamic axes already cover.
            warnings.simplefilter("ignore")
            torch.onnx.export(_LastHidden().eval(), example, str(path), input_names=inputs,
                              output_names=["last_hidden_state"], dynamic_axes=axes,
                              opset_version=_OPSET, dynamo=False)

    _replace_atomically(write, target)


def _fuse(files: ModelFiles, source: Path, target: Path) -> None:
    require("onnxruntime", "ONNX optimization")
    from onnxruntime.transformers.optimizer import optimize_model

    config = files.read_config()
    logger.info("fusing %s for ONNX Runtime (%s)", files.name, target)
    # The "bert" fusions cover the BERT family listed in _BERT_LIKE.
    optimized = optimize_model(
        str(source), model_type="bert",
        num_heads=int(config.get("num_attention_heads", 0)),
        hidden_size=int(config.get("hidden_size", 0)), opt_level=1)
    _replace_atomically(lambda path: optimized.save_model_to_file(str(path)), target)


def _quantize(source: Path, target: Path) -> None:
    require("onnxruntime", "int8 quantization")
    onnx = require("onnx", "int8 quantization")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logger.info("quantizing %s to int8 (%s)", source.name, target)

    def write(path: Path) -> None:
        # One scale per output channel keeps sentence vectors at cosine ~0.99 of fp32 (one
        # scale per matrix gave ~0.95 on MiniLM). Fused operators hide tensor types from
        # shape inference; the graph is all float32. The quantizer's advice to pre-process
        # the model is logged on the root logger: keep it out of the user's output.
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(str(source), str(path), weight_type=QuantType.QInt8,
                             per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        finally:
            logging.disable(previous)

    _replace_atomically(write, target)
