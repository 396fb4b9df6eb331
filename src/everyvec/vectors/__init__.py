"""Vectors and their files."""

from everyvec.vectors.vectors import Vectors

__all__ = ["Vectors"]
