"""Short strings that name an index: ``"exact"``, ``"hnsw:M=32,ef=128"``, ``"milvus:uri=…"``.

Grammar: ``KIND`` or ``KIND:NAME=VALUE,NAME=VALUE``. A value that reads as an integer is an
``int``, one that reads as a decimal number is a ``float``, anything else a string (so a Milvus
URI such as ``http://host:19530`` needs no quoting; it must not contain a comma). The CLI, the
server and a saved collection all use the same string, as FAISS's ``index_factory`` does.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from everyvec._optional import require
from everyvec.errors import FormatError
from everyvec.index.base import Index, read_header

__all__ = ["KINDS", "parse_spec", "format_spec", "make_index", "load_index", "index_class"]

#: Backend name -> (module, class, the pip extra that provides its dependency).
KINDS: dict[str, tuple[str, str, str | None]] = {
    "exact": ("everyvec.index.exact", "ExactIndex", None),
    "flat": ("everyvec.index.faiss", "FaissFlatIndex", "faiss"),
    "hnsw": ("everyvec.index.faiss", "FaissHNSWIndex", "faiss"),
    "ivfflat": ("everyvec.index.faiss", "FaissIVFFlatIndex", "faiss"),
    "ivfpq": ("everyvec.index.faiss", "FaissIVFPQIndex", "faiss"),
    "milvus": ("everyvec.index.milvus", "MilvusIndex", "milvus"),
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?\Z")


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split a spec string into its kind and typed parameters.

    >>> parse_spec("hnsw:M=32,ef=128")
    ('hnsw', {'M': 32, 'ef': 128})
    """
    if not isinstance(spec, str):
        raise TypeError(f"an index spec must be a string such as 'exact' or "
                        f"'hnsw:M=32,ef=128'; got {spec!r}")
    kind, _, rest = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r} in spec {spec!r}; expected one of "
                         f"{', '.join(KINDS)}")
    params: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        name, eq, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not _NAME.match(name) or not value:
            raise ValueError(f"bad parameter {part!r} in index spec {spec!r}; expected "
                             "NAME=VALUE pairs separated by commas")
        if name in params:
            raise ValueError(f"parameter {name!r} given twice in index spec {spec!r}")
        params[name] = _typed(value)
    return kind, params


def _typed(value: str) -> Any:
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def format_spec(kind: str, params: Mapping[str, Any]) -> str:
    """The spec string of ``kind`` with ``params`` (the inverse of :func:`parse_spec`)."""
    if not params:
        return kind
    return kind + ":" + ",".join(f"{name}={value}" for name, value in params.items())


def index_class(kind: str) -> type[Index]:
    """The backend class of ``kind``, importing its optional dependency on the way."""
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {', '.join(KINDS)}")
    module, name, extra = KINDS[kind]
    if extra == "faiss":
        require("faiss", f"the {kind!r} index")
    elif extra == "milvus":
        require("pymilvus", f"the {kind!r} index")
    return getattr(importlib.import_module(module), name)


def make_index(spec: str = "exact", *, dim: int, metric: str = "cosine") -> Index:
    """Build an empty index from a spec string.

    Parameters
    ----------
    spec
        ``"exact"``, ``"flat"``, ``"hnsw:M=32,ef=128"``, ``"ivfflat:nlist=1024,nprobe=16"``,
        ``"ivfpq:nlist=1024,m=16,nprobe=16"`` or ``"milvus:uri=vectors.db,collection=words"``.
    dim
        Vector dimension.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"``.
    """
    kind, params = parse_spec(spec)
    return index_class(kind)(dim, metric, **params)


def load_index(path: str | os.PathLike[str], *, mmap: bool = True) -> Index:
    """Load an index folder written by :meth:`Index.save` (vectors memory-mapped if possible)."""
    folder = Path(path)
    header = read_header(folder)
    if header["kind"] not in KINDS:
        raise FormatError(f"unknown index kind {header['kind']!r}; this everyvec knows "
                          f"{', '.join(KINDS)}", path=folder / "index.json")
    return index_class(header["kind"])._load(folder, header, mmap=mmap)
