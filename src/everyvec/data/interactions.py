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

import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._checks import check_bool, check_float, check_int
from everyvec._optional import require
from everyvec.data._columns import (
    Where,
    column_names,
    factorize,
    floats_of,
    ids_of,
    object_floats,
    sort_key,
)
from everyvec.data._reading import check_sep, read_text, table_columns
from everyvec.errors import FormatError

__all__ = ["Interactions"]

logger = logging.getLogger(__name__)

_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


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
               where: Where) -> Interactions:
        """Convert raw columns (any dtype), drop rows without ids, fix the time order."""
        users, items = ids_of(columns[user]), ids_of(columns[item])
        keep = (users != "") & (items != "")
        dropped = int(len(keep) - keep.sum())
        if dropped:
            logger.warning("%s: dropped %d of %d rows with an empty user or item",
                           where.source() or "interactions", dropped, len(keep))
            rows = np.flatnonzero(keep)
            where = Where(where.path, None if where.lines is None
                           else np.asarray(where.lines)[rows], where.what)
            columns = {name: np.asarray(values)[rows] for name, values in columns.items()}
            users, items = users[rows], items[rows]
        times = None if timestamp is None else floats_of(
            object_floats(columns[timestamp]), timestamp, "timestamp", where, dates=True)
        ratings = None if rating is None else floats_of(columns[rating], rating, "rating", where)
        keys = [np.arange(len(users))]
        keys += [sort_key(columns[name], name, where) for name in reversed(order)]
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
                          where=Where(what="position"))

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
        available, get = table_columns(frame)
        cls._check_columns(roles, available, None)
        columns = {name: get(name) for _, name in roles}
        return cls._build(columns, user=user, item=item, timestamp=timestamp, rating=rating,
                          order=column_names(order, "order"), where=Where())

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
        sep = check_sep(sep)
        if names is not None:
            names = column_names(names, "names")
            if not names:
                raise ValueError("The 'names' parameter of Interactions.read must name the "
                                 "columns. Got [].")
        columns, lines = read_text(path, sep, names, roles)
        return cls._build(columns, user=user, item=item, timestamp=timestamp, rating=rating,
                          order=column_names(order, "order"), where=Where(path, lines))

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
        _, get = table_columns(table)
        columns = {name: get(name) for _, name in roles}
        return cls._build(columns, user=user, item=item, timestamp=timestamp, rating=rating,
                          order=column_names(order, "order"), where=Where(path))

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
        roles += [("order", name) for name in column_names(order, "order")]
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
            self._codes["user"] = factorize(self.users)
        return self._codes["user"]

    def _item_codes(self) -> tuple[np.ndarray, list[str]]:
        if "item" not in self._codes:
            self._codes["item"] = factorize(self.items)
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
