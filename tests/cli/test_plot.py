"""``everyvec plot`` through typer's runner: an image on success, one-line errors otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app

pytest.importorskip("matplotlib")

runner = CliRunner()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KEYS = ["king", "queen", "man", "woman", "apple", "pear", "prince", "banana"]


@pytest.fixture()
def native(tmp_path: Path) -> Path:
    matrix = np.random.default_rng(0).normal(size=(len(KEYS), 6))
    return Vectors(KEYS, matrix).save(tmp_path / "toy", format="native")


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_help_lists_plot() -> None:
    assert "plot" in invoke("--help").output
    result = invoke("plot", "--help")
    assert result.exit_code == 0 and "--words" in result.output


def test_words_and_highlight(native: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = invoke("plot", native, "--words", "king, queen,man,woman", "--highlight", "apple",
                    "-o", out, "--dpi", "20", "--title", "toy")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert "map.png" in result.stdout


def test_top_with_word2vec_text(native: Path, tmp_path: Path) -> None:
    source = Vectors.load(native).save(tmp_path / "toy.txt", format="word2vec")
    out = tmp_path / "top.png"
    result = invoke("plot", source, "--top", "5", "--method", "pca", "-o", out, "--dpi", "20")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_default_output_name(native: Path, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("plot", native, "--dpi", "20")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "toy-pca.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--words", "king,kinng,queen"), "kinng"),
        (("--highlight", "applee"), "applee"),
        (("--words", "king,queen,man", "--top", "3"), "not both"),
        (("--method", "mds"), "mds"),
        (("--words", ","), "--words"),
    ],
)
def test_errors_are_one_line(native: Path, tmp_path: Path, args: tuple[str, ...],
                             needle: str) -> None:
    result = invoke("plot", native, *args, "-o", tmp_path / "x.png")
    assert result.exit_code == 1, result.output
    assert needle in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x.png").exists()
