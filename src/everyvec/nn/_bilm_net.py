"""The torch modules of the ELMo-style biLM: the two LSTM stacks and :class:`ScalarMix`.

This module imports torch at the top; :mod:`everyvec.nn.bilm` imports it only when a model is
built, so ``import everyvec`` stays light.

Layout (Peters et al. 2018, "Deep contextualized word representations", seed 003), word level:

* one token embedding ``E`` (``Θ_x``) and one softmax layer (``Θ_s``), shared by both
  directions — their gradients come from the forward and the backward loss;
* a forward stack of ``L`` LSTM layers reading ``<s> w_1 … w_n`` and predicting
  ``w_1 … w_n </s>``, and a separate backward stack reading ``</s> w_n … w_1`` and predicting
  ``w_n … w_1 <s>`` (the vocabulary's EOS id marks both sentence ends);
* each LSTM projects its cells to the embedding width (``proj_size``, ELMo's LSTMP), so every
  layer is ``D`` wide, the top layer feeds the shared softmax directly, and layers from the
  second on add a residual connection from their input, as ELMo does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from everyvec._checks import check_bool, check_float, check_int
from everyvec.nn.batching import pack, unpack

__all__ = ["BiLMNetwork", "ScalarMix", "reverse_padded"]

_EOS_ID = 2


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse the first ``lengths[i]`` positions of each row of ``x`` (``(B, T)`` or
    ``(B, T, D)``); the padding stays where it is. Applying it twice gives ``x`` back."""
    width = x.shape[1]
    positions = torch.arange(width, device=x.device)[None, :]
    ends = lengths.to(x.device)[:, None]
    index = torch.where(positions < ends, ends - 1 - positions, positions)
    if x.dim() == 3:
        index = index[..., None].expand_as(x)
    return x.gather(1, index)


class BiLMNetwork(nn.Module):
    """Shared embedding and softmax, a forward and a backward LSTM stack (see module notes)."""

    def __init__(self, n_vocab: int, dim: int, hidden_size: int, num_layers: int,
                 dropout: float) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_vocab, dim, padding_idx=0)
        # proj_size must be < hidden_size; an LSTM as wide as the embedding needs none.
        proj = dim if hidden_size > dim else 0

        def stack() -> nn.ModuleList:
            return nn.ModuleList(nn.LSTM(dim, hidden_size, batch_first=True, proj_size=proj)
                                 for _ in range(num_layers))

        self.forward_layers = stack()
        self.backward_layers = stack()
        self.softmax = nn.Linear(dim, n_vocab)
        self.dropout = nn.Dropout(dropout)

    def _run(self, lstms: nn.ModuleList, embedded: torch.Tensor,
             lengths: torch.Tensor) -> list[torch.Tensor]:
        width = embedded.shape[1]
        outputs, previous = [], embedded
        for number, lstm in enumerate(lstms):
            packed, _ = lstm(pack(self.dropout(previous), lengths))
            out = unpack(packed, total_length=width)[0]
            if number > 0:  # residual connection, as between ELMo's LSTM layers
                out = out + previous
            outputs.append(out)
            previous = out
        return outputs

    def directions(self, ids: torch.Tensor, lengths: torch.Tensor
                   ) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
        """Every layer's output of both directions, aligned to ``ids`` positions.

        Parameters
        ----------
        ids, lengths
            A padded batch ``w_1 … w_n EOS PAD …`` (``lengths = n + 1``), as
            :class:`~everyvec.nn.batching.SequenceBatches` makes it with ``eos=2``.

        Returns
        -------
        forward, backward, starts
            ``forward[j][:, p]`` has read ``<s> w_1 … w_p`` and predicts ``ids[:, p]``;
            ``backward[j][:, p]`` has read ``</s> w_n … w_{p+1}`` and predicts
            ``starts[:, p]`` (``<s> w_1 … w_n``, the forward input).
        """
        start = torch.full_like(ids[:, :1], _EOS_ID)
        starts = torch.cat([start, ids[:, :-1]], dim=1)
        forward = self._run(self.forward_layers, self.embedding(starts), lengths)
        reversed_ids = reverse_padded(ids, lengths)
        backward = [reverse_padded(h, lengths) for h in
                    self._run(self.backward_layers, self.embedding(reversed_ids), lengths)]
        return forward, backward, starts

    def token_losses(self, ids: torch.Tensor, lengths: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Summed next-word cross-entropy of each direction over the real positions, and
        the number of predictions per direction (padding is never predicted)."""
        forward, backward, starts = self.directions(ids, lengths)
        positions = torch.arange(ids.shape[1], device=ids.device)
        real = positions[None, :] < lengths.to(ids.device)[:, None]
        loss = nn.functional.cross_entropy
        f = loss(self.softmax(self.dropout(forward[-1][real])), ids[real], reduction="sum")
        b = loss(self.softmax(self.dropout(backward[-1][real])), starts[real], reduction="sum")
        return f, b, int(real.sum())

    def representations(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, T - 1, 2L + 1, 2D)``: per word (the EOS column left out) the layer-0
        embedding as ``[x; x]`` and each layer's ``[forward; backward]`` output."""
        forward, backward, _ = self.directions(ids, lengths)
        words = ids.shape[1] - 1
        token = self.embedding(ids[:, :words])
        layers = [torch.cat([token, token], dim=-1)]
        # The forward state of word p (ids position p) has read it at input position p + 1.
        layers += [torch.cat([f[:, 1:], b[:, :words]], dim=-1)
                   for f, b in zip(forward, backward, strict=True)]
        return torch.stack(layers, dim=2)


class ScalarMix(nn.Module):
    """ELMo's task-specific layer mix: ``γ · Σ_j softmax(s)_j · h_j``.

    Parameters
    ----------
    n_layers
        Number of layers mixed. For a biLM with ``L`` LSTM layers that is ``L + 1``: the
        token layer ``[x; x]`` and the ``L`` layers ``[forward h_j; backward h_j]``, which
        together hold the paper's ``2L + 1`` representations.
    layer_norm
        Normalise each layer's vectors (zero mean, unit variance over the features, no
        learned affine) before mixing, so layers of different scales compete on their
        direction rather than their size. Off by default, as in ELMo.
    initial_weights
        Starting mixing weights (positive, normalised to sum 1); default equal weights.
    gamma
        Starting scale ``γ``.
    trainable
        Learn ``s`` and ``γ`` (False keeps the given mix fixed).

    Notes
    -----
    ``forward(layers)`` takes a tensor ``(..., n_layers, D)`` (the layer axis second to last,
    as :meth:`~everyvec.nn.bilm.BiLanguageModel.representations` returns them) or a
    sequence of ``n_layers`` tensors ``(..., D)``, and returns ``(..., D)``.
    """

    def __init__(self, n_layers: int, *, layer_norm: bool = False,
                 initial_weights: Sequence[float] | None = None, gamma: float = 1.0,
                 trainable: bool = True) -> None:
        super().__init__()
        owner = "ScalarMix"
        self.n_layers = check_int(n_layers, "n_layers", owner, minimum=1)
        self.layer_norm = check_bool(layer_norm, "layer_norm", owner)
        gamma = check_float(gamma, "gamma", owner)
        check_bool(trainable, "trainable", owner)
        if initial_weights is None:
            start = torch.zeros(self.n_layers)
        else:
            weights = np.asarray(initial_weights, dtype=np.float64) if isinstance(
                initial_weights, (list, tuple, np.ndarray)) else None
            if (weights is None or weights.shape != (self.n_layers,)
                    or not np.isfinite(weights).all() or (weights <= 0).any()):
                raise ValueError(f"The 'initial_weights' parameter of {owner} must be "
                                 f"{self.n_layers} positive numbers (one per layer) or None. "
                                 f"Got {initial_weights!r}.")
            start = torch.from_numpy(np.log(weights / weights.sum())).float()
        self.scalar_parameters = nn.Parameter(start, requires_grad=trainable)
        self.gamma = nn.Parameter(torch.tensor(gamma), requires_grad=trainable)

    def mixing_weights(self) -> torch.Tensor:
        """``softmax(s)``: the current layer weights (they sum to 1)."""
        return torch.softmax(self.scalar_parameters, dim=0)

    def forward(self, layers: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        if isinstance(layers, (list, tuple)):
            if len(layers) != self.n_layers:
                raise ValueError(f"ScalarMix: expected {self.n_layers} layers, got "
                                 f"{len(layers)}")
            layers = torch.stack(list(layers), dim=-2)
        if not isinstance(layers, torch.Tensor) or layers.dim() < 2 or (
                layers.shape[-2] != self.n_layers):
            shape = tuple(layers.shape) if isinstance(layers, torch.Tensor) else type(layers)
            raise ValueError(f"ScalarMix: expected a tensor (..., {self.n_layers}, D) or a "
                             f"list of {self.n_layers} tensors; got {shape}")
        if self.layer_norm:
            layers = nn.functional.layer_norm(layers, layers.shape[-1:])
        weights = self.mixing_weights().to(layers.dtype)
        return self.gamma.to(layers.dtype) * (weights[:, None] * layers).sum(dim=-2)

    def extra_repr(self) -> str:
        return f"n_layers={self.n_layers}, layer_norm={self.layer_norm}"
