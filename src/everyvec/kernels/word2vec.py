"""word2vec training kernels: skip-gram and CBOW, negative sampling and hierarchical softmax.

One call trains on a range of sentences of an id-encoded block and releases the GIL, so the
trainer runs one call per thread on the same weight matrices (hogwild: updates are not locked,
as in word2vec.c and gensim). The inner loops are plain loops over the vector dimension that
LLVM turns into fused multiply-adds on SIMD registers.

Per sentence, as word2vec.c does: raw token ids are mapped to vocabulary ids (``remap``; -1 is
out of vocabulary and dropped), frequent words are dropped at random (``keep`` thresholds),
then every kept word is a centre whose window is shrunk by a random ``b`` in ``[0, window)``
(``shrink``). The learning rate decays linearly with the fraction of raw words processed.

Skip-gram trains each (context, centre) pair: the context word's input vector (``syn0``)
predicts the centre word's outputs. With ``shared_negatives`` the ``negative`` noise words are
drawn once per centre and shared by all its context words — the idea of Ji et al. 2016
("Parallelizing Word2Vec in Shared and Distributed Memory"): the few output rows a window
touches stay in L1 cache and there are fewer random draws, while updates are applied pair by
pair exactly as in word2vec.c. Without it, fresh negatives are drawn for every pair.

CBOW trains the mean (``cbow_mean``) or sum of the context input vectors against the centre's
outputs and adds the resulting gradient to every context word (divided by the context count
when summing), as gensim does.

Outputs per call go to ``stats``: ``[loss, terms, raw_words, kept_words]`` where ``loss`` is
the float64 sum of ``-log sigmoid(±score)`` over the ``terms`` logistic terms trained.

The slow twin is :mod:`everyvec.kernels.word2vec_twin`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from everyvec.kernels.sampling import (
    MAX_EXP,
    TABLE_SCALE,
    TABLE_SIZE,
    draw_alias,
    draw_below,
    next_state,
    output32,
)

__all__ = ["train_cbow", "train_skipgram", "STATS_SIZE"]

#: Length of the ``stats`` array every kernel adds to.
STATS_SIZE = 4
_ALWAYS = np.uint64(4294967296)


@njit(cache=True, nogil=True)
def _softplus(z):
    # -log(sigmoid(-z)) without overflow, for the rare scores outside the table
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@njit(cache=True, nogil=True, fastmath=True)
def _logistic(xmat, xrow, ymat, yrows, labels, n_out, alpha, sig, logsig, grad):
    """Train input ``xmat[xrow]`` against output rows ``ymat[yrows[:n_out]]``.

    ``labels`` are 1 (true output), 0 (noise) or -1 (skip). Output rows are updated in place;
    the input's gradient is added to ``grad``. A score beyond +-MAX_EXP counts in the loss but
    is not trained, as in gensim (word2vec.c clips it for negative sampling instead; skipping
    scored as well or better in our runs). Returns ``(loss, terms)``.
    """
    dim = xmat.shape[1]
    loss = 0.0
    terms = 0
    for k in range(n_out):
        label = labels[k]
        if label < 0:
            continue
        terms += 1
        y = yrows[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += xmat[xrow, d] * ymat[y, d]
        if f >= MAX_EXP or f <= -MAX_EXP:
            loss += _softplus(-f if label == 1 else f)
            continue
        i = int((f + MAX_EXP) * TABLE_SCALE)
        g = np.float32((label - sig[i]) * alpha)
        loss -= logsig[i] if label == 1 else logsig[TABLE_SIZE - 1 - i]
        for d in range(dim):
            grad[d] += g * ymat[y, d]
        for d in range(dim):
            ymat[y, d] += g * xmat[xrow, d]
    return loss, terms


@njit(cache=True, nogil=True)
def _keep_sentence(tokens, begin, end, remap, keep, subsample, sentence, x):
    """Map, drop unknown and subsample ``tokens[begin:end]`` into ``sentence``."""
    n = 0
    for p in range(begin, end):
        w = remap[tokens[p]]
        if w < 0:
            continue
        if subsample:
            x = next_state(x)
            if output32(x) >= keep[w]:
                continue
        sentence[n] = w
        n += 1
    return n, x


@njit(cache=True, nogil=True)
def _draw_negatives(center, negative, thresholds, aliases, targets, labels, x):
    targets[0] = center
    labels[0] = 1
    for k in range(1, negative + 1):
        t, x = draw_alias(x, thresholds, aliases)
        targets[k] = t
        labels[k] = 0 if t != center else -1  # word2vec.c skips a noise word equal to the target
    return x


@njit(cache=True, nogil=True)
def _longest(starts, first, last):
    longest = 1
    for s in range(first, last):
        longest = max(longest, starts[s + 1] - starts[s])
    return longest


@njit(cache=True, nogil=True)
def _alpha(schedule, words_done):
    """Linear decay: schedule = [alpha, min_alpha, progress_base, progress_scale, total]."""
    fraction = (schedule[2] + words_done * schedule[3]) / schedule[4]
    alpha = schedule[0] - (schedule[0] - schedule[1]) * min(fraction, 1.0)
    return max(alpha, schedule[1])


@njit(cache=True, nogil=True)
def _subsampling(keep):
    """Whether any word may be dropped (else no random number is spent on subsampling)."""
    for v in keep:
        if v < _ALWAYS:
            return True
    return False


@njit(cache=True, nogil=True)
def _window(i, n, window, shrink, x):
    """Context positions ``lo..hi-1`` around ``i``, the window shrunk by a random ``b``."""
    b = 0
    if shrink:
        x = next_state(x)
        b = draw_below(output32(x), window)
    return max(0, i - window + b), min(n, i + window + 1 - b), x


@njit(cache=True, nogil=True)
def _finish(state, x, stats, loss, terms, raw, kept):
    state[0] = x
    stats[0] += loss
    stats[1] += terms
    stats[2] += raw
    stats[3] += kept


@njit(cache=True, nogil=True, fastmath=True)
def train_skipgram(tokens, starts, first, last, remap, keep, syn0, syn1neg, syn1, thresholds,
                   aliases, points, hs_labels, code_lengths, sig, logsig, window, shrink,
                   negative, hs, shared_negatives, schedule, state, stats):
    """Skip-gram over sentences ``first..last-1`` (``tokens[starts[s]:starts[s+1]]``).

    ``state`` is a one-element uint64 array holding the thread's RNG state (updated).
    """
    dim = syn0.shape[1]
    subsample = _subsampling(keep)
    sentence = np.empty(_longest(starts, first, last), np.int32)
    grad = np.empty(dim, np.float32)
    targets = np.empty(negative + 1, np.int64)
    labels = np.empty(negative + 1, np.int8)
    x = state[0]
    loss = 0.0
    terms = 0
    raw = 0
    kept = 0
    for s in range(first, last):
        n, x = _keep_sentence(tokens, starts[s], starts[s + 1], remap, keep, subsample,
                              sentence, x)
        alpha = np.float32(_alpha(schedule, raw))
        raw += starts[s + 1] - starts[s]
        kept += n
        for i in range(n):
            center = sentence[i]
            lo, hi, x = _window(i, n, window, shrink, x)
            if negative > 0 and shared_negatives:
                x = _draw_negatives(center, negative, thresholds, aliases, targets, labels, x)
            for j in range(lo, hi):
                if j == i:
                    continue
                context = sentence[j]
                grad[:] = 0.0
                if hs:
                    length = code_lengths[center]
                    part, count = _logistic(syn0, context, syn1, points[center], hs_labels[center],
                                      length, alpha, sig, logsig, grad)
                    loss += part
                    terms += count
                if negative > 0:
                    if not shared_negatives:
                        x = _draw_negatives(center, negative, thresholds, aliases, targets,
                                            labels, x)
                    part, count = _logistic(syn0, context, syn1neg, targets, labels, negative + 1,
                                      alpha, sig, logsig, grad)
                    loss += part
                    terms += count
                for d in range(dim):
                    syn0[context, d] += grad[d]
    _finish(state, x, stats, loss, terms, raw, kept)


@njit(cache=True, nogil=True, fastmath=True)
def train_cbow(tokens, starts, first, last, remap, keep, syn0, syn1neg, syn1, thresholds,
               aliases, points, hs_labels, code_lengths, sig, logsig, window, shrink,
               negative, hs, cbow_mean, schedule, state, stats):
    """CBOW over sentences ``first..last-1``; arguments as :func:`train_skipgram`."""
    dim = syn0.shape[1]
    subsample = _subsampling(keep)
    sentence = np.empty(_longest(starts, first, last), np.int32)
    grad = np.empty(dim, np.float32)
    hidden = np.empty((1, dim), np.float32)
    targets = np.empty(negative + 1, np.int64)
    labels = np.empty(negative + 1, np.int8)
    x = state[0]
    loss = 0.0
    terms = 0
    raw = 0
    kept = 0
    for s in range(first, last):
        n, x = _keep_sentence(tokens, starts[s], starts[s + 1], remap, keep, subsample,
                              sentence, x)
        alpha = np.float32(_alpha(schedule, raw))
        raw += starts[s + 1] - starts[s]
        kept += n
        for i in range(n):
            center = sentence[i]
            lo, hi, x = _window(i, n, window, shrink, x)
            count = hi - lo - 1
            if count <= 0:
                continue
            hidden[0, :] = 0.0
            for j in range(lo, hi):
                if j != i:
                    context = sentence[j]
                    for d in range(dim):
                        hidden[0, d] += syn0[context, d]
            if cbow_mean:
                inv = np.float32(1.0 / count)
                for d in range(dim):
                    hidden[0, d] *= inv
            grad[:] = 0.0
            if hs:
                length = code_lengths[center]
                part, n_terms = _logistic(hidden, 0, syn1, points[center], hs_labels[center],
                                          length, alpha, sig, logsig, grad)
                loss += part
                terms += n_terms
            if negative > 0:
                x = _draw_negatives(center, negative, thresholds, aliases, targets, labels, x)
                part, n_terms = _logistic(hidden, 0, syn1neg, targets, labels, negative + 1,
                                          alpha, sig, logsig, grad)
                loss += part
                terms += n_terms
            if not cbow_mean:
                inv = np.float32(1.0 / count)
                for d in range(dim):
                    grad[d] *= inv
            for j in range(lo, hi):
                if j != i:
                    context = sentence[j]
                    for d in range(dim):
                        syn0[context, d] += grad[d]
    _finish(state, x, stats, loss, terms, raw, kept)
