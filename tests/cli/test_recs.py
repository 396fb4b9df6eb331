"""``everyvec item2vec``, ``recommend`` and ``eval-recs`` through typer's runner, on small
logs with planted co-purchase groups that the tests write."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from everyvec import load
from everyvec.cli import recs

pytest.importorskip("scipy")

# The lead registers these on everyvec.cli.app; a local app keeps the tests independent of it.
app = typer.Typer()
app.command("item2vec")(recs.item2vec)
app.command("recommend")(recs.recommend)
app.command("eval-recs")(recs.eval_recs)


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def log_path(tmp_path_factory) -> Path:
    """200 users, each buying 6 items of one of 5 groups of 8 (shuffled) plus one random."""
    rng = random.Random(0)
    groups = [[f"g{g}_{i}" for i in range(8)] for g in range(5)]
    everything = [item for group in groups for item in group]
    path = tmp_path_factory.mktemp("logs") / "log.csv"
    lines = ["customer,product,time,stars"]
    for u in range(200):
        picks = rng.sample(groups[u % 5], 6) + [rng.choice(everything)]
        rng.shuffle(picks)
        lines += [f"c{u},{item},{1000 * t + u},{rng.randint(1, 5)}"
                  for t, item in enumerate(picks)]
    path.write_text("\n".join(lines) + "\n")
    return path


COLUMNS = ("--user", "customer", "--item", "product", "--timestamp", "time")
FAST = ("--dim", "8", "--epochs", "3", "--workers", "1", "--no-progress")


@pytest.fixture(scope="module")
def vectors_path(log_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vectors") / "items"
    result = invoke("item2vec", log_path, "-o", out, *COLUMNS, "--mode", "set", "--epochs",
                    "10", "--dim", "16", "--workers", "1", "--seed", "3", "--no-progress")
    assert result.exit_code == 0, result.output
    return out


def test_item2vec_saves_one_vector_per_item(vectors_path):
    vectors = load(vectors_path)
    assert len(vectors) == 40 and vectors.matrix.shape[1] == 16
    same = [key.split("_")[0] == "g2" for key, _ in vectors.most_similar("g2_0", topn=5)]
    assert sum(same) >= 4


def test_item2vec_with_rating_filter_and_word2vec_output(log_path, tmp_path):
    out = tmp_path / "items.txt"
    result = invoke("item2vec", log_path, "-o", out, *COLUMNS, "--rating", "stars",
                    "--min-rating", "3", "--to", "word2vec", *FAST)
    assert result.exit_code == 0, result.output
    assert out.read_text().split("\n", 1)[0].endswith(" 8")
    assert "saved to" in result.output


def test_recommend_from_items_and_from_a_log(vectors_path, log_path):
    result = invoke("recommend", vectors_path, "g1_0", "g1_1", "g1_2", "-k", "4", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    keys = [row["item"] for row in found]
    assert len(keys) == 4 and not {"g1_0", "g1_1", "g1_2"} & set(keys)
    assert sum(key.startswith("g1_") for key in keys) >= 3
    table = invoke("recommend", vectors_path, "--log", log_path, "--user", "c3",
                   "--user-column", "customer", "--item-column", "product",
                   "--timestamp-column", "time", "--weighting", "recency", "-k", "3")
    assert table.exit_code == 0, table.output
    assert "for c3" in table.stdout and "g3_" in table.stdout


def test_recommend_with_output_vectors_ranks_by_the_prediction(log_path, tmp_path):
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    trained = invoke("item2vec", log_path, "-o", inputs, "--output-vectors", outputs,
                     *COLUMNS, "--mode", "set", "--epochs", "10", "--dim", "16", "--workers",
                     "1", "--seed", "3", "--no-progress")
    assert trained.exit_code == 0, trained.output
    assert len(load(outputs)) == len(load(inputs)) == 40
    result = invoke("recommend", inputs, "g4_0", "g4_1", "--output-vectors", outputs, "-k",
                    "4", "--json")
    assert result.exit_code == 0, result.output
    keys = [row["item"] for row in json.loads(result.stdout)]
    assert len(keys) == 4 and not {"g4_0", "g4_1"} & set(keys)
    assert sum(key.startswith("g4_") for key in keys) >= 3


def test_recommend_errors_are_one_line(vectors_path, log_path):
    unknown = invoke("recommend", vectors_path, "nothing")
    assert unknown.exit_code == 1 and "error:" in unknown.output and "nothing" in unknown.output
    lonely = invoke("recommend", vectors_path, "--log", log_path)
    assert lonely.exit_code == 1 and "--log and --user go together" in lonely.output
    nobody = invoke("recommend", vectors_path, "--log", log_path, "--user", "zed",
                    "--user-column", "customer", "--item-column", "product")
    assert nobody.exit_code == 1 and "user 'zed' is not in" in nobody.output
    empty = invoke("recommend", vectors_path)
    assert empty.exit_code == 1 and "give the history" in empty.output


def test_eval_recs_json_compares_the_models(log_path):
    result = invoke("eval-recs", log_path, *COLUMNS, "-k", "5", "--holdout", "2", *FAST,
                    "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = {row["model"]: row for row in report["models"]}
    assert list(rows) == ["item2vec", "popular", "itemknn"]
    assert report["k"] == 5 and report["train_interactions"] == 1400 - 400
    assert all(row["users"] == 200 for row in rows.values())
    assert rows["itemknn"]["recall"] > 2 * rows["popular"]["recall"]
    assert 0.0 <= rows["item2vec"]["ndcg"] <= 1.0


def test_eval_recs_time_split_table(log_path):
    result = invoke("eval-recs", log_path, *COLUMNS, "--split", "time", "--fraction", "0.5",
                    "-m", "popular", "-m", "itemknn")
    assert result.exit_code == 0, result.output
    assert "itemknn" in result.stdout and "recall@10" in result.stdout
    assert "item2vec" not in result.stdout


def test_eval_recs_headerless_tsv(tmp_path):
    path = tmp_path / "u.data"
    # Three groups of five items; users of a group buy them in rotated orders.
    rows = [f"{u}\t{(u % 3) * 10 + (u + i) % 5}\t4\t{u * 100 + i}" for u in range(30)
            for i in range(5)]
    path.write_text("\n".join(rows) + "\n")
    result = invoke("eval-recs", path, "--names", "user,item,rating,timestamp", "--timestamp",
                    "timestamp", "--sep", "\\t", "-m", "itemknn", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["models"]
    assert row["users"] == 30 and row["hit_rate"] == 1.0


def test_eval_recs_errors_are_one_line(log_path):
    no_time = invoke("eval-recs", log_path, "--user", "customer", "--item", "product",
                     "--split", "time")
    assert no_time.exit_code == 1 and "--split time needs --timestamp" in no_time.output
    bad_model = invoke("eval-recs", log_path, *COLUMNS, "-m", "bpr")
    assert bad_model.exit_code == 1 and "--model must be one of" in bad_model.output
    bad_column = invoke("eval-recs", log_path)
    assert bad_column.exit_code == 1 and "no user column 'user'" in bad_column.output
    assert "'customer', 'product', 'time', 'stars'" in bad_column.output
    no_rating = invoke("eval-recs", log_path, *COLUMNS, "--min-rating", "3")
    assert no_rating.exit_code == 1 and "--min-rating needs --rating" in no_rating.output


def test_eval_recs_item2vec_scoring_options(log_path):
    result = invoke("eval-recs", log_path, *COLUMNS, "-m", "item2vec", "--scoring", "similar",
                    "--weighting", "mean", "--mode", "set", *FAST, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["models"]
    assert row["model"] == "item2vec" and row["users"] == 200
    bad = invoke("eval-recs", log_path, *COLUMNS, "-m", "item2vec", "--scoring", "guess")
    assert bad.exit_code == 1 and "--scoring must be predict or similar" in bad.output
