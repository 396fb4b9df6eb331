"""Vectors, the queries made on them, and their files."""

from everyvec.vectors.queries import Neighbors
from everyvec.vectors.vectors import Vectors

__all__ = ["Neighbors", "Vectors"]
