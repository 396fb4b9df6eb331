"""PyTorch bridge: Vectors ↔ ``torch.nn.Embedding``, and token lists → padded index tensors.

Row ``i`` of the embedding is row ``i`` of the vectors, so ``vectors.key_to_index`` maps tokens
to embedding indices unchanged. An optional padding row (zeros) is appended **at the end**,
index ``len(vectors)``, and becomes the embedding's ``padding_idx`` (it gets no gradient).
Putting it last, not first, keeps every existing index valid. torch is an optional extra
(``pip install 'everyvec[torch]'``), imported only when these functions run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._optional import require

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from everyvec.vectors.vectors import Vectors

__all__ = ["encode", "from_torch", "padding_index", "to_torch"]


def padding_index(vectors: Vectors, padding_key: str | None) -> int | None:
    """Embedding index of ``padding_key`` as :func:`to_torch` lays it out.

    An existing key keeps its row; a new key is appended at ``len(vectors)``; ``None`` gives
    ``None``.
    """
    if padding_key is None:
        return None
    if not isinstance(padding_key, str):
        raise TypeError(f"padding_key must be a str or None, got {type(padding_key).__name__}")
    return vectors.key_to_index.get(padding_key, len(vectors))


def to_torch(
    vectors: Vectors,
    *,
    freeze: bool = True,
    padding_key: str | None = None,
    sparse: bool = False,
    max_norm: float | None = None,
) -> torch.nn.Embedding:
    """A ``torch.nn.Embedding`` initialised with the vectors (a copy; float32).

    Parameters
    ----------
    vectors
        The vectors.
    freeze
        If True the weight does not train (``requires_grad=False``).
    padding_key
        Add a zero row for this key at index ``len(vectors)`` and make it ``padding_idx``. If
        the key already exists, its own row becomes ``padding_idx`` and nothing is added.
    sparse
        Sparse gradients (see ``torch.nn.Embedding``).
    max_norm
        Renormalise looked-up rows to at most this norm (> 0), as ``torch.nn.Embedding`` does.

    Returns
    -------
    torch.nn.Embedding
        Index ``vectors.key_to_index[k]`` looks up key ``k``; ``.padding_idx`` is the pad row.
    """
    torch = require("torch", "Vectors.to_torch")
    for name, flag in (("freeze", freeze), ("sparse", sparse)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if max_norm is not None and (
        isinstance(max_norm, bool) or not isinstance(max_norm, Real)
        or not math.isfinite(max_norm) or max_norm <= 0
    ):
        raise ValueError(f"max_norm must be a finite number > 0 or None, got {max_norm!r}")
    pad = padding_index(vectors, padding_key)
    weight = np.array(vectors.matrix, dtype=np.float32)  # own, writable copy
    if pad is not None and pad == len(vectors):
        weight = np.concatenate([weight, np.zeros((1, vectors.dim), np.float32)], axis=0)
    return torch.nn.Embedding.from_pretrained(
        torch.from_numpy(weight),
        freeze=freeze,
        padding_idx=pad,
        max_norm=None if max_norm is None else float(max_norm),
        sparse=sparse,
    )


def from_torch(source: Any, keys: Iterable[str], *, provenance: dict | None = None) -> Vectors:
    """Vectors from an ``nn.Embedding`` (its weight) or a 2-D tensor, copied to CPU float32.

    Parameters
    ----------
    source
        ``torch.nn.Embedding``, ``torch.nn.Parameter`` or a 2-D floating-point tensor.
    keys
        One key per row. For an ``nn.Embedding`` with a ``padding_idx``, keys may also number
        one fewer than its rows: the padding row is then dropped (the inverse of
        ``to_torch(padding_key=...)``).
    provenance
        Stored on the result.
    """
    torch = require("torch", "Vectors.from_torch")
    from everyvec.vectors.vectors import Vectors

    keys = list(keys)
    pad = None
    if isinstance(source, torch.nn.Embedding):
        pad = source.padding_idx
        tensor = source.weight
    elif isinstance(source, torch.Tensor):
        tensor = source
    else:
        raise TypeError(
            f"expected a torch.nn.Embedding or a 2-D torch.Tensor, got {type(source).__name__}"
        )
    if tensor.dim() != 2:
        raise ValueError(f"expected a 2-D weight (rows × dim), got shape {tuple(tensor.shape)}")
    if not tensor.is_floating_point():
        raise TypeError(f"expected a floating-point tensor, got dtype {tensor.dtype}")
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    array = tensor.detach().to(device="cpu", dtype=torch.float32).numpy().copy()
    n_rows = array.shape[0]
    if pad is not None and len(keys) == n_rows - 1:
        array = np.delete(array, pad, axis=0)
    elif len(keys) != n_rows:
        hint = (f" (or {n_rows - 1}, leaving out padding row {pad})" if pad is not None else "")
        raise ValueError(
            f"the weight has {n_rows} rows but {len(keys)} keys were given; expected "
            f"{n_rows}{hint}"
        )
    return Vectors(keys, array, provenance=provenance)


def encode(
    vectors: Vectors,
    sentences: Iterable[Sequence[str]],
    *,
    padding_key: str = "<pad>",
    max_len: int | None = None,
    oov: str = "error",
) -> torch.Tensor:
    """Token lists → a ``(batch, length)`` int64 tensor for an embedding from :func:`to_torch`.

    Shorter sentences are padded with ``padding_index(vectors, padding_key)``; longer ones are
    cut at ``max_len`` (default: the longest sentence). Unknown tokens raise
    :class:`~everyvec.MissingKeyError` (``oov="error"``) or are dropped (``oov="skip"``).
    """
    torch = require("torch", "everyvec.nn.encode")
    if oov not in ("error", "skip"):
        raise ValueError(f"oov must be 'error' or 'skip'; got {oov!r}")
    if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int)
                                or max_len < 1):
        raise ValueError(f"max_len must be an int >= 1 or None, got {max_len!r}")
    pad = padding_index(vectors, padding_key)
    lookup = vectors.key_to_index
    rows: list[list[int]] = []
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(f"sentence {number} is a string; expected a list of tokens")
        if oov == "error":
            ids = [int(i) for i in vectors.indices(sentence)]
        else:
            ids = [lookup[t] for t in sentence if t in lookup]
        rows.append(ids[:max_len] if max_len is not None else ids)
    length = max_len if max_len is not None else max((len(r) for r in rows), default=0)
    out = np.full((len(rows), length), pad, np.int64)
    for i, ids in enumerate(rows):
        out[i, :len(ids)] = ids
    return torch.from_numpy(out)
