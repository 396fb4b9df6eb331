"""Interaction logs — who used which item, when, how much they liked it — as histories.

An :class:`Interactions` holds one row per interaction in four parallel columns: user and item
ids (always ``str``), and optional timestamps and ratings (``float64``). It reads CSV / TSV /
Parquet files and pandas or polars DataFrames, filters rows, and turns the log into what the
trainers and recommenders take: per-user histories in time order (:meth:`~Interactions.sequences`)
and per-user sets of items (:meth:`~Interactions.baskets`). Train / test splits live in
:mod:`everyvec.data.splits` and are reached through :meth:`~Interactions.leave_last_out` and
:meth:`~Interactions.time_split`.

Time order is fixed once, when the log is built: rows sort by timestamp, then by the ``order``
columns (tie-breaks such as DIGINETICA's ``timeframe``), then by their position in the input,
so equal timestamps keep the input order. Every filtered or split log keeps that order.

Simplifications, stated once:

* Ids are text. Integers become their decimal text (``5`` → ``"5"``, also ``5.0`` from a float
  column that pandas made out of integers with gaps), surrounding spaces are stripped, and any
  non-empty text — ``"NA"`` included — is an id. Rows whose user or item is empty (or null in
  a DataFrame) are dropped and counted in :attr:`Interactions.dropped` (a warning is logged).
* Timestamps are seconds: numbers are taken as they are; dates and datetimes (ISO text,
  ``datetime64`` columns, ``datetime`` objects) become seconds since 1970-01-01 UTC, a time
  without a time zone being read as UTC. A missing timestamp or rating is an error.
* The CSV reader is Python's :mod:`csv` (double-quote quoting, one header line unless
  ``names`` is given); a separator is guessed from the first lines when not given.
"""

from __future__ import annotations

import bz2
import csv
import datetime as dt
import gzip
import io
import itertools
import logging
import lzma
import math
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_float, check_int
from everyvec._optional import require
from everyvec.errors import FormatError

__all__ = ["Interactions"]

logger = logging.getLogger(__name__)

#: Separators tried, in this order of preference, when ``sep`` is not given.
SEPARATORS = ("\t", ",", ";", "|")
_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
_SNIFF_LINES = 50
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_OPENERS: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# -- locating bad values ---------------------------------------------------------------------

class _Where:
    """Turns a row position into an error that says where the row came from."""

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 lines: Sequence[int] | None = None, what: str = "row") -> None:
        self.path, self.lines, self.what = path, lines, what

    def error(self, position: int, message: str) -> FormatError:
        if self.lines is not None:
            return FormatError(message, path=self.path, line=int(self.lines[position]))
        where = f"{self.what} {position} (counting from 0)"
        return FormatError(f"{where}: {message}", path=self.path)

    def source(self) -> str | None:
        return os.fspath(self.path) if self.path is not None else None


# -- column conversion -----------------------------------------------------------------------

def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        type(value).__name__ in ("NAType", "NaTType"))


def _id_text(value: Any) -> str:
    """One id as text ('' for a missing one)."""
    if isinstance(value, str):
        return value.strip()
    if _is_null(value):
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8").strip()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _ids(values: Any) -> np.ndarray:
    """Any column of ids as an object array of ``str`` ('' where missing)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iub":
        return arr.astype(str).astype(object)
    if arr.dtype.kind == "U":
        return np.char.strip(arr).astype(object)
    if arr.dtype.kind == "f":
        out = np.empty(len(arr), dtype=object)
        finite = np.isfinite(arr)
        whole = finite & (arr == np.round(arr)) & (np.abs(arr) < 2.0**53)
        out[whole] = arr[whole].astype(np.int64).astype(str)
        rest = finite & ~whole
        out[rest] = [repr(float(v)) for v in arr[rest]]
        out[~finite] = ""
        return out
    return np.fromiter((_id_text(v) for v in arr.tolist()), dtype=object, count=len(arr))


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _seconds(value: Any) -> float | None:
    """A date or datetime (object or ISO text) as epoch seconds, naive times read as UTC."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return float(value.astype("datetime64[us]").astype(np.int64)) / 1e6
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return (value - _EPOCH).total_seconds()
    if isinstance(value, dt.date):
        return float((value - _EPOCH.date()).days * 86400)
    return None


def _floats(values: Any, column: str, role: str, where: _Where, *,
            dates: bool = False) -> np.ndarray:
    """A rating (numbers) or timestamp (numbers or dates) column as ``float64``."""
    arr = np.asarray(values)
    kind = "a number or a date" if dates else "a number"

    def missing_at(position: int) -> FormatError:
        return where.error(position, f"the {role} column {column!r} has no value; "
                                     f"expected {kind}")

    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64)
    elif arr.dtype.kind == "M" and dates:
        nat = np.isnat(arr)
        if nat.any():
            raise missing_at(int(np.flatnonzero(nat)[0]))
        out = arr.astype("datetime64[us]").astype(np.int64) / 1e6
    elif arr.dtype.kind in "OUS":
        text = np.asarray([("" if _is_null(v) else str(v).strip()) for v in arr.tolist()],
                          dtype=str) if arr.dtype.kind == "O" else np.char.strip(arr.astype(str))
        empty = np.flatnonzero(text == "")
        if len(empty):
            raise missing_at(int(empty[0]))
        # Parse each distinct value once: dates repeat a lot, and errors point at a row.
        uniques, inverse = np.unique(text, return_inverse=True)
        parsed: list[float | None] = [_number(v) for v in uniques.tolist()]
        if dates and any(v is None for v in parsed):
            stamps = [_seconds(v) for v in uniques.tolist()]
            if sum(v is None for v in stamps) < sum(v is None for v in parsed):
                parsed = stamps
        bad = [i for i, v in enumerate(parsed) if v is None]
        if bad:
            first = int(np.flatnonzero(np.isin(inverse, bad))[0])
            raise where.error(first, f"the {role} column {column!r} holds "
                                     f"{str(text[first])!r:.60}; expected {kind}")
        out = np.asarray(parsed, dtype=np.float64)[inverse.reshape(-1)]
    else:
        raise where.error(0, f"the {role} column {column!r} holds {arr.dtype} values; "
                             f"expected {kind}")
    nan = np.flatnonzero(np.isnan(out))
    if len(nan):
        raise missing_at(int(nan[0]))
    infinite = np.flatnonzero(~np.isfinite(out))
    if len(infinite):
        raise where.error(int(infinite[0]), f"the {role} column {column!r} holds "
                                            f"{out[infinite[0]]}; expected a finite number")
    return out


def _object_floats(values: Any) -> Any:
    """datetime / Timestamp objects (tz-aware pandas columns) → seconds; others unchanged."""
    arr = np.asarray(values)
    if arr.dtype.kind != "O" or not len(arr):
        return arr
    sample = next((v for v in arr.tolist() if not _is_null(v)), None)
    if isinstance(sample, (dt.date, np.datetime64)):
        return np.asarray([np.nan if _is_null(v) else _seconds(v) for v in arr.tolist()],
                          dtype=np.float64)
    return arr


def _sort_key(values: Any, column: str, where: _Where) -> np.ndarray:
    """A tie-break column as sortable numbers: numbers and dates by value, else text."""
    try:
        return _floats(_object_floats(values), column, "order", where, dates=True)
    except FormatError:
        text = np.asarray([_id_text(v) for v in np.asarray(values).tolist()], dtype=str)
        return np.unique(text, return_inverse=True)[1].reshape(-1).astype(np.float64)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes in order of first appearance, and the distinct values."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values.tolist()),
                        dtype=np.int64, count=len(values))
    return codes, list(index)


def _names(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError(f"The {name!r} parameter of Interactions must be a column name or a list "
                    f"of column names. Got {value!r}.")


# -- the log -----------------------------------------------------------------------------------

class Interactions:
    """A log of (user, item[, timestamp][, rating]) rows.

    Build one with :meth:`read` (CSV / TSV / Parquet), :meth:`from_frame` (pandas, polars,
    pyarrow or a mapping of columns) or :meth:`from_arrays`.

    Attributes
    ----------
    users, items : numpy.ndarray
        Object arrays of ``str`` ids, one per row, in input order.
    timestamps : numpy.ndarray or None
        ``float64`` seconds (or the numbers of the input), or ``None`` without a time column.
    ratings : numpy.ndarray or None
        ``float64`` ratings, or ``None``.
    dropped : int
        Input rows dropped because their user or item was empty.
    source : str or None
        The file it was read from.
    """

    def __init__(self, users: Any, items: Any, timestamps: Any = None,
                 ratings: Any = None) -> None:
        built = self.from_arrays(users, items, timestamps, ratings)
        self.__dict__.update(built.__dict__)

    @classmethod
    def _make(cls, users: np.ndarray, items: np.ndarray, timestamps: np.ndarray | None,
              ratings: np.ndarray | None, rank: np.ndarray, *, dropped: int = 0,
              source: str | None = None) -> Interactions:
        self = object.__new__(cls)
        self.users, self.items = users, items
        self.timestamps, self.ratings = timestamps, ratings
        self._rank = rank  # position of each row in (timestamp, order columns, input) order
        self.dropped, self.source = dropped, source
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        return self

    @classmethod
    def _build(cls, columns: Mapping[str, Any], *, user: str, item: str,
               timestamp: str | None, rating: str | None, order: tuple[str, ...],
               where: _Where) -> Interactions:
        """Convert raw columns (any dtype), drop rows without ids, fix the time order."""
        users, items = _ids(columns[user]), _ids(columns[item])
        keep = (users != "") & (items != "")
        dropped = int(len(keep) - keep.sum())
        if dropped:
            logger.warning("%s: dropped %d of %d rows with an empty user or item",
                           where.source() or "interactions", dropped, len(keep))
            rows = np.flatnonzero(keep)
            where = _Where(where.path, None if where.lines is None
                           else np.asarray(where.lines)[rows], where.what)
            columns = {name: np.asarray(values)[rows] for name, values in columns.items()}
            users, items = users[rows], items[rows]
        times = None if timestamp is None else _floats(
            _object_floats(columns[timestamp]), timestamp, "timestamp", where, dates=True)
        ratings = None if rating is None else _floats(columns[rating], rating, "rating", where)
        keys = [np.arange(len(users))]
        keys += [_sort_key(columns[name], name, where) for name in reversed(order)]
        if times is not None:
            keys.append(times)
        rank = np.empty(len(users), np.int64)
        rank[np.lexsort(keys)] = np.arange(len(users))
        return cls._make(users, items, times, ratings, rank, dropped=dropped,
                         source=where.source())

    # -- constructors -------------------------------------------------------------------------

    @classmethod
    def from_arrays(cls, users: Any, items: Any, timestamps: Any = None,
                    ratings: Any = None) -> Interactions:
        """A log from parallel sequences (ids of any type become ``str``).

        Parameters
        ----------
        users, items
            One id per row.
        timestamps
            Numbers, dates or ISO date strings, or ``None``.
        ratings
            Numbers, or ``None``.
        """
        columns: dict[str, Any] = {"user": users, "item": items}
        if timestamps is not None:
            columns["timestamp"] = timestamps
        if ratings is not None:
            columns["rating"] = ratings
        arrays = {}
        for name, values in columns.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise TypeError(f"Interactions.from_arrays: {name}s must be a sequence, got "
                                f"{type(values).__name__}")
            array_ = np.asarray(values if isinstance(values, np.ndarray) else list(values))
            if array_.ndim != 1:
                raise ValueError(f"Interactions.from_arrays: {name}s must be one value per "
                                 f"row; got an array of shape {array_.shape}")
            arrays[name] = array_
        sizes = {name: len(values) for name, values in arrays.items()}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"Interactions.from_arrays: the columns differ in length: {sizes}")
        return cls._build(arrays, user="user", item="item",
                          timestamp="timestamp" if timestamps is not None else None,
                          rating="rating" if ratings is not None else None, order=(),
                          where=_Where(what="position"))

    @classmethod
    def from_frame(cls, frame: Any, *, user: str = "user", item: str = "item",
                   timestamp: str | None = None, rating: str | None = None,
                   order: str | Sequence[str] | None = None) -> Interactions:
        """A log from a pandas or polars DataFrame, a pyarrow Table, or a ``{column: values}``
        mapping.

        Parameters
        ----------
        frame
            The table. polars frames and pyarrow tables are read through Arrow.
        user, item
            Column names of the user (or session) and item ids.
        timestamp
            Column of times (numbers, dates, datetimes or ISO text), or ``None``.
        rating
            Column of ratings, or ``None``.
        order
            Column(s) that order interactions with equal timestamps.
        """
        roles = cls._roles(user, item, timestamp, rating, order)
        available, get = _table_columns(frame)
        cls._check_columns(roles, available, None)
        columns = {name: get(name) for _, name in roles}
        return cls._build(columns, user=user, item=item, timestamp=timestamp, rating=rating,
                          order=_names(order, "order"), where=_Where())

    @classmethod
    def read(cls, path: str | os.PathLike[str], *, user: str = "user", item: str = "item",
             timestamp: str | None = None, rating: str | None = None,
             order: str | Sequence[str] | None = None, sep: str | None = None,
             names: Sequence[str] | None = None, format: str | None = None) -> Interactions:
        """Read a CSV / TSV / Parquet log.

        Parameters
        ----------
        path
            The file; ``.gz`` / ``.bz2`` / ``.xz`` text files are decompressed.
        user, item
            Column names of the user (or session) and item ids.
        timestamp
            Column of times (numbers, or ISO dates / datetimes), or ``None``.
        rating
            Column of ratings, or ``None``.
        order
            Column(s) that order interactions with equal timestamps (DIGINETICA:
            ``timestamp="eventdate", order=["timeframe"]``).
        sep
            Field separator of a text file; ``None`` guesses among tab, comma, semicolon
            and pipe from the first lines. ``"\\\\t"`` and ``"tab"`` mean a tab.
        names
            Column names of a file without a header line (its first line is data).
        format
            ``"csv"``, ``"tsv"`` or ``"parquet"``; ``None`` decides by the file suffix
            (``.parquet`` / ``.pq`` / ``.parq`` → Parquet, anything else → text).

        Examples
        --------
        MovieLens 100k (tab-separated, no header)::

            Interactions.read("ml-100k/u.data", sep="\\t",
                              names=["user", "item", "rating", "timestamp"],
                              timestamp="timestamp", rating="rating")
        """
        path = Path(path)
        roles = cls._roles(user, item, timestamp, rating, order)
        if format is None:
            stem = path.name.lower()
            format = "parquet" if stem.endswith(_PARQUET_SUFFIXES) else "csv"
        if format not in ("csv", "tsv", "parquet"):
            raise ValueError("The 'format' parameter of Interactions.read must be one of "
                             f"'csv', 'tsv', 'parquet' or None. Got {format!r}.")
        if not path.is_file():
            raise FileNotFoundError(f"no such interaction log: {path}")
        if format == "parquet":
            if sep is not None or names is not None:
                raise ValueError("Interactions.read: sep and names apply to text files, not "
                                 "Parquet")
            return cls._read_parquet(path, roles, user, item, timestamp, rating, order)
        if format == "tsv" and sep is None:
            sep = "\t"
        sep = _check_sep(sep)
        if names is not None:
            names = _names(names, "names")
            if not names:
                raise ValueError("The 'names' parameter of Interactions.read must name the "
                                 "columns. Got [].")
        columns, lines = _read_text(path, sep, names, roles)
        return cls._build(columns, user=user, item=item, timestamp=timestamp, rating=rating,
                          order=_names(order, "order"), where=_Where(path, lines))

    @classmethod
    def _read_parquet(cls, path: Path, roles: list[tuple[str, str]], user: str, item: str,
                      timestamp: str | None, rating: str | None,
                      order: Any) -> Interactions:
        pq = require("pyarrow.parquet", "Reading Parquet interaction logs")
        try:
            available = pq.read_schema(path).names
        except Exception as exc:  # pyarrow raises its own ArrowInvalid on bad files
            raise FormatError(f"not a readable Parquet file ({exc})", path=path) from exc
        cls._check_columns(roles, available, path)
        table = pq.read_table(path, columns=list(dict.fromkeys(name for _, name in roles)))
        _, get = _table_columns(table)
        columns = {name: get(name) for _, name in roles}
        return cls._build(columns, user=user, item=item, timestamp=timestamp, rating=rating,
                          order=_names(order, "order"), where=_Where(path))

    @staticmethod
    def _roles(user: Any, item: Any, timestamp: Any, rating: Any,
               order: Any) -> list[tuple[str, str]]:
        """``(role, column)`` pairs of the columns to read, checked."""
        roles = []
        for role, name, optional in (("user", user, False), ("item", item, False),
                                     ("timestamp", timestamp, True),
                                     ("rating", rating, True)):
            if name is None and optional:
                continue
            if not isinstance(name, str) or not name:
                raise TypeError(f"The {role!r} parameter of Interactions must be a column "
                                f"name{' or None' if optional else ''}. Got {name!r}.")
            roles.append((role, name))
        roles += [("order", name) for name in _names(order, "order")]
        if user == item:
            raise ValueError(f"Interactions: user and item name the same column {user!r}")
        return roles

    @staticmethod
    def _check_columns(roles: list[tuple[str, str]], available: Sequence[str],
                       path: Path | None) -> None:
        for role, name in roles:
            if name not in available:
                found = ", ".join(repr(str(c)) for c in available) or "none"
                hint = (" (a file without a header line needs names=[...])"
                        if path is not None else "")
                raise FormatError(f"no {role} column {name!r}; columns found: {found}{hint}",
                                  path=path)

    # -- what it holds ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.users)

    def __repr__(self) -> str:
        extras = [name for name, values in (("timestamps", self.timestamps),
                                            ("ratings", self.ratings)) if values is not None]
        text = (f"Interactions({len(self):,} interactions, {self.n_users:,} users, "
                f"{self.n_items:,} items")
        text += "".join(f", {e}" for e in extras)
        if self.source:
            text += f", from {self.source!r}"
        return text + ")"

    def _user_codes(self) -> tuple[np.ndarray, list[str]]:
        if "user" not in self._codes:
            self._codes["user"] = _factorize(self.users)
        return self._codes["user"]

    def _item_codes(self) -> tuple[np.ndarray, list[str]]:
        if "item" not in self._codes:
            self._codes["item"] = _factorize(self.items)
        return self._codes["item"]

    @property
    def n_users(self) -> int:
        """Distinct users (or sessions)."""
        return len(self._user_codes()[1])

    @property
    def n_items(self) -> int:
        """Distinct items."""
        return len(self._item_codes()[1])

    def item_counts(self) -> dict[str, int]:
        """Interactions (rows) per item, most frequent first."""
        return dict(Counter(self.items.tolist()).most_common())

    def _subset(self, rows: np.ndarray) -> Interactions:
        """The rows selected by a boolean mask or positions, order kept."""
        times = None if self.timestamps is None else self.timestamps[rows]
        ratings = None if self.ratings is None else self.ratings[rows]
        return self._make(self.users[rows], self.items[rows], times, ratings,
                          self._rank[rows], source=self.source)

    def _time_order(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Row positions grouped by user (first appearance) and in time order within each,
        with the user codes of those rows and the user names."""
        codes, names = self._user_codes()
        order = np.lexsort((self._rank, codes))
        return order, codes[order], names

    # -- views for training -------------------------------------------------------------------

    def sequences(self) -> dict[str, list[str]]:
        """Each user's items in time order (ties: ``order`` columns, then input order).

        Users appear in the order of their first row in the input. Repeated items stay.
        """
        order, codes, names = self._time_order()
        items = self.items[order].tolist()
        bounds = np.flatnonzero(np.diff(codes)) + 1
        starts = [0, *bounds.tolist()]
        ends = [*bounds.tolist(), len(items)]
        return {names[int(codes[s])]: items[s:e] for s, e in zip(starts, ends, strict=True)
                if e > s}

    def baskets(self) -> list[list[str]]:
        """Each user's (or session's) distinct items, in the order first seen.

        The order carries no meaning for set-based training (Item2Vec ``mode="set"``); it is
        fixed only so that runs are reproducible.
        """
        return [list(dict.fromkeys(items)) for items in self.sequences().values()]

    def to_frame(self) -> Any:
        """The log as a pandas DataFrame (columns user, item[, timestamp][, rating])."""
        pd = require("pandas", "Interactions.to_frame")
        data: dict[str, Any] = {"user": self.users, "item": self.items}
        if self.timestamps is not None:
            data["timestamp"] = self.timestamps
        if self.ratings is not None:
            data["rating"] = self.ratings
        return pd.DataFrame(data)

    # -- filtering and splitting --------------------------------------------------------------

    def filter(self, *, min_rating: float | None = None, min_user_interactions: int = 1,
               min_item_interactions: int = 1, core: bool = False) -> Interactions:
        """Keep well-rated interactions of active users and popular-enough items.

        Parameters
        ----------
        min_rating
            Keep rows rated at least this (needs ratings).
        min_user_interactions, min_item_interactions
            Drop users / items with fewer rows (counted after the rating filter).
        core
            ``False``: one pass — user and item counts are both taken on the rating-filtered
            log and rows failing either are dropped, so a user can end with fewer rows than
            ``min_user_interactions`` once rare items are gone. ``True``: repeat that pass
            until nothing changes (the iterative *k-core*): every remaining user then has at
            least ``min_user_interactions`` rows and every item ``min_item_interactions``.
        """
        owner = "Interactions.filter"
        min_user = check_int(min_user_interactions, "min_user_interactions", owner, minimum=1)
        min_item = check_int(min_item_interactions, "min_item_interactions", owner, minimum=1)
        core = check_bool(core, "core", owner)
        keep = np.ones(len(self), bool)
        if min_rating is not None:
            min_rating = check_float(min_rating, "min_rating", owner)
            if self.ratings is None:
                raise ValueError(f"{owner}: min_rating needs ratings; this log has none "
                                 "(read it with rating='column')")
            keep &= self.ratings >= min_rating
        users, _ = self._user_codes()
        items, _ = self._item_codes()
        while True:
            user_counts = np.bincount(users[keep], minlength=users.max(initial=-1) + 1)
            item_counts = np.bincount(items[keep], minlength=items.max(initial=-1) + 1)
            passed = keep & (user_counts[users] >= min_user) & (item_counts[items] >= min_item)
            changed = passed.sum() != keep.sum()
            keep = passed
            if not (core and changed):
                break
        return self._subset(keep)

    def leave_last_out(self, n: int = 1) -> tuple[Interactions, dict[str, list[str]]]:
        """Hold out each user's last ``n`` interactions; see
        :func:`everyvec.data.splits.leave_last_out`."""
        from everyvec.data.splits import leave_last_out

        return leave_last_out(self, n)

    def time_split(self, *, at: Any = None,
                   fraction: float | None = None) -> tuple[Interactions, dict[str, list[str]]]:
        """Split at one moment for everybody; see :func:`everyvec.data.splits.time_split`."""
        from everyvec.data.splits import time_split

        return time_split(self, at=at, fraction=fraction)


# -- reading tables and text -------------------------------------------------------------------

def _table_columns(frame: Any) -> tuple[list[str], Callable[[str], Any]]:
    """The column names of a table-like object and a getter returning array-likes."""
    module = type(frame).__module__.split(".")[0]
    if module == "polars" or (module != "pandas" and hasattr(frame, "to_arrow")
                              and not hasattr(frame, "column")):
        frame = frame.to_arrow()
        module = "pyarrow"
    if module == "pyarrow" and hasattr(frame, "column_names"):
        table = frame
        return list(table.column_names), lambda name: _arrow_values(table.column(name))
    if module == "pandas" and hasattr(frame, "columns"):
        return [str(c) for c in frame.columns], lambda name: frame[name].to_numpy()
    if isinstance(frame, Mapping):
        return [str(c) for c in frame], lambda name: np.asarray(
            list(frame[name]), dtype=object)
    raise TypeError("Interactions.from_frame takes a pandas or polars DataFrame, a pyarrow "
                    f"Table or a mapping of columns; got {type(frame).__name__}")


def _arrow_values(column: Any) -> np.ndarray:
    # Nulls in an integer column come back as NaN floats, which every role handles.
    return column.to_numpy()


def _check_sep(sep: Any) -> str | None:
    if sep in ("\\t", "tab"):
        return "\t"
    if sep is None or (isinstance(sep, str) and len(sep) == 1 and sep not in "\r\n\"'"):
        return sep
    raise ValueError("The 'sep' parameter of Interactions.read must be one character (or "
                     f"'\\t') or None to guess. Got {sep!r}.")


def _open_text(path: Path) -> io.TextIOBase:
    opener = _OPENERS.get(path.suffix.lower())
    if opener is not None:
        return opener(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115


def _sniff(path: Path, head: list[str]) -> str:
    """The separator that splits the first line into > 1 fields and most of the next lines
    into as many (more fields wins a tie; a ragged line later gets its own clear error)."""
    lines = [line for line in head if line.strip()]
    best, best_score = None, (0.5, 1)
    for sep in SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts:
            break
        score = (sum(c == counts[0] for c in counts) / len(counts), counts[0])
        if counts[0] > 1 and score > best_score:
            best, best_score = sep, score
    if best is None:
        raise FormatError("cannot tell the separator from the first lines (tried tab, comma, "
                          "semicolon and pipe); pass sep=", path=path)
    logger.debug("%s: separator %s", path, _SEP_NAMES[best])
    return best


def _read_text(path: Path, sep: str | None, names: tuple[str, ...] | None,
               roles: list[tuple[str, str]]) -> tuple[dict[str, list[str]], array]:
    """The wanted columns of a delimited text file as lists of str, and each row's line."""
    try:
        with _open_text(path) as handle:
            head = list(itertools.islice(handle, _SNIFF_LINES))
            if sep is None:
                sep = _sniff(path, head)
            reader = csv.reader(itertools.chain(head, handle), delimiter=sep)
            header = list(names) if names is not None else None
            header_line = 0
            if header is None:
                for row in reader:
                    if any(field.strip() for field in row):
                        header = [field.strip() for field in row]
                        header_line = reader.line_num
                        break
                else:
                    raise FormatError("the file is empty (no header line)", path=path)
            wanted = list(dict.fromkeys(name for _, name in roles))
            for role, name in roles:
                if name not in header:
                    found = ", ".join(repr(c) for c in header)
                    hint = ("; a file without a header line needs names=[...]"
                            if names is None else "")
                    raise FormatError(f"no {role} column {name!r}; columns found: {found}"
                                      f"{hint}", path=path, line=header_line or None)
            positions = [header.index(name) for name in wanted]
            width = len(header)
            columns: list[list[str]] = [[] for _ in wanted]
            lines = array("q")
            for row in reader:
                if len(row) != width:
                    if not any(field.strip() for field in row):
                        continue  # blank line
                    raise FormatError(f"expected {width} fields separated by "
                                      f"{_SEP_NAMES.get(sep, repr(sep))}, found {len(row)}",
                                      path=path, line=reader.line_num)
                for column, position in zip(columns, positions, strict=True):
                    column.append(row[position])
                lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start} of a block)",
                          path=path) from exc
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", path=path) from exc
    return dict(zip(wanted, columns, strict=True)), lines
