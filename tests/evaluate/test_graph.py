"""Node classification, edge splits and link prediction on vectors and graphs made here."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from everyvec import EveryvecError, FormatError, Vectors
from everyvec.data.graph import Graph
from everyvec.evaluate.graph import (
    link_prediction,
    node_classification,
    read_labels,
    split_edges,
)


def clustered_vectors(classes: int = 3, per_class: int = 40, noise: float = 0.3,
                      seed: int = 0) -> tuple[Vectors, dict[str, str]]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, 8)) * 2
    keys, rows, labels = [], [], {}
    for c in range(classes):
        for i in range(per_class):
            key = f"v{c}_{i}"
            keys.append(key)
            rows.append(centres[c] + noise * rng.normal(size=8))
            labels[key] = f"class{c}"
    return Vectors(keys, np.array(rows)), labels


def test_read_labels_with_and_without_header(tmp_path: Path) -> None:
    airport = tmp_path / "airport.txt"
    airport.write_text("node label\n10241 0\n10243 3\n\n", encoding="utf-8")
    assert read_labels(airport) == {"10241": "0", "10243": "3"}
    wiki = tmp_path / "wiki.txt"
    wiki.write_text("0 8\n1 8\n", encoding="utf-8")
    assert read_labels(wiki) == {"0": "8", "1": "8"}
    assert read_labels(airport, header=False)["node"] == "label"
    csv = tmp_path / "labels.csv"
    csv.write_text("id,group\na,x\n", encoding="utf-8")
    assert read_labels(csv, sep=",") == {"a": "x"}


def test_read_labels_multi_label_and_errors(tmp_path: Path) -> None:
    multi = tmp_path / "multi.txt"
    multi.write_text("a 1 2\nb 3\nb 4\n# comment\nc 1\n", encoding="utf-8")
    assert read_labels(multi) == {"a": ("1", "2"), "b": ("3", "4"), "c": ("1",)}
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1\nb\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: expected a node and at least one label"):
        read_labels(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("node label\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no labels"):
        read_labels(empty)


def test_node_classification_scores_separable_classes() -> None:
    vectors, labels = clustered_vectors()
    labels["ghost"] = "class0"  # labelled, but without a vector
    result = node_classification(vectors, labels, train_fractions=(0.1, 0.5), repeats=2)
    assert [s.fraction for s in result.scores] == [0.1, 0.5]
    assert result.nodes == 120 and result.missing == 1 and result.classes == 3
    assert not result.multilabel and result.repeats == 2
    assert result.at(0.5).micro_f1 > 0.95 and result.at(0.1).macro_f1 > 0.9
    assert result.at(0.5).train_nodes == 60 and result.at(0.5).test_nodes == 60
    assert result.micro_f1[0.5] == result.at(0.5).micro_f1
    text = str(result)
    assert "micro-F1" in text and "50%" in text and "1 labelled nodes without a vector" in text
    assert result.to_dict()["scores"][1]["fraction"] == 0.5
    with pytest.raises(KeyError, match="fraction 0.3 was not evaluated"):
        result.at(0.3)


def test_node_classification_random_vectors_score_near_chance() -> None:
    vectors, labels = clustered_vectors(classes=4, noise=0.0)
    shuffled = Vectors(vectors.keys, np.random.default_rng(1).normal(size=vectors.matrix.shape))
    result = node_classification(shuffled, labels, train_fractions=(0.5,), repeats=3)
    assert result.at(0.5).micro_f1 < 0.5  # chance: 0.25


def test_node_classification_multi_label() -> None:
    vectors, labels = clustered_vectors(classes=3)
    multi = {key: (label, "shared") if key.endswith(("_0", "_1", "_2")) else (label,)
             for key, label in labels.items()}
    result = node_classification(vectors, multi, train_fractions=(0.5,), repeats=2)
    assert result.multilabel and result.classes == 4
    assert result.at(0.5).micro_f1 > 0.8


def test_node_classification_errors() -> None:
    vectors, labels = clustered_vectors()
    with pytest.raises(ValueError, match="'train_fractions' parameter of node_classification"):
        node_classification(vectors, labels, train_fractions=(1.0,))
    with pytest.raises(EveryvecError, match="only 0 of the 2 labelled nodes"):
        node_classification(vectors, {"x": "a", "y": "b"})
    with pytest.raises(TypeError, match="everyvec.Vectors"):
        node_classification(np.zeros((2, 2)), labels)


def test_node_classification_real_wiki_is_well_above_chance(shared_data: Path) -> None:
    from everyvec.train.graph import DeepWalk

    folder = shared_data / "graphs" / "wiki"
    if not folder.is_dir():
        pytest.skip("graphs/wiki not in the data mirror")
    graph = Graph.read_edgelist(folder / "Wiki_edgelist.txt")
    vectors = DeepWalk(32, walk_length=20, walks_per_node=4, workers=2,
                       progress=False).fit(graph).vectors
    result = node_classification(vectors, read_labels(folder / "wiki_labels.txt"),
                                 train_fractions=(0.5,), repeats=1)
    assert result.at(0.5).micro_f1 > 0.45  # 17 classes; the largest holds 16% of the nodes


def grid(rows: int = 6, cols: int = 6, *, directed: bool = False) -> Graph:
    sources, targets = [], []
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                sources.append(f"{r},{c}")
                targets.append(f"{r},{c + 1}")
            if r + 1 < rows:
                sources.append(f"{r},{c}")
                targets.append(f"{r + 1},{c}")
    return Graph.from_edges(sources, targets, directed=directed)


def components(g: Graph) -> list[int]:
    label = list(range(g.n_nodes))

    def root(a: int) -> int:
        while label[a] != a:
            a = label[a]
        return a

    rows, cols, _ = g.edges()
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        label[root(a)] = root(b)
    return [root(a) for a in range(g.n_nodes)]


@pytest.mark.parametrize("directed", [False, True])
def test_split_edges_keeps_the_graph_connected(directed: bool) -> None:
    g = grid(directed=directed)
    train, positives, negatives = split_edges(g, 0.25, seed=3)
    assert train.names == g.names and train.directed == directed
    assert len(positives) == round(0.25 * g.n_edges) == len(negatives)
    assert train.n_edges == g.n_edges - len(positives)
    assert len(set(components(train))) == 1
    assert np.all(train.degree() + (np.bincount(train.indices, minlength=g.n_nodes)
                                    if directed else 0) > 0)
    for u, v in positives:
        assert g.has_edge(u, v) and not train.has_edge(u, v)
    for u, v in negatives:
        assert u != v and not g.has_edge(u, v) and not g.has_edge(v, u)
    assert len(set(negatives)) == len(negatives)
    again = split_edges(g, 0.25, seed=3)
    assert again.positives == positives and again.negatives == negatives


def test_split_edges_warns_when_the_forest_leaves_too_few() -> None:
    path = Graph.from_edges(["a", "b", "c", "d"], ["b", "c", "d", "e"])  # a tree
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train, positives, negatives = split_edges(path, 0.5, seed=0)
    assert positives == [] and train.n_edges == 4
    assert any("can be held out" in str(w.message) for w in caught)


def test_split_edges_keeps_weights_and_rejects_dense_graphs() -> None:
    g = Graph.from_edges(["a", "a", "b", "c"], ["b", "c", "c", "d"], [1.0, 2.0, 3.0, 4.0])
    train, positives, _ = split_edges(g, 0.25, seed=0)
    assert train.weighted and len(positives) == 1
    for u, v in train.iter_edges():
        assert train.edge_weight(u, v) == g.edge_weight(u, v)
    clique = Graph.from_edges(["a", "a", "b"], ["b", "c", "c"])
    with pytest.raises(EveryvecError, match="too dense"):
        split_edges(clique, 0.4, seed=0, negatives_per_positive=5)


def test_link_prediction_operators() -> None:
    rng = np.random.default_rng(0)
    keys = [f"n{i}" for i in range(200)]
    matrix = rng.normal(size=(200, 8))
    matrix[1::2] = matrix[0::2] + 0.2 * rng.normal(size=(100, 8))  # n0~n1, n2~n3, ...
    vectors = Vectors(keys, matrix)
    positives = [(f"n{i}", f"n{i + 1}") for i in range(0, 200, 2)]
    negatives = [(f"n{i}", f"n{(i + 37) % 200}") for i in range(0, 200, 2)]
    for operator in ("cosine", "dot"):
        result = link_prediction(vectors, positives, negatives, operator=operator)
        assert result.auc > 0.95 and result.positives == 100 and result.negatives == 100
    for operator in ("hadamard", "l2"):
        result = link_prediction(vectors, positives, negatives, operator=operator)
        assert result.auc > 0.9 and result.positives == 50 and result.negatives == 50
    result = link_prediction(vectors, [*positives, ("n0", "ghost")], negatives,
                             operator="cosine")
    assert result.missing == 1 and "1 pairs without vectors" in str(result)
    assert result.to_dict()["operator"] == "cosine"
    with pytest.raises(ValueError, match="'operator' parameter of link_prediction"):
        link_prediction(vectors, positives, negatives, operator="concat")
    with pytest.raises(EveryvecError, match="at least one edge and one non-edge"):
        link_prediction(vectors, [("x", "y")], negatives)
    with pytest.raises(ValueError, match="node pairs"):
        link_prediction(vectors, ["n0"], negatives)
