"""A graph over string node names in compressed sparse row (CSR) form, for random walks.

Node ``i`` has the name ``names[i]``; its out-neighbours are ``indices[indptr[i]:indptr[i+1]]``,
sorted ascending so that "is ``v`` a neighbour of ``u``?" is a binary search in ``u``'s row (the
node2vec walk asks it at every step). Memory is linear in the graph: one ``int64`` per node,
one ``int32`` (plus one ``float32`` weight when weighted) per stored edge, and the names.

Simplifications, on purpose:

* Node names are strings (``"12"`` and ``12`` are the same node); integer ids in edge lists are
  read as strings, so non-contiguous ids (airport codes) cost nothing.
* An undirected edge is stored in both rows; ``n_edges`` counts it once.
* Duplicate edges are merged into one; with weights, ``duplicates="sum"`` (default) adds their
  weights and ``"max"`` keeps the largest. An undirected edge listed as ``u v`` and ``v u`` is a
  duplicate like any other.
* Self-loops are dropped unless ``self_loops=True`` (walks would stall on them, and most
  edge lists that have them — Wiki's — have them by accident). A kept undirected self-loop is
  stored once.
* Weights must be positive and finite; a graph is either weighted (every edge) or not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_choice, check_token
from everyvec._compressed import open_input
from everyvec.errors import FormatError, MissingKeyError

__all__ = ["Graph", "UnknownNodeError"]

DUPLICATES = ("sum", "max")


class UnknownNodeError(MissingKeyError):
    """A node name that the graph does not have."""

    def __init__(self, node: object, n_nodes: int) -> None:
        self.key = node
        self.suggestions = []
        KeyError.__init__(self, f"node {node!r} is not in the graph ({n_nodes:,} nodes; node "
                                "names are strings)")


class Graph:
    """A directed or undirected, optionally weighted graph in CSR form.

    Build one with :meth:`from_edges` or :meth:`read_edgelist`; the constructor takes the CSR
    arrays as they are (checked for shape and range, rows sorted and free of duplicates).

    Parameters
    ----------
    names
        Distinct node names, one per node.
    indptr
        ``int64`` row offsets, ``n_nodes + 1`` of them.
    indices
        ``int32`` neighbour ids, each row sorted ascending without repeats.
    weights
        ``float32`` positive weight of each stored edge, or ``None`` (unweighted).
    directed
        Whether edges have a direction (an undirected edge is stored in both rows).

    Attributes
    ----------
    names : list of str
    indptr : numpy.ndarray
    indices : numpy.ndarray
    weights : numpy.ndarray or None
    directed : bool

    Examples
    --------
    >>> g = Graph.from_edges(["a", "b"], ["b", "c"])
    >>> g.neighbors("b")
    ['a', 'c']
    >>> g.has_edge("c", "b"), g.n_nodes, g.n_edges
    (True, 3, 2)
    """

    def __init__(self, names: Sequence[str], indptr: Any, indices: Any,
                 weights: Any = None, *, directed: bool = False) -> None:
        self.names = list(names)
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.weights = (None if weights is None
                        else np.ascontiguousarray(weights, dtype=np.float32))
        self.directed = check_bool(directed, "directed", "Graph")
        self._index: dict[str, int] | None = None
        self._validate()

    def _validate(self) -> None:
        n = len(self.names)
        if self.indptr.ndim != 1 or len(self.indptr) != n + 1 or self.indptr[0] != 0:
            raise ValueError(f"indptr must hold n_nodes + 1 = {n + 1} offsets starting at 0")
        if np.any(np.diff(self.indptr) < 0) or self.indptr[-1] != len(self.indices):
            raise ValueError("indptr must never decrease and end at len(indices) = "
                             f"{len(self.indices)}")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= n):
            raise ValueError(f"indices must lie in 0..{n - 1}")
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        if len(self.indices) > 1:
            step = np.diff(self.indices.astype(np.int64))
            same_row = rows[1:] == rows[:-1]
            if np.any(step[same_row] <= 0):
                raise ValueError("each row of indices must be sorted ascending without "
                                 "repeated neighbours")
        if self.weights is not None:
            if self.weights.shape != self.indices.shape:
                raise ValueError("weights must hold one value per stored edge")
            if not np.all(np.isfinite(self.weights)) or np.any(self.weights <= 0):
                raise ValueError("edge weights must be positive and finite")
        if len(set(self.names)) != n:
            raise ValueError("node names must be distinct")
        for name in self.names:
            if not isinstance(name, str):
                raise TypeError(f"node names must be str; got {type(name).__name__} {name!r}")

    # -- building --------------------------------------------------------------------------

    @classmethod
    def from_edges(cls, sources: Iterable[Any], targets: Iterable[Any],
                   weights: Iterable[float] | None = None, *, directed: bool = False,
                   nodes: Iterable[Any] | None = None, self_loops: bool = False,
                   duplicates: str = "sum") -> Graph:
        """A graph from parallel lists of edge endpoints (names converted with ``str``).

        Parameters
        ----------
        sources, targets
            The endpoints of each edge.
        weights
            Positive weight of each edge, or ``None`` for an unweighted graph.
        directed
            Edges go from source to target; otherwise each is stored both ways.
        nodes
            Nodes to include even without edges, in this order first (names of edge
            endpoints not listed here follow in order of first appearance).
        self_loops
            Keep edges from a node to itself (dropped by default).
        duplicates
            Merge repeated edges by adding their weights (``"sum"``) or keeping the largest
            (``"max"``); unweighted duplicates simply become one edge.

        Raises
        ------
        ValueError
            Lists of different lengths, or a weight that is not positive and finite.
        """
        check_bool(directed, "directed", "Graph.from_edges")
        check_bool(self_loops, "self_loops", "Graph.from_edges")
        check_choice(duplicates, "duplicates", "Graph.from_edges", DUPLICATES)
        src_names = [s if isinstance(s, str) else str(s) for s in sources]
        dst_names = [t if isinstance(t, str) else str(t) for t in targets]
        if len(src_names) != len(dst_names):
            raise ValueError(f"sources and targets must have the same length; got "
                             f"{len(src_names)} and {len(dst_names)}")
        w = None
        if weights is not None:
            w = np.asarray(list(weights), dtype=np.float64)
            if w.shape != (len(src_names),):
                raise ValueError(f"weights must hold one number per edge ({len(src_names)}); "
                                 f"got shape {w.shape}")
            bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
            if len(bad):
                raise ValueError(f"edge weights must be positive and finite; edge {bad[0]} "
                                 f"({src_names[bad[0]]!r}, {dst_names[bad[0]]!r}) has "
                                 f"{w[bad[0]]!r}")
        index: dict[str, int] = {}
        if nodes is not None:
            for node in nodes:
                index.setdefault(node if isinstance(node, str) else str(node), len(index))
        # Names are numbered in order of first appearance, line by line.
        both = np.fromiter((index.setdefault(name, len(index))
                            for pair in zip(src_names, dst_names, strict=True) for name in pair),
                           np.int64, 2 * len(src_names))
        src, dst = both[0::2], both[1::2]
        return cls._from_ids(list(index), src, dst, w, directed=directed,
                             self_loops=self_loops, duplicates=duplicates)

    @classmethod
    def from_ids(cls, names: Sequence[str], sources: Any, targets: Any, weights: Any = None,
                 *, directed: bool = False, self_loops: bool = False,
                 duplicates: str = "sum") -> Graph:
        """A graph from edges given as node ids (positions in ``names``), without strings.

        Parameters
        ----------
        names
            Distinct node names; node ``i`` is ``names[i]``.
        sources, targets
            Integer arrays of edge endpoints, each in ``0..len(names)-1``.
        weights, directed, self_loops, duplicates
            As in :meth:`from_edges`.
        """
        owner = "Graph.from_ids"
        check_bool(directed, "directed", owner)
        check_bool(self_loops, "self_loops", owner)
        check_choice(duplicates, "duplicates", owner, DUPLICATES)
        names = list(names)
        if len(set(names)) != len(names) or not all(isinstance(x, str) for x in names):
            raise ValueError("names must be distinct strings")
        src = np.asarray(sources)
        dst = np.asarray(targets)
        if src.shape != dst.shape or src.ndim != 1:
            raise ValueError(f"sources and targets must be 1-d arrays of the same length; got "
                             f"shapes {src.shape} and {dst.shape}")
        if len(src) and not (np.issubdtype(src.dtype, np.integer)
                             and np.issubdtype(dst.dtype, np.integer)):
            raise TypeError("sources and targets must hold integer node ids")
        src, dst = src.astype(np.int64), dst.astype(np.int64)
        if len(src) and (min(src.min(), dst.min()) < 0
                         or max(src.max(), dst.max()) >= len(names)):
            raise ValueError(f"node ids must lie in 0..{len(names) - 1}")
        w = None
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != src.shape:
                raise ValueError("weights must hold one number per edge")
            if not np.all(np.isfinite(w) & (w > 0)):
                raise ValueError("edge weights must be positive and finite")
        return cls._from_ids(names, src, dst, w, directed=directed, self_loops=self_loops,
                             duplicates=duplicates)

    @classmethod
    def _from_ids(cls, names: list[str], src: np.ndarray, dst: np.ndarray,
                  weights: np.ndarray | None, *, directed: bool, self_loops: bool = False,
                  duplicates: str = "sum") -> Graph:
        """CSR arrays from id pairs: mirror, sort, merge duplicates."""
        n = len(names)
        if n >= 2**31 - 1:
            raise ValueError(f"a graph holds at most 2**31 - 2 nodes; got {n:,}")
        if not self_loops:
            keep = src != dst
            src, dst = src[keep], dst[keep]
            weights = None if weights is None else weights[keep]
        if not directed:
            mirror = src != dst  # a self-loop is stored once
            src, dst = np.concatenate([src, dst[mirror]]), np.concatenate([dst, src[mirror]])
            if weights is not None:
                weights = np.concatenate([weights, weights[mirror]])
        keys = src * n + dst  # n < 2**31, so n * n fits in int64
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        first = np.ones(len(keys), bool)
        first[1:] = keys[1:] != keys[:-1]
        starts = np.flatnonzero(first)
        merged = None
        if weights is not None:
            weights = weights[order]
            reduce = np.add if duplicates == "sum" else np.maximum
            merged = (reduce.reduceat(weights, starts) if len(starts)
                      else np.zeros(0)).astype(np.float32)
        keys = keys[starts]
        rows, cols = keys // n if n else keys, keys % n if n else keys
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        graph = cls.__new__(cls)
        graph.names = names
        graph.indptr = indptr
        graph.indices = cols.astype(np.int32)
        graph.weights = merged
        graph.directed = directed
        graph._index = None
        return graph

    @classmethod
    def read_edgelist(cls, path: str | os.PathLike[str], *, directed: bool = False,
                      weighted: bool | None = None, comment: str | None = "#",
                      sep: str | None = None, self_loops: bool = False,
                      duplicates: str = "sum", nodes: Iterable[Any] | None = None) -> Graph:
        """Read an edge list: one edge per line, ``source target [weight]``.

        Parameters
        ----------
        path
            A UTF-8 text file (``.gz`` is decompressed).
        directed
            Edges go from the first column to the second.
        weighted
            ``None``: weighted when the first edge line has a third column (every line must
            then have the same number of columns, 2 or 3). ``True``: the third column is the
            weight. ``False``: only the first two columns are read (any others are ignored).
        comment
            Text from this string to the end of a line is ignored (``None``: no comments).
            Blank lines are skipped.
        sep
            Column separator (``None``: runs of whitespace); fields are stripped.
        self_loops, duplicates, nodes
            As in :meth:`from_edges`.

        Raises
        ------
        everyvec.FormatError
            A line with too few (or, in automatic mode, inconsistent) columns, an empty field,
            a weight that is not a positive number, or bytes that are not UTF-8; the message
            names the file and the line.
        """
        check_token(comment, "comment", "Graph.read_edgelist")
        check_token(sep, "sep", "Graph.read_edgelist")
        if weighted is not None:
            check_bool(weighted, "weighted", "Graph.read_edgelist")
        sources: list[str] = []
        targets: list[str] = []
        weights: list[float] = []
        columns: int | None = None if weighted is None else (3 if weighted else 2)
        exact = weighted is None
        for lineno, fields in _edge_lines(path, comment, sep):
            if columns is None:
                if len(fields) not in (2, 3):
                    raise FormatError(f"expected 2 columns (source target) or 3 (source "
                                      f"target weight); got {len(fields)}", path=path,
                                      line=lineno)
                columns = len(fields)
            if len(fields) < columns or (exact and len(fields) != columns):
                raise FormatError(
                    f"expected {columns} columns ({_COLUMN_NAMES[columns]}) like the first "
                    f"edge line; got {len(fields)}", path=path, line=lineno)
            if any(not f for f in fields[:columns]):
                raise FormatError("empty field (node names cannot be empty)", path=path,
                                  line=lineno)
            sources.append(fields[0])
            targets.append(fields[1])
            if columns == 3:
                weights.append(_weight(fields[2], path, lineno))
        graph = cls.from_edges(sources, targets, weights if columns == 3 else None,
                               directed=directed, nodes=nodes, self_loops=self_loops,
                               duplicates=duplicates)
        return graph

    # -- queries ---------------------------------------------------------------------------

    @property
    def n_nodes(self) -> int:
        return len(self.names)

    @property
    def n_edges(self) -> int:
        """Edges as listed: an undirected edge counts once (stored twice unless a loop)."""
        if self.directed:
            return len(self.indices)
        loops = self.n_self_loops
        return (len(self.indices) - loops) // 2 + loops

    @property
    def n_self_loops(self) -> int:
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))
        return int(np.count_nonzero(rows == self.indices))

    @property
    def weighted(self) -> bool:
        return self.weights is not None

    def __len__(self) -> int:
        return self.n_nodes

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._node_index()

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        weights = ", weighted" if self.weighted else ""
        return f"Graph({self.n_nodes:,} nodes, {self.n_edges:,} edges, {kind}{weights})"

    def _node_index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {name: i for i, name in enumerate(self.names)}
        return self._index

    def index_of(self, name: Any) -> int:
        """The id of node ``name`` (a ``str``; other values are converted with ``str``).

        Raises
        ------
        UnknownNodeError
            (a :class:`~everyvec.MissingKeyError`) when the graph has no such node.
        """
        key = name if isinstance(name, str) else str(name)
        try:
            return self._node_index()[key]
        except KeyError:
            raise UnknownNodeError(name, self.n_nodes) from None

    def degree(self) -> np.ndarray:
        """Out-degree of every node (``int64``; a kept undirected self-loop counts once)."""
        return np.diff(self.indptr)

    def neighbors(self, name: Any) -> list[str]:
        """Names of the out-neighbours of ``name``, in id order."""
        i = self.index_of(name)
        return [self.names[j] for j in self.indices[self.indptr[i]:self.indptr[i + 1]]]

    def edge_weight(self, u: Any, v: Any) -> float:
        """Weight of edge ``u -> v`` (1.0 when unweighted); ``KeyError`` when absent."""
        i, j = self.index_of(u), self.index_of(v)
        lo, hi = self.indptr[i], self.indptr[i + 1]
        k = lo + int(np.searchsorted(self.indices[lo:hi], j))
        if k == hi or self.indices[k] != j:
            raise KeyError(f"no edge {u!r} -> {v!r}")
        return 1.0 if self.weights is None else float(self.weights[k])

    def has_edge(self, u: Any, v: Any) -> bool:
        """Whether the edge ``u -> v`` exists (either way round when undirected)."""
        i, j = self.index_of(u), self.index_of(v)
        lo, hi = self.indptr[i], self.indptr[i + 1]
        k = lo + int(np.searchsorted(self.indices[lo:hi], j))
        return bool(k < hi and self.indices[k] == j)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Edges as id arrays ``(sources, targets, weights)``; an undirected edge appears once,
        with ``source <= target``."""
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))
        cols = self.indices.astype(np.int64)
        keep = slice(None) if self.directed else rows <= cols
        weights = None if self.weights is None else self.weights[keep]
        return rows[keep], cols[keep], weights

    def iter_edges(self) -> Iterator[tuple[str, str]]:
        """Edges as ``(source, target)`` name pairs (undirected ones once)."""
        rows, cols, _ = self.edges()
        names = self.names
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            yield names[i], names[j]


_COLUMN_NAMES = {2: "source target", 3: "source target weight"}


def _edge_lines(path: str | os.PathLike[str], comment: str | None,
                sep: str | None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of every line with content."""
    with open_input(path, buffered=True) as (stream, _):
        for lineno, raw in enumerate(stream, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"bytes that are not UTF-8 at column {exc.start + 1}",
                                  path=path, line=lineno) from None
            if comment is not None:
                line = line.split(comment, 1)[0]
            if not line.strip():
                continue
            fields = line.split() if sep is None else [f.strip() for f in
                                                       line.rstrip("\r\n").split(sep)]
            yield lineno, fields


def _weight(text: str, path: str | os.PathLike[str], lineno: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FormatError(f"the weight {text!r} is not a number (a header line? mark it "
                          "with the comment character)", path=path, line=lineno) from None
    if not (value > 0 and np.isfinite(value)):
        raise FormatError(f"edge weights must be positive and finite; got {text!r}",
                          path=path, line=lineno)
    return value
