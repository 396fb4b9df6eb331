"""Estimators that learn vectors from data; each returns an :class:`everyvec.Vectors`."""

from everyvec.train.item2vec import Item2Vec
from everyvec.train.ppmi_svd import PPMISVD
from everyvec.train.word2vec import Word2Vec

__all__ = ["Item2Vec", "PPMISVD", "Word2Vec"]
