"""Interactions: reading CSV / TSV / Parquet / frames, time order, filters, splits, errors."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec.data.interactions import Interactions
from everyvec.errors import FormatError

# -- helpers ---------------------------------------------------------------------------------


def write_rows(path: Path, rows: list[list[object]], sep: str = ",",
               header: list[str] | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=sep)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def random_log(seed: int = 0, users: int = 30, items: int = 40, rows: int = 600,
               ties: bool = True) -> Interactions:
    rng = np.random.default_rng(seed)
    stamps = rng.integers(0, 50 if ties else 10**9, rows)
    return Interactions.from_arrays(rng.integers(0, users, rows), rng.integers(0, items, rows),
                                    timestamps=stamps, ratings=rng.integers(1, 6, rows))


# -- reading text ----------------------------------------------------------------------------

PLAIN = st.text("abcXYZ019-_.:/ é", min_size=1, max_size=6).map(str.strip).filter(bool)
NASTY = st.text("ab1,;|\t\"' é", min_size=1, max_size=6).map(str.strip).filter(bool)


def logs(ids: st.SearchStrategy[str]) -> st.SearchStrategy[list[tuple]]:
    row = st.tuples(ids, ids, st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False, width=64))
    return st.lists(row, min_size=1, max_size=25)


def check_read_back(path: Path, rows: list[tuple], **options: object) -> None:
    inter = Interactions.read(path, timestamp="ts", rating="r", **options)
    assert inter.users.tolist() == [r[0] for r in rows]
    assert inter.items.tolist() == [r[1] for r in rows]
    assert inter.timestamps.tolist() == [float(r[2]) for r in rows]
    assert inter.ratings.tolist() == [r[3] for r in rows]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=logs(PLAIN), sep=st.sampled_from(["\t", ",", ";", "|"]))
def test_written_logs_read_back_with_a_guessed_separator(tmp_path, rows, sep):
    path = write_rows(tmp_path / "log.csv", [[*r[:3], repr(r[3])] for r in rows], sep,
                      header=["user", "item", "ts", "r"])
    check_read_back(path, rows)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=logs(NASTY), sep=st.sampled_from(["\t", ",", ";", "|"]))
def test_quoted_ids_with_separators_read_back(tmp_path, rows, sep):
    path = write_rows(tmp_path / "log.txt", [[*r[:3], repr(r[3])] for r in rows], sep,
                      header=["user", "item", "ts", "r"])
    check_read_back(path, rows, sep=sep)


def test_movielens_like_tsv_without_header(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n"
                    "196\t377\t1\t878887116\n196\t51\t2\t880606923\n")
    inter = Interactions.read(path, sep="\t", names=["user", "item", "rating", "timestamp"],
                              timestamp="timestamp", rating="rating")
    assert len(inter) == 4 and inter.n_users == 2 and inter.n_items == 4
    assert inter.sequences() == {"196": ["377", "51", "242"], "186": ["302"]}
    assert inter.ratings.tolist() == [3.0, 3.0, 1.0, 2.0]
    assert "4 interactions, 2 users, 4 items" in repr(inter)
    # The separator is also guessed, and "\\t" as typed in a shell means a tab.
    again = Interactions.read(path, sep="\\t", names=["user", "item", "rating", "timestamp"])
    assert again.items.tolist() == inter.items.tolist() and again.timestamps is None


def test_diginetica_like_log_orders_by_date_then_timeframe(tmp_path):
    path = tmp_path / "views.csv"
    path.write_text("session_id;user_id;item_id;timeframe;eventdate\n"
                    "1;NA;81766;526309;2016-05-09\n"
                    "1;NA;31331;1031018;2016-05-09\n"
                    "1;NA;32118;243569;2016-05-09\n"
                    "2;7;5;900;2016-05-10\n"
                    "2;7;6;100;2016-05-11\n"
                    "2;7;4;50;2016-05-10\n"
                    "1;NA;9654;75848;2016-05-09")  # no newline at the end, as the real file
    inter = Interactions.read(path, user="session_id", item="item_id", timestamp="eventdate",
                              order=["timeframe"])
    assert inter.sequences() == {"1": ["9654", "32118", "81766", "31331"], "2": ["4", "5", "6"]}
    assert inter.timestamps[0] == dt.datetime(2016, 5, 9, tzinfo=dt.UTC).timestamp()
    # "NA" is an id like any other, not a missing value.
    by_user = Interactions.read(path, user="user_id", item="item_id")
    assert set(by_user.users.tolist()) == {"NA", "7"} and by_user.dropped == 0


def test_equal_timestamps_keep_input_order(tmp_path):
    inter = Interactions.from_arrays(["u"] * 5, ["c", "a", "e", "b", "d"],
                                     timestamps=[2, 1, 2, 1, 2])
    assert inter.sequences() == {"u": ["a", "b", "c", "e", "d"]}
    no_time = Interactions.from_arrays(["u", "v", "u"], ["x", "y", "x"])
    assert no_time.sequences() == {"u": ["x", "x"], "v": ["y"]}
    assert no_time.baskets() == [["x"], ["y"]]


def test_iso_datetimes_and_gzip(tmp_path):
    import gzip

    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("user,item,when\nu,a,2020-01-01T00:00:10\nu,b,2020-01-01 00:00:05\n"
                     "u,c,2020-01-01T00:00:00+01:00\n")
    inter = Interactions.read(path, timestamp="when")
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    assert inter.timestamps.tolist() == [base + 10, base + 5, base - 3600]
    assert inter.sequences()["u"] == ["c", "b", "a"]


def test_empty_ids_are_dropped_and_counted(tmp_path, caplog):
    path = write_rows(tmp_path / "log.csv", [["u", "a"], ["", "b"], ["v", " "], ["v", "c"]],
                      header=["user", "item"])
    with caplog.at_level(logging.WARNING):
        inter = Interactions.read(path)
    assert inter.dropped == 2 and inter.users.tolist() == ["u", "v"]
    assert "dropped 2 of 4 rows" in caplog.text


# -- reading tables --------------------------------------------------------------------------

def test_parquet_round_trip(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"uid": pa.array([3, 1, 3], pa.int64()), "sku": ["x", "y", "z"],
                      "day": pa.array([dt.date(2021, 1, 2), dt.date(2021, 1, 1),
                                       dt.date(2021, 1, 1)]),
                      "stars": [4.5, 3.0, 5.0]})
    pq.write_table(table, tmp_path / "log.parquet")
    inter = Interactions.read(tmp_path / "log.parquet", user="uid", item="sku",
                              timestamp="day", rating="stars")
    assert inter.users.tolist() == ["3", "1", "3"]
    assert inter.sequences() == {"3": ["z", "x"], "1": ["y"]}
    assert inter.ratings.tolist() == [4.5, 3.0, 5.0]
    assert inter.timestamps[1] == dt.datetime(2021, 1, 1, tzinfo=dt.UTC).timestamp()
    with pytest.raises(FormatError, match=r"no item column 'item'; columns found: 'uid'"):
        Interactions.read(tmp_path / "log.parquet", user="uid")


def test_pandas_frame(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({
        "user": [10, 11, 10, 12],
        "item": [1.0, 2.0, float("nan"), 7.0],  # integer ids with a gap: pandas makes floats
        "time": pd.to_datetime(["2020-01-02", "2020-01-01", "2020-01-03", "2020-01-01"]),
        "rating": [1, 2, 3, 4],
    })
    inter = Interactions.from_frame(frame, timestamp="time", rating="rating")
    assert inter.dropped == 1
    assert inter.users.tolist() == ["10", "11", "12"] and inter.items.tolist() == ["1", "2", "7"]
    assert inter.timestamps[1] == dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    aware = frame.assign(time=frame["time"].dt.tz_localize("Europe/Paris"))
    shifted = Interactions.from_frame(aware, timestamp="time")
    assert shifted.timestamps[0] == inter.timestamps[0] - 3600
    back = inter.to_frame()
    assert list(back.columns) == ["user", "item", "timestamp", "rating"] and len(back) == 3
    with pytest.raises(FormatError, match=r"no timestamp column 'when'; columns found: "
                       r"'user', 'item', 'time', 'rating'"):
        Interactions.from_frame(frame, timestamp="when")


def test_polars_frame():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"u": ["a", "b", "a"], "i": [1, 2, 3], "t": [3, 1, 2]})
    inter = Interactions.from_frame(frame, user="u", item="i", timestamp="t")
    assert inter.sequences() == {"a": ["3", "1"], "b": ["2"]}


def test_mapping_of_columns():
    inter = Interactions.from_frame({"u": ["a", "a"], "i": ["x", "y"], "t": [2, 1]},
                                    user="u", item="i", timestamp="t")
    assert inter.sequences() == {"a": ["y", "x"]}


# -- errors ----------------------------------------------------------------------------------

def test_missing_column_names_the_file_and_the_columns(tmp_path):
    path = write_rows(tmp_path / "log.csv", [["u", "a"]], header=["customer", "product"])
    with pytest.raises(FormatError) as info:
        Interactions.read(path)
    message = str(info.value)
    assert str(path) in message and "no user column 'user'" in message
    assert "'customer', 'product'" in message and "names=" in message


def test_bad_rating_names_file_line_and_value(tmp_path):
    path = write_rows(tmp_path / "log.csv", [["u", "a", "5"], ["u", "b", "five"]],
                      header=["user", "item", "rating"])
    with pytest.raises(FormatError, match=r"log\.csv, line 3: the rating column 'rating' "
                       r"holds 'five'; expected a number"):
        Interactions.read(path, rating="rating")


def test_bad_and_missing_timestamps(tmp_path):
    path = write_rows(tmp_path / "log.csv", [["u", "a", "2020-01-01"], ["u", "b", "soon"]],
                      header=["user", "item", "t"])
    with pytest.raises(FormatError, match=r"line 3: .*'soon'; expected a number or a date"):
        Interactions.read(path, timestamp="t")
    path = write_rows(tmp_path / "log2.csv", [["u", "a", "1"], ["u", "b", ""]],
                      header=["user", "item", "t"])
    with pytest.raises(FormatError, match=r"line 3: the timestamp column 't' has no value"):
        Interactions.read(path, timestamp="t")
    with pytest.raises(FormatError, match=r"position 1 \(counting from 0\): .*'x'"):
        Interactions.from_arrays(["u", "u"], ["a", "b"], ratings=[1, "x"])


def test_ragged_rows_and_unknown_separators(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item\nu,a\nu,b,c\n")
    with pytest.raises(FormatError, match=r"line 3: expected 2 fields separated by comma, "
                       "found 3"):
        Interactions.read(path)
    path.write_text("user item\nu a\n")
    with pytest.raises(FormatError, match="cannot tell the separator"):
        Interactions.read(path)
    with pytest.raises(ValueError, match="'sep' parameter"):
        Interactions.read(path, sep="ab")
    with pytest.raises(FileNotFoundError, match="no such interaction log"):
        Interactions.read(tmp_path / "missing.csv")
    with pytest.raises(TypeError, match="pandas or polars DataFrame"):
        Interactions.from_frame([["u", "a"]])


# -- filters ---------------------------------------------------------------------------------

def test_filter_by_rating_and_counts():
    inter = Interactions.from_arrays(["u", "u", "u", "v", "v", "w"],
                                     ["a", "b", "c", "a", "b", "a"],
                                     ratings=[5, 4, 1, 5, 2, 5])
    assert inter.filter(min_rating=4).items.tolist() == ["a", "b", "a", "a"]
    kept = inter.filter(min_user_interactions=2, min_item_interactions=2)
    assert kept.users.tolist() == ["u", "u", "v", "v"]
    with pytest.raises(ValueError, match="needs ratings"):
        Interactions.from_arrays(["u"], ["a"]).filter(min_rating=1)
    with pytest.raises(ValueError, match="min_user_interactions"):
        inter.filter(min_user_interactions=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_k_core_is_stable_and_inside_one_pass(seed):
    inter = random_log(seed, users=60, items=80, rows=500)
    one = inter.filter(min_user_interactions=8, min_item_interactions=8)
    core = inter.filter(min_user_interactions=8, min_item_interactions=8, core=True)
    assert len(core) <= len(one)
    assert set(zip(core.users, core.items, strict=True)) <= set(zip(one.users, one.items,
                                                                     strict=True))
    users, items = np.unique(core.users, return_counts=True)[1], np.unique(core.items,
                                                                           return_counts=True)[1]
    assert (users >= 8).all() and (items >= 8).all()
    assert len(core.filter(min_user_interactions=8, min_item_interactions=8)) == len(core)


# -- splits ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3])
def test_leave_last_out_holds_exactly_the_last_n(n):
    inter = random_log(3, users=40, rows=300)
    full = inter.sequences()
    train, test = inter.leave_last_out(n)
    kept = train.sequences()
    assert len(train) + sum(map(len, test.values())) == len(inter)
    for user, items in full.items():
        if len(items) > n:
            assert test[user] == items[-n:] and kept[user] == items[:-n]
        else:
            assert user not in test and kept[user] == items


def test_leave_last_out_keeps_items_unseen_in_training():
    inter = Interactions.from_arrays(["u", "u", "v", "v"], ["a", "new", "a", "b"],
                                     timestamps=[1, 2, 1, 2])
    train, test = inter.leave_last_out()
    assert test == {"u": ["new"], "v": ["b"]} and "new" not in train.items.tolist()
    with pytest.raises(ValueError, match="no user has more than n=5"):
        inter.leave_last_out(5)


@pytest.mark.parametrize("fraction", [0.3, 0.8])
def test_time_split_never_leaks_the_future(fraction):
    inter = random_log(4, users=25, rows=400)
    train, test = inter.time_split(fraction=fraction)
    cut = train.timestamps.max()
    times = {}
    for user, item, t in zip(inter.users, inter.items, inter.timestamps, strict=True):
        times.setdefault((user, item), []).append(t)
    train_users = set(train.users.tolist())
    assert set(test) <= train_users
    later = inter.timestamps > cut
    assert sum(map(len, test.values())) <= later.sum()
    assert abs(len(train) / len(inter) - fraction) < 0.1
    for user, items in test.items():
        for item in items:
            assert max(times[(user, item)]) > cut
    # Held-out items follow the user's time order.
    full = inter.sequences()
    for user, items in test.items():
        assert full[user][-len(items):] == items


def test_time_split_at_a_date_and_errors():
    days = [dt.date(2020, 1, d) for d in (1, 2, 3, 4)]
    inter = Interactions.from_arrays(["u", "u", "v", "w"], ["a", "b", "c", "d"],
                                     timestamps=days)
    with pytest.raises(ValueError, match="test would be empty"):
        inter.time_split(at="2020-01-03")  # after it: only v and w, who have no history
    train, test = inter.time_split(at=dt.date(2020, 1, 2))
    assert train.items.tolist() == ["a"] and test == {"u": ["b"]}  # v and w: no history
    with pytest.raises(ValueError, match="exactly one of"):
        inter.time_split()
    with pytest.raises(ValueError, match="needs timestamps"):
        Interactions.from_arrays(["u"], ["a"]).time_split(fraction=0.5)


# -- real data (skips without the mirror) ----------------------------------------------------

def test_movielens_100k(shared_data):
    path = shared_data / "ml-100k" / "u.data"
    if not path.is_file():
        pytest.skip("ml-100k not in the data mirror")
    inter = Interactions.read(path, sep="\t", names=["user", "item", "rating", "timestamp"],
                              timestamp="timestamp", rating="rating")
    assert (len(inter), inter.n_users, inter.n_items) == (100_000, 943, 1682)
    train, test = inter.leave_last_out()
    assert len(test) == 943 and len(train) == 100_000 - 943


def test_diginetica_sample(shared_data):
    path = shared_data / "diginetica_sample" / "sample_train-item-views.csv"
    if not path.is_file():
        pytest.skip("DIGINETICA sample not in the data mirror")
    inter = Interactions.read(path, user="session_id", item="item_id", timestamp="eventdate",
                              order=["timeframe"])
    assert (len(inter), inter.n_users, inter.n_items) == (12_391, 2_986, 7_139)
    first = inter.sequences()["1"]
    assert first[0] == "9654"  # timeframe 75848, the session's earliest view


def test_compression_is_recognised_by_content(tmp_path):
    import lzma

    path = tmp_path / "log.csv"  # xz bytes behind a plain name
    path.write_bytes(lzma.compress(b"user,item\nu1,a\nu1,b\n"))
    assert Interactions.read(path).sequences() == {"u1": ["a", "b"]}
