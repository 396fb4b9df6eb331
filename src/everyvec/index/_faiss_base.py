"""What the FAISS backends share: keys <-> ids, selectors, copy-on-write of mapped files, I/O.

A backend subclass supplies its FAISS index (``_new_faiss``), its search-time settings
(``_configure``), how to search a subset of ids (``_search_subset``) and what a loaded file
must look like (``_loaded_problem``); everything else — turning labels into keys, padding,
filters and tombstones as id selectors, saving and mapping files — lives here once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from everyvec._optional import require
from everyvec.errors import FormatError
from everyvec.index._faiss_keys import KeyTable
from everyvec.index.base import HEADER, Index

faiss = require("faiss", "the FAISS index backends")

__all__ = ["FAISS_FILE", "KEYS_FILE", "FaissIndexBase", "KeyTable", "TombstoneIndex",
           "bitmap_selector", "count_problem", "faiss", "idmap_problem", "read_faiss",
           "rows_of", "widened"]

FAISS_FILE = "index.faiss"
KEYS_FILE = "keys.json"


def bitmap_selector(ids_or_mask: np.ndarray, size: int | None = None) -> Any:
    """A FAISS selector admitting the given ids (or the True entries of a boolean mask)."""
    if size is not None:
        mask = np.zeros(size, dtype=bool)
        mask[ids_or_mask] = True
    else:
        mask = ids_or_mask
    # The Python wrapper keeps a reference to the packed array for the selector's lifetime.
    return faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))


def rows_of(flat: Any, rows: np.ndarray) -> np.ndarray:
    """Copy of the given rows of a FAISS ``IndexFlat`` (read-only access, works when mapped)."""
    if flat.ntotal == 0 or rows.size == 0:
        return np.empty((0, flat.d), dtype=np.float32)
    data = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d)
    return data.reshape(flat.ntotal, flat.d)[rows]


class FaissIndexBase(Index):
    """Shared machinery: keys <-> ids, mapped-file copy-on-write, selectors, persistence."""

    #: True when FAISS ids are row positions and removal leaves tombstones.
    _tombstones: ClassVar[bool] = False

    def __init__(self, dim: int, metric: str = "cosine", **params: Any) -> None:
        super().__init__(dim, metric, **params)
        self._check_own_params()
        self._table = KeyTable()
        self._mapped = False  # the FAISS index views a memory-mapped file
        self._live_selector: Any = None  # cached selector of non-tombstone rows
        self._index = self._configure(self._new_faiss())

    # -- backend specifics -------------------------------------------------------------
    def _check_own_params(self) -> None:
        """Checks beyond type and sign (done by the base class)."""

    def _new_faiss(self) -> Any:
        """An empty FAISS index (the exact buffer for IVF kinds)."""
        raise NotImplementedError

    def _configure(self, index: Any) -> Any:
        """Apply search-time parameters to a FAISS index; return it."""
        return index

    def _search_subset(self, queries: np.ndarray, k: int, selector: Any,
                       count: int) -> tuple[np.ndarray, np.ndarray]:
        """Search among the ``count`` ids that ``selector`` admits."""
        return self._index.search(queries, k, params=faiss.SearchParameters(sel=selector))

    def _loaded_problem(self, index: Any, table: KeyTable) -> str | None:
        """What is wrong with a FAISS index read from disk for this backend, if anything."""
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------
    def tune(self, **params: Any) -> None:
        """Change search-time parameters; they are pushed into the FAISS index at once, so an
        unfiltered search stays a plain FAISS call."""
        super().tune(**params)
        self._configure(self._index)

    @property
    def _metric_type(self) -> int:
        return faiss.METRIC_L2 if self.metric == "euclidean" else faiss.METRIC_INNER_PRODUCT

    def _writable(self) -> Any:
        """The FAISS index, first copied into memory if it views a mapped file."""
        if self._mapped:
            # A viewed array aborts the process when FAISS resizes it; a serialise/deserialise
            # round trip gives an index that owns all its memory.
            copy = faiss.deserialize_index(faiss.serialize_index(self._index))
            self._index = self._configure(copy)
            self._mapped = False
        self._live_selector = None
        return self._index

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def _search(self, queries: np.ndarray, k: int,
                allowed: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        if allowed is not None:
            ids = self._table.ids_of(allowed)
            if not ids.size:
                return (np.full((len(queries), k), None, dtype=object),
                        np.full((len(queries), k), np.nan, dtype=np.float32))
            selector = bitmap_selector(ids, self._table.next_id)
            scores, labels = self._search_subset(queries, k, selector, ids.size)
        elif self._tombstones and self._table.dead:
            if self._live_selector is None:
                self._live_selector = bitmap_selector(self._table.live_mask())
            scores, labels = self._search_subset(queries, k, self._live_selector, len(self))
        else:
            scores, labels = self._index.search(queries, k)
        missing = labels < 0
        if missing.any():
            scores[missing] = np.nan
        return self._table.keys_of(labels), scores

    # -- persistence -------------------------------------------------------------------
    def _save(self, folder: Path) -> Mapping[str, Any]:
        faiss.write_index(self._index, str(folder / FAISS_FILE))
        self._table.save(folder / KEYS_FILE)
        return {"faiss_version": faiss.__version__, "faiss_file": FAISS_FILE,
                "keys_file": KEYS_FILE,
                "tombstones": self._table.dead if self._tombstones else 0}

    @classmethod
    def _load(cls, folder: Path, header: Mapping[str, Any], *, mmap: bool) -> Index:
        from everyvec.index.spec import parse_spec

        where = folder / HEADER
        try:
            kind, params = parse_spec(header["spec"])
            if kind != cls.kind:
                raise ValueError(f"it names a {kind!r} index, not {cls.kind!r}")
            index = cls(header["dim"], header["metric"], **params)
        except (TypeError, ValueError) as exc:
            raise FormatError(f"bad spec {header['spec']!r}: {exc}", path=where) from None
        table = KeyTable.load(folder / KEYS_FILE)
        if len(table) != header["count"]:
            raise FormatError(f"holds {len(table)} keys but {HEADER} says count "
                              f"{header['count']}", path=folder / KEYS_FILE)
        path = folder / FAISS_FILE
        raw, mapped = read_faiss(path, mmap)
        problem = None
        if raw.d != index.dim or raw.metric_type != index._metric_type:
            problem = (f"holds a FAISS index of dimension {raw.d} and metric type "
                       f"{raw.metric_type}; expected dimension {index.dim}, metric "
                       f"{index.metric!r} (type {index._metric_type})")
        problem = problem or index._loaded_problem(raw, table)
        if problem:
            raise FormatError(problem, path=path)
        index._index, index._table, index._mapped = index._configure(raw), table, mapped
        return index


def read_faiss(path: Path, mmap: bool) -> tuple[Any, bool]:
    """Read a FAISS file, memory-mapped when asked and FAISS can; raise FormatError if bad."""
    if not path.is_file():
        raise FormatError("missing; expected the FAISS index file", path=path)
    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)  # FAISS >= 1.10: zero-copy views
    if mmap and flag is not None:
        try:
            return faiss.read_index(str(path), flag), True
        except RuntimeError:
            pass  # this index type cannot be mapped: read it into memory below
    try:
        return faiss.read_index(str(path)), False
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unreadable"
        raise FormatError(f"not a FAISS index this FAISS {faiss.__version__} can read "
                          f"({reason})", path=path) from None


def count_problem(index: Any, expected: int, what: str) -> str | None:
    if index.ntotal != expected:
        return f"holds {index.ntotal} vectors but {KEYS_FILE} has {expected} {what}"
    return None


def idmap_problem(index: Any, table: KeyTable) -> str | None:
    """Check an ``IDMap,Flat`` index against the key table (every id must name a live key)."""
    if not isinstance(index, faiss.IndexIDMap) or not isinstance(
            faiss.downcast_index(index.index), faiss.IndexFlat):
        return f"holds a FAISS {type(index).__name__}; expected an IndexIDMap over an IndexFlat"
    ids = faiss.vector_to_array(index.id_map)
    if ids.size and (ids.min() < 0 or ids.max() >= table.next_id
                     or not table.live_mask()[ids].all()):
        return f"holds ids that name no key in {KEYS_FILE}"
    return count_problem(index, len(table), "keys")


def widened(value: int, total: int, count: int, limit: int) -> int:
    """``value`` scaled by ``total / count`` (the inverse allowed fraction), capped at ``limit``."""
    return min(limit, max(value, math.ceil(value * total / max(count, 1))))


class TombstoneIndex(FaissIndexBase):
    """A backend whose FAISS ids are row positions; removed rows stay until a rebuild."""

    _tombstones = True

    def _store(self) -> Any:
        """The ``IndexFlat`` holding the exact vectors, row ``i`` = id ``i``."""
        raise NotImplementedError

    def _remove(self, keys: list[str]) -> None:
        self._table.remove(keys)
        self._live_selector = None
        if self._table.dead > len(self._table):
            self._rebuild()

    def _rebuild(self) -> None:
        """Renumber the live keys ``0..n-1`` and rebuild the FAISS index without the dead."""
        vectors = rows_of(self._store(), self._table.compact())
        self._refill(vectors)
        self._live_selector = None

    def _refill(self, vectors: np.ndarray) -> None:
        """Replace the FAISS index's content by ``vectors`` (row i = id i)."""
        raise NotImplementedError

    def _exact_subset(self, queries: np.ndarray, k: int,
                      selector: Any) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParameters(sel=selector)
        return self._store().search(queries, k, params=params)
