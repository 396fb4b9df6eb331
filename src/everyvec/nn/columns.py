"""Tables → arrays for the tabular models: category codes with an UNK row, standardised numbers.

:class:`TableEncoder` learns, from a training table, one vocabulary per categorical column and
the mean and spread of every numeric column; :meth:`TableEncoder.transform` then turns any table
with those columns into an ``int64`` code matrix (the rows of per-column embedding tables) and a
``float32`` matrix of standardised numbers. Both the entity embedder and the CTR models read
tables through it, so a category unseen in training means the same thing everywhere: code 0,
the ``"<unk>"`` row.

Tables may be pandas or polars DataFrames, pyarrow Tables or ``{column: values}`` mappings;
neither pandas nor polars is imported unless the caller passes one of its frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from everyvec._checks import check_int, check_names
from everyvec.data._columns import ids_of, is_null
from everyvec.data._reading import table_columns

__all__ = ["MISSING", "UNK", "EncodedTable", "TableEncoder", "as_target", "column_array"]

UNK = "<unk>"
MISSING = "<missing>"


@dataclass
class EncodedTable:
    """A table as model inputs.

    Attributes
    ----------
    codes
        ``(rows, categorical columns)`` int64; column ``j`` indexes
        ``categories_[categorical_[j]]`` (0 is UNK).
    numeric
        ``(rows, numeric columns)`` float32, standardised with the training mean and scale.
    """

    codes: np.ndarray
    numeric: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)


def column_array(frame: Any, name: str, owner: str) -> np.ndarray:
    """Column ``name`` of a table as a 1-D numpy array; a clear error when it is absent."""
    names, get = table_columns(frame, owner)
    if name not in names:
        raise KeyError(f"{owner}: the table has no column {name!r}; its columns are "
                       f"{_listing(names)}")
    return np.asarray(get(name))


def as_target(values: Any, owner: str) -> np.ndarray:
    """A target given as an array, list, pandas Series or polars Series → a 1-D numpy array."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{owner}: the target must be one value per row (1-D); got shape "
                         f"{array.shape}")
    return array


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(map(repr, names[:limit]))
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _looks_numeric(values: np.ndarray) -> bool:
    """True for number columns (bool is a category: two values, no order worth standardising)."""
    if values.dtype.kind in "iuf":
        return True
    if values.dtype.kind != "O":
        return False
    seen = False
    for v in values.tolist():
        if is_null(v):
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            return False
        seen = True
    return seen


def _category_texts(values: np.ndarray) -> np.ndarray:
    """Category values compared as text; missing (None, NaN, NA, '') → ``"<missing>"``."""
    texts = ids_of(values)
    texts[texts == ""] = MISSING
    return texts


class TableEncoder:
    """Categorical columns → codes (0 = UNK), numeric columns → standardised floats.

    Parameters
    ----------
    categorical, numeric
        Column names. When both are None, every column (but ``exclude``) is used and sorted
        by kind: numbers (int, float) are numeric, anything else (strings, bools,
        categoricals) categorical. When one list is given, the other defaults to the
        remaining columns of its kind.
    min_count
        Categories seen fewer times in the training table share the UNK row (and so train
        it, which gives unseen categories a learned vector rather than a random one).
    owner
        Name used in error messages (the estimator that owns the encoder).

    Attributes
    ----------
    categorical_, numeric_
        The columns used, in model order.
    categories_
        Per categorical column, its categories by code: ``"<unk>"`` first, then by falling
        count (ties by text).
    counts_
        Per categorical column, training rows per code (UNK counts the rare categories).
    cardinalities_
        ``len(categories_[c])`` per categorical column.
    mean_, scale_
        Training mean and standard deviation per numeric column (a constant column gets
        scale 1); missing numbers are replaced by the mean, i.e. 0 after scaling.
    """

    def __init__(self, categorical: Sequence[str] | None = None,
                 numeric: Sequence[str] | None = None, *, min_count: int = 1,
                 owner: str = "TableEncoder") -> None:
        self.categorical = categorical
        self.numeric = numeric
        self.min_count = min_count
        self.owner = owner

    # -- fitting -------------------------------------------------------------------------

    def fit(self, frame: Any, *, exclude: Iterable[str] = ()) -> TableEncoder:
        """Learn vocabularies and scales from ``frame`` (``exclude``: e.g. the target)."""
        o = self.owner
        check_int(self.min_count, "min_count", o, minimum=1)
        names, get = table_columns(frame, o)
        excluded = set(exclude)
        categorical = self._column_list(self.categorical, "categorical", names)
        numeric = self._column_list(self.numeric, "numeric", names)
        both = set(categorical or ()) & set(numeric or ())
        if both:
            raise ValueError(f"{o}: columns {sorted(both)} are listed as both categorical and "
                             "numeric")
        if categorical is None or numeric is None:
            listed = set(categorical or ()) | set(numeric or ()) | excluded
            rest = [n for n in names if n not in listed]
            kinds = {n: _looks_numeric(np.asarray(get(n))) for n in rest}
            if categorical is None:
                categorical = [n for n in rest if not kinds[n]]
            if numeric is None:
                numeric = [n for n in rest if kinds[n]]
        if not categorical and not numeric:
            raise ValueError(f"{o}: no feature column; the table has {_listing(names)}")
        n_rows = None
        categories, counts = {}, {}
        for name in categorical:
            texts = _category_texts(np.asarray(get(name)))
            n_rows = len(texts)
            values, count = np.unique(texts, return_counts=True)
            keep = count >= self.min_count
            order = np.lexsort((values[keep], -count[keep]))
            kept = [str(v) for v in values[keep][order]]
            categories[name] = [UNK, *kept]
            counts[name] = np.concatenate([[count[~keep].sum()], count[keep][order]])
        means, scales = [], []
        for name in numeric:
            numbers = self._numbers(get(name), name)
            n_rows = len(numbers)
            finite = numbers[~np.isnan(numbers)]
            if not len(finite):
                raise ValueError(f"{o}: numeric column {name!r} has no value (all missing)")
            spread = float(finite.std())
            means.append(float(finite.mean()))
            scales.append(spread if spread > 0 else 1.0)
        if not n_rows:
            raise ValueError(f"{o}: the training table has no row")
        self.categorical_, self.numeric_ = list(categorical), list(numeric)
        self.categories_ = categories
        self.counts_ = counts
        self.cardinalities_ = [len(categories[c]) for c in categorical]
        self.mean_ = np.array(means, np.float64)
        self.scale_ = np.array(scales, np.float64)
        self._lookup = {c: {v: i for i, v in enumerate(categories[c])} for c in categorical}
        return self

    def _column_list(self, value: Any, name: str, names: list[str]) -> list[str] | None:
        columns = check_names(value, name, self.owner)
        if columns is None:
            return None
        missing = [c for c in columns if c not in names]
        if missing:
            raise KeyError(f"{self.owner}: {name} columns {missing} are not in the table; its "
                           f"columns are {_listing(names)}")
        return columns

    def _numbers(self, values: Any, name: str) -> np.ndarray:
        """A numeric column as float64 with NaN for missing; bad text names its row."""
        array = np.asarray(values)
        if array.dtype.kind in "iufb":
            numbers = array.astype(np.float64)
        else:
            numbers = np.empty(len(array), np.float64)
            for row, v in enumerate(array.tolist()):
                if is_null(v):
                    numbers[row] = math.nan
                    continue
                try:
                    numbers[row] = float(v)
                except (TypeError, ValueError):
                    raise ValueError(f"{self.owner}: numeric column {name!r} row {row} holds "
                                     f"{v!r}, not a number") from None
        bad = np.flatnonzero(np.isinf(numbers))
        if len(bad):
            raise ValueError(f"{self.owner}: numeric column {name!r} row {bad[0]} is "
                             f"{numbers[bad[0]]}; expected a finite number or a missing value")
        return numbers

    # -- using it ------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "categories_"):
            raise RuntimeError(f"{self.owner}: the table encoder is not fitted")

    def transform(self, frame: Any) -> EncodedTable:
        """Codes and standardised numbers of ``frame`` (extra columns are ignored)."""
        self._check_fitted()
        names, get = table_columns(frame, self.owner)
        missing = [c for c in (*self.categorical_, *self.numeric_) if c not in names]
        if missing:
            raise KeyError(f"{self.owner}: the table lacks the training columns {missing}; it "
                           f"has {_listing(names)}")
        columns, n_rows = [], None
        for name in self.categorical_:
            texts = _category_texts(np.asarray(get(name)))
            values, inverse = np.unique(texts, return_inverse=True)
            lookup = self._lookup[name]
            code_of = np.array([lookup.get(str(v), 0) for v in values], np.int64)
            columns.append(code_of[inverse.reshape(-1)])
            n_rows = len(texts)
        numbers = []
        for j, name in enumerate(self.numeric_):
            x = self._numbers(get(name), name)
            x = np.where(np.isnan(x), 0.0, (x - self.mean_[j]) / self.scale_[j])
            numbers.append(x)
            n_rows = len(x)
        n_rows = n_rows or 0
        codes = (np.stack(columns, axis=1) if columns
                 else np.zeros((n_rows, 0), np.int64))
        numeric = (np.stack(numbers, axis=1).astype(np.float32) if numbers
                   else np.zeros((n_rows, 0), np.float32))
        return EncodedTable(codes, numeric)

    def fit_transform(self, frame: Any, *, exclude: Iterable[str] = ()) -> EncodedTable:
        """:meth:`fit` then :meth:`transform` on the same table."""
        return self.fit(frame, exclude=exclude).transform(frame)

    # -- saving --------------------------------------------------------------------------

    def to_config(self) -> dict[str, Any]:
        """Everything the fitted encoder knows, as JSON-ready values."""
        self._check_fitted()
        return {"categorical": self.categorical_, "numeric": self.numeric_,
                "min_count": int(self.min_count), "categories": self.categories_,
                "counts": {c: [int(n) for n in v] for c, v in self.counts_.items()},
                "mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_config(cls, config: dict[str, Any], owner: str = "TableEncoder") -> TableEncoder:
        """The encoder :meth:`to_config` described; ``ValueError`` when it is inconsistent."""
        try:
            categorical = [str(c) for c in config["categorical"]]
            numeric = [str(c) for c in config["numeric"]]
            categories = {c: [str(v) for v in config["categories"][c]] for c in categorical}
            counts = {c: np.array(config["counts"][c], np.int64) for c in categorical}
            mean = np.array(config["mean"], np.float64)
            scale = np.array(config["scale"], np.float64)
            min_count = int(config["min_count"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{owner}: the saved table encoder is incomplete ({exc!r})") from None
        if (len(mean) != len(numeric) or len(scale) != len(numeric)
                or any(not v or v[0] != UNK or len(counts[c]) != len(v)
                       for c, v in categories.items()) or not np.all(scale > 0)):
            raise ValueError(f"{owner}: the saved table encoder is inconsistent")
        encoder = cls(categorical, numeric, min_count=min_count, owner=owner)
        encoder.categorical_, encoder.numeric_ = categorical, numeric
        encoder.categories_, encoder.counts_ = categories, counts
        encoder.cardinalities_ = [len(categories[c]) for c in categorical]
        encoder.mean_, encoder.scale_ = mean, scale
        encoder._lookup = {c: {v: i for i, v in enumerate(categories[c])} for c in categorical}
        return encoder
