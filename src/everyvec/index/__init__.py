"""Nearest-neighbour search: one protocol, several backends, named by a short spec string.

>>> from everyvec.index import make_index
>>> index = make_index("hnsw:M=32,ef=128", dim=100, metric="cosine")   # doctest: +SKIP
>>> index.add(keys, matrix)                                              # doctest: +SKIP
>>> index.search(queries, k=10).keys                                     # doctest: +SKIP

Backends: ``exact`` (NumPy/BLAS, the default and the test oracle), FAISS (``flat``,
``hnsw``, ``ivfflat``, ``ivfpq``; ``pip install 'everyvec[faiss]'``) and Milvus (``milvus``,
a Milvus Lite file or a server URI; ``pip install 'everyvec[milvus]'``).
"""

from everyvec.index.base import METRICS, Index, Matches
from everyvec.index.spec import KINDS, format_spec, load_index, make_index, parse_spec

__all__ = ["KINDS", "METRICS", "Index", "Matches", "format_spec", "load_index", "make_index",
           "parse_spec"]
