"""Parsing whole lines of a word2vec-style text file into rows of a float32 matrix.

The grammar, shared by every parser here and by the numba kernel in
:mod:`everyvec.kernels.textparse`:

* A line ends at ``\\n``; trailing spaces, tabs, ``\\r``, ``\\v`` and ``\\f`` are ignored, and a
  line holding nothing else is skipped.
* The key is everything before the first space (it may be empty, as gensim allows).
* Then exactly ``dim`` values, separated by runs of spaces or tabs (gensim accepts single
  spaces only; more is tolerated here because it cannot make the result ambiguous).
* Each value is what Python's ``float()`` accepts, rounded to float32 as
  ``np.float32(float(token))`` — which is what gensim does.
* NaN and infinity (including a finite value too large for float32) are refused unless
  ``allow_nonfinite``.

:func:`parse_python` is the reference: short, obviously correct and slow (one ``float()`` per
value). :func:`parse_numpy` checks with a few vectorised passes that a block has the plain
shape almost every file has (one space between fields, only ``\\n`` or ``\\r\\n`` line ends,
digits-and-signs values) and then parses all its values with one call into NumPy's C parser;
a block that is not plain — or that has an error — is handed to the reference, which also
writes every error message.

Each parser fills ``out[row:]`` from the lines of ``buf[start:stop]`` (``stop`` is just after a
newline) until ``max_row`` and returns a :class:`Parsed`.
"""

from __future__ import annotations

import os
import warnings
from typing import NamedTuple

import numpy as np

from everyvec.errors import FormatError

__all__ = ["Parsed", "parse_python", "parse_numpy", "parse_values", "WHITESPACE"]

#: Bytes that separate values and that are stripped from line ends.
WHITESPACE = b" \t\r\x0b\x0c"

# Bytes a value of a plain block may contain (after the keys are blanked out).
_PLAIN = np.zeros(256, dtype=bool)
_PLAIN[np.frombuffer(b"0123456789.eE+- \r\n", dtype=np.uint8)] = True


class Parsed(NamedTuple):
    """What a parser consumed: where it stopped and where the keys of the new rows lie."""

    pos: int
    """Buffer index of the first byte not consumed (a line start)."""
    row: int
    """Next row of ``out`` to fill."""
    line: int
    """1-based file line number of the line at ``pos``."""
    key_starts: np.ndarray
    """Buffer index where each new row's key starts."""
    key_ends: np.ndarray
    """Buffer index just after each new row's key."""
    key_lines: np.ndarray
    """1-based line number of each new row."""


def _show(token: bytes, width: int = 40) -> str:
    text = token.decode("utf-8", "backslashreplace")
    return repr(text if len(text) <= width else text[:width] + "…")


def parse_values(
    content: bytes,
    dim: int,
    line: int,
    *,
    allow_nonfinite: bool,
    path: str | os.PathLike[str] | None,
) -> tuple[int, np.ndarray]:
    """Parse one non-blank, right-stripped line: ``(key_length, float32 row)``.

    Raises :class:`~everyvec.FormatError` naming ``line`` for a wrong number of values, a
    value that is not a number, and (unless ``allow_nonfinite``) NaN or infinity.
    """
    space = content.find(b" ")
    tokens = content[space + 1:].split() if space >= 0 else []
    if len(tokens) != dim:
        found = "no space after the key" if space < 0 else f"{len(tokens)} values"
        raise FormatError(
            f"expected a key and {dim} values separated by spaces, found {found}",
            path=path, line=line,
        )
    values = np.empty(dim, dtype=np.float64)
    for i, token in enumerate(tokens):
        try:
            values[i] = float(token)
        except ValueError:
            raise FormatError(
                f"value {i + 1} of {dim} is not a number: {_show(token)}", path=path, line=line
            ) from None
    with np.errstate(over="ignore", invalid="ignore"):
        row = values.astype(np.float32)
    if not allow_nonfinite:
        bad = np.flatnonzero(~np.isfinite(row))
        if bad.size:
            i = int(bad[0])
            why = ("is too large for float32" if np.isfinite(values[i])
                   else "is not a finite number")
            raise FormatError(
                f"value {i + 1} of {dim} ({_show(tokens[i])}) {why}; NaN and infinity are "
                "refused unless allow_nonfinite=True",
                path=path, line=line,
            )
    return space, row


def parse_python(
    buf: bytes | bytearray,
    start: int,
    stop: int,
    dim: int,
    out: np.ndarray,
    row: int,
    max_row: int,
    line: int,
    *,
    allow_nonfinite: bool = False,
    path: str | os.PathLike[str] | None = None,
) -> Parsed:
    """The reference parser: line by line, one ``float()`` per value."""
    starts: list[int] = []
    ends: list[int] = []
    lines: list[int] = []
    pos = start
    while pos < stop and row < max_row:
        newline = buf.find(b"\n", pos, stop)
        if newline < 0:
            newline = stop
        content = bytes(buf[pos:newline]).rstrip(WHITESPACE)
        if content:
            key_length, out[row] = parse_values(
                content, dim, line, allow_nonfinite=allow_nonfinite, path=path
            )
            starts.append(pos)
            ends.append(pos + key_length)
            lines.append(line)
            row += 1
        pos = newline + 1
        line += 1
    return Parsed(pos, row, line, np.array(starts, dtype=np.int64),
                  np.array(ends, dtype=np.int64), np.array(lines, dtype=np.int64))


def parse_numpy(
    arr: np.ndarray,
    buf: bytes | bytearray,
    start: int,
    stop: int,
    dim: int,
    out: np.ndarray,
    row: int,
    max_row: int,
    line: int,
    *,
    allow_nonfinite: bool = False,
    path: str | os.PathLike[str] | None = None,
) -> Parsed:
    """Vectorised parser for plain blocks; any other block goes to :func:`parse_python`.

    ``arr`` is a uint8 view of ``buf``.
    """
    plain = _parse_plain(arr, start, stop, dim, out, row, max_row, line)
    if plain is not None:
        return plain
    return parse_python(buf, start, stop, dim, out, row, max_row, line,
                        allow_nonfinite=allow_nonfinite, path=path)


def _parse_plain(
    arr: np.ndarray, start: int, stop: int, dim: int, out: np.ndarray, row: int,
    max_row: int, line: int,
) -> Parsed | None:
    """Parse ``arr[start:stop]`` if every line is ``key SP v SP … v [SP] [CR] LF``, else None.

    Every check below is needed for the one ``np.fromstring`` call at the end to give exactly
    the reference result: it sees the values of all lines as one whitespace-separated list,
    so the line structure is proven first, and the value alphabet is restricted so that each
    token that parses is parsed whole by the same routine as ``float()``.
    """
    block = arr[start:stop]
    newlines = np.flatnonzero(block == 10)
    n = min(newlines.size, max_row - row)
    if n <= 0:
        return None
    if n < newlines.size:
        block = block[:newlines[n - 1] + 1]
        newlines = newlines[:n]
    # Control bytes: only LF, and CR right before LF.
    controls = int(np.count_nonzero(block < 32))
    line_ends = newlines
    if controls != n:
        cr_before_lf = block[newlines - 1] == 13 if newlines[0] > 0 else None
        if cr_before_lf is None:
            return None
        if controls != n + int(np.count_nonzero(block == 13)) or controls != n + int(
                np.count_nonzero(cr_before_lf)):
            return None
        line_ends = newlines - cr_before_lf
    line_starts = np.empty(n, dtype=np.int64)
    line_starts[0] = 0
    line_starts[1:] = newlines[:-1] + 1
    first = block[line_starts]
    if np.any((first == 32) | (first == 10) | (first == 13)):
        return None  # an empty key or a blank line
    spaces = np.flatnonzero(block == 32)
    if spaces.size == 0 or np.any(np.diff(spaces) == 1):
        return None
    trailing = block[line_ends - 1] == 32
    per_line = np.diff(np.searchsorted(spaces, newlines), prepend=0)
    if np.any(per_line != dim + trailing):
        return None
    key_ends = spaces[np.searchsorted(spaces, line_starts)]
    # Blank out the keys, then check the value alphabet and parse everything at once.
    key_lengths = key_ends - line_starts
    total = int(key_lengths.sum())
    offsets = np.repeat(line_starts - (np.cumsum(key_lengths) - key_lengths), key_lengths)
    blanked = block.copy()
    blanked[offsets + np.arange(total)] = 32
    if not _PLAIN[blanked].all():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.fromstring(blanked.tobytes(), dtype=np.float32, sep=" ")
    except ValueError:
        return None
    if values.size != n * dim or not np.isfinite(values).all():
        return None
    out[row:row + n] = values.reshape(n, dim)
    return Parsed(
        start + block.size, row + n, line + n,
        start + line_starts, start + key_ends, line + np.arange(n, dtype=np.int64),
    )
