"""``everyvec graph`` through typer's runner, on a small two-community graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app
from everyvec.cli.graph import graph as graph_command

if not any(c.name == "graph" for c in app.registered_commands):  # until the lead wires it
    app.command("graph")(graph_command)


@pytest.fixture
def edgelist(tmp_path: Path) -> Path:
    lines = ["# two cliques joined by one edge"]
    for side in "ab":
        for i in range(8):
            for j in range(i + 1, 8):
                lines.append(f"{side}{i} {side}{j}")
    lines.append("a0 b0")
    path = tmp_path / "edges.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


SMALL = ["--dim", "8", "--walk-length", "10", "--walks-per-node", "4", "--window", "3",
         "--workers", "1", "--no-progress"]


def test_graph_node2vec_writes_vectors_report_and_scores(edgelist: Path,
                                                         tmp_path: Path) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("node label\n" + "".join(f"{s}{i} {s}\n" for s in "ab" for i in range(8)),
                      encoding="utf-8")
    out, report = tmp_path / "vectors.txt", tmp_path / "report.json"
    result = invoke("graph", str(edgelist), "-o", str(out), "--method", "node2vec", "--p",
                    "0.5", "--q", "2", "--to", "word2vec", "--labels", str(labels),
                    "--train-fraction", "0.5", "--report", str(report), *SMALL)
    assert result.exit_code == 0, result.output
    vectors = Vectors.load(out)
    assert len(vectors) == 16 and vectors.dim == 8 and "b7" in vectors
    assert "Node classification" in result.stdout and "micro-F1" in result.stdout
    assert "walks" in result.stderr and "saved to" in result.stderr
    data = json.loads(report.read_text())
    assert data["method"] == "node2vec" and data["params"]["p"] == 0.5
    assert data["walks"] == 64 and data["node_classification"]["scores"][0]["fraction"] == 0.5


def test_graph_deepwalk_native_directed(edgelist: Path, tmp_path: Path) -> None:
    out = tmp_path / "native"
    result = invoke("graph", str(edgelist), "-o", str(out), "--directed", "--format",
                    "native", *SMALL)
    assert result.exit_code == 0, result.output
    vectors = Vectors.load(out)
    assert vectors.provenance["method"] == "deepwalk"
    assert vectors.provenance["graph"]["directed"] is True


@pytest.mark.parametrize(("extra", "message"), [
    (["--method", "line"], "--method must be one of deepwalk, node2vec"),
    (["--p", "2"], "--p and --q are node2vec parameters"),
    (["--method", "node2vec", "--q", "0"], "The 'q' parameter of Node2Vec"),
    (["--to", "parquet"], "--to must be one of"),
])
def test_graph_bad_options_are_one_line(edgelist: Path, tmp_path: Path, extra: list[str],
                                        message: str) -> None:
    result = invoke("graph", str(edgelist), "-o", str(tmp_path / "v"), *SMALL, *extra)
    assert result.exit_code == 1
    assert "error:" in result.stderr and message in " ".join(result.stderr.split())


def test_graph_bad_edge_list_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("a b\nc\n", encoding="utf-8")
    result = invoke("graph", str(bad), "-o", str(tmp_path / "v"), *SMALL)
    assert result.exit_code == 1
    assert "line 2: expected 2 columns" in " ".join(result.stderr.split())
    missing = invoke("graph", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "v"), *SMALL)
    assert missing.exit_code == 1 and "error:" in missing.stderr
