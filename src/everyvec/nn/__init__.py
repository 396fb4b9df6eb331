"""Bridges from everyvec vectors to neural-network libraries (PyTorch; imported lazily)."""

from everyvec.nn.embedding import encode, from_torch, padding_index, to_torch

__all__ = ["encode", "from_torch", "padding_index", "to_torch"]
