"""Opening input files that may be compressed: gzip, bz2 or xz, recognised by magic bytes.

The file name is never trusted (``corpus.txt`` may be gzip, ``log.gz`` may be plain), so every
reader of the project — vectors files, interaction logs, edge lists — opens inputs here.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["compression_of", "open_input"]

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)


def compression_of(path: str | os.PathLike[str]) -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"`` or ``None``, from the first bytes of ``path``."""
    with open(path, "rb") as handle:
        head = handle.read(6)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


@contextlib.contextmanager
def open_input(path: str | os.PathLike[str], *,
               buffered: bool = False) -> Iterator[tuple[BinaryIO, str | None]]:
    """Open ``path`` for binary reading, decompressing it if its magic bytes say so.

    Yields ``(stream, compression)`` where ``compression`` is ``None`` for a plain file. A
    plain file is unbuffered unless ``buffered`` (block readers bring their own buffer; line
    readers need one).
    """
    kind = compression_of(path)
    if kind is None:
        stream: BinaryIO = open(path, "rb", buffering=-1 if buffered else 0)
    elif kind == "gzip":
        stream = gzip.open(path, "rb")
    elif kind == "bz2":
        stream = bz2.open(path, "rb")
    else:
        stream = lzma.open(path, "rb")
    try:
        yield stream, kind
    finally:
        stream.close()
