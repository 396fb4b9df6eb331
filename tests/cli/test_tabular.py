"""``everyvec entity-embed`` through typer's runner, on a table with two planted groups of
cities that drive the target."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import load
from everyvec.cli import app

pd = pytest.importorskip("pandas")
torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


def _table(path: Path, *, header: bool = True, sep: str = ",") -> Path:
    rng = np.random.default_rng(0)
    n = 2000
    city = rng.integers(0, 12, n)
    clicks = (rng.random(n) < np.where(city < 6, 0.85, 0.15)).astype(int)
    frame = pd.DataFrame({"city": [f"c{c}" for c in city], "age": rng.normal(40, 9, n),
                          "y": clicks})
    frame.to_csv(path, index=False, header=header, sep=sep)
    return path


def test_writes_one_vectors_file_per_column_and_the_model(tmp_path: Path) -> None:
    table = _table(tmp_path / "t.csv")
    result = invoke("entity-embed", table, "--target", "y", "--out", tmp_path / "out",
                    "--sizes", "3", "--epochs", "8", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 2000 and summary["columns"][0]["column"] == "city"
    assert summary["columns"][0]["dim"] == 3
    vectors = load(tmp_path / "out" / "vectors" / "city")
    assert sorted(vectors.keys) == sorted(f"c{i}" for i in range(12))
    # The planted groups: cities are closer to their own group than to the other one.
    unit = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    group = np.array([int(k[1:]) < 6 for k in vectors.keys])
    cosine = unit @ unit.T
    inside = cosine[group[:, None] == group[None, :]].mean()
    across = cosine[group[:, None] != group[None, :]].mean()
    assert inside > across + 0.2

    from everyvec.nn import TabularEmbedder

    model = TabularEmbedder.load(tmp_path / "out" / "model")
    assert model.transform(pd.read_csv(table)).shape[1] == 3 + 1


def test_headerless_tab_separated_table_with_names(tmp_path: Path) -> None:
    table = _table(tmp_path / "t.tsv", header=False, sep="\t")
    result = invoke("entity-embed", table, "--target", "y", "--out", tmp_path / "out",
                    "--names", "city,age,y", "--sep", "\\t", "--epochs", "2",
                    "--to", "word2vec")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "vectors" / "city.txt").is_file()


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    table = _table(tmp_path / "t.csv")
    result = invoke("entity-embed", table, "--target", "nope", "--out", tmp_path / "out")
    assert result.exit_code != 0 and "nope" in result.output
    result = invoke("entity-embed", table, "--target", "y", "--out", tmp_path / "out",
                    "--to", "xml")
    assert result.exit_code != 0 and "--to must be one of" in result.output
