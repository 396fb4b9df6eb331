"""Reading the columns of an interaction log from delimited text or from a table object.

Text goes through Python's :mod:`csv` (double-quote quoting, one header line unless ``names``
is given); compression is recognised by magic bytes; the separator is guessed from the first
lines among tab, comma, semicolon and pipe when not given. Tables are pandas or polars
DataFrames, pyarrow Tables or mappings of columns.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._compressed import open_input
from everyvec.errors import FormatError

logger = logging.getLogger("everyvec.data.interactions")

#: Separators tried, in this order of preference, when ``sep`` is not given.
SEPARATORS = ("\t", ",", ";", "|")
_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
_SNIFF_LINES = 50


# -- reading tables and text -------------------------------------------------------------------

def table_columns(frame: Any, owner: str = "Interactions.from_frame"
                  ) -> tuple[list[str], Callable[[str], Any]]:
    """The column names of a table-like object and a getter returning array-likes.

    ``owner`` names the caller in the error for an object that is not a table.
    """
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
    raise TypeError(f"{owner} takes a pandas or polars DataFrame, a pyarrow Table or a "
                    f"mapping of columns; got {type(frame).__name__}")


def _arrow_values(column: Any) -> np.ndarray:
    # Nulls in an integer column come back as NaN floats, which every role handles.
    return column.to_numpy()


def check_sep(sep: Any) -> str | None:
    if sep in ("\\t", "tab"):
        return "\t"
    if sep is None or (isinstance(sep, str) and len(sep) == 1 and sep not in "\r\n\"'"):
        return sep
    raise ValueError("The 'sep' parameter of Interactions.read must be one character (or "
                     f"'\\t') or None to guess. Got {sep!r}.")


@contextmanager
def _open_text(path: Path) -> Iterator[io.TextIOBase]:
    with open_input(path, buffered=True) as (stream, _):
        yield io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


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


def read_text(path: Path, sep: str | None, names: tuple[str, ...] | None,
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
