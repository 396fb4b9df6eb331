"""The collection folder: its layout, immutable snapshots, and the commit protocol.

A collection is a native vectors folder (:mod:`everyvec.vectors.formats.native`) whose
manifest points into a snapshot subfolder and carries one extra entry, so
``everyvec.load(folder)`` still reads its vectors::

    manifest.json        native manifest; files.*.name = "v000007/…", plus
                         "collection": {"format_version": 1, "version": "v000007",
                         "metadata": "v000007/metadata.jsonl", "index_spec": "exact",
                         "metric": "cosine", "index": "v000007/index"}
    v000007/             one immutable snapshot: vectors.npy and keys.txt (exactly as the
                         native format writes them), metadata.jsonl (one JSON object per row,
                         same order), index/ (the saved index; for Milvus a pointer)
    log.jsonl            changes since the snapshot (:mod:`everyvec.collection.log`)
    lock                 held (``flock``) by the one process that may write

Saving (compaction) writes ``v000008/`` completely and fsyncs it, then replaces
``manifest.json`` atomically and fsyncs the folder — that rename is the commit point — and
only then removes the log, older snapshots and leftovers of crashed saves. A crash before
the commit leaves the old manifest, its snapshot and its log; a crash after it leaves the new
snapshot, and the old log lines name the old snapshot as their base, so they are skipped.

Simplifications: one writer at a time (enforced with an advisory ``flock`` where the platform
has one); readers see the state of the moment they opened.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from everyvec._atomic import atomic_dir, atomic_file, fsync_dir
from everyvec.collection.records import dumps
from everyvec.errors import EveryvecError, FormatError
from everyvec.index.base import METRICS, Index
from everyvec.vectors.formats import native
from everyvec.vectors.vectors import Vectors

__all__ = ["MANIFEST", "LOG", "LOCK", "Snapshot", "read_snapshot", "read_metadata",
           "write_snapshot", "commit", "clean", "next_version", "current_version",
           "refuse_foreign", "FolderLock"]

logger = logging.getLogger("everyvec.collection")

MANIFEST = native.MANIFEST
LOG = "log.jsonl"
LOCK = "lock"
METADATA = "metadata.jsonl"
INDEX = "index"
#: Version of the "collection" entry of the manifest (the native format has its own).
COLLECTION_FORMAT_VERSION = 1

_VERSION = re.compile(r"v(\d{6,})\Z")
# What crashed saves leave behind: atomic_dir's ".v000008.*.tmp"/".old" folders and
# atomic_file's ".manifest.json.*.tmp" files.
_LEFTOVER = re.compile(r"\.(v\d{6,}|manifest\.json)\..*\.(tmp|old)\Z")


def version_name(number: int) -> str:
    """``7`` -> ``"v000007"``."""
    return f"v{number:06d}"


@dataclass(frozen=True)
class Snapshot:
    """What a collection's manifest says (paths relative to ``folder``)."""

    folder: Path
    manifest: dict[str, Any]
    version: str
    metadata: str
    index_spec: str
    metric: str
    index: str | None

    @property
    def count(self) -> int:
        """Rows in the snapshot."""
        return int(self.manifest["count"])

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.manifest["dim"])


def read_snapshot(folder: Path) -> Snapshot | None:
    """The snapshot ``folder/manifest.json`` names; ``None`` for plain native vectors.

    Raises :class:`~everyvec.FormatError` when the manifest or its ``"collection"`` entry is
    invalid.
    """
    manifest = native.read_manifest(folder)
    entry = manifest.get("collection")
    if entry is None:
        return None
    where = folder / MANIFEST

    def bad(message: str) -> FormatError:
        return FormatError(f"the \"collection\" entry: {message}", path=where)

    if not isinstance(entry, Mapping):
        raise bad("expected a JSON object")
    version = entry.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad(f"expected a positive integer \"format_version\", got {version!r}")
    if version > COLLECTION_FORMAT_VERSION:
        raise bad(f"written in collection format version {version}; this everyvec reads up "
                  f"to {COLLECTION_FORMAT_VERSION}; upgrade everyvec")
    name = entry.get("version")
    if not isinstance(name, str) or not _VERSION.match(name):
        raise bad(f"expected \"version\" like \"v000007\", got {name!r}")
    for field in ("metadata", "index"):
        value = entry.get(field)
        if (value is not None or field == "metadata") and not native.is_member_name(folder,
                                                                                   value):
            raise bad(f"expected \"{field}\" to be a relative path inside the folder, got "
                      f"{value!r}")
    if not isinstance(entry.get("index_spec"), str):
        raise bad("expected a string \"index_spec\"")
    if entry.get("metric") not in METRICS:
        raise bad(f"expected \"metric\" to be one of {', '.join(METRICS)}, got "
                  f"{entry.get('metric')!r}")
    return Snapshot(folder, manifest, name, entry["metadata"], entry["index_spec"],
                    entry["metric"], entry.get("index"))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_metadata(path: Path, count: int) -> list[dict[str, Any]]:
    """The ``count`` metadata dicts of ``metadata.jsonl`` (one JSON object per line)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormatError("missing; the manifest names it as the metadata file",
                          path=path) from None
    if data and not data.endswith(b"\n"):
        raise FormatError("the last line has no newline; the file is truncated", path=path,
                          line=data.count(b"\n") + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not valid UTF-8 ({exc.reason})", path=path,
                          line=data.count(b"\n", 0, exc.start) + 1) from None
    # raw_decode walks the text line by line without json.loads's per-call set-up (3x faster).
    decoder = json.JSONDecoder(parse_constant=_no_constants)
    result: list[dict[str, Any]] = []
    pos, size = 0, len(text)
    while pos < size:
        line = len(result) + 1
        if text.startswith("{}\n", pos):  # the common case
            result.append({})
            pos += 3
            continue
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise FormatError(f"not a valid JSON line ({reason})", path=path,
                              line=line) from None
        if text[end:end + 1] != "\n":
            raise FormatError("expected one JSON object per line", path=path, line=line)
        if not isinstance(value, dict):
            raise FormatError(f"expected a JSON object, got {type(value).__name__}", path=path,
                              line=line)
        result.append(value)
        pos = end + 1
    if len(result) != count:
        raise FormatError(f"expected {count} lines (the manifest's count), found "
                          f"{len(result)}", path=path)
    return result


def next_version(folder: Path) -> str:
    """A snapshot name not used in ``folder`` yet: one past the largest there."""
    numbers = [0]
    if folder.is_dir():
        for item in folder.iterdir():
            found = _VERSION.match(item.name)
            if found:
                numbers.append(int(found.group(1)))
        with contextlib.suppress(FormatError, OSError):
            snapshot = read_snapshot(folder) if (folder / MANIFEST).is_file() else None
            if snapshot is not None:
                numbers.append(int(snapshot.version[1:]))
    return version_name(max(numbers) + 1)


def write_snapshot(folder: Path, version: str, vectors: Vectors,
                   metadata: Iterable[Mapping[str, Any]], index: Index, metric: str,
                   provenance: Mapping[str, Any]) -> dict[str, Any]:
    """Write snapshot ``folder/version`` completely and durably; return its manifest.

    ``metadata`` holds one dict per row of ``vectors``; ``index`` holds the same keys.
    Nothing refers to the snapshot until :func:`commit` writes the manifest returned here.
    """
    keys_bytes = native.encode_keys(vectors.keys)
    provenance = native.check_provenance(provenance)
    with atomic_dir(folder / version) as tmp:
        files = native.write_payload(tmp, vectors.matrix, keys_bytes, prefix=f"{version}/")
        with open(tmp / METADATA, "w", encoding="ascii", newline="\n") as handle:
            handle.writelines(dumps(dict(m)) + "\n" for m in metadata)
        index.save(tmp / INDEX)
    fsync_dir(folder)
    manifest = native.make_manifest(vectors.matrix.shape, files, provenance)
    manifest["collection"] = {
        "format_version": COLLECTION_FORMAT_VERSION,
        "version": version,
        "metadata": f"{version}/{METADATA}",
        "index_spec": index.spec,
        "metric": metric,
        "index": f"{version}/{INDEX}",
    }
    return manifest


def commit(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Make ``manifest`` the folder's manifest: atomic replace, then fsync the folder."""
    with atomic_file(folder / MANIFEST, "w") as handle:
        handle.write(native.manifest_text(manifest))
    fsync_dir(folder)


def clean(folder: Path, keep: str) -> None:
    """After a commit: remove the log, other snapshots and leftovers of crashed saves.

    Best effort: what cannot be removed is logged and left for the next save (a stale log's
    lines are skipped, an old snapshot is never read).
    """
    try:
        (folder / LOG).unlink(missing_ok=True)
        fsync_dir(folder)
    except OSError as exc:
        logger.warning("%s: could not remove the log after saving (%s); its lines are "
                       "stale and will be skipped", folder / LOG, exc)
    for item in sorted(folder.iterdir()):
        if item.name == keep or not (_VERSION.match(item.name) or _LEFTOVER.match(item.name)):
            continue
        try:
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
        except OSError as exc:
            logger.warning("%s: could not remove an old snapshot (%s)", item, exc)


def current_version(folder: Path) -> str | None:
    """The snapshot version ``folder``'s manifest names now, or None when unreadable."""
    try:
        snapshot = read_snapshot(folder)
    except (FormatError, OSError):
        return None
    return snapshot.version if snapshot is not None else None


def refuse_foreign(target: Path) -> None:
    """Raise ``FileExistsError`` unless ``target`` is missing, empty or a collection folder."""
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a folder; a collection is a folder")
    if not target.is_dir() or not any(target.iterdir()):
        return
    if not (target / MANIFEST).is_file():
        raise FileExistsError(f"{target} is a folder that is not an everyvec collection (no "
                              f"{MANIFEST}); refusing to write into it")
    try:
        snapshot = read_snapshot(target)
    except FormatError:
        snapshot = None
    if snapshot is None:
        raise FileExistsError(f"{target} holds plain vectors or a damaged manifest, not a "
                              "collection; refusing to replace it")


class FolderLock:
    """An exclusive advisory lock on ``folder/lock``: one writer per collection.

    Uses ``fcntl.flock``, which the kernel releases when the process dies, so a crash never
    leaves a stale lock. On platforms without ``fcntl`` nothing is locked.

    Raises
    ------
    everyvec.EveryvecError
        Another process (or another open collection in this one) holds the lock.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise EveryvecError(
                f"{folder} is open for writing elsewhere (someone holds {self.path}); a "
                "collection has one writer at a time — close the other one, or open this "
                "one with writable=False") from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None
