"""Loading and saving vectors in every supported file format.

=====================  =========================================================  =========
name                   what                                                       detected
=====================  =========================================================  =========
``"native"``           folder: manifest.json, vectors.npy (memory-mapped), keys    yes
``"word2vec"``         text, header ``count dim``, lines ``key v1 … vdim``         yes
``"word2vec-binary"``  header ``count dim``, then ``key`` SP dim float32s         yes
``"glove"``            text without a header                                       yes
``"fasttext"``         fastText ``.vec``: word2vec text (detected as "word2vec")  —
=====================  =========================================================  =========

Text inputs may be gzip, bz2 or xz compressed (recognised by content). Every reader refuses
a truncated or inconsistent file with :class:`~everyvec.FormatError` naming the file and
the line (text) or byte offset (binary) and what was expected; nothing is silently dropped
or padded. NaN and infinity are refused unless ``allow_nonfinite=True``. Duplicate keys are
refused (gensim keeps the first one and logs a warning).

Examples
--------
>>> import numpy as np, tempfile, os
>>> from everyvec import Vectors
>>> folder = tempfile.mkdtemp()
>>> v = Vectors(["a", "b"], np.eye(2))
>>> path = save(v, os.path.join(folder, "v.txt"), format="word2vec")
>>> load(path).keys
['a', 'b']
"""

from __future__ import annotations

import os
from pathlib import Path

from everyvec.errors import FormatError
from everyvec.vectors.formats._keys import check_unicode_errors
from everyvec.vectors.formats.binary import read_binary, write_binary
from everyvec.vectors.formats.detect import detect_format
from everyvec.vectors.formats.native import read_native, verify_native, write_native
from everyvec.vectors.formats.text import ENGINES, read_text, write_text
from everyvec.vectors.vectors import Vectors

__all__ = ["FORMATS", "load", "save", "detect_format", "verify_native"]

#: Format names accepted by :func:`load` and :func:`save`.
FORMATS = ("native", "word2vec", "word2vec-binary", "glove", "fasttext")


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of "
                         + ", ".join(repr(name) for name in FORMATS))
    return format


def load(
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    limit: int | None = None,
    unicode_errors: str = "strict",
    mmap: bool = True,
    allow_nonfinite: bool = False,
    engine: str = "auto",
) -> Vectors:
    """Load vectors from ``path``.

    Parameters
    ----------
    path
        A native folder, or a word2vec / GloVe / fastText file (possibly compressed).
    format
        One of :data:`FORMATS`; ``None`` detects it from the content.
    limit
        Read only the first ``limit`` vectors (``None``: all). The rest of the file is not
        read (nor checked).
    unicode_errors
        How to decode keys that are not valid UTF-8: ``"strict"`` raises a FormatError naming
        the line or byte offset; ``"replace"``, ``"ignore"`` … behave as in gensim.
    mmap
        Native format only: map the matrix read-only instead of reading it into memory.
    allow_nonfinite
        Keep NaN and infinite values instead of refusing the file (text and binary formats).
    engine
        Text formats only: ``"auto"``, ``"numpy"``, ``"numba"`` or ``"python"`` — same result,
        different speed (see :mod:`everyvec.vectors.formats.text`).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    everyvec.FormatError
        The content is not valid in the format (or no format could be detected).
    ValueError
        An unknown ``format`` or a bad argument.
    """
    where = Path(path)
    if format is not None:
        _check_format(format)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 0):
        raise ValueError(f"limit must be None or an integer >= 0, got {limit!r}")
    check_unicode_errors(unicode_errors)
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r} is not one of {', '.join(map(repr, ENGINES))}")
    if not where.exists():
        raise FileNotFoundError(f"no such file or folder: {where}")
    if format is None:
        format = detect_format(where)
    if format == "native":
        return read_native(where, limit=limit, mmap=mmap)
    if where.is_dir():
        raise FormatError(f"expected a {format} file, found a folder", path=where)
    if format == "word2vec-binary":
        return read_binary(where, limit=limit, unicode_errors=unicode_errors,
                           allow_nonfinite=allow_nonfinite)
    return read_text(where, header=format != "glove", limit=limit,
                     unicode_errors=unicode_errors, allow_nonfinite=allow_nonfinite,
                     engine=engine, format_name=format)


def save(vectors: Vectors, path: str | os.PathLike[str], format: str = "native") -> Path:
    """Save ``vectors`` to ``path`` atomically and return the path.

    Parameters
    ----------
    vectors
        What to save.
    path
        A folder for ``"native"``, else a file; a ``.gz``/``.bz2``/``.xz`` suffix compresses
        text and binary files.
    format
        One of :data:`FORMATS`. Text is written with ``%.9g`` (lossless for float32);
        ``"fasttext"`` writes the same as ``"word2vec"``.

    Raises
    ------
    ValueError
        A key the format cannot hold (see each format), or an unknown ``format``.
    """
    _check_format(format)
    if not isinstance(vectors, Vectors):
        raise TypeError(f"expected a Vectors, got {type(vectors).__name__}")
    if format == "native":
        return write_native(vectors, path)
    if format == "word2vec-binary":
        return write_binary(vectors, path)
    return write_text(vectors, path, header=format != "glove", format_name=format)

