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
value). :func:`parse_numpy` proves with a few vectorised passes that a block has the plain
shape almost every file has (one space between fields, ``\\n`` or ``\\r\\n`` line ends) and
then parses all its values at once through NumPy's C integer parser (see
:func:`_parse_tokens`); a block that is not plain — or that has an error — is handed to the
reference, which also writes every error message.

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

    The line structure is proven with a few vectorised passes; then every value is split
    into integer parts — the mantissa digits with the point removed and, after an ``e``, the
    exponent — which one ``np.fromstring(..., dtype=int64)`` call parses several times faster
    than any float parser, and each value is rebuilt exactly as ``m * 10**e`` or
    ``m / 10**-e`` (see :mod:`everyvec.kernels.textparse` for why that equals ``float()``).
    Tokens off that exact path go through ``float()``; anything wrong returns None so that
    the reference parser can name the line.
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
        if newlines[0] == 0:
            return None
        cr_before_lf = block[newlines - 1] == 13
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
    # Now each line is: key, then dim times (one space, a non-empty token), maybe one space.
    if trailing.any():
        keep = np.ones(spaces.size, dtype=bool)
        keep[np.searchsorted(spaces, line_ends[trailing] - 1)] = False
        spaces = spaces[keep]
    before = spaces.reshape(n, dim)  # the space before each value
    key_ends = before[:, 0].copy()
    starts = (before + 1).ravel()
    ends = np.empty((n, dim), dtype=np.int64)
    ends[:, :-1] = before[:, 1:]
    ends[:, -1] = line_ends - trailing
    ends = ends.ravel()
    # Blank out the keys and check the value alphabet.
    key_lengths = key_ends - line_starts
    offsets = np.repeat(line_starts - (np.cumsum(key_lengths) - key_lengths), key_lengths)
    blanked = block.copy()
    blanked[offsets + np.arange(int(key_lengths.sum()))] = 32
    values = _parse_tokens(block, blanked, starts, ends)
    if values is None:
        return None
    out[row:row + n] = values.reshape(n, dim)
    return Parsed(
        start + block.size, row + n, line + n,
        start + line_starts, start + key_ends, line + np.arange(n, dtype=np.int64),
    )


_POW10 = np.array([10.0**i for i in range(23)], dtype=np.float64)  # all exact in float64
_SPLIT_EXPONENT = bytes.maketrans(b"eE", b"  ")


def _parse_tokens(block: np.ndarray, blanked: np.ndarray, starts: np.ndarray,
                  ends: np.ndarray) -> np.ndarray | None:
    """float32 values of the tokens ``block[starts[i]:ends[i]]``, or None if one is bad.

    ``blanked`` is ``block`` with every byte outside the tokens a space. None means a token
    is malformed or not finite in float32 (the reference parser then explains which).
    The work is a handful of passes over the tokens; rare shapes (exponents, tokens without
    a point, long mantissas) cost extra passes only when present.
    """
    count = starts.size
    text = blanked.tobytes()
    # The integer parser accepts only digits, signs and whitespace: that is the check that
    # the tokens hold nothing else once the point is removed and exponent markers split off.
    exps = _find_all(text, b"e", b"E")
    text = text.translate(_SPLIT_EXPONENT if exps.size else None, b".")
    try:
        with warnings.catch_warnings():
            # Older NumPy warns and returns what it read so far where NumPy 2 raises.
            warnings.simplefilter("error", DeprecationWarning)
            integers = np.fromstring(text, dtype=np.int64, sep=" ")
    except (ValueError, DeprecationWarning):
        return None
    if integers.size == 1 and not any(c in text for c in b"0123456789"):
        return None  # NumPy reads a string of only whitespace as [0]
    # Every token yields 1 + (its number of exponent markers) integers when it is well
    # formed, fewer otherwise (an empty part, or a lone sign merging with the next token),
    # never more: so an exact total proves that the integers line up with the tokens.
    if integers.size != count + exps.size:
        return None
    slow = None
    if exps.size:
        owner = np.searchsorted(starts, exps, side="right") - 1
        n_exps = np.bincount(owner, minlength=count)
        mark = ends.copy()  # where the mantissa ends
        mark[owner] = exps
        first = np.arange(count) + (np.cumsum(n_exps) - n_exps)
        mantissa = integers[first]
        scale = integers[np.minimum(first + 1, integers.size - 1)] * (n_exps == 1)
        slow = (n_exps > 1) | (ends - mark > 19)  # several markers, or a huge exponent
    else:
        mark = ends
        mantissa = integers
        scale = np.zeros(count, dtype=np.int64)
    dots = np.flatnonzero(blanked == 46)
    if dots.size == count and (dots > starts).all() and (dots < mark).all():
        scale -= mark - dots - 1  # one point per token, in the mantissa: the usual case
        n_dots = 1
    else:
        owner = np.searchsorted(starts, dots, side="right") - 1
        n_dots = np.bincount(owner, minlength=count)
        dot = mark.copy()
        dot[owner] = dots
        scale -= np.where(n_dots == 1, mark - dot - 1, 0)
        odd = (n_dots > 1) | (dot > mark)  # for float() to judge
        slow = odd if slow is None else slow | odd
    if int((mark - starts).max()) > 15:  # maybe 16+ digits: check for exactness
        digits = mark - starts - n_dots - ((block[starts] == 45) | (block[starts] == 43))
        big = (digits > 18) | (np.abs(mantissa) > 2**53)
        slow = big if slow is None else slow | big
    low, high = int(scale.min()), int(scale.max())
    if low < -22 or high > 22:
        far = (np.abs(scale) > 22) & (mantissa != 0)
        slow = far if slow is None else slow | far
        scale = np.clip(scale, -22, 22)
    # m * 10**s / 1 or m * 1 / 10**s: one correctly rounded operation either way, and exact
    # for a negative m too.
    values = mantissa.astype(np.float64)
    if high > 0:
        values *= _POW10[np.maximum(scale, 0)]
    if low < 0:
        values /= _POW10[np.maximum(-scale, 0)]
    zeros = np.flatnonzero(mantissa == 0)
    if zeros.size:  # "-0.0" parses to the integer 0; float() keeps the sign
        negative = zeros[block[starts[zeros]] == 45]
        values[negative] = -0.0
    result = values.astype(np.float32)
    if slow is not None:
        for i in np.flatnonzero(slow).tolist():
            try:
                value = float(block[starts[i]:ends[i]].tobytes())
            except ValueError:
                return None
            with np.errstate(over="ignore"):
                result[i] = value
        if not np.isfinite(result).all():
            return None
    return result


def _find_all(text: bytes, *needles: bytes) -> np.ndarray:
    """Sorted positions of the one-byte ``needles`` in ``text`` (fast when they are rare)."""
    total = sum(text.count(needle) for needle in needles)
    if total == 0:
        return np.empty(0, dtype=np.int64)
    if total > 4096:
        data = np.frombuffer(text, dtype=np.uint8)
        mask = data == needles[0][0]
        for needle in needles[1:]:
            mask |= data == needle[0]
        return np.flatnonzero(mask)
    found = []
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            found.append(at)
            at = text.find(needle, at + 1)
    return np.array(sorted(found), dtype=np.int64)
