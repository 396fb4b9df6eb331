"""Byte-level input and output shared by the file formats.

Inputs may be gzip, bz2 or xz compressed; the compression is recognised by its magic bytes,
never by the file name. :class:`BlockReader` reads a stream into one reusable buffer, so a
reader's peak memory is the result it builds plus one block, however large the file.
Outputs whose name ends in ``.gz``, ``.bz2`` or ``.xz`` are compressed accordingly and, like
every save, written atomically.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from everyvec._atomic import atomic_file
from everyvec._compressed import compression_of, open_input
from everyvec.errors import FormatError

__all__ = [
    "BLOCK_SIZE",
    "BlockReader",
    "compression_of",
    "open_input",
    "open_output",
]

#: Bytes read per block. Small enough to keep the buffer (and the per-block temporaries of
#: the NumPy parser, a few times this size) well below the matrix being built.
BLOCK_SIZE = 4 << 20

#: The longest line or record a reader accepts before calling the file corrupt.
MAX_RECORD = 1 << 30

_SUFFIXES = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}

# What a damaged compressed stream raises while it is being read.
_DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Atomically write ``path``; compress when its suffix is ``.gz``, ``.bz2`` or ``.xz``."""
    kind = _SUFFIXES.get(Path(path).suffix.lower())
    with atomic_file(path, "wb") as raw:
        if kind is None:
            yield raw
            return
        if kind == "gzip":
            # mtime=0 and no file name in the header: the same vectors give the same bytes.
            packed: IO[bytes] = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
        elif kind == "bz2":
            packed = bz2.BZ2File(raw, "wb")
        else:
            packed = lzma.LZMAFile(raw, "wb")
        with packed:
            yield packed


class BlockReader:
    """A window over a byte stream, refilled block by block into one reusable buffer.

    The unconsumed bytes are ``buf[start:end]``; parsers advance ``start`` as they consume.
    ``base`` is the stream offset of ``buf[0]``, so ``base + i`` is the offset of ``buf[i]``
    in the (decompressed) file. ``arr`` is a NumPy view of ``buf``; both are replaced when
    the buffer grows, so never hold on to them across :meth:`fill`.
    """

    def __init__(
        self,
        stream: BinaryIO,
        path: str | os.PathLike[str],
        *,
        block_size: int = BLOCK_SIZE,
        compressed: bool = False,
    ) -> None:
        self.stream = stream
        self.path = os.fspath(path)
        self.compressed = compressed
        self._set_buffer(bytearray(max(int(block_size), 16)))
        self.start = 0
        self.end = 0
        self.base = 0
        self.eof = False

    def _set_buffer(self, buf: bytearray) -> None:
        self.buf = buf
        self.arr = np.frombuffer(buf, dtype=np.uint8)
        self.view = memoryview(buf)

    @property
    def pending(self) -> int:
        """Number of unconsumed bytes in the buffer."""
        return self.end - self.start

    def fill(self) -> int:
        """Move the unconsumed bytes to the front and read more after them.

        Returns the number of bytes read; 0 means the end of the stream. The buffer doubles
        when it is already full of unconsumed bytes (one record longer than a block).
        """
        if self.eof:
            return 0
        self._make_room()
        try:
            got = self.stream.readinto(self.view[self.end:]) or 0
        except _DECOMPRESSION_ERRORS as exc:
            if not self.compressed:
                raise
            raise FormatError(
                f"the compressed data is damaged or cut short ({exc})",
                path=self.path, offset=self.base + self.end,
            ) from None
        if got == 0:
            self.eof = True
        self.end += got
        return got

    def _make_room(self) -> None:
        """Compact the buffer; double it when the unconsumed bytes fill it."""
        if self.start:
            n = self.end - self.start
            self.arr[:n] = self.arr[self.start:self.end]  # NumPy copes with the overlap
            self.base += self.start
            self.start, self.end = 0, n
        if self.end == len(self.buf):
            if len(self.buf) >= MAX_RECORD:
                raise FormatError(
                    f"found no end of record within {MAX_RECORD} bytes; the file is corrupt "
                    "or not in the expected format",
                    path=self.path, offset=self.base,
                )
            bigger = bytearray(2 * len(self.buf))
            bigger[:self.end] = self.buf[:self.end]
            self._set_buffer(bigger)

    def complete_lines(self) -> tuple[int, int] | None:
        """``(start, stop)`` of the unconsumed whole lines, ``stop`` just after a newline.

        Reads more as needed. At the end of the stream a last line without a newline gets one
        appended. Returns ``None`` when nothing is left.
        """
        while True:
            last = self.buf.rfind(b"\n", self.start, self.end)
            if last >= 0:
                return self.start, last + 1
            if self.eof or self.fill() == 0:
                if self.start == self.end:
                    return None
                if self.end == len(self.buf):
                    self._make_room()
                self.buf[self.end] = 10
                self.end += 1
                return self.start, self.end

    def read_line(self, what: str, limit: int = 1 << 20) -> bytes:
        """Consume and return the first line (without its newline); ``what`` names it in errors."""
        while True:
            nl = self.buf.find(b"\n", self.start, self.end)
            if nl >= 0:
                line = bytes(self.buf[self.start:nl])
                self.start = nl + 1
                return line
            if self.pending > limit:
                raise FormatError(f"the {what} has no newline within {limit} bytes",
                                  path=self.path, line=1)
            if self.fill() == 0:
                line = bytes(self.buf[self.start:self.end])
                self.start = self.end
                return line

    def rest_is_blank(self) -> int | None:
        """Read to the end; ``None`` when only whitespace is left, else the offset of the rest."""
        while True:
            chunk = self.buf[self.start:self.end]
            stripped = chunk.lstrip()
            if stripped:
                return self.base + self.start + len(chunk) - len(stripped)
            self.start = self.end
            if self.fill() == 0:
                return None
