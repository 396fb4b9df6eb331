"""The exact index: brute force with BLAS, blocked so memory stays bounded.

Queries are scored against the stored rows one block at a time (a matrix product), and a
numba kernel keeps each query's running top ``k`` (:mod:`everyvec.kernels.topk`). Nothing is
approximate, so this is both the default for small sets and the oracle the tests hold the
other backends to.

Storage: a float32 row buffer that grows by doubling, the key of each row, and a per-row
"alive" byte. Removing a key clears its byte (a tombstone); the rows are compacted when
tombstones pass half of the buffer and on save. A saved index loads memory-mapped; the first
change copies it into memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from everyvec.errors import FormatError
from everyvec.index.base import Index
from everyvec.kernels.topk import (
    merge_block,
    new_heaps,
    scan_serial,
    sorted_heaps,
    sorted_heaps_serial,
)

__all__ = ["ExactIndex"]

MATRIX = "vectors.npy"
KEYS = "keys.txt"
#: Score-block size in float32 elements (queries x rows): 4M = 16 MiB, cache-friendly.
BLOCK_ELEMENTS = 1 << 22
MAX_QUERY_BLOCK = 1024
#: Below this many queries one serial numba scan runs instead of BLAS + threads: waking
#: thread pools costs more than the work, and a server runs many such searches at once.
PARALLEL_QUERIES = 8


class ExactIndex(Index):
    """Brute-force nearest neighbours over a memory-friendly float32 matrix.

    Spec string: ``"exact"``. Results equal a full sort of all scores (ties aside).
    """

    kind = "exact"
    exact = True

    def __init__(self, dim: int, metric: str = "cosine", **params: Any) -> None:
        super().__init__(dim, metric, **params)
        self._matrix = np.empty((0, self.dim), dtype=np.float32)
        self._alive = np.empty(0, dtype=np.uint8)
        self._keys: list[str] = []
        self._row_of: dict[str, int] = {}
        self._used = 0  # rows of the buffer in use, tombstones included
        self._key_array: np.ndarray | None = None  # object array of keys, built on demand
        self._sqnorms: np.ndarray | None = None

    # -- protocol --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, key: object) -> bool:
        return key in self._row_of

    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        self._reserve(self._used + len(keys))
        start, stop = self._used, self._used + len(keys)
        self._matrix[start:stop] = matrix
        self._alive[start:stop] = 1
        self._keys.extend(keys)
        self._row_of.update(zip(keys, range(start, stop), strict=True))
        self._used = stop
        self._key_array = None
        self._sqnorms = None

    def _remove(self, keys: list[str]) -> None:
        self._make_writable()
        for key in keys:
            self._alive[self._row_of.pop(key)] = 0
        if self._used > 1024 and len(self._row_of) < self._used // 2:
            self._compact()

    def _search(self, queries: np.ndarray, k: int,
                allowed: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        used = self._used
        matrix = self._matrix[:used]
        mask = self._mask(allowed)
        sqnorms = self._squared_norms() if self.metric == "euclidean" else np.empty(
            0, np.float32)
        nq = queries.shape[0]
        heap_scores, heap_ids = new_heaps(nq, k)
        if nq < PARALLEL_QUERIES:
            scan_serial(matrix, queries, 0, mask, sqnorms, heap_scores, heap_ids)
            sorted_heaps_serial(heap_scores, heap_ids)
        else:
            self._blocked(matrix, queries, mask, sqnorms, heap_scores, heap_ids)
        found = heap_ids >= 0
        keys = np.where(found, self._keys_by_row()[np.maximum(heap_ids, 0)], None)
        scores = np.where(found, heap_scores, np.float32(np.nan)).astype(np.float32)
        if self.metric == "euclidean":
            scores = self._squared_distances(queries, heap_ids, found)
        return keys, scores

    @staticmethod
    def _blocked(matrix: np.ndarray, queries: np.ndarray, mask: np.ndarray,
                 sqnorms: np.ndarray, heap_scores: np.ndarray, heap_ids: np.ndarray) -> None:
        """Many queries: BLAS products of query blocks x row blocks, top-k kernel in threads."""
        nq, used = queries.shape[0], matrix.shape[0]
        query_block = min(nq, MAX_QUERY_BLOCK)
        row_block = max(256, BLOCK_ELEMENTS // query_block)
        buffer = np.empty((query_block, min(row_block, used)), dtype=np.float32)
        for q0 in range(0, nq, query_block):
            qb = queries[q0:q0 + query_block]
            hs, hi = heap_scores[q0:q0 + query_block], heap_ids[q0:q0 + query_block]
            for r0 in range(0, used, row_block):
                rows = matrix[r0:r0 + row_block]
                out = buffer[:qb.shape[0], :rows.shape[0]]
                np.matmul(qb, rows.T, out=out)
                merge_block(out, r0, mask, sqnorms, hs, hi)
        sorted_heaps(heap_scores, heap_ids)

    def _squared_distances(self, queries: np.ndarray, ids: np.ndarray,
                           found: np.ndarray) -> np.ndarray:
        # The kernel ranked by 2 q.x - |x|^2, which loses digits near zero distance in
        # float32; the k winners' distances are recomputed directly (n * k * dim work).
        out = np.full(ids.shape, np.nan, dtype=np.float32)
        step = max(1, (1 << 20) // max(1, ids.shape[1] * self.dim))
        for start in range(0, len(ids), step):
            rows = self._matrix[np.maximum(ids[start:start + step], 0)]
            diff = rows - queries[start:start + step, None, :]
            out[start:start + step] = np.einsum("qkd,qkd->qk", diff, diff)
        out[~found] = np.nan
        return out

    # -- storage ---------------------------------------------------------------------------
    def _reserve(self, rows: int) -> None:
        capacity = self._matrix.shape[0]
        if rows <= capacity and self._matrix.flags.writeable:
            return
        grown = max(rows, 2 * capacity, 1024) if rows > capacity else capacity
        matrix = np.empty((grown, self.dim), dtype=np.float32)
        matrix[:self._used] = self._matrix[:self._used]
        alive = np.zeros(grown, dtype=np.uint8)
        alive[:self._used] = self._alive[:self._used]
        self._matrix, self._alive = matrix, alive

    def _make_writable(self) -> None:
        if not self._matrix.flags.writeable or not self._alive.flags.writeable:
            self._reserve(self._used)

    def _compact(self) -> None:
        live = np.flatnonzero(self._alive[:self._used])
        self._matrix = np.ascontiguousarray(self._matrix[live])
        self._keys = [self._keys[i] for i in live]
        self._row_of = {key: i for i, key in enumerate(self._keys)}
        self._alive = np.ones(len(live), dtype=np.uint8)
        self._used = len(live)
        self._key_array = None
        self._sqnorms = None

    def _mask(self, allowed: frozenset[str] | None) -> np.ndarray:
        tombstones = len(self._row_of) < self._used
        if allowed is None:
            return self._alive[:self._used] if tombstones else np.empty(0, np.uint8)
        mask = np.zeros(self._used, dtype=np.uint8)
        rows = [self._row_of[key] for key in allowed if key in self._row_of]
        mask[np.asarray(rows, dtype=np.int64)] = 1
        return mask

    def _keys_by_row(self) -> np.ndarray:
        if self._key_array is None or len(self._key_array) != self._used:
            self._key_array = np.array(self._keys, dtype=object)
        return self._key_array

    def _squared_norms(self) -> np.ndarray:
        if self._sqnorms is None or len(self._sqnorms) != self._used:
            rows = self._matrix[:self._used]
            self._sqnorms = np.einsum("ij,ij->i", rows, rows).astype(np.float32)
        return self._sqnorms

    # -- persistence -----------------------------------------------------------------------
    def _save(self, folder: Path) -> Mapping[str, Any]:
        live = np.flatnonzero(self._alive[:self._used])
        if len(live) == self._used:
            np.save(folder / MATRIX, np.ascontiguousarray(self._matrix[:self._used]),
                    allow_pickle=False)
            keys = self._keys
        else:
            np.save(folder / MATRIX, self._matrix[live], allow_pickle=False)
            keys = [self._keys[i] for i in live]
        (folder / KEYS).write_bytes("".join(key + "\n" for key in keys).encode("utf-8"))
        return {"matrix": MATRIX, "keys": KEYS}

    @classmethod
    def _load(cls, folder: Path, header: Mapping[str, Any], *, mmap: bool) -> ExactIndex:
        index = cls(header["dim"], header["metric"])
        where = folder / MATRIX
        try:
            matrix = np.load(where, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise FormatError(f"cannot read the index matrix ({exc})", path=where) from None
        if matrix.dtype != np.float32 or matrix.ndim != 2 or matrix.shape[1] != index.dim:
            raise FormatError(f"expected float32 rows of {index.dim} numbers, found "
                              f"{matrix.dtype} {matrix.shape}", path=where)
        try:
            text = (folder / KEYS).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FormatError(f"cannot read the keys ({exc})", path=folder / KEYS) from None
        keys = text.split("\n")[:-1]
        if len(keys) != matrix.shape[0] or len(keys) != header["count"]:
            raise FormatError(f"{len(keys)} keys for {matrix.shape[0]} rows (header says "
                              f"{header['count']})", path=folder / KEYS)
        index._matrix = matrix
        index._keys = keys
        index._row_of = {key: i for i, key in enumerate(keys)}
        if len(index._row_of) != len(keys):
            raise FormatError("duplicate keys", path=folder / KEYS)
        index._alive = np.ones(len(keys), dtype=np.uint8)
        index._used = len(keys)
        return index
