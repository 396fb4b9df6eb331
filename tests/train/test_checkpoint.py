"""Word2Vec checkpoints: save every epoch, resume bit-identically, refuse the wrong corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from everyvec import CorpusError, FormatError, Word2Vec

PARAMS = {"vector_size": 12, "min_count": 1, "epochs": 4, "sample": 0.0, "seed": 3,
          "workers": 1, "progress": False, "sg": True, "hs": True}


class Interrupt(Exception):
    """Stands in for a crash or Ctrl-C in the middle of training."""


def _stop_after(epoch: int):  # type: ignore[no-untyped-def]
    def callback(model: Word2Vec, report) -> None:  # type: ignore[no-untyped-def]
        if report.epoch == epoch:
            raise Interrupt

    return callback


def test_resume_after_an_interruption_is_bit_identical(tmp_path: Path,
                                                       planted: list[list[str]]) -> None:
    straight = Word2Vec(**PARAMS).fit(planted)
    folder = tmp_path / "ckpt"
    with pytest.raises(Interrupt):
        Word2Vec(**PARAMS, checkpoint=folder, callbacks=[_stop_after(1)]).fit(planted)
    manifest = json.loads((folder / "checkpoint.json").read_text())
    assert manifest["epochs_done"] == 2 and manifest["version"] == 1
    resumed = Word2Vec.load_checkpoint(folder)
    assert [e.epoch for e in resumed.report_.epochs] == [0, 1]
    resumed.resume(planted)
    for name in ("input_matrix_", "output_matrix_", "tree_matrix_"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))
    assert [e.epoch for e in resumed.report_.epochs] == [0, 1, 2, 3]
    assert resumed.report_.losses[2:] == straight.report_.losses[2:]


def test_resume_refuses_another_corpus(tmp_path: Path, planted: list[list[str]]) -> None:
    folder = tmp_path / "ckpt"
    with pytest.raises(Interrupt):
        Word2Vec(**PARAMS, checkpoint=folder, callbacks=[_stop_after(0)]).fit(planted)
    with pytest.raises(CorpusError, match="not the corpus"):
        Word2Vec.load_checkpoint(folder).resume(planted[:-1])


def test_a_finished_checkpoint_resumes_to_nothing(tmp_path: Path,
                                                  planted: list[list[str]]) -> None:
    model = Word2Vec(**(PARAMS | {"epochs": 1})).fit(planted)
    model.save_checkpoint(tmp_path / "done")
    loaded = Word2Vec.load_checkpoint(tmp_path / "done")
    before = loaded.input_matrix_.copy()
    loaded.resume(planted)
    np.testing.assert_array_equal(loaded.input_matrix_, before)
    assert loaded.get_params() == model.get_params()
    assert loaded.vectors.keys == model.vectors.keys


def test_bad_checkpoints_are_clear_errors(tmp_path: Path, planted: list[list[str]]) -> None:
    with pytest.raises(FormatError, match="checkpoint.json is missing"):
        Word2Vec.load_checkpoint(tmp_path)
    model = Word2Vec(**(PARAMS | {"epochs": 1})).fit(planted)
    folder = model.save_checkpoint(tmp_path / "c")
    manifest = json.loads((folder / "checkpoint.json").read_text())
    (folder / "checkpoint.json").write_text(json.dumps(manifest | {"version": 99}))
    with pytest.raises(FormatError, match="version 99"):
        Word2Vec.load_checkpoint(folder)
    (folder / "checkpoint.json").write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        Word2Vec.load_checkpoint(folder)
    (folder / "checkpoint.json").write_text(json.dumps(manifest))
    np.save(folder / "input_matrix.npy", np.zeros((3, 5), np.float32))
    with pytest.raises(FormatError, match="12 columns"):
        Word2Vec.load_checkpoint(folder)
