"""word2vec: skip-gram and CBOW with negative sampling and/or hierarchical softmax, on CPU threads.

:class:`Word2Vec` is a scikit-learn-style estimator whose parameters carry gensim's names
where the meaning is the same. ``fit`` reads the corpus once into token ids
(:mod:`everyvec.train.encoded`), builds the vocabulary from the same pass, and trains epochs
from the ids with the numba kernels of :mod:`everyvec.kernels.word2vec` on ``workers`` threads
(:mod:`everyvec.train.trainer`).

Differences from gensim, on purpose:

* The corpus is read once, not once per epoch, so a one-shot generator works and a corpus
  cannot change between epochs. With ``max_vocab_size`` the vocabulary needs a pass of its own;
  a corpus that then reads differently is an error.
* Sentences longer than ``max_sentence_length`` are cut into pieces, never truncated.
* With ``shared_negatives`` (the default) skip-gram draws its noise words once per centre word
  rather than once per (centre, context) pair (Ji et al. 2016); see the kernel module.
* Vectors start uniform in ``[-1, 1) / vector_size`` as in gensim 4, from a numpy generator
  seeded with ``seed`` (gensim hashes each word with the seed instead).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_device, check_float, check_int
from everyvec.errors import CorpusError, EveryvecError
from everyvec.kernels.huffman import huffman_tree
from everyvec.kernels.sampling import alias_table, derive_state, sigmoid_tables
from everyvec.kernels.word2vec import train_cbow, train_skipgram
from everyvec.train import checkpoint as _checkpoint
from everyvec.train.encoded import EncodedCorpus, as_sentences, encode_corpus
from everyvec.train.trainer import EpochReport, TrainingReport, run_epochs
from everyvec.vectors import Vectors
from everyvec.vocab import Vocabulary

__all__ = ["Word2Vec"]

logger = logging.getLogger(__name__)

_ALWAYS = 1 << 32


def default_workers() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Word2Vec:
    """Learn word vectors with word2vec (skip-gram or CBOW).

    Parameters
    ----------
    vector_size
        Dimension of the vectors.
    sg
        ``True``: skip-gram; ``False``: CBOW (gensim's default).
    hs
        Train with hierarchical softmax over a Huffman tree of the vocabulary.
    negative
        Noise words per positive example for negative sampling (0: off; then ``hs`` must be
        on). Both may be on at once, as in word2vec.c.
    window
        Largest distance between a centre word and a context word.
    min_count
        Words rarer than this are dropped before windows are formed.
    sample
        Frequent-word subsampling threshold (0: off); a word of frequency ``f`` is kept with
        probability ``(sqrt(f / sample) + 1) * sample / f``.
    alpha, min_alpha
        The learning rate decays linearly from ``alpha`` to ``min_alpha`` over all epochs.
    epochs
        Passes over the corpus.
    workers
        Training threads (``None``: every core this process may use).
    ns_exponent
        The noise distribution is the unigram distribution raised to this power (0.75 in
        word2vec; 0 is uniform, negative values favour rare words).
    cbow_mean
        CBOW averages the context vectors (``True``) or sums them.
    max_vocab_size
        Bound on distinct words held while counting (word2vec's ReduceVocab); needs a
        restartable corpus, read twice. ``None``: no bound, one pass.
    max_final_vocab
        Keep at most this many of the most frequent words (``None``: all above
        ``min_count``).
    shrink_windows
        Draw each centre's window uniformly from ``1..window`` (word2vec's default), which
        weights near contexts more.
    shared_negatives
        Skip-gram only: share one draw of noise words among all context words of a centre.
        About twice as fast, at the same quality in our benchmarks; ``False`` draws per pair.
    seed
        Seed of the initial vectors and of every random stream. With ``workers=1`` two runs
        give bit-identical vectors.
    device
        ``None`` (default): the numba engine on CPU threads. ``"cuda"``, ``"cuda:N"`` or
        ``"cpu"``: the PyTorch trainer on that device (:mod:`everyvec.train.device_trainer`),
        which also trains across processes and machines when launched with ``torchrun``
        (see the README, "Scaling out"). Same vectors, schedule and subsampling; ``workers``
        is not used.
    batch_words
        PyTorch trainer: centre words trained per step. Larger batches keep a GPU busier;
        a word repeated within a batch moves by its average update.
    sync_words
        PyTorch trainer across processes: tokens each rank trains between synchronisations
        of the tables.
    max_sentence_length
        Longer sentences are cut into pieces of this many tokens (nothing is dropped).
    callbacks
        Callables ``callback(model, report)`` run after every epoch with its
        :class:`~everyvec.train.trainer.EpochReport`.
    checkpoint
        A folder to save a checkpoint to after every epoch (see :meth:`save_checkpoint`);
        ``None``: no checkpoints.
    progress
        Progress bars (``None``: only when stderr is a terminal).

    Attributes
    ----------
    vocabulary_ : everyvec.Vocabulary
        Words trained, most frequent first, with their counts.
    input_matrix_ : numpy.ndarray
        ``W``, the word vectors (float32, vocabulary × vector_size).
    output_matrix_ : numpy.ndarray
        ``W'`` of negative sampling (a row per word; empty when ``negative=0``).
    tree_matrix_ : numpy.ndarray
        Inner-node vectors of hierarchical softmax (empty when ``hs=False``).
    report_ : TrainingReport
        Per-epoch loss, words per second and timing, over every ``fit`` call.
    rank_ : int
        PyTorch trainer: this process's rank (0 when not distributed).
    sync_seconds_ : float
        PyTorch trainer across processes: seconds this rank spent synchronising tables in
        the last ``fit``.

    Examples
    --------
    >>> from everyvec import Word2Vec
    >>> sentences = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 50
    >>> model = Word2Vec(vector_size=16, min_count=1, workers=1, seed=0).fit(sentences)
    >>> model.vectors.most_similar("cat", topn=1)  # doctest: +SKIP
    """

    def __init__(self, vector_size: int = 100, *, sg: bool = False, hs: bool = False,
                 negative: int = 5, window: int = 5, min_count: int = 5, sample: float = 1e-3,
                 alpha: float = 0.025, min_alpha: float = 0.0001, epochs: int = 5,
                 workers: int | None = None, ns_exponent: float = 0.75, cbow_mean: bool = True,
                 max_vocab_size: int | None = None, max_final_vocab: int | None = None,
                 shrink_windows: bool = True, shared_negatives: bool = True, seed: int = 1,
                 max_sentence_length: int = 10_000, device: str | None = None,
                 batch_words: int = 4096, sync_words: int = 1_000_000,
                 callbacks: Sequence[Callable[[Word2Vec, EpochReport], Any]] = (),
                 checkpoint: str | os.PathLike[str] | None = None,
                 progress: bool | None = None) -> None:
        self.vector_size = vector_size
        self.sg = sg
        self.hs = hs
        self.negative = negative
        self.window = window
        self.min_count = min_count
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.workers = workers
        self.ns_exponent = ns_exponent
        self.cbow_mean = cbow_mean
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.shrink_windows = shrink_windows
        self.shared_negatives = shared_negatives
        self.seed = seed
        self.max_sentence_length = max_sentence_length
        self.device = device
        self.batch_words = batch_words
        self.sync_words = sync_words
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.progress = progress
        self._check_params()
        self._runs = 0  # fit calls that trained; the random streams of each differ

    # -- parameters ------------------------------------------------------------------------

    _PARAMS = ("vector_size", "sg", "hs", "negative", "window", "min_count", "sample", "alpha",
               "min_alpha", "epochs", "workers", "ns_exponent", "cbow_mean", "max_vocab_size",
               "max_final_vocab", "shrink_windows", "shared_negatives", "seed",
               "max_sentence_length", "device", "batch_words", "sync_words")

    def get_params(self) -> dict[str, Any]:
        """The settings that define the model (callbacks, checkpoint and progress aside)."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        defaults = _defaults(type(self))
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if v != defaults.get(k, object())]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_params(self) -> None:
        o = type(self).__name__
        check_int(self.vector_size, "vector_size", o, minimum=1)
        for name in ("sg", "hs", "cbow_mean", "shrink_windows", "shared_negatives"):
            check_bool(getattr(self, name), name, o)
        check_int(self.negative, "negative", o, minimum=0)
        if self.negative == 0 and not self.hs:
            raise ValueError("Word2Vec needs an output layer: set negative > 0 (negative "
                             "sampling), hs=True (hierarchical softmax), or both. Got "
                             "negative=0 and hs=False.")
        check_int(self.window, "window", o, minimum=1)
        check_int(self.min_count, "min_count", o, minimum=1)
        check_float(self.sample, "sample", o, minimum=0.0, maximum=1.0)
        alpha = check_float(self.alpha, "alpha", o, minimum=0.0)
        if alpha == 0.0:
            raise ValueError("The 'alpha' parameter of Word2Vec must be a float > 0. Got 0.0.")
        check_float(self.min_alpha, "min_alpha", o, minimum=0.0, maximum=alpha)
        check_int(self.epochs, "epochs", o, minimum=1)
        check_int(self.workers, "workers", o, minimum=1, allow_none=True)
        check_float(self.ns_exponent, "ns_exponent", o, minimum=-10.0, maximum=10.0)
        check_int(self.max_vocab_size, "max_vocab_size", o, minimum=1, allow_none=True)
        check_int(self.max_final_vocab, "max_final_vocab", o, minimum=1, allow_none=True)
        check_int(self.seed, "seed", o, minimum=0)
        check_int(self.max_sentence_length, "max_sentence_length", o, minimum=1)
        check_device(self.device, "device", o, allow_none=True)
        check_int(self.batch_words, "batch_words", o, minimum=1)
        check_int(self.sync_words, "sync_words", o, minimum=1)
        if callable(self.callbacks) or not all(callable(c) for c in self.callbacks):
            raise TypeError("The 'callbacks' parameter of Word2Vec must be a list of callables "
                            f"callback(model, report). Got {self.callbacks!r}.")
        if self.progress is not None and not isinstance(self.progress, bool):
            raise TypeError("The 'progress' parameter of Word2Vec must be True, False or None. "
                            f"Got {self.progress!r}.")

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, corpus: Any, *, update: bool = False) -> Word2Vec:
        """Build the vocabulary from ``corpus`` and train on it.

        Parameters
        ----------
        corpus
            A path (one sentence per line, whitespace-separated tokens; gzip/bz2/xz/zip
            detected), a reader such as :class:`everyvec.text.Corpus`, an iterable of token
            lists, or sequences that are already ids
            (:meth:`everyvec.train.encoded.EncodedCorpus.from_ids`). It is read once (twice
            with ``max_vocab_size``, except ids).
        update
            Continue training a fitted model on new text: words of ``corpus`` reaching
            ``min_count`` that are new get fresh vectors, known words' counts grow, and
            ``epochs`` more epochs run over ``corpus`` with the learning rate decaying again
            from ``alpha``.

        Returns
        -------
        Word2Vec
            ``self``, trained.

        Raises
        ------
        ValueError, TypeError
            A parameter out of range (checked before the corpus is read).
        everyvec.CorpusError
            The corpus is empty, has undecodable bytes, or reads differently on its second
            pass.
        everyvec.VocabularyError
            No word occurs ``min_count`` times.
        """
        self._check_params()
        check_bool(update, "update", "Word2Vec.fit")
        if update and not hasattr(self, "vocabulary_"):
            raise EveryvecError("fit(update=True) continues a trained model; call fit(corpus) "
                                "first")
        encoded, vocab, remap = (self._encode_update(corpus) if update
                                 else self._encode_new(corpus))
        self._epochs_done = 0
        owned = encoded is not corpus  # a caller's EncodedCorpus stays usable
        if owned:
            encoded.release_tokens()
        try:
            self._prepare_weights(vocab, update)
            first_epoch = 0 if update else self._restart_from_checkpoint(encoded, remap)
            self._train(encoded, remap, first_epoch=first_epoch)
        finally:
            if owned:
                encoded.close()
        return self

    def _encode_new(self, corpus: Any) -> tuple[EncodedCorpus, Vocabulary, np.ndarray]:
        if self.max_vocab_size is None or isinstance(corpus, EncodedCorpus):
            encoded = self._read(corpus)
            return encoded, *self._vocabulary(encoded)
        sentences = as_sentences(corpus)
        if iter(sentences) is sentences:
            raise TypeError("with max_vocab_size the corpus is read twice, so it must be "
                            "restartable (a path, a Corpus, or a list), not a one-shot "
                            "iterator or generator")
        vocab = Vocabulary.build(sentences, min_count=self.min_count,
                                 max_size=self.max_final_vocab,
                                 max_vocab_size=self.max_vocab_size, progress=self.progress)
        encoded = self._read(sentences, known=vocab.token_to_id)
        counted = vocab.build_info["corpus_tokens"]
        if encoded.n_tokens != counted:
            encoded.close()
            raise CorpusError(f"the corpus changed between passes: {counted} tokens when "
                              f"counting, {encoded.n_tokens} when encoding")
        return encoded, vocab, _remap(encoded, vocab)

    def _vocabulary(self, encoded: EncodedCorpus) -> tuple[Vocabulary, np.ndarray]:
        counts = encoded.counts
        # Rare words are most of the distinct ones: drop them before making Python pairs
        # (keep the most frequent if none qualifies, so the error message can name it).
        frequent = np.flatnonzero(counts >= self.min_count)
        if not len(frequent):
            frequent = np.array([int(np.argmax(counts))])
        tokens = encoded.raw_tokens
        vocab = Vocabulary.from_counts([(tokens[i], int(counts[i])) for i in frequent],
                                       min_count=self.min_count, max_size=self.max_final_vocab)
        return vocab, _remap(encoded, vocab)

    def _encode_update(self, corpus: Any) -> tuple[EncodedCorpus, Vocabulary, np.ndarray]:
        old = self.vocabulary_
        encoded = self._read(corpus)
        added = dict(zip(encoded.raw_tokens, encoded.counts.tolist(), strict=True))
        counts = [c + added.pop(t, 0) for t, c in zip(old, old.counts.tolist(), strict=True)]
        new = sorted(((t, c) for t, c in added.items() if c >= self.min_count),
                     key=lambda tc: -tc[1])
        vocab = Vocabulary([*old, *(t for t, _ in new)], [*counts, *(c for _, c in new)])
        logger.info("update: %d new words, vocabulary %d -> %d", len(new), len(old), len(vocab))
        return encoded, vocab, _remap(encoded, vocab)

    def _read(self, corpus: Any, known: Any = None) -> EncodedCorpus:
        if isinstance(corpus, EncodedCorpus):
            return corpus
        return encode_corpus(corpus, known=known, max_sentence_length=self.max_sentence_length,
                             progress=self.progress)

    def _prepare_weights(self, vocab: Vocabulary, update: bool) -> None:
        n, dim = len(vocab), self.vector_size
        rng = np.random.default_rng(derive_state(self.seed, self._runs, 0xC0FFEE))
        if update:
            old = len(self.vocabulary_)
            if self.input_matrix_.shape[1] != dim:
                raise ValueError(f"vector_size changed from {self.input_matrix_.shape[1]} to "
                                 f"{dim}; continued training keeps the dimension")
            fresh = (rng.random((n - old, dim), dtype=np.float32) * 2 - 1) / dim
            self.input_matrix_ = np.concatenate([self.input_matrix_, fresh])
            self.output_matrix_ = _grow(self.output_matrix_, n if self.negative else 0, dim)
            self.tree_matrix_ = _grow(self.tree_matrix_, max(n - 1, 1) if self.hs else 0, dim)
        else:
            self.report_ = TrainingReport()
            self._runs = 0
            rng = np.random.default_rng(derive_state(self.seed, 0, 0xC0FFEE))
            self.input_matrix_ = (rng.random((n, dim), dtype=np.float32) * 2 - 1) / dim
            self.output_matrix_ = np.zeros((n if self.negative else 0, dim), np.float32)
            self.tree_matrix_ = np.zeros((max(n - 1, 1) if self.hs else 0, dim), np.float32)
        self.vocabulary_ = vocab

    def _restart_from_checkpoint(self, encoded: EncodedCorpus, remap: np.ndarray) -> int:
        """After ``torchrun`` restarted the workers (a rank died), pick up this run's last
        checkpoint: returns the epoch to start from (0 when there is nothing to resume)."""
        from everyvec.train.distributed import restart_count

        if self.device is None or self.checkpoint is None or restart_count() == 0:
            return 0
        if not (Path(self.checkpoint) / "checkpoint.json").is_file():
            return 0
        saved = _checkpoint.load(type(self), self.checkpoint)
        if (saved.get_params() != self.get_params()
                or saved._corpus_fingerprint != _fingerprint(encoded, remap)
                or list(saved.vocabulary_) != list(self.vocabulary_)):
            logger.warning("the checkpoint in %s is of another run; starting afresh",
                           self.checkpoint)
            return 0
        for name in ("input_matrix_", "output_matrix_", "tree_matrix_", "report_", "_runs",
                     "_epochs_done"):
            setattr(self, name, getattr(saved, name))
        logger.warning("restart %d: resuming from %s after epoch %d of %d", restart_count(),
                       self.checkpoint, self._epochs_done, self.epochs)
        return self._epochs_done

    def _train(self, encoded: EncodedCorpus, remap: np.ndarray, first_epoch: int) -> None:
        if self.device is not None:
            from everyvec.train.device_trainer import train_on_device

            self._corpus_fingerprint = _fingerprint(encoded, remap)
            train_on_device(self, encoded, remap, first_epoch, self._corpus_fingerprint)
            return
        vocab = self.vocabulary_
        counts = vocab.counts.astype(np.float64)
        keep = np.minimum(np.floor(vocab.keep_probabilities(self.sample) * _ALWAYS),
                          _ALWAYS).astype(np.uint64)
        weights = np.where(counts > 0, np.maximum(counts, 1.0) ** self.ns_exponent, 0.0)
        thresholds, aliases = alias_table(weights)
        if self.hs:
            points, labels, lengths = huffman_tree(vocab.counts)
        else:
            points = np.zeros((len(vocab), 1), np.int32)
            labels = np.zeros((len(vocab), 1), np.int8)
            lengths = np.zeros(len(vocab), np.int32)
        sig, logsig = sigmoid_tables()
        syn0, syn1neg, syn1 = self.input_matrix_, self.output_matrix_, self.tree_matrix_
        window, shrink = self._window_settings(encoded)
        negative, hs = self.negative, self.hs
        kernel = train_skipgram if self.sg else train_cbow
        flag = self.shared_negatives if self.sg else self.cbow_mean

        def step(tokens: np.ndarray, starts: np.ndarray, first: int, last: int,
                 schedule: np.ndarray, state: np.ndarray, stats: np.ndarray) -> None:
            kernel(tokens, starts, first, last, remap, keep, syn0, syn1neg, syn1, thresholds,
                   aliases, points, labels, lengths, sig, logsig, window, shrink, negative, hs,
                   flag, schedule, state, stats)

        self._corpus_fingerprint = _fingerprint(encoded, remap)
        logger.info("training %s on %d tokens, vocabulary %d, %d workers", self,
                    encoded.n_tokens, len(vocab), self._workers())
        run_epochs(step, encoded, epochs=self.epochs, alpha=self.alpha,
                   min_alpha=self.min_alpha, workers=self._workers(), seed=self.seed,
                   stream=(self._runs,), first_epoch=first_epoch, progress=self.progress,
                   on_epoch_end=self._epoch_done)

    def _window_settings(self, encoded: EncodedCorpus) -> tuple[int, bool]:
        """``(window, shrink)`` the kernels use; estimators built on this one may widen it."""
        return self.window, self.shrink_windows

    def _epoch_done(self, report: EpochReport) -> None:
        self.report_.epochs.append(report)
        self._epochs_done = report.epoch + 1
        if self._epochs_done == self.epochs:
            self._runs += 1  # the run is complete: a later fit(update=True) gets new streams
        logger.info("epoch %d: mean loss %.5f, %.0f words/s", report.epoch, report.mean_loss,
                    report.words_per_second)
        if self.checkpoint is not None and getattr(self, "rank_", 0) == 0:
            self.save_checkpoint(self.checkpoint)
        for callback in self.callbacks:
            callback(self, report)

    def _workers(self) -> int:
        return self.workers if self.workers is not None else default_workers()

    # -- results ---------------------------------------------------------------------------

    @property
    def vectors(self) -> Vectors:
        """The word vectors ``W`` (shares memory with :attr:`input_matrix_`)."""
        self._require_fitted()
        return Vectors(self.vocabulary_, self.input_matrix_,
                       provenance=self._provenance("input"))

    @property
    def output_vectors(self) -> Vectors:
        """``W'`` of negative sampling as vectors, one per word (SPEC §2 asks whether these
        serve as word vectors too; try them, or their sum with :attr:`vectors`)."""
        self._require_fitted()
        if not self.negative:
            raise EveryvecError("output_vectors needs negative sampling (negative > 0): with "
                                "hierarchical softmax alone the output vectors belong to "
                                "inner tree nodes, not to words")
        return Vectors(self.vocabulary_, self.output_matrix_,
                       provenance=self._provenance("output"))

    def _provenance(self, matrix: str) -> dict[str, Any]:
        return {"trainer": "everyvec.Word2Vec", "matrix": matrix, "params": self.get_params(),
                "epochs_trained": len(self.report_.epochs)}

    def _require_fitted(self) -> None:
        if not hasattr(self, "vocabulary_"):
            raise EveryvecError("this Word2Vec is not fitted yet; call fit(corpus) first")

    # -- checkpoints -----------------------------------------------------------------------

    def save_checkpoint(self, path: str | os.PathLike[str]) -> Path:
        """Save everything needed to resume training to a folder, atomically.

        The folder holds ``checkpoint.json`` (parameters, progress, report, a fingerprint of
        the corpus), ``vocab.txt`` and the three matrices as ``.npy`` files.
        """
        self._require_fitted()
        return _checkpoint.save(self, path)

    @classmethod
    def load_checkpoint(cls, path: str | os.PathLike[str]) -> Word2Vec:
        """Load a model saved by :meth:`save_checkpoint` (to inspect, or to :meth:`resume`)."""
        return _checkpoint.load(cls, path)

    def resume(self, corpus: Any) -> Word2Vec:
        """Finish the epochs of an interrupted ``fit`` from its last checkpoint.

        ``corpus`` must be the corpus that run was training on (checked against a
        fingerprint). With ``workers=1`` the result is bit-identical to an uninterrupted run.
        """
        self._require_fitted()
        done = getattr(self, "_epochs_done", self.epochs)
        if done >= self.epochs:
            logger.info("nothing to resume: all %d epochs are done", self.epochs)
            return self
        encoded = self._read(corpus, known=self.vocabulary_.token_to_id)
        try:
            remap = _remap(encoded, self.vocabulary_)
            encoded.release_tokens()
            if _fingerprint(encoded, remap) != self._corpus_fingerprint:
                raise CorpusError("this is not the corpus the checkpoint was training on: "
                                  "its token counts differ")
            self._train(encoded, remap, first_epoch=done)
        finally:
            encoded.close()
        return self


def _defaults(cls: type[Word2Vec]) -> dict[str, Any]:
    """The constructor's defaults, for a repr that shows only what was changed."""
    signature = inspect.signature(cls.__init__)
    return {name: p.default for name, p in signature.parameters.items()
            if p.default is not inspect.Parameter.empty}


def _remap(encoded: EncodedCorpus, vocab: Vocabulary) -> np.ndarray:
    """Raw id -> vocabulary id (-1 for words not in the vocabulary)."""
    index = vocab.token_to_id
    return np.array([index.get(t, -1) for t in encoded.raw_tokens], dtype=np.int32)


def _fingerprint(encoded: EncodedCorpus, remap: np.ndarray) -> dict[str, Any]:
    known = remap >= 0
    per_word = np.zeros(int(remap.max()) + 1 if known.any() else 0, np.int64)
    np.add.at(per_word, remap[known], encoded.counts[known])
    return {"tokens": encoded.n_tokens, "sentences": encoded.n_sentences,
            "word_counts_sha256": hashlib.sha256(per_word.tobytes()).hexdigest()}


def _grow(matrix: np.ndarray, rows: int, dim: int) -> np.ndarray:
    if rows <= len(matrix):
        return matrix[:rows] if rows < len(matrix) else matrix
    return np.concatenate([matrix, np.zeros((rows - len(matrix), dim), np.float32)])
