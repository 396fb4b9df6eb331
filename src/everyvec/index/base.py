"""The index protocol: every nearest-neighbour backend looks the same from outside.

An index maps string keys to vectors and answers batched top-k queries. This module holds the
part all backends share — argument checks, cosine normalisation, padding of short results and
the on-disk header — so that a backend implements only four small hooks (``_add``,
``_remove``, ``_search``, ``_save``/``_load``) over already-validated float32 arrays.

Scores follow the metric: cosine similarity and inner product are "higher is better";
euclidean is the true (not squared) distance, "lower is better". Results are ordered best
first. When fewer than ``k`` keys qualify, the row is padded with key ``None`` and score NaN.

Simplifications: keys are strings (as in :class:`~everyvec.Vectors`); a key is added once —
:meth:`Index.upsert` removes and re-adds; a filter is an allow-list of keys.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from everyvec._atomic import atomic_dir
from everyvec.errors import FormatError, MissingKeyError

__all__ = ["METRICS", "Index", "Matches", "check_queries", "check_vectors", "check_keys"]

METRICS = ("cosine", "dot", "euclidean")
INDEX_FORMAT = "everyvec.index"
INDEX_FORMAT_VERSION = 1
HEADER = "index.json"

Filter = Collection[str] | None


@dataclass(frozen=True)
class Matches:
    """Batched search results: row ``i`` holds the matches of query ``i``, best first.

    Attributes
    ----------
    keys
        Object array of shape ``(queries, k)``; ``None`` where fewer than ``k`` matched.
    scores
        float32 array of shape ``(queries, k)``; NaN where fewer than ``k`` matched.
    metric
        ``"cosine"`` or ``"dot"`` (higher is better) or ``"euclidean"`` (a distance).
    """

    keys: np.ndarray
    scores: np.ndarray
    metric: str

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger score means a closer match (False for euclidean distances)."""
        return self.metric != "euclidean"

    def __len__(self) -> int:
        return self.keys.shape[0]

    def __getitem__(self, i: int) -> list[tuple[str, float]]:
        """The ``(key, score)`` pairs of query ``i``, padding left out."""
        return [(key, float(score)) for key, score in zip(self.keys[i], self.scores[i],
                                                           strict=True) if key is not None]

    def __iter__(self) -> Iterator[list[tuple[str, float]]]:
        return (self[i] for i in range(len(self)))

    def to_lists(self) -> list[list[tuple[str, float]]]:
        """All rows as lists of ``(key, score)`` pairs, padding left out."""
        return list(self)


def check_vectors(vectors: Any, dim: int, what: str = "vectors") -> np.ndarray:
    """Return ``vectors`` as a C-contiguous float32 ``(n, dim)`` array or raise ``ValueError``.

    A single vector of shape ``(dim,)`` becomes one row. NaN and infinity are refused.
    """
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must be an array of numbers: {exc}") from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (n, {dim}); got shape {array.shape}")
    if array.shape[1] != dim:
        raise ValueError(f"{what} must have {dim} columns (the index dimension); got "
                         f"shape {array.shape}")
    if array.size and not np.isfinite(array).all():
        row = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise ValueError(f"{what} row {row} contains NaN or infinity")
    return np.ascontiguousarray(array)


def check_queries(queries: Any, dim: int) -> np.ndarray:
    """Like :func:`check_vectors`, for query vectors."""
    return check_vectors(queries, dim, what="queries")


def check_keys(keys: Any, count: int | None = None) -> list[str]:
    """Return ``keys`` as a list of unique non-empty strings (``count`` of them when given)."""
    if isinstance(keys, str):
        raise TypeError("keys must be a sequence of strings, not one string")
    keys = list(keys)
    for i, key in enumerate(keys):
        if not isinstance(key, str) or not key:
            raise TypeError(f"keys must be non-empty strings; keys[{i}] is {key!r}")
    if count is not None and len(keys) != count:
        raise ValueError(f"got {len(keys)} keys for {count} vectors; they must pair up")
    if len(set(keys)) != len(keys):
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise ValueError(f"duplicate key {key!r} in one call")
            seen.add(key)
    return keys


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    with np.errstate(over="ignore"):
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.isfinite(norms).all():
        # Components near the float32 limit overflow the norm; scale those rows down first.
        big = ~np.isfinite(norms[:, 0])
        matrix = matrix.copy()
        matrix[big] /= np.abs(matrix[big]).max(axis=1, keepdims=True)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


class Index(ABC):
    """Base class of every index backend: validation, normalisation, padding, persistence.

    Parameters
    ----------
    dim
        Vector dimension.
    metric
        ``"cosine"`` (vectors and queries are normalised to unit length), ``"dot"`` or
        ``"euclidean"``.
    **params
        Backend parameters, as named in the spec string (``"hnsw:M=32,ef=128"``).
    """

    #: The name of the backend in a spec string, e.g. ``"hnsw"``.
    kind: ClassVar[str]
    #: Parameters the backend accepts: name -> (type, default).
    PARAMS: ClassVar[Mapping[str, tuple[type, Any]]] = {}
    #: Whether results are exact (the conformance suite holds the others to a recall bound).
    exact: ClassVar[bool] = False
    #: Parameters that only steer search (``ef``, ``nprobe``): :meth:`tune` may change them.
    SEARCH_PARAMS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, dim: int, metric: str = "cosine", **params: Any) -> None:
        from everyvec._checks import check_choice, check_int

        owner = type(self).__name__
        self.dim = check_int(dim, "dim", owner, minimum=1)
        self.metric = check_choice(metric, "metric", owner, METRICS)
        self.params = self._check_params(params)

    @classmethod
    def _check_params(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(params) - set(cls.PARAMS))
        if unknown:
            known = ", ".join(cls.PARAMS) or "none"
            raise ValueError(f"unknown parameter {unknown[0]!r} for a {cls.kind!r} index; "
                             f"it takes: {known}")
        result = {}
        for name, (kind, default) in cls.PARAMS.items():
            value = params.get(name, default)
            if value is not None and kind is not str and (
                    isinstance(value, bool) or not isinstance(value, kind)):
                if kind is float and isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                else:
                    raise TypeError(f"the {name!r} parameter of a {cls.kind!r} index must "
                                    f"be {kind.__name__}; got {value!r}")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 0:
                raise ValueError(f"the {name!r} parameter of a {cls.kind!r} index must be "
                                 f"> 0; got {value!r}")
            result[name] = value
        return result

    # -- the spec string ---------------------------------------------------------------
    @property
    def spec(self) -> str:
        """The spec string that builds an empty index like this one."""
        from everyvec.index.spec import format_spec

        return format_spec(self.kind, {k: v for k, v in self.params.items() if v is not None})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r} dim={self.dim} metric={self.metric} " \
               f"count={len(self)}>"

    def tune(self, **params: Any) -> None:
        """Change search-time parameters (e.g. ``ef`` or ``nprobe``) of a built index.

        Backends read them from :attr:`params` at every search, so this costs nothing.
        """
        fixed = sorted(set(params) - set(self.SEARCH_PARAMS))
        if fixed:
            tunable = ", ".join(self.SEARCH_PARAMS) or "none"
            raise ValueError(f"{fixed[0]!r} cannot change after a {self.kind!r} index is "
                             f"built; tunable: {tunable}")
        merged = self._check_params({**self.params, **params})
        self.params.update({name: merged[name] for name in params})

    # -- public protocol -----------------------------------------------------------------
    @abstractmethod
    def __len__(self) -> int:
        """The number of keys in the index."""

    @abstractmethod
    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is in the index."""

    def add(self, keys: Sequence[str], vectors: Any) -> None:
        """Add new ``keys`` with their ``vectors`` (``len(keys)`` rows of ``dim`` numbers).

        Raises ``ValueError`` for a key already present (use :meth:`upsert`), a wrong
        shape, NaN or infinity.
        """
        matrix = check_vectors(vectors, self.dim)
        keys = check_keys(keys, matrix.shape[0])
        present = [key for key in keys if key in self]
        if present:
            raise ValueError(f"key {present[0]!r} is already in the index "
                             f"({len(present)} of the keys are); use upsert() to replace")
        if not keys:
            return
        self._add(keys, self._prepare(matrix))

    def upsert(self, keys: Sequence[str], vectors: Any) -> None:
        """Add ``keys``, replacing the vectors of those already present."""
        matrix = check_vectors(vectors, self.dim)
        keys = check_keys(keys, matrix.shape[0])
        present = [key for key in keys if key in self]
        if present:
            self._remove(present)
        if keys:
            self._add(keys, self._prepare(matrix))

    def remove(self, keys: Iterable[str], *, missing_ok: bool = False) -> int:
        """Remove ``keys``; return how many were removed.

        An unknown key raises :class:`~everyvec.MissingKeyError` unless ``missing_ok``.
        """
        keys = check_keys(keys)
        present = [key for key in keys if key in self]
        if len(present) != len(keys) and not missing_ok:
            missing = next(key for key in keys if key not in self)
            raise MissingKeyError(missing)
        if present:
            self._remove(present)
        return len(present)

    def search(self, queries: Any, k: int = 10, filter: Filter = None) -> Matches:
        """The ``k`` nearest keys of each query, best first.

        Parameters
        ----------
        queries
            One vector ``(dim,)`` or a batch ``(n, dim)``.
        k
            How many matches per query (rows are padded when fewer keys qualify).
        filter
            ``None`` for every key, or a collection of the keys allowed to match.
        """
        from everyvec._checks import check_int

        k = check_int(k, "k", f"{type(self).__name__}.search", minimum=1)
        matrix = self._prepare(check_queries(queries, self.dim))
        allowed = self._check_filter(filter)
        if matrix.shape[0] == 0:
            return self._empty(0, k)
        if len(self) == 0 or (allowed is not None and not allowed):
            return self._empty(matrix.shape[0], k)
        keys, scores = self._search(matrix, k, allowed)
        if self.metric == "euclidean":
            scores = np.sqrt(np.maximum(scores, 0.0, out=scores), out=scores)
        return Matches(keys, scores, self.metric)

    def _check_filter(self, filter: Filter) -> frozenset[str] | None:
        if filter is None:
            return None
        if isinstance(filter, str):
            raise TypeError("filter must be a collection of allowed keys, not one string")
        try:
            return frozenset(filter)
        except TypeError:
            raise TypeError("filter must be None or a collection of allowed keys; got "
                            f"{type(filter).__name__}") from None

    def _empty(self, rows: int, k: int) -> Matches:
        keys = np.full((rows, k), None, dtype=object)
        return Matches(keys, np.full((rows, k), np.nan, dtype=np.float32), self.metric)

    def _prepare(self, matrix: np.ndarray) -> np.ndarray:
        return normalize_rows(matrix) if self.metric == "cosine" else matrix

    # -- backend hooks -------------------------------------------------------------------
    @abstractmethod
    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        """Add new keys (checked: unique, absent) with rows already normalised for cosine."""

    @abstractmethod
    def _remove(self, keys: list[str]) -> None:
        """Remove keys that are all present."""

    @abstractmethod
    def _search(self, queries: np.ndarray, k: int,
                allowed: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(keys, scores)`` of shape ``(n, k)``, best first, padded with None/NaN.

        Scores are inner products for cosine and dot, *squared* distances for euclidean.
        """

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the index as a folder (atomically: a crash leaves the previous one)."""
        target = Path(path)
        if target.exists() and (not target.is_dir() or
                                (any(target.iterdir()) and not (target / HEADER).is_file())):
            raise FileExistsError(f"{target} exists and is not an everyvec index folder; "
                                  "refusing to replace it")
        with atomic_dir(target) as tmp:
            extra = self._save(tmp) or {}
            header = {"format": INDEX_FORMAT, "format_version": INDEX_FORMAT_VERSION,
                      "kind": self.kind, "spec": self.spec, "dim": self.dim,
                      "metric": self.metric, "count": len(self), "backend": extra}
            (tmp / HEADER).write_text(json.dumps(header, indent=2) + "\n", encoding="utf-8")
        return target

    @abstractmethod
    def _save(self, folder: Path) -> Mapping[str, Any] | None:
        """Write the backend's files into ``folder``; return JSON-able facts for the header."""

    @classmethod
    @abstractmethod
    def _load(cls, folder: Path, header: Mapping[str, Any], *, mmap: bool) -> Index:
        """Rebuild an index from ``folder`` (its ``index.json`` is already validated)."""


def read_header(folder: Path) -> dict[str, Any]:
    """Read and validate ``index.json``; raise :class:`~everyvec.FormatError` when wrong."""
    where = folder / HEADER
    if not where.is_file():
        raise FormatError(f"no {HEADER}; expected an everyvec index folder", path=folder)
    try:
        header = json.loads(where.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"not valid JSON: {exc}", path=where) from None
    if not isinstance(header, dict) or header.get("format") != INDEX_FORMAT:
        raise FormatError(f"expected a JSON object with \"format\": \"{INDEX_FORMAT}\"",
                          path=where)
    version = header.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise FormatError(f"expected a positive integer \"format_version\", got {version!r}",
                          path=where)
    if version > INDEX_FORMAT_VERSION:
        raise FormatError(f"written in index format version {version}; this everyvec reads "
                          f"up to {INDEX_FORMAT_VERSION}; upgrade everyvec", path=where)
    for field in ("kind", "spec", "metric"):
        if not isinstance(header.get(field), str):
            raise FormatError(f"expected a string \"{field}\"", path=where)
    for field in ("dim", "count"):
        value = header.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FormatError(f"expected a non-negative integer \"{field}\", got {value!r}",
                              path=where)
    if header["metric"] not in METRICS:
        raise FormatError(f"unknown metric {header['metric']!r}; expected one of "
                          f"{', '.join(METRICS)}", path=where)
    if not isinstance(header.get("backend", {}), dict):
        raise FormatError("expected \"backend\" to be a JSON object", path=where)
    return header
