"""STS Benchmark (Cer et al. 2017): English sentence pairs with a similarity score from 0 to 5.

The official files are called ``sts-*.csv`` but are TAB-separated, without a header, one pair
per line: ``genre, source file, year, id, score, sentence1, sentence2``. Some lines carry two
more fields (source attributions), and the sentences contain unbalanced quotes, so a CSV
reader with quoting on merges lines; :func:`load_stsb` splits on TAB only (the equivalent of
``csv.QUOTE_NONE``) and checks every line, so a damaged file fails with its name and line
number instead of a pair whose sentences are shifted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from everyvec.datasets import split_file
from everyvec.errors import FormatError

__all__ = ["StsPairs", "check_pair_lists", "load_stsb"]

_FILES = {"train": "sts-train.csv", "dev": "sts-dev.csv", "test": "sts-test.csv"}
# 7 fields; 9 on lines that end with the two source-attribution fields.
_FIELD_COUNTS = (7, 9)
_MAX_SCORE = 5.0


@dataclass
class StsPairs:
    """Sentence pairs with a gold similarity score.

    Attributes
    ----------
    sentences1, sentences2
        The two sentences of each pair.
    scores
        float64 gold scores, 0 (unrelated) to 5 (same meaning).
    genres
        Each pair's genre as written: ``"main-captions"``, ``"main-news"`` and
        ``"main-forum"`` (``"main-forums"`` in the dev and test files).
    """

    sentences1: list[str]
    sentences2: list[str]
    scores: np.ndarray
    genres: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scores = np.asarray(self.scores, dtype=np.float64)
        if not self.genres:
            self.genres = [""] * len(self.sentences1)
        sizes = {len(self.sentences1), len(self.sentences2), len(self.scores),
                 len(self.genres)}
        if len(sizes) != 1 or self.scores.ndim != 1:
            raise ValueError(
                "StsPairs: sentences1, sentences2, scores and genres must have the same "
                f"length; got {len(self.sentences1)}, {len(self.sentences2)}, "
                f"{self.scores.shape} and {len(self.genres)}")

    def __len__(self) -> int:
        return len(self.sentences1)

    def __iter__(self) -> Iterator[tuple[str, str, float]]:
        """``(sentence1, sentence2, score)`` triples."""
        return iter(zip(self.sentences1, self.sentences2, self.scores.tolist(), strict=True))


def check_pair_lists(sentences1: Any, sentences2: Any, scores: Any, *, owner: str,
                     names: Sequence[str] = ("sentences1", "sentences2", "scores")
                     ) -> tuple[list[str], list[str], np.ndarray | None]:
    """Pairs given as plain sequences, checked: strings, finite scores, equal lengths.

    Parameters
    ----------
    sentences1, sentences2
        The two sentences of each pair.
    scores
        One number per pair, or None (no scores).
    owner
        The caller's name, the start of every error message.
    names
        How the caller's user calls the three sequences, for the messages.
    """
    first = _strings(sentences1, names[0], owner)
    second = _strings(sentences2, names[1], owner)
    gold = None
    if scores is not None:
        try:
            gold = np.asarray(scores, dtype=np.float64)
        except (TypeError, ValueError):
            gold = None
        if gold is None or gold.ndim != 1 or not np.all(np.isfinite(gold)):
            raise ValueError(f"{owner}: {names[2]} must be a one-dimensional sequence of "
                             "finite numbers")
    lengths = [len(first), len(second)] + ([] if gold is None else [len(gold)])
    if len(set(lengths)) != 1:
        raise ValueError(f"{owner}: {', '.join(names[:len(lengths)])} must have the same "
                         f"length; got {', '.join(map(str, lengths))}")
    return first, second, gold


def _strings(values: Any, name: str, owner: str) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{owner}: {name} must be a sequence of strings")
    return list(values)


def load_stsb(split: str = "train", *, path: str | os.PathLike[str] | None = None) -> StsPairs:
    """One split of the STS Benchmark.

    Parameters
    ----------
    split
        ``"train"`` (5,749 pairs), ``"dev"`` (1,500) or ``"test"`` (1,379).
    path
        The ``sts-<split>.csv`` file itself, or a folder holding it. Default: the registered
        dataset ``"stsb"`` (``everyvec.datasets.path("stsb", ...)``: the data mirror named by
        ``$EVERYVEC_DATA``, then the cache; nothing is downloaded).

    Returns
    -------
    StsPairs
        The pairs in file order.

    Raises
    ------
    FormatError
        A line without 7 (or 9) TAB-separated fields, a score that is not a number from 0 to
        5, an empty sentence, or text that is not UTF-8 (the message names file and line).
    DatasetError
        ``path`` is None and the dataset is nowhere local.

    Examples
    --------
    >>> from everyvec.data import load_stsb  # doctest: +SKIP
    >>> test = load_stsb("test")             # doctest: +SKIP
    >>> len(test), test.scores.max()         # doctest: +SKIP
    (1379, 5.0)
    """
    if not isinstance(split, str) or split not in _FILES:
        raise ValueError(f"The 'split' parameter of load_stsb must be 'train', 'dev' or "
                         f"'test'. Got {split!r}.")
    file = split_file("stsb", _FILES[split], split, path, "load_stsb")
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text ({exc.reason})", path=file,
                          offset=exc.start) from None
    first, second, scores, genres = [], [], [], []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue  # the final newline, stray blank lines
        fields = line.split("\t")
        if len(fields) not in _FIELD_COUNTS:
            raise FormatError(
                f"expected 7 TAB-separated fields (genre, file, year, id, score, sentence1, "
                f"sentence2; 9 with the source attributions), found {len(fields)}",
                path=file, line=number)
        try:
            score = float(fields[4])
        except ValueError:
            score = float("nan")
        if not 0.0 <= score <= _MAX_SCORE:  # also refuses NaN
            raise FormatError(f"the score (field 5) must be a number from 0 to 5, found "
                              f"{fields[4]!r}", path=file, line=number)
        if not fields[5].strip() or not fields[6].strip():
            raise FormatError("a sentence (field 6 or 7) is empty", path=file, line=number)
        genres.append(fields[0])
        scores.append(score)
        first.append(fields[5])
        second.append(fields[6])
    if not scores:
        raise FormatError("no sentence pairs in the file", path=file)
    return StsPairs(first, second, np.array(scores, dtype=np.float64), genres)

