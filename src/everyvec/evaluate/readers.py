"""Readers for the two benchmark file layouts: analogy questions and scored word pairs.

Both read the whole file (these sets are well under a megabyte), accept UTF-8 with or without
a byte-order mark, CRLF or LF line ends and a missing final newline, and raise
:class:`~everyvec.FormatError` naming the file and line for anything they cannot read.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from everyvec.errors import FormatError

__all__ = [
    "AnalogySection",
    "WordPair",
    "read_analogies",
    "read_word_pairs",
]

# Header names of the score column in the layouts we know (compared lower-cased, spaces removed):
# WordSim-353 "Human (mean)", SimLex-999 "SimLex999", MEN/RW/MTurk style "score"/"similarity".
_SCORE_NAMES = (
    "human(mean)", "simlex999", "simlex", "score", "similarity", "sim", "mean", "gold",
    "relatedness", "rating",
)


@dataclass(frozen=True)
class AnalogySection:
    """One ``: name`` block of an analogy file.

    Attributes
    ----------
    name
        The section name (text after the colon, stripped).
    line
        1-based line number of the section header.
    questions
        ``(line, a, b, c, d)`` tuples, read as ``a : b :: c : d``.
    """

    name: str
    line: int
    questions: tuple[tuple[int, str, str, str, str], ...]


@dataclass(frozen=True)
class WordPair:
    """One scored pair from a word-similarity file (``line`` is 1-based)."""

    line: int
    word1: str
    word2: str
    score: float


def _lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` with line ends (``\\n``, ``\\r\\n``) removed."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except IsADirectoryError:
        raise FormatError("is a folder, expected a text file", path=file) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}; expected a UTF-8 text file",
            path=file, line=line,
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.rstrip("\r")


def read_analogies(path: str | os.PathLike[str]) -> list[AnalogySection]:
    """Read a ``questions-words.txt``-style file (also CA8's Chinese files).

    Parameters
    ----------
    path
        The file: ``: section`` lines, each followed by lines of four whitespace-separated
        words ``a b c d``. Blank lines are ignored.

    Returns
    -------
    list of AnalogySection
        In file order; a section may be empty.

    Raises
    ------
    FormatError
        For a question before the first section line, a line that is not four words, an empty
        section name, invalid UTF-8, or a file without any question.
    """
    sections: list[AnalogySection] = []
    name: str | None = None
    header_line = 0
    questions: list[tuple[int, str, str, str, str]] = []
    for number, line in _lines(path):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(":"):
            if name is not None:
                sections.append(AnalogySection(name, header_line, tuple(questions)))
            name = stripped[1:].strip()
            if not name:
                raise FormatError("section line ':' has no name; expected ': <name>'",
                                  path=path, line=number)
            header_line, questions = number, []
            continue
        words = stripped.split()
        if len(words) != 4:
            raise FormatError(
                f"expected 4 words 'a b c d' or a ': section' line, got {len(words)} "
                f"word(s): {stripped[:80]!r}",
                path=path, line=number,
            )
        if name is None:
            raise FormatError("question before the first ': section' line", path=path,
                              line=number)
        questions.append((number, words[0], words[1], words[2], words[3]))
    if name is not None:
        sections.append(AnalogySection(name, header_line, tuple(questions)))
    if not any(section.questions for section in sections):
        raise FormatError("no analogy questions found; expected ': section' lines followed "
                          "by 'a b c d' lines", path=path)
    return sections


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [field.strip() for field in line.split(delimiter)]


def read_word_pairs(path: str | os.PathLike[str]) -> list[WordPair]:
    """Read a word-similarity file: two words and a human score per line.

    The layout is detected from the first line that is neither blank nor a ``#`` comment:
    fields are separated by tabs if it has a tab, else by commas if it has a comma, else by
    runs of whitespace. That line is a header when its third field is not a number; the score
    is then taken from the column named like a score (``Human (mean)``, ``SimLex999``,
    ``score``, …) or else the first numeric column after the two words, so the original
    WordSim-353 ``.csv``/``.tab`` files and ``SimLex-999.txt`` (whose third column is POS) read
    correctly. Without a header the score is the third field.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of WordPair
        Every data line, in file order (duplicated pairs are kept, as in WS-353).

    Raises
    ------
    FormatError
        For a line with too few fields, an empty word, a score that is not a finite number,
        invalid UTF-8, or a file without any pair.
    """
    pairs: list[WordPair] = []
    delimiter: str | None = ""  # "" = not detected yet
    score_column: int | None = None  # None = decide on the first data line (after a header)
    header: list[str] | None = None
    for number, line in _lines(path):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if delimiter == "":
            delimiter = "\t" if "\t" in line else "," if "," in line else None
            fields = _split(line, delimiter)
            if len(fields) >= 3 and _number(fields[2]) is None:
                header = fields
                names = [field.lower().replace(" ", "") for field in fields]
                score_column = next(
                    (i for i, n in enumerate(names) if i >= 2 and n in _SCORE_NAMES), None
                )
                continue
            score_column = 2
        fields = _split(line, delimiter)
        if score_column is None:  # header without a known score name: first numeric column
            score_column = next(
                (i for i in range(2, len(fields)) if _number(fields[i]) is not None), None
            )
            if score_column is None:
                raise FormatError(
                    f"cannot find a numeric score column after the header {header!r}",
                    path=path, line=number,
                )
        if len(fields) <= score_column:
            raise FormatError(
                f"expected at least {score_column + 1} fields (word1, word2, …, score), got "
                f"{len(fields)}: {stripped[:80]!r}",
                path=path, line=number,
            )
        word1, word2 = fields[0], fields[1]
        if not word1 or not word2:
            raise FormatError(f"empty word in {stripped[:80]!r}", path=path, line=number)
        score = _number(fields[score_column])
        if score is None:
            raise FormatError(
                f"score {fields[score_column]!r} (field {score_column + 1}) is not a finite "
                "number",
                path=path, line=number,
            )
        pairs.append(WordPair(number, word1, word2, score))
    if not pairs:
        raise FormatError("no word pairs found; expected lines 'word1<TAB>word2<TAB>score'",
                          path=path)
    return pairs
