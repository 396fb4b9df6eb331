"""Graph: CSR building from edges and edge lists, queries, and clear errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec import FormatError, MissingKeyError
from everyvec.data.graph import Graph, UnknownNodeError


def test_undirected_edges_are_stored_both_ways_in_sorted_rows() -> None:
    g = Graph.from_edges(["c", "a", "b"], ["a", "b", "a"])  # b-a twice: one edge
    assert g.names == ["c", "a", "b"]
    assert g.n_nodes == 3 and g.n_edges == 2 and not g.directed and g.weights is None
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.indptr.tolist() == [0, 1, 3, 4]
    assert g.indices.tolist() == [1, 0, 2, 1]
    assert g.degree().tolist() == [1, 2, 1]
    assert g.neighbors("a") == ["c", "b"]
    assert g.has_edge("a", "c") and g.has_edge("c", "a") and not g.has_edge("c", "b")
    assert "a" in g and "z" not in g and len(g) == 3
    assert repr(g) == "Graph(3 nodes, 2 edges, undirected)"


def test_directed_graph_keeps_direction() -> None:
    g = Graph.from_edges([1, 2], [2, 3], directed=True)  # names become strings
    assert g.names == ["1", "2", "3"] and g.n_edges == 2
    assert g.has_edge("1", "2") and not g.has_edge("2", "1")
    assert g.neighbors(3) == [] and g.degree().tolist() == [1, 1, 0]


def test_duplicates_sum_or_max_and_weights_mirror() -> None:
    sources, targets, weights = ["a", "b", "a"], ["b", "a", "c"], [1.0, 2.5, 4.0]
    summed = Graph.from_edges(sources, targets, weights)
    assert summed.edge_weight("a", "b") == summed.edge_weight("b", "a") == 3.5
    assert summed.edge_weight("c", "a") == 4.0 and summed.weights.dtype == np.float32
    kept = Graph.from_edges(sources, targets, weights, duplicates="max")
    assert kept.edge_weight("a", "b") == 2.5
    directed = Graph.from_edges(sources, targets, weights, directed=True)
    assert directed.edge_weight("a", "b") == 1.0 and directed.edge_weight("b", "a") == 2.5
    with pytest.raises(KeyError, match="no edge"):
        summed.edge_weight("b", "c")


def test_self_loops_dropped_unless_asked() -> None:
    assert Graph.from_edges(["a", "a"], ["a", "b"]).n_edges == 1
    g = Graph.from_edges(["a", "a"], ["a", "b"], self_loops=True)
    assert g.n_edges == 2 and g.n_self_loops == 1 and g.neighbors("a") == ["a", "b"]
    assert g.degree().tolist() == [2, 1]  # the loop is stored once


def test_nodes_argument_adds_isolated_nodes_first() -> None:
    g = Graph.from_edges(["x"], ["y"], nodes=["lonely", "y"])
    assert g.names == ["lonely", "y", "x"] and g.degree().tolist() == [0, 1, 1]
    assert g.index_of("lonely") == 0


def test_unknown_node_error_names_the_node() -> None:
    g = Graph.from_edges(["a"], ["b"])
    with pytest.raises(UnknownNodeError, match="node 'z' is not in the graph") as info:
        g.neighbors("z")
    assert isinstance(info.value, MissingKeyError) and isinstance(info.value, KeyError)
    with pytest.raises(MissingKeyError):
        g.has_edge("a", "z")


def test_bad_edges_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="same length"):
        Graph.from_edges(["a", "b"], ["c"])
    with pytest.raises(ValueError, match=r"positive and finite; edge 1 \('b', 'c'\)"):
        Graph.from_edges(["a", "b"], ["b", "c"], [1.0, -2.0])
    with pytest.raises(ValueError, match="one number per edge"):
        Graph.from_edges(["a"], ["b"], [1.0, 2.0])
    with pytest.raises(ValueError, match="'duplicates' parameter of Graph.from_edges"):
        Graph.from_edges(["a"], ["b"], duplicates="mean")


def test_constructor_checks_csr_arrays() -> None:
    Graph(["a", "b"], [0, 1, 2], [1, 0])
    with pytest.raises(ValueError, match="sorted ascending"):
        Graph(["a", "b", "c"], [0, 2, 2, 2], [2, 1])
    with pytest.raises(ValueError, match="n_nodes \\+ 1"):
        Graph(["a", "b"], [0, 1], [1])
    with pytest.raises(ValueError, match="distinct"):
        Graph(["a", "a"], [0, 0, 0], [])


def test_edges_lists_undirected_edges_once() -> None:
    g = Graph.from_edges(["b", "c"], ["a", "a"], [2.0, 3.0])
    rows, cols, weights = g.edges()
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 1), (1, 2)]
    assert sorted(weights.tolist()) == [2.0, 3.0]
    assert sorted(g.iter_edges()) == [("a", "c"), ("b", "a")]


# -- edge lists -------------------------------------------------------------------------------

def _write(tmp_path: Path, text: str, name: str = "edges.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_edgelist_detects_weights_and_skips_comments(tmp_path: Path) -> None:
    path = _write(tmp_path, "# a comment\n\n1 2 0.5\n2 3 2  # trailing comment\n10 1 1e1\n")
    g = Graph.read_edgelist(path)
    assert g.names == ["1", "2", "3", "10"] and g.weighted
    assert g.edge_weight("2", "1") == 0.5 and g.edge_weight("10", "1") == 10.0
    unweighted = Graph.read_edgelist(path, weighted=False)
    assert not unweighted.weighted and unweighted.n_edges == 3


def test_read_edgelist_separator_gzip_and_directed(tmp_path: Path) -> None:
    path = tmp_path / "edges.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("new york,boston\nboston,paris\n")
    g = Graph.read_edgelist(path, sep=",", directed=True)
    assert g.names == ["new york", "boston", "paris"] and g.has_edge("new york", "boston")
    assert not g.has_edge("boston", "new york")


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a b\nc\n", 2, "expected 2 columns"),
    ("a b\nc d 1\n", 2, "expected 2 columns"),
    ("a b 1\nc d\n", 2, "expected 3 columns"),
    ("a b c d\n", 1, "expected 2 columns .* or 3"),
    ("a b x\n", 1, "the weight 'x' is not a number"),
    ("a b 1\nb c -1\n", 2, "positive and finite"),
    ("a b 1\nb c nan\n", 2, "positive and finite"),
])
def test_read_edgelist_errors_name_file_and_line(tmp_path: Path, text: str, line: int,
                                                 message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(FormatError, match=message) as info:
        Graph.read_edgelist(path)
    assert info.value.line == line and info.value.path == str(path)
    assert f"edges.txt, line {line}" in str(info.value)


def test_read_edgelist_rejects_bad_bytes_and_empty_fields(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a b\nc \xff\n")
    with pytest.raises(FormatError, match="not UTF-8") as info:
        Graph.read_edgelist(path)
    assert info.value.line == 2
    with pytest.raises(FormatError, match="empty field"):
        Graph.read_edgelist(_write(tmp_path, "a,,1\n"), sep=",")
    with pytest.raises(FormatError, match="expected 3 columns"):
        Graph.read_edgelist(_write(tmp_path, "a b\n"), weighted=True)


names = st.sampled_from(["0", "1", "2", "10", "a", "β", "x-y"])
edge_rows = st.lists(st.tuples(names, names, st.integers(1, 9)), max_size=25)


@settings(deadline=None, max_examples=60,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=edge_rows, weighted=st.booleans(), directed=st.booleans(), spaces=st.booleans())
def test_read_edgelist_matches_a_dict_model(tmp_path: Path, rows, weighted: bool,
                                            directed: bool, spaces: bool) -> None:
    lines = ["# generated"]
    for u, v, w in rows:
        fields = [u, v, str(w)] if weighted else [u, v]
        lines.append(("  " if spaces else "\t").join(fields))
    path = _write(tmp_path, "\n".join(lines) + "\n")
    g = Graph.read_edgelist(path, directed=directed)
    model: dict[tuple[str, str], float] = {}
    seen: list[str] = []
    for u, v, w in rows:
        for node in (u, v):
            if node not in seen:
                seen.append(node)
        if u == v:
            continue
        for key in ([(u, v)] if directed else [(u, v), (v, u)]):
            model[key] = model.get(key, 0.0) + w
    assert g.names == seen and g.weighted == (weighted and bool(rows))
    stored = {(g.names[i], g.names[j]) for i in range(g.n_nodes)
              for j in g.indices[g.indptr[i]:g.indptr[i + 1]]}
    assert stored == set(model)
    for (u, v), w in model.items():
        assert g.has_edge(u, v)
        if weighted:
            assert g.edge_weight(u, v) == pytest.approx(w)
    for i in range(g.n_nodes):
        row = g.indices[g.indptr[i]:g.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)
    assert g.n_edges == (len(model) if directed else len(model) // 2)


def test_from_ids_builds_without_strings_and_checks_ids() -> None:
    g = Graph.from_ids(["a", "b", "c"], np.array([0, 1, 1]), np.array([1, 2, 0]), [1.0, 2.0, 3.0])
    assert g.n_edges == 2 and g.edge_weight("a", "b") == 4.0 and g.neighbors("c") == ["b"]
    with pytest.raises(ValueError, match=r"node ids must lie in 0..2"):
        Graph.from_ids(["a", "b", "c"], [0, 3], [1, 1])
    with pytest.raises(TypeError, match="integer node ids"):
        Graph.from_ids(["a", "b"], [0.0], [1.0])
    with pytest.raises(ValueError, match="distinct strings"):
        Graph.from_ids(["a", "a"], [0], [1])


def test_read_edgelist_recognises_compression_by_content(tmp_path: Path) -> None:
    import bz2

    path = tmp_path / "edges.txt"  # the name says plain text; the bytes say bz2
    path.write_bytes(bz2.compress(b"a b\nb c\n"))
    graph = Graph.read_edgelist(path)
    assert graph.n_nodes == 3 and graph.has_edge("a", "b") and graph.has_edge("c", "b")
