"""Recognising a vectors file's format from its content (never from its name).

* a folder with ``manifest.json``: ``"native"``;
* a first line of two integers ``count dim``, then a line of a key and ``dim`` numbers:
  ``"word2vec"`` (text; fastText ``.vec`` files are this too);
* that header followed by anything else: ``"word2vec-binary"``;
* no header, a first line ``key number number …``: ``"glove"``.

Compressed files are looked into. Files that are clearly something else (a fastText ``.bin``
model, a bare ``.npy``) get an error that says what they are.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from everyvec.errors import FormatError
from everyvec.vectors.formats._io import open_input
from everyvec.vectors.formats.native import MANIFEST
from everyvec.vectors.formats.text import _HEADER

__all__ = ["detect_format"]

_SNIFF = 1 << 18
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)",
                     re.IGNORECASE)
_PRINTABLE = re.compile(rb"[\x20-\x7e\t\r]*")
_FASTTEXT_MAGIC = (793712314).to_bytes(4, "little")


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format name of ``path``: ``"native"``, ``"word2vec"``, ``"word2vec-binary"`` or
    ``"glove"``; :class:`~everyvec.FormatError` when it is none of them."""
    where = Path(path)
    if where.is_dir():
        if (where / MANIFEST).is_file():
            return "native"
        raise FormatError(f"a folder without {MANIFEST}; expected an everyvec vectors folder",
                          path=where)
    if not where.exists():
        raise FileNotFoundError(f"no such file or folder: {where}")
    with open_input(where) as (stream, _compression):
        try:
            head = stream.read(_SNIFF)
        except (OSError, EOFError) as exc:
            raise FormatError(f"the compressed data is damaged ({exc})", path=where) from None
    if not head.strip():
        raise FormatError("the file is empty", path=where)
    if head.startswith(_FASTTEXT_MAGIC):
        raise FormatError("this is a fastText model (.bin), not a vectors file; load the .vec "
                          "file fastText writes beside it", path=where)
    if head.startswith(b"\x93NUMPY"):
        raise FormatError("this is a bare .npy array; native vectors are a folder with "
                          f"{MANIFEST}, vectors.npy and keys.txt", path=where)
    newline = head.find(b"\n")
    first = head if newline < 0 else head[:newline]
    header = _HEADER.fullmatch(first)
    if header is not None:
        count, dim = int(header.group(1)), int(header.group(2))
        rest = b"" if newline < 0 else head[newline + 1:]
        if count == 0 or not rest.strip() or _is_text_row(rest.lstrip(b"\r\n"), dim):
            return "word2vec"
        return "word2vec-binary"
    if _is_text_row(head, None):
        return "glove"
    raise FormatError(
        "cannot tell the format: the first line is neither a header 'count dim' nor "
        "'key number number …'; pass format= one of 'native', 'word2vec', "
        "'word2vec-binary', 'glove', 'fasttext'",
        path=where, line=1,
    )


def _is_text_row(data: bytes, dim: int | None) -> bool:
    """Whether the first line of ``data`` is a key and numbers, as in a text file.

    A line cut off by the end of ``data`` passes with fewer numbers (up to ``dim``). A line of
    only numbers passes whatever their count, and so does a printable line with ``dim``
    tokens after the key: a malformed text file then gets the text reader's precise error
    rather than a binary reader's confused one.
    """
    newline = data.find(b"\n")
    cut = newline < 0 and len(data) >= _SNIFF
    line = (data if newline < 0 else data[:newline]).rstrip()
    space = line.find(b" ")
    if space < 0:
        return False
    values = line[space + 1:].split()
    if cut:
        values = values[:-1]
        return bool(values) and (dim is None or len(values) <= dim) and all(
            _NUMBER.fullmatch(value) for value in values)
    if values and all(_NUMBER.fullmatch(value) for value in values):
        return True
    return dim is not None and len(values) == dim and _PRINTABLE.fullmatch(line[space:]) is not None
