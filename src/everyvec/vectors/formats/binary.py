"""word2vec binary files: reading and writing.

The layout (the original C tool's): a text header line ``count dim``, then for each vector the
key's UTF-8 bytes, a space, and ``dim`` little-endian float32s. The C tool writes a newline
after each vector and gensim 4 does not; readers skip newlines before a key (as gensim does),
so both read the same. Keys cannot contain a space.

Reading is plain Python and NumPy on purpose: finding each key is one ``bytearray.find`` and
all of a block's vectors are copied into the preallocated matrix with one fancy-indexing
call, which beats gensim by a wide margin without the half second and 100+ MiB that
importing numba would cost.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

from everyvec.errors import FormatError
from everyvec.vectors.formats._io import BlockReader, open_input, open_output
from everyvec.vectors.formats._keys import check_keys_for_text, decode_keys, find_duplicate
from everyvec.vectors.formats.text import _allocate, parse_header
from everyvec.vectors.vectors import Vectors

__all__ = ["read_binary", "write_binary"]

#: Longest key accepted before the file is called corrupt.
MAX_KEY = 1 << 16


def read_binary(
    path: str | os.PathLike[str],
    *,
    limit: int | None = None,
    unicode_errors: str = "strict",
    allow_nonfinite: bool = False,
    block_size: int | None = None,
) -> Vectors:
    """Read a word2vec binary file (possibly compressed).

    Parameters
    ----------
    path
        The file.
    limit
        Read only the first ``limit`` vectors (``None``: all).
    unicode_errors
        How to decode keys that are not valid UTF-8 (``"strict"`` raises).
    allow_nonfinite
        Keep NaN and infinite values instead of raising.
    block_size
        Bytes read at a time (tests use tiny blocks).
    """
    path = os.fspath(path)
    kw = {} if block_size is None else {"block_size": block_size}
    with open_input(path) as (stream, compression):
        reader = BlockReader(stream, path, compressed=compression is not None, **kw)
        first = reader.read_line("header")
        if not first and reader.eof and reader.pending == 0:
            raise FormatError("the file is empty; expected a header line 'count dim'",
                              path=path, line=1)
        count, dim = parse_header(first, path)
        total = count if limit is None else min(count, limit)
        width = 4 * dim
        if compression is None:
            available = os.path.getsize(path) - reader.base - reader.start
            if available < total * (width + 1):
                raise FormatError(
                    f"the file is truncated: {total} vectors of {dim} float32s need at least "
                    f"{total * (width + 1)} bytes after the header, the file has {available}",
                    path=path, offset=os.path.getsize(path),
                )
        out = _allocate(total, dim, path)
        out_bytes = out.view(np.uint8).reshape(total, width)
        keys: list[str] = []
        key_offsets = np.empty(total, dtype=np.int64)
        row = 0
        while row < total:
            buf, end, base = reader.buf, reader.end, reader.base
            pos = reader.start
            starts: list[int] = []
            spaces: list[int] = []
            new_row = row
            while new_row < total:
                while pos < end and buf[pos] == 10:  # a newline ends the previous vector
                    pos += 1
                space = buf.find(b" ", pos, end)
                if space < 0:
                    if end - pos > MAX_KEY:
                        raise FormatError(
                            f"no space after {MAX_KEY} bytes of key {new_row + 1}: not a "
                            "word2vec binary file, or its header's dim is wrong",
                            path=path, offset=base + pos,
                        )
                    break
                if space + 1 + width > end:
                    break
                starts.append(pos)
                spaces.append(space)
                new_row += 1
                pos = space + 1 + width
            if new_row > row:
                _copy_rows(reader.arr, end, spaces, width, out_bytes[row:new_row])
                raw = [buf[s:e] for s, e in zip(starts, spaces, strict=True)]
                keys.extend(decode_keys(raw, unicode_errors, _key_error(starts, base, path)))
                key_offsets[row:new_row] = np.asarray(starts, dtype=np.int64) + base
                if not allow_nonfinite:
                    _check_finite(out[row:new_row], spaces, base, row, path)
                row = new_row
            reader.start = pos
            if row < total and reader.fill() == 0:
                _raise_truncated(reader, row, count, width, path)
        if total == count:
            extra = reader.rest_is_blank()
            if extra is not None:
                raise FormatError(
                    f"unexpected data after the last of the {count} vectors the header "
                    f"announces; does the header ('{count} {dim}') match the file?",
                    path=path, offset=extra,
                )
    duplicate = find_duplicate(keys)
    if duplicate is not None:
        first_row, second_row = duplicate
        raise FormatError(
            f"duplicate key {keys[second_row]!r} (vector {second_row + 1}); it is also "
            f"vector {first_row + 1}, at byte {int(key_offsets[first_row])}",
            path=path, offset=int(key_offsets[second_row]),
        )
    return Vectors(keys, out, provenance={"source": path, "format": "word2vec-binary"})


def _copy_rows(arr: np.ndarray, end: int, spaces: list[int], width: int,
               target: np.ndarray) -> None:
    """Copy ``width`` bytes after each space into the rows of ``target``, in one call."""
    windows = as_strided(arr, shape=(end - width + 1, width), strides=(1, 1), writeable=False)
    target[:] = windows[np.asarray(spaces, dtype=np.int64) + 1]


def _check_finite(block: np.ndarray, spaces: list[int], base: int, row: int, path: str) -> None:
    finite = np.isfinite(block)
    if finite.all():
        return
    i, j = (int(x) for x in np.argwhere(~finite)[0])
    raise FormatError(
        f"vector {row + i + 1} has a non-finite value ({block[i, j]}) in column {j + 1}; NaN "
        "and infinity are refused unless allow_nonfinite=True",
        path=path, offset=base + spaces[i] + 1 + 4 * j,
    )


def _key_error(starts: list[int], base: int, path: str):
    def on_error(i: int, byte: int, reason: str) -> FormatError:
        return FormatError(
            f"the key is not valid UTF-8 ({reason}); pass unicode_errors='replace' or 'ignore' "
            "to load it anyway",
            path=path, offset=base + starts[i] + byte,
        )
    return on_error


def _raise_truncated(reader: BlockReader, row: int, count: int, width: int, path: str) -> None:
    buf, pos, end = reader.buf, reader.start, reader.end
    while pos < end and buf[pos] == 10:
        pos += 1
    offset = reader.base + pos
    space = buf.find(b" ", pos, end)
    if pos == end:
        detail = f"the file ends after {row} vectors, but its header says {count}"
    elif space < 0:
        detail = (f"vector {row + 1} is cut short: the file ends inside its key, "
                  f"{row} of the {count} vectors the header says are complete")
    else:
        detail = (f"vector {row + 1} is cut short: {width} bytes of float32s should follow its "
                  f"key, the file has {end - space - 1}")
    raise FormatError(detail, path=path, offset=offset)


def write_binary(vectors: Vectors, path: str | os.PathLike[str]) -> Path:
    """Write ``vectors`` as word2vec binary, byte for byte as gensim 4 does (no newlines).

    Raises ``ValueError`` for keys the format cannot hold (empty, or with a space or newline).
    """
    keys = vectors.keys
    check_keys_for_text(keys, "word2vec-binary")
    matrix = vectors.matrix
    count, dim = matrix.shape
    step = max(1, (4 << 20) // (4 * dim + 16))
    with open_output(path) as handle:
        handle.write(f"{count} {dim}\n".encode())
        for first in range(0, count, step):
            rows = np.ascontiguousarray(matrix[first:first + step], dtype="<f4")
            parts = []
            for i, key in enumerate(keys[first:first + step]):
                try:
                    parts.append(key.encode("utf-8") + b" ")
                except UnicodeEncodeError as exc:
                    raise ValueError(f"key {key!r} at row {first + i} cannot be written as "
                                     f"UTF-8 ({exc.reason})") from None
                parts.append(rows[i].tobytes())
            handle.write(b"".join(parts))
    return Path(path)
