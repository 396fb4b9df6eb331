"""The network of :class:`~everyvec.nn.language_model.RNNLanguageModel` and its batch maths.

Layout (a ``torch.nn.ModuleDict``, so ``state_dict`` names are stable and saved as they are):

* ``embedding``: ``(V, E)`` input word vectors, PAD = row 0;
* ``rnn``: an LSTM or GRU stack, ``num_layers`` deep, batch-first;
* ``dropout``: applied to the embeddings and to the top layer's outputs;
* ``decoder``: a ``Linear(H, V)`` softmax layer, or with tied weights ``output.bias`` only:
  the logits are then ``h @ embedding.weight.T + bias``, and the shared matrix is stored once.

A sentence ``w1 .. wn`` is read as ``EOS w1 .. wn`` and predicts ``w1 .. wn EOS``: EOS doubles
as the start token, so the first word has a prediction too and no fourth special is needed.
Batches arrive as ``SequenceBatches`` rows ``w1 .. wn EOS`` (padded, with lengths); the
inputs are those rows shifted right by one behind EOS. The RNN runs over packed sequences
and the softmax over the packed real positions only, so padding costs no compute and never
enters the loss.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from everyvec.nn.batching import pack
from everyvec.nn.training import import_torch

START = 2  # the EOS id, fed first as the start-of-sentence token

# Evaluation batches hold at most this many predicted tokens: the logits of a batch are
# (tokens, vocabulary) floats, which is what bounds memory when the vocabulary is large.
EVAL_TOKENS = 8192


def build_network(torch: Any, n_vocab: int, embedding_dim: int, hidden_size: int, cell: str,
                  num_layers: int, dropout: float, tie_weights: bool) -> Any:
    """A fresh network; initialised as PyTorch's word-language-model example does."""
    nn = torch.nn
    rnn_class = nn.LSTM if cell == "lstm" else nn.GRU
    layers = {
        "embedding": nn.Embedding(n_vocab, embedding_dim, padding_idx=0),
        # Dropout between stacked layers only exists with more than one layer (torch warns).
        "rnn": rnn_class(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True,
                         dropout=dropout if num_layers > 1 else 0.0),
        "dropout": nn.Dropout(dropout),
    }
    if tie_weights:
        layers["output"] = nn.ParameterDict({"bias": nn.Parameter(torch.zeros(n_vocab))})
    else:
        layers["decoder"] = nn.Linear(hidden_size, n_vocab)
    net = nn.ModuleDict(layers)
    with torch.no_grad():
        net["embedding"].weight.uniform_(-0.1, 0.1)
        net["embedding"].weight[0].zero_()
        if not tie_weights:
            net["decoder"].weight.uniform_(-0.1, 0.1)
            net["decoder"].bias.zero_()
    return net


def logits(net: Any, hidden: Any) -> Any:
    """Next-word scores ``(N, V)`` for hidden states ``(N, H)``."""
    if "decoder" in net:
        return net["decoder"](hidden)
    torch = import_torch()
    return torch.nn.functional.linear(hidden, net["embedding"].weight, net["output"]["bias"])


def run(net: Any, ids: Any, lengths: Any) -> tuple[Any, Any]:
    """Read padded rows ``w1 .. wn EOS`` as ``EOS w1 .. wn``.

    Returns the packed outputs of the top layer and the final hidden state ``(layers, B, H)``
    (an LSTM's ``h``, not its cell), rows in input order.
    """
    torch = import_torch()
    start = ids.new_full((ids.shape[0], 1), START)
    inputs = torch.cat([start, ids[:, :-1]], dim=1)
    embedded = net["dropout"](net["embedding"](inputs))
    output, state = net["rnn"](pack(embedded, lengths))
    hidden = state[0] if isinstance(state, tuple) else state
    return output, hidden


def token_losses(net: Any, ids: Any, lengths: Any, reduction: str) -> Any:
    """Cross-entropy of every real next-word prediction of the batch (EOS included)."""
    torch = import_torch()
    output, _ = run(net, ids, lengths)
    # pack() sorts rows by length the same way for the targets as for the inputs, so the
    # packed targets line up with the packed outputs position by position.
    targets = pack(ids, lengths).data
    scores = logits(net, net["dropout"](output.data))
    return torch.nn.functional.cross_entropy(scores, targets, reduction=reduction)


def eval_groups(lengths: np.ndarray, max_rows: int,
                max_tokens: int = EVAL_TOKENS) -> list[np.ndarray]:
    """Row numbers sorted by length, cut into batches of at most ``max_rows`` rows and
    ``max_tokens`` tokens (a longer row goes alone); little padding, bounded memory."""
    order = np.argsort(lengths, kind="stable")
    groups, start = [], 0
    while start < len(order):
        stop = start + 1
        while (stop < len(order) and stop - start < max_rows
               and int(lengths[order[stop]]) * (stop + 1 - start) <= max_tokens):
            stop += 1  # sorted ascending: the new row is the longest, so it sets the width
        groups.append(order[start:stop])
        start = stop
    return groups


class TokenBatches:
    """A :class:`~everyvec.nn.batching.SequenceBatches` that counts predicted tokens as rows.

    :func:`~everyvec.nn.training.fit_loop` weights each batch's loss by its row count; with
    tokens as the count, the epoch and validation losses become the mean cross-entropy per
    token, i.e. the log of the perplexity, exactly.
    """

    def __init__(self, source: Any) -> None:
        self.source = source
        self.n_rows = int(source.lengths.sum())
        self.n_sentences = source.n_rows

    def __len__(self) -> int:
        return len(self.source)

    def batches(self, generator: Any | None) -> Any:
        for ((ids, lengths), _), _rows in self.source.batches(generator):
            yield (ids, lengths), int(lengths.sum())


class ClippedOptimizer:
    """An optimiser that clips the gradient norm before each step (RNN gradients can
    explode on long sentences)."""

    def __init__(self, optimizer: Any, parameters: list[Any], max_norm: float) -> None:
        self.optimizer = optimizer
        self.parameters = parameters
        self.max_norm = max_norm

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def step(self) -> None:
        import_torch().nn.utils.clip_grad_norm_(self.parameters, self.max_norm)
        self.optimizer.step()
