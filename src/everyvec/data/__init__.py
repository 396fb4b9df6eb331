"""Data that is not text: interaction logs (who used which item, when) and graphs.

* :class:`Interactions` — read CSV / Parquet / DataFrames of (user, item, time, rating), filter
  them, turn them into time-ordered histories or baskets, and split them for evaluation.
* :class:`Graph` — a compressed-sparse-row graph over string node names, read from edge lists,
  for random walks (DeepWalk, node2vec).
* :func:`load_adult` — the UCI Adult census table (official train/test split) as a DataFrame.
* :func:`ctr_dataset` — generated click-through data with a known ground truth.
* :func:`load_stsb` — the STS Benchmark sentence pairs with gold similarity scores.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Graph", "Interactions", "StsPairs", "ctr_dataset", "load_adult", "load_stsb"]

_LAZY = {"Graph": "everyvec.data.graph", "Interactions": "everyvec.data.interactions",
         "ctr_dataset": "everyvec.data.synthetic", "load_adult": "everyvec.data.adult",
         "StsPairs": "everyvec.data.stsb", "load_stsb": "everyvec.data.stsb"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'everyvec.data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
