"""What the evaluations share: gensim's restricted, case-folded vocabulary and table output."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from everyvec.vectors.vectors import Vectors

__all__ = [
    "check_vectors", "fmt", "plain_table", "restricted_vocab", "rich_table",
]


def check_vectors(vectors: Any) -> Vectors:
    """``vectors`` itself, or a TypeError saying what was expected."""
    if not isinstance(vectors, Vectors):
        raise TypeError(
            f"vectors must be an everyvec.Vectors, got {type(vectors).__name__}; wrap a matrix "
            "with everyvec.Vectors(keys, matrix)"
        )
    return vectors


def restricted_vocab(vectors: Vectors, limit: int, case_insensitive: bool) -> Mapping[str, int]:
    """Word → row over the first ``limit`` rows, as gensim's ``ok_vocab``.

    With ``case_insensitive`` keys are upper-cased and, where several keys fold to the same
    word, the first (lowest) row wins — gensim builds its dict from the reversed key list so
    that the earliest key is written last.
    """
    keys = vectors.keys
    if not case_insensitive:
        if limit >= len(keys):
            return vectors.key_to_index
        return {key: i for i, key in enumerate(keys[:limit])}
    vocab: dict[str, int] = {}
    for i, key in enumerate(keys[:limit]):
        vocab.setdefault(key.upper(), i)
    return vocab


def fmt(value: float | None, digits: int = 4) -> str:
    """A number for tables: fixed digits, ``–`` for missing/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def plain_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
                footer: Sequence[Sequence[str]] = ()) -> str:
    """A fixed-width text table; the first column is left-aligned, the others right."""
    all_rows = [list(header), *map(list, rows), *map(list, footer)]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(["-" * w for w in widths]))
    out = [title, line(header), rule, *(line(r) for r in rows)]
    if footer:
        out += [rule, *(line(r) for r in footer)]
    return "\n".join(out)


def rich_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
               footer: Sequence[Sequence[str]] = ()) -> Any:
    """The same table as a ``rich.table.Table`` (footer rows after a section line)."""
    from rich.table import Table

    table = Table(title=title)
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right")
    for i, row in enumerate(rows):
        table.add_row(*row, end_section=bool(footer) and i == len(rows) - 1)
    for row in footer:
        table.add_row(*row, style="bold")
    return table
