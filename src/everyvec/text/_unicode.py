"""Unicode character classes the tokenizers and cleaners need, built once from ``unicodedata``.

Python's ``re`` has no ``\\p{...}`` classes, so the sets of combining marks (which belong inside
words: the vowel signs of Devanagari, a decomposed accent) and of control/format characters
are computed from the Unicode database the first time they are needed (about 30 ms) and cached.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Planes 3-13 hold no assigned marks or controls; plane 14 holds tags and variation selectors.
_SCAN = (range(0x0, 0x30000), range(0xE0000, 0xE1000))

#: CJK ideograph blocks, as BERT's ``_is_chinese_char`` lists them.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


def _ranges_class(codepoints: list[int]) -> str:
    """A regex character-class body matching exactly ``codepoints`` (sorted ascending)."""
    parts: list[str] = []
    start = prev = None
    for cp in codepoints:
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            parts.append(_span(start, prev))
            start = prev = cp
    if start is not None:
        parts.append(_span(start, prev))
    return "".join(parts)


def _span(lo: int, hi: int) -> str:
    if lo == hi:
        return re.escape(chr(lo))
    return f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"


@functools.cache
def _categories() -> dict[str, list[int]]:
    wanted = {"Mn", "Mc", "Me", "Cc", "Cf"}
    found: dict[str, list[int]] = {c: [] for c in wanted}
    for block in _SCAN:
        for cp in block:
            cat = unicodedata.category(chr(cp))
            if cat in wanted:
                found[cat].append(cp)
    return found


@functools.cache
def marks_class() -> str:
    """Regex class body of all combining marks (categories Mn, Mc, Me)."""
    cats = _categories()
    return _ranges_class(sorted(cats["Mn"] + cats["Mc"] + cats["Me"]))


@functools.cache
def marks_pattern() -> str:
    """A regex matching one combining mark, written for speed.

    ``re`` compiles a class of Basic-Multilingual-Plane characters to a bitmap but tests a
    class holding astral characters range by range; with hundreds of ranges that is several
    times slower, so the two planes get separate classes.
    """
    cats = _categories()
    marks = sorted(cats["Mn"] + cats["Mc"] + cats["Me"])
    bmp = _ranges_class([cp for cp in marks if cp <= 0xFFFF])
    astral = _ranges_class([cp for cp in marks if cp > 0xFFFF])
    return f"(?:[{bmp}]|[{astral}])"


@functools.cache
def cjk_class() -> str:
    """Regex class body of the CJK ideograph blocks."""
    return "".join(_span(lo, hi) for lo, hi in CJK_RANGES)


@functools.cache
def control_table() -> dict[int, None]:
    """``str.translate`` table deleting control (Cc) and format (Cf) characters.

    Tab, newline and carriage return are kept (they are whitespace, not noise).
    """
    cats = _categories()
    keep = {0x09, 0x0A, 0x0D}
    return {cp: None for cp in cats["Cc"] + cats["Cf"] if cp not in keep}


@functools.cache
def halfwidth_table() -> dict[int, int]:
    """``str.translate`` table mapping full-width ASCII variants (U+FF01-FF5E) and the
    ideographic space (U+3000) to their ASCII counterparts."""
    table = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
    table[0x3000] = 0x20
    return table
