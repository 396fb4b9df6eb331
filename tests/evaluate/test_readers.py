"""The analogy and word-pair file readers: layouts, line ends, and malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec import FormatError
from everyvec.evaluate.readers import read_analogies, read_word_pairs


def write(tmp_path: Path, text: str | bytes, name: str = "f.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# ----------------------------------------------------------------------------- analogies
def test_sections_and_questions(tmp_path: Path) -> None:
    path = write(tmp_path, ": capitals\nAthens Greece Rome Italy\nParis France Oslo Norway\n"
                           ": empty\n: gram1-x\na b c d\n")
    sections = read_analogies(path)
    assert [s.name for s in sections] == ["capitals", "empty", "gram1-x"]
    assert sections[0].questions == ((2, "Athens", "Greece", "Rome", "Italy"),
                                     (3, "Paris", "France", "Oslo", "Norway"))
    assert sections[0].line == 1 and sections[2].line == 5
    assert sections[1].questions == ()


def test_crlf_bom_no_final_newline_and_blank_lines(tmp_path: Path) -> None:
    bom, beijing = b"\xef\xbb\xbf", "北京".encode()
    path = write(tmp_path, bom + b": s\r\n\r\n" + beijing + b" a b c\r\n  \r\nw x y z")
    (section,) = read_analogies(path)
    assert section.name == "s"
    assert section.questions == ((3, "北京", "a", "b", "c"), (5, "w", "x", "y", "z"))


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (": s\na b c\n", 2, "expected 4 words"),
        (": s\na b c d\na b c d e\n", 3, "got 5 word"),
        ("a b c d\n: s\n", 1, "before the first"),
        (": s\n:\n", 2, "has no name"),
        (": s\n\n", None, "no analogy questions"),
        ("", None, "no analogy questions"),
    ],
)
def test_malformed_analogy_files(tmp_path: Path, text: str, line: int | None,
                                 match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FormatError, match=match) as info:
        read_analogies(path)
    assert info.value.path == str(path)
    assert info.value.line == line
    assert str(path) in str(info.value)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, b": s\na b c d\na \xff c d\n")
    with pytest.raises(FormatError, match="UTF-8") as info:
        read_analogies(path)
    assert info.value.line == 3


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_analogies(tmp_path / "absent.txt")
    with pytest.raises(FormatError, match="folder"):
        read_analogies(tmp_path)


word = st.text(st.characters(categories=("L", "N"), max_codepoint=0x9FFF), min_size=1,
               max_size=6)
section = st.tuples(word, st.lists(st.tuples(word, word, word, word), max_size=5))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(section, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n"]),
       st.booleans())
def test_round_trip(tmp_path: Path, sections, newline: str, final_newline: bool) -> None:
    if not any(questions for _, questions in sections):
        sections = [*sections, ("last", [("a", "b", "c", "d")])]
    lines = []
    for name, questions in sections:
        lines.append(f": {name}")
        lines += [" ".join(q) for q in questions]
    text = newline.join(lines) + (newline if final_newline else "")
    got = read_analogies(write(tmp_path, text))
    assert [(s.name, [q[1:] for q in s.questions]) for s in got] == [
        (name, list(questions)) for name, questions in sections
    ]


# ----------------------------------------------------------------------------- word pairs
def pairs(path: Path) -> list[tuple[str, str, float]]:
    return [(p.word1, p.word2, p.score) for p in read_word_pairs(path)]


def test_tab_separated_without_header_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "love\tsex\t6.77\r\nTiger\tcat\t7.35\r\n")
    assert pairs(path) == [("love", "sex", 6.77), ("Tiger", "cat", 7.35)]
    assert [p.line for p in read_word_pairs(path)] == [1, 2]


def test_gensim_comment_header(tmp_path: Path) -> None:
    path = write(tmp_path, "# WordSim\n# Word 1\tWord 2\tHuman (mean)\nlove\tsex\t6.77\n")
    assert pairs(path) == [("love", "sex", 6.77)]


def test_original_wordsim_csv_and_tab(tmp_path: Path) -> None:
    csv = write(tmp_path, "Word 1,Word 2,Human (mean)\r\nlove,sex,6.77\r\n", "a.csv")
    tab = write(tmp_path, "Word 1\tWord 2\tHuman (mean)\t1\t2\t\r\nlove\tsex\t6.77\t9\t6\t\r\n",
                "a.tab")
    assert pairs(csv) == pairs(tab) == [("love", "sex", 6.77)]


def test_simlex_layout_takes_the_named_score_column(tmp_path: Path) -> None:
    path = write(tmp_path, "word1\tword2\tPOS\tSimLex999\tconc(w1)\r\n"
                           "old\tnew\tA\t1.58\t2.72\r\nsmart\tintelligent\tA\t9.2\t1.75\r\n")
    assert pairs(path) == [("old", "new", 1.58), ("smart", "intelligent", 9.2)]


def test_unknown_header_uses_first_numeric_column(tmp_path: Path) -> None:
    path = write(tmp_path, "a\tb\tkind\tvalue\nx\ty\tN\t3.5\n")
    assert pairs(path) == [("x", "y", 3.5)]


def test_whitespace_separated(tmp_path: Path) -> None:
    path = write(tmp_path, "cat  dog 7\nsun moon   5.5")
    assert pairs(path) == [("cat", "dog", 7.0), ("sun", "moon", 5.5)]


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("a\tb\t1\nc\td\n", 2, "at least 3 fields"),
        ("a\tb\t1\nc\td\tlots\n", 2, "not a finite number"),
        ("a\tb\t1\nc\td\tnan\n", 2, "not a finite number"),
        ("a\tb\t1\n\td\t2\n", 2, "empty word"),
        ("a\tb\tc\nx\ty\tz\n", 2, "numeric score column"),
        ("# only a comment\n\n", None, "no word pairs"),
        ("w1\tw2\tscore\n", None, "no word pairs"),
    ],
)
def test_malformed_pair_files(tmp_path: Path, text: str, line: int | None, match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FormatError, match=match) as info:
        read_word_pairs(path)
    assert info.value.line == line
    assert info.value.path == str(path)


plain_word = st.text(st.characters(categories=("L", "N"), max_codepoint=0x9FFF), min_size=1,
                    max_size=8)
score = st.floats(0, 10, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(plain_word, plain_word, score), min_size=1, max_size=20),
       st.sampled_from(["\t", ",", " "]), st.sampled_from(["\n", "\r\n"]), st.booleans(),
       st.booleans())
def test_pairs_round_trip(tmp_path: Path, rows, sep: str, newline: str, header: bool,
                          final_newline: bool) -> None:
    lines = [sep.join(["word1", "word2", "score"])] if header else []
    lines += [sep.join([a, b, str(v)]) for a, b, v in rows]
    text = newline.join(lines) + (newline if final_newline else "")
    assert pairs(write(tmp_path, text)) == [(a, b, float(v)) for a, b, v in rows]


def test_latin1_file_is_rejected_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"a\tb\t1\nna\xefve\tc\t2\n")
    with pytest.raises(FormatError, match="UTF-8") as info:
        read_word_pairs(path)
    assert info.value.line == 2


# ----------------------------------------------------------------------------- real files
def test_real_analogy_files(shared_data: Path) -> None:
    qw = read_analogies(shared_data / "analogy" / "questions-words.txt")
    assert len(qw) == 14
    assert sum(len(s.questions) for s in qw) == 19_544
    assert sum(len(s.questions) for s in qw if not s.name.startswith("gram")) == 8_869
    counts = {}
    for name in ("morphological", "semantic", "ca_translated"):
        for s in read_analogies(shared_data / "ca8" / f"{name}.txt"):
            counts[s.name] = len(s.questions)
    assert counts == {
        "A": 2554, "prefix": 2553, "AB": 2535, "suffix": 2535,
        "geography": 3192, "nature": 1370, "history": 1465, "people": 1609,
        "capital-common-countries": 506, "city-in-state": 175, "family": 272,
    }


def test_real_pair_files(shared_data: Path) -> None:
    folder = shared_data / "word_similarity"
    expected = {"EN-WS-353-ALL.txt": 353, "EN-WS-353-SIM.txt": 203, "EN-WS-353-REL.txt": 252,
                "EN-SIMLEX-999.txt": 999, "ws353_original/set1.tab": 153,
                "ws353_original/set2.csv": 200}
    for name, n in expected.items():
        assert len(read_word_pairs(folder / name)) == n, name
    ws = pairs(folder / "EN-WS-353-ALL.txt")
    assert pairs(folder / "ws353_original/combined.csv") == ws
    assert pairs(folder / "ws353_original/combined.tab") == ws
    assert pairs(folder / "simlex999_original/SimLex-999.txt") == pairs(
        folder / "EN-SIMLEX-999.txt")
    assert len(set((a, b) for a, b, _ in ws)) == 352  # one pair is listed twice
