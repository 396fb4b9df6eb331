"""Estimators that learn vectors from data; each returns an :class:`everyvec.Vectors`."""

from everyvec.train.graph import DeepWalk, Node2Vec, Walks, random_walks
from everyvec.train.item2vec import Item2Vec
from everyvec.train.ppmi_svd import PPMISVD
from everyvec.train.word2vec import Word2Vec

__all__ = ["DeepWalk", "Item2Vec", "Node2Vec", "PPMISVD", "Walks", "Word2Vec", "random_walks"]
