"""Word-similarity benchmarks (WordSim-353, SimLex-999, …): rank correlation with people.

The cosine similarity of each pair is compared with the human score by Spearman's ρ (ties
averaged, as ``scipy.stats.spearmanr``) and Pearson's r. Word lookup follows gensim's
``evaluate_word_pairs``: optionally upper-cased with the first case variant standing for all,
optionally within the first ``restrict_vocab`` keys. Pairs with an unknown word are not
silently lost: they are counted and listed in the result.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec.evaluate._common import (
    check_vectors,
    fmt,
    plain_table,
    restricted_vocab,
    rich_table,
)
from everyvec.evaluate.readers import read_word_pairs
from everyvec.evaluate.stats import pearson, spearman
from everyvec.vectors import ops
from everyvec.vectors.vectors import Vectors

__all__ = ["WordPairResult", "word_pairs"]


@dataclass(frozen=True)
class WordPairResult:
    """Outcome of :func:`word_pairs`.

    Attributes
    ----------
    path
        The pair file.
    spearman, pearson
        Correlations over the evaluated pairs (NaN when fewer than two pairs, or a constant
        side, make them undefined).
    pairs
        Number of pairs evaluated (both words known).
    oov
        Number of pairs skipped because a word is unknown.
    oov_pairs
        Those pairs, ``(word1, word2)`` as written in the file, in file order.
    restrict_vocab
        Rows used (``len(vectors)`` when not restricted).
    case_insensitive
        Whether words were upper-cased before lookup.
    """

    path: str
    spearman: float
    pearson: float
    pairs: int
    oov: int
    oov_pairs: tuple[tuple[str, str], ...]
    restrict_vocab: int
    case_insensitive: bool

    @property
    def oov_ratio(self) -> float:
        """Fraction of the file's pairs that were skipped."""
        total = self.pairs + self.oov
        return self.oov / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-able builtins (NaN as ``None``)."""
        return {
            "path": self.path,
            "spearman": None if np.isnan(self.spearman) else self.spearman,
            "pearson": None if np.isnan(self.pearson) else self.pearson,
            "pairs": self.pairs,
            "oov": self.oov,
            "oov_ratio": self.oov_ratio,
            "oov_pairs": [list(p) for p in self.oov_pairs],
            "restrict_vocab": self.restrict_vocab,
            "case_insensitive": self.case_insensitive,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def _table(self) -> tuple[str, list[str], list[list[str]]]:
        title = f"Word pairs {os.path.basename(self.path)}"
        header = ["dataset", "spearman", "pearson", "pairs", "oov"]
        shown = ", ".join(f"{w1}/{w2}" for w1, w2 in self.oov_pairs[:5])
        more = f" (+{self.oov - 5} more)" if self.oov > 5 else ""
        oov = f"{self.oov}" + (f": {shown}{more}" if self.oov else "")
        row = [os.path.basename(self.path), fmt(self.spearman), fmt(self.pearson),
               str(self.pairs), oov]
        return title, header, [row]

    def __str__(self) -> str:
        return plain_table(*self._table())

    def __rich__(self) -> Any:
        return rich_table(*self._table())


def word_pairs(
    vectors: Vectors,
    path: str | os.PathLike[str],
    *,
    case_insensitive: bool = True,
    restrict_vocab: int | None = None,
) -> WordPairResult:
    """Spearman and Pearson correlation of cosine similarity with human pair scores.

    Parameters
    ----------
    vectors
        The vectors.
    path
        A word-pair file: ``word1<TAB>word2<TAB>score`` (the ``EN-*.txt`` sets, gensim's
        ``wordsim353.tsv``) or the original WordSim-353 ``.csv``/``.tab`` and ``SimLex-999.txt``
        layouts with their header lines (see :func:`everyvec.evaluate.readers.read_word_pairs`).
    case_insensitive
        Upper-case words before lookup, the lowest row standing for all its case variants.
    restrict_vocab
        Use only the first this many keys (``None``: all keys; gensim's default is 300,000).

    Returns
    -------
    WordPairResult
        ``.spearman``, ``.pearson``, ``.pairs``, ``.oov`` and ``.oov_pairs``.

    Raises
    ------
    FormatError
        If the file is malformed (the message names file and line).
    """
    vectors = check_vectors(vectors)
    limit = ops.check_restrict(restrict_vocab, len(vectors))
    items = read_word_pairs(path)
    vocab = restricted_vocab(vectors, limit, case_insensitive)

    left: list[int] = []
    right: list[int] = []
    gold: list[float] = []
    missing: list[tuple[str, str]] = []
    for item in items:
        w1, w2 = (item.word1.upper(), item.word2.upper()) if case_insensitive else (
            item.word1, item.word2)
        i, j = vocab.get(w1), vocab.get(w2)
        if i is None or j is None:
            missing.append((item.word1, item.word2))
            continue
        left.append(i)
        right.append(j)
        gold.append(item.score)
    if left:
        unit = vectors.unit_matrix
        # float32 products like gensim's similarity(); summed per row
        model = np.einsum("ij,ij->i", unit[left], unit[right]).astype(np.float64)
        rho, r = spearman(gold, model), pearson(gold, model)
    else:
        rho = r = float("nan")
    return WordPairResult(
        path=os.fspath(path),
        spearman=rho,
        pearson=r,
        pairs=len(left),
        oov=len(missing),
        oov_pairs=tuple(missing),
        restrict_vocab=limit,
        case_insensitive=case_insensitive,
    )
