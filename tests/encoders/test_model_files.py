"""Finding models: packaged names, local folders, and the errors when neither works."""

from __future__ import annotations

import json
import shutil

import pytest

from everyvec.encoders import model_files
from everyvec.encoders.model_files import resolve_model, write_model_folder
from everyvec.errors import FormatError, ModelNotFoundError


def test_packaged_minilm_settings(minilm):
    assert minilm.name == "all-MiniLM-L6-v2"
    assert (minilm.pooling, minilm.normalize, minilm.max_length) == ("mean", True, 256)
    assert resolve_model("sentence-transformers/all-minilm-L6-v2").path == minilm.path
    assert resolve_model(minilm) is minilm
    assert resolve_model(minilm.path).path == minilm.path


def test_unknown_name_lists_the_packaged_models():
    with pytest.raises(ModelNotFoundError, match="all-MiniLM-L6-v2.*never downloads"):
        resolve_model("bert-base-uncased")


def test_a_packaged_model_that_is_not_installed_says_what_to_install(monkeypatch):
    monkeypatch.setitem(model_files.PACKAGED_MODELS, "tiny-model",
                        ("tiny-model-package", "no_such_module_for_everyvec_tests"))
    with pytest.raises(ModelNotFoundError, match="pip install tiny-model-package"):
        resolve_model("tiny-model")


def copy_folder(minilm, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(minilm.path, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").symlink_to(minilm.path / "model.safetensors")
    return folder


def test_folder_errors_name_the_missing_file(minilm, tmp_path):
    folder = copy_folder(minilm, tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelNotFoundError, match="tokenizer.json is missing"):
        resolve_model(folder)


def test_pickled_weights_are_refused(minilm, tmp_path):
    folder = copy_folder(minilm, tmp_path)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(ModelNotFoundError, match="pickle"):
        resolve_model(folder)


def test_bad_configuration_files_are_format_errors(minilm, tmp_path):
    folder = copy_folder(minilm, tmp_path)
    (folder / "modules.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(FormatError, match="modules.json"):
        resolve_model(folder)
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    pooling = folder / "1_Pooling" / "config.json"
    pooling.write_text(json.dumps({"pooling_mode_mean_tokens": True,
                                   "pooling_mode_max_tokens": True}), encoding="utf-8")
    with pytest.raises(FormatError, match="pooling"):
        resolve_model(folder)


def test_folder_settings_are_read(minilm, tmp_path):
    folder = copy_folder(minilm, tmp_path)
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_cls_token": True}), encoding="utf-8")
    (folder / "modules.json").write_text("[]", encoding="utf-8")
    (folder / "sentence_bert_config.json").unlink()
    files = resolve_model(folder)
    # No Normalize module; without sentence_bert_config the tokenizer's limit applies.
    assert (files.name, files.pooling, files.normalize, files.max_length) == (
        "model", "cls", False, 512)


def test_written_folder_round_trips(minilm, tmp_path):
    torch_model = model_files.load_torch_model(minilm)
    out = write_model_folder(torch_model, minilm, tmp_path / "saved", pooling="max",
                             normalize=False, max_length=64)
    files = resolve_model(out)
    assert (files.pooling, files.normalize, files.max_length) == ("max", False, 64)
    assert not list(tmp_path.glob(".*"))  # no temporary folder left behind
    with pytest.raises(ValueError, match="'pooling'"):
        write_model_folder(torch_model, minilm, tmp_path / "bad", pooling="sum",
                           normalize=False, max_length=64)
