"""Word-analogy accuracy (questions-words, CA8), answered in batches, scored as gensim does.

The scoring reproduces gensim 4.4 ``KeyedVectors.evaluate_word_analogies``: only the first
``restrict_vocab`` keys are used (both to look up question words and as candidate answers); with
``case_insensitive`` every word is upper-cased and, among keys that fold to the same word, the
lowest row stands for it; a question with any word outside that vocabulary is counted as OOV and
skipped; the prediction is the best candidate of ``b - a + c`` that is not ``a``, ``b`` or ``c``
(gensim also skips case variants of them among its top five, and so do we). Instead of one
``most_similar`` call per question, all questions go through
:func:`everyvec.vectors.analogy.solve_analogies` as matrix products.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec._progress import track
from everyvec.evaluate._common import (
    check_vectors,
    fmt,
    plain_table,
    restricted_vocab,
    rich_table,
)
from everyvec.evaluate.readers import read_analogies
from everyvec.vectors import ops
from everyvec.vectors.vectors import Vectors

__all__ = ["AnalogyResult", "SectionScore", "analogies"]

_METHODS = ("3cosadd", "3cosmul")
# gensim's evaluate_word_analogies looks at most_similar(..., topn=5) when skipping case variants.
_GENSIM_TOPN = 5
_CHUNK = 8192  # questions per solve_analogies call (progress granularity)
# Questions per matrix product inside solve_analogies: small blocks keep the (block × vocab)
# score and top-k index arrays to tens of MiB at no measurable cost in speed.
_BLOCK = 512


@dataclass(frozen=True)
class SectionScore:
    """Counts for one section (or a subtotal) of an analogy set.

    Attributes
    ----------
    name
        Section name as in the file (``total``, ``semantic``, ``syntactic`` for subtotals).
    correct, incorrect
        Questions answered right / wrong (all four words in the vocabulary).
    oov
        Questions skipped because a word is outside the (restricted) vocabulary.
    """

    name: str
    correct: int
    incorrect: int
    oov: int

    @property
    def questions(self) -> int:
        """All questions of the section, OOV included."""
        return self.correct + self.incorrect + self.oov

    @property
    def evaluated(self) -> int:
        """Questions that were answered (``correct + incorrect``)."""
        return self.correct + self.incorrect

    @property
    def accuracy(self) -> float:
        """``correct / (correct + incorrect)`` as gensim reports it; NaN if none answered."""
        return self.correct / self.evaluated if self.evaluated else math.nan

    @property
    def accuracy_with_oov(self) -> float:
        """``correct / questions``: OOV questions count as wrong; NaN for an empty section."""
        return self.correct / self.questions if self.questions else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-able counts and accuracies (NaN written as ``None``)."""
        return {
            "name": self.name,
            "correct": self.correct,
            "incorrect": self.incorrect,
            "oov": self.oov,
            "questions": self.questions,
            "accuracy": _none_if_nan(self.accuracy),
            "accuracy_with_oov": _none_if_nan(self.accuracy_with_oov),
        }


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else value


def _subtotal(name: str, parts: list[SectionScore]) -> SectionScore:
    return SectionScore(name, sum(p.correct for p in parts), sum(p.incorrect for p in parts),
                        sum(p.oov for p in parts))


@dataclass(frozen=True)
class AnalogyResult:
    """Outcome of :func:`analogies`.

    Attributes
    ----------
    path
        The question file.
    method
        ``"3cosadd"`` or ``"3cosmul"``.
    restrict_vocab
        Rows used (the argument, capped at the number of keys).
    case_insensitive
        Whether words were upper-cased before lookup.
    sections
        One :class:`SectionScore` per section, in file order.
    total
        Sum over all sections.
    semantic, syntactic
        Subtotals for questions-words style files (sections named ``gram…`` are syntactic, the
        others semantic); ``None`` when no section name starts with ``gram``.
    """

    path: str
    method: str
    restrict_vocab: int
    case_insensitive: bool
    sections: tuple[SectionScore, ...]
    total: SectionScore
    semantic: SectionScore | None = None
    syntactic: SectionScore | None = None

    @property
    def accuracy(self) -> float:
        """Overall ``correct / (correct + incorrect)``: gensim's returned score."""
        return self.total.accuracy

    @property
    def accuracy_with_oov(self) -> float:
        """Overall ``correct / questions`` (gensim's ``dummy4unknown=True`` score)."""
        return self.total.accuracy_with_oov

    @property
    def oov(self) -> int:
        """Questions skipped for out-of-vocabulary words."""
        return self.total.oov

    def section(self, name: str) -> SectionScore:
        """The first section called ``name`` (KeyError listing the names if none is)."""
        for score in self.sections:
            if score.name == name:
                return score
        raise KeyError(f"no section {name!r}; sections: {[s.name for s in self.sections]}")

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able builtins."""
        return {
            "path": self.path,
            "method": self.method,
            "restrict_vocab": self.restrict_vocab,
            "case_insensitive": self.case_insensitive,
            "accuracy": _none_if_nan(self.accuracy),
            "accuracy_with_oov": _none_if_nan(self.accuracy_with_oov),
            "total": self.total.to_dict(),
            "semantic": self.semantic.to_dict() if self.semantic else None,
            "syntactic": self.syntactic.to_dict() if self.syntactic else None,
            "sections": [s.to_dict() for s in self.sections],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def _table(self) -> tuple[str, list[str], list[list[str]], list[list[str]]]:
        title = (f"Analogies {os.path.basename(self.path)} ({self.method}, "
                 f"restrict_vocab={self.restrict_vocab})")
        header = ["section", "correct", "incorrect", "oov", "accuracy", "acc. (oov wrong)"]

        def row(s: SectionScore) -> list[str]:
            return [s.name, str(s.correct), str(s.incorrect), str(s.oov), fmt(s.accuracy),
                    fmt(s.accuracy_with_oov)]

        footer = [row(s) for s in (self.semantic, self.syntactic) if s is not None]
        footer.append(row(self.total))
        return title, header, [row(s) for s in self.sections], footer

    def __str__(self) -> str:
        return plain_table(*self._table())

    def __rich__(self) -> Any:
        return rich_table(*self._table())


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method.lower()


def analogies(
    vectors: Vectors,
    path: str | os.PathLike[str],
    *,
    restrict_vocab: int | None = 300_000,
    method: str = "3cosadd",
    case_insensitive: bool = True,
    progress: bool | None = None,
) -> AnalogyResult:
    """Accuracy on an analogy file, with gensim's ``evaluate_word_analogies`` semantics.

    Parameters
    ----------
    vectors
        The vectors; rows are assumed sorted by descending frequency (``restrict_vocab`` keeps
        the leading ones).
    path
        A questions-words style file (``: section`` lines then ``a b c d`` lines; UTF-8, LF or
        CRLF), e.g. ``everyvec.datasets.path("questions-words")`` or a CA8 file.
    restrict_vocab
        Use only the first this many keys, both for question words and candidate answers
        (``None``: all keys). gensim's default is 300,000.
    method
        ``"3cosadd"`` (gensim's ``most_similar``; what ``evaluate_word_analogies`` uses) or
        ``"3cosmul"`` (gensim's ``most_similar_cosmul``).
    case_insensitive
        Upper-case words before lookup, the first of several case variants standing for all.
    progress
        Show a progress bar (``None``: only when stderr is a terminal).

    Returns
    -------
    AnalogyResult
        Per-section and total counts; ``.accuracy`` equals gensim's score.

    Raises
    ------
    FormatError
        If the file is malformed (the message names file and line).

    Examples
    --------
    >>> result = analogies(vectors, "questions-words.txt", restrict_vocab=30_000)  # doctest: +SKIP
    >>> result.section("capital-common-countries").accuracy  # doctest: +SKIP
    """
    from everyvec.vectors.analogy import solve_analogies

    vectors = check_vectors(vectors)
    method = _check_method(method)
    limit = ops.check_restrict(restrict_vocab, len(vectors))
    sections = read_analogies(path)
    vocab = restricted_vocab(vectors, limit, case_insensitive)

    oov = np.zeros(len(sections), dtype=np.int64)
    ids: list[tuple[int, int, int, int]] = []
    owner: list[int] = []
    for s, section in enumerate(sections):
        for _, *words in section.questions:
            if case_insensitive:
                words = [w.upper() for w in words]
            try:
                ids.append(tuple(vocab[w] for w in words))  # type: ignore[arg-type]
            except KeyError:
                oov[s] += 1
                continue
            owner.append(s)
    quads = np.array(ids, dtype=np.int64).reshape(-1, 4)
    a, b, c, d = quads.T
    section_of = np.array(owner, dtype=np.int64)

    # Keys that fold to the same upper-case word share one canonical row (the one in `vocab`).
    # When there are such variants, gensim skips any of its top five that fold to a, b or c.
    canonical: np.ndarray | None = None
    topn = 1
    if case_insensitive and len(vocab) < limit:
        canonical = np.fromiter((vocab[k.upper()] for k in vectors.keys[:limit]),
                                dtype=np.int64, count=limit)
        topn = _GENSIM_TOPN

    predicted = np.full(len(quads), -1, dtype=np.int64)
    if len(quads):
        unit = vectors.unit_matrix
        starts = range(0, len(quads), _CHUNK)
        for start in track(starts, "analogies", total=len(starts), progress=progress):
            part = slice(start, start + _CHUNK)
            found, _ = solve_analogies(unit, a[part], b[part], c[part], method=method,
                                       topn=topn, restrict=limit, block=_BLOCK)
            predicted[part] = _pick(np.asarray(found, dtype=np.int64).reshape(-1, topn),
                                    canonical, a[part], b[part], c[part])
    hit = predicted == d
    n = len(sections)
    correct = np.bincount(section_of[hit], minlength=n)
    asked = np.bincount(section_of, minlength=n)
    scores = tuple(
        SectionScore(section.name, int(correct[i]), int(asked[i] - correct[i]), int(oov[i]))
        for i, section in enumerate(sections)
    )
    semantic = syntactic = None
    if any(s.name.startswith("gram") for s in scores):
        syntactic = _subtotal("syntactic", [s for s in scores if s.name.startswith("gram")])
        semantic = _subtotal("semantic", [s for s in scores if not s.name.startswith("gram")])
    return AnalogyResult(
        path=os.fspath(path),
        method=method,
        restrict_vocab=limit,
        case_insensitive=case_insensitive,
        sections=scores,
        total=_subtotal("total", list(scores)),
        semantic=semantic,
        syntactic=syntactic,
    )


def _pick(found: np.ndarray, canonical: np.ndarray | None, a: np.ndarray, b: np.ndarray,
          c: np.ndarray) -> np.ndarray:
    """The canonical row predicted for each question from its ranked candidates.

    Negative entries (fewer candidates than asked for) are never chosen. Without case
    variants the first candidate is the answer. With them, as gensim: the first candidate that
    does not fold to a, b or c; if all of them do, the last one.
    """
    if canonical is None:
        return found[:, 0]
    valid = found >= 0
    folded = np.where(valid, canonical[np.where(valid, found, 0)], -1)
    usable = valid & (folded != a[:, None]) & (folded != b[:, None]) & (folded != c[:, None])
    first = np.argmax(usable, axis=1)
    last = np.maximum(valid.sum(axis=1) - 1, 0)
    column = np.where(usable.any(axis=1), first, last)
    return folded[np.arange(len(found)), column]
