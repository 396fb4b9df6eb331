"""The entity-embedding network of :class:`~everyvec.nn.tabular.TabularEmbedder` (torch).

One ``nn.Embedding`` per categorical column; the looked-up rows and the standardised numbers
are concatenated (that concatenation is what ``transform`` returns) and go through a ReLU MLP
to the output: one logit (binary), one per class (multi-class) or one number (regression on
the standardised target). torch is passed in, so importing this module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["build_network", "features", "loss_function", "outputs"]

#: Rows per forward pass when predicting or transforming (no gradients, so memory is small).
INFERENCE_ROWS = 16_384


def build_network(torch: Any, cardinalities: Sequence[int], dims: Sequence[int],
                  n_numeric: int, hidden: Sequence[int], dropout: float,
                  n_outputs: int) -> Any:
    """A fresh network; its state dict names are ``embeddings.<j>.weight``, ``mlp.*``,
    ``output.*``."""
    nn = torch.nn

    class EntityEmbeddingNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings = nn.ModuleList(nn.Embedding(n, d)
                                            for n, d in zip(cardinalities, dims, strict=True))
            for table in self.embeddings:
                # Small initial vectors (fastai's choice): the MLP starts near a function of
                # the numbers alone and the categories earn their distance through the loss.
                nn.init.normal_(table.weight, std=0.01)
            layers: list[Any] = []
            width = int(sum(dims)) + n_numeric
            for size in hidden:
                layers += [nn.Linear(width, size), nn.ReLU()]
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
                width = size
            self.mlp = nn.Sequential(*layers)
            self.output = nn.Linear(width, n_outputs)

        def features(self, codes: Any, numeric: Any) -> Any:
            parts = [table(codes[:, j]) for j, table in enumerate(self.embeddings)]
            return torch.cat([*parts, numeric], dim=1)

        def forward(self, codes: Any, numeric: Any) -> Any:
            return self.output(self.mlp(self.features(codes, numeric)))

    return EntityEmbeddingNet()


def loss_function(torch: Any, kind: str) -> Any:
    """``loss(model, (codes, numeric, target))`` for ``kind`` binary / multiclass / regression."""
    functional = torch.nn.functional

    def loss(model: Any, batch: Any) -> Any:
        codes, numeric, target = batch
        out = model(codes, numeric)
        if kind == "binary":
            return functional.binary_cross_entropy_with_logits(out[:, 0], target)
        if kind == "multiclass":
            return functional.cross_entropy(out, target)
        return functional.mse_loss(out[:, 0], target)

    return loss


def _chunks(torch: Any, model: Any, codes: np.ndarray, numeric: np.ndarray, device: Any,
            method: str, width: int) -> np.ndarray:
    out = np.empty((len(codes), width), np.float32)
    model.eval()
    with torch.no_grad():
        for start in range(0, len(codes), INFERENCE_ROWS):
            stop = start + INFERENCE_ROWS
            c = torch.as_tensor(codes[start:stop]).to(device)
            x = torch.as_tensor(numeric[start:stop]).to(device)
            out[start:stop] = getattr(model, method)(c, x).cpu().numpy()
    return out


def outputs(torch: Any, model: Any, codes: np.ndarray, numeric: np.ndarray,
            device: Any) -> np.ndarray:
    """Raw network outputs (logits or standardised predictions), float32 ``(rows, outputs)``."""
    return _chunks(torch, model, codes, numeric, device, "forward",
                   int(model.output.out_features))


def features(torch: Any, model: Any, codes: np.ndarray, numeric: np.ndarray,
             device: Any) -> np.ndarray:
    """The concatenated embeddings and numbers, float32 ``(rows, sum(dims) + numeric)``."""
    width = sum(int(t.embedding_dim) for t in model.embeddings) + numeric.shape[1]
    return _chunks(torch, model, codes, numeric, device, "features", width)
