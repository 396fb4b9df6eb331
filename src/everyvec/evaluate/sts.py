"""Semantic textual similarity (STS Benchmark and alike): sentence vectors against people.

Any sentence encoder is a function from a list of texts to an ``(n, D)`` array — an
:class:`everyvec.Encoder`'s ``encode``, a sentence-transformers model's ``encode``, the mean of
word vectors, an RNN's final state. :func:`evaluate_sts` encodes every distinct sentence of the
pairs once, scores each pair by the cosine similarity of its two vectors and compares the
scores with the gold ones by Spearman's ρ (the STS Benchmark's headline number, as
sentence-transformers' ``EmbeddingSimilarityEvaluator`` reports it) and Pearson's r.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec._checks import check_int
from everyvec.data.stsb import StsPairs, check_pair_lists
from everyvec.evaluate._common import fmt, plain_table, rich_table
from everyvec.evaluate.stats import pearson, spearman

__all__ = ["StsResult", "evaluate_sts"]

_OWNER = "evaluate_sts"


@dataclass(frozen=True)
class StsResult:
    """Outcome of :func:`evaluate_sts`.

    Attributes
    ----------
    spearman, pearson
        Correlation of the pairs' cosine similarities with the gold scores (NaN when a side
        is constant).
    pairs
        Number of pairs scored.
    sentences
        Number of distinct sentences encoded.
    seconds
        Time spent in ``encode``.
    name
        Label for tables (e.g. ``"STS-B test"``).
    """

    spearman: float
    pearson: float
    pairs: int
    sentences: int
    seconds: float
    name: str = "STS"

    @property
    def sentences_per_second(self) -> float:
        """Encoding throughput over the distinct sentences."""
        return self.sentences / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able builtins (NaN as ``None``)."""
        return {"name": self.name,
                "spearman": None if np.isnan(self.spearman) else self.spearman,
                "pearson": None if np.isnan(self.pearson) else self.pearson,
                "pairs": self.pairs, "sentences": self.sentences, "seconds": self.seconds}

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    def _table(self) -> tuple[str, list[str], list[list[str]]]:
        header = ["dataset", "spearman", "pearson", "pairs", "sentences/s"]
        row = [self.name, fmt(self.spearman), fmt(self.pearson), str(self.pairs),
               f"{self.sentences_per_second:,.0f}"]
        return f"Sentence similarity {self.name}", header, [row]

    def __str__(self) -> str:
        return plain_table(*self._table())

    def __rich__(self) -> Any:
        return rich_table(*self._table())


def evaluate_sts(encode: Callable[[list[str]], Any],
                 pairs: StsPairs | Sequence[str],
                 sentences2: Sequence[str] | None = None,
                 scores: Any = None, *,
                 batch_size: int | None = None,
                 name: str = "STS") -> StsResult:
    """Spearman and Pearson correlation of cosine similarity with gold pair scores.

    Parameters
    ----------
    encode
        ``encode(texts: list[str]) -> (len(texts), D)`` array-like of sentence vectors, e.g.
        ``everyvec.Encoder("all-MiniLM-L6-v2").encode``.
    pairs
        An :class:`~everyvec.data.stsb.StsPairs` (e.g. ``load_stsb("test")``), or the first
        sentences of the pairs, with ``sentences2`` and ``scores`` given.
    sentences2, scores
        The second sentences and the gold scores, when ``pairs`` is a list of sentences.
    batch_size
        Texts per ``encode`` call; ``None`` (default) passes all distinct sentences at once,
        which lets an encoder sort them by length itself.
    name
        Label of the result in tables.

    Returns
    -------
    StsResult
        ``.spearman``, ``.pearson``, ``.pairs``.

    Raises
    ------
    ValueError
        Mismatched lengths, no pairs, or ``encode`` returning the wrong shape or non-finite
        values.

    Examples
    --------
    >>> import numpy as np
    >>> def encode(texts):  # a toy encoder: counts of 'a' and 'b'
    ...     return np.array([[t.count("a"), t.count("b")] for t in texts], float)
    >>> r = evaluate_sts(encode, ["aa", "ab", "a"], ["a", "b", "bb"], [5.0, 2.5, 0.0])
    >>> round(r.spearman, 3)
    1.0
    """
    if not callable(encode):
        raise TypeError(f"The 'encode' parameter of {_OWNER} must be a function from a list of "
                        f"texts to an (n, D) array, e.g. Encoder(...).encode. Got {encode!r}.")
    first, second, gold = _pairs(pairs, sentences2, scores)
    batch_size = check_int(batch_size, "batch_size", _OWNER, minimum=1, allow_none=True)
    texts = list(dict.fromkeys([*first, *second]))
    started = time.perf_counter()
    vectors = _encode(encode, texts, batch_size)
    seconds = time.perf_counter() - started
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.maximum(norms, 1e-12)  # a zero vector gets similarity 0
    row = {text: i for i, text in enumerate(texts)}
    left = unit[[row[t] for t in first]]
    right = unit[[row[t] for t in second]]
    cosine = np.einsum("ij,ij->i", left, right)
    return StsResult(spearman=spearman(gold, cosine), pearson=pearson(gold, cosine),
                     pairs=len(first), sentences=len(texts), seconds=seconds, name=str(name))


def _pairs(pairs: Any, sentences2: Any, scores: Any) -> tuple[list[str], list[str],
                                                              np.ndarray]:
    if isinstance(pairs, StsPairs):
        if sentences2 is not None or scores is not None:
            raise TypeError(f"{_OWNER}: pass either StsPairs or (sentences1, sentences2, "
                            "scores), not both")
        first, second, gold = pairs.sentences1, pairs.sentences2, pairs.scores
    else:
        if sentences2 is None or scores is None:
            raise TypeError(f"{_OWNER} takes StsPairs (e.g. load_stsb('test')) or three "
                            "sequences: sentences1, sentences2 and scores")
        first, second, gold = check_pair_lists(
            pairs, sentences2, scores, owner=_OWNER,
            names=("the 'sentences1' parameter", "the 'sentences2' parameter",
                   "the 'scores' parameter"))
    if not len(first):
        raise ValueError(f"{_OWNER}: no sentence pairs to evaluate")
    return list(first), list(second), np.asarray(gold, dtype=np.float64)


def _encode(encode: Callable[[list[str]], Any], texts: list[str],
            batch_size: int | None) -> np.ndarray:
    step = batch_size or len(texts)
    parts = []
    for start in range(0, len(texts), step):
        chunk = texts[start:start + step]
        part = np.asarray(encode(chunk), dtype=np.float64)
        if part.ndim != 2 or part.shape[0] != len(chunk):
            raise ValueError(f"{_OWNER}: encode must return an (n, D) array for n texts; for "
                             f"{len(chunk)} texts it returned shape {part.shape}")
        if not np.all(np.isfinite(part)):
            raise ValueError(f"{_OWNER}: encode returned NaN or infinite values")
        parts.append(part)
    if len({p.shape[1] for p in parts}) > 1:
        raise ValueError(f"{_OWNER}: encode returned vectors of different widths "
                         f"{sorted({p.shape[1] for p in parts})} for different batches")
    return np.concatenate(parts)
