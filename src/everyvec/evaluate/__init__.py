"""Intrinsic evaluation of word vectors: analogies and word-pair similarity.

Example (``vectors`` is an :class:`everyvec.Vectors`)::

    from everyvec import datasets, evaluate

    print(evaluate.analogies(vectors, datasets.path("questions-words"), restrict_vocab=30_000))
    print(evaluate.word_pairs(vectors, datasets.path("simlex999")).spearman)
"""

from everyvec.evaluate.analogy import AnalogyResult, SectionScore, analogies
from everyvec.evaluate.readers import read_analogies, read_word_pairs
from everyvec.evaluate.similarity import WordPairResult, word_pairs
from everyvec.evaluate.stats import pearson, rankdata, spearman

__all__ = [
    "AnalogyResult",
    "SectionScore",
    "WordPairResult",
    "analogies",
    "pearson",
    "rankdata",
    "read_analogies",
    "read_word_pairs",
    "spearman",
    "word_pairs",
]
