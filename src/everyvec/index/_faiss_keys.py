"""String keys <-> the int64 ids FAISS stores: assigned in order, never reused, mapped back in bulk.

FAISS indexes know vectors only by int64 ids. :class:`KeyTable` hands out ids from a counter
(``0, 1, 2, …``; a removed key's id is never given to another key, so a stale id can never name
the wrong key) and keeps ``id -> key`` in a NumPy object array, so that turning a whole
``(queries, k)`` label matrix into keys is one :meth:`numpy.ndarray.take`. The array always
has one spare slot past its capacity holding ``None``: FAISS's "no result" label ``-1`` then
indexes that slot and comes back as ``None`` without any masking.

Backends that cannot delete from FAISS (HNSW, PQ with re-ranking) use ids as row positions and
leave removed rows behind as tombstones; :meth:`KeyTable.compact` renumbers the live keys
``0..n-1`` when such an index is rebuilt without them.

On disk the table is ``keys.json``: a JSON array indexed by id, a key or ``null`` for a
removed id (JSON, not text lines, because a key may contain a newline).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from everyvec._atomic import atomic_file
from everyvec.errors import FormatError

__all__ = ["KeyTable"]


class KeyTable:
    """The keys of an index, each with an int64 id; ids are handed out in order."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._keys = np.full(1, None, dtype=object)  # capacity 0 + the None slot for -1
        self.next_id = 0

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    @property
    def dead(self) -> int:
        """How many ids were handed out and removed since the last compaction."""
        return self.next_id - len(self._ids)

    def assign(self, keys: list[str]) -> np.ndarray:
        """Give new keys (unique, absent) the next ids; return them as int64."""
        start, stop = self.next_id, self.next_id + len(keys)
        if stop >= len(self._keys):
            grown = np.full(max(stop, 2 * (len(self._keys) - 1)) + 1, None, dtype=object)
            grown[:start] = self._keys[:start]
            self._keys = grown
        self._keys[start:stop] = keys
        self._ids.update(zip(keys, range(start, stop), strict=True))
        self.next_id = stop
        return np.arange(start, stop, dtype=np.int64)

    def remove(self, keys: list[str]) -> np.ndarray:
        """Forget keys (all present); return their ids."""
        pop = self._ids.pop
        ids = np.fromiter((pop(key) for key in keys), dtype=np.int64, count=len(keys))
        self._keys[ids] = None
        return ids

    def ids_of(self, keys: Iterable[str]) -> np.ndarray:
        """The ids of those ``keys`` that are present, as int64 (unknown keys are skipped)."""
        get = self._ids.get
        return np.fromiter((i for i in map(get, keys) if i is not None), dtype=np.int64)

    def keys_of(self, labels: np.ndarray) -> np.ndarray:
        """Map a FAISS label array to keys: an object array of the same shape, -1 -> None."""
        return self._keys.take(labels)

    def live_mask(self) -> np.ndarray:
        """Boolean array over ids ``0..next_id-1``: True where the id still names a key."""
        return np.not_equal(self._keys[:self.next_id], None)

    def compact(self) -> np.ndarray:
        """Renumber the live keys ``0..len-1`` in id order; return their old ids."""
        live = np.flatnonzero(self.live_mask())
        keys = self._keys[live]
        self._keys = np.full(len(keys) + 1, None, dtype=object)
        self._keys[:-1] = keys
        self._ids = dict(zip(keys.tolist(), range(len(keys)), strict=True))
        self.next_id = len(keys)
        return live

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write ``keys.json``: the key of each id, ``null`` for removed ids."""
        with atomic_file(path, "w") as handle:
            handle.write(json.dumps(self._keys[:self.next_id].tolist(), ensure_ascii=False,
                                    separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, path: Path) -> KeyTable:
        """Read a table written by :meth:`save`; raise :class:`FormatError` naming ``path``."""
        if not path.is_file():
            raise FormatError("missing; expected the index keys (a JSON array)", path=path)
        try:
            keys = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FormatError(f"not valid UTF-8 JSON: {exc}", path=path) from None
        if not isinstance(keys, list):
            raise FormatError("expected a JSON array of keys (strings, or null for a "
                              f"removed id); got {type(keys).__name__}", path=path)
        table = cls()
        table._keys = np.full(len(keys) + 1, None, dtype=object)
        for i, key in enumerate(keys):
            if key is None:
                continue
            if not isinstance(key, str) or not key:
                raise FormatError(f"entry {i} is {key!r}; expected a non-empty string or "
                                  "null", path=path)
            if table._ids.setdefault(key, i) != i:
                raise FormatError(f"key {key!r} occurs twice (entries {table._ids[key]} "
                                  f"and {i})", path=path)
            table._keys[i] = key
        table.next_id = len(keys)
        return table
