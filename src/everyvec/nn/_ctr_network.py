"""The network behind the CTR models: one feature table, first-order weights, FM and DNN parts.

Layout (as in the DeepFM paper, Guo et al. 2017): a row is ``F`` fields, each one *feature*
— a categorical value, or a numeric column — given as a feature index and a feature value
(1 for a categorical value, the standardised number for a numeric column). Every feature owns
one row of the first-order table (a weight) and one row of the **single shared** embedding
table (a vector). For a row with feature vectors ``e_f = x_f · v_f``:

* first order: ``Σ_f x_f · w_f`` (logistic regression);
* FM second order: ``Σ_{f<g} <e_f, e_g>``, computed in ``O(F·k)`` as
  ``½ Σ_d [(Σ_f e_fd)² − Σ_f e_fd²]`` (Rendle 2010);
* DNN: an MLP over the concatenated ``e_f`` — the same vectors the FM part reads, so both
  parts train the one embedding table;

and the logit is ``bias + first order (+ FM) (+ DNN)``; the click probability its sigmoid.
``kind`` picks the parts: ``"logistic"``, ``"fm"`` or ``"deepfm"``.

torch is passed in by the caller, so importing this module never imports torch.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["KINDS", "build_network", "feature_layout", "features", "pairwise_interactions"]

KINDS = ("logistic", "fm", "deepfm")


def pairwise_interactions(e: Any) -> Any:
    """``Σ_{f<g} <e[:, f], e[:, g]>`` per row of ``e`` (rows, fields, dim), in ``O(F·k)``.

    Works on numpy arrays and torch tensors alike (only ``sum`` and powers are used).
    """
    return 0.5 * (e.sum(1) ** 2 - (e ** 2).sum(1)).sum(1)


def feature_layout(cardinalities: Sequence[int], n_numeric: int) -> tuple[np.ndarray, int]:
    """``(offsets, n_features)``: where each categorical field's rows start in the tables.

    Categorical field ``j`` owns rows ``offsets[j] … offsets[j] + cardinalities[j] − 1``
    (its UNK code 0 first); numeric column ``i`` owns row ``offsets[-1] + i``.
    """
    offsets = np.zeros(len(cardinalities) + 1, np.int64)
    np.cumsum(cardinalities, out=offsets[1:])
    return offsets, int(offsets[-1]) + n_numeric


def features(codes: np.ndarray, numeric: np.ndarray,
             offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature indices (int64) and values (float32), both ``(rows, fields)``."""
    n = len(codes)
    index = np.concatenate([codes + offsets[:-1],
                            np.broadcast_to(offsets[-1] + np.arange(numeric.shape[1]),
                                            (n, numeric.shape[1]))], axis=1)
    values = np.concatenate([np.ones(codes.shape, np.float32), numeric], axis=1)
    return np.ascontiguousarray(index, np.int64), np.ascontiguousarray(values, np.float32)


@functools.cache
def _network_class(torch: Any) -> type:
    nn = torch.nn

    class CTRNetwork(nn.Module):
        """bias + first order (+ FM over the shared embedding) (+ DNN over the same)."""

        def __init__(self, n_features: int, n_fields: int, kind: str, dim: int,
                     hidden: Sequence[int], dropout: float, sparse: bool) -> None:
            super().__init__()
            self.kind = kind
            self.bias = nn.Parameter(torch.zeros(1))
            self.first = nn.Embedding(n_features, 1, sparse=sparse)
            self.embedding = (nn.Embedding(n_features, dim, sparse=sparse)
                              if kind != "logistic" else None)
            self.dnn = None
            if kind == "deepfm":
                layers: list[Any] = []
                width = n_fields * dim
                for size in hidden:
                    layers += [nn.Linear(width, size), nn.ReLU()]
                    if dropout > 0:
                        layers.append(nn.Dropout(dropout))
                    width = size
                layers.append(nn.Linear(width, 1))
                self.dnn = nn.Sequential(*layers)

        def parts(self, index: Any, values: Any) -> dict[str, Any]:
            """Each part's contribution to the logit, ``(rows,)`` tensors."""
            out = {"first": (self.first(index).squeeze(-1) * values).sum(1)}
            if self.embedding is not None:
                e = self.embedding(index) * values.unsqueeze(-1)  # (rows, fields, dim)
                out["fm"] = pairwise_interactions(e)
                if self.dnn is not None:
                    out["dnn"] = self.dnn(e.flatten(1)).squeeze(-1)
            return out

        def forward(self, index: Any, values: Any) -> Any:
            """Click logits, ``(rows,)``."""
            return self.bias + sum(self.parts(index, values).values())

    return CTRNetwork


def build_network(torch: Any, n_features: int, n_fields: int, kind: str, dim: int,
                  hidden: Sequence[int], dropout: float, sparse: bool,
                  unk_rows: Sequence[int] = (), base_rate: float = 0.5) -> Any:
    """A fresh network; UNK rows start at zero and the bias at the logit of ``base_rate``.

    A zero UNK row makes a value never seen in training contribute nothing until training
    moves it (it does when ``min_count`` sends rare values there).
    """
    net = _network_class(torch)(n_features, n_fields, kind, dim, tuple(hidden), dropout,
                                sparse)
    rate = min(max(base_rate, 1e-6), 1 - 1e-6)
    with torch.no_grad():
        net.bias.fill_(math.log(rate / (1 - rate)))
        net.first.weight.zero_()
        if net.embedding is not None:
            # Small random vectors: the FM term starts near 0 but is not stuck at the
            # saddle point that all-zero vectors would be.
            net.embedding.weight.normal_(0.0, 0.01)
            net.embedding.weight[list(unk_rows)] = 0.0
    return net
