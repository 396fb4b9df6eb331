"""STS Benchmark reader: the file quirks on tiny files, then the real splits when mirrored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec import datasets
from everyvec.data.stsb import StsPairs, load_stsb
from everyvec.errors import FormatError

LINES = [
    "main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane is taking off.\t"
    "An air plane is taking off.",
    # quotes that a quoting CSV reader would pair up across lines
    'main-news\theadlines\t2013\t0002\t1.250\t"Stop it, he said.\tNo way"\t'
    "reuters\tattribution",
    "main-forum\tdeft-forum\t2014\t0003\t0.000\tI disagree.\tIt's raining.",
]


def _write(folder: Path, name: str, lines: list[str], end: str = "\n") -> Path:
    file = folder / name
    file.write_bytes((end.join(lines) + end).encode("utf-8"))
    return file


def test_fields_quotes_and_extra_fields(tmp_path: Path) -> None:
    _write(tmp_path, "sts-dev.csv", LINES)
    pairs = load_stsb("dev", path=tmp_path)
    assert len(pairs) == 3 and isinstance(pairs, StsPairs)
    assert pairs.sentences1 == ["A plane is taking off.", '"Stop it, he said.',
                                "I disagree."]
    assert pairs.sentences2 == ["An air plane is taking off.", 'No way"', "It's raining."]
    assert pairs.scores.dtype == np.float64
    np.testing.assert_array_equal(pairs.scores, [5.0, 1.25, 0.0])
    assert pairs.genres == ["main-captions", "main-news", "main-forum"]
    assert list(pairs)[1] == ('"Stop it, he said.', 'No way"', 1.25)


def test_file_path_crlf_and_blank_lines(tmp_path: Path) -> None:
    file = _write(tmp_path, "mine.tsv", [LINES[0], "", LINES[2]], end="\r\n")
    pairs = load_stsb("test", path=file)  # a file is taken whatever its name
    assert pairs.sentences2 == ["An air plane is taking off.", "It's raining."]


@pytest.mark.parametrize(("line", "match"), [
    ("main-news\theadlines\t2013\t0002\t1.0\tonly one sentence", "expected 7 TAB-separated "
     "fields .* found 6"),
    ("main-news\theadlines\t2013\t0002\t1.0\ta\tb\tc", "found 8"),
    ("main-news\theadlines\t2013\t0002\thigh\ta\tb", "score .* from 0 to 5, found 'high'"),
    ("main-news\theadlines\t2013\t0002\t5.5\ta\tb", "from 0 to 5, found '5.5'"),
    ("main-news\theadlines\t2013\t0002\tnan\ta\tb", "from 0 to 5"),
    ("main-news\theadlines\t2013\t0002\t2.0\t \tb", "sentence .* is empty"),
])
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, match: str) -> None:
    file = _write(tmp_path, "sts-train.csv", [LINES[0], line])
    with pytest.raises(FormatError, match=match) as info:
        load_stsb(path=tmp_path)
    assert info.value.line == 2 and str(file) in str(info.value)


def test_not_utf8_and_empty(tmp_path: Path) -> None:
    file = tmp_path / "sts-train.csv"
    file.write_bytes(LINES[0].encode() + b"\xff\n")
    with pytest.raises(FormatError, match="not UTF-8"):
        load_stsb(path=file)
    file.write_text("\n\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no sentence pairs"):
        load_stsb(path=file)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'split' parameter of load_stsb"):
        load_stsb("validation", path=tmp_path)
    with pytest.raises(FileNotFoundError, match="sts-train.csv"):
        load_stsb("train", path=tmp_path)
    with pytest.raises(TypeError, match="'path' parameter of load_stsb"):
        load_stsb("train", path=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        StsPairs(["a"], ["b", "c"], [1.0])


_SENTENCE = st.text(alphabet=st.sampled_from("ab \"'.,"), min_size=1, max_size=12).filter(
    str.strip)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_SENTENCE, _SENTENCE, st.integers(0, 5000)), min_size=1,
                     max_size=6))
def test_written_pairs_read_back(tmp_path: Path, rows: list[tuple[str, str, int]]) -> None:
    lines = [f"main-news\tx\t2015\t{i:04d}\t{s / 1000:.3f}\t{a}\t{b}"
             for i, (a, b, s) in enumerate(rows)]
    pairs = load_stsb(path=_write(tmp_path, "sts-train.csv", lines))
    assert list(pairs) == [(a, b, s / 1000) for a, b, s in rows]


def test_registry_entry() -> None:
    entry = datasets.info("stsb")
    assert {f.name for f in entry.files} >= {"sts-train.csv", "sts-dev.csv", "sts-test.csv"}
    assert entry.file("sts-test.csv").size == 282_419


def test_real_splits(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (shared_data / "stsb" / "sts-train.csv").is_file():
        pytest.skip("the mirror has no stsb folder")
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    sizes = {split: len(load_stsb(split)) for split in ("train", "dev", "test")}
    assert sizes == {"train": 5_749, "dev": 1_500, "test": 1_379}
    test = load_stsb("test")
    assert test.scores.min() == 0.0 and test.scores.max() == 5.0
    assert set(test.genres) == {"main-captions", "main-news", "main-forums"}  # sic
    # the 9-field lines give their sentences, not the attributions
    assert not any("\t" in s for s in test.sentences1 + test.sentences2)


def test_check_pair_lists_names_the_callers_sequences() -> None:
    import numpy as np

    from everyvec.data.stsb import check_pair_lists

    first, second, scores = check_pair_lists(("a", "b"), ["c", "d"], [1, 2], owner="f")
    assert (first, second, scores.tolist()) == (["a", "b"], ["c", "d"], [1.0, 2.0])
    assert check_pair_lists(["a"], ["b"], None, owner="f")[2] is None
    with pytest.raises(TypeError, match="g: left must be a sequence of strings"):
        check_pair_lists(["a", 1], ["b", "c"], None, owner="g", names=("left", "r", "s"))
    with pytest.raises(ValueError, match="f: scores must be .* finite"):
        check_pair_lists(["a"], ["b"], [np.nan], owner="f")
    with pytest.raises(ValueError, match=r"same length; got 1, 2, 1"):
        check_pair_lists(["a"], ["b", "c"], [1.0], owner="f")
