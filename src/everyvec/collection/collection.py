"""Collection: vectors, string keys, per-key metadata and a search index, kept as one folder.

A collection is what a search service holds: it changes (``upsert``, ``delete``), answers
nearest-neighbour queries restricted by metadata (``search(..., filter=)``), and persists
itself in a folder that is still a native vectors folder (``everyvec.load`` reads it; see
:mod:`everyvec.collection.store` for the layout and :mod:`everyvec.collection.log` for the
write-ahead log).

Three ways to hold one:

* built in memory (``Collection(dim)``, :meth:`Collection.from_vectors`): changes live in
  memory until :meth:`Collection.save` writes a folder (after which ``save()`` with no path
  compacts that folder again);
* ``Collection.open(path)``: read-only — the snapshot memory-mapped plus the logged changes
  of the moment; ``upsert``/``delete`` raise;
* ``Collection.open(path, writable=True)``: every ``upsert``/``delete`` is appended to the
  log and fsynced before it returns; ``save()`` compacts. One writer per folder, enforced by
  a lock file: a server must not run several writing workers on one collection.

``everyvec.load(folder)`` reads the last saved snapshot as plain vectors; changes still in
the log join it at the next ``save()``.

In memory the snapshot's rows stay where they are, changed rows are appended
(:mod:`everyvec.collection.rows`: a new key goes last, an updated key keeps its place), and
the index follows the rows. Methods take a re-entrant lock, so threads of one process may
share a collection (searches then run one at a time).
"""

from __future__ import annotations

import copy
import difflib
import io
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_choice, check_int
from everyvec.collection import log as _log
from everyvec.collection import store
from everyvec.collection.filters import compile_filter
from everyvec.collection.records import metadata_for
from everyvec.collection.rows import Rows
from everyvec.errors import EveryvecError, FormatError, MissingKeyError
from everyvec.index import Index, Matches, load_index, make_index
from everyvec.index.base import METRICS, check_keys, check_vectors
from everyvec.vectors.formats import native
from everyvec.vectors.queries import query_from_terms
from everyvec.vectors.vectors import Vectors

__all__ = ["Collection"]

#: Dict filters whose allow-lists are kept until the next change.
FILTER_CACHE_SIZE = 64
_EMPTY: Mapping[str, Any] = {}


class Collection:
    """Keys with vectors and JSON metadata, searchable through an index, saved as a folder.

    Parameters
    ----------
    dim
        Vector dimension.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"`` (search scores are then distances).
    index
        The index spec: ``"exact"``, ``"hnsw:M=32,ef=128"``, ``"milvus:uri=…"``, … (see
        :func:`everyvec.index.make_index`).

    Examples
    --------
    >>> import numpy as np
    >>> c = Collection(2)
    >>> c.upsert(["a", "b"], np.eye(2), metadata=[{"lang": "en"}, {"lang": "de"}])
    >>> [(key, round(score, 3)) for key, score in c.search([1.0, 0.1], k=1,
    ...                                                    filter={"lang": "de"})[0]]
    [('b', 0.1)]
    """

    def __init__(self, dim: int, *, metric: str = "cosine", index: str = "exact") -> None:
        dim = check_int(dim, "dim", "Collection", minimum=1)
        metric = check_choice(metric, "metric", "Collection", METRICS)
        self._setup(make_index(index, dim=dim, metric=metric))
        self._rebase(Vectors([], np.empty((0, dim), np.float32)), [])

    def _setup(self, index: Index) -> None:
        self._index = index
        self._dim = index.dim
        self._metric = index.metric
        self._path: Path | None = None
        self._version: str | None = None  # the snapshot on disk the state starts from
        self._readonly = False
        self._logging = False  # changes go to the log (opened with writable=True)
        self._mmap = True
        self._lock: store.FolderLock | None = None
        self._writer: _log.LogWriter | None = None
        self._closed = False
        self._unsynced: dict[str, None] = {}  # keys the index failed to take (see _follow)
        self._mutex = threading.RLock()
        self.provenance: dict[str, Any] = {}

    def _rebase(self, base: Vectors, metadata: list[dict[str, Any]]) -> None:
        """Start over from ``base`` (the snapshot) and its aligned ``metadata``."""
        self._rows = Rows(base)
        self._meta: dict[str, dict[str, Any]] = {
            key: value for key, value in zip(base.keys, metadata, strict=True) if value}
        self._vectors: Vectors | None = None
        self._filters: dict[str, frozenset[str] | None] = {}

    # -- building and opening ----------------------------------------------------------
    @classmethod
    def from_vectors(cls, vectors: Vectors, *, metadata: Any = None, index: str = "exact",
                     metric: str = "cosine") -> Collection:
        """A collection of ``vectors`` (not copied: a memory map stays mapped).

        Parameters
        ----------
        vectors
            The keys and rows.
        metadata
            ``None``, a list of dicts aligned with the keys, or a mapping key -> dict (keys
            left out get ``{}``).
        index, metric
            As for :class:`Collection`.
        """
        if not isinstance(vectors, Vectors):
            raise TypeError(f"The 'vectors' parameter of Collection.from_vectors must be a "
                            f"Vectors. Got {type(vectors).__name__}.")
        metric = check_choice(metric, "metric", "Collection.from_vectors", METRICS)
        native.encode_keys(vectors.keys)  # a key the folder could not hold fails now
        metas = metadata_for(vectors.keys, metadata, vectors.suggest)
        built = make_index(index, dim=vectors.dim, metric=metric)
        built.add(vectors.keys, vectors.matrix)
        self = cls.__new__(cls)
        self._setup(built)
        self._rebase(vectors, metas or [{}] * len(vectors))
        self.provenance = dict(vectors.provenance)
        return self

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, writable: bool = False,
             mmap: bool = True) -> Collection:
        """Open a collection folder (or, read-only, any vectors ``everyvec.load`` reads).

        Parameters
        ----------
        path
            A collection folder, or a plain vectors file or folder (then read-only, with an
            exact cosine index and empty metadata).
        writable
            Log every change durably before it returns, and allow ``save()`` in place.
            Takes the folder's lock: a second writer raises :class:`~everyvec.EveryvecError`.
        mmap
            Map the snapshot's matrix (and a saved exact index) instead of reading it.

        Raises
        ------
        everyvec.FormatError
            The folder, a snapshot file or the log is damaged (the message names the file and
            line).
        """
        folder = Path(path)
        writable = check_bool(writable, "writable", "Collection.open")
        mmap = check_bool(mmap, "mmap", "Collection.open")
        if not folder.exists():
            raise FileNotFoundError(f"no such file or folder: {folder}")
        is_collection = folder.is_dir() and (folder / store.MANIFEST).is_file() and \
            store.read_snapshot(folder) is not None
        if not is_collection:
            return cls._open_plain(folder, writable, mmap)
        lock = store.FolderLock(folder) if writable else None
        try:
            # A reader may meet a save that replaces the snapshot it is reading: try again.
            for attempt in range(3):
                snapshot = store.read_snapshot(folder)
                if snapshot is None:
                    raise FormatError("no longer a collection folder", path=folder)
                settled = writable or attempt == 2
                try:
                    self = cls._open_snapshot(snapshot, writable, mmap)
                except (FileNotFoundError, FormatError):
                    if settled or store.current_version(folder) == snapshot.version:
                        raise
                    continue
                if settled or store.current_version(folder) == snapshot.version:
                    break
                self.close()
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        self._lock = lock
        return self

    @classmethod
    def _open_plain(cls, path: Path, writable: bool, mmap: bool) -> Collection:
        from everyvec.vectors.formats import load

        if writable:
            raise io.UnsupportedOperation(
                f"{path} holds plain vectors, not a collection, and opens read-only only; "
                "make a collection with Collection.from_vectors(everyvec.load(path)) and "
                "save() it to a folder")
        self = cls.from_vectors(load(path, mmap=mmap))
        self._path, self._readonly, self._mmap = path, True, mmap
        return self

    @classmethod
    def _open_snapshot(cls, snapshot: store.Snapshot, writable: bool,
                       mmap: bool) -> Collection:
        folder = snapshot.folder
        vectors = native.read_payload(folder, snapshot.manifest, mmap=mmap)
        metadata = store.read_metadata(folder / snapshot.metadata, len(vectors))
        if snapshot.index is None:
            index = make_index(snapshot.index_spec, dim=snapshot.dim, metric=snapshot.metric)
            index.add(vectors.keys, vectors.matrix)
        else:
            index = load_index(folder / snapshot.index, mmap=mmap)
            if (index.dim, index.metric) != (snapshot.dim, snapshot.metric):
                raise FormatError(
                    f"the saved index ({index.metric}, dimension {index.dim}) does not match "
                    f"the snapshot ({snapshot.metric}, dimension {snapshot.dim})",
                    path=folder / snapshot.index)
        self = cls.__new__(cls)
        self._setup(index)
        self._rebase(vectors, metadata)
        self.provenance = dict(vectors.provenance)
        self._path, self._version, self._mmap = folder, snapshot.version, mmap
        self._readonly, self._logging = not writable, writable
        contents = _log.read_log(folder / store.LOG, snapshot.version, snapshot.dim)
        touched: dict[str, None] = {}  # keys the log changed, in order
        for operation in contents.operations:
            if operation.op == "upsert":
                self._apply_upsert(operation.keys, operation.vectors, operation.metadata,
                                   to_index=False)
            else:
                self._apply_delete([key for key in operation.keys if key in self._rows],
                                   to_index=False)
            touched.update(dict.fromkeys(operation.keys))
        # A saved index holds the snapshot; an external one (Milvus: the folder keeps only a
        # pointer) already holds the logged changes, or all but the last if a crash came
        # between logging and applying it. Setting each touched key to its final state is
        # right for both. A reader leaves an external index alone: it is the writer's.
        external = _is_external(index)
        if touched and (writable or not external):
            self._sync_index(list(touched))
        if (writable or not external) and len(index) != len(self._rows):
            raise FormatError(
                f"the index holds {len(index)} keys but the collection {len(self._rows)}; "
                "the index does not match the snapshot and its log",
                path=folder / (snapshot.index or store.MANIFEST))
        if writable:
            self._writer = _log.LogWriter(folder / store.LOG, end=contents.end)
        return self

    def _sync_index(self, keys: list[str]) -> None:
        """Make the index hold exactly the current rows of ``keys`` (present or not)."""
        gone = [key for key in keys if key not in self._rows]
        live = [key for key in keys if key in self._rows]
        if gone:
            self._index.remove(gone, missing_ok=True)
        if live:
            self._index.upsert(live, self._rows.gather(live))

    # -- properties ----------------------------------------------------------------------
    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self._dim

    @property
    def metric(self) -> str:
        """``"cosine"``, ``"dot"`` or ``"euclidean"``."""
        return self._metric

    @property
    def index_spec(self) -> str:
        """The spec string of the index (``"exact"``, ``"hnsw:M=32,ef=128"``, …)."""
        return self._index.spec

    @property
    def index(self) -> Index:
        """The index (search it through the collection: changing it directly desyncs them)."""
        return self._index

    @property
    def path(self) -> Path | None:
        """The folder (or vectors file) this collection is bound to; ``None`` in memory."""
        return self._path

    @property
    def writable(self) -> bool:
        """Whether ``upsert`` and ``delete`` are allowed (False when opened read-only).

        Changes are durable as they happen only on a folder opened with ``writable=True``
        (see :attr:`logged`); elsewhere they live in memory until :meth:`save`.
        """
        return not self._readonly

    @property
    def logged(self) -> bool:
        """Whether every change is written to the folder's log before the call returns."""
        return self._logging

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys)

    @property
    def keys(self) -> list[str]:
        """The live keys, in row order (a new list)."""
        with self._mutex:
            return list(self._rows.where)

    def __repr__(self) -> str:
        where = f" {str(self._path)!r}" if self._path is not None else ""
        state = " closed" if self._closed else " logged" if self._logging else ""
        return (f"<Collection{where} {len(self)} keys × {self._dim} dims, {self._metric}, "
                f"index {self.index_spec!r}{state}>")

    @property
    def vectors(self) -> Vectors:
        """The live rows as a :class:`~everyvec.Vectors` (the mapped snapshot when unchanged).

        Built once per change; do not modify it.
        """
        with self._mutex:
            if self._rows.pristine:
                return self._rows.base
            if self._vectors is None:
                self._vectors = Vectors(list(self._rows.where), self._rows.gather(),
                                        provenance=self.provenance)
            return self._vectors

    def vector(self, key: str) -> np.ndarray:
        """A copy of the vector of ``key``; :class:`~everyvec.MissingKeyError` if absent."""
        with self._mutex:
            self._check_key(key)
            return np.array(self._rows.row(key))

    def metadata(self, key: str) -> dict[str, Any]:
        """A copy of the metadata of ``key`` (``{}`` when it has none)."""
        with self._mutex:
            self._check_key(key)
            return copy.deepcopy(self._meta.get(key, {}))

    # -- changes -------------------------------------------------------------------------
    def upsert(self, keys: Any, vectors: Any, metadata: Any = None) -> None:
        """Add ``keys`` with ``vectors``, replacing the vectors of keys already present.

        Parameters
        ----------
        keys
            A list of unique non-empty keys (or one key with one vector). Keys may not contain
            a newline.
        vectors
            ``(len(keys), dim)`` numbers (one ``(dim,)`` vector for one key); finite.
        metadata
            ``None`` keeps the metadata of keys already present (new keys get ``{}``); else a
            list of dicts aligned with ``keys`` or a mapping key -> dict (one dict for one
            key) that replaces theirs. Values must be JSON: see
            :mod:`everyvec.collection.records`.

        On a writable collection the change is in the log, fsynced, when this returns.
        """
        with self._mutex:
            self._check_changeable("upsert")
            if isinstance(keys, str):
                keys, metadata = [keys], None if metadata is None else [metadata]
            keys = list(keys) if not isinstance(keys, np.ndarray) else keys.tolist()
            if not keys:
                if np.asarray(vectors).size:
                    raise ValueError("got vectors for no keys; keys and vectors must pair up")
                return
            matrix = check_vectors(vectors, self._dim)
            keys = check_keys(keys, matrix.shape[0])
            native.encode_keys(keys)  # the folder must be able to hold them
            metas = metadata_for(keys, metadata, self._suggest)
            if self._logging:
                self._append(_log.upsert_line(self._version, keys, matrix, metas))
            self._apply_upsert(keys, matrix, metas)

    def delete(self, keys: Any, missing_ok: bool = False) -> int:
        """Remove ``keys`` (a list, or one key); return how many were removed.

        An unknown key raises :class:`~everyvec.MissingKeyError` (with suggestions) and
        nothing is removed, unless ``missing_ok``.
        """
        with self._mutex:
            self._check_changeable("delete")
            missing_ok = check_bool(missing_ok, "missing_ok", "Collection.delete")
            keys = check_keys([keys] if isinstance(keys, str) else keys)
            present = [key for key in keys if key in self._rows]
            if len(present) != len(keys) and not missing_ok:
                missing = next(key for key in keys if key not in self._rows)
                raise MissingKeyError(missing, self._suggest(missing))
            if present:
                if self._logging:
                    self._append(_log.delete_line(self._version, present))
                self._apply_delete(present)
            return len(present)

    def _append(self, line: bytes) -> None:
        if self._writer is None:
            self._writer = _log.LogWriter(self._path / store.LOG)
        self._writer.append(line)

    # The collection's own rows are the truth; the index follows them. Changing the rows
    # cannot fail once the arguments are checked, but an index can (a Milvus server gone, a
    # key a backend refuses): then the change stands (it is in the log already), the keys
    # are marked and brought into the index before the next search, change or save.
    def _apply_upsert(self, keys: list[str], matrix: np.ndarray,
                      metadata: list[dict[str, Any]] | None, *, to_index: bool = True) -> None:
        self._rows.put(keys, matrix)
        if metadata is not None:
            for key, value in zip(keys, metadata, strict=True):
                if value:
                    self._meta[key] = value
                else:
                    self._meta.pop(key, None)
        self._changed()
        if to_index:
            self._follow(keys, lambda: self._index.upsert(keys, matrix))

    def _apply_delete(self, keys: list[str], *, to_index: bool = True) -> None:
        if not keys:
            return
        self._rows.drop(keys)
        for key in keys:
            self._meta.pop(key, None)
        self._changed()
        if to_index:
            self._follow(keys, lambda: self._index.remove(keys, missing_ok=True))

    def _follow(self, keys: list[str], change: Any) -> None:
        """Run ``change`` on the index; if it fails, mark ``keys`` for a later sync."""
        try:
            self._catch_up()
            change()
        except Exception as exc:
            self._unsynced.update(dict.fromkeys(keys))
            raise EveryvecError(
                f"the change to {len(keys)} key(s) stands, but the index could not take it "
                f"({type(exc).__name__}: {exc}); the index gets those keys before the next "
                "search, change or save (deleting them always succeeds)") from exc

    def _catch_up(self) -> None:
        """Bring keys an index failure left behind into the index (raises if it fails again)."""
        if self._unsynced:
            self._sync_index(list(self._unsynced))
            self._unsynced.clear()

    def _changed(self) -> None:
        self._vectors = None
        self._filters.clear()

    def _check_key(self, key: Any) -> None:
        self._check_open()
        if not isinstance(key, str) or key not in self._rows:
            raise MissingKeyError(key, self._suggest(key))

    def _suggest(self, key: object, n: int = 3) -> list[str]:
        if not isinstance(key, str) or not key:
            return []
        variants = [k for k in (key.lower(), key.upper(), key.capitalize())
                    if k != key and k in self._rows]
        # As Vectors.suggest: compare only keys of similar length with the same first letter.
        first = key[:1].lower()
        pool = [k for k in self._rows.where
                if abs(len(k) - len(key)) <= 2 and k[:1].lower() == first]
        close = difflib.get_close_matches(key, pool[:200_000], n=n, cutoff=0.6)
        return list(dict.fromkeys(variants + close))[:n]

    # -- queries -------------------------------------------------------------------------
    def search(self, queries: Any, k: int = 10, filter: Any = None) -> Matches:
        """The ``k`` nearest keys of each query whose metadata passes ``filter``.

        Parameters
        ----------
        queries
            One vector ``(dim,)`` or a batch ``(n, dim)``.
        k
            Matches per query; rows are padded with key ``None`` and score NaN when fewer
            keys qualify.
        filter
            ``None``; a dict ``{"field": value}`` (equality) or ``{"field": [v1, v2]}`` (any
            of), several fields meaning all of them; or a function ``f(metadata) -> bool``.
            See :mod:`everyvec.collection.filters`.

        Returns
        -------
        everyvec.index.Matches
            Best first; scores follow the metric (euclidean: distances, smallest first).
        """
        with self._mutex:
            self._check_open()
            self._catch_up()
            return self._index.search(queries, k, filter=self._allowed(filter))

    def most_similar(self, positive: Any, negative: Any = (), k: int = 10,
                     filter: Any = None) -> list[tuple[str, float]]:
        """The keys nearest to a 3CosAdd combination of keys and vectors.

        The query is built as :meth:`everyvec.Vectors.most_similar` builds it (keys and
        vectors weigh +1 when positive, −1 when negative, ``(item, weight)`` pairs as given;
        a weighted mean, of unit vectors for cosine). Keys given as input are left out.

        Returns
        -------
        list of (key, score)
            At most ``k``, best first.
        """
        with self._mutex:
            self._check_open()
            k = check_int(k, "k", "Collection.most_similar", minimum=1)
            query, inputs = query_from_terms(positive, negative, dim=self._dim,
                                             vector_of=self.vector, metric=self._metric)
            skip = set(inputs)
            found = self.search(query, k + len(skip), filter)[0]
            return [(key, score) for key, score in found if key not in skip][:k]

    def _allowed(self, filter: Any) -> frozenset[str] | None:
        """The keys ``filter`` lets through (``None``: all of them), cached for dict filters."""
        compiled = compile_filter(filter)
        if compiled is None:
            return None
        key = compiled.cache_key
        if key is not None and key in self._filters:
            return self._filters[key]
        matches, meta = compiled.matches, self._meta
        allowed: frozenset[str] | None
        if key is not None:  # a dict filter: keys without metadata never pass
            allowed = frozenset(name for name, value in meta.items() if matches(value))
        else:
            allowed = frozenset(name for name in self._rows.where
                                if matches(meta.get(name, _EMPTY)))
        if len(allowed) == len(self._rows):
            allowed = None  # everything passes: let the index skip its mask
        if key is not None:
            if len(self._filters) >= FILTER_CACHE_SIZE:
                del self._filters[next(iter(self._filters))]
            self._filters[key] = allowed
        return allowed

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write a new snapshot (compaction) and return the folder.

        ``path=None`` compacts the folder this collection is bound to: the new snapshot
        holds every change, and the log and older snapshots are removed. Another ``path``
        writes a copy there (a new folder, or an existing collection folder that is replaced);
        a collection built in memory becomes bound to the first folder it is saved to.

        A crash at any point leaves the folder readable: the previous snapshot and its log
        until the new manifest is in place, the new snapshot after.

        Raises
        ------
        io.UnsupportedOperation
            ``path=None`` (or the own folder) on a collection opened read-only.
        FileExistsError
            ``path`` is a file, or a folder that is not a collection.
        everyvec.EveryvecError
            Another process has ``path`` open for writing.
        """
        with self._mutex:
            self._check_open()
            target = self._path if path is None else Path(path)
            if target is None:
                raise ValueError("this collection has no folder yet; pass save(path)")
            in_place = self._path is not None and _same_path(target, self._path)
            if in_place and self._readonly:
                raise io.UnsupportedOperation(
                    f"{target} was opened read-only (writable=False); open it with "
                    "writable=True to save in place, or save(path) to another folder")
            store.refuse_foreign(target)
            target.mkdir(parents=True, exist_ok=True)
            lock = None if (in_place and self._lock is not None) else store.FolderLock(target)
            try:
                self._catch_up()  # the saved index must hold every row
                live = self.vectors
                metadata = [self._meta.get(key, {}) for key in live.keys]
                version = store.next_version(target)
                manifest = store.write_snapshot(target, version, live, metadata, self._index,
                                                self._metric, self.provenance)
                # Read back what was written: it checks it, and maps it for the new base.
                fresh = native.read_payload(target, manifest, mmap=self._mmap)
                try:
                    store.commit(target, manifest)
                finally:
                    # Once the new manifest is visible (even if a later fsync failed), the log
                    # must be written against the new snapshot: lines naming the old one
                    # would be skipped.
                    committed = store.current_version(target) == version
                    if (in_place or self._path is None) and committed:
                        if self._writer is not None:
                            self._writer.close()
                            self._writer = None
                        self._rebase(fresh, metadata)
                        self._path, self._version = target, version
                store.clean(target, keep=version)
            finally:
                if lock is not None:
                    lock.release()
            return target

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("the collection is closed")

    def _check_changeable(self, action: str) -> None:
        self._check_open()
        if self._readonly:
            raise io.UnsupportedOperation(
                f"cannot {action}: {self._path} was opened read-only; open it with "
                "Collection.open(path, writable=True)")

    def close(self) -> None:
        """Release the log, the folder's lock and the index's connections (idempotent).

        The collection is unusable afterwards.
        """
        with self._mutex:
            if self._closed:
                return
            release = getattr(self._index, "close", None)
            if callable(release):  # e.g. a Milvus client
                release()
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            self._closed = True

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_external(index: Index) -> bool:
    """Whether the index lives outside the folder (a saved copy is only a pointer)."""
    return bool(getattr(type(index), "external", index.kind == "milvus"))


def _same_path(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()
