"""Parameter checks that raise errors in one house style.

Messages read like ``The 'min_count' parameter of Vocabulary must be an int >= 1. Got -3.``:
the parameter, its owner, what was expected and what was given. A value of the wrong type
raises ``TypeError``; a value of the right type but out of range raises ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Collection
from typing import Any


def _fail(kind: type[Exception], name: str, owner: str, expected: str, value: Any) -> Exception:
    return kind(f"The {name!r} parameter of {owner} must be {expected}. Got {value!r}.")


def check_int(value: Any, name: str, owner: str, *, minimum: int | None = None,
              allow_none: bool = False) -> int | None:
    """Return ``value`` as an ``int`` (``None`` passes when ``allow_none``); bools are refused."""
    expected = "an int" + (f" >= {minimum}" if minimum is not None else "")
    if allow_none:
        expected += " or None"
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(TypeError, name, owner, expected, value)
    if minimum is not None and value < minimum:
        raise _fail(ValueError, name, owner, expected, value)
    return int(value)


def check_float(value: Any, name: str, owner: str, *, minimum: float | None = None,
                maximum: float | None = None) -> float:
    """Return ``value`` as a finite ``float`` within ``[minimum, maximum]``."""
    bounds = []
    if minimum is not None:
        bounds.append(f">= {minimum:g}")
    if maximum is not None:
        bounds.append(f"<= {maximum:g}")
    expected = "a finite number" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(TypeError, name, owner, expected, value)
    result = float(value)
    if (not math.isfinite(result) or (minimum is not None and result < minimum)
            or (maximum is not None and result > maximum)):
        raise _fail(ValueError, name, owner, expected, value)
    return result


def check_choice(value: Any, name: str, owner: str, choices: Collection[str]) -> str:
    """Return ``value`` when it is one of ``choices`` (strings)."""
    expected = "one of " + ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise _fail(TypeError, name, owner, expected, value)
    if value not in choices:
        raise _fail(ValueError, name, owner, expected, value)
    return value


_DEVICE = re.compile(r"cpu|cuda(:\d+)?\Z")


def check_device(value: Any, name: str, owner: str, *, allow_none: bool = False) -> str | None:
    """Return a torch device name: ``'cpu'``, ``'cuda'`` or ``'cuda:N'`` (``None`` when
    ``allow_none``). Whether CUDA is there is checked when the device is used."""
    expected = "'cpu', 'cuda' or 'cuda:N'" + (" (or None)" if allow_none else "")
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise _fail(TypeError, name, owner, expected, value)
    if not _DEVICE.match(value):
        raise _fail(ValueError, name, owner, expected, value)
    return value


def check_fraction(value: Any, name: str, owner: str) -> float:
    """Return ``value`` as a float in ``[0, 1)`` (a dropout rate, a held-out share)."""
    if check_float(value, name, owner, minimum=0.0) >= 1.0:
        raise _fail(ValueError, name, owner, "a finite number >= 0 and < 1", value)
    return float(value)


def check_widths(value: Any, name: str, owner: str) -> tuple[int, ...]:
    """Return layer widths (a list or tuple of ints >= 1, possibly empty) as a tuple."""
    expected = "a list or tuple of ints >= 1 (layer widths; () for none)"
    if not isinstance(value, (list, tuple)):
        raise _fail(TypeError, name, owner, expected, value)
    if any(isinstance(h, bool) or not isinstance(h, numbers.Integral) or h < 1 for h in value):
        raise _fail(ValueError, name, owner, expected, value)
    return tuple(int(h) for h in value)


def check_names(value: Any, name: str, owner: str) -> list[str] | None:
    """Return a list of column names (``None`` passes: the caller infers them)."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(
            isinstance(c, str) for c in value):
        raise _fail(TypeError, name, owner, "a list of column names or None", value)
    return list(value)


def check_bool(value: Any, name: str, owner: str) -> bool:
    """Return ``value`` when it is a ``bool`` (numpy bools included)."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise _fail(TypeError, name, owner, "True or False", value)
    return bool(value)


def check_token(value: Any, name: str, owner: str, *, allow_none: bool = True) -> str | None:
    """Return a non-empty string token (or ``None`` when allowed)."""
    expected = "a non-empty str" + (" or None" if allow_none else "")
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise _fail(TypeError, name, owner, expected, value)
    if not value:
        raise _fail(ValueError, name, owner, expected, value)
    return value


def is_pathlike(value: Any) -> bool:
    """True for ``str`` and ``os.PathLike`` objects."""
    return isinstance(value, (str, os.PathLike))
