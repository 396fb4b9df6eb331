"""Estimators that learn vectors from data; each returns an :class:`everyvec.Vectors`."""

from everyvec.train.ppmi_svd import PPMISVD
from everyvec.train.word2vec import Word2Vec

__all__ = ["PPMISVD", "Word2Vec"]
