"""The write-ahead log: every change since the last snapshot, one fsynced JSON line each.

A writable collection appends one line per ``upsert`` or ``delete`` to ``log.jsonl`` and
fsyncs it before the call returns, so a change that returned survives a crash::

    {"base":"v000007","op":"upsert","keys":["a"],"vectors":[[0.5,1.0]],"metadata":[{}]}
    {"base":"v000007","op":"delete","keys":["b"]}

``base`` names the snapshot the line applies to. Opening replays the lines whose base is the
current snapshot, in order; older lines are what a save had already folded into a newer
snapshot before it crashed short of removing the log, and are skipped. ``"metadata": null``
means "keep the metadata the keys have". Vectors are written as float64 ``repr`` of the
float32 values, which reads back as exactly the same float32.

A line counts once its newline is on disk. A last line without one is what a crash in the
middle of an append leaves: it is ignored with a warning (a writer cuts it off before
appending). Any other line that is not a valid operation is damage, and raises
:class:`~everyvec.FormatError` naming the file and the line.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._atomic import fsync_dir
from everyvec.collection.records import check_metadata, dumps
from everyvec.errors import FormatError

__all__ = ["Operation", "LogContents", "LogWriter", "upsert_line", "delete_line",
           "parse_line", "read_log"]

logger = logging.getLogger("everyvec.collection")

OPS = ("upsert", "delete")


@dataclass(frozen=True)
class Operation:
    """One logged change.

    Attributes
    ----------
    op
        ``"upsert"`` or ``"delete"``.
    keys
        The keys it concerns.
    vectors
        ``(len(keys), dim)`` float32 rows (upsert only).
    metadata
        One dict per key, or ``None`` to keep the keys' metadata (upsert only).
    """

    op: str
    keys: list[str]
    vectors: np.ndarray | None = None
    metadata: list[dict[str, Any]] | None = None


@dataclass
class LogContents:
    """What :func:`read_log` found.

    Attributes
    ----------
    operations
        The operations on the requested base snapshot, in order.
    end
        Bytes of complete lines: a writer cuts the file to this length before appending.
    torn
        Whether an incomplete last line was ignored.
    stale
        Lines skipped because they belong to an older snapshot.
    """

    operations: list[Operation] = field(default_factory=list)
    end: int = 0
    torn: bool = False
    stale: int = 0


def upsert_line(base: str, keys: list[str], matrix: np.ndarray,
                metadata: list[dict[str, Any]] | None) -> bytes:
    """The log line of an upsert (``matrix`` float32, ``metadata`` checked or ``None``)."""
    record = {"base": base, "op": "upsert", "keys": keys,
              "vectors": matrix.astype(np.float64).tolist(), "metadata": metadata}
    return (dumps(record) + "\n").encode("ascii")


def delete_line(base: str, keys: list[str]) -> bytes:
    """The log line of a delete."""
    return (dumps({"base": base, "op": "delete", "keys": keys}) + "\n").encode("ascii")


def parse_line(data: bytes, dim: int, *, path: Path, line: int,
               base: str | None = None) -> tuple[str, Operation | None]:
    """Decode one log line into ``(base, operation)``.

    When ``base`` is given and the line belongs to another snapshot, only its base is read
    and the operation is ``None``. Raises :class:`~everyvec.FormatError` (naming ``path``
    and ``line``) for anything that is not a valid operation.
    """
    def bad(message: str) -> FormatError:
        return FormatError(message, path=path, line=line)

    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad(f"not a valid JSON line ({exc}); the log is damaged") from None
    if not isinstance(record, dict) or not isinstance(record.get("base"), str):
        raise bad('expected a JSON object with a string "base"')
    if base is not None and record["base"] != base:
        return record["base"], None
    op = record.get("op")
    if op not in OPS:
        raise bad(f"expected \"op\" to be one of {', '.join(OPS)}; got {op!r}")
    keys = record.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise bad('expected "keys" to be a list of non-empty strings')
    if len(set(keys)) != len(keys):
        raise bad('expected the "keys" of one line to be unique')
    if op == "delete":
        return record["base"], Operation("delete", keys)
    try:
        matrix = np.asarray(record.get("vectors"), dtype=np.float64)
    except (TypeError, ValueError):
        raise bad('expected "vectors" to be a list of rows of numbers') from None
    if matrix.shape != (len(keys), dim) or not np.isfinite(matrix).all():
        raise bad(f'expected "vectors" to be {len(keys)} rows of {dim} finite numbers; got '
                  f"shape {matrix.shape}")
    metadata = record.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, list) or len(metadata) != len(keys):
            raise bad(f'expected "metadata" to be null or a list of {len(keys)} objects')
        try:
            metadata = [check_metadata(value, key)
                        for key, value in zip(keys, metadata, strict=True)]
        except (TypeError, ValueError) as exc:
            raise bad(str(exc)) from None
    return record["base"], Operation("upsert", keys, matrix.astype(np.float32), metadata)


def read_log(path: Path, base: str, dim: int) -> LogContents:
    """The operations of ``path`` on snapshot ``base`` (an absent log has none)."""
    contents = LogContents()
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return contents
    with handle:
        number = 0
        for data in handle:
            number += 1
            if not data.endswith(b"\n"):
                contents.torn = True
                logger.warning("%s, line %d: ignoring an incomplete last line (a write was cut "
                               "short, probably by a crash)", path, number)
                break
            contents.end += len(data)
            if not data.strip():
                continue
            _, operation = parse_line(data, dim, path=path, line=number, base=base)
            if operation is None:
                contents.stale += 1
            else:
                contents.operations.append(operation)
    return contents


class LogWriter:
    """Appends lines to the log, each one on disk (fsynced) before :meth:`append` returns.

    Parameters
    ----------
    path
        The log file; created when absent.
    end
        Cut the file to this many bytes first (dropping a torn last line); ``None`` keeps it.
    """

    def __init__(self, path: Path, end: int | None = None) -> None:
        self.path = path
        existed = path.exists()
        # Unbuffered, so that a failed write leaves nothing queued to come out later.
        self._handle = open(path, "ab", buffering=0)
        if end is not None and end < self._handle.tell():
            os.ftruncate(self._handle.fileno(), end)
            os.fsync(self._handle.fileno())
        if not existed:
            fsync_dir(path.parent)  # the new file's name must be durable too
        self._size = os.fstat(self._handle.fileno()).st_size

    def append(self, line: bytes) -> None:
        """Write ``line`` (ending in a newline) and fsync; on failure cut it off again."""
        try:
            view = memoryview(line)
            while view:
                view = view[self._handle.write(view):]
            os.fsync(self._handle.fileno())
        except BaseException:
            # A half-written line followed by a later complete one would read as damage.
            try:
                os.ftruncate(self._handle.fileno(), self._size)
            except OSError:  # pragma: no cover - the disk is failing; the reader copes
                pass
            raise
        self._size += len(line)

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._handle.close()
