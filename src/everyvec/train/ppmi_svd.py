"""Count-based word vectors: positive PMI of co-occurrences, reduced by a truncated SVD.

The classic alternative to word2vec (Levy, Goldberg & Dagan 2015, "Improving Distributional
Similarity with Lessons Learned from Word Embeddings"), with the settings that paper found to
matter: word2vec's distance weighting of contexts, context-distribution smoothing (counts
raised to 0.75, as in word2vec's noise distribution), an optional shift by log k (the count
analogue of k negative samples), and singular values raised to a power ``p`` (0.5 by default).
It needs no training loop, so it is fast and deterministic; skip-gram usually does better on
analogies, PPMI-SVD holds its own on word similarity.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import numpy as np

from everyvec._optional import require
from everyvec.errors import VocabularyError
from everyvec.train.cooccurrence import cooccurrence_matrix
from everyvec.train.randomized_svd import randomized_svd
from everyvec.vectors import Vectors
from everyvec.vocab import Vocabulary

logger = logging.getLogger(__name__)


def _check(name: str, value: object, ok: bool, expected: str) -> None:
    if not ok:
        raise ValueError(f"The {name!r} parameter of PPMISVD must be {expected}. Got {value!r}.")


class PPMISVD:
    """Word vectors from a shifted-PPMI co-occurrence matrix and a truncated SVD.

    Parameters
    ----------
    vector_size
        Dimension of the vectors.
    window
        Largest distance between a word and a context word.
    min_count
        Words rarer than this are dropped before windows are formed (as word2vec does).
    max_vocab_size
        Keep at most this many of the most frequent words (``None``: no limit).
    context_smoothing
        Exponent applied to context counts (0.75 as in word2vec's noise distribution; 1 = off).
    shift
        ``k`` in ``max(PMI - log k, 0)``; 1 means plain PPMI.
    eigenvalue_power
        Vectors are ``U · S**p``; 0.5 is symmetric, 1 is the classic SVD, 0 drops ``S``.
    dynamic_window
        Weight a context at distance ``d`` by ``(window - d + 1) / window``.
    seed
        Seed of the randomized SVD.

    Attributes
    ----------
    vectors : Vectors
        The learned word vectors (after ``fit``).
    vocabulary_ : Vocabulary
        The vocabulary built from the corpus.
    """

    def __init__(
        self,
        vector_size: int = 100,
        *,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = 50_000,
        context_smoothing: float = 0.75,
        shift: float = 1.0,
        eigenvalue_power: float = 0.5,
        dynamic_window: bool = True,
        seed: int = 0,
    ) -> None:
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.context_smoothing = context_smoothing
        self.shift = shift
        self.eigenvalue_power = eigenvalue_power
        self.dynamic_window = dynamic_window
        self.seed = seed

    def _validate(self) -> None:
        def is_int(v: object) -> bool:
            return isinstance(v, int | np.integer) and not isinstance(v, bool)

        _check("vector_size", self.vector_size, is_int(self.vector_size) and self.vector_size >= 1,
               "an int >= 1")
        _check("window", self.window, is_int(self.window) and self.window >= 1, "an int >= 1")
        _check("min_count", self.min_count, is_int(self.min_count) and self.min_count >= 1,
               "an int >= 1")
        _check("max_vocab_size", self.max_vocab_size, self.max_vocab_size is None
               or (is_int(self.max_vocab_size) and self.max_vocab_size >= 2), "None or an int >= 2")
        _check("context_smoothing", self.context_smoothing,
               isinstance(self.context_smoothing, int | float) and 0 < self.context_smoothing <= 1,
               "a float in (0, 1]")
        _check("shift", self.shift, isinstance(self.shift, int | float) and self.shift >= 1,
               "a float >= 1")
        _check("eigenvalue_power", self.eigenvalue_power,
               isinstance(self.eigenvalue_power, int | float) and 0 <= self.eigenvalue_power <= 1,
               "a float in [0, 1]")

    def fit(self, corpus: Iterable[Iterable[str]]) -> PPMISVD:
        """Count, weight and factorise; ``corpus`` is iterated twice (vocabulary, then ids).

        Parameters
        ----------
        corpus
            A restartable iterable of token lists (e.g. an :mod:`everyvec.text` corpus reader).
        """
        self._validate()
        started = time.perf_counter()
        vocab = Vocabulary.build(corpus, min_count=self.min_count, max_size=self.max_vocab_size)
        n_words = len(vocab)
        if n_words <= self.vector_size:
            raise VocabularyError(
                f"only {n_words} words reach min_count={self.min_count}; PPMISVD needs more "
                f"words than vector_size={self.vector_size}"
            )
        ids, sentence_ids = _encode(corpus, vocab)
        counts = cooccurrence_matrix(ids, sentence_ids, n_words, window=self.window,
                                     dynamic=self.dynamic_window)
        ppmi = _shifted_ppmi(counts, self.context_smoothing, self.shift)
        u, s, _ = randomized_svd(ppmi, self.vector_size, seed=self.seed)
        matrix = (u * s**self.eigenvalue_power).astype(np.float32)
        self.vocabulary_ = vocab
        self.vectors = Vectors(
            list(vocab.id_to_token), matrix,
            provenance={"trainer": "everyvec.PPMISVD", "params": self.get_params(),
                        "corpus_tokens": int(len(ids)), "nonzeros": int(ppmi.nnz)},
        )
        logger.info("PPMISVD: %d words, %d tokens, %d non-zeros in %.1f s", n_words, len(ids),
                    ppmi.nnz, time.perf_counter() - started)
        return self

    def get_params(self) -> dict[str, object]:
        """Constructor parameters as a dict (scikit-learn style)."""
        names = ("vector_size", "window", "min_count", "max_vocab_size", "context_smoothing",
                 "shift", "eigenvalue_power", "dynamic_window", "seed")
        return {name: getattr(self, name) for name in names}


def _encode(corpus: Iterable[Iterable[str]], vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ids of in-vocabulary tokens, and the sentence number of each."""
    id_chunks: list[np.ndarray] = []
    sentence_chunks: list[np.ndarray] = []
    for number, sentence in enumerate(corpus):
        ids = np.asarray(vocab.encode(sentence, unknown="skip"), dtype=np.int32)
        if len(ids):
            id_chunks.append(ids)
            sentence_chunks.append(np.full(len(ids), number, dtype=np.int64))
    if not id_chunks:
        raise VocabularyError("the corpus has no token in the vocabulary")
    return np.concatenate(id_chunks), np.concatenate(sentence_chunks)


def _shifted_ppmi(counts, smoothing: float, shift: float):
    """``max(log(P(w,c) / (P(w) P_α(c))) - log k, 0)`` on the non-zeros of ``counts``."""
    sparse = require("scipy.sparse", "PPMI weighting")
    counts = counts.tocoo()
    word_sums = np.asarray(counts.sum(axis=1)).ravel()
    context_sums = np.asarray(counts.sum(axis=0)).ravel() ** smoothing
    context_probability = context_sums / context_sums.sum()
    # P(w,c) / P(w) = #(w,c) / #(w): the corpus total cancels.
    pmi = (np.log(counts.data) - np.log(word_sums[counts.row])
           - np.log(context_probability[counts.col]) - np.log(shift))
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])),
                             shape=counts.shape)
