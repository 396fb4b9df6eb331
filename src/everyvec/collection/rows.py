"""The live rows of a collection: the snapshot's rows where they lie, changed rows appended.

A snapshot's matrix is often a read-only memory map, and most changes touch few rows, so
nothing is copied on a change: a new or updated row goes to the end of an append-only
buffer, and a dict maps each live key to its row number — below the snapshot's row count in
the snapshot, above it in the buffer. Dict order is row order: a new key goes last, an
updated key keeps its place, a deleted key leaves a hole that the next snapshot closes.

Rows of the buffer that updates or deletes left dead are squeezed out once they are more than
half of it (and over 1,024), so a long-running writer that never saves stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from everyvec.vectors.vectors import Vectors

__all__ = ["Rows"]

#: Dead buffer rows tolerated before a compaction is considered.
DEAD_ROWS = 1024


class Rows:
    """Key -> row storage over a base :class:`~everyvec.Vectors` plus a change buffer.

    Parameters
    ----------
    base
        The snapshot (not copied, never written to).
    """

    def __init__(self, base: Vectors) -> None:
        self.base = base
        self._base_rows = len(base)
        self._extra = np.empty((0, base.dim), np.float32)
        self._used = 0
        self._dead = 0
        #: Live key -> row number, in row order.
        self.where: dict[str, int] = dict(base.key_to_index)
        #: Whether nothing changed since ``base``.
        self.pristine = True

    def __len__(self) -> int:
        return len(self.where)

    def __contains__(self, key: object) -> bool:
        return key in self.where

    def put(self, keys: list[str], matrix: np.ndarray) -> None:
        """Set the rows of ``keys`` (new keys go last) to the float32 ``matrix``."""
        start = self._base_rows + self._append(matrix)
        where = self.where
        for i, key in enumerate(keys):
            old = where.get(key)
            if old is not None and old >= self._base_rows:
                self._dead += 1
            where[key] = start + i
        self._changed()

    def drop(self, keys: Iterable[str]) -> None:
        """Remove ``keys`` (all present)."""
        for key in keys:
            if self.where.pop(key) >= self._base_rows:
                self._dead += 1
        self._changed()

    def row(self, key: str) -> np.ndarray:
        """The row of ``key`` (a view; ``KeyError`` when absent)."""
        row = self.where[key]
        if row < self._base_rows:
            return self.base.matrix[row]
        return self._extra[row - self._base_rows]

    def gather(self, keys: Iterable[str] | None = None) -> np.ndarray:
        """A new ``(n, dim)`` float32 array of the rows of ``keys`` (default: all, in order)."""
        where = self.where
        if keys is None:
            rows = np.fromiter(where.values(), dtype=np.int64, count=len(where))
        else:
            rows = np.fromiter((where[key] for key in keys), dtype=np.int64)
        out = np.empty((len(rows), self.base.dim), np.float32)
        old = rows < self._base_rows
        if old.any():
            out[old] = self.base.matrix[rows[old]]
        if not old.all():
            out[~old] = self._extra[rows[~old] - self._base_rows]
        return out

    def _append(self, matrix: np.ndarray) -> int:
        """Append rows to the buffer; return the first one's position in it."""
        need = self._used + matrix.shape[0]
        if need > self._extra.shape[0]:
            grown = np.empty((max(need, 2 * self._extra.shape[0], 256), self.base.dim),
                             np.float32)
            grown[:self._used] = self._extra[:self._used]
            self._extra = grown
        start = self._used
        self._extra[start:need] = matrix
        self._used = need
        return start

    def _changed(self) -> None:
        self.pristine = False
        if self._dead > DEAD_ROWS and self._dead * 2 > self._used:
            self._compact()

    def _compact(self) -> None:
        base = self._base_rows
        moved = [(key, row) for key, row in self.where.items() if row >= base]
        rows = np.fromiter((row - base for _, row in moved), dtype=np.int64, count=len(moved))
        self._extra = np.ascontiguousarray(self._extra[rows])
        self._used, self._dead = len(moved), 0
        for i, (key, _) in enumerate(moved):
            self.where[key] = base + i
