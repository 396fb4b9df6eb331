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
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for section in ("corpus and vocabulary", "nearest neighbours", "analogies", "evaluation",
                    "convert"):
        assert section in result.stdout
    assert "paris" in result.stdout  # madrid − spain + france
    native = Vectors.load(out / "text8-ppmi-svd")
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
    assert "text8-prefix" in result.stderr and "EVERYVEC_DATA" in result.stderr
