"""``everyvec demo`` end to end on the real data mirror (skips without it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app


def test_demo_runs_and_writes_its_files(shared_data: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    out = tmp_path / "out"
    # The default corpus (38.9M tokens, minutes) is for people; one epoch of the text8 prefix
    # runs the same code path in seconds.
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--corpus", "text8-prefix",
                                      "--epochs", "1"])
    assert result.exit_code == 0, result.output
    for section in ("train word2vec", "nearest neighbours", "analogies", "evaluation",
                    "convert", "words/s", "questions-words", "EN-WS-353-ALL"):
        assert section in result.stdout
    native = Vectors.load(out / "word2vec-sg")
    binary = Vectors.load(out / "vectors.bin")
    assert len(native) > 20_000 and native.dim == 100
    assert binary.keys == native.keys
    np.testing.assert_array_equal(binary.matrix, native.matrix)


def test_demo_without_data_is_a_clear_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVERYVEC_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("EVERYVEC_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "en-wiki-2015" in result.stderr and "EVERYVEC_DATA" in result.stderr
