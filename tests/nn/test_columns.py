"""TableEncoder: category codes with an UNK row, standardised numbers, any table type."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.nn.columns import MISSING, UNK, TableEncoder, as_target, column_array

pd = pytest.importorskip("pandas")


@pytest.fixture()
def frame():
    return pd.DataFrame({
        "city": ["paris", "rome", "paris", None, "oslo", "paris"],
        "age": [20.0, 30.0, np.nan, 40.0, 50.0, 40.0],
        "member": [True, False, True, True, False, True],
        "label": [0, 1, 0, 1, 1, 0],
    })


def test_infers_kinds_and_orders_categories_by_count(frame):
    enc = TableEncoder().fit(frame, exclude=["label"])
    assert enc.categorical_ == ["city", "member"] and enc.numeric_ == ["age"]
    assert enc.categories_["city"] == [UNK, "paris", MISSING, "oslo", "rome"]
    assert enc.counts_["city"].tolist() == [0, 3, 1, 1, 1]
    assert enc.cardinalities_ == [5, 3]
    assert enc.mean_[0] == pytest.approx(36.0)
    table = enc.transform(frame)
    assert table.codes.dtype == np.int64 and table.numeric.dtype == np.float32
    assert table.codes[:, 0].tolist() == [1, 4, 1, 2, 3, 1]
    assert table.numeric[2, 0] == 0.0  # a missing number → the mean → 0
    assert table.numeric[:, 0].mean() == pytest.approx(0.0, abs=1e-6)


def test_unseen_and_rare_categories_share_the_unk_row(frame):
    enc = TableEncoder(min_count=2).fit(frame, exclude=["label"])
    assert enc.categories_["city"] == [UNK, "paris"]
    assert enc.counts_["city"][0] == 3  # rare rows train the UNK row
    new = pd.DataFrame({"city": ["lima", "paris"], "age": [1.0, 2.0],
                        "member": [True, True]})
    assert enc.transform(new).codes[:, 0].tolist() == [0, 1]


def test_pandas_polars_and_mappings_agree(frame):
    pl = pytest.importorskip("polars")
    enc = TableEncoder().fit(frame, exclude=["label"])
    expected = enc.transform(frame)
    for other in (pl.from_pandas(frame), {c: list(frame[c]) for c in frame.columns}):
        got = enc.transform(other)
        np.testing.assert_array_equal(got.codes, expected.codes)
        np.testing.assert_allclose(got.numeric, expected.numeric)
    fitted = TableEncoder().fit(pl.from_pandas(frame), exclude=["label"])
    assert fitted.categories_ == enc.categories_


def test_config_round_trip(frame):
    enc = TableEncoder(["city"], ["age"]).fit(frame)
    back = TableEncoder.from_config(enc.to_config())
    np.testing.assert_array_equal(back.transform(frame).codes, enc.transform(frame).codes)
    broken = enc.to_config()
    broken["categories"]["city"] = ["paris"]
    with pytest.raises(ValueError, match="inconsistent"):
        TableEncoder.from_config(broken)
    with pytest.raises(ValueError, match="incomplete"):
        TableEncoder.from_config({"categorical": ["city"]})


def test_errors_name_the_column_and_row(frame):
    with pytest.raises(ValueError, match="numeric column 'city' row 0 holds 'paris'"):
        TableEncoder(numeric=["city"], categorical=[]).fit(frame)
    with pytest.raises(KeyError, match="categorical columns \\['town'\\] are not in the table"):
        TableEncoder(categorical=["town"]).fit(frame)
    with pytest.raises(ValueError, match="both categorical and numeric"):
        TableEncoder(["age"], ["age"]).fit(frame)
    with pytest.raises(TypeError, match="'categorical' parameter"):
        TableEncoder(categorical="city").fit(frame)
    with pytest.raises(ValueError, match="row 1 is inf"):
        TableEncoder(numeric=["x"], categorical=[]).fit({"x": [1.0, math.inf]})
    with pytest.raises(RuntimeError, match="not fitted"):
        TableEncoder().transform(frame)
    enc = TableEncoder().fit(frame)
    with pytest.raises(KeyError, match="lacks the training columns \\['age'\\]"):
        enc.transform(frame.drop(columns=["age"]))
    with pytest.raises(TypeError, match="TableEncoder takes a pandas or polars DataFrame"):
        TableEncoder().fit([[1, 2]])


def test_column_and_target_helpers(frame):
    assert column_array(frame, "age", "M").shape == (6,)
    with pytest.raises(KeyError, match="M: the table has no column 'x'"):
        column_array(frame, "x", "M")
    assert as_target(frame["label"], "M").tolist() == [0, 1, 0, 1, 1, 0]
    with pytest.raises(ValueError, match="one value per row"):
        as_target(np.zeros((2, 2)), "M")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=4), st.none(), st.integers(-3, 3)), min_size=1,
                max_size=30))
def test_codes_index_the_category_list(values):
    column = np.array(values, dtype=object)
    enc = TableEncoder(categorical=["c"], numeric=[]).fit({"c": column})
    codes = enc.transform({"c": column}).codes[:, 0]
    cats = enc.categories_["c"]
    assert codes.min() >= 1 and codes.max() < len(cats)
    # Same value → same code, different values → different codes (compared as text).
    for value, code in zip(values, codes, strict=True):
        text = MISSING if value is None or str(value).strip() == "" else str(value).strip()
        assert cats[code] == text
