"""The command line through typer's runner: output, JSON, and one-line errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app

runner = CliRunner()

# A tiny space where the gender and royalty directions are exact, so answers are known.
AXES = {"royal": 0, "male": 1, "female": 2, "fruit": 3, "noise": 4}
WORDS = {
    "king": {"royal": 1, "male": 1},
    "queen": {"royal": 1, "female": 1},
    "man": {"male": 1},
    "woman": {"female": 1},
    "apple": {"fruit": 1},
    "pear": {"fruit": 1, "noise": 0.2},
    "prince": {"royal": 0.8, "male": 1, "noise": 0.1},
}


def _vectors() -> Vectors:
    matrix = np.zeros((len(WORDS), len(AXES)), dtype=np.float32)
    for row, parts in enumerate(WORDS.values()):
        for axis, value in parts.items():
            matrix[row, AXES[axis]] = value
    return Vectors(list(WORDS), matrix)


@pytest.fixture()
def native(tmp_path: Path) -> Path:
    return _vectors().save(tmp_path / "toy", format="native")


@pytest.fixture()
def w2v_text(tmp_path: Path) -> Path:
    return _vectors().save(tmp_path / "toy.txt", format="word2vec")


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_help_everywhere() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("similar", "analogy", "eval", "convert", "info", "demo"):
        assert command in result.output
        sub = invoke(command, "--help")
        assert sub.exit_code == 0, sub.output
        assert "Usage" in sub.output


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("everyvec ")


def test_similar_batched_json(native: Path) -> None:
    result = invoke("similar", native, "apple", "king", "--topn", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["key"] for d in data["apple"]][0] == "pear"
    assert [d["key"] for d in data["king"]][0] == "prince"
    assert all(len(v) == 2 for v in data.values())


def test_similar_table_and_negative(w2v_text: Path) -> None:
    result = invoke("similar", w2v_text, "king", "woman", "--negative", "man", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "queen" in result.stdout


def test_analogy(native: Path) -> None:
    result = invoke("analogy", native, "man", "king", "woman", "--json", "--topn", "1")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answers"][0]["key"] == "queen"
    mul = invoke("analogy", native, "man", "king", "woman", "--method", "3cosmul")
    assert mul.exit_code == 0 and "queen" in mul.stdout


def test_unknown_key_is_one_line_error_with_suggestion(native: Path) -> None:
    result = invoke("similar", native, "kinng")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "kinng" in result.stderr and "king" in result.stderr


def test_debug_shows_the_exception(native: Path) -> None:
    result = invoke("--debug", "similar", native, "kinng")
    assert result.exit_code != 0
    assert isinstance(result.exception, KeyError)


def test_bad_option_values_exit_nonzero(native: Path) -> None:
    assert invoke("similar", native, "king", "--topn", "0").exit_code != 0
    bad_method = invoke("analogy", native, "man", "king", "woman", "--method", "3cosfoo")
    assert bad_method.exit_code == 1 and "3cosfoo" in bad_method.stderr
    missing = invoke("info", native.parent / "nope")
    assert missing.exit_code != 0


def test_corrupt_file_is_reported_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("3 2\na 1 2\nb 1 x\n", encoding="utf-8")
    result = invoke("info", bad)
    assert result.exit_code == 1
    assert "bad.txt" in result.stderr and "Traceback" not in result.output


def test_convert_round_trip_and_overwrite(native: Path, tmp_path: Path) -> None:
    target = tmp_path / "toy.bin"
    result = invoke("convert", native, target, "--to", "word2vec-binary")
    assert result.exit_code == 0, result.output
    back = Vectors.load(target)
    original = Vectors.load(native)
    assert back.keys == original.keys
    np.testing.assert_array_equal(back.matrix, original.matrix)
    again = invoke("convert", native, target, "--to", "word2vec-binary")
    assert again.exit_code == 1 and "--overwrite" in again.stderr
    assert invoke("convert", native, target, "--to", "word2vec-binary",
                  "--overwrite").exit_code == 0
    limited = tmp_path / "two.txt"
    assert invoke("convert", native, limited, "--to", "word2vec", "--limit", "2").exit_code == 0
    assert len(Vectors.load(limited)) == 2
    assert invoke("convert", native, tmp_path / "x", "--to", "pickle").exit_code == 1


def test_info_json(native: Path) -> None:
    result = invoke("info", native, "--json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["format"] == "native"
    assert facts["count"] == len(WORDS) and facts["dim"] == len(AXES)
    assert facts["memory_mapped"] is True
    assert facts["first_keys"][:2] == ["king", "queen"]


def test_eval_with_files(native: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text(": royalty\nman king woman queen\nman woman king queen\n"
                         "man king woman unicorn\n", encoding="utf-8")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("king\tqueen\t8\nking\tprince\t9\napple\tking\t1\napple\tpear\t9\n"
                     "apple\tdragon\t3\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = invoke("eval", native, "--analogies", questions, "--pairs", pairs, "--json", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    analogy = report["analogies"][str(questions)]
    assert analogy["total"]["correct"] == 2 and analogy["total"]["oov"] == 1
    assert report["word_pairs"][str(pairs)]["oov"] == 1


def test_eval_unknown_test_set(native: Path) -> None:
    result = invoke("eval", native, "--analogies", "no-such-set")
    assert result.exit_code == 1 and "no-such-set" in result.stderr
