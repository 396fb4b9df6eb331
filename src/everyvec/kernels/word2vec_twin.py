"""Slow plain NumPy/Python twins of the word2vec kernels: the test oracle.

:func:`train_skipgram_py` and :func:`train_cbow_py` take the arguments of
:func:`~everyvec.kernels.word2vec.train_skipgram` and
:func:`~everyvec.kernels.word2vec.train_cbow`, update the same arrays in place and draw from
the RNG in the same order, through the Python twins in :mod:`everyvec.kernels.sampling`, so
that one call of a kernel and of its twin on the same inputs ends in the same weights, RNG
state and stats (up to float32 rounding: the kernels may reorder sums). Every step is a
small function written for reading, not speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from everyvec.kernels.sampling import (
    MAX_EXP,
    TABLE_SCALE,
    TABLE_SIZE,
    draw_alias_py,
    draw_below_py,
    next_state_py,
    output32_py,
)

__all__ = ["train_cbow_py", "train_skipgram_py"]

_ALWAYS = 2**32


def _learning_rate(schedule: np.ndarray, words_done: int) -> np.float32:
    """Linear decay from ``schedule[0]`` to ``schedule[1]`` over the run's raw words."""
    alpha, min_alpha, base, scale, total = (float(v) for v in schedule)
    fraction = (base + words_done * scale) / total
    return np.float32(max(alpha - (alpha - min_alpha) * min(fraction, 1.0), min_alpha))


def _subsampling(keep: np.ndarray) -> bool:
    """Whether any word may be dropped (a keep threshold below 2**32)."""
    return bool(np.any(keep < np.uint64(_ALWAYS)))


def _kept_words(tokens: np.ndarray, remap: np.ndarray, keep: np.ndarray, subsample: bool,
                x: int) -> tuple[list[int], int]:
    """Vocabulary ids of one sentence's raw tokens, unknown and subsampled words dropped.

    One draw per known word when subsampling: it is kept when ``output32 < keep[w]``.
    """
    sentence = []
    for token in tokens:
        w = int(remap[token])
        if w < 0:
            continue
        if subsample:
            x = next_state_py(x)
            if output32_py(x) >= int(keep[w]):
                continue
        sentence.append(w)
    return sentence, x


def _window(i: int, n: int, window: int, shrink: bool, x: int) -> tuple[int, int, int]:
    """``(lo, hi, x)``: the positions ``lo..hi-1`` around centre ``i`` (``i`` included)."""
    b = 0
    if shrink:
        x = next_state_py(x)
        b = draw_below_py(output32_py(x), window)
    return max(0, i - window + b), min(n, i + window + 1 - b), x


def _negatives(center: int, negative: int, thresholds: np.ndarray, aliases: np.ndarray,
               x: int) -> tuple[list[int], list[int], int]:
    """``(targets, labels, x)``: the centre (label 1), then ``negative`` noise draws.

    A noise word equal to the centre gets label -1 (skipped), as in word2vec.c.
    """
    targets, labels = [center], [1]
    for _ in range(negative):
        t, x = draw_alias_py(x, thresholds, aliases)
        targets.append(t)
        labels.append(0 if t != center else -1)
    return targets, labels, x


def _softplus(z: float) -> float:
    """``-log sigmoid(-z)`` for a score outside the table."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _logistic(x: np.ndarray, ymat: np.ndarray, rows: Sequence[int], labels: Sequence[int],
              alpha: np.float32,
              sig: np.ndarray, logsig: np.ndarray, grad: np.ndarray) -> tuple[float, int]:
    """Train input vector ``x`` against output rows ``ymat[rows]`` towards ``labels``.

    Labels are 1, 0 or -1 (skip). A score beyond +-MAX_EXP adds to the loss and trains
    nothing. Output rows change in place, the input's gradient is added to ``grad``.
    Returns ``(loss, terms)``.
    """
    loss = 0.0
    terms = 0
    for y, label in zip(rows, labels, strict=True):
        if label < 0:
            continue
        terms += 1
        f = np.float32(np.dot(x, ymat[y]))
        if f >= MAX_EXP or f <= -MAX_EXP:
            loss += _softplus(-float(f) if label == 1 else float(f))
            continue
        i = int((float(f) + MAX_EXP) * TABLE_SCALE)
        g = np.float32((np.float32(label) - sig[i]) * alpha)
        loss -= float(logsig[i] if label == 1 else logsig[TABLE_SIZE - 1 - i])
        grad += g * ymat[y]
        ymat[y] += g * x
    return loss, terms


def _hs_path(center: int, points: np.ndarray, hs_labels: np.ndarray,
             code_lengths: np.ndarray) -> tuple[list[int], list[int]]:
    """Inner nodes and labels on the centre word's Huffman path."""
    length = int(code_lengths[center])
    return [int(p) for p in points[center, :length]], [int(c) for c in hs_labels[center, :length]]


def _add_stats(stats: np.ndarray, loss: float, terms: int, raw: int, kept: int) -> None:
    stats[0] += loss
    stats[1] += terms
    stats[2] += raw
    stats[3] += kept


def train_skipgram_py(
    tokens: np.ndarray, starts: np.ndarray, first: int, last: int, remap: np.ndarray,
    keep: np.ndarray, syn0: np.ndarray, syn1neg: np.ndarray, syn1: np.ndarray,
    thresholds: np.ndarray, aliases: np.ndarray, points: np.ndarray, hs_labels: np.ndarray,
    code_lengths: np.ndarray, sig: np.ndarray, logsig: np.ndarray, window: int, shrink: bool,
    negative: int, hs: bool, shared_negatives: bool, schedule: np.ndarray, state: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Twin of :func:`~everyvec.kernels.word2vec.train_skipgram`: same arguments, same effect.

    For every kept centre and every context word in its window, the context word's ``syn0``
    row is trained against the centre's Huffman path (``hs``) and/or the centre plus noise
    words (``negative``), and then moved by the summed gradient.
    """
    subsample = _subsampling(keep)
    x = int(state[0])
    loss, terms, raw, kept = 0.0, 0, 0, 0
    for s in range(first, last):
        begin, end = int(starts[s]), int(starts[s + 1])
        sentence, x = _kept_words(tokens[begin:end], remap, keep, subsample, x)
        alpha = _learning_rate(schedule, raw)
        raw += end - begin
        kept += len(sentence)
        for i, center in enumerate(sentence):
            lo, hi, x = _window(i, len(sentence), window, shrink, x)
            if negative > 0 and shared_negatives:
                targets, labels, x = _negatives(center, negative, thresholds, aliases, x)
            for j in range(lo, hi):
                if j == i:
                    continue
                context = sentence[j]
                grad = np.zeros(syn0.shape[1], np.float32)
                if hs:
                    nodes, codes = _hs_path(center, points, hs_labels, code_lengths)
                    part, count = _logistic(syn0[context], syn1, nodes, codes, alpha, sig,
                                            logsig, grad)
                    loss += part
                    terms += count
                if negative > 0:
                    if not shared_negatives:
                        targets, labels, x = _negatives(center, negative, thresholds, aliases,
                                                        x)
                    part, count = _logistic(syn0[context], syn1neg, targets, labels, alpha, sig,
                                            logsig, grad)
                    loss += part
                    terms += count
                syn0[context] += grad
    state[0] = np.uint64(x)
    _add_stats(stats, loss, terms, raw, kept)


def _context_vector(sentence: list[int], i: int, lo: int, hi: int, syn0: np.ndarray,
                    mean: bool) -> np.ndarray:
    """Sum (or mean) of the ``syn0`` rows of the context words, added in window order."""
    hidden = np.zeros(syn0.shape[1], np.float32)
    for j in range(lo, hi):
        if j != i:
            hidden += syn0[sentence[j]]
    if mean:
        hidden *= np.float32(1.0 / (hi - lo - 1))
    return hidden


def train_cbow_py(
    tokens: np.ndarray, starts: np.ndarray, first: int, last: int, remap: np.ndarray,
    keep: np.ndarray, syn0: np.ndarray, syn1neg: np.ndarray, syn1: np.ndarray,
    thresholds: np.ndarray, aliases: np.ndarray, points: np.ndarray, hs_labels: np.ndarray,
    code_lengths: np.ndarray, sig: np.ndarray, logsig: np.ndarray, window: int, shrink: bool,
    negative: int, hs: bool, cbow_mean: bool, schedule: np.ndarray, state: np.ndarray,
    stats: np.ndarray,
) -> None:
    """Twin of :func:`~everyvec.kernels.word2vec.train_cbow`: same arguments, same effect.

    For every kept centre with at least one context word, the mean (``cbow_mean``) or sum of
    the context rows of ``syn0`` is trained against the centre's outputs; the gradient
    (divided by the context count when summing) is added to every context row.
    """
    subsample = _subsampling(keep)
    x = int(state[0])
    loss, terms, raw, kept = 0.0, 0, 0, 0
    for s in range(first, last):
        begin, end = int(starts[s]), int(starts[s + 1])
        sentence, x = _kept_words(tokens[begin:end], remap, keep, subsample, x)
        alpha = _learning_rate(schedule, raw)
        raw += end - begin
        kept += len(sentence)
        for i, center in enumerate(sentence):
            lo, hi, x = _window(i, len(sentence), window, shrink, x)
            count = hi - lo - 1
            if count <= 0:
                continue
            hidden = _context_vector(sentence, i, lo, hi, syn0, cbow_mean)
            grad = np.zeros(syn0.shape[1], np.float32)
            if hs:
                nodes, codes = _hs_path(center, points, hs_labels, code_lengths)
                part, n_terms = _logistic(hidden, syn1, nodes, codes, alpha, sig, logsig, grad)
                loss += part
                terms += n_terms
            if negative > 0:
                targets, labels, x = _negatives(center, negative, thresholds, aliases, x)
                part, n_terms = _logistic(hidden, syn1neg, targets, labels, alpha, sig, logsig,
                                          grad)
                loss += part
                terms += n_terms
            if not cbow_mean:
                grad *= np.float32(1.0 / count)
            for j in range(lo, hi):
                if j != i:
                    syn0[sentence[j]] += grad
    state[0] = np.uint64(x)
    _add_stats(stats, loss, terms, raw, kept)
