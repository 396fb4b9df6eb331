"""Saved model folders: round trip, atomic replacement, and clear errors for bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from everyvec import FormatError
from everyvec.nn.saved import load_weights, read_model, write_model

torch = pytest.importorskip("torch")


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.Linear(3, 2),
                               torch.nn.BatchNorm1d(2))


def _save(path, net=None):
    net = net or _net()
    return write_model(path, format="everyvec.test", version=1,
                       config={"params": {"dim": 3}, "keys": ["a", "b"]},
                       state=net.state_dict(), arrays={"mean": np.arange(3.0)})


def test_round_trip(tmp_path):
    net = _net()
    _save(tmp_path / "m", net)
    saved = read_model(tmp_path / "m", format="everyvec.test", version=1, owner="Test")
    assert saved.config["params"] == {"dim": 3} and saved.config["keys"] == ["a", "b"]
    np.testing.assert_array_equal(saved.arrays["mean"], [0.0, 1.0, 2.0])
    other = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.Linear(3, 2),
                                torch.nn.BatchNorm1d(2))
    load_weights(other, saved)
    for name, tensor in net.state_dict().items():
        assert torch.equal(other.state_dict()[name], tensor), name
    assert saved.get("keys", list, "a list") == ["a", "b"]
    with pytest.raises(FormatError, match="'params' must be a list"):
        saved.get("params", list, "a list")


def test_saving_again_replaces_the_folder_whole(tmp_path):
    _save(tmp_path / "m")
    (tmp_path / "m" / "stray.txt").write_text("x")
    _save(tmp_path / "m")
    assert not (tmp_path / "m" / "stray.txt").exists()


def test_bad_folders_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved Test folder"):
        read_model(tmp_path / "none", format="everyvec.test", version=1, owner="Test")
    _save(tmp_path / "m")
    with pytest.raises(FormatError, match="expected 'everyvec.other'"):
        read_model(tmp_path / "m", format="everyvec.other", version=1, owner="Test")
    with pytest.raises(FormatError, match="version 1 is not supported"):
        read_model(tmp_path / "m", format="everyvec.test", version=2, owner="Test")
    np.save(tmp_path / "m" / "arrays" / "mean.npy", np.array([1.0, np.nan]))
    with pytest.raises(FormatError, match="NaN"):
        read_model(tmp_path / "m", format="everyvec.test", version=1, owner="Test")
    np.save(tmp_path / "m" / "arrays" / "mean.npy", np.array(["x"]))
    with pytest.raises(FormatError, match="unexpected dtype"):
        read_model(tmp_path / "m", format="everyvec.test", version=1, owner="Test")
    (tmp_path / "m" / "arrays" / "mean.npy").unlink()
    with pytest.raises(FormatError, match="missing array file"):
        read_model(tmp_path / "m", format="everyvec.test", version=1, owner="Test")
    (tmp_path / "m" / "config.json").write_text("{")
    with pytest.raises(FormatError, match="not valid JSON"):
        read_model(tmp_path / "m", format="everyvec.test", version=1, owner="Test")


def test_weights_must_match_the_network(tmp_path):
    _save(tmp_path / "m")
    saved = read_model(tmp_path / "m", format="everyvec.test", version=1, owner="Test")
    wider = torch.nn.Sequential(torch.nn.Embedding(6, 3), torch.nn.Linear(3, 2),
                                torch.nn.BatchNorm1d(2))
    with pytest.raises(FormatError, match="shape \\(5, 3\\), expected \\(6, 3\\)"):
        load_weights(wider, saved)
    with pytest.raises(FormatError, match="do not match the network"):
        load_weights(torch.nn.Linear(3, 2), saved)


def test_odd_names_and_non_json_values_are_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot save an array called"):
        write_model(tmp_path / "m", format="f", version=1, config={}, state={},
                    arrays={"../x": np.zeros(1)})
    with pytest.raises(ValueError):
        write_model(tmp_path / "m", format="f", version=1, config={"x": float("nan")},
                    state={})
    assert not (tmp_path / "m").exists()
    config = json.loads((_save(tmp_path / "ok") / "config.json").read_text())
    assert config["weights"] == sorted(config["weights"])
