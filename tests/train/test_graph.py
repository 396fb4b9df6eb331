"""DeepWalk and Node2Vec: walks from every node, thread-independent, and embeddings that
separate the communities of a planted-partition graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from everyvec import EveryvecError, Vectors
from everyvec.data.graph import Graph
from everyvec.evaluate.graph import link_prediction, node_classification, split_edges
from everyvec.train.graph import DeepWalk, Node2Vec, Walks, random_walks

COMMUNITIES, SIZE = 4, 30


def planted_graph(seed: int = 0, inside: float = 0.3, between: float = 0.01) -> Graph:
    """4 communities of 30 nodes: dense inside, sparse between."""
    rng = np.random.default_rng(seed)
    n = COMMUNITIES * SIZE
    group = np.arange(n) // SIZE
    upper = np.triu(rng.random((n, n)), 1)
    chance = np.where(group[:, None] == group[None, :], inside, between)
    src, dst = np.nonzero((upper > 0) & (upper < chance))
    names = [f"n{i}" for i in range(n)]
    return Graph.from_edges([names[i] for i in src], [names[j] for j in dst], nodes=names)


def community_labels() -> dict[str, str]:
    return {f"n{i}": f"c{i // SIZE}" for i in range(COMMUNITIES * SIZE)}


SMALL = {"vector_size": 16, "walk_length": 20, "walks_per_node": 10, "window": 5,
         "workers": 1, "seed": 3, "progress": False}


def test_random_walks_cover_every_node_and_ignore_thread_count() -> None:
    g = planted_graph()
    one = random_walks(g, 15, 3, p=0.5, q=2.0, seed=4, workers=1)
    three = random_walks(g, 15, 3, p=0.5, q=2.0, seed=4, workers=3)
    np.testing.assert_array_equal(one.tokens, three.tokens)
    np.testing.assert_array_equal(one.starts, three.starts)
    assert isinstance(one, Walks) and len(one) == 3 * g.n_nodes
    assert one.n_tokens == 15 * len(one) and one.tokens.dtype == np.int32
    for r in range(3):  # each round starts from every node once, in a shuffled order
        firsts = [int(one[r * g.n_nodes + i][0]) for i in range(g.n_nodes)]
        assert sorted(firsts) == list(range(g.n_nodes))
    assert firsts != list(range(g.n_nodes))
    names = next(iter(one))
    assert len(names) == 15 and all(isinstance(x, str) and x in g for x in names)
    assert one.to_lists()[-1] == [g.names[t] for t in one[-1]]
    other = random_walks(g, 15, 3, p=0.5, q=2.0, seed=5, workers=1)
    assert not np.array_equal(one.tokens, other.tokens)


def test_random_walks_pack_walks_stopped_at_sinks() -> None:
    g = Graph.from_edges(["a", "b"], ["b", "c"], directed=True)
    walks = random_walks(g, 5, 2, seed=0, workers=2)
    assert sorted(len(w) for w in walks) == [1, 1, 2, 2, 3, 3]
    assert walks.starts[-1] == len(walks.tokens) == 12
    corpus = walks.to_corpus()
    assert corpus.n_tokens == 12 and corpus.raw_tokens == ["a", "b", "c"]


def test_random_walks_follow_weights() -> None:
    g = Graph.from_edges(["hub", "hub"], ["light", "heavy"], [1.0, 9.0])
    walks = random_walks(g, 2, 4000, seed=1, workers=2)
    seconds = [w[1] for w in walks if w[0] == "hub"]
    assert 0.86 < seconds.count("heavy") / len(seconds) < 0.94
    flat = random_walks(g, 2, 4000, seed=1, workers=2, weighted=False)
    seconds = [w[1] for w in flat if w[0] == "hub"]
    assert 0.45 < seconds.count("heavy") / len(seconds) < 0.55


@pytest.mark.parametrize("model", [DeepWalk(**SMALL), Node2Vec(p=0.5, q=2.0, **SMALL)],
                         ids=["deepwalk", "node2vec"])
def test_embeddings_separate_planted_communities(model: DeepWalk) -> None:
    g = planted_graph()
    model.fit(g)
    vectors = model.vectors
    assert isinstance(vectors, Vectors) and vectors.keys == g.names and vectors.dim == 16
    result = node_classification(vectors, community_labels(), train_fractions=(0.5,),
                                 repeats=3, seed=0)
    assert result.at(0.5).micro_f1 > 0.9  # chance: 0.25
    assert result.at(0.5).macro_f1 > 0.9
    # Neighbours in vector space share the community.
    same = [int(other[1:]) // SIZE == 5 // SIZE for other, _ in vectors.most_similar("n5", topn=10)]
    assert sum(same) >= 9
    report = model.report_
    assert report.walks == 10 * g.n_nodes and report.tokens == 20 * report.walks
    assert report.walk_seconds > 0 and report.train_seconds > 0
    assert "walks" in str(report) and report.to_dict()["tokens"] == report.tokens
    assert vectors.provenance["method"] == model._METHOD
    assert not hasattr(model, "walks_")


def test_link_prediction_on_planted_graph() -> None:
    g = planted_graph(seed=1)
    train, positives, negatives = split_edges(g, 0.2, seed=0)
    model = DeepWalk(**SMALL).fit(train)
    for operator in ("cosine", "hadamard"):
        result = link_prediction(model.vectors, positives, negatives, operator=operator)
        assert result.auc > 0.75, result


def test_single_thread_fit_is_reproducible_and_fits_from_a_path(tmp_path: Path) -> None:
    g = planted_graph()
    path = tmp_path / "edges.txt"
    path.write_text("\n".join(f"{u} {v}" for u, v in g.iter_edges()) + "\n")
    first = Node2Vec(p=2.0, q=0.5, keep_walks=True, **SMALL).fit(path)
    second = Node2Vec(p=2.0, q=0.5, **SMALL).fit(path)
    np.testing.assert_array_equal(first.vectors.matrix, second.vectors.matrix)
    assert isinstance(first.walks_, Walks) and len(first.walks_) == 10 * g.n_nodes


def test_isolated_node_keeps_a_vector() -> None:
    g = Graph.from_edges(["a", "b"], ["b", "c"], nodes=["alone"])
    vectors = DeepWalk(**SMALL).fit(g).vectors
    assert vectors.keys == ["alone", "a", "b", "c"] and np.all(np.isfinite(vectors.matrix))


def test_params_and_errors() -> None:
    assert "p" not in DeepWalk().get_params() and Node2Vec().get_params()["q"] == 1.0
    assert repr(Node2Vec(p=0.5)).startswith("Node2Vec(vector_size=128")
    g = planted_graph()
    with pytest.raises(ValueError, match="The 'p' parameter of Node2Vec must be"):
        Node2Vec(p=0.0).fit(g)
    with pytest.raises(ValueError, match="The 'q' parameter of Node2Vec must be"):
        Node2Vec(q=-1.0).fit(g)
    with pytest.raises(TypeError, match="The 'q' parameter of random_walks"):
        random_walks(g, q="2")
    with pytest.raises(ValueError, match="The 'walk_length' parameter of DeepWalk"):
        DeepWalk(walk_length=0).fit(g)
    with pytest.raises(ValueError, match="The 'window' parameter of DeepWalk"):
        DeepWalk(window=0).fit(g)
    with pytest.raises(TypeError, match="everyvec.data.Graph or the path"):
        DeepWalk().fit([("a", "b")])
    with pytest.raises(EveryvecError, match="not fitted"):
        _ = DeepWalk().vectors
