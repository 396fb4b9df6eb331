"""The vocabulary: tokens <-> ids, counts, special tokens, subsampling and noise distributions.

A :class:`Vocabulary` is built in one streaming pass over tokenised sentences (any iterable of
token lists, e.g. an :class:`everyvec.text.Corpus`), in bounded memory::

    >>> from everyvec.vocab import Vocabulary
    >>> vocab = Vocabulary.build([["a", "b", "a"], ["c", "a", "b"]], unk="<unk>")
    >>> vocab.id_to_token
    ('<unk>', 'a', 'b', 'c')
    >>> vocab.encode(["a", "zzz"], unknown="unk").tolist()
    [1, 0]

Ids
    Special tokens come first, at fixed leading ids, in the order PAD, UNK, EOS; only the
    ones enabled take an id. So with all three, PAD = 0, UNK = 1, EOS = 2 (``padding_idx=0``
    for :class:`torch.nn.Embedding`); with only UNK, UNK = 0. Regular tokens follow, most
    frequent first; equal counts keep the order in which the tokens were first seen.

Counts
    ``counts[i]`` is how often token ``i`` occurred. A special token's count is how often its
    string itself occurred in the corpus (usually 0); specials are exempt from ``min_count``
    and take no weight in the noise distribution.

File format
    UTF-8 text. Line 1: ``everyvec-vocabulary<TAB>1<TAB>{json header}`` (size, specials,
    settings, build info); then one ``token<TAB>count`` line per id, in id order. Tokens
    holding a tab, ``\\n``, ``\\r`` or a lone surrogate cannot be saved. No pickle.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from everyvec._checks import check_choice, check_float, check_int, check_token
from everyvec._progress import track
from everyvec._vocab_file import (
    FORMAT_NAME,
    FORMAT_VERSION,
    ROLES,
    read_vocabulary,
    write_vocabulary,
)
from everyvec.errors import FormatError, VocabularyError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "Vocabulary"]

logger = logging.getLogger(__name__)



class Vocabulary:
    """Token <-> id mapping with counts and optional PAD/UNK/EOS special tokens.

    Usually made with :meth:`build` (from sentences), :meth:`from_counts` or :meth:`load`.
    The constructor takes the regular tokens in the id order wanted (after the specials).

    Parameters
    ----------
    tokens
        Regular tokens, in id order. They must be distinct ``str`` and must not equal a
        special token.
    counts
        One count (int >= 0) per regular token; ``None`` means all zero.
    pad, unk, eos
        The special tokens' strings, or ``None`` (the default) to leave one out.
    """

    def __init__(self, tokens: Iterable[str], counts: Iterable[int] | None = None, *,
                 pad: str | None = None, unk: str | None = None,
                 eos: str | None = None) -> None:
        specials = _check_specials(pad, unk, eos)
        if isinstance(tokens, str):
            raise TypeError("Vocabulary tokens must be an iterable of str, not a single str")
        regular = list(tokens)
        if counts is None:
            regular_counts = np.zeros(len(regular), dtype=np.int64)
        else:
            regular_counts = _as_counts(counts, "counts")
            if len(regular_counts) != len(regular):
                raise VocabularyError(f"got {len(regular)} tokens but {len(regular_counts)} "
                                      "counts")
        special_tokens = list(specials.values())
        for token in regular:
            if token in specials.values():
                role = next(r for r, s in specials.items() if s == token)
                raise VocabularyError(f"token {token!r} is also the {role} special token")
        all_tokens = special_tokens + regular
        all_counts = np.concatenate([np.zeros(len(special_tokens), np.int64), regular_counts])
        self._setup(all_tokens, all_counts, specials, settings={}, build_info={})

    # -- construction -----------------------------------------------------------------------

    def _setup(self, tokens: list[str], counts: np.ndarray, specials: dict[str, str],
               settings: dict[str, Any], build_info: dict[str, Any]) -> None:
        index: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if not isinstance(token, str):
                raise TypeError(f"vocabulary tokens must be str; got {type(token).__name__} "
                                f"{token!r}")
            if index.setdefault(token, i) != i:
                raise VocabularyError(f"token {token!r} appears twice (ids {index[token]} and "
                                      f"{i})")
        if not tokens:
            raise VocabularyError("a vocabulary needs at least one token")
        self._tokens: tuple[str, ...] = tuple(tokens)
        self._index = index
        counts = np.array(counts, dtype=np.int64)
        counts.setflags(write=False)
        self._counts = counts
        self._specials = dict(specials)
        self.settings: dict[str, Any] = dict(settings)
        self.build_info: dict[str, Any] = dict(build_info)

    @classmethod
    def build(cls, sentences: Iterable[Iterable[str]], *, min_count: int = 1,
              max_size: int | None = None, max_vocab_size: int | None = None,
              pad: str | None = None, unk: str | None = None, eos: str | None = None,
              progress: bool | None = None) -> Vocabulary:
        """Count tokens in one pass over ``sentences`` and keep the frequent ones.

        Parameters
        ----------
        sentences
            An iterable of token lists (read once; a generator is fine).
        min_count
            Keep tokens occurring at least this often.
        max_size
            Keep at most this many entries, special tokens included; the most frequent win,
            equal counts keep first-seen order. ``None``: no limit.
        max_vocab_size
            Bound on distinct tokens held while counting. When a sentence takes the count
            past it, the rarest are pruned as word2vec's ``ReduceVocab`` does: tokens with
            count <= ``min_reduce`` are dropped, then ``min_reduce`` (starting at 1) grows by
            one, repeated until the bound holds. Counts of pruned-and-seen-again tokens are
            then lower bounds; ``build_info["prunings"]`` records how often it happened.
            ``None``: no bound.
        pad, unk, eos
            Special tokens (strings), or ``None`` to leave one out; see the module notes.
        progress
            Progress bar over sentences (``None``: only when stderr is a terminal).

        Raises
        ------
        everyvec.VocabularyError
            The corpus has no tokens, or none reaches ``min_count``.
        TypeError
            A sentence is a ``str`` rather than a list of tokens, or a token is not a ``str``.
        """
        owner = "Vocabulary"
        specials = _check_specials(pad, unk, eos)
        min_count = check_int(min_count, "min_count", owner, minimum=1)
        max_size = check_int(max_size, "max_size", owner, minimum=len(specials) + 1,
                             allow_none=True)
        max_vocab_size = check_int(max_vocab_size, "max_vocab_size", owner, minimum=1,
                                   allow_none=True)
        if isinstance(sentences, (str, bytes)):
            raise TypeError("Vocabulary.build expects an iterable of token lists, not a str")
        counter, info = _count(track(sentences, "counting tokens", progress=progress),
                               max_vocab_size)
        settings = {"min_count": min_count, "max_size": max_size,
                    "max_vocab_size": max_vocab_size}
        return cls._from_counter(counter, specials, settings, info)

    @classmethod
    def from_counts(cls, counts: Mapping[str, int] | Iterable[tuple[str, int]], *,
                    min_count: int = 1, max_size: int | None = None, pad: str | None = None,
                    unk: str | None = None, eos: str | None = None) -> Vocabulary:
        """Make a vocabulary from known counts (a mapping or ``(token, count)`` pairs).

        ``min_count``, ``max_size`` and the specials work as in :meth:`build`; ties keep the
        order of ``counts``.
        """
        owner = "Vocabulary"
        specials = _check_specials(pad, unk, eos)
        min_count = check_int(min_count, "min_count", owner, minimum=1)
        max_size = check_int(max_size, "max_size", owner, minimum=len(specials) + 1,
                             allow_none=True)
        pairs = counts.items() if isinstance(counts, Mapping) else counts
        counter: dict[str, int] = {}
        for pair in pairs:
            try:
                token, count = pair
            except (TypeError, ValueError):
                raise TypeError(f"counts must be a mapping or (token, count) pairs; got "
                                f"{pair!r}") from None
            if not isinstance(token, str):
                raise TypeError(f"tokens must be str; got {type(token).__name__} {token!r}")
            if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
                raise VocabularyError(f"the count of {token!r} must be an int >= 0; got "
                                      f"{count!r}")
            if token in counter:
                raise VocabularyError(f"token {token!r} appears twice in counts")
            counter[token] = int(count)
        info = {"corpus_tokens": sum(counter.values()), "corpus_sentences": None,
                "distinct_tokens": len(counter), "prunings": 0, "min_reduce": 1}
        settings = {"min_count": min_count, "max_size": max_size, "max_vocab_size": None}
        return cls._from_counter(counter, specials, settings, info)

    @classmethod
    def _from_counter(cls, counter: Mapping[str, int], specials: dict[str, str],
                      settings: dict[str, Any], info: dict[str, Any]) -> Vocabulary:
        if not counter or info["corpus_tokens"] == 0:
            raise VocabularyError("the corpus is empty: no tokens were counted")
        special_set = set(specials.values())
        min_count = settings["min_count"]
        kept = [(t, c) for t, c in counter.items() if c >= min_count and t not in special_set]
        if not kept:
            top_token, top = max(((t, c) for t, c in counter.items() if t not in special_set),
                                 key=lambda tc: tc[1], default=(None, 0))
            raise VocabularyError(
                f"no token occurs at least min_count={min_count} times (the most frequent, "
                f"{top_token!r}, occurs {top} times)")
        kept.sort(key=lambda tc: -tc[1])  # stable sort: ties stay in first-seen order
        if settings["max_size"] is not None:
            kept = kept[: settings["max_size"] - len(specials)]
        tokens = list(specials.values()) + [t for t, _ in kept]
        counts = [counter.get(s, 0) for s in specials.values()] + [c for _, c in kept]
        vocab = cls.__new__(cls)
        vocab._setup(tokens, np.array(counts, dtype=np.int64), specials, settings, info)
        return vocab

    # -- the mapping ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return (self._tokens == other._tokens and self._specials == other._specials
                and np.array_equal(self._counts, other._counts))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking; equality is by content

    def __repr__(self) -> str:
        specials = ", ".join(f"{r}={s!r}" for r, s in self._specials.items())
        return (f"Vocabulary(size={len(self)}, total_words={self.total_words}"
                + (f", {specials}" if specials else "") + ")")

    @property
    def token_to_id(self) -> Mapping[str, int]:
        """Read-only mapping from token to id."""
        return MappingProxyType(self._index)

    @property
    def id_to_token(self) -> tuple[str, ...]:
        """Tokens in id order."""
        return self._tokens

    @property
    def counts(self) -> np.ndarray:
        """Read-only ``int64`` array of counts, aligned with ids."""
        return self._counts

    @property
    def total_words(self) -> int:
        """Sum of the counts of the tokens kept (word2vec's ``train_words``)."""
        return int(self._counts.sum())

    def count(self, token: str) -> int:
        """How often ``token`` occurred (``KeyError`` if it is not in the vocabulary)."""
        return int(self._counts[self._index[token]])

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent regular tokens with their counts (all when ``None``)."""
        n = check_int(n, "n", "Vocabulary.most_common", minimum=0, allow_none=True)
        start = len(self._specials)
        order = start + np.argsort(-self._counts[start:], kind="stable")
        if n is not None:
            order = order[:n]
        return [(self._tokens[i], int(self._counts[i])) for i in order]

    # -- special tokens ---------------------------------------------------------------------

    @property
    def specials(self) -> dict[str, str]:
        """The enabled special tokens by role (``"pad"``, ``"unk"``, ``"eos"``), in id order."""
        return dict(self._specials)

    @property
    def num_specials(self) -> int:
        """How many leading ids the special tokens take."""
        return len(self._specials)

    def _special_id(self, role: str) -> int | None:
        token = self._specials.get(role)
        return None if token is None else self._index[token]

    @property
    def pad_id(self) -> int | None:
        """Id of the PAD token, or ``None``."""
        return self._special_id("pad")

    @property
    def unk_id(self) -> int | None:
        """Id of the UNK token, or ``None``."""
        return self._special_id("unk")

    @property
    def eos_id(self) -> int | None:
        """Id of the EOS token, or ``None``."""
        return self._special_id("eos")

    # -- encoding ---------------------------------------------------------------------------

    def encode(self, tokens: Iterable[str], unknown: str = "error") -> np.ndarray:
        """Map tokens to an ``int64`` array of ids.

        Parameters
        ----------
        tokens
            The tokens (a list, not one ``str``).
        unknown
            What to do with a token not in the vocabulary: ``"error"`` (raise
            :class:`everyvec.VocabularyError` naming it), ``"unk"`` (use the UNK id; needs an
            UNK token) or ``"skip"`` (leave it out).
        """
        check_choice(unknown, "unknown", "Vocabulary.encode", ("error", "unk", "skip"))
        if isinstance(tokens, str):
            raise TypeError("Vocabulary.encode expects a sequence of tokens, not a str; "
                            "tokenize it first")
        if unknown == "unk" and "unk" not in self._specials:
            raise VocabularyError("unknown='unk' needs a vocabulary with an UNK token "
                                  "(build it with unk='<unk>')")
        if not isinstance(tokens, (list, tuple)):
            tokens = list(tokens)
        get = self._index.get
        ids = np.array([get(t, -1) for t in tokens], dtype=np.int64)
        missing = ids < 0
        if missing.any():
            if unknown == "error":
                pos = int(np.argmax(missing))
                token = tokens[pos]
                raise VocabularyError(
                    f"token {token!r} (position {pos}) is not in the vocabulary; pass "
                    "unknown='unk' or unknown='skip' to encode it anyway")
            if unknown == "unk":
                ids[missing] = self.unk_id
            else:
                ids = ids[~missing]
        return ids

    def decode(self, ids: Iterable[int] | np.ndarray) -> list[str]:
        """Map ids back to tokens; an id outside ``[0, len(self))`` raises
        :class:`everyvec.VocabularyError`."""
        array = np.asarray(ids if not isinstance(ids, Iterator) else list(ids))
        if array.size == 0:
            return []
        if array.dtype.kind not in "iu":
            raise TypeError(f"Vocabulary.decode expects integer ids; got dtype {array.dtype}")
        flat = array.reshape(-1)
        bad = (flat < 0) | (flat >= len(self._tokens))
        if bad.any():
            pos = int(np.argmax(bad))
            raise VocabularyError(f"id {int(flat[pos])} (position {pos}) is out of range for "
                                  f"a vocabulary of {len(self._tokens)} tokens")
        tokens = self._tokens
        return [tokens[i] for i in flat.tolist()]

    # -- distributions ----------------------------------------------------------------------

    def keep_probabilities(self, sample: float = 1e-3) -> np.ndarray:
        """Probability of keeping each token under word2vec's frequent-word subsampling.

        ``keep = (sqrt(f / t) + 1) * t / f`` clipped to 1, with ``f`` the token's count and
        ``t = sample * total_words``, as in the original word2vec C code and gensim.
        ``sample=0`` keeps everything; tokens with count 0 (specials) are always kept.

        Returns
        -------
        numpy.ndarray
            ``float64``, aligned with ids.
        """
        sample = check_float(sample, "sample", "Vocabulary.keep_probabilities", minimum=0.0,
                             maximum=1.0)
        keep = np.ones(len(self._tokens), dtype=np.float64)
        if sample == 0.0:
            return keep
        threshold = sample * self.total_words
        counts = self._counts.astype(np.float64)
        seen = counts > 0
        f = counts[seen]
        keep[seen] = np.minimum((np.sqrt(f / threshold) + 1.0) * threshold / f, 1.0)
        return keep

    def noise_distribution(self, alpha: float = 0.75) -> np.ndarray:
        """The unigram distribution raised to ``alpha`` and normalised (negative sampling).

        Special tokens and tokens with count 0 get probability 0.

        Returns
        -------
        numpy.ndarray
            ``float64`` probabilities summing to 1, aligned with ids.
        """
        alpha = check_float(alpha, "alpha", "Vocabulary.noise_distribution", minimum=0.0)
        weights = self._noise_weights(alpha)
        return weights / weights.sum()

    def cumulative_table(self, alpha: float = 0.75, *, domain: int | None = None) -> np.ndarray:
        """Cumulative noise distribution, for drawing negatives with ``searchsorted``.

        Parameters
        ----------
        alpha
            Exponent of the unigram distribution, as in :meth:`noise_distribution`.
        domain
            ``None``: a ``float64`` table ending in exactly 1.0. An int: an ``int64`` table
            scaled to end in exactly ``domain``, like gensim's ``cum_table``
            (``domain=2**31 - 1``).

        Notes
        -----
        Draw with ``np.searchsorted(table, r, side="right")`` for ``r`` uniform in
        ``[0, table[-1])``: entries of probability 0 (the specials) are never drawn.
        """
        owner = "Vocabulary.cumulative_table"
        alpha = check_float(alpha, "alpha", owner, minimum=0.0)
        domain = check_int(domain, "domain", owner, minimum=1, allow_none=True)
        cumulative = np.cumsum(self._noise_weights(alpha))
        if domain is None:
            return cumulative / cumulative[-1]  # x / x is exactly 1.0
        return np.rint(cumulative / cumulative[-1] * domain).astype(np.int64)

    def _noise_weights(self, alpha: float) -> np.ndarray:
        counts = self._counts.astype(np.float64)
        weights = np.where(counts > 0, counts ** alpha, 0.0)
        weights[: len(self._specials)] = 0.0
        if not weights.sum() > 0:
            raise VocabularyError("no regular token has a positive count, so there is no "
                                  "noise distribution")
        return weights

    # -- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the vocabulary as UTF-8 text, atomically; return the path.

        Raises :class:`everyvec.VocabularyError` (before writing anything) if a token holds a
        tab, ``\\n``, ``\\r`` or a lone surrogate.
        """
        header = {"size": len(self._tokens),
                  "specials": {role: self._specials.get(role) for role in ROLES},
                  "settings": self.settings, "build_info": self.build_info}
        return write_vocabulary(path, self._tokens, self._counts, header)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`.

        Raises
        ------
        everyvec.FormatError
            Naming the file and line: not a vocabulary file, a newer format version, a bad
            header, a line without exactly one tab, a count that is not a non-negative
            integer, a duplicate token, specials that do not match the header, or fewer or
            more lines than the header announces (truncation).
        """
        tokens, counts, header = read_vocabulary(path, _check_specials)
        vocab = cls.__new__(cls)
        try:
            vocab._setup(tokens, counts, header["specials"], header["settings"],
                         header["build_info"])
        except VocabularyError as exc:
            raise FormatError(str(exc), path=os.fspath(path)) from None
        return vocab


# -- helpers --------------------------------------------------------------------------------

def _check_specials(pad: Any, unk: Any, eos: Any) -> dict[str, str]:
    specials: dict[str, str] = {}
    for role, value in zip(ROLES, (pad, unk, eos), strict=True):
        token = check_token(value, role, "Vocabulary")
        if token is None:
            continue
        if token in specials.values():
            other = next(r for r, s in specials.items() if s == token)
            raise ValueError(f"The {role!r} and {other!r} special tokens of Vocabulary must "
                             f"differ. Both are {token!r}.")
        specials[role] = token
    return specials


def _as_counts(values: Iterable[int], name: str) -> np.ndarray:
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"Vocabulary {name} must be integers; got dtype {array.dtype}")
    array = array.astype(np.int64, copy=False).reshape(-1)
    if (array < 0).any():
        raise VocabularyError(f"Vocabulary {name} must be >= 0; got {int(array.min())}")
    return array


def _count(sentences: Iterable[Iterable[str]], max_vocab_size: int | None
           ) -> tuple[Counter[str], dict[str, Any]]:
    """Count tokens in one pass; prune as word2vec's ReduceVocab past ``max_vocab_size``."""
    counter: Counter[str] = Counter()
    n_tokens = n_sentences = prunings = 0
    min_reduce = 1
    update = counter.update
    batch: list[str] = []
    for sentence in sentences:
        if isinstance(sentence, (str, bytes)):
            raise TypeError("each sentence must be a list of tokens, not a str; tokenize it "
                            "first (e.g. with everyvec.text.Corpus(..., tokenizer=...))")
        if not isinstance(sentence, (list, tuple)):
            sentence = list(sentence)
        n_sentences += 1
        n_tokens += len(sentence)
        if max_vocab_size is None:
            batch.extend(sentence)  # one C-level Counter update per ~64k tokens
            if len(batch) >= 65536:
                update(batch)
                batch = []
            continue
        update(sentence)
        while len(counter) > max_vocab_size:
            for token in [t for t, c in counter.items() if c <= min_reduce]:
                del counter[token]
            min_reduce += 1
            prunings += 1
    if batch:
        update(batch)
    for token in counter:
        if not isinstance(token, str):
            raise TypeError(f"tokens must be str; found {type(token).__name__} {token!r}")
    if prunings:
        logger.info("vocabulary counting pruned rare tokens %d times (max_vocab_size=%d); "
                    "counts of tokens seen again after a pruning are lower bounds",
                    prunings, max_vocab_size)
    info = {"corpus_tokens": n_tokens, "corpus_sentences": n_sentences,
            "distinct_tokens": len(counter), "prunings": prunings, "min_reduce": min_reduce}
    return counter, info
