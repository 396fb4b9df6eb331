"""``everyvec encode`` through typer's runner: text, JSON Lines and CSV input, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import load
from everyvec.cli import app


@pytest.fixture(autouse=True)
def _cache(minilm, cache_env):
    """The command exports to $EVERYVEC_CACHE/onnx: reuse the session's export."""


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args])


TEXTS = ["A man is playing a guitar.", "The market fell today.", "Someone plays guitar."]


def test_text_file_to_native_vectors(tmp_path, minilm_encoders):
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(TEXTS) + "\n\n", encoding="utf-8")
    result = invoke("encode", source, "-o", tmp_path / "out", "--threads", 1, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["texts"] == 3 and summary["dim"] == 384
    vectors = load(summary["out"])
    assert vectors.keys == TEXTS
    assert vectors.provenance["encoder"]["model"] == "all-MiniLM-L6-v2"
    np.testing.assert_allclose(vectors.matrix, minilm_encoders["onnx"].encode(TEXTS), atol=1e-5)


def test_line_keys_and_duplicates(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("same\nother\nsame\n", encoding="utf-8")
    result = invoke("encode", source, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "line 3" in result.output and "--keys line" in result.output
    result = invoke("encode", source, "-o", tmp_path / "out", "--keys", "line", "--json")
    assert result.exit_code == 0, result.output
    assert load(json.loads(result.stdout)["out"]).keys == ["line:1", "line:2", "line:3"]


def test_jsonl_to_a_collection_with_texts(tmp_path):
    from everyvec.collection import Collection

    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "body": t}) + "\n"
                              for i, t in enumerate(TEXTS)), encoding="utf-8")
    result = invoke("encode", source, "-o", tmp_path / "coll", "--text-field", "body",
                    "--key-field", "id", "--collection", "--backend", "torch")
    assert result.exit_code == 0, result.output
    collection = Collection.open(tmp_path / "coll")
    assert collection.keys == ["d0", "d1", "d2"]
    assert collection.metadata("d1") == {"text": TEXTS[1]}


def test_csv_and_its_errors(tmp_path):
    source = tmp_path / "docs.csv"
    source.write_text('id,text\n1,"Hello, world"\n2,Bye\n', encoding="utf-8")
    result = invoke("encode", source, "-o", tmp_path / "v.txt", "--key-field", "id",
                    "--to", "word2vec", "--int8", "--json")
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "v.txt").keys == ["1", "2"]
    result = invoke("encode", source, "-o", tmp_path / "v2", "--text-field", "body")
    assert result.exit_code == 1 and "no column 'body'" in result.output


@pytest.mark.parametrize(("content", "name", "message"), [
    ('{"text": 3}\n', "bad.jsonl", "line 1: expected an object"),
    ("not json\n", "bad.jsonl", "line 1: not JSON"),
    ("\n\n", "empty.txt", "no text found"),
])
def test_bad_input_files(tmp_path, content, name, message):
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    result = invoke("encode", source, "-o", tmp_path / "out")
    assert result.exit_code == 1 and message in result.output


def test_missing_model_is_one_clear_line(tmp_path):
    source = tmp_path / "t.txt"
    source.write_text("hello\n", encoding="utf-8")
    result = invoke("encode", source, "-o", tmp_path / "out", "--model", "no-such-model")
    assert result.exit_code == 1 and "never downloads" in result.output
