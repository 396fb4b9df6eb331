"""FAISS backends: ``flat`` (exact), ``hnsw`` (graph), ``ivfflat`` and ``ivfpq`` (inverted lists).

Each class is a thin shell over one FAISS index built as FAISS's own ``index_factory`` builds
it, so that an unfiltered search is one FAISS call plus one vectorised ``take`` that turns ids
into keys (:mod:`everyvec.index._faiss_keys`); the shared machinery is in
:mod:`everyvec.index._faiss_base`.

=======  ==================================  ==================================================
kind     FAISS index (factory string)        removal
=======  ==================================  ==================================================
flat     ``IDMap,Flat``                      ``remove_ids``
ivfflat  ``IVF{nlist},Flat``, our ids        ``remove_ids``
hnsw     ``HNSW{M},Flat``, row positions     tombstones; rebuilt when dead rows outnumber live
ivfpq    ``IVF{nlist},PQ{m}x{nbits}np,RFlat``  tombstones; rebuilt (training kept) likewise
=======  ==================================  ==================================================

Parameters (spec string names):

- ``hnsw``: ``M`` (graph degree, 32), ``ef`` (``efSearch``, 128), ``ef_construction`` (200).
- ``ivfflat``: ``nlist`` (inverted lists, 1024), ``nprobe`` (lists scanned per query, 16).
- ``ivfpq``: ``nlist``, ``nprobe``, ``m`` (sub-quantisers, 16; must divide the dimension),
  ``nbits`` (bits per sub-quantiser code, 8; at most 16) and ``rerank`` (8): the PQ search
  returns ``k * rerank`` candidates and FAISS's ``IndexRefineFlat`` re-scores them with exact
  distances from a full copy of the vectors. Returned scores are therefore exact, and
  recall@10 >= 0.95 is reachable by raising ``rerank`` (and ``nprobe``), at the price of
  keeping the float32 vectors next to the PQ codes. (4 was not enough for cosine on the
  conformance data — 0.90 — where 8 gives 0.999.)

Training. An IVF index needs trained lists before it can hold vectors. Until the index holds
``max(39 * nlist, 2 ** nbits)`` vectors (39 points per list is FAISS's own minimum for
k-means; ``2 ** nbits`` is the least a PQ codebook accepts) the vectors wait in an exact flat
buffer and searches are exact; the first ``add`` that reaches the threshold trains on every
vector held so far and moves them into the IVF index. Small indexes are thus exact, never
trained on a handful of points; an index that grows past the threshold keeps the lists it was
trained with.

Filters and tombstones become FAISS id selectors (a bitmap over ids). A filtered search widens
by the inverse of the allowed fraction — ``nprobe`` for IVF, ``efSearch`` for HNSW — so that it
weighs about as many allowed candidates as an unfiltered search, and it switches to an exact
scan of the allowed vectors where that is no dearer (HNSW when ``allowed**2 <= 2*M*ef*n``;
IVF-PQ when every list would be probed anyway). Filtered recall is thus at least the
unfiltered recall, and small filters are exact.

Persistence: ``index.faiss`` (``faiss.write_index``) and ``keys.json``. ``load_index(...,
mmap=True)`` maps the FAISS file (``IO_FLAG_MMAP_IFC``, zero-copy) where FAISS can; a mapped
index is read-only inside FAISS (changing it would abort the process), so the first change
copies it into memory.

Threads: FAISS's OpenMP thread count is process-wide; these classes never change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from everyvec._checks import check_int
from everyvec.index._faiss_base import (
    FaissIndexBase,
    KeyTable,
    TombstoneIndex,
    count_problem,
    faiss,
    idmap_problem,
    rows_of,
    widened,
)

__all__ = ["FaissFlatIndex", "FaissHNSWIndex", "FaissIVFFlatIndex", "FaissIVFPQIndex"]

#: Training points per inverted list below which vectors stay in the exact buffer.
TRAIN_POINTS_PER_LIST = 39


class FaissFlatIndex(FaissIndexBase):
    """Exact search with FAISS's flat index (``IDMap,Flat``), BLAS-batched.

    Parameters
    ----------
    dim
        Vector dimension.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"``.
    """

    kind = "flat"
    PARAMS: ClassVar[Mapping[str, tuple[type, Any]]] = {}
    exact = True

    def _new_faiss(self) -> Any:
        return faiss.index_factory(self.dim, "IDMap,Flat", self._metric_type)

    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        index = self._writable()
        index.add_with_ids(matrix, self._table.assign(keys))

    def _remove(self, keys: list[str]) -> None:
        index = self._writable()
        index.remove_ids(self._table.remove(keys))

    def _loaded_problem(self, index: Any, table: KeyTable) -> str | None:
        return idmap_problem(index, table)


class FaissIVFFlatIndex(FaissIndexBase):
    """Inverted lists of full vectors (``IVF{nlist},Flat``): scans ``nprobe`` lists per query.

    Parameters
    ----------
    dim
        Vector dimension.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"``.
    nlist
        Number of inverted lists (k-means centroids).
    nprobe
        Lists scanned per query (more is slower and more accurate).

    Notes
    -----
    Vectors are kept in an exact flat buffer until the index holds ``39 * nlist`` of them;
    see the module docstring.
    """

    kind = "ivfflat"
    SEARCH_PARAMS: ClassVar[tuple[str, ...]] = ("nprobe",)
    PARAMS: ClassVar[Mapping[str, tuple[type, Any]]] = {"nlist": (int, 1024),
                                                         "nprobe": (int, 16)}

    @property
    def trained(self) -> bool:
        """Whether the inverted lists are trained (False while vectors wait in the buffer)."""
        return isinstance(self._index, faiss.IndexIVF)

    @property
    def _train_size(self) -> int:
        return TRAIN_POINTS_PER_LIST * self.params["nlist"]

    def _new_faiss(self) -> Any:
        return faiss.index_factory(self.dim, "IDMap,Flat", self._metric_type)

    def _configure(self, index: Any) -> Any:
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = self.params["nprobe"]
        return index

    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        index = self._writable()
        if self.trained or index.ntotal + len(keys) < self._train_size:
            index.add_with_ids(matrix, self._table.assign(keys))
            return
        # Train on everything held so far; the table changes only once that has worked.
        buffer = faiss.downcast_index(index.index)
        start = self._table.next_id
        vectors = np.concatenate([rows_of(buffer, np.arange(buffer.ntotal)), matrix])
        ids = np.concatenate([faiss.vector_to_array(index.id_map),
                              np.arange(start, start + len(keys), dtype=np.int64)])
        trained = faiss.index_factory(self.dim, f"IVF{self.params['nlist']},Flat",
                                      self._metric_type)
        trained.train(vectors)
        trained.add_with_ids(vectors, ids)
        self._table.assign(keys)
        self._index = self._configure(trained)

    def _remove(self, keys: list[str]) -> None:
        index = self._writable()
        index.remove_ids(self._table.remove(keys))

    def _search_subset(self, queries: np.ndarray, k: int, selector: Any,
                       count: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.trained:
            return super()._search_subset(queries, k, selector, count)
        nprobe = widened(self.params["nprobe"], self._index.ntotal, count,
                          self.params["nlist"])
        params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        return self._index.search(queries, k, params=params)

    def _loaded_problem(self, index: Any, table: KeyTable) -> str | None:
        if isinstance(index, faiss.IndexIDMap):
            return idmap_problem(index, table)
        if not isinstance(index, faiss.IndexIVFFlat):
            return f"holds a FAISS {type(index).__name__}; expected an IndexIVFFlat"
        if index.nlist != self.params["nlist"]:
            return f"has {index.nlist} lists; the spec says nlist={self.params['nlist']}"
        return count_problem(index, len(table), "keys")


class FaissHNSWIndex(TombstoneIndex):
    """A hierarchical navigable small-world graph over full vectors (``HNSW{M},Flat``).

    Parameters
    ----------
    dim
        Vector dimension.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"``.
    M
        Links per node (memory and accuracy grow with it); at least 2.
    ef
        Candidate list size at search time (``efSearch``); larger is slower and more accurate.
    ef_construction
        Candidate list size while building the graph.

    Notes
    -----
    FAISS cannot delete from an HNSW graph: a removed key becomes a tombstone that searches
    skip, and the graph is rebuilt without them once they outnumber the live keys.
    """

    kind = "hnsw"
    SEARCH_PARAMS: ClassVar[tuple[str, ...]] = ("ef",)
    PARAMS: ClassVar[Mapping[str, tuple[type, Any]]] = {
        "M": (int, 32), "ef": (int, 128), "ef_construction": (int, 200)}

    def _check_own_params(self) -> None:
        check_int(self.params["M"], "M", type(self).__name__, minimum=2)

    def _new_faiss(self) -> Any:
        return faiss.IndexHNSWFlat(self.dim, self.params["M"], self._metric_type)

    def _configure(self, index: Any) -> Any:
        index.hnsw.efSearch = self.params["ef"]
        index.hnsw.efConstruction = self.params["ef_construction"]
        return index

    def _store(self) -> Any:
        return faiss.downcast_index(self._index.storage)

    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        index = self._writable()
        self._table.assign(keys)
        index.add(matrix)

    def _refill(self, vectors: np.ndarray) -> None:
        index = self._configure(self._new_faiss())
        index.add(vectors)
        self._index, self._mapped = index, False

    def _search_subset(self, queries: np.ndarray, k: int, selector: Any,
                       count: int) -> tuple[np.ndarray, np.ndarray]:
        total, ef = self._index.ntotal, self.params["ef"]
        # An exact scan costs ~count distances a query; the graph ~ef' * 2M with ef widened
        # to ef' = ef * total / count. Scan when that is no dearer (small filters).
        if count * count <= 2 * self.params["M"] * ef * total:
            return self._exact_subset(queries, k, selector)
        params = faiss.SearchParametersHNSW(sel=selector,
                                            efSearch=widened(ef, total, count, total))
        return self._index.search(queries, k, params=params)

    def _loaded_problem(self, index: Any, table: KeyTable) -> str | None:
        if not isinstance(index, faiss.IndexHNSWFlat):
            return f"holds a FAISS {type(index).__name__}; expected an IndexHNSWFlat"
        return count_problem(index, table.next_id, "entries (keys and tombstones)")


class FaissIVFPQIndex(TombstoneIndex):
    """Inverted lists of product-quantised codes, re-ranked exactly (``IVF…,PQ…,RFlat``).

    Parameters
    ----------
    dim
        Vector dimension.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"``.
    nlist
        Number of inverted lists (k-means centroids).
    m
        Sub-quantisers per vector; must divide ``dim``.
    nbits
        Bits per sub-quantiser code (1 to 16; 8 is FAISS's fast path).
    nprobe
        Lists scanned per query.
    rerank
        The PQ search returns ``k * rerank`` candidates, which ``IndexRefineFlat`` re-scores
        with exact distances; returned scores are exact. The full float32 vectors are kept
        for that, next to the codes.

    Notes
    -----
    Vectors are kept in an exact flat buffer until the index holds
    ``max(39 * nlist, 2 ** nbits)`` of them; see the module docstring. ``IndexRefineFlat``
    cannot delete, so removal leaves tombstones, dropped by a rebuild (which keeps the trained
    quantisers) once they outnumber the live keys.
    """

    kind = "ivfpq"
    SEARCH_PARAMS: ClassVar[tuple[str, ...]] = ("nprobe", "rerank")
    PARAMS: ClassVar[Mapping[str, tuple[type, Any]]] = {
        "nlist": (int, 1024), "m": (int, 16), "nbits": (int, 8), "nprobe": (int, 16),
        "rerank": (int, 8)}

    def _check_own_params(self) -> None:
        owner, m, nbits = type(self).__name__, self.params["m"], self.params["nbits"]
        if self.dim % m:
            near = sorted((d for d in range(1, self.dim + 1) if self.dim % d == 0),
                          key=lambda d: (abs(d - m), d))[:3]
            raise ValueError(f"The 'm' parameter of {owner} must divide the dimension "
                             f"{self.dim} (each sub-quantiser codes dim/m numbers), e.g. "
                             f"{', '.join(map(str, sorted(near)))}. Got {m}.")
        if nbits > 16:
            raise ValueError(f"The 'nbits' parameter of {owner} must be an int in 1..16. "
                             f"Got {nbits}.")

    @property
    def trained(self) -> bool:
        """Whether the quantisers are trained (False while vectors wait in the buffer)."""
        return isinstance(self._index, faiss.IndexRefine)

    @property
    def _train_size(self) -> int:
        return max(TRAIN_POINTS_PER_LIST * self.params["nlist"], 2 ** self.params["nbits"])

    @property
    def _factory(self) -> str:
        p = self.params
        # "np": no polysemous training (slow, and only for Hamming-threshold search).
        return f"IVF{p['nlist']},PQ{p['m']}x{p['nbits']}np,RFlat"

    def _new_faiss(self) -> Any:
        return faiss.IndexFlat(self.dim, self._metric_type)

    def _configure(self, index: Any) -> Any:
        if isinstance(index, faiss.IndexRefine):
            index.k_factor = float(self.params["rerank"])
            faiss.extract_index_ivf(index).nprobe = self.params["nprobe"]
        return index

    def _store(self) -> Any:
        if self.trained:
            return faiss.downcast_index(self._index.refine_index)
        return self._index

    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        if self.trained or len(self) + len(keys) < self._train_size:
            index = self._writable()
            self._table.assign(keys)
            index.add(matrix)
            return
        # Train on the live buffered vectors and the new ones (in that row order); the
        # table is renumbered to match only once that has worked.
        held = rows_of(self._store(), np.flatnonzero(self._table.live_mask()))
        vectors = np.concatenate([held, matrix])
        trained = faiss.index_factory(self.dim, self._factory, self._metric_type)
        trained.train(vectors)
        trained.add(vectors)
        self._table.compact()
        self._table.assign(keys)
        self._index, self._mapped = self._configure(trained), False
        self._live_selector = None

    def _refill(self, vectors: np.ndarray) -> None:
        if self.trained:
            index = self._writable()
            index.reset()
        else:
            index = self._index = self._new_faiss()
            self._mapped = False
        index.add(vectors)

    def _search_subset(self, queries: np.ndarray, k: int, selector: Any,
                       count: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.trained:
            return self._exact_subset(queries, k, selector)
        nlist = self.params["nlist"]
        nprobe = widened(self.params["nprobe"], self._index.ntotal, count, nlist)
        if nprobe >= nlist:  # every list would be scanned: scan the exact vectors instead
            return self._exact_subset(queries, k, selector)
        params = faiss.IndexRefineSearchParameters(
            k_factor=float(self.params["rerank"]),
            base_index_params=faiss.SearchParametersIVF(sel=selector, nprobe=nprobe))
        return self._index.search(queries, k, params=params)

    def _loaded_problem(self, index: Any, table: KeyTable) -> str | None:
        expected = table.next_id
        if isinstance(index, faiss.IndexRefine):
            base = faiss.downcast_index(index.base_index)
            p = self.params
            if not isinstance(base, faiss.IndexIVFPQ) or not isinstance(
                    faiss.downcast_index(index.refine_index), faiss.IndexFlat):
                return "holds an IndexRefine that is not IVF-PQ re-ranked by an IndexFlat"
            found = (base.nlist, base.pq.M, base.pq.nbits)
            if found != (p["nlist"], p["m"], p["nbits"]):
                return (f"has nlist, m, nbits = {found}; the spec says "
                        f"{(p['nlist'], p['m'], p['nbits'])}")
        elif not isinstance(index, faiss.IndexFlat):
            return f"holds a FAISS {type(index).__name__}; expected an IndexRefineFlat or IndexFlat"
        return count_problem(index, expected, "entries (keys and tombstones)")
