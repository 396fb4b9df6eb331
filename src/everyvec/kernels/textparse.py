"""numba kernels that parse word2vec-style text lines into a preallocated float32 matrix.

The line grammar is the one documented in :mod:`everyvec.vectors.formats._textblock`, whose
``parse_python`` is the slow twin these kernels are tested against.

Decimal values are parsed exactly on a fast path: an integer mantissa of at most 18
significant digits and not above 2**53, scaled by 10**e with |e| <= 22. Both factors are then
exact float64 numbers, so one IEEE multiplication or division rounds the true value correctly
— the same float64 that Python's ``float()`` returns — and the cast to float32 that follows is
the one ``np.float32(float(token))`` does. Tokens outside the fast path (more digits,
larger exponents, ``nan``, malformed ones) are not guessed at: the kernel lists them and the
caller parses them with ``float()``.

Importing this module imports numba (about half a second and 100+ MiB of resident memory for
LLVM), so the readers import it only when they choose the numba engine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "OK",
    "FULL",
    "BAD_LINE",
    "parse_decimal",
    "parse_lines",
]

#: Status: every complete line in range was parsed, or ``max_row`` was reached.
OK = 0
#: Status: the key or slow-token table is full; call again from the returned position.
FULL = 1
#: Status: the line at the returned position has the wrong number of values.
BAD_LINE = 2

_POW10 = np.array([10.0**i for i in range(23)], dtype=np.float64)  # all exact in float64
_MAX_EXACT = 2**53


@njit(cache=True, nogil=True, inline="always")
def _is_space(c):
    # space, \t, \v, \f, \r (not \n, which ends the line)
    return c == 32 or c == 9 or c == 11 or c == 12 or c == 13


@njit(cache=True, nogil=True)
def parse_decimal(buf, a, b):
    """Parse ``buf[a:b]`` on the exact fast path: ``(True, value)`` or ``(False, 0.0)``.

    ``value`` is the float64 that ``float()`` gives for the token; ``(False, 0.0)`` means the
    token needs ``float()`` (it may still be valid, e.g. ``"nan"`` or 25 digits).
    """
    i = a
    negative = False
    if i < b and (buf[i] == 45 or buf[i] == 43):  # '-' '+'
        negative = buf[i] == 45
        i += 1
    mantissa = 0
    digits = 0  # significant digits in mantissa
    seen = False  # any mantissa digit at all
    exponent = 0
    while i < b and 48 <= buf[i] <= 57:
        d = buf[i] - 48
        seen = True
        if mantissa != 0 or d != 0:
            if digits == 18:
                return False, 0.0
            mantissa = mantissa * 10 + d
            digits += 1
        i += 1
    if i < b and buf[i] == 46:  # '.'
        i += 1
        while i < b and 48 <= buf[i] <= 57:
            d = buf[i] - 48
            seen = True
            if mantissa != 0 or d != 0:
                if digits == 18:
                    return False, 0.0
                mantissa = mantissa * 10 + d
                digits += 1
            exponent -= 1
            i += 1
    if not seen:
        return False, 0.0
    if i < b and (buf[i] == 101 or buf[i] == 69):  # 'e' 'E'
        i += 1
        exp_negative = False
        if i < b and (buf[i] == 45 or buf[i] == 43):
            exp_negative = buf[i] == 45
            i += 1
        if i == b:
            return False, 0.0
        e = 0
        while i < b and 48 <= buf[i] <= 57:
            if e < 100000:  # a larger exponent leaves the fast path anyway
                e = e * 10 + (buf[i] - 48)
            i += 1
        exponent += -e if exp_negative else e
    if i != b:
        return False, 0.0
    if mantissa == 0:
        return True, -0.0 if negative else 0.0
    if mantissa > _MAX_EXACT or exponent > 22 or exponent < -22:
        return False, 0.0
    value = float(mantissa)
    if exponent > 0:
        value = value * _POW10[exponent]
    elif exponent < 0:
        value = value / _POW10[-exponent]
    return True, -value if negative else value


@njit(cache=True, nogil=True)
def parse_lines(buf, pos, stop, dim, out, row, max_row, line, keys, slow):
    """Parse the lines of ``buf[pos:stop]`` into ``out[row:max_row]``.

    Parameters
    ----------
    buf
        uint8 array; ``buf[stop - 1]`` is a newline.
    pos, stop
        The range to parse; ``pos`` is a line start.
    dim
        Values per line.
    out
        float32 matrix being filled.
    row, max_row
        Next row to fill and the row to stop before.
    line
        1-based line number of the line at ``pos``.
    keys
        int64 ``(capacity, 3)``: for each parsed row, key start, key end and line number.
    slow
        int64 ``(capacity, 4)`` with capacity >= ``dim``: for each token off the fast path,
        index into ``keys``, column, token start and end. Those cells of ``out`` are unset.

    Returns
    -------
    tuple
        ``(status, pos, row, line, n_keys, n_slow, found)``: status is :data:`OK`,
        :data:`FULL` or :data:`BAD_LINE` (then ``pos``/``line`` is the bad line and ``found``
        the number of values it has, -1 when there is no space after the key).
    """
    n_keys = 0
    n_slow = 0
    while pos < stop and row < max_row:
        newline = pos
        while newline < stop and buf[newline] != 10:
            newline += 1
        end = newline
        while end > pos and _is_space(buf[end - 1]):
            end -= 1
        if end == pos:  # blank line
            pos = newline + 1
            line += 1
            continue
        if n_keys == keys.shape[0] or n_slow + dim > slow.shape[0]:
            return FULL, pos, row, line, n_keys, n_slow, 0
        key_end = pos
        while key_end < end and buf[key_end] != 32:
            key_end += 1
        if key_end == end:
            return BAD_LINE, pos, row, line, n_keys, n_slow, -1
        i = key_end + 1
        col = 0
        slow_mark = n_slow
        while True:
            while i < end and _is_space(buf[i]):
                i += 1
            if i == end:
                break
            j = i
            while j < end and not _is_space(buf[j]):
                j += 1
            if col < dim:
                ok, value = parse_decimal(buf, i, j)
                if ok:
                    out[row, col] = np.float32(value)
                else:
                    slow[n_slow, 0] = n_keys
                    slow[n_slow, 1] = col
                    slow[n_slow, 2] = i
                    slow[n_slow, 3] = j
                    n_slow += 1
            col += 1
            i = j
        if col != dim:
            return BAD_LINE, pos, row, line, n_keys, slow_mark, col
        keys[n_keys, 0] = pos
        keys[n_keys, 1] = key_end
        keys[n_keys, 2] = line
        n_keys += 1
        row += 1
        line += 1
        pos = newline + 1
    return OK, pos, row, line, n_keys, n_slow, 0
