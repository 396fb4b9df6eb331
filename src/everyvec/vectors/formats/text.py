"""word2vec text, GloVe and fastText ``.vec`` files: reading and writing.

word2vec text is a header line ``count dim`` and then one ``key v1 … vdim`` line per vector;
fastText's ``.vec`` is the same (it adds a space before each newline). GloVe has no header:
the dimension comes from the first line and the count from a first pass over the file.

Reading preallocates the matrix and fills it block by block (see :mod:`._io`), so peak memory
is the matrix, the keys and one block. Three interchangeable parsers do the work (see
:mod:`._textblock` for the grammar they share): ``"numpy"`` (vectorised, the default for files
under 1 GiB), ``"numba"`` (several times faster, but importing numba costs about half a
second and 100+ MiB, so it is the default only for larger files or when numba is already
loaded) and ``"python"`` (the reference). All three give identical results and messages.

Writing prints each float32 with ``%.9g``: nine significant digits identify every float32,
so a write/read round trip is lossless.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from everyvec.errors import FormatError
from everyvec.vectors.formats import _textblock
from everyvec.vectors.formats._io import BlockReader, open_input, open_output
from everyvec.vectors.formats._keys import check_keys_for_text, decode_keys, find_duplicate
from everyvec.vectors.vectors import Vectors

__all__ = ["ENGINES", "read_text", "write_text", "parse_header", "choose_engine"]

ENGINES = ("auto", "numpy", "numba", "python")

#: Plain files at least this large are parsed with numba when ``engine="auto"``.
NUMBA_THRESHOLD = 1 << 30

_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s*")

# Rows the numba kernel reports per call (it is called again until the block is done).
_KEY_CAPACITY = 1 << 16


def parse_header(line: bytes, path: str | os.PathLike[str]) -> tuple[int, int]:
    """``(count, dim)`` from a word2vec header line; :class:`FormatError` if it is not one."""
    match = _HEADER.fullmatch(line)
    if match is None or int(match.group(2)) == 0:
        shown = line[:60].decode("utf-8", "backslashreplace")
        hint = ""
        if len(line.split()) > 2:
            hint = " (a file without a header is in the 'glove' format)"
        raise FormatError(
            f"expected a header line 'count dim' of two integers, dim at least 1, "
            f"got {shown!r}{hint}",
            path=path, line=1,
        )
    return int(match.group(1)), int(match.group(2))


def choose_engine(engine: str, path: str | os.PathLike[str], compressed: bool) -> str:
    """Resolve ``engine="auto"`` (see the module docstring)."""
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r} is not one of {', '.join(map(repr, ENGINES))}")
    if engine != "auto":
        return engine
    size = os.path.getsize(path) * (4 if compressed else 1)
    if "numba" in sys.modules or size >= NUMBA_THRESHOLD:
        return "numba"
    return "numpy"


def read_text(
    path: str | os.PathLike[str],
    *,
    header: bool = True,
    limit: int | None = None,
    unicode_errors: str = "strict",
    allow_nonfinite: bool = False,
    engine: str = "auto",
    format_name: str = "word2vec",
    block_size: int | None = None,
) -> Vectors:
    """Read a word2vec text (``header=True``) or GloVe (``header=False``) file.

    Parameters
    ----------
    path
        The file, possibly gzip/bz2/xz compressed.
    header
        Whether the first line is ``count dim``.
    limit
        Read only the first ``limit`` vectors (``None``: all).
    unicode_errors
        How to decode keys that are not valid UTF-8 (``"strict"`` raises).
    allow_nonfinite
        Keep NaN and infinite values instead of raising.
    engine
        ``"auto"``, ``"numpy"``, ``"numba"`` or ``"python"`` (same results, different speed).
    format_name
        Recorded in the provenance.
    block_size
        Bytes read at a time (tests use tiny blocks).
    """
    path = os.fspath(path)
    kw: dict[str, Any] = {} if block_size is None else {"block_size": block_size}
    if header:
        count = dim = 0
    else:
        count, dim = _count_glove(path, limit, kw)
    with open_input(path) as (stream, compression):
        reader = BlockReader(stream, path, compressed=compression is not None, **kw)
        line = 1
        if header:
            first = reader.read_line("header")
            if not first.strip() and reader.eof and reader.pending == 0:
                raise FormatError("the file is empty; expected a header line 'count dim'",
                                  path=path, line=1)
            count, dim = parse_header(first, path)
            line = 2
        total = count if limit is None else min(count, limit)
        out = _allocate(total, dim, path)
        parse = _make_parser(choose_engine(engine, path, compression is not None), dim,
                             allow_nonfinite, path)
        keys: list[str] = []
        key_lines = np.empty(total, dtype=np.int64)
        row = 0
        while row < total:
            span = reader.complete_lines()
            if span is None:
                break
            parsed = parse(reader, span[0], span[1], out, row, total, line)
            raw = [reader.buf[s:e] for s, e in zip(parsed.key_starts.tolist(),
                                                  parsed.key_ends.tolist(), strict=True)]
            keys.extend(decode_keys(raw, unicode_errors, _key_error(parsed.key_lines, path)))
            key_lines[row:parsed.row] = parsed.key_lines
            reader.start = parsed.pos
            row, line = parsed.row, parsed.line
        if row < total:
            raise FormatError(
                f"the file ends after {row} vectors, but "
                + (f"its header says {count}" if header else f"{count} were counted"),
                path=path, line=line,
            )
        if header and total == count:
            extra = reader.rest_is_blank()
            if extra is not None:
                raise FormatError(
                    f"the header says {count} vectors, but more lines follow the last one; "
                    "is the header's count wrong?",
                    path=path, line=line,
                )
    duplicate = find_duplicate(keys)
    if duplicate is not None:
        first_row, second_row = duplicate
        raise FormatError(
            f"duplicate key {keys[second_row]!r}: it is also on line "
            f"{int(key_lines[first_row])}",
            path=path, line=int(key_lines[second_row]),
        )
    return Vectors(keys, out, provenance={"source": path, "format": format_name})


def _allocate(count: int, dim: int, path: str) -> np.ndarray:
    try:
        return np.empty((count, dim), dtype=np.float32)
    except (MemoryError, ValueError):
        raise FormatError(
            f"cannot allocate {count} × {dim} float32 values ({count * dim * 4 / 2**30:.1f} GiB)"
            "; is the header right?",
            path=path, line=1,
        ) from None


def _key_error(key_lines: np.ndarray, path: str):
    def on_error(i: int, byte: int, reason: str) -> FormatError:
        return FormatError(
            f"the key is not valid UTF-8 ({reason} at byte {byte} of the key); pass "
            "unicode_errors='replace' or 'ignore' to load it anyway",
            path=path, line=int(key_lines[i]),
        )
    return on_error


def _count_glove(path: str, limit: int | None, kw: dict[str, Any]) -> tuple[int, int]:
    """First pass over a GloVe file: the number of non-blank lines and the first one's dim."""
    dim = 0
    count = 0
    with open_input(path) as (stream, compression):
        reader = BlockReader(stream, path, compressed=compression is not None, **kw)
        line = 1
        while dim == 0 or limit is None or count < limit:
            span = reader.complete_lines()
            if span is None:
                break
            start, stop = span
            buf = reader.buf
            if dim == 0:
                while start < stop:
                    newline = buf.find(b"\n", start, stop)
                    content = bytes(buf[start:newline]).rstrip(_textblock.WHITESPACE)
                    start = newline + 1
                    if content:
                        space = content.find(b" ")
                        dim = len(content[space + 1:].split()) if space >= 0 else 0
                        if dim == 0:
                            raise FormatError(
                                "expected 'key value value …' (GloVe has no header line), "
                                "found no values after the key", path=path, line=line,
                            )
                        count = 1
                        break
                    line += 1
            count += _count_nonblank(buf, start, stop)
            reader.start = stop
    if dim == 0:
        raise FormatError("the file is empty; expected lines 'key value value …'", path=path)
    return (count if limit is None else min(count, limit)), dim


def _count_nonblank(buf: bytearray, start: int, stop: int) -> int:
    """Lines in ``buf[start:stop]`` (whole lines) that hold more than whitespace."""
    lines = buf.count(b"\n", start, stop)
    suspicious = any(buf.find(pattern, start, stop) >= 0
                     for pattern in (b"\n\n", b"\n ", b"\n\t", b"\n\r", b"\n\x0b", b"\n\x0c"))
    if not suspicious and (stop == start or buf[start] not in _textblock.WHITESPACE + b"\n"):
        return lines
    return sum(1 for piece in bytes(buf[start:stop]).split(b"\n")[:lines]
               if piece.strip(_textblock.WHITESPACE))


def _make_parser(engine: str, dim: int, allow_nonfinite: bool, path: str):
    """A function ``(reader, start, stop, out, row, max_row, line) -> Parsed``."""
    if engine == "python":
        def parse(reader, start, stop, out, row, max_row, line):
            return _textblock.parse_python(reader.buf, start, stop, dim, out, row, max_row,
                                           line, allow_nonfinite=allow_nonfinite, path=path)
    elif engine == "numpy":
        def parse(reader, start, stop, out, row, max_row, line):
            return _textblock.parse_numpy(reader.arr, reader.buf, start, stop, dim, out, row,
                                          max_row, line, allow_nonfinite=allow_nonfinite,
                                          path=path)
    else:
        parse = _numba_parser(dim, allow_nonfinite, path)
    return parse


def _numba_parser(dim: int, allow_nonfinite: bool, path: str):
    from everyvec.kernels import textparse

    keys = np.empty((_KEY_CAPACITY, 3), dtype=np.int64)
    slow = np.empty((max(4096, 2 * dim), 4), dtype=np.int64)

    def parse(reader, start, stop, out, row, max_row, line):
        buf, arr = reader.buf, reader.arr
        pieces = []
        pos = start
        while True:
            status, pos, new_row, line, n_keys, n_slow, _found = textparse.parse_lines(
                arr, pos, stop, dim, out, row, max_row, line, keys, slow)
            for k, col, a, b in slow[:n_slow].tolist():
                try:
                    value = float(bytes(buf[a:b]))
                except ValueError:
                    value = None
                with np.errstate(over="ignore", invalid="ignore"):
                    cell = np.float32(value) if value is not None else None
                if cell is None or not (allow_nonfinite or np.isfinite(cell)):
                    # The reference parser raises the message for this line.
                    _raise_line(buf, int(keys[k, 0]), dim, int(keys[k, 2]), allow_nonfinite,
                                path)
                out[row + k, col] = cell
            pieces.append(keys[:n_keys].copy())
            row = new_row
            if status == textparse.BAD_LINE:
                _raise_line(buf, pos, dim, line, allow_nonfinite, path)
            if status == textparse.OK:
                break
        spans = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        return _textblock.Parsed(pos, row, line, spans[:, 0], spans[:, 1], spans[:, 2])

    return parse


def _raise_line(buf: bytearray, pos: int, dim: int, line: int, allow_nonfinite: bool,
                path: str) -> None:
    newline = buf.find(b"\n", pos)
    content = bytes(buf[pos:newline if newline >= 0 else len(buf)]).rstrip(
        _textblock.WHITESPACE)
    _textblock.parse_values(content, dim, line, allow_nonfinite=allow_nonfinite, path=path)
    raise AssertionError(f"line {line} was expected to be invalid")  # pragma: no cover


def write_text(
    vectors: Vectors,
    path: str | os.PathLike[str],
    *,
    header: bool = True,
    format_name: str = "word2vec",
) -> Path:
    """Write ``vectors`` as word2vec text (``header=True``) or GloVe (``header=False``).

    Raises ``ValueError`` for keys the format cannot hold (empty, or with a space or newline).
    """
    keys = vectors.keys
    check_keys_for_text(keys, format_name)
    matrix = vectors.matrix
    count, dim = matrix.shape
    row_format = "%s" + " %.9g" * dim + "\n"
    with open_output(path) as handle:
        if header:
            handle.write(f"{count} {dim}\n".encode())
        step = max(1, (1 << 20) // (12 * dim + 16))  # about 1 MiB of text per write
        for first in range(0, count, step):
            rows = matrix[first:first + step].tolist()
            text = "".join(row_format % (key, *row)
                           for key, row in zip(keys[first:first + step], rows, strict=True))
            handle.write(_encode(text, first, keys))
    return Path(path)


def _encode(text: str, first: int, keys: list[str]) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        for i, key in enumerate(keys[first:], start=first):
            try:
                key.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(f"key {key!r} at row {i} cannot be written as UTF-8 "
                                 f"({exc.reason})") from None
        raise
