"""everyvec's own format: a folder that loads as a memory map in milliseconds.

Layout of a folder written by :func:`write_native`::

    manifest.json   {"format": "everyvec.vectors", "format_version": 1, "count", "dim",
                     "dtype": "float32", "files": {...sizes and sha256...}, "provenance": {...}}
    vectors.npy     the (count, dim) little-endian float32 matrix, saved with np.save
    keys.txt        the keys, UTF-8, one per line, each line ending in "\\n"

Keys may contain anything but a newline (saving one raises ``ValueError``). The folder is
written beside its final name and renamed into place, so a crash never leaves half of one.

The manifest's ``files.*.name`` may also be a relative path inside the folder
(``"v000003/vectors.npy"``): a collection (:mod:`everyvec.collection`) keeps immutable
snapshots in subfolders and stays loadable as plain vectors. The pieces of this module
(:func:`write_payload`, :func:`make_manifest`, :func:`read_manifest`, :func:`read_payload`)
are what it reuses.

Loading validates the manifest, the ``.npy`` header against it and the file size, and
the keys (count, SHA-256, no duplicates), then maps ``vectors.npy`` read-only without reading
it. :func:`verify_native` also checks the matrix's SHA-256 (it reads every byte).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np

from everyvec._atomic import atomic_dir
from everyvec.errors import FormatError
from everyvec.vectors.formats._keys import find_duplicate
from everyvec.vectors.vectors import Vectors

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "read_native", "write_native", "verify_native",
           "read_manifest", "read_payload", "write_payload", "make_manifest", "write_manifest",
           "manifest_text", "encode_keys", "check_provenance", "is_member_name"]

FORMAT_NAME = "everyvec.vectors"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"
KEYS = "keys.txt"


class _HashingWriter:
    """A write-only file wrapper that hashes and counts what goes through it."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.size += view.nbytes
        return self._handle.write(view)

    def flush(self) -> None:
        self._handle.flush()


def write_native(vectors: Vectors, path: str | os.PathLike[str]) -> Path:
    """Write ``vectors`` as a native folder at ``path`` (replacing an earlier one).

    Raises ``ValueError`` for a key with a newline or one that is not encodable as UTF-8,
    ``TypeError`` for provenance that is not JSON-serialisable, and ``FileExistsError`` when
    ``path`` is a file or a non-empty folder that is not an everyvec vectors folder.
    """
    target = Path(path)
    _refuse_foreign(target)
    keys_bytes = encode_keys(vectors.keys)
    provenance = check_provenance(vectors.provenance)
    with atomic_dir(target) as tmp:
        files = write_payload(tmp, vectors.matrix, keys_bytes)
        write_manifest(tmp, make_manifest(vectors.matrix.shape, files, provenance))
    return target


def write_payload(folder: Path, matrix: Any, keys_bytes: bytes, *,
                  prefix: str = "") -> dict[str, dict[str, Any]]:
    """Write ``vectors.npy`` and ``keys.txt`` into ``folder``; return the manifest's ``files``.

    Parameters
    ----------
    folder
        Where the two files go (an existing, usually temporary, folder).
    matrix
        The ``(count, dim)`` matrix; written as little-endian float32.
    keys_bytes
        The keys as :func:`encode_keys` returns them.
    prefix
        Put before each file name in the returned entries: the path from the manifest's
        folder to ``folder`` (``"v000003/"`` in a collection), or ``""``.
    """
    matrix = np.ascontiguousarray(matrix, dtype="<f4")
    with open(folder / VECTORS, "wb") as handle:
        writer = _HashingWriter(handle)
        np.save(writer, matrix, allow_pickle=False)
    with open(folder / KEYS, "wb") as handle:
        handle.write(keys_bytes)
    return {
        "vectors": {"name": prefix + VECTORS, "bytes": writer.size,
                    "sha256": writer.sha256.hexdigest()},
        "keys": {"name": prefix + KEYS, "bytes": len(keys_bytes),
                 "sha256": hashlib.sha256(keys_bytes).hexdigest()},
    }


def check_provenance(provenance: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON round trip of ``provenance``; ``TypeError`` when it is not JSON-serialisable."""
    try:
        return json.loads(json.dumps(dict(provenance), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"vectors.provenance must be JSON-serialisable: {exc}") from None


def make_manifest(shape: tuple[int, ...], files: Mapping[str, Any],
                  provenance: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of a ``(count, dim)`` matrix stored as ``files`` (see :func:`write_payload`)."""
    count, dim = shape
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "count": int(count),
        "dim": int(dim),
        "dtype": "float32",
        "files": dict(files),
        "provenance": dict(provenance),
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` into ``folder`` (plainly: the caller makes it atomic)."""
    (folder / MANIFEST).write_text(manifest_text(manifest), encoding="utf-8")


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """The text of ``manifest.json``: indented JSON, UTF-8 kept readable."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _refuse_foreign(target: Path) -> None:
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise FileExistsError(
            f"{target} is a folder that is not an everyvec vectors folder (no {MANIFEST}); "
            "refusing to replace it"
        )
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a folder; the native format is a "
                              "folder")
    if (target / MANIFEST).is_file():
        try:
            manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return
        if isinstance(manifest, dict) and "collection" in manifest:
            # Replacing it would drop its metadata, index and write-ahead log.
            raise FileExistsError(f"{target} is an everyvec collection; refusing to replace it "
                                  "with plain vectors (save through everyvec.Collection, or "
                                  "remove it first)")


def encode_keys(keys: list[str]) -> bytes:
    """``keys`` as the bytes of ``keys.txt``; ``ValueError`` for a newline or non-UTF-8 key."""
    for i, key in enumerate(keys):
        if "\n" in key:
            raise ValueError(f"key {key!r} at row {i} contains a newline, which the native "
                             "format's keys.txt cannot hold")
    text = "".join(key + "\n" for key in keys)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        for i, key in enumerate(keys):
            try:
                key.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(f"key {key!r} at row {i} cannot be written as UTF-8 "
                                 f"({exc.reason})") from None
        raise


def read_native(
    path: str | os.PathLike[str], *, limit: int | None = None, mmap: bool = True
) -> Vectors:
    """Load a native folder; with ``mmap=True`` the matrix is a read-only ``np.memmap``.

    Every inconsistency raises :class:`~everyvec.FormatError` naming the file and what was
    expected.
    """
    folder = Path(path)
    return read_payload(folder, read_manifest(folder), limit=limit, mmap=mmap)


def read_payload(folder: Path, manifest: Mapping[str, Any], *, limit: int | None = None,
                 mmap: bool = True) -> Vectors:
    """The vectors a manifest (from :func:`read_manifest`) describes, checked against it."""
    count, dim = manifest["count"], manifest["dim"]
    files = manifest["files"]
    vectors_path = folder / files["vectors"]["name"]
    keys_path = folder / files["keys"]["name"]
    offset = _check_npy(vectors_path, count, dim, files["vectors"].get("bytes"))
    keys = _read_keys(keys_path, count, files["keys"])
    total = count if limit is None else min(count, limit)
    if mmap and total * dim > 0:
        matrix = np.memmap(vectors_path, dtype="<f4", mode="r", offset=offset,
                           shape=(count, dim))[:total]
    else:
        with open(vectors_path, "rb") as handle:
            handle.seek(offset)
            matrix = np.fromfile(handle, dtype="<f4", count=total * dim).reshape(total, dim)
    provenance = manifest.get("provenance") or {}
    return Vectors(keys[:total], matrix, provenance=provenance)


def read_manifest(folder: Path) -> dict[str, Any]:
    """Read and validate ``folder/manifest.json``; :class:`~everyvec.FormatError` when wrong."""
    where = folder / MANIFEST
    if not folder.is_dir():
        raise FormatError("expected a native vectors folder (with manifest.json), found a file",
                          path=folder)
    if not where.is_file():
        raise FormatError(f"no {MANIFEST}; expected an everyvec vectors folder", path=where)
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"not valid JSON: {exc}", path=where) from None
    if not isinstance(manifest, dict):
        raise FormatError("expected a JSON object", path=where)
    if manifest.get("format") != FORMAT_NAME:
        raise FormatError(f"expected \"format\": \"{FORMAT_NAME}\", got "
                          f"{manifest.get('format')!r}", path=where)
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(f"expected \"format_version\" to be a positive integer, got "
                          f"{version!r}", path=where)
    if version > FORMAT_VERSION:
        raise FormatError(
            f"written in format version {version}, but this everyvec reads versions up to "
            f"{FORMAT_VERSION}; upgrade everyvec to load it", path=where,
        )
    for field, least in (("count", 0), ("dim", 1)):
        value = manifest.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise FormatError(f"expected \"{field}\" to be an integer >= {least}, got "
                              f"{value!r}", path=where)
    if manifest.get("dtype") != "float32":
        raise FormatError(f"expected \"dtype\": \"float32\", got {manifest.get('dtype')!r}",
                          path=where)
    files = manifest.get("files")
    if not isinstance(files, Mapping):
        raise FormatError("expected a \"files\" object naming vectors and keys", path=where)
    for part in ("vectors", "keys"):
        entry = files.get(part)
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not is_member_name(folder, name):
            raise FormatError(f"expected files.{part}.name to be a file name in the folder "
                              f"(or a relative path inside it), got {name!r}", path=where)
    provenance = manifest.get("provenance", {})
    if not isinstance(provenance, Mapping):
        raise FormatError("expected \"provenance\" to be a JSON object", path=where)
    return manifest


def is_member_name(folder: Path, name: object) -> bool:
    """Whether ``name`` is a relative path to something inside ``folder``.

    ``"keys.txt"`` and ``"v000003/keys.txt"`` are; absolute paths, drive letters, ``".."``,
    backslashes and names that resolve outside ``folder`` (through a link) are not.
    """
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.drive or windows.root:
        return False
    if any(part in ("", ".", "..") for part in name.split("/")):
        return False
    try:
        (folder / name).resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def _check_npy(where: Path, count: int, dim: int, size: Any) -> int:
    """Validate the ``.npy`` header against the manifest; return the data offset."""
    if not where.is_file():
        raise FormatError("missing; the manifest names it as the vectors file", path=where)
    with open(where, "rb") as handle:
        try:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, OSError, SyntaxError) as exc:
            raise FormatError(f"not a valid .npy file ({exc})", path=where) from None
        offset = handle.tell()
    if dtype != np.dtype("<f4"):
        raise FormatError(f"expected little-endian float32 data, the .npy header says {dtype}",
                          path=where)
    if fortran:
        raise FormatError("expected C-ordered data, the .npy header says Fortran order",
                          path=where)
    if tuple(shape) != (count, dim):
        raise FormatError(f"the .npy header says shape {tuple(shape)}, the manifest says "
                          f"({count}, {dim})", path=where)
    actual = where.stat().st_size
    expected = offset + 4 * count * dim
    if actual != expected or (isinstance(size, int) and size != actual):
        raise FormatError(f"expected {expected} bytes, found {actual}; the file is truncated "
                          "or damaged", path=where)
    return offset


def _read_keys(where: Path, count: int, entry: Mapping[str, Any]) -> list[str]:
    if not where.is_file():
        raise FormatError("missing; the manifest names it as the keys file", path=where)
    data = where.read_bytes()
    digest = entry.get("sha256")
    if isinstance(digest, str) and hashlib.sha256(data).hexdigest() != digest:
        raise FormatError("the SHA-256 does not match the manifest; the file is damaged or "
                          "was edited", path=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FormatError(f"not valid UTF-8 ({exc.reason})", path=where, line=line) from None
    if count and not text.endswith("\n"):
        raise FormatError("expected every key to end with a newline; the file is truncated",
                          path=where, line=text.count("\n") + 1)
    keys = text.split("\n")[:-1] if count else ([] if not text else text.split("\n"))
    if len(keys) != count:
        raise FormatError(f"expected {count} keys (the manifest's count), found {len(keys)}",
                          path=where, line=min(len(keys), count) + 1)
    duplicate = find_duplicate(keys)
    if duplicate is not None:
        first, second = duplicate
        raise FormatError(f"duplicate key {keys[second]!r}; it is also on line {first + 1}",
                          path=where, line=second + 1)
    return keys


def verify_native(path: str | os.PathLike[str]) -> None:
    """Check everything :func:`read_native` checks plus the SHA-256 of ``vectors.npy``.

    Reads the whole matrix; raises :class:`~everyvec.FormatError` on any mismatch.
    """
    folder = Path(path)
    read_native(folder, mmap=True)
    entry = read_manifest(folder)["files"]["vectors"]
    digest = hashlib.sha256()
    with open(folder / entry["name"], "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if isinstance(entry.get("sha256"), str) and digest.hexdigest() != entry["sha256"]:
        raise FormatError("the SHA-256 does not match the manifest; the file is damaged",
                          path=folder / entry["name"])

