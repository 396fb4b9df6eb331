"""Column values of an interaction log: ids as text, numbers and times as float64, with errors
that point at the file line (or table row) of a bad value.

Ids are text: integers become their decimal text (``5`` and ``5.0`` → ``"5"``), surrounding
spaces are stripped, and any non-empty text is an id. Timestamps are seconds: numbers as they
are, dates and datetimes (ISO text, ``datetime64``, ``datetime``) as seconds since 1970-01-01
UTC, a time without a zone read as UTC.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from everyvec.errors import FormatError

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


# -- locating bad values ---------------------------------------------------------------------

class Where:
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

def is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        type(value).__name__ in ("NAType", "NaTType"))


def id_text(value: Any) -> str:
    """One id as text ('' for a missing one)."""
    if isinstance(value, str):
        return value.strip()
    if is_null(value):
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8").strip()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def ids_of(values: Any) -> np.ndarray:
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
    return np.fromiter((id_text(v) for v in arr.tolist()), dtype=object, count=len(arr))


def number_of(value: Any) -> float | None:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def seconds_of(value: Any) -> float | None:
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


def floats_of(values: Any, column: str, role: str, where: Where, *,
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
        text = np.asarray([("" if is_null(v) else str(v).strip()) for v in arr.tolist()],
                          dtype=str) if arr.dtype.kind == "O" else np.char.strip(arr.astype(str))
        empty = np.flatnonzero(text == "")
        if len(empty):
            raise missing_at(int(empty[0]))
        # Parse each distinct value once: dates repeat a lot, and errors point at a row.
        uniques, inverse = np.unique(text, return_inverse=True)
        parsed: list[float | None] = [number_of(v) for v in uniques.tolist()]
        if dates and any(v is None for v in parsed):
            stamps = [seconds_of(v) for v in uniques.tolist()]
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


def object_floats(values: Any) -> Any:
    """datetime / Timestamp objects (tz-aware pandas columns) → seconds; others unchanged."""
    arr = np.asarray(values)
    if arr.dtype.kind != "O" or not len(arr):
        return arr
    sample = next((v for v in arr.tolist() if not is_null(v)), None)
    if isinstance(sample, (dt.date, np.datetime64)):
        return np.asarray([np.nan if is_null(v) else seconds_of(v) for v in arr.tolist()],
                          dtype=np.float64)
    return arr


def sort_key(values: Any, column: str, where: Where) -> np.ndarray:
    """A tie-break column as sortable numbers: numbers and dates by value, else text."""
    try:
        return floats_of(object_floats(values), column, "order", where, dates=True)
    except FormatError:
        text = np.asarray([id_text(v) for v in np.asarray(values).tolist()], dtype=str)
        return np.unique(text, return_inverse=True)[1].reshape(-1).astype(np.float64)


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes in order of first appearance, and the distinct values."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values.tolist()),
                        dtype=np.int64, count=len(values))
    return codes, list(index)


def column_names(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise TypeError(f"The {name!r} parameter of Interactions must be a column name or a list "
                    f"of column names. Got {value!r}.")
