"""Keys as bytes in files and as ``str`` in memory: bulk decoding, duplicates, save-time checks.

Readers collect each block's raw keys and decode them with a single ``bytes.decode`` call on
the keys joined by spaces (a space can occur in no key of these formats). UTF-8 error
handlers never swallow or produce an ASCII space, so this gives the same strings as decoding
key by key, which is what gensim does, at a fraction of the cost.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Sequence

from everyvec.errors import FormatError

__all__ = [
    "check_unicode_errors",
    "decode_keys",
    "find_duplicate",
    "check_keys_for_text",
]


def check_unicode_errors(unicode_errors: str) -> str:
    """Validate an error handler name (``"strict"``, ``"replace"``, ``"ignore"``, …)."""
    if not isinstance(unicode_errors, str):
        raise TypeError(f"unicode_errors must be a str such as 'strict' or 'replace', "
                        f"got {type(unicode_errors).__name__}")
    try:
        codecs.lookup_error(unicode_errors)
    except LookupError:
        raise ValueError(
            f"unicode_errors={unicode_errors!r} is not a known error handler; expected "
            "'strict', 'replace', 'ignore', 'backslashreplace' or 'surrogateescape'"
        ) from None
    return unicode_errors


def decode_keys(
    raw: Sequence[bytes | bytearray],
    unicode_errors: str,
    on_error: Callable[[int, int, str], FormatError],
) -> list[str]:
    """Decode raw keys as UTF-8 in one call.

    Parameters
    ----------
    raw
        The keys' bytes, none containing a space.
    unicode_errors
        Error handler passed to :meth:`bytes.decode`.
    on_error
        Called as ``on_error(i, byte_in_key, reason)`` for the first undecodable key ``i`` under
        ``"strict"``; returns the :class:`~everyvec.FormatError` to raise.
    """
    if not raw:
        return []
    joined = b" ".join(raw)
    try:
        text = joined.decode("utf-8", unicode_errors)
    except UnicodeDecodeError as exc:
        i = joined.count(b" ", 0, exc.start)
        key_start = joined.rfind(b" ", 0, exc.start) + 1
        raise on_error(i, exc.start - key_start, exc.reason) from None
    keys = text.split(" ")
    if len(keys) != len(raw):  # only a custom error handler that emits spaces gets here
        raise ValueError(f"unicode_errors={unicode_errors!r} produced spaces inside keys")
    return keys


def find_duplicate(keys: Sequence[str]) -> tuple[int, int] | None:
    """``(first_row, second_row)`` of the first key that occurs twice, or ``None``."""
    if len(set(keys)) == len(keys):
        return None
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            return seen[key], i
        seen[key] = i
    raise AssertionError("unreachable")  # pragma: no cover


def check_keys_for_text(keys: Sequence[str], format_name: str) -> None:
    """Refuse keys that a word2vec-family file cannot hold (and still read back unchanged).

    A key ends at the first space and a row at the newline, so keys may contain neither; an
    empty key would make the line start with a space, which many readers mangle.
    """
    for i, key in enumerate(keys):
        if not key or " " in key or "\n" in key:
            what = "is empty" if not key else "contains a space or a newline"
            raise ValueError(
                f"key {key!r} at row {i} {what}, which the {format_name} format cannot store; "
                "save in the native format, or rename the key"
            )
