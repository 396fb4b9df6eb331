"""Evaluation: word vectors (analogies, word-pair similarity), sentence vectors (STS-B),
node vectors (node classification, link prediction) and recommenders (recall, NDCG, hit
rate, coverage).

Example (``vectors`` is an :class:`everyvec.Vectors`)::

    from everyvec import datasets, evaluate

    print(evaluate.analogies(vectors, datasets.path("questions-words"), restrict_vocab=30_000))
    print(evaluate.word_pairs(vectors, datasets.path("simlex999")).spearman)
"""

from everyvec.evaluate.analogy import AnalogyResult, SectionScore, analogies
from everyvec.evaluate.graph import (
    LinkPredictionResult,
    NodeClassificationResult,
    link_prediction,
    node_classification,
    read_labels,
    split_edges,
)
from everyvec.evaluate.readers import read_analogies, read_word_pairs
from everyvec.evaluate.recs import RecsReport, evaluate_recommender
from everyvec.evaluate.similarity import WordPairResult, word_pairs
from everyvec.evaluate.stats import pearson, rankdata, spearman
from everyvec.evaluate.sts import StsResult, evaluate_sts

__all__ = [
    "AnalogyResult",
    "LinkPredictionResult",
    "NodeClassificationResult",
    "RecsReport",
    "SectionScore",
    "StsResult",
    "WordPairResult",
    "analogies",
    "evaluate_recommender",
    "evaluate_sts",
    "link_prediction",
    "node_classification",
    "pearson",
    "rankdata",
    "read_analogies",
    "read_labels",
    "read_word_pairs",
    "spearman",
    "split_edges",
    "word_pairs",
]
