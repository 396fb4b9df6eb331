"""Evaluation of node vectors: node classification and link prediction.

* :func:`node_classification` — the protocol of DeepWalk and node2vec: for each fraction of
  labelled nodes used for training, fit a one-vs-rest logistic regression on their vectors,
  predict the others, and average micro- and macro-F1 over random splits. A node with several
  labels (multi-label data such as BlogCatalog) gets as many predicted labels as it truly has,
  the highest-scoring ones (as in DeepWalk's evaluation).
* :func:`split_edges` holds out a fraction of the edges of a graph; :func:`link_prediction`
  then scores held-out edges against sampled non-edges with the vectors learnt on the rest
  and reports ROC AUC.

scikit-learn (an optional dependency) is imported only when these functions run.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from everyvec._checks import check_choice, check_float, check_int
from everyvec._optional import require
from everyvec.errors import EveryvecError, FormatError
from everyvec.evaluate._common import check_vectors, plain_table

__all__ = [
    "EdgeSplit",
    "FractionScore",
    "LinkPredictionResult",
    "NodeClassificationResult",
    "OPERATORS",
    "link_prediction",
    "node_classification",
    "read_labels",
    "split_edges",
]

#: Ways to score a pair of nodes: similarities used as they are, or edge features
#: (element-wise combinations of the two vectors) fed to a logistic regression.
OPERATORS = ("cosine", "dot", "hadamard", "average", "l1", "l2")
_SIMILARITIES = ("cosine", "dot")
_HEADER_WORDS = {"node", "nodes", "id", "node_id", "vertex", "name"}
DEFAULT_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


# -- labels -----------------------------------------------------------------------------------

def read_labels(path: str | os.PathLike[str], *, header: bool | None = None,
                sep: str | None = None) -> dict[str, Any]:
    """Read node labels: ``node label [label ...]`` per line.

    Parameters
    ----------
    path
        UTF-8 text; blank lines and lines starting with ``#`` are skipped. A node on several
        lines, or with several labels on one line, has all of them.
    header
        Whether the first line is a header; ``None``: it is when its first field is a word
        such as ``node`` or ``id`` (as in the airport label files).
    sep
        Column separator (``None``: whitespace).

    Returns
    -------
    dict
        ``node -> label`` (``str``) when every node has one label, else
        ``node -> tuple of labels`` for every node.

    Raises
    ------
    everyvec.FormatError
        A line with a node and no label, or an empty file; names the file and line.
    """
    labels: dict[str, list[str]] = {}
    multi = False
    with open(path, "rb") as handle:
        first = True
        for lineno, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise FormatError("bytes that are not UTF-8", path=path, line=lineno) from None
            if not line or line.startswith("#"):
                continue
            fields = [f.strip() for f in (line.split() if sep is None else line.split(sep))]
            fields = [f for f in fields if f]
            if first:
                first = False
                is_header = (fields[0].lower() in _HEADER_WORDS if header is None
                             else header)
                if is_header:
                    continue
            if len(fields) < 2:
                raise FormatError("expected a node and at least one label (`node label`)",
                                  path=path, line=lineno)
            known = labels.setdefault(fields[0], [])
            for label in fields[1:]:
                if label not in known:
                    known.append(label)
            multi = multi or len(known) > 1
    if not labels:
        raise FormatError("no labels found", path=path)
    if multi:
        return {node: tuple(values) for node, values in labels.items()}
    return {node: values[0] for node, values in labels.items()}


def _label_sets(labels: Mapping[Any, Any]) -> tuple[list[str], list[tuple[str, ...]], bool]:
    nodes, sets = [], []
    multi = False
    for node, value in labels.items():
        if isinstance(value, (list, tuple, set, frozenset)):
            values = tuple(sorted({str(v) for v in value}))
            if not values:
                raise ValueError(f"node {node!r} has an empty set of labels")
            multi = multi or len(values) > 1
        else:
            values = (str(value),)
        nodes.append(node if isinstance(node, str) else str(node))
        sets.append(values)
    return nodes, sets, multi


# -- node classification ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FractionScore:
    """Mean (and standard deviation over repeats) of the F1 scores at one training fraction."""

    fraction: float
    micro_f1: float
    macro_f1: float
    micro_std: float
    macro_std: float
    train_nodes: int
    test_nodes: int


@dataclasses.dataclass(frozen=True)
class NodeClassificationResult:
    """Scores of :func:`node_classification`, one row per training fraction.

    Attributes
    ----------
    scores
        One :class:`FractionScore` per fraction, in the order asked.
    nodes
        Labelled nodes that have a vector (the ones evaluated).
    missing
        Labelled nodes without a vector (left out).
    classes
        Distinct labels.
    multilabel
        Whether some node has several labels.
    repeats
        Random splits averaged per fraction.
    """

    scores: tuple[FractionScore, ...]
    nodes: int
    missing: int
    classes: int
    multilabel: bool
    repeats: int

    def at(self, fraction: float) -> FractionScore:
        """The scores at a training fraction."""
        for score in self.scores:
            if abs(score.fraction - fraction) < 1e-9:
                return score
        raise KeyError(f"fraction {fraction} was not evaluated; have "
                       f"{[s.fraction for s in self.scores]}")

    @property
    def micro_f1(self) -> dict[float, float]:
        return {s.fraction: s.micro_f1 for s in self.scores}

    @property
    def macro_f1(self) -> dict[float, float]:
        return {s.fraction: s.macro_f1 for s in self.scores}

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "missing": self.missing, "classes": self.classes,
                "multilabel": self.multilabel, "repeats": self.repeats,
                "scores": [dataclasses.asdict(s) for s in self.scores]}

    def __str__(self) -> str:
        rows = [[f"{s.fraction:.0%}", f"{s.micro_f1:.4f} ± {s.micro_std:.4f}",
                 f"{s.macro_f1:.4f} ± {s.macro_std:.4f}", str(s.train_nodes),
                 str(s.test_nodes)] for s in self.scores]
        kind = "multi-label" if self.multilabel else "one label per node"
        title = (f"Node classification: {self.nodes} nodes, {self.classes} classes ({kind}), "
                 f"{self.repeats} splits per fraction"
                 + (f"; {self.missing} labelled nodes without a vector left out"
                    if self.missing else ""))
        return plain_table(title, ["train", "micro-F1", "macro-F1", "train nodes",
                                   "test nodes"], rows)


def node_classification(vectors: Any, labels: Mapping[Any, Any], *,
                        train_fractions: Sequence[float] = DEFAULT_FRACTIONS,
                        repeats: int = 5, seed: int = 0, C: float = 1.0,
                        max_iter: int = 1000) -> NodeClassificationResult:
    """Micro- and macro-F1 of a one-vs-rest logistic regression on node vectors.

    Parameters
    ----------
    vectors
        An :class:`everyvec.Vectors` keyed by node name.
    labels
        ``node -> label``, or ``node -> collection of labels`` for multi-label data (see
        :func:`read_labels`). Node names and labels are compared as strings.
    train_fractions
        Fractions of the labelled nodes used for training, each in (0, 1).
    repeats
        Random splits per fraction (scores are averaged).
    seed
        Seed of the splits.
    C, max_iter
        Inverse regularisation strength and iteration cap of scikit-learn's
        ``LogisticRegression`` (liblinear solver, as DeepWalk's scoring script: one binary
        problem per label, and no BLAS threads to fight over).

    Returns
    -------
    NodeClassificationResult

    Raises
    ------
    everyvec.EveryvecError
        Fewer than two labelled nodes have vectors, or a split leaves no test node.
    """
    vectors = check_vectors(vectors)
    owner = "node_classification"
    check_int(repeats, "repeats", owner, minimum=1)
    check_int(seed, "seed", owner, minimum=0)
    check_float(C, "C", owner, minimum=1e-12)
    check_int(max_iter, "max_iter", owner, minimum=1)
    fractions = [check_float(f, "train_fractions", owner, minimum=1e-9, maximum=1 - 1e-9)
                 for f in (train_fractions if isinstance(train_fractions, Sequence)
                           else [train_fractions])]
    if not fractions:
        raise ValueError(f"The 'train_fractions' parameter of {owner} must hold at least one "
                         "fraction. Got [].")
    linear = require("sklearn.linear_model", "node classification")
    multiclass = require("sklearn.multiclass", "node classification")
    metrics = require("sklearn.metrics", "node classification")
    preprocessing = require("sklearn.preprocessing", "node classification")

    nodes, sets, multi = _label_sets(labels)
    index = vectors.key_to_index
    present = [i for i, node in enumerate(nodes) if node in index]
    missing = len(nodes) - len(present)
    if len(present) < 2:
        raise EveryvecError(f"only {len(present)} of the {len(nodes)} labelled nodes have "
                            "vectors; are the node names the same in both?")
    X = vectors.matrix[[index[nodes[i]] for i in present]]
    binarizer = preprocessing.MultiLabelBinarizer()
    Y = binarizer.fit_transform([sets[i] for i in present])
    n = len(present)
    scores = []
    for fraction in fractions:
        n_train = int(round(fraction * n))
        if n_train < 1 or n_train >= n:
            raise EveryvecError(f"a training fraction of {fraction} of {n} nodes leaves "
                                f"{n_train} for training and {n - n_train} for testing")
        micro, macro = [], []
        for r in range(repeats):
            order = np.random.default_rng([seed, r, int(fraction * 1e6)]).permutation(n)
            train, test = order[:n_train], order[n_train:]
            predicted = _predict(linear, multiclass, X[train], Y[train], X[test],
                                 Y[test].sum(axis=1), C, max_iter)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                micro.append(metrics.f1_score(Y[test], predicted, average="micro",
                                              zero_division=0))
                macro.append(metrics.f1_score(Y[test], predicted, average="macro",
                                              zero_division=0))
        scores.append(FractionScore(fraction, float(np.mean(micro)), float(np.mean(macro)),
                                    float(np.std(micro)), float(np.std(macro)), n_train,
                                    n - n_train))
    return NodeClassificationResult(tuple(scores), n, missing, Y.shape[1], multi, repeats)


def _predict(linear: Any, multiclass: Any, X_train: np.ndarray, Y_train: np.ndarray,
             X_test: np.ndarray, k: np.ndarray, C: float, max_iter: int) -> np.ndarray:
    """Indicator matrix of the top ``k[i]`` labels of each test node."""
    seen = np.flatnonzero(Y_train.any(axis=0) & ~Y_train.all(axis=0))
    scores = np.full((len(X_test), Y_train.shape[1]), -np.inf)
    always = np.flatnonzero(Y_train.all(axis=0))  # a label every training node has
    scores[:, always] = np.inf
    if len(seen):
        model = multiclass.OneVsRestClassifier(
            linear.LogisticRegression(C=C, solver="liblinear", max_iter=max_iter))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X_train, Y_train[:, seen])
        decision = model.decision_function(X_test)
        scores[:, seen] = decision.reshape(len(X_test), -1)
    ranked = np.argsort(-scores, axis=1, kind="stable")
    predicted = np.zeros(scores.shape, dtype=int)
    for i, count in enumerate(k.tolist()):
        predicted[i, ranked[i, :count]] = 1
    return predicted


# -- link prediction --------------------------------------------------------------------------

class EdgeSplit(NamedTuple):
    """What :func:`split_edges` returns (unpack it as a tuple)."""

    train: Any
    positives: list[tuple[str, str]]
    negatives: list[tuple[str, str]]


def split_edges(graph: Any, fraction: float = 0.2, *, seed: int = 0,
                negatives_per_positive: float = 1.0) -> EdgeSplit:
    """Hold out a fraction of the edges of ``graph`` for link prediction.

    A random spanning forest (Kruskal's algorithm over the edges in random order) is kept
    in the training graph, so the training graph has the same connected components as
    ``graph`` — in particular no node loses its last edge; the held-out edges are drawn from
    the other edges. Negatives are node pairs drawn uniformly that are not edges of
    ``graph`` (in either direction) and not self-loops. Directed graphs are split on their
    underlying undirected structure; held-out edges keep their direction.

    Parameters
    ----------
    graph
        An :class:`everyvec.data.Graph`.
    fraction
        Share of the edges to hold out, in (0, 1). If the forest leaves fewer edges, all
        of those are held out and a warning says so.
    seed
        Seed of the choices.
    negatives_per_positive
        Non-edges sampled per held-out edge.

    Returns
    -------
    EdgeSplit
        ``(train, positives, negatives)``: the training graph (same nodes, same order), the
        held-out edges and the sampled non-edges as ``(u, v)`` name pairs.
    """
    from everyvec.data.graph import Graph

    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be an everyvec.data.Graph; got {type(graph).__name__}")
    owner = "split_edges"
    check_float(fraction, "fraction", owner, minimum=1e-9, maximum=1 - 1e-9)
    check_int(seed, "seed", owner, minimum=0)
    ratio = check_float(negatives_per_positive, "negatives_per_positive", owner, minimum=0.0)
    rows, cols, weights = graph.edges()
    loop = rows == cols
    rng = np.random.default_rng([seed, 0x11C])
    order = rng.permutation(len(rows))
    parent = list(range(graph.n_nodes))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    in_forest = np.zeros(len(rows), bool)
    for e in order.tolist():
        if loop[e]:
            continue
        a, b = root(int(rows[e])), root(int(cols[e]))
        if a != b:
            parent[a] = b
            in_forest[e] = True
    wanted = int(round(fraction * len(rows)))
    candidates = order[~in_forest[order] & ~loop[order]]
    if len(candidates) < wanted:
        warnings.warn(f"only {len(candidates)} of the {wanted} edges asked for can be held out "
                      "without disconnecting the graph", stacklevel=2)
    held = np.sort(candidates[:wanted])
    keep = np.ones(len(rows), bool)
    keep[held] = False
    train = Graph.from_ids(graph.names, rows[keep], cols[keep],
                           None if weights is None else weights[keep],
                           directed=graph.directed, self_loops=True)
    names = graph.names
    positives = [(names[i], names[j]) for i, j in zip(rows[held].tolist(),
                                                      cols[held].tolist(), strict=True)]
    negatives = _non_edges(graph, int(round(ratio * len(positives))), rng)
    return EdgeSplit(train, positives, negatives)


def _non_edges(graph: Any, count: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    n = graph.n_nodes
    possible = n * (n - 1) - (len(graph.indices) - graph.n_self_loops)
    if not graph.directed:
        possible //= 2
    if count > possible // 2:
        raise EveryvecError(f"the graph is too dense to sample {count} non-edges "
                            f"({possible} exist)")
    indptr, indices = graph.indptr, graph.indices

    def linked(a: int, b: int) -> bool:
        lo, hi = indptr[a], indptr[a + 1]
        k = lo + np.searchsorted(indices[lo:hi], b)
        return bool(k < hi and indices[k] == b)

    chosen: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    while len(out) < count:
        pairs = rng.integers(0, n, size=(2 * (count - len(out)) + 16, 2))
        for a, b in pairs.tolist():
            if a == b or linked(a, b) or linked(b, a):
                continue
            key = (a, b) if graph.directed or a < b else (b, a)
            if key in chosen:
                continue
            chosen.add(key)
            out.append((a, b))
            if len(out) == count:
                break
    names = graph.names
    return [(names[a], names[b]) for a, b in out]


@dataclasses.dataclass(frozen=True)
class LinkPredictionResult:
    """ROC AUC of telling held-out edges from non-edges.

    Attributes
    ----------
    auc
        Area under the ROC curve on the pairs scored.
    operator
        How a pair was scored (see :data:`OPERATORS`).
    positives, negatives
        Pairs scored (with ``"hadamard"`` and the other edge features: the test part only).
    missing
        Pairs left out because a node has no vector.
    """

    auc: float
    operator: str
    positives: int
    negatives: int
    missing: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        note = f"; {self.missing} pairs without vectors left out" if self.missing else ""
        return (f"Link prediction ({self.operator}): AUC {self.auc:.4f} on {self.positives} "
                f"edges and {self.negatives} non-edges{note}")


def _pair_rows(vectors: Any, pairs: Sequence[tuple[Any, Any]]) -> tuple[np.ndarray, int]:
    index = vectors.key_to_index
    rows, missing = [], 0
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"pairs must be (u, v) node pairs; got {pair!r}")
        u, v = pair
        u, v = (u if isinstance(u, str) else str(u)), (v if isinstance(v, str) else str(v))
        if u in index and v in index:
            rows.append((index[u], index[v]))
        else:
            missing += 1
    return np.array(rows, dtype=np.int64).reshape(-1, 2), missing


def _edge_features(a: np.ndarray, b: np.ndarray, operator: str) -> np.ndarray:
    if operator == "hadamard":
        return a * b
    if operator == "average":
        return (a + b) / 2
    if operator == "l1":
        return np.abs(a - b)
    return (a - b) ** 2  # l2


def link_prediction(vectors: Any, positives: Sequence[tuple[Any, Any]],
                    negatives: Sequence[tuple[Any, Any]], *, operator: str = "hadamard",
                    train_fraction: float = 0.5, seed: int = 0,
                    C: float = 1.0) -> LinkPredictionResult:
    """ROC AUC of scoring held-out edges above non-edges.

    Parameters
    ----------
    vectors
        Node vectors learnt without the held-out edges (e.g. on ``split_edges(...).train``).
    positives, negatives
        ``(u, v)`` node pairs: held-out edges and non-edges.
    operator
        ``"cosine"`` or ``"dot"``: the similarity of the two vectors is the score, and every
        pair is scored. ``"hadamard"``, ``"average"``, ``"l1"`` or ``"l2"``: the element-wise
        product, mean, absolute or squared difference of the two vectors is an edge feature
        (node2vec's operators); a logistic regression is fitted on a random
        ``train_fraction`` of the pairs (stratified) and the AUC is measured on the rest.
    train_fraction
        Share of the pairs used to fit the logistic regression (edge features only).
    seed
        Seed of that split.
    C
        Inverse regularisation of the logistic regression.

    Returns
    -------
    LinkPredictionResult
    """
    vectors = check_vectors(vectors)
    owner = "link_prediction"
    check_choice(operator, "operator", owner, OPERATORS)
    check_float(train_fraction, "train_fraction", owner, minimum=1e-9, maximum=1 - 1e-9)
    check_int(seed, "seed", owner, minimum=0)
    metrics = require("sklearn.metrics", "link prediction")
    pos, missing_pos = _pair_rows(vectors, positives)
    neg, missing_neg = _pair_rows(vectors, negatives)
    if not len(pos) or not len(neg):
        raise EveryvecError("link prediction needs at least one edge and one non-edge whose "
                            f"nodes have vectors; got {len(pos)} and {len(neg)}")
    pairs = np.concatenate([pos, neg])
    y = np.concatenate([np.ones(len(pos)), np.zeros(len(neg))])
    matrix = vectors.matrix.astype(np.float64)
    a, b = matrix[pairs[:, 0]], matrix[pairs[:, 1]]
    if operator in _SIMILARITIES:
        score = np.einsum("ij,ij->i", a, b)
        if operator == "cosine":
            norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
            score = score / np.where(norms > 0, norms, 1.0)
        auc = metrics.roc_auc_score(y, score)
        return LinkPredictionResult(float(auc), operator, len(pos), len(neg),
                                    missing_pos + missing_neg)
    linear = require("sklearn.linear_model", "link prediction")
    features = _edge_features(a, b, operator)
    rng = np.random.default_rng([seed, 0x1E57])
    train = np.zeros(len(y), bool)
    for label in (0.0, 1.0):  # stratified: the same share of edges and non-edges
        members = np.flatnonzero(y == label)
        chosen = rng.permutation(members)[:int(round(train_fraction * len(members)))]
        train[chosen] = True
    test = ~train
    if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
        raise EveryvecError("too few pairs to fit on one part and measure on the other; "
                            "give more positives and negatives")
    model = linear.LogisticRegression(C=C, solver="liblinear", max_iter=1000)
    model.fit(features[train], y[train])
    auc = metrics.roc_auc_score(y[test], model.decision_function(features[test]))
    return LinkPredictionResult(float(auc), operator, int(y[test].sum()),
                                int((1 - y[test]).sum()), missing_pos + missing_neg)
