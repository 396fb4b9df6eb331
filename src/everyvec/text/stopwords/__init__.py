"""Stop-word lists: the built-in English and Chinese lists, user lists, and filtering.

A list is a ``frozenset`` of tokens. :func:`load_stopwords` accepts a built-in name
(``"english"``/``"en"``, ``"chinese"``/``"zh"``), a path to a UTF-8 file with one word per
line (blank lines and lines starting with ``#`` are skipped), or any iterable of words, and
returns their union::

    >>> from everyvec.text import load_stopwords, remove_stopwords
    >>> stop = load_stopwords("english", ["foo"])
    >>> remove_stopwords(["the", "cat", "foo"], stop)
    ['cat']

The built-in lists are lower case (English with straight apostrophes), so they match the
output of the default, lower-casing tokenizers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from everyvec.errors import FormatError

__all__ = ["BUILTIN_STOPWORDS", "StopWords", "builtin_stopwords", "load_stopwords",
           "remove_stopwords"]

#: Names of the built-in lists.
BUILTIN_STOPWORDS: tuple[str, ...] = ("english", "chinese")
_ALIASES = {"english": "english", "en": "english", "chinese": "chinese", "zh": "chinese"}

#: What :func:`load_stopwords` accepts as one source.
StopWords = str | os.PathLike | Iterable[str]


def builtin_stopwords(name: str) -> frozenset[str]:
    """Return a built-in list by name (``"english"``, ``"en"``, ``"chinese"``, ``"zh"``)."""
    canonical = _ALIASES.get(name) if isinstance(name, str) else None
    if canonical is None:
        raise ValueError(f"unknown built-in stop-word list {name!r}; "
                         f"valid names: {', '.join(repr(n) for n in _ALIASES)}")
    return _read_builtin(canonical)


@functools.cache
def _read_builtin(canonical: str) -> frozenset[str]:
    text = resources.files(__name__).joinpath(f"{canonical}.txt").read_text(encoding="utf-8")
    return frozenset(_parse_lines(text.splitlines()))


def _parse_lines(lines: Iterable[str]) -> list[str]:
    words = []
    for line in lines:
        word = line.strip()
        if word and not word.startswith("#"):
            words.append(word)
    return words


def _read_file(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read stop-word file: {exc.strerror or exc}", path=path) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormatError(f"stop-word files must be UTF-8 ({exc.reason})", path=path, line=line,
                          offset=exc.start) from None
    return _parse_lines(text.splitlines())


def load_stopwords(*sources: StopWords) -> frozenset[str]:
    """Union of stop-word sources.

    Parameters
    ----------
    *sources
        Each one a built-in name, a path (``str`` or :class:`os.PathLike`) to a UTF-8 file
        with one word per line, or an iterable of words. A string is looked up as a built-in
        name first, then as a file; pass a :class:`~pathlib.Path` to force the file.

    Returns
    -------
    frozenset of str

    Raises
    ------
    ValueError
        A string that is neither a built-in name nor an existing file.
    everyvec.FormatError
        A file that cannot be read or is not UTF-8.
    TypeError
        A source, or a word inside an iterable, of the wrong type.
    """
    words: set[str] = set()
    for source in sources:
        if isinstance(source, str) and source in _ALIASES:
            words |= builtin_stopwords(source)
        elif isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.is_file():
                raise ValueError(
                    f"stop words {os.fspath(source)!r}: not a built-in list "
                    f"({', '.join(repr(n) for n in BUILTIN_STOPWORDS)}) and no such file")
            words.update(_read_file(path))
        elif isinstance(source, (bytes, bytearray)):
            raise TypeError("stop words must be str, not bytes")
        elif isinstance(source, Iterable):
            for word in source:
                if not isinstance(word, str):
                    raise TypeError(f"stop words must be str; got {type(word).__name__} "
                                    f"{word!r}")
                words.add(word)
        else:
            raise TypeError(f"cannot read stop words from a {type(source).__name__}; expected "
                            "a built-in name, a path or an iterable of str")
    return frozenset(words)


def remove_stopwords(tokens: Iterable[str], stopwords: StopWords | frozenset[str]) -> list[str]:
    """Return ``tokens`` without the stop words (order kept).

    ``stopwords`` is a set of words or any single source :func:`load_stopwords` accepts.
    """
    stop = stopwords if isinstance(stopwords, (set, frozenset)) else load_stopwords(stopwords)
    return [t for t in tokens if t not in stop]
