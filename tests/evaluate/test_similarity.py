"""everyvec.evaluate.word_pairs: correlations, OOV reporting, layouts, gensim parity."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from everyvec import FormatError, Vectors
from everyvec.evaluate import WordPairResult, spearman, word_pairs


def write(tmp_path: Path, text: str, name: str = "pairs.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def angle_vectors() -> Vectors:
    """Unit vectors at known angles: cos(base, w_k) = cos(k * 15°), decreasing in k."""
    keys = ["base", *(f"w{k}" for k in range(1, 6)), "Zebra"]
    angles = np.radians([0, 15, 30, 45, 60, 75, 90])
    matrix = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 3.0  # norms must not matter
    return Vectors(keys, matrix)


def test_perfect_rank_agreement_and_oov_list(tmp_path: Path) -> None:
    path = write(tmp_path, "base\tw1\t9\nbase\tw2\t7\nbase\tnope\t5\nbase\tw3\t4\n"
                           "zebra\tbase\t0.5\nmissing\tw1\t3\n")
    result = word_pairs(angle_vectors(), path)
    assert isinstance(result, WordPairResult)
    assert result.spearman == pytest.approx(1.0)
    assert 0.9 < result.pearson < 1.0
    assert (result.pairs, result.oov) == (4, 2)
    assert result.oov_pairs == (("base", "nope"), ("missing", "w1"))
    assert result.oov_ratio == pytest.approx(2 / 6)


def test_case_sensitive(tmp_path: Path) -> None:
    path = write(tmp_path, "base\tw1\t9\nbase\tzebra\t1\nBASE\tw2\t5\nbase\tw3\t4\n")
    result = word_pairs(angle_vectors(), path, case_insensitive=False)
    assert result.oov_pairs == (("base", "zebra"), ("BASE", "w2"))
    assert result.spearman == pytest.approx(1.0)


def test_restrict_vocab(tmp_path: Path) -> None:
    path = write(tmp_path, "base\tw1\t9\nbase\tw2\t7\nbase\tw4\t4\n")
    result = word_pairs(angle_vectors(), path, restrict_vocab=3)
    assert result.oov_pairs == (("base", "w4"),)
    assert result.restrict_vocab == 3


def test_ties_in_human_scores(tmp_path: Path) -> None:
    path = write(tmp_path, "base\tw1\t5\nbase\tw2\t5\nbase\tw3\t2\nbase\tw4\t2\nbase\tw5\t1\n")
    result = word_pairs(angle_vectors(), path)
    assert result.spearman == pytest.approx(spearman([5, 5, 2, 2, 1], [5, 4, 3, 2, 1]))


def test_undefined_correlations_are_nan(tmp_path: Path) -> None:
    result = word_pairs(angle_vectors(), write(tmp_path, "a\tb\t1\nc\td\t2\n"))
    assert result.pairs == 0 and result.oov == 2
    assert math.isnan(result.spearman) and math.isnan(result.pearson)
    assert result.to_dict()["spearman"] is None
    one = word_pairs(angle_vectors(), write(tmp_path, "base\tw1\t1\n", "one.txt"))
    assert one.pairs == 1 and math.isnan(one.spearman)


def test_header_layouts_give_the_same_result(tmp_path: Path) -> None:
    plain = write(tmp_path, "base\tw1\t9\nbase\tw2\t7\nbase\tw3\t8\n", "a.txt")
    csv = write(tmp_path, "Word 1,Word 2,Human (mean)\r\nbase,w1,9\r\nbase,w2,7\r\nbase,w3,8\r\n",
                "a.csv")
    simlex = write(tmp_path, "word1\tword2\tPOS\tSimLex999\tSD\r\nbase\tw1\tN\t9\t1\r\n"
                             "base\tw2\tN\t7\t1\r\nbase\tw3\tN\t8\t1\r\n", "s.txt")
    results = [word_pairs(angle_vectors(), p) for p in (plain, csv, simlex)]
    assert {(r.spearman, r.pearson, r.pairs) for r in results} == {
        (results[0].spearman, results[0].pearson, 3)}
    assert results[0].spearman == pytest.approx(0.5)


def test_bad_arguments_and_files(tmp_path: Path) -> None:
    path = write(tmp_path, "base\tw1\t9\n")
    with pytest.raises(TypeError, match="everyvec.Vectors"):
        word_pairs({"base": [1.0]}, path)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="restrict_vocab"):
        word_pairs(angle_vectors(), path, restrict_vocab=0)
    with pytest.raises(TypeError, match="restrict_vocab"):
        word_pairs(angle_vectors(), path, restrict_vocab=1.5)
    with pytest.raises(FormatError, match="line 2"):
        word_pairs(angle_vectors(), write(tmp_path, "base\tw1\t9\nbase\tw2\n", "bad.txt"))


def test_output_formats(tmp_path: Path) -> None:
    path = write(tmp_path, "base\tw1\t9\nbase\tw2\t7\nx\ty\t1\n")
    result = word_pairs(angle_vectors(), path)
    data = json.loads(result.to_json())
    assert data["pairs"] == 2 and data["oov"] == 1 and data["oov_pairs"] == [["x", "y"]]
    assert data["spearman"] == pytest.approx(1.0)
    text = str(result)
    assert "pairs.txt" in text and "1.0000" in text and "x/y" in text
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(result)
    assert "spearman" in console.export_text()


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_matches_gensim_evaluate_word_pairs(tmp_path: Path, case_insensitive: bool) -> None:
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    pytest.importorskip("scipy")
    rng = np.random.default_rng(5)
    words = [f"x{i}" for i in range(40)]
    keys = list(dict.fromkeys([*words, *(w.upper() for w in words[::3])]))
    rng.shuffle(keys)
    matrix = rng.normal(size=(len(keys), 5)).astype(np.float32)
    lines = []
    for _ in range(300):
        a, b = rng.choice([*words, "unknown"], size=2, replace=False)
        a = a.upper() if rng.random() < 0.2 else a
        lines.append(f"{a}\t{b}\t{rng.integers(0, 11) / 2}")  # many tied scores
    path = write(tmp_path, "\n".join(lines) + "\n")
    kv = keyedvectors.KeyedVectors(5)
    kv.add_vectors(keys, matrix)
    g_pearson, g_spearman, g_oov = kv.evaluate_word_pairs(
        str(path), restrict_vocab=30, case_insensitive=case_insensitive)
    ours = word_pairs(Vectors(keys, matrix), path, restrict_vocab=30,
                      case_insensitive=case_insensitive)
    assert ours.spearman == pytest.approx(g_spearman[0], abs=1e-6)
    assert ours.pearson == pytest.approx(g_pearson[0], abs=1e-6)
    assert ours.oov_ratio * 100 == pytest.approx(g_oov)
    assert ours.oov > 0 and ours.pairs > 30


def test_real_word_similarity_files(shared_data: Path) -> None:
    folder = shared_data / "word_similarity"
    vectors = Vectors(["tiger", "cat", "love", "sex"], np.eye(4))
    for name, n in (("EN-WS-353-ALL.txt", 353), ("EN-SIMLEX-999.txt", 999),
                    ("simlex999_original/SimLex-999.txt", 999),
                    ("ws353_original/combined.csv", 353)):
        result = word_pairs(vectors, folder / name)
        assert result.pairs + result.oov == n, name
        assert len(result.oov_pairs) == result.oov
    assert word_pairs(vectors, folder / "EN-WS-353-ALL.txt").pairs == 3  # tiger/cat twice
