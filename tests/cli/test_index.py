"""``everyvec index build|bench``, ``everyvec search`` and ``everyvec export milvus`` through
typer's runner, on small clustered vectors the tests write."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app


@pytest.fixture
def vectors_path(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(10, 12)) * 3
    matrix = (centres[np.arange(600) % 10] + rng.normal(size=(600, 12))).astype(np.float32)
    keys = [f"w{i}" for i in range(600)]
    return Vectors(keys, matrix).save(tmp_path / "vectors", format="native")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_bench_reports_recall_and_speed(vectors_path):
    result = invoke("index", "bench", str(vectors_path), "--spec", "exact", "--queries", "50",
                    "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["recall"] == 1.0 and report["count"] == 600 and report["queries"] == 50
    assert report["qps"] > 0 and report["spec"] == "exact"


@pytest.mark.skipif(importlib.util.find_spec("faiss") is None, reason="faiss not installed")
def test_bench_table_for_two_specs(vectors_path):
    result = invoke("index", "bench", str(vectors_path), "-s", "exact", "-s",
                    "hnsw:M=16,ef=64", "--queries", "40", "-k", "5")
    assert result.exit_code == 0, result.output
    assert "recall@5" in result.stdout and "hnsw:M=16,ef=64" in result.stdout


def test_bench_bad_spec_is_one_line(vectors_path):
    result = invoke("index", "bench", str(vectors_path), "--spec", "annoy")
    assert result.exit_code == 1
    assert "unknown index kind 'annoy'" in result.output


def test_build_then_search(vectors_path, tmp_path):
    out = tmp_path / "collection"
    result = invoke("index", "build", str(vectors_path), "-o", str(out), "--spec", "exact")
    assert result.exit_code == 0, result.output
    assert "600 vectors" in " ".join(result.stdout.split())  # rich wraps long lines
    found = invoke("search", str(out), "w0", "w1", "-k", "3", "--json")
    assert found.exit_code == 0, found.output
    data = json.loads(found.stdout)
    assert set(data) == {"w0", "w1"} and len(data["w0"]) == 3
    # Same cluster (row i is in cluster i % 10), and the query itself is excluded.
    assert all(int(hit["key"][1:]) % 10 == 0 and hit["key"] != "w0" for hit in data["w0"])
    vector = ",".join(str(x) for x in Vectors.load(vectors_path)["w7"])
    by_vector = invoke("search", str(out), "--vector", vector, "-k", "1", "--json")
    assert json.loads(by_vector.stdout)["vector"][0]["key"] == "w7"


@pytest.mark.parametrize("args, message", [
    ([], "either KEYS or --vector"),
    (["--vector", "1,2"], "2 numbers"),
    (["w0", "--filter", "[1]"], "JSON object"),
    (["nope"], "nope"),
])
def test_search_errors_are_one_line(vectors_path, args, message):
    result = invoke("search", str(vectors_path), *args)
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.skipif(importlib.util.find_spec("pymilvus") is None,
                    reason="pymilvus not installed")
def test_export_milvus_then_search_there(vectors_path, tmp_path):
    db = tmp_path / "milvus.db"
    result = invoke("export", "milvus", str(vectors_path), "--uri", str(db),
                    "--collection", "words", "--batch", "250")
    assert result.exit_code == 0, result.output
    assert "exported 600 vectors" in " ".join(result.stdout.split())
    from everyvec.index import make_index

    index = make_index(f"milvus:uri={db},collection=words", dim=12)
    assert len(index) == 600
    row = Vectors.load(vectors_path)["w42"]
    assert index.search(row, k=1).keys[0, 0] == "w42"
    again = invoke("export", "milvus", str(vectors_path), "--uri", str(db),
                   "--collection", "words")
    assert again.exit_code == 1 and "already in the index" in again.output
