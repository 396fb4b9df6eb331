"""UCI Adult reader: the file quirks on a tiny fixture, then the real split when mirrored."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec import datasets
from everyvec.data.adult import CATEGORICAL, FEATURES, NUMERIC, TARGET, load_adult
from everyvec.errors import FormatError

pytest.importorskip("pandas")

TRAIN = (
    "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, "
    "Male, 2174, 0, 40, United-States, <=50K\n"
    "52, ?, 209642, HS-grad, 9, Married-civ-spouse, ?, Husband, White, Male, 0, 0, 45, ?, "
    ">50K\n"
    "\n"
)
TEST = (
    "|1x3 Cross validator\n"
    "25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, Black, Male, "
    "0, 0, 40, United-States, <=50K.\n"
    "44, Private, 160323, Some-college, 10, Married-civ-spouse, Machine-op-inspct, Husband, "
    "Black, Male, 7688, 0, 40, United-States, >50K.\n"
)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "adult.data").write_text(TRAIN, encoding="ascii")
    (tmp_path / "adult.test").write_text(TEST, encoding="ascii")
    return tmp_path


def test_columns_types_and_missing(folder: Path) -> None:
    train = load_adult("train", path=folder)
    assert list(train.columns) == [*FEATURES, "income", TARGET]
    assert len(train) == 2  # the trailing empty line is no row
    assert all(str(train[c].dtype) == "int64" for c in NUMERIC)
    assert train.loc[0, "capital_gain"] == 2174 and train.loc[1, "age"] == 52
    assert train.loc[1, "workclass"] is None and train.loc[1, "native_country"] is None
    assert train["occupation"].isna().tolist() == [False, True]
    assert train.loc[0, "marital_status"] == "Never-married"  # no leading space kept
    assert train[TARGET].tolist() == [False, True]
    assert set(CATEGORICAL) | set(NUMERIC) == set(FEATURES)


def test_test_split_quirks(folder: Path) -> None:
    test = load_adult("test", path=folder / "adult.test")  # a file works as well as a folder
    assert len(test) == 2  # the "|1x3 Cross validator" line is skipped
    assert test["income"].tolist() == ["<=50K", ">50K"]  # trailing '.' stripped
    assert test[TARGET].dtype == bool and test[TARGET].tolist() == [False, True]


@pytest.mark.parametrize(("line", "match"), [
    ("39, State-gov, 77516, Bachelors, 13, <=50K", "expected 15 comma-separated fields .*"
     "found 6"),
    ("x, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, "
     "Male, 2174, 0, 40, United-States, <=50K", "column 'age' must be an integer"),
    ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, "
     "Male, 2174, 0, 40, United-States, 50K", "income label"),
])
def test_malformed_rows_name_file_and_line(tmp_path: Path, line: str, match: str) -> None:
    file = tmp_path / "adult.data"
    file.write_text(TRAIN.splitlines()[0] + "\n" + line + "\n", encoding="ascii")
    with pytest.raises(FormatError, match=match) as info:
        load_adult(path=file)
    assert info.value.line == 2 and str(file) in str(info.value)


_WORD = st.text(alphabet=st.sampled_from("abcXYZ-_&()0123456789"), min_size=1, max_size=8)
_ROW = st.fixed_dictionaries({
    **{c: st.integers(0, 10**6) for c in NUMERIC},
    **{c: st.none() | _WORD for c in CATEGORICAL},
    TARGET: st.booleans(),
})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, min_size=1, max_size=8), period=st.booleans())
def test_written_rows_read_back(tmp_path: Path, rows: list[dict], period: bool) -> None:
    lines = [", ".join([*("?" if r[c] is None else str(r[c]) for c in FEATURES),
                        (">50K" if r[TARGET] else "<=50K") + ("." if period else "")])
             for r in rows]
    file = tmp_path / "adult.test"
    file.write_text("|1x3 Cross validator\n" + "\n".join(lines) + "\n\n", encoding="ascii")
    frame = load_adult("test", path=file)
    assert frame[list(FEATURES)].to_dict("records") == [
        {c: r[c] for c in FEATURES} for r in rows]
    assert frame[TARGET].tolist() == [r[TARGET] for r in rows]


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'split' parameter of load_adult"):
        load_adult("valid", path=tmp_path)
    with pytest.raises(FileNotFoundError, match="adult.data"):
        load_adult("train", path=tmp_path)
    (tmp_path / "adult.data").write_text("|only a comment\n\n", encoding="ascii")
    with pytest.raises(FormatError, match="no data rows"):
        load_adult("train", path=tmp_path)


def test_registry_entry() -> None:
    entry = datasets.info("adult")
    assert {f.name for f in entry.files} == {"adult.data", "adult.test", "adult.names"}
    assert not entry.mirror_only


def test_real_split(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (shared_data / "adult" / "adult.data").is_file():
        pytest.skip("the mirror has no adult folder")
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    train, test = load_adult("train"), load_adult("test")
    assert (len(train), len(test)) == (32_561, 16_281)
    assert (int(train[TARGET].sum()), int((~train[TARGET]).sum())) == (7_841, 24_720)
    assert (int(test[TARGET].sum()), int((~test[TARGET]).sum())) == (3_846, 12_435)
    assert train["native_country"].nunique() == 41 and train["education"].nunique() == 16
    assert train["workclass"].isna().sum() == 1_836
