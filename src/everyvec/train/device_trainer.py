"""The PyTorch trainer behind ``Word2Vec(..., device=...)``: one GPU, CPU, or many processes.

Epochs run over the same id-encoded corpus as the CPU engine, in blocks of whole sentences.
Each block goes to the device once; subsampling, windows and noise words are drawn there
(:mod:`everyvec.train.device_batches`) and the centres are trained ``batch_words`` at a time
(:mod:`everyvec.train.device_step`). The learning rate decays linearly over all epochs'
raw words, as in the CPU engine, and is set per batch from the batch's position in the
corpus.

With several processes (:mod:`everyvec.train.distributed`) block ``b`` belongs to rank
``b % world``; after every round of blocks — about ``sync_words`` tokens per rank — the
ranks synchronise their tables. Blocks are never larger than the corpus divided among the
ranks, so a small corpus still keeps every rank busy.

Random streams are derived from ``(seed, run, epoch, block)``, so a block is trained with the
same draws whichever rank holds it and however often the run was restarted.
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._progress import Meter
from everyvec.kernels.sampling import derive_state
from everyvec.train import distributed
from everyvec.train.device_batches import DeviceTables, context_slots, kept_tokens
from everyvec.train.device_step import StepTotals, cbow_step, skipgram_step
from everyvec.train.encoded import EncodedCorpus
from everyvec.train.trainer import EpochReport, learning_rate

if TYPE_CHECKING:
    from everyvec.train.word2vec import Word2Vec

__all__ = ["train_on_device"]

logger = logging.getLogger(__name__)


class _Tables:
    """The model's three matrices as tensors on the device (shared with numpy on CPU)."""

    def __init__(self, model: Word2Vec, device: Any) -> None:
        import torch

        self.device = device
        self.syn0, self.syn1neg, self.syn1 = (
            torch.from_numpy(m).to(device)
            for m in (model.input_matrix_, model.output_matrix_, model.tree_matrix_))

    def write_back(self, model: Word2Vec) -> None:
        """Copy the tensors into the model's numpy matrices (nothing to do on CPU)."""
        if self.device.type != "cpu":
            model.input_matrix_[:] = self.syn0.cpu().numpy()
            model.output_matrix_[:] = self.syn1neg.cpu().numpy()
            model.tree_matrix_[:] = self.syn1.cpu().numpy()


def train_on_device(model: Word2Vec, encoded: EncodedCorpus, remap: np.ndarray,
                    first_epoch: int, fingerprint: dict[str, Any]) -> None:
    """Train epochs ``first_epoch..model.epochs-1`` of ``model`` on its torch device."""
    import torch

    from everyvec.nn.training import resolve_device

    device = resolve_device(model.device, type(model).__name__)
    ranks, device = distributed.join(device)
    model.rank_ = ranks.rank
    try:
        if ranks.distributed:
            distributed.check_same_on_all_ranks(
                [fingerprint, model.get_params(), first_epoch], "corpus or settings", device)
        tables = DeviceTables.build(model.vocabulary_, remap, sample=model.sample,
                                    ns_exponent=model.ns_exponent, negative=model.negative,
                                    hs=model.hs, device=device)
        weights = _Tables(model, device)
        sync = (distributed.TableSync([weights.syn0, weights.syn1neg, weights.syn1])
                if ranks.distributed else None)
        per_rank = math.ceil(encoded.n_tokens / ranks.world)
        blocks = encoded.block_bounds(min(model.sync_words, per_rank))
        rounds = math.ceil(len(blocks) / ranks.world)
        logger.info("training %s on %s, rank %d of %d: %d blocks", model, device, ranks.rank,
                    ranks.world, len(blocks))
        remaining = (model.epochs - first_epoch) * encoded.n_tokens
        with Meter("training", remaining,
                   progress=model.progress if ranks.writer else False) as meter:
            for epoch in range(first_epoch, model.epochs):
                started = time.perf_counter()
                totals = StepTotals(device)
                raw = kept = shown = 0
                for r in range(rounds):
                    b = r * ranks.world + ranks.rank
                    if b < len(blocks):
                        n_raw, n_kept = _train_block(model, encoded, blocks[b], b, epoch,
                                                     tables, weights, totals)
                        raw += n_raw
                        kept += n_kept
                    if sync is not None:
                        sync()
                    elapsed = time.perf_counter() - started
                    estimate = min(raw * ranks.world, encoded.n_tokens)  # all ranks' words
                    meter.advance(estimate - shown, rate=estimate / elapsed if elapsed else None,
                                  description=f"epoch {epoch + 1}/{model.epochs}")
                    shown = estimate
                stats = [float(totals.loss), float(totals.terms), float(raw), float(kept)]
                if ranks.distributed:
                    stats = distributed.sum_on_all_ranks(stats, device)
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                weights.write_back(model)
                seconds = time.perf_counter() - started
                report = EpochReport(
                    epoch=epoch, loss=stats[0], terms=int(stats[1]), raw_words=int(stats[2]),
                    kept_words=int(stats[3]), seconds=seconds,
                    alpha=learning_rate(model.alpha, model.min_alpha, epoch + 1, model.epochs))
                model.sync_seconds_ = sync.seconds if sync is not None else 0.0
                model._epoch_done(report)
    finally:
        distributed.leave(ranks)


def _train_block(model: Word2Vec, encoded: EncodedCorpus, bounds: tuple[int, int], b: int,
                 epoch: int, tables: DeviceTables, weights: _Tables,
                 totals: StepTotals) -> tuple[int, int]:
    """Train on the block of sentences ``bounds``; returns ``(raw, kept)`` token counts."""
    import torch

    first, last = bounds
    tokens, starts = encoded.read_block(first, last)
    generator = torch.Generator(device=weights.device)
    generator.manual_seed(derive_state(model.seed, model._runs, epoch, b))
    ids, sentences = kept_tokens(tokens, starts, tables, generator)
    n = len(ids)
    total = float(model.epochs) * encoded.n_tokens
    base = float(epoch) * encoded.n_tokens + float(encoded.starts[first])
    window, shrink = model._window_settings(encoded)
    for lo in range(0, n, model.batch_words):
        hi = min(lo + model.batch_words, n)
        alpha = learning_rate(model.alpha, model.min_alpha, base + len(tokens) * lo / n, total)
        centres, contexts, mask = context_slots(ids, sentences, lo, hi, window, shrink,
                                                generator)
        span = ids[max(lo - window, 0): hi + window]  # the words the contexts come from
        common = {"negative": model.negative, "hs": model.hs, "alpha": alpha,
                  "generator": generator, "totals": totals}
        if model.sg:
            skipgram_step(weights.syn0, weights.syn1neg, weights.syn1, tables, centres,
                          contexts, mask, span, shared_negatives=model.shared_negatives, **common)
        else:
            cbow_step(weights.syn0, weights.syn1neg, weights.syn1, tables, centres, contexts,
                      mask, span, cbow_mean=model.cbow_mean, **common)
    return len(tokens), n
