"""Saved neural models: one folder of JSON and ``.npy`` files, written atomically, no pickle.

Layout::

    MODEL/config.json          {"format": ..., "version": ..., "weights": [...], ...}
    MODEL/weights/NAME.npy     one file per entry of the network's state_dict
    MODEL/arrays/NAME.npy      other arrays the model needs (e.g. feature statistics)

Nothing here can run code on load: JSON is data and ``np.load(allow_pickle=False)`` refuses
object arrays, so a model folder from an untrusted source is safe to open. Every file is
checked (format, version, names, shapes, finite floats) and a bad one raises
:class:`~everyvec.FormatError` naming it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._atomic import atomic_dir
from everyvec.errors import FormatError

__all__ = ["SavedModel", "load_weights", "read_model", "write_model"]

# State-dict names ("tower.0.weight") and array names become file names: keep them tame.
_NAME = re.compile(r"[A-Za-z0-9_.\-]+\Z")


@dataclass
class SavedModel:
    """What :func:`read_model` found.

    Attributes
    ----------
    path
        The model folder.
    config
        ``config.json`` as a dict (the caller's own keys included).
    weights
        State-dict entries as float arrays, by name.
    arrays
        The other arrays, by name.
    """

    path: Path
    config: dict[str, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def get(self, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        """``config[key]`` checked to be of ``kind``; a FormatError describing ``what``."""
        value = self.config.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) and bool not in (
                kind if isinstance(kind, tuple) else (kind,)):
            raise FormatError(f"config.json: {key!r} must be {what}, got {value!r}",
                              path=self.path / "config.json")
        return value


def write_model(path: str | os.PathLike[str], *, format: str, version: int,
                config: Mapping[str, Any], state: Mapping[str, Any],
                arrays: Mapping[str, np.ndarray] | None = None,
                write_extra: Callable[[Path], None] | None = None) -> Path:
    """Write a model folder atomically (an interrupted save leaves the old folder intact).

    Parameters
    ----------
    path
        The folder to create or replace.
    format, version
        Identify the model type and layout; checked by :func:`read_model`.
    config
        JSON-ready settings of the model (parameters, vocabularies, training history).
    state
        The network's ``state_dict()`` (tensors are copied to CPU).
    arrays
        Other numeric arrays to store.
    write_extra
        Called with the temporary folder to add files of the model's own (e.g. a vocabulary
        in its text format); they are renamed into place with the rest.
    """
    arrays = dict(arrays or {})
    weights = {name: _as_array(value) for name, value in state.items()}
    for name in (*weights, *arrays):
        if not _NAME.match(name):
            raise ValueError(f"cannot save an array called {name!r} (letters, digits, '_', "
                             "'.', '-' only)")
    body = {"format": format, "version": version, **config, "weights": sorted(weights),
            "arrays": sorted(arrays)}
    text = json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False)
    with atomic_dir(path) as tmp:
        for folder, items in (("weights", weights), ("arrays", arrays)):
            if items:
                (tmp / folder).mkdir()
            for name, array in items.items():
                np.save(tmp / folder / f"{name}.npy", np.asarray(array), allow_pickle=False)
        if write_extra is not None:
            write_extra(tmp)
        (tmp / "config.json").write_text(text, encoding="utf-8")
    return Path(path)


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def read_model(path: str | os.PathLike[str], *, format: str, version: int,
               owner: str) -> SavedModel:
    """Read and check a folder written by :func:`write_model` for model type ``format``."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no saved {owner} folder here")
    config_path = folder / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(f"no config.json; not a saved {owner}", path=folder) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"not valid JSON ({exc})", path=config_path) from None
    if not isinstance(config, dict) or config.get("format") != format:
        found = config.get("format") if isinstance(config, dict) else None
        raise FormatError(f"format is {found!r}, expected {format!r} (a saved {owner})",
                          path=config_path)
    if config.get("version") != version:
        raise FormatError(f"format version {config.get('version')!r} is not supported (this "
                          f"everyvec reads version {version})", path=config_path)
    saved = SavedModel(folder, config)
    for folder_name, target in (("weights", saved.weights), ("arrays", saved.arrays)):
        names = config.get(folder_name)
        if not isinstance(names, list) or not all(
                isinstance(n, str) and _NAME.match(n) for n in names):
            raise FormatError(f"{folder_name!r} must be a list of array names",
                              path=config_path)
        for name in names:
            target[name] = _read_array(folder / folder_name / f"{name}.npy")
    return saved


def _read_array(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FormatError("missing array file", path=path) from None
    except (ValueError, OSError, EOFError) as exc:
        raise FormatError(f"not a readable .npy array ({exc})", path=path) from None
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise FormatError(f"unexpected dtype {array.dtype}", path=path)
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        raise FormatError("holds NaN or infinite values", path=path)
    return array


def load_weights(module: Any, saved: SavedModel) -> None:
    """Copy the saved weights into ``module`` (built from the saved config) after checking
    that names and shapes match exactly."""
    import torch

    expected = module.state_dict()
    config_path = saved.path / "config.json"
    if sorted(expected) != sorted(saved.weights):
        raise FormatError(f"weights {sorted(saved.weights)} do not match the network the "
                          f"saved parameters describe ({sorted(expected)})", path=config_path)
    state = {}
    for name, tensor in expected.items():
        array = saved.weights[name]
        if array.shape != tuple(tensor.shape):
            raise FormatError(f"shape {array.shape}, expected {tuple(tensor.shape)}",
                              path=saved.path / "weights" / f"{name}.npy")
        state[name] = torch.as_tensor(array).to(tensor.dtype)
    module.load_state_dict(state)
