"""everyvec.evaluate.analogies: known answers, OOV accounting, gensim parity, output."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from everyvec import FormatError, Vectors
from everyvec.evaluate import AnalogyResult, SectionScore, analogies

CONCEPTS = ["king", "prince", "actor", "father"]
FEMININE = {"king": "queen", "prince": "princess", "actor": "actress", "father": "mother"}


def royal_vectors() -> Vectors:
    """word(c, g) = e_c + e_g: every a:b::c:d over these concepts is solved exactly."""
    keys, rows = [], []
    dim = len(CONCEPTS) + 2
    for i, concept in enumerate(CONCEPTS):
        for g, word in enumerate((concept, FEMININE[concept])):
            row = np.zeros(dim, np.float32)
            row[i] = row[len(CONCEPTS) + g] = 1.0
            keys.append(word)
            rows.append(row)
    return Vectors(keys, np.array(rows))


def write(tmp_path: Path, text: str, name: str = "q.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_known_answers_and_oov(tmp_path: Path) -> None:
    path = write(tmp_path, (
        ": family\n"
        "king queen prince princess\n"
        "actor actress father mother\n"
        "King Queen Father Mother\n"  # case-folded
        ": wrong\n"
        "king queen prince actor\n"  # the right answer is princess
        ": oov\n"
        "king queen duke duchess\n"
        "king queen prince princess\n"
        ": empty\n"
    ))
    result = analogies(royal_vectors(), path)
    assert isinstance(result, AnalogyResult)
    assert [(s.name, s.correct, s.incorrect, s.oov) for s in result.sections] == [
        ("family", 3, 0, 0), ("wrong", 0, 1, 0), ("oov", 1, 0, 1), ("empty", 0, 0, 0)]
    assert result.total == SectionScore("total", 4, 1, 1)
    assert result.accuracy == pytest.approx(4 / 5)
    assert result.accuracy_with_oov == pytest.approx(4 / 6)
    assert result.oov == 1
    assert result.semantic is None and result.syntactic is None
    assert math.isnan(result.section("empty").accuracy)
    with pytest.raises(KeyError, match="no section 'nope'"):
        result.section("nope")


def test_case_sensitive_lookup_counts_capitals_as_oov(tmp_path: Path) -> None:
    path = write(tmp_path, ": s\nKing Queen Father Mother\nking queen father mother\n")
    result = analogies(royal_vectors(), path, case_insensitive=False)
    assert (result.total.correct, result.total.oov) == (1, 1)


def test_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path, ": s\r\nking queen prince princess\r\nactor actress father mother")
    assert analogies(royal_vectors(), path).total == SectionScore("total", 2, 0, 0)


def test_restrict_vocab_limits_words_and_candidates(tmp_path: Path) -> None:
    # rows: king queen prince princess actor actress father mother
    path = write(tmp_path, ": s\nking queen prince princess\nking queen actor actress\n")
    result = analogies(royal_vectors(), path, restrict_vocab=4)
    assert (result.total.correct, result.total.oov, result.restrict_vocab) == (1, 1, 4)
    assert analogies(royal_vectors(), path, restrict_vocab=None).restrict_vocab == 8
    assert analogies(royal_vectors(), path, restrict_vocab=10**9).restrict_vocab == 8


def test_semantic_and_syntactic_subtotals(tmp_path: Path) -> None:
    path = write(tmp_path, ": family\nking queen prince princess\n"
                           ": gram2-x\nking queen prince actor\nking queen duke duchess\n")
    result = analogies(royal_vectors(), path)
    assert result.semantic == SectionScore("semantic", 1, 0, 0)
    assert result.syntactic == SectionScore("syntactic", 0, 1, 1)


def test_case_variant_of_an_input_is_skipped_like_gensim(tmp_path: Path) -> None:
    """A later 'King' row pointing exactly at the answer is skipped: it folds to 'KING'."""
    base = royal_vectors()
    target = base["princess"]
    keys = [*base.keys, "King"]
    matrix = np.vstack([base.matrix, target[None, :]])
    matrix[base.index("princess")] += 0.05 * base["actor"]  # the true answer is second best
    vectors = Vectors(keys, matrix)
    path = write(tmp_path, ": s\nking queen prince princess\n")
    assert analogies(vectors, path).total.correct == 1
    # Case-sensitive, 'King' is just another word and wins.
    assert analogies(vectors, path, case_insensitive=False).total.incorrect == 1


def test_first_case_variant_stands_for_the_word(tmp_path: Path) -> None:
    """Of 'princess' (row 3) and a later 'Princess' (pointing at 'actor'), row 3 is used."""
    base = royal_vectors()
    vectors = Vectors([*base.keys, "Princess"], np.vstack([base.matrix, base["actor"][None]]))
    # queen : king :: princess : prince holds for row 3; with the later row, 'actor' would win.
    path = write(tmp_path, ": s\nqueen king Princess prince\nking queen prince PRINCESS\n")
    assert analogies(vectors, path).total == SectionScore("total", 2, 0, 0)
    assert analogies(vectors, path, case_insensitive=False).total == SectionScore(
        "total", 0, 1, 1)


def test_fewer_candidates_than_gensim_looks_at(tmp_path: Path) -> None:
    """restrict_vocab=5 leaves two candidates, both case variants of inputs: gensim then
    takes the last one it saw ('King', ranked below 'Queen'), and so do we."""
    base = royal_vectors()
    keys = ["king", "queen", "prince", "King", "Queen", "princess"]
    vectors = Vectors(keys, base[["king", "queen", "prince", "king", "queen", "princess"]])
    path = write(tmp_path, ": s\nking queen prince king\nking queen prince queen\n"
                           "king queen prince princess\n")
    result = analogies(vectors, path, restrict_vocab=5)
    assert result.total == SectionScore("total", 1, 1, 1)
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    kv = keyedvectors.KeyedVectors(vectors.dim)
    kv.add_vectors(keys, vectors.matrix)
    _, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=5)
    assert [q[3] for q in sections[0]["correct"]] == ["KING"]
    assert len(sections[0]["incorrect"]) == 1


def test_3cosmul_on_known_answers(tmp_path: Path) -> None:
    path = write(tmp_path, ": s\nking queen prince princess\nactor actress father mother\n")
    result = analogies(royal_vectors(), path, method="3CosMul")
    assert result.method == "3cosmul"
    assert result.total == SectionScore("total", 2, 0, 0)


def test_progress_bar_does_not_change_the_result(tmp_path: Path) -> None:
    path = write(tmp_path, ": s\nking queen prince princess\n")
    assert analogies(royal_vectors(), path, progress=True).total.correct == 1


def test_all_questions_oov(tmp_path: Path) -> None:
    path = write(tmp_path, ": s\na b c d\n")
    result = analogies(royal_vectors(), path)
    assert result.total == SectionScore("total", 0, 0, 1)
    assert math.isnan(result.accuracy)
    assert result.accuracy_with_oov == 0.0
    assert result.to_dict()["accuracy"] is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "3cosavg"}, ValueError, "method must be"),
        ({"method": None}, ValueError, "method must be"),
        ({"restrict_vocab": 0}, ValueError, "restrict_vocab"),
        ({"restrict_vocab": -5}, ValueError, "restrict_vocab"),
        ({"restrict_vocab": "100"}, TypeError, "restrict_vocab"),
        ({"restrict_vocab": True}, TypeError, "restrict_vocab"),
        ({"restrict_vocab": 2.5}, TypeError, "restrict_vocab"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs, error, match) -> None:
    path = write(tmp_path, ": s\nking queen prince princess\n")
    with pytest.raises(error, match=match):
        analogies(royal_vectors(), path, **kwargs)


def test_bad_vectors_and_files(tmp_path: Path) -> None:
    good = write(tmp_path, ": s\nking queen prince princess\n")
    with pytest.raises(TypeError, match="everyvec.Vectors"):
        analogies(np.eye(3), good)  # type: ignore[arg-type]
    with pytest.raises(FormatError, match="line 2"):
        analogies(royal_vectors(), write(tmp_path, ": s\nking queen prince\n", "bad.txt"))
    with pytest.raises(FileNotFoundError):
        analogies(royal_vectors(), tmp_path / "missing.txt")


def test_output_formats(tmp_path: Path) -> None:
    path = write(tmp_path, ": family\nking queen prince princess\n: gram1\nking queen a b\n")
    result = analogies(royal_vectors(), path)
    data = json.loads(result.to_json())
    assert data == json.loads(json.dumps(result.to_dict()))
    assert data["total"] == {"name": "total", "correct": 1, "incorrect": 0, "oov": 1,
                             "questions": 2, "accuracy": 1.0, "accuracy_with_oov": 0.5}
    assert data["sections"][1]["accuracy"] is None
    assert data["method"] == "3cosadd" and data["restrict_vocab"] == 8
    text = str(result)
    for needle in ("family", "gram1", "semantic", "syntactic", "total", "1.0000", "0.5000"):
        assert needle in text
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(result)
    rendered = console.export_text()
    assert "family" in rendered and "total" in rendered and "0.5000" in rendered


# ----------------------------------------------------------------------------- gensim parity
def random_case_vectors(seed: int, dim: int = 2):
    """Base words with one to three case variants each, rows shuffled, low dimension."""
    rng = np.random.default_rng(seed)
    base = [f"ab{i}" for i in range(16)]
    keys: list[str] = []
    for w in base:
        variants = [w, w.capitalize(), w.upper()]
        count = rng.integers(1, 4)
        keys += [variants[0], *rng.choice(variants[1:], size=count - 1, replace=False)]
    rng.shuffle(keys)
    matrix = rng.normal(size=(len(keys), dim)).astype(np.float32)
    return base, keys, matrix, rng


def random_questions(base: list[str], rng: np.random.Generator, n: int) -> str:
    words = [*base, "oov1"]
    lines = []
    for s in range(3):
        lines.append(f": {'gram' if s == 2 else 'sec'}{s}")
        for _ in range(n):
            quad = rng.choice(words, size=4, replace=False)
            lines.append(" ".join(w.capitalize() if rng.random() < 0.15 else w for w in quad))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict", [None, 25])
def test_matches_gensim_evaluate_word_analogies(tmp_path: Path, seed: int,
                                                case_insensitive: bool,
                                                restrict: int | None) -> None:
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    base, keys, matrix, rng = random_case_vectors(seed)
    path = write(tmp_path, random_questions(base, rng, 250))
    kv = keyedvectors.KeyedVectors(matrix.shape[1])
    kv.add_vectors(keys, matrix)
    score, sections = kv.evaluate_word_analogies(
        str(path), restrict_vocab=restrict or 300_000, case_insensitive=case_insensitive)
    ours = analogies(Vectors(keys, matrix), path, restrict_vocab=restrict,
                     case_insensitive=case_insensitive)
    got = [(s.name, s.correct, s.incorrect) for s in ours.sections]
    want = [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections[:-1]]
    assert got == want
    assert ours.accuracy == pytest.approx(score)
    assert ours.total.correct > 0  # the comparison is not vacuous


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_3cosmul_matches_gensim_most_similar_cosmul(tmp_path: Path) -> None:
    keyedvectors = pytest.importorskip("gensim.models.keyedvectors")
    rng = np.random.default_rng(7)
    keys = [f"w{i}" for i in range(60)]
    matrix = rng.normal(size=(60, 4)).astype(np.float32)
    kv = keyedvectors.KeyedVectors(4)
    kv.add_vectors(keys, matrix)
    quads = [rng.choice(keys, size=4, replace=False) for _ in range(300)]
    path = write(tmp_path, ": s\n" + "\n".join(" ".join(q) for q in quads))
    expected = sum(
        kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0] == d
        for a, b, c, d in quads
    )
    result = analogies(Vectors(keys, matrix), path, method="3cosmul", case_insensitive=False)
    assert result.total.correct == expected > 0


# ----------------------------------------------------------------------------- real data
def test_questions_words_accounting(shared_data: Path) -> None:
    vectors = royal_vectors()
    result = analogies(vectors, shared_data / "analogy" / "questions-words.txt")
    assert len(result.sections) == 14
    assert result.total.questions == 19_544
    assert result.semantic.questions == 8_869 and result.syntactic.questions == 10_675
    assert result.section("family").evaluated > 0  # king/queen/prince/princess questions
    assert result.total.oov + result.total.evaluated == 19_544


def test_ca8_files(shared_data: Path) -> None:
    keys = ["国王", "王后", "王子", "公主"]
    vectors = Vectors(keys, np.eye(4))
    for name, n in (("morphological", 10_177), ("semantic", 7_636), ("ca_translated", 953)):
        result = analogies(vectors, shared_data / "ca8" / f"{name}.txt")
        assert result.total.questions == n, name
        assert result.semantic is None
