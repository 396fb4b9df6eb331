"""The word2vec kernels against their slow twins, and a check that they learn."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec.kernels.huffman import huffman_tree
from everyvec.kernels.sampling import alias_table, derive_state, sigmoid_tables
from everyvec.kernels.word2vec import STATS_SIZE, train_cbow, train_skipgram
from everyvec.kernels.word2vec_twin import train_cbow_py, train_skipgram_py

SIG, LOGSIG = sigmoid_tables()
ALWAYS = 2**32


@dataclass
class Case:
    """Every argument of a kernel call; :meth:`args` gives fresh copies of the mutable ones."""

    tokens: np.ndarray
    starts: np.ndarray
    first: int
    last: int
    remap: np.ndarray
    keep: np.ndarray
    syn0: np.ndarray
    syn1neg: np.ndarray
    syn1: np.ndarray
    thresholds: np.ndarray
    aliases: np.ndarray
    points: np.ndarray
    hs_labels: np.ndarray
    code_lengths: np.ndarray
    window: int
    shrink: bool
    negative: int
    hs: bool
    flag: bool  # shared_negatives (skip-gram) or cbow_mean (CBOW)
    schedule: np.ndarray
    seed: int
    stats: np.ndarray = field(default_factory=lambda: np.zeros(STATS_SIZE))

    def args(self) -> tuple:
        return (self.tokens, self.starts, self.first, self.last, self.remap, self.keep,
                self.syn0.copy(), self.syn1neg.copy(), self.syn1.copy(), self.thresholds,
                self.aliases, self.points, self.hs_labels, self.code_lengths, SIG, LOGSIG,
                self.window, self.shrink, self.negative, self.hs, self.flag, self.schedule,
                np.array([derive_state(self.seed, 0)], np.uint64), self.stats.copy())


def make_case(seed: int, *, vocab: int = 10, negative: int = 3, hs: bool = False,
              flag: bool = True, shrink: bool = True, sample: bool = False, window: int = 3,
              sentences: int = 4, oov: int = 3, dim: int = 8, alpha: float = 0.1,
              zero_outputs: bool = False, subrange: bool = False) -> Case:
    """A tiny random corpus and model; raw ids ``vocab..vocab+oov-1`` are out of vocabulary."""
    rng = np.random.default_rng(seed)
    n_raw = vocab + oov
    remap = np.full(n_raw, -1, np.int32)
    remap[rng.permutation(n_raw)[:vocab]] = np.arange(vocab, dtype=np.int32)
    lengths = rng.integers(0, 10, sentences)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tokens = rng.integers(0, n_raw, int(starts[-1])).astype(np.int32)
    known = remap[tokens]
    counts = np.bincount(known[known >= 0], minlength=vocab) + 1
    if sample:  # some words always kept, the others with probability 1/4..1
        keep = rng.integers(ALWAYS // 4, ALWAYS + 1, vocab).astype(np.uint64)
        keep[rng.random(vocab) < 0.3] = ALWAYS
    else:
        keep = np.full(vocab, ALWAYS, np.uint64)
    thresholds, aliases = alias_table(counts.astype(np.float64) ** 0.75)
    if hs:
        points, hs_labels, code_lengths = huffman_tree(counts)
    else:
        points = np.zeros((vocab, 1), np.int32)
        hs_labels = np.zeros((vocab, 1), np.int8)
        code_lengths = np.zeros(vocab, np.int32)

    def weights(rows: int, scale: float) -> np.ndarray:
        if zero_outputs and scale < 1:
            return np.zeros((rows, dim), np.float32)
        return ((rng.random((rows, dim)) - 0.5) * scale / dim).astype(np.float32)

    syn0 = weights(vocab, 1.0)
    syn1neg = weights(vocab, 0.5) if negative > 0 else np.zeros((0, dim), np.float32)
    syn1 = weights(max(vocab - 1, 1), 0.5) if hs else np.zeros((0, dim), np.float32)
    first, last = (1, max(1, sentences - 1)) if subrange else (0, sentences)
    total = max(int(starts[-1]), 1)
    schedule = np.array([alpha, alpha / 100, 0.25 * total, 1.0, 2.0 * total], np.float64)
    return Case(tokens, starts, first, last, remap, keep, syn0, syn1neg, syn1, thresholds,
                aliases, points, hs_labels, code_lengths, window, shrink, negative, hs, flag,
                schedule, seed)


def run_both(case: Case, sg: bool) -> tuple[tuple, tuple]:
    """Run kernel and twin on copies of the same inputs; return both argument tuples."""
    kernel, twin = (train_skipgram, train_skipgram_py) if sg else (train_cbow, train_cbow_py)
    got, want = case.args(), case.args()
    kernel(*got)
    twin(*want)
    return got, want


def assert_same(got: tuple, want: tuple) -> None:
    """syn0, syn1neg, syn1, state and stats agree (float32 sums may be reordered)."""
    for k, name in zip((6, 7, 8), ("syn0", "syn1neg", "syn1"), strict=True):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6, err_msg=name)
    assert int(got[22][0]) == int(want[22][0]), "RNG state"
    np.testing.assert_array_equal(got[23][1:], want[23][1:])  # terms, raw and kept words
    np.testing.assert_allclose(got[23][0], want[23][0], rtol=1e-5)


def expected_counts(case: Case) -> tuple[int, int]:
    """Raw words in the range, and the in-vocabulary ones among them."""
    a, b = case.starts[case.first], case.starts[case.last]
    return int(b - a), int(np.sum(case.remap[case.tokens[a:b]] >= 0))


OBJECTIVES = {"ns": (3, False), "hs": (0, True), "ns+hs": (2, True)}


@pytest.mark.parametrize(
    ("sg", "objective", "flag", "shrink", "sample"),
    list(itertools.product([True, False], OBJECTIVES, [True, False], [True, False],
                           [True, False])),
)
def test_kernel_matches_twin(sg: bool, objective: str, flag: bool, shrink: bool,
                             sample: bool) -> None:
    negative, hs = OBJECTIVES[objective]
    case = make_case(11, negative=negative, hs=hs, flag=flag, shrink=shrink, sample=sample)
    got, want = run_both(case, sg)
    assert_same(got, want)
    raw, known = expected_counts(case)
    stats = got[23]
    assert stats[2] == raw and stats[1] > 0 and stats[0] > 0
    if sample:
        assert 0 < stats[3] < known
    else:
        assert stats[3] == known
    assert not np.array_equal(got[6], case.syn0)  # it trained
    if negative:
        assert not np.array_equal(got[7], case.syn1neg)
    if hs:
        assert not np.array_equal(got[8], case.syn1)


@pytest.mark.parametrize("sg", [True, False])
def test_zero_initialised_outputs(sg: bool) -> None:
    # word2vec starts the output layers at zero: every first score is exactly 0, the boundary
    # between table cells 499 and 500, and the first gradients are +-alpha/2, so updates of a
    # row can cancel to a residue whose score is ~1e-12 of either sign, depending on the order
    # of the sum. For this seed every score of a non-zero row is above 1e-5 in magnitude.
    case = make_case(5, negative=2, hs=True, zero_outputs=True, sentences=6)
    assert not case.syn1neg.any() and not case.syn1.any()
    got, want = run_both(case, sg)
    assert_same(got, want)
    assert got[7].any() and got[8].any()


def test_cbow_sum_divides_gradient_by_context_count() -> None:
    # One sentence "a b": each centre has one context word, so summing (not averaging)
    # gives the same update as the mean, whatever the number of logistic terms.
    case = make_case(2, vocab=2, oov=0, sentences=1, negative=3, hs=True, shrink=False)
    case.tokens = np.array([0, 1], np.int32)
    case.starts = np.array([0, 2], np.int64)
    case.first, case.last = 0, 1
    results = []
    for mean in (True, False):
        case.flag = mean
        args = case.args()
        train_cbow(*args)
        results.append(args[6])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_out_of_range_sentences_and_single_word_vocabulary() -> None:
    case = make_case(3, vocab=1, negative=2, hs=True, subrange=True, sentences=5)
    assert case.code_lengths.tolist() == [0]
    for sg in (True, False):
        got, want = run_both(case, sg)
        assert_same(got, want)
        # The only noise word is the centre itself: nothing trains, words are still counted.
        assert got[23][1] == 0 and got[23][2] == expected_counts(case)[0]
        np.testing.assert_array_equal(got[6], case.syn0)


@settings(deadline=None, max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    sg=st.booleans(),
    vocab=st.integers(1, 12),
    negative=st.integers(0, 4),
    hs=st.booleans(),
    flag=st.booleans(),
    shrink=st.booleans(),
    sample=st.booleans(),
    window=st.integers(1, 4),
    oov=st.integers(0, 3),
    subrange=st.booleans(),
)
def test_kernel_matches_twin_property(seed: int, sg: bool, vocab: int, negative: int, hs: bool,
                                      flag: bool, shrink: bool, sample: bool, window: int,
                                      oov: int, subrange: bool) -> None:
    hs = hs or negative == 0
    case = make_case(seed, vocab=vocab, negative=negative, hs=hs, flag=flag, shrink=shrink,
                     sample=sample, window=window, oov=oov, subrange=subrange)
    got, want = run_both(case, sg)
    assert_same(got, want)
    raw, known = expected_counts(case)
    assert got[23][2] == raw and got[23][3] <= known


def structured_corpus(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """400 sentences, each of 8 words from one of 4 topics of 6 words: (tokens, starts, counts)."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, 4, 400)
    tokens = (topics[:, None] * 6 + rng.integers(0, 6, (400, 8))).astype(np.int32).ravel()
    starts = np.arange(0, tokens.size + 1, 8, dtype=np.int64)
    return tokens, starts, np.bincount(tokens, minlength=24)


@pytest.mark.parametrize(("sg", "negative", "hs"), [(True, 5, False), (False, 0, True)])
def test_training_reduces_loss(sg: bool, negative: int, hs: bool) -> None:
    tokens, starts, counts = structured_corpus(0)
    vocab, dim, epochs = 24, 16, 5
    rng = np.random.default_rng(1)
    syn0 = ((rng.random((vocab, dim)) - 0.5) / dim).astype(np.float32)
    syn1neg = np.zeros((vocab if negative else 0, dim), np.float32)
    syn1 = np.zeros((vocab - 1 if hs else 0, dim), np.float32)
    thresholds, aliases = alias_table(counts.astype(np.float64) ** 0.75)
    if hs:
        points, labels, lengths = huffman_tree(counts)
    else:
        points, labels, lengths = (np.zeros((vocab, 1), np.int32), np.zeros((vocab, 1), np.int8),
                                   np.zeros(vocab, np.int32))
    remap = np.arange(vocab, dtype=np.int32)
    keep = np.full(vocab, ALWAYS, np.uint64)
    kernel = train_skipgram if sg else train_cbow
    per_term = []
    for epoch in range(epochs):
        schedule = np.array([0.05, 0.0005, epoch * tokens.size, 1.0, epochs * tokens.size])
        state = np.array([derive_state(7, epoch)], np.uint64)
        stats = np.zeros(STATS_SIZE)
        kernel(tokens, starts, 0, 400, remap, keep, syn0, syn1neg, syn1, thresholds, aliases,
               points, labels, lengths, SIG, LOGSIG, 3, True, negative, hs, True, schedule,
               state, stats)
        assert stats[2] == stats[3] == tokens.size
        per_term.append(stats[0] / stats[1])
    # The first epoch learns most; later ones hover near the noise floor of the objective.
    assert per_term[-1] < 0.8 * per_term[0]
    assert max(per_term[1:]) < 0.9 * per_term[0]
    # Words of one topic end up closer to each other than to the other topics' words.
    unit = syn0 / np.linalg.norm(syn0, axis=1, keepdims=True)
    cos = unit @ unit.T
    same = np.kron(np.eye(4), np.ones((6, 6))).astype(bool) & ~np.eye(vocab, dtype=bool)
    other = ~np.kron(np.eye(4), np.ones((6, 6))).astype(bool)
    assert cos[same].mean() > cos[other].mean() + 0.3
