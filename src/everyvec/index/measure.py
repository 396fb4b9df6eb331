"""Measure an index against the exact one: build time, queries per second, recall@k.

Recall@k is the share of the exact top ``k`` that the index also returns, averaged over the
queries — the number that says whether an approximate index is good enough.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from everyvec.index.base import Matches
from everyvec.index.spec import make_index

__all__ = ["IndexReport", "measure_index", "recall_at_k"]


@dataclass(frozen=True)
class IndexReport:
    """What :func:`measure_index` measured (times in seconds, rates per second)."""

    spec: str
    metric: str
    count: int
    dim: int
    queries: int
    k: int
    build_seconds: float
    qps: float
    exact_qps: float
    recall: float

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-able dict."""
        return asdict(self)


def recall_at_k(found: Matches, truth: Matches) -> float:
    """Mean over queries of |found ∩ truth| / |truth| (padding ignored)."""
    hits = total = 0
    for row, expected in zip(found.keys, truth.keys, strict=True):
        wanted = {key for key in expected if key is not None}
        hits += len(wanted & {key for key in row if key is not None})
        total += len(wanted)
    return hits / total if total else 1.0


def measure_index(keys: list[str], matrix: np.ndarray, spec: str, *, queries: np.ndarray,
                  k: int = 10, metric: str = "cosine", repeat: int = 1) -> IndexReport:
    """Build ``spec`` and the exact index over ``matrix`` and compare them on ``queries``.

    Parameters
    ----------
    keys, matrix
        The data: one key per row.
    spec
        The index to measure, e.g. ``"hnsw:M=32,ef=128"``.
    queries
        ``(n, dim)`` query vectors.
    k
        Neighbours per query.
    metric
        ``"cosine"``, ``"dot"`` or ``"euclidean"``.
    repeat
        Timed search repetitions; the fastest counts (the first may pay for page faults).
    """
    exact = make_index("exact", dim=matrix.shape[1], metric=metric)
    exact.add(keys, matrix)
    truth, exact_seconds = _timed_search(exact, queries, k, repeat)
    started = time.perf_counter()
    index = make_index(spec, dim=matrix.shape[1], metric=metric)
    index.add(keys, matrix)
    build = time.perf_counter() - started
    found, seconds = _timed_search(index, queries, k, repeat)
    return IndexReport(spec=index.spec, metric=metric, count=len(keys), dim=matrix.shape[1],
                       queries=len(queries), k=k, build_seconds=build,
                       qps=len(queries) / seconds, exact_qps=len(queries) / exact_seconds,
                       recall=recall_at_k(found, truth))


def _timed_search(index: Any, queries: np.ndarray, k: int,
                  repeat: int) -> tuple[Matches, float]:
    best = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = index.search(queries, k=k)
        best = min(best, time.perf_counter() - started)
    return result, best
