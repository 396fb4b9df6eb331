"""Estimators that learn vectors from data; each returns an :class:`everyvec.Vectors`."""

from everyvec.train.ppmi_svd import PPMISVD

__all__ = ["PPMISVD"]
