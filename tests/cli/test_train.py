"""``everyvec train`` through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app


def _corpus(tmp_path: Path) -> Path:
    lines = [f"the cat{i % 5} sat on the mat{i % 3} today" for i in range(400)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_writes_vectors_and_a_report(tmp_path: Path) -> None:
    out = tmp_path / "vectors.txt"
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, [
        "train", str(_corpus(tmp_path)), "-o", str(out), "--to", "word2vec", "--sg",
        "--dim", "8", "--min-count", "1", "--epochs", "2", "--workers", "1",
        "--report", str(report)])
    assert result.exit_code == 0, result.output
    vectors = Vectors.load(out)
    assert vectors.dim == 8 and "cat3" in vectors and vectors.keys[0] == "the"
    epochs = json.loads(report.read_text())["epochs"]
    assert [e["epoch"] for e in epochs] == [0, 1]
    assert "words/s" in result.stderr and "saved to" in result.stderr


def test_train_checkpoint_and_resume(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    checkpoint = tmp_path / "ckpt"
    args = ["train", str(corpus), "-o", str(tmp_path / "v"), "--dim", "8", "--min-count", "1",
            "--epochs", "2", "--workers", "1", "--checkpoint", str(checkpoint)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert (checkpoint / "checkpoint.json").is_file()
    resumed = CliRunner().invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "resuming" in resumed.stderr


def test_train_errors_are_one_line(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    bad = CliRunner().invoke(app, ["train", str(corpus), "-o", str(tmp_path / "v"),
                                   "--tokenizer", "nope"])
    assert bad.exit_code == 1 and "--tokenizer must be one of" in bad.stderr
    missing = CliRunner().invoke(app, ["train", str(tmp_path / "absent.txt"), "-o",
                                       str(tmp_path / "v")])
    assert missing.exit_code == 1 and "absent.txt" in missing.stderr
    resume = CliRunner().invoke(app, ["train", str(corpus), "-o", str(tmp_path / "v"),
                                      "--resume"])
    assert resume.exit_code == 1 and "--resume needs --checkpoint" in resume.stderr
    rare = CliRunner().invoke(app, ["train", str(corpus), "-o", str(tmp_path / "v"),
                                    "--min-count", "100000"])
    assert rare.exit_code == 1 and "min_count=100000" in rare.stderr


def test_train_on_a_torch_device(tmp_path: Path, one_torch_thread) -> None:
    out = tmp_path / "vectors"
    result = CliRunner().invoke(app, [
        "train", str(_corpus(tmp_path)), "-o", str(out), "--sg", "--dim", "8",
        "--min-count", "1", "--epochs", "2", "--device", "cpu", "--batch-words", "256"])
    assert result.exit_code == 0, result.output
    vectors = Vectors.load(out)
    assert vectors.dim == 8
    assert vectors.provenance["params"]["device"] == "cpu"
    assert vectors.provenance["params"]["batch_words"] == 256


def test_train_refuses_an_unknown_device(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", str(_corpus(tmp_path)), "-o",
                                      str(tmp_path / "v"), "--device", "tpu"])
    assert result.exit_code != 0
    assert "'device' parameter" in result.output + result.stderr
