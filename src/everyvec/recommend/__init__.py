"""Recommending from embeddings: item vectors, user vectors, baselines and their evaluation.

* :class:`VectorRecommender` — user vector (mean or recency-weighted mean of history item
  vectors) → nearest items through an :mod:`everyvec.index` backend, seen items skipped.
* :class:`MostPopular`, :class:`ItemKNN` — the baselines every table should carry.
* :class:`YouTubeCandidates` — the YouTube-style candidate generator (PyTorch, SPEC §6).
* :func:`evaluate_recommender` with recall@k, NDCG@k, hit rate and coverage.
"""

from __future__ import annotations

import importlib
from typing import Any

from everyvec.recommend.base import Recommendation, Recommender, VectorRecommender

__all__ = [
    "ItemKNN",
    "MostPopular",
    "Recommendation",
    "Recommender",
    "VectorRecommender",
    "YouTubeCandidates",
    "coverage",
    "evaluate_recommender",
    "hit_rate",
    "ndcg_at_k",
    "recall_at_k",
]

_LAZY = {
    "ItemKNN": "everyvec.recommend.baselines",
    "MostPopular": "everyvec.recommend.baselines",
    "YouTubeCandidates": "everyvec.nn.youtube",
    "coverage": "everyvec.evaluate.recs",
    "evaluate_recommender": "everyvec.evaluate.recs",
    "hit_rate": "everyvec.evaluate.recs",
    "ndcg_at_k": "everyvec.evaluate.recs",
    "recall_at_k": "everyvec.evaluate.recs",
}


def __getattr__(name: str) -> Any:
    # torch (YouTubeCandidates) and scipy (ItemKNN) load only when asked for.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'everyvec.recommend' has no attribute {name!r}")
