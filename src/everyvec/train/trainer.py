"""The shared training loop: epochs over an encoded corpus, on threads, with a linear schedule.

Each epoch reads the encoded corpus in blocks of whole sentences; each block is cut into
``workers`` ranges of about equal token counts, and one kernel call per range runs on its own
thread with the GIL released (hogwild: the threads update the same matrices without locks).
The learning rate decays linearly from ``alpha`` to ``min_alpha`` over all epochs, measured in
raw corpus words; a thread that has done ``n`` words of its range counts as ``n * ranges``
words of progress, since the ranges run side by side.

Random streams are derived from ``(seed, *stream, epoch, block, thread)``, so a run with one
worker is bit-reproducible. With several workers the order in which threads touch shared rows
varies from run to run: results are equally good but not bit-identical (as in word2vec.c and
gensim).

The loss reported per epoch is the float64 sum over threads of each thread's float64 sum of
``-log sigmoid(±score)`` over the logistic terms it trained — it neither overflows nor races
(gensim's running loss is a shared float32 updated without a lock).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from everyvec._progress import Meter
from everyvec.kernels.sampling import derive_state
from everyvec.kernels.word2vec import STATS_SIZE
from everyvec.train.encoded import EncodedCorpus

__all__ = ["EpochReport", "TrainingReport", "learning_rate", "run_epochs", "split_ranges"]

#: ``step(tokens, starts, first, last, schedule, state, stats)``: one kernel call.
Step = Callable[[np.ndarray, np.ndarray, int, int, np.ndarray, np.ndarray, np.ndarray], None]

#: Tokens per block and worker: large enough that thread start-up is noise, small enough
#: that a progress bar moves and a block's ids stay in cache-friendly sizes.
BLOCK_TOKENS_PER_WORKER = 1 << 20


@dataclasses.dataclass(frozen=True)
class EpochReport:
    """What one epoch did.

    Attributes
    ----------
    epoch
        Epoch number, from 0, counted over the whole training run.
    loss
        Sum of ``-log sigmoid(±score)`` over the logistic terms trained (float64).
    terms
        Logistic terms trained (pairs × outputs).
    raw_words
        Corpus tokens read, unknown and subsampled ones included.
    kept_words
        Tokens left after dropping unknown words and subsampling (the centres trained).
    seconds
        Wall-clock time of the epoch.
    alpha
        Learning rate at the end of the epoch.
    """

    epoch: int
    loss: float
    terms: int
    raw_words: int
    kept_words: int
    seconds: float
    alpha: float

    @property
    def mean_loss(self) -> float:
        """Loss per logistic term."""
        return self.loss / self.terms if self.terms else float("nan")

    @property
    def words_per_second(self) -> float:
        """Raw corpus words per second (gensim reports the same unit)."""
        return self.raw_words / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"mean_loss": self.mean_loss,
                                           "words_per_second": self.words_per_second}


@dataclasses.dataclass
class TrainingReport:
    """Epoch reports of a model, across every ``fit`` call that trained it."""

    epochs: list[EpochReport] = dataclasses.field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(e.seconds for e in self.epochs)

    @property
    def raw_words(self) -> int:
        return sum(e.raw_words for e in self.epochs)

    @property
    def words_per_second(self) -> float:
        """Raw words per second over all epochs."""
        return self.raw_words / self.seconds if self.seconds > 0 else float("nan")

    @property
    def losses(self) -> list[float]:
        """Mean loss per term, one value per epoch."""
        return [e.mean_loss for e in self.epochs]

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": [dataclasses.asdict(e) for e in self.epochs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingReport:
        return cls([EpochReport(**e) for e in data.get("epochs", [])])

    def __str__(self) -> str:
        lines = ["epoch   mean loss      words/s   kept words   seconds"]
        for e in self.epochs:
            lines.append(f"{e.epoch:>5} {e.mean_loss:>11.5f} {e.words_per_second:>12,.0f} "
                         f"{e.kept_words:>12,} {e.seconds:>9.2f}")
        return "\n".join(lines)


def learning_rate(alpha: float, min_alpha: float, done: float, total: float) -> float:
    """Linear decay from ``alpha`` to ``min_alpha`` as ``done`` words of ``total`` pass (the
    kernels' ``_alpha`` does the same per sentence)."""
    return max(alpha - (alpha - min_alpha) * min(done / total, 1.0), min_alpha)


def split_ranges(starts: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Cut the sentences of a block into at most ``parts`` ranges of about equal tokens."""
    n = len(starts) - 1
    targets = np.linspace(0, starts[-1], parts + 1)[1:-1]
    cuts = [0, *np.searchsorted(starts, targets, side="left").tolist(), n]
    return [(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def run_epochs(step: Step, encoded: EncodedCorpus, *, epochs: int, alpha: float,
               min_alpha: float, workers: int, seed: int, stream: Sequence[int] = (),
               first_epoch: int = 0, progress: bool | None = None,
               on_epoch_end: Callable[[EpochReport], Any] | None = None,
               block_tokens: int | None = None) -> list[EpochReport]:
    """Train epochs ``first_epoch..epochs-1`` of a run of ``epochs`` epochs.

    ``on_epoch_end`` runs after each epoch (checkpoints and callbacks hang off it); starting at
    ``first_epoch > 0`` resumes a run with the same learning rates and random streams.
    """
    n_tokens = encoded.n_tokens
    total = float(epochs) * n_tokens
    block_tokens = block_tokens or BLOCK_TOKENS_PER_WORKER * workers
    blocks = encoded.block_bounds(block_tokens)
    reports: list[EpochReport] = []
    executor = ThreadPoolExecutor(workers, thread_name_prefix="everyvec") if workers > 1 else None
    remaining = (epochs - first_epoch) * n_tokens
    try:
        with Meter("training", remaining, progress=progress) as meter:
            for epoch in range(first_epoch, epochs):
                started = time.perf_counter()
                totals = np.zeros(STATS_SIZE)
                for b, (first, last) in enumerate(blocks):
                    tokens, starts = encoded.read_block(first, last)
                    ranges = split_ranges(starts, workers)
                    schedule = np.array([alpha, min_alpha,
                                         epoch * n_tokens + encoded.starts[first],
                                         len(ranges), total], dtype=np.float64)
                    states = [np.array([derive_state(seed, *stream, epoch, b, t)], np.uint64)
                              for t in range(len(ranges))]
                    stats = np.zeros((len(ranges), STATS_SIZE))
                    if executor is None or len(ranges) == 1:
                        for t, (lo, hi) in enumerate(ranges):
                            step(tokens, starts, lo, hi, schedule, states[t], stats[t])
                    else:
                        futures = [executor.submit(step, tokens, starts, lo, hi, schedule,
                                                   states[t], stats[t])
                                   for t, (lo, hi) in enumerate(ranges)]
                        for future in futures:
                            future.result()
                    totals += stats.sum(axis=0)
                    elapsed = time.perf_counter() - started
                    meter.advance(len(tokens), rate=totals[2] / elapsed if elapsed else None,
                                  description=f"epoch {epoch + 1}/{epochs}")
                seconds = time.perf_counter() - started
                report = EpochReport(epoch=epoch, loss=float(totals[0]),
                                     terms=int(totals[1]), raw_words=int(totals[2]),
                                     kept_words=int(totals[3]), seconds=seconds,
                                     alpha=learning_rate(alpha, min_alpha, epoch + 1, epochs))
                reports.append(report)
                if on_epoch_end is not None:
                    on_epoch_end(report)
    finally:
        if executor is not None:
            executor.shutdown(wait=True)
    return reports
