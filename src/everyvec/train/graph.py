"""DeepWalk and node2vec: random walks over a graph, then skip-gram over the walks.

A walk is a sentence whose words are node names (Perozzi et al. 2014); node2vec (Grover &
Leskovec 2016) biases the walks with a return parameter ``p`` and an in-out parameter ``q``.
:func:`random_walks` generates the walks with the numba kernels of
:mod:`everyvec.kernels.walks` on threads; :class:`DeepWalk` and :class:`Node2Vec` feed them as
ids (no strings) to :class:`~everyvec.train.word2vec.Word2Vec`'s skip-gram through
:meth:`~everyvec.train.encoded.EncodedCorpus.from_ids` — the word2vec kernels, not a copy.

Choices, on purpose:

* Every node starts ``walks_per_node`` walks; in each round the start nodes are shuffled
  (as DeepWalk does), so the learning-rate schedule does not sweep the graph in id order.
* Walks are the same for any number of threads (each has its own random stream); training
  with ``workers=1`` is bit-reproducible, as in :class:`~everyvec.train.word2vec.Word2Vec`.
* Skip-gram with negative sampling and no subsampling by default (as the node2vec reference;
  DeepWalk's paper used hierarchical softmax: ``hs=True, negative=0``).
* Vectors are keyed by node name in the graph's node order. A node without edges has only
  one-node walks, trains nothing, and keeps its random initial vector.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_float, check_int
from everyvec._progress import Meter
from everyvec.data.graph import Graph
from everyvec.errors import EveryvecError
from everyvec.kernels.sampling import derive_state, stream_prefix
from everyvec.kernels.walks import (
    node2vec_bias,
    row_alias_tables,
    row_totals,
    walk_range,
)
from everyvec.train.encoded import EncodedCorpus
from everyvec.train.trainer import TrainingReport
from everyvec.train.word2vec import Word2Vec, default_workers
from everyvec.vectors import Vectors

__all__ = ["DeepWalk", "GraphEmbeddingReport", "Node2Vec", "Walks", "random_walks"]

logger = logging.getLogger(__name__)

#: Random stream of the walks (the shuffles of start nodes use another).
_WALK_STREAM = 0x57A1C
_SHUFFLE_STREAM = 0x5BFF1E
#: Walks per kernel call: small enough for an even split among threads and a moving bar.
_CHUNK_WALKS = 4096


@dataclasses.dataclass
class Walks:
    """Random walks as ids: ``tokens[starts[i]:starts[i+1]]`` is walk ``i``.

    Iterating gives each walk as a list of node names, so ``gensim.models.Word2Vec(walks)``
    (or any tool taking lists of tokens) can train on them directly; :meth:`to_corpus` wraps
    them for everyvec's trainers without strings.

    Attributes
    ----------
    tokens : numpy.ndarray
        ``int32`` node ids of all walks, concatenated.
    starts : numpy.ndarray
        ``int64`` offsets, ``len(walks) + 1`` of them.
    names : list of str
        Node name of each id (the graph's ``names``).
    """

    tokens: np.ndarray
    starts: np.ndarray
    names: list[str]

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        """Walk ``i`` as node ids."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"walk {i} out of range ({len(self)} walks)")
        i %= len(self)
        return self.tokens[self.starts[i]:self.starts[i + 1]]

    def __iter__(self) -> Iterator[list[str]]:
        names = self.names
        tokens = self.tokens
        for lo, hi in zip(self.starts[:-1].tolist(), self.starts[1:].tolist(), strict=True):
            yield [names[t] for t in tokens[lo:hi].tolist()]

    def to_lists(self) -> list[list[str]]:
        """Every walk as a list of node names (memory: a Python list per walk)."""
        return list(self)

    def to_corpus(self) -> EncodedCorpus:
        """The walks as an :class:`~everyvec.train.encoded.EncodedCorpus` (no copy of ids)."""
        return EncodedCorpus.from_ids(self.tokens, self.starts, self.names)

    @property
    def n_tokens(self) -> int:
        return int(self.starts[-1])


def _as_graph(graph: Any) -> Graph:
    if isinstance(graph, Graph):
        return graph
    if isinstance(graph, (str, os.PathLike)):
        return Graph.read_edgelist(graph)
    raise TypeError("the graph must be an everyvec.data.Graph or the path of an edge list; "
                    f"got {type(graph).__name__}")


def _check_walk_params(owner: str, walk_length: Any, walks_per_node: Any, p: Any, q: Any,
                       seed: Any, workers: Any) -> None:
    check_int(walk_length, "walk_length", owner, minimum=1)
    check_int(walks_per_node, "walks_per_node", owner, minimum=1)
    for name, value in (("p", p), ("q", q)):
        check_float(value, name, owner, minimum=1e-6, maximum=1e6)
    check_int(seed, "seed", owner, minimum=0)
    check_int(workers, "workers", owner, minimum=1, allow_none=True)


def start_nodes(n_nodes: int, walks_per_node: int, seed: int) -> np.ndarray:
    """Every node ``walks_per_node`` times, in a fresh shuffled order each round."""
    out = np.empty(n_nodes * walks_per_node, np.int32)
    for r in range(walks_per_node):
        rng = np.random.default_rng(derive_state(seed, _SHUFFLE_STREAM, r))
        out[r * n_nodes:(r + 1) * n_nodes] = rng.permutation(n_nodes)
    return out


def random_walks(graph: Any, walk_length: int = 80, walks_per_node: int = 10, *,
                 p: float = 1.0, q: float = 1.0, weighted: bool = True, seed: int = 1,
                 workers: int | None = None, progress: bool | None = None) -> Walks:
    """Random walks from every node of ``graph`` (DeepWalk, or node2vec when ``p``/``q``
    differ from 1).

    Parameters
    ----------
    graph
        An :class:`everyvec.data.Graph`, or the path of an edge list (read with
        :meth:`~everyvec.data.Graph.read_edgelist`'s defaults: undirected).
    walk_length
        Nodes per walk (a walk that reaches a node without out-edges stops there).
    walks_per_node
        Walks started from each node.
    p
        node2vec's return parameter: a step back to the previous node is weighted ``1/p``.
    q
        node2vec's in-out parameter: a step to a node that is not a neighbour of the
        previous one is weighted ``1/q`` (``q < 1``: outward, DFS-like; ``q > 1``: stays
        near, BFS-like).
    weighted
        Follow edge weights when the graph has them (else steps are uniform).
    seed
        Seed of the walks; the same seed gives the same walks for any ``workers``.
    workers
        Threads (``None``: every core this process may use).
    progress
        Progress bar (``None``: only when stderr is a terminal).

    Returns
    -------
    Walks
        Ids, offsets and node names; iterate it for lists of names.

    Examples
    --------
    >>> from everyvec.data import Graph
    >>> g = Graph.from_edges(["a", "b", "c"], ["b", "c", "a"])
    >>> walks = random_walks(g, walk_length=5, walks_per_node=2, seed=0)
    >>> len(walks), len(next(iter(walks)))
    (6, 5)
    """
    owner = "random_walks"
    _check_walk_params(owner, walk_length, walks_per_node, p, q, seed, workers)
    check_bool(weighted, "weighted", owner)
    graph = _as_graph(graph)
    starts_of = start_nodes(graph.n_nodes, walks_per_node, seed)
    n_walks = len(starts_of)
    use_weights = weighted and graph.weights is not None
    if use_weights:
        weights = graph.weights
        thresholds, aliases = row_alias_tables(graph.indptr, weights.astype(np.float64))
        totals = row_totals(graph.indptr, weights)
    else:
        weights, totals = np.zeros(0, np.float32), np.zeros(0, np.float64)
        thresholds, aliases = np.zeros(0, np.uint64), np.zeros(0, np.int32)
    accept, bound, excess = node2vec_bias(float(p), float(q))
    second_order = not (p == 1 and q == 1)
    prefix = np.uint64(stream_prefix(seed, _WALK_STREAM))
    out = np.empty((n_walks, walk_length), np.int32)
    lengths = np.empty(n_walks, np.int32)
    chunks = [(lo, min(lo + _CHUNK_WALKS, n_walks)) for lo in range(0, n_walks, _CHUNK_WALKS)]

    def run(chunk: tuple[int, int]) -> int:
        walk_range(graph.indptr, graph.indices, weights, totals, thresholds, aliases,
                   use_weights, starts_of, chunk[0], chunk[1], prefix, accept, bound, excess,
                   second_order, out, lengths)
        return chunk[1] - chunk[0]

    threads = workers if workers is not None else default_workers()
    with Meter("random walks", n_walks, unit="walks", progress=progress) as meter:
        if threads == 1 or len(chunks) == 1:
            for chunk in chunks:
                meter.advance(run(chunk))
        else:
            with ThreadPoolExecutor(threads, thread_name_prefix="everyvec-walks") as pool:
                for done in pool.map(run, chunks):
                    meter.advance(done)
    offsets = np.zeros(n_walks + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] == out.size:
        tokens = out.reshape(-1)
    else:  # some walks stopped at a sink: pack them
        keep = np.arange(walk_length)[None, :] < lengths[:, None]
        tokens = out[keep]
    return Walks(tokens, offsets, graph.names)


@dataclasses.dataclass
class GraphEmbeddingReport:
    """Where the time of a DeepWalk / node2vec fit went.

    Attributes
    ----------
    walk_seconds
        Generating the walks.
    train_seconds
        Skip-gram over the walks (vocabulary included).
    walks, tokens
        Walks generated and the nodes they hold.
    training
        The word2vec trainer's per-epoch report.
    """

    walk_seconds: float
    train_seconds: float
    walks: int
    tokens: int
    training: TrainingReport

    @property
    def seconds(self) -> float:
        return self.walk_seconds + self.train_seconds

    def to_dict(self) -> dict[str, Any]:
        return {"walk_seconds": self.walk_seconds, "train_seconds": self.train_seconds,
                "seconds": self.seconds, "walks": self.walks, "tokens": self.tokens,
                "training": self.training.to_dict()}

    def __str__(self) -> str:
        return (f"{self.walks:,} walks ({self.tokens:,} nodes) in {self.walk_seconds:.2f} s; "
                f"skip-gram in {self.train_seconds:.2f} s "
                f"({self.training.words_per_second:,.0f} nodes/s); total {self.seconds:.2f} s")


class Node2Vec:
    """Node vectors from node2vec random walks and skip-gram.

    Parameters
    ----------
    vector_size
        Dimension of the node vectors.
    walk_length, walks_per_node
        Nodes per walk and walks started from each node.
    p, q
        node2vec's return and in-out parameters (see :func:`random_walks`); ``p = q = 1``
        is DeepWalk.
    weighted
        Follow edge weights when the graph has them.
    window
        Skip-gram context width over a walk.
    negative
        Noise nodes per positive pair (0 with ``hs=True``: hierarchical softmax only).
    hs
        Hierarchical softmax (DeepWalk's original output layer).
    ns_exponent
        Noise distribution = node frequency in the walks ** ns_exponent.
    sample
        Subsampling of frequent nodes (0: off).
    alpha, min_alpha
        Learning rate, decaying linearly.
    epochs
        Passes of skip-gram over the walks.
    workers
        Threads for the walks and for training (``None``: every core available).
    seed
        Seed of the walks and the training; with ``workers=1`` runs are bit-identical.
    keep_walks
        Keep the walks as :attr:`walks_` (memory: 4 bytes per node visited).
    device, batch_words, sync_words
        Train the skip-gram with the PyTorch trainer on this device (``None``: CPU threads);
        see :class:`~everyvec.train.word2vec.Word2Vec`. The walks are drawn on CPU threads.
    progress
        Progress bars (``None``: only when stderr is a terminal).

    Attributes
    ----------
    vectors : everyvec.Vectors
        One vector per node, keyed by node name, in the graph's node order.
    report_ : GraphEmbeddingReport
        Seconds spent on walks and on training.
    word2vec_ : everyvec.Word2Vec
        The fitted skip-gram model (vocabulary: node names by walk frequency).
    walks_ : Walks
        Only with ``keep_walks=True``.

    Examples
    --------
    >>> from everyvec.data import Graph
    >>> g = Graph.from_edges(["a", "b", "c", "d"], ["b", "c", "d", "a"])
    >>> model = Node2Vec(vector_size=8, walk_length=10, p=0.5, q=2.0, workers=1).fit(g)
    >>> model.vectors["a"].shape
    (8,)
    """

    _METHOD = "node2vec"

    def __init__(self, vector_size: int = 128, *, walk_length: int = 80,
                 walks_per_node: int = 10, p: float = 1.0, q: float = 1.0,
                 weighted: bool = True, window: int = 10, negative: int = 5,
                 hs: bool = False, ns_exponent: float = 0.75, sample: float = 0.0,
                 alpha: float = 0.025, min_alpha: float = 0.0001, epochs: int = 1,
                 workers: int | None = None, seed: int = 1, keep_walks: bool = False,
                 device: str | None = None, batch_words: int = 4096,
                 sync_words: int = 1_000_000, progress: bool | None = None) -> None:
        self.vector_size = vector_size
        self.walk_length = walk_length
        self.walks_per_node = walks_per_node
        self.p = p
        self.q = q
        self.weighted = weighted
        self.window = window
        self.negative = negative
        self.hs = hs
        self.ns_exponent = ns_exponent
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.keep_walks = keep_walks
        self.device = device
        self.batch_words = batch_words
        self.sync_words = sync_words
        self.progress = progress

    _PARAMS = ("vector_size", "walk_length", "walks_per_node", "p", "q", "weighted", "window",
               "negative", "hs", "ns_exponent", "sample", "alpha", "min_alpha", "epochs",
               "workers", "seed", "device", "batch_words", "sync_words")

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._PARAMS}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def _word2vec(self) -> Word2Vec:
        return Word2Vec(self.vector_size, sg=True, hs=self.hs, negative=self.negative,
                        window=self.window, min_count=1, sample=self.sample, alpha=self.alpha,
                        min_alpha=self.min_alpha, epochs=self.epochs, workers=self.workers,
                        ns_exponent=self.ns_exponent, seed=self.seed,
                        max_sentence_length=max(self.walk_length, 1), device=self.device,
                        batch_words=self.batch_words, sync_words=self.sync_words,
                        progress=self.progress)

    def _check_params(self) -> Word2Vec:
        owner = type(self).__name__
        _check_walk_params(owner, self.walk_length, self.walks_per_node, self.p, self.q,
                           self.seed, self.workers)
        check_bool(self.weighted, "weighted", owner)
        check_bool(self.keep_walks, "keep_walks", owner)
        try:
            return self._word2vec()  # checks the skip-gram settings
        except (TypeError, ValueError) as exc:
            raise type(exc)(str(exc).replace("of Word2Vec", f"of {owner}")) from None

    def fit(self, graph: Any) -> Node2Vec:
        """Walk ``graph`` and train skip-gram on the walks.

        Parameters
        ----------
        graph
            An :class:`everyvec.data.Graph`, or the path of an edge list (read undirected,
            weights detected; read it with :meth:`~everyvec.data.Graph.read_edgelist` for
            other options).

        Returns
        -------
        self
        """
        model = self._check_params()
        graph = _as_graph(graph)
        if graph.n_nodes == 0:
            raise EveryvecError("the graph has no nodes")
        started = time.perf_counter()
        walks = random_walks(graph, self.walk_length, self.walks_per_node, p=self.p, q=self.q,
                             weighted=self.weighted, seed=self.seed, workers=self.workers,
                             progress=self.progress)
        walked = time.perf_counter()
        logger.info("%d walks, %d nodes visited, in %.2f s", len(walks), walks.n_tokens,
                    walked - started)
        model.fit(walks.to_corpus())
        trained = time.perf_counter()
        self.word2vec_ = model
        self.graph_info_ = {"nodes": graph.n_nodes, "edges": graph.n_edges,
                            "directed": graph.directed, "weighted": graph.weighted}
        order = np.array([model.vocabulary_.token_to_id[name] for name in graph.names],
                         dtype=np.int64)
        self._matrix = model.input_matrix_[order]
        self._names = graph.names
        self.report_ = GraphEmbeddingReport(walked - started, trained - walked, len(walks),
                                            walks.n_tokens, model.report_)
        if self.keep_walks:
            self.walks_ = walks
        elif hasattr(self, "walks_"):
            del self.walks_  # from an earlier fit
        return self

    @property
    def vectors(self) -> Vectors:
        """Node vectors keyed by node name, in the graph's node order."""
        if not hasattr(self, "word2vec_"):
            raise EveryvecError(f"this {type(self).__name__} is not fitted yet; call "
                                "fit(graph) first")
        provenance = {"trainer": f"everyvec.{type(self).__name__}", "method": self._METHOD,
                      "params": self.get_params(), "graph": self.graph_info_}
        return Vectors(self._names, self._matrix, provenance=provenance)


class DeepWalk(Node2Vec):
    """Node vectors from uniform random walks and skip-gram (DeepWalk).

    :class:`Node2Vec` with ``p = q = 1`` (its parameters ``p``/``q`` are not offered here);
    every other parameter is the same.

    Examples
    --------
    >>> from everyvec.data import Graph
    >>> g = Graph.from_edges(["a", "b", "c"], ["b", "c", "a"])
    >>> DeepWalk(vector_size=8, walk_length=10, workers=1).fit(g).vectors.dim
    8
    """

    _METHOD = "deepwalk"

    def __init__(self, vector_size: int = 128, *, walk_length: int = 80,
                 walks_per_node: int = 10, weighted: bool = True, window: int = 10,
                 negative: int = 5, hs: bool = False, ns_exponent: float = 0.75,
                 sample: float = 0.0, alpha: float = 0.025, min_alpha: float = 0.0001,
                 epochs: int = 1, workers: int | None = None, seed: int = 1,
                 keep_walks: bool = False, device: str | None = None,
                 batch_words: int = 4096, sync_words: int = 1_000_000,
                 progress: bool | None = None) -> None:
        super().__init__(vector_size, walk_length=walk_length, walks_per_node=walks_per_node,
                         weighted=weighted, window=window, negative=negative, hs=hs,
                         ns_exponent=ns_exponent, sample=sample, alpha=alpha,
                         min_alpha=min_alpha, epochs=epochs, workers=workers, seed=seed,
                         keep_walks=keep_walks, device=device, batch_words=batch_words,
                         sync_words=sync_words, progress=progress)

    _PARAMS = tuple(name for name in Node2Vec._PARAMS if name not in ("p", "q"))
