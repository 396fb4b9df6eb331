"""What each route does, as plain Python over one collection (the HTTP layer is app.py).

A :class:`Service` answers queries from several threads at once (FastAPI runs plain ``def``
handlers in a thread pool, and NumPy/FAISS release the GIL while they compute). A writable
service guards the collection with a readers-writer lock — queries share it, an upsert or
delete takes it alone — and bumps a version number on every write so that cached maps are
recomputed. A read-only service takes no lock at all.

Errors about the input come out as :class:`~everyvec.serve.errors.ApiError` with the status
and code the HTTP contract names; anything else is a bug and is left to become a 500.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from everyvec.serve.encoders import Encoder, encoder_name
from everyvec.serve.errors import ApiError, collection_errors
from everyvec.serve.locks import ReadWriteLock

__all__ = ["MAP_LIMITS", "Pair", "Service"]

Pair = tuple[str, float]

#: The most points ``/map`` projects per method (t-SNE and UMAP are far slower than PCA).
MAP_LIMITS = {"pca": 20_000, "tsne": 5_000, "umap": 5_000}
_MAPS_KEPT = 8  # projections cached (least recently used dropped first)


class Service:
    """The operations of the HTTP API over one collection.

    Parameters
    ----------
    collection
        An open :class:`everyvec.Collection` (or any object with the same methods).
    encoder
        A callable ``list[str] -> (n, dim)`` array, or ``None``.
    writable
        Whether ``upsert`` and ``delete`` are allowed (the collection must be open for
        writing).
    """

    def __init__(self, collection: Any, *, encoder: Encoder | None = None,
                 writable: bool = False) -> None:
        self.collection = collection
        self.encoder = encoder
        self.encoder_name = encoder_name(encoder)
        self.writable = writable
        self.dim = int(collection.dim)
        self.metric = str(collection.metric)
        self._lock = ReadWriteLock() if writable else None
        self._version = 0
        self._maps: OrderedDict[tuple[int, str, int], dict[str, Any]] = OrderedDict()
        self._map_lock = threading.Lock()

    # -- locking ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        if self._lock is None:
            yield
        else:
            with self._lock.read():
                yield

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        if not self.writable or self._lock is None:
            raise ApiError(403, "read_only", "this server is read-only; start it with "
                           "`everyvec serve PATH --writable` to allow upsert and delete")
        with self._lock.write():
            try:
                yield
            finally:
                self._version += 1  # even a failed write may have changed something

    # -- queries ---------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """What is served: count, dimension, metric, index, writability and encoder."""
        with self._reading():
            count = len(self.collection)
        return {"status": "ok", "count": count, "dim": self.dim, "metric": self.metric,
                "index": str(self.collection.index_spec), "writable": self.writable,
                "encoder": self.encoder_name}

    def similar(self, key: str, k: int, filter: dict[str, Any] | None) -> list[Pair]:
        """The ``k`` keys nearest to ``key`` (itself excluded)."""
        with self._reading(), collection_errors():
            return self.collection.most_similar([key], k=k, filter=filter)

    def analogy(self, positive: Sequence[str], negative: Sequence[str], k: int,
                filter: dict[str, Any] | None) -> list[Pair]:
        """The ``k`` keys nearest to ``sum(positive) - sum(negative)`` (inputs excluded)."""
        with self._reading(), collection_errors():
            return self.collection.most_similar(list(positive), negative=list(negative), k=k,
                                                filter=filter)

    def vector(self, key: str) -> tuple[list[float], dict[str, Any]]:
        """The vector and metadata of ``key``."""
        with self._reading(), collection_errors():
            vector = self.collection.vector(key)
            metadata = self.collection.metadata(key)
        return np.asarray(vector, dtype=np.float32).tolist(), dict(metadata or {})

    def search(self, queries: np.ndarray, k: int, filter: dict[str, Any] | None
               ) -> list[list[Pair]]:
        """The ``k`` nearest keys of each row of ``queries``."""
        with self._reading(), collection_errors():
            matches = self.collection.search(queries, k=k, filter=filter)
        return [matches[i] for i in range(len(matches))]

    def encode(self, texts: list[str]) -> np.ndarray:
        """The encoder's vectors for ``texts``; 404 ``no_encoder`` when there is none."""
        if self.encoder is None:
            raise ApiError(404, "no_encoder", "this server has no text encoder; start it with "
                           "`everyvec serve PATH --encoder model` (vectors from `everyvec "
                           "encode`) or `--encoder mean` (word vectors) to encode texts")
        with collection_errors(422, "validation_error"):
            out = self.encoder(list(texts))
        out = np.asarray(out, dtype=np.float32)
        if out.shape != (len(texts), self.dim) or not np.isfinite(out).all():
            # The encoder does not fit the collection: a configuration bug, not bad input.
            raise RuntimeError(f"the encoder {self.encoder_name!r} returned an array of shape "
                               f"{out.shape} (finite: {bool(np.isfinite(out).all())}) for "
                               f"{len(texts)} texts; expected ({len(texts)}, {self.dim})")
        return out

    # -- writes ----------------------------------------------------------------------------
    def upsert(self, keys: list[str], vectors: np.ndarray,
               metadata: list[dict[str, Any] | None]) -> int:
        """Add or replace items; returns once the collection has made them durable."""
        with self._writing(), collection_errors():
            meta = None if all(m is None for m in metadata) else [m or {} for m in metadata]
            self.collection.upsert(keys, vectors, metadata=meta)
        return len(keys)

    def delete(self, keys: list[str]) -> int:
        """Remove ``keys`` (unknown ones are skipped); returns how many were removed."""
        with self._writing(), collection_errors():
            return int(self.collection.delete(keys, missing_ok=True))

    # -- map -------------------------------------------------------------------------------
    def map(self, n: int, method: str) -> dict[str, Any]:
        """2-D coordinates of the first ``n`` keys (row order), computed once and cached."""
        from everyvec.viz.projection import available_methods, project

        if method not in available_methods():
            raise ApiError(400, "bad_request",
                           f"the map method {method!r} is not available on this server (its "
                           f"package is not installed); available: "
                           f"{', '.join(available_methods())}")
        limit = MAP_LIMITS.get(method, MAP_LIMITS["pca"])
        if n > limit:
            raise ApiError(422, "validation_error", f"query parameter 'n' must be at most "
                           f"{limit} for method {method!r}; got {n}")
        with self._reading():
            n = min(n, len(self.collection))
            cache_key = (n, method, self._version)
            with self._map_lock:  # one projection at a time; the next caller finds it cached
                cached = self._maps.get(cache_key)
                if cached is None:
                    cached = self._project(n, method, project)
                    self._maps[cache_key] = cached
                    while len(self._maps) > _MAPS_KEPT:
                        self._maps.popitem(last=False)
                else:
                    self._maps.move_to_end(cache_key)
        return cached

    def _project(self, n: int, method: str, project: Any) -> dict[str, Any]:
        if n < 3 or self.dim < 2:
            raise ApiError(400, "bad_request", f"a map needs at least 3 vectors of at least 2 "
                           f"dimensions; the collection has {len(self.collection)} of "
                           f"{self.dim}")
        vectors = self.collection.vectors
        keys = list(vectors.keys[:n])
        matrix = np.asarray(vectors.matrix[:n], dtype=np.float32)
        if self.metric == "cosine":  # the picture should show angles, as the queries do
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
        points = project(matrix, method)
        return {"method": method, "keys": keys, "x": points[:, 0].tolist(),
                "y": points[:, 1].tolist()}
