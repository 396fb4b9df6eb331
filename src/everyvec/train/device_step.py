"""One training step of skip-gram or CBOW on a batch of centres, as a few dense tensor ops.

The gradients are written out by hand — no autograd graph, no optimiser object: the
logistic units of a batch are scored with one batched matrix product, the errors ``g`` are
``alpha * (label - sigmoid(score))`` as in word2vec, and each table receives its row updates
with ``index_add_``. Only rows the batch touches are read or written, so the cost does not
grow with the vocabulary.

**Rows seen many times in one batch.** Sequential word2vec applies a frequent word's updates
one after another, each computed from the vector the previous one left. A batch computes them
all from the same vector; summed, a word that occurs hundreds of times in a batch (``the``
as a noise word) takes a step hundreds of times too long and training diverges (measured:
mean loss 8.6 instead of 0.42 on text8). So each row's summed update is kept whole for a row
that occurs up to :data:`ROW_CAP` times in the batch and scaled by ``ROW_CAP / occurrences``
beyond: rare and middling words move exactly as the sum of their word2vec updates, frequent
ones by at most ``ROW_CAP`` times their average update. Occurrences count positions in the
text (an input row) or draws (an output row), not the window slots that repeat a position.
Measured on the text8 prefix (skip-gram, 3 epochs, 4096 centres per batch; CPU engine
analogy 0.059 / WS-353 0.387): a cap of 16 gave 0.054 / 0.414, 8 gave 0.047 / 0.409, 4 gave
0.030 / 0.356; 32 let the loss jump early (1.37); dividing each row's sum by the square root
of its count learnt too slowly (0.011-0.023). Single runs: on so small a corpus the analogy
score moves by about 0.01 from run to run.

Scores beyond ±6 count in the loss but are not trained, as in the CPU kernels (and gensim).
"""

from __future__ import annotations

from typing import Any

from everyvec.kernels.sampling import MAX_EXP
from everyvec.train.device_batches import DeviceTables, draw_noise

__all__ = ["ROW_CAP", "StepTotals", "cbow_step", "skipgram_step"]

#: A row occurring up to this many times in a batch takes the sum of its updates; one occurring
#: ``k`` more often takes ``ROW_CAP / k`` of the sum (see the module docstring).
ROW_CAP = 16.0


class StepTotals:
    """Loss and term counts summed on the device (read once per block, not per step)."""

    def __init__(self, device: Any) -> None:
        import torch

        self.loss = torch.zeros((), dtype=torch.float64, device=device)
        self.terms = torch.zeros((), dtype=torch.int64, device=device)

    def add(self, loss: Any, terms: Any) -> None:
        self.loss += loss
        self.terms += terms


def _add_rows(table: Any, rows: Any, updates: Any, occurrences: Any) -> None:
    """``table[rows] += updates``, each row's sum damped when the row occurs more than
    :data:`ROW_CAP` times in ``occurrences``."""
    import torch

    counts = torch.zeros(len(table), dtype=updates.dtype, device=table.device)
    counts.index_add_(0, occurrences, torch.ones_like(occurrences, dtype=updates.dtype))
    scale = (ROW_CAP / counts.clamp_(min=1.0)).clamp_(max=1.0)
    flat_rows = rows.reshape(-1)
    table.index_add_(0, flat_rows, updates.reshape(-1, table.shape[1]) * scale[flat_rows, None])


def _logistic(hidden: Any, hidden_mask: Any, table: Any, rows: Any, labels: Any,
              rows_mask: Any, alpha: float, totals: StepTotals) -> Any:
    """Train ``hidden`` (B, S, D) against ``table[rows]`` (B, T) with ``labels`` (B, T).

    Updates ``table`` in place and returns the gradient of ``hidden`` (B, S, D).
    """
    import torch
    from torch.nn.functional import softplus

    outputs = table[rows]
    scores = torch.bmm(hidden, outputs.transpose(1, 2))
    pairs = hidden_mask[:, :, None] & rows_mask[:, None, :]
    signed = torch.where(labels[:, None, :] > 0.5, -scores, scores)
    totals.add(torch.where(pairs, softplus(signed), 0.0).sum(dtype=torch.float64),
               pairs.sum())
    trained = pairs & (scores.abs() < MAX_EXP)
    g = torch.where(trained, (labels[:, None, :] - torch.sigmoid(scores)) * alpha, 0.0)
    used = rows_mask & hidden_mask.any(dim=1, keepdim=True)
    _add_rows(table, rows, torch.bmm(g.transpose(1, 2), hidden), rows[used])
    return torch.bmm(g, outputs)


def _hs_rows(centres: Any, tables: DeviceTables) -> tuple[Any, Any, Any]:
    import torch

    rows = tables.points[centres]
    depth = torch.arange(rows.shape[1], device=rows.device)
    return rows, tables.labels[centres], depth[None, :] < tables.lengths[centres][:, None]


def _ns_rows(centres: Any, negative: int, tables: DeviceTables,
             generator: Any) -> tuple[Any, Any, Any]:
    """The centre (label 1) and ``negative`` noise words (label 0), per row of ``centres``.

    A noise word equal to the centre is masked out, as word2vec.c skips it.
    """
    import torch

    noise = draw_noise((*centres.shape, negative), tables, generator)
    rows = torch.cat([centres[..., None], noise], dim=-1)
    labels = torch.zeros(rows.shape, dtype=torch.float32, device=rows.device)
    labels[..., 0] = 1.0
    mask = torch.ones(rows.shape, dtype=torch.bool, device=rows.device)
    mask[..., 1:] = noise != centres[..., None]
    return rows, labels, mask


def skipgram_step(syn0: Any, syn1neg: Any, syn1: Any, tables: DeviceTables, centres: Any,
                  contexts: Any, mask: Any, span: Any, *, negative: int, hs: bool,
                  shared_negatives: bool, alpha: float, generator: Any,
                  totals: StepTotals) -> None:
    """Each context word's input vector predicts the centre's outputs (as word2vec.c)."""
    import torch

    hidden = syn0[contexts]
    grad = torch.zeros_like(hidden)
    if hs:
        rows, labels, rows_mask = _hs_rows(centres, tables)
        grad += _logistic(hidden, mask, syn1, rows, labels, rows_mask, alpha, totals)
    if negative:
        if shared_negatives:  # one draw per centre, shared by its context words
            rows, labels, rows_mask = _ns_rows(centres, negative, tables, generator)
            grad += _logistic(hidden, mask, syn1neg, rows, labels, rows_mask, alpha, totals)
        else:  # a fresh draw per (centre, context) pair: each pair is its own batch row
            b, s, d = hidden.shape
            pair_centres = centres[:, None].expand(b, s).reshape(-1)
            rows, labels, rows_mask = _ns_rows(pair_centres, negative, tables, generator)
            grad += _logistic(hidden.reshape(b * s, 1, d), mask.reshape(b * s, 1), syn1neg,
                              rows, labels, rows_mask, alpha, totals).reshape(b, s, d)
    _add_rows(syn0, contexts, grad, span)


def cbow_step(syn0: Any, syn1neg: Any, syn1: Any, tables: DeviceTables, centres: Any,
              contexts: Any, mask: Any, span: Any, *, negative: int, hs: bool, cbow_mean: bool,
              alpha: float, generator: Any, totals: StepTotals) -> None:
    """The mean (or sum) of the context vectors predicts the centre's outputs.

    The gradient goes to every context word unchanged with ``cbow_mean``, divided by the
    context count when summing — as gensim and the CPU kernels do.
    """
    weights = mask.to(syn0.dtype)
    count = weights.sum(dim=1)
    hidden = (syn0[contexts] * weights[..., None]).sum(dim=1)
    per_count = 1.0 / count.clamp(min=1.0)
    if cbow_mean:
        hidden = hidden * per_count[:, None]
    hidden = hidden[:, None, :]
    hidden_mask = (count > 0)[:, None]
    grad = hidden.new_zeros(hidden.shape)
    if hs:
        rows, labels, rows_mask = _hs_rows(centres, tables)
        grad += _logistic(hidden, hidden_mask, syn1, rows, labels, rows_mask, alpha, totals)
    if negative:
        rows, labels, rows_mask = _ns_rows(centres, negative, tables, generator)
        grad += _logistic(hidden, hidden_mask, syn1neg, rows, labels, rows_mask, alpha, totals)
    if not cbow_mean:
        grad = grad * per_count[:, None, None]
    _add_rows(syn0, contexts, grad.expand(-1, contexts.shape[1], -1), span)
