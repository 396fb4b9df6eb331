"""Training checkpoints: a folder with a JSON manifest, the vocabulary and plain ``.npy`` files.

Nothing is pickled: parameters, progress and the training report are JSON, the vocabulary is
the text format of :meth:`everyvec.Vocabulary.save`, and the matrices are ``.npy`` arrays
loaded with ``allow_pickle=False``. The folder is written under a temporary name and renamed
into place, so an interrupted save leaves the previous checkpoint readable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._atomic import atomic_dir
from everyvec.errors import FormatError
from everyvec.train.trainer import TrainingReport
from everyvec.vocab import Vocabulary

if TYPE_CHECKING:
    from everyvec.train.word2vec import Word2Vec

__all__ = ["FORMAT", "VERSION", "load", "save"]

FORMAT = "everyvec.word2vec-checkpoint"
VERSION = 1
_MATRICES = ("input_matrix_", "output_matrix_", "tree_matrix_")


def save(model: Word2Vec, path: str | os.PathLike[str]) -> Path:
    """Write ``model``'s full training state to the folder ``path``."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "params": model.get_params(),
        "runs": model._runs,
        "epochs_done": getattr(model, "_epochs_done", model.epochs),
        "corpus": getattr(model, "_corpus_fingerprint", None),
        "report": model.report_.to_dict(),
    }
    with atomic_dir(path) as folder:
        (folder / "checkpoint.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                                encoding="utf-8")
        model.vocabulary_.save(folder / "vocab.txt")
        for name in _MATRICES:
            np.save(folder / f"{name.rstrip('_')}.npy", getattr(model, name))
    return Path(path)


def load(cls: type[Word2Vec], path: str | os.PathLike[str]) -> Word2Vec:
    """Read a checkpoint written by :func:`save` into a new ``cls`` instance."""
    folder = Path(path)
    manifest_path = folder / "checkpoint.json"
    if not manifest_path.is_file():
        raise FormatError("not a word2vec checkpoint: checkpoint.json is missing",
                          path=str(folder))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"checkpoint.json is not valid JSON ({exc})",
                          path=str(manifest_path)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise FormatError(f"not a word2vec checkpoint (format should be {FORMAT!r})",
                          path=str(manifest_path))
    if manifest.get("version") != VERSION:
        raise FormatError(f"checkpoint version {manifest.get('version')!r} is not supported "
                          f"(this everyvec reads version {VERSION})", path=str(manifest_path))
    try:
        model = cls(**manifest["params"])
        model.vocabulary_ = Vocabulary.load(folder / "vocab.txt")
        for name in _MATRICES:
            setattr(model, name, _load_matrix(folder / f"{name.rstrip('_')}.npy",
                                              model.vector_size))
        model.report_ = TrainingReport.from_dict(manifest["report"])
        model._runs = int(manifest["runs"])
        model._epochs_done = int(manifest["epochs_done"])
        model._corpus_fingerprint = manifest["corpus"]
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"checkpoint.json is incomplete or inconsistent: {exc}",
                          path=str(manifest_path)) from None
    if len(model.input_matrix_) != len(model.vocabulary_):
        raise FormatError(f"input_matrix.npy has {len(model.input_matrix_)} rows but the "
                          f"vocabulary has {len(model.vocabulary_)} words", path=str(folder))
    return model


def _load_matrix(path: Path, dim: int) -> Any:
    try:
        matrix = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise FormatError(f"cannot read the matrix ({exc})", path=str(path)) from None
    if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[1] != dim:
        raise FormatError(f"expected a float32 matrix with {dim} columns, got "
                          f"{matrix.dtype} {matrix.shape}", path=str(path))
    return np.ascontiguousarray(matrix)
