"""One exception hierarchy for everyvec.

Every error the library raises on purpose derives from :class:`EveryvecError`, so callers can
catch the library's complaints without catching programming errors. Each subclass also derives
from the built-in exception a Python user would expect (``ValueError``, ``KeyError``, …).
"""

from __future__ import annotations

import os

__all__ = [
    "EveryvecError",
    "FormatError",
    "VocabularyError",
    "MissingKeyError",
    "MissingExtraError",
    "DatasetError",
    "ModelNotFoundError",
    "CorpusError",
]


class EveryvecError(Exception):
    """Base class of every error everyvec raises on purpose."""


class _LocatedError(EveryvecError):
    """An error about a place in a file: the message is prefixed by ``path, line N, byte M``.

    Parameters
    ----------
    message
        What is wrong and what was expected.
    path
        The file concerned.
    line
        1-based line number, for text.
    offset
        Byte offset, for binary data or undecodable bytes.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.offset = offset
        where = []
        if self.path is not None:
            where.append(self.path)
        if line is not None:
            where.append(f"line {line}")
        if offset is not None:
            where.append(f"byte {offset}")
        self.reason = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class FormatError(_LocatedError, ValueError):
    """A file is truncated, corrupt, or not in the format that was expected."""


class VocabularyError(EveryvecError, ValueError):
    """A vocabulary cannot be built or used as asked (e.g. no word reaches ``min_count``)."""


class CorpusError(_LocatedError, ValueError):
    """A corpus cannot be read (missing files, undecodable bytes, an empty corpus)."""


class MissingKeyError(EveryvecError, KeyError):
    """A key is not in the vectors; the message names it and suggests close keys."""

    def __init__(self, key: object, suggestions: list[str] | None = None) -> None:
        self.key = key
        self.suggestions = list(suggestions or [])
        message = f"key {key!r} not in vectors"
        if self.suggestions:
            message += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError's str() would repr() the whole message again
        return str(self.args[0])


class MissingExtraError(EveryvecError, ImportError):
    """An optional dependency is not installed; the message names the pip install to run."""


class DatasetError(EveryvecError, LookupError):
    """A named dataset is unknown, or neither the local mirror nor the network has it."""


class ModelNotFoundError(EveryvecError, FileNotFoundError):
    """A pretrained model is neither a readable local folder nor an installed model package."""
