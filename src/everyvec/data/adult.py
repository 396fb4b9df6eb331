"""UCI Adult (census income, Kohavi 1996): the official train/test split as a pandas DataFrame.

The files are plain text with quirks every reader trips over once: ``", "`` separates the 15
fields, there is no header, a missing value is the literal ``?``, ``adult.test`` starts with
the junk line ``|1x3 Cross validator`` and its labels end in a period (``>50K.``), and
``adult.data`` ends with an empty line. :func:`load_adult` handles all of them and checks every
row, so a damaged file fails with its name and line number instead of a shifted column.

The frame has the 14 feature columns (:data:`FEATURES`: :data:`CATEGORICAL` as ``str`` with
missing values as ``None``, :data:`NUMERIC` as ``int64``), ``income`` (``"<=50K"`` or
``">50K"``, the same spelling in both splits) and the target ``over_50k`` (``bool``). Remember
to leave ``income`` out of the inputs of a model that predicts ``over_50k``.
"""

from __future__ import annotations

import os
from typing import Any

from everyvec._optional import require
from everyvec.datasets import split_file
from everyvec.errors import FormatError

__all__ = ["CATEGORICAL", "FEATURES", "NUMERIC", "TARGET", "load_adult"]

#: Feature columns in file order.
FEATURES = ("age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
            "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
            "hours_per_week", "native_country")
#: The integer features.
NUMERIC = ("age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week")
#: The string features (``None`` where the file has ``?``).
CATEGORICAL = tuple(c for c in FEATURES if c not in NUMERIC)
#: The boolean target column: income above 50K dollars a year.
TARGET = "over_50k"

_FILES = {"train": "adult.data", "test": "adult.test"}
_LABELS = {"<=50K": False, ">50K": True}
_N_FIELDS = len(FEATURES) + 1


def load_adult(split: str = "train", *, path: str | os.PathLike[str] | None = None) -> Any:
    """One split of UCI Adult as a pandas DataFrame.

    Parameters
    ----------
    split
        ``"train"`` (``adult.data``, 32,561 rows) or ``"test"`` (``adult.test``, 16,281 rows).
    path
        The ``adult.data`` / ``adult.test`` file itself, or a folder holding it. Default: the
        registered dataset ``"adult"`` (``everyvec.datasets.path("adult", ...)``: the data
        mirror named by ``$EVERYVEC_DATA``, then the cache; nothing is downloaded).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FEATURES`, ``income`` and ``over_50k``, one row per record in file
        order.

    Raises
    ------
    FormatError
        A row without 15 fields, a number that is not an integer, or an unknown label (the
        message names the file and the line).
    DatasetError
        ``path`` is None and the dataset is nowhere local.

    Examples
    --------
    >>> from everyvec.data import load_adult  # doctest: +SKIP
    >>> train = load_adult("train")           # doctest: +SKIP
    >>> train["over_50k"].mean()              # doctest: +SKIP
    0.2408...
    """
    if not isinstance(split, str) or split not in _FILES:
        raise ValueError(f"The 'split' parameter of load_adult must be 'train' or 'test'. "
                         f"Got {split!r}.")
    pd = require("pandas", "load_adult")
    file = split_file("adult", _FILES[split], split, path, "load_adult")
    columns: dict[str, list[Any]] = {name: [] for name in (*FEATURES, "income")}
    numeric = set(NUMERIC)
    with open(file, encoding="ascii", errors="strict", newline="") as handle:
        try:
            lines = handle.read().split("\n")
        except UnicodeDecodeError as exc:
            raise FormatError(f"not ASCII text ({exc.reason})", path=file,
                              offset=exc.start) from None
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("|"):
            continue  # empty lines and the test file's "|1x3 Cross validator" comment
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != _N_FIELDS:
            raise FormatError(f"expected {_N_FIELDS} comma-separated fields (14 features and "
                              f"the income label), found {len(fields)}", path=file,
                              line=number)
        for name, value in zip(FEATURES, fields, strict=False):
            if name in numeric:
                try:
                    columns[name].append(int(value))
                except ValueError:
                    raise FormatError(f"column {name!r} must be an integer, found {value!r}",
                                      path=file, line=number) from None
            else:
                columns[name].append(None if value == "?" else value)
        label = fields[-1].removesuffix(".")
        if label not in _LABELS:
            raise FormatError(f"the income label must be '<=50K' or '>50K' (a trailing '.' "
                              f"is allowed), found {fields[-1]!r}", path=file, line=number)
        columns["income"].append(label)
    if not columns["income"]:
        raise FormatError("no data rows", path=file)
    frame = pd.DataFrame({name: (pd.Series(values, dtype="int64") if name in numeric
                                 else pd.Series(values, dtype=object))
                          for name, values in columns.items()})
    frame[TARGET] = frame["income"].map(_LABELS).astype(bool)
    return frame

