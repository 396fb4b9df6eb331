"""Named public datasets: where they come from, their checksums, and where to find them here.

Each dataset lists its files with SHA-256 and size. :func:`path` looks for them, in order, in

1. every folder of ``$EVERYVEC_DATA`` (``os.pathsep``-separated), laid out as
   ``<mirror>/<dataset folder>/<file>`` (the shared data mirror's layout);
2. the cache, ``$EVERYVEC_CACHE/data`` (default ``~/.cache/everyvec/data``), same layout;
3. only when ``download=True``: the upstream URL, fetched with :mod:`urllib` into the cache,
   checked against the SHA-256 and renamed into place atomically.

Nothing is downloaded unless asked. The URLs are ``raw.githubusercontent.com`` addresses of the
exact upstream commit whose bytes the checksums describe. Files that were built by hand for the
mirror (a text8 prefix, a cleaned Wikipedia extract, re-compressed novels) have no URL: they are
*mirror only*.

Examples
--------
>>> import everyvec
>>> everyvec.datasets.path("questions-words")             # doctest: +SKIP
PosixPath('/data/mirror/analogy/questions-words.txt')
>>> everyvec.datasets.info("simlex999").licence           # doctest: +SKIP
"""

from __future__ import annotations

import builtins
import contextlib
import difflib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from everyvec._dataset_registry import DATASETS, DataFile, Dataset
from everyvec._progress import progress_enabled
from everyvec.errors import DatasetError

__all__ = [
    "DATASETS",
    "DataFile",
    "Dataset",
    "cache_dir",
    "files",
    "info",
    "list",
    "mirror_dirs",
    "path",
    "split_file",
    "verify_file",
]

DATA_ENV = "EVERYVEC_DATA"
CACHE_ENV = "EVERYVEC_CACHE"
# verify=None checks files up to this size (a few ms each); verify=True checks every file.
CHEAP_VERIFY_BYTES = 8 * 1024 * 1024
_CHUNK = 1 << 20
_TIMEOUT = 60  # seconds without data before a download fails



def _urlopen(url: str, timeout: float | None = None) -> IO[bytes]:
    """Open ``url`` for reading; the single door to the network (tests replace it)."""
    import urllib.request  # imported on first download only: keeps ``import everyvec`` light

    return urllib.request.urlopen(url, timeout=timeout)


# ---------------------------------------------------------------------------------- lookup
def list() -> builtins.list[str]:  # shadows the builtin on purpose: datasets.list()
    """Names of all registered datasets, sorted."""
    return sorted(DATASETS)


def info(name: str) -> Dataset:
    """The :class:`Dataset` called ``name``.

    Raises
    ------
    DatasetError
        If there is no such dataset (the message suggests close names).
    """
    if isinstance(name, str) and name in DATASETS:
        return DATASETS[name]
    close = difflib.get_close_matches(str(name), builtins.list(DATASETS), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise DatasetError(f"unknown dataset {name!r}{hint} Known: {', '.join(sorted(DATASETS))}")


def mirror_dirs() -> builtins.list[Path]:
    """The mirror roots named by ``$EVERYVEC_DATA``, in order (empty entries ignored)."""
    value = os.environ.get(DATA_ENV, "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


def cache_dir() -> Path:
    """Where downloaded data lives: ``$EVERYVEC_CACHE/data`` or ``~/.cache/everyvec/data``."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "everyvec"
    return base / "data"


# Verified (path, size, mtime_ns) → sha256, so repeated look-ups hash each file once.
_verified: dict[tuple[str, int, int], str] = {}


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(file: str | os.PathLike[str], expected: DataFile) -> None:
    """Check size and SHA-256 of ``file`` against ``expected``.

    Raises
    ------
    DatasetError
        Naming the file, what was expected and what was found.
    """
    file = Path(file)
    stat = file.stat()
    if stat.st_size != expected.size:
        raise DatasetError(
            f"{file}: {stat.st_size:,} bytes, expected {expected.size:,} "
            f"(sha256 {expected.sha256}); the file is truncated or a different version"
        )
    key = (str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    actual = _verified.get(key) or _sha256(file)
    if actual != expected.sha256:
        raise DatasetError(
            f"{file}: sha256 {actual}, expected {expected.sha256}; the file is corrupt or a "
            "different version (delete it, or fix the mirror)"
        )
    _verified[key] = actual


def _should_verify(item: DataFile, verify: bool | None) -> bool:
    if verify is None:
        return item.size <= CHEAP_VERIFY_BYTES
    return bool(verify)


def _find(dataset: Dataset, wanted: builtins.list[DataFile], verify: bool | None,
          download: bool) -> Path | None:
    """The first root (mirrors, then cache) whose dataset folder holds every wanted file.

    A damaged file in a mirror is an error (the mirror needs fixing); a damaged file in the
    cache is an error too unless ``download`` is set, in which case it is fetched again.
    """
    cache = cache_dir()
    for root in [*mirror_dirs(), cache]:
        folder = root / dataset.folder
        if all((folder / item.name).is_file() for item in wanted):
            try:
                for item in wanted:
                    if _should_verify(item, verify):
                        verify_file(folder / item.name, item)
            except DatasetError:
                if root == cache and download:
                    return None
                raise
            return folder
    return None


def _download(item: DataFile, target: Path, progress: bool | None) -> None:
    """Fetch ``item.url`` to ``target`` through a temporary file, checking size and hash."""
    assert item.url is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                    dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out, contextlib.closing(
                _urlopen(item.url, timeout=_TIMEOUT)) as response:
            bar = _bar(item, progress)
            with bar if bar is not None else contextlib.nullcontext():
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if bar is not None:
                        bar.update(bar.task_ids[0], advance=len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if size != item.size or digest.hexdigest() != item.sha256:
            raise DatasetError(
                f"download of {item.url} gave {size:,} bytes with sha256 {digest.hexdigest()}, "
                f"expected {item.size:,} bytes with sha256 {item.sha256}; nothing was saved"
            )
        os.replace(tmp, target)
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise DatasetError(f"could not download {item.url}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _bar(item: DataFile, progress: bool | None) -> Any:
    if not progress_enabled(progress):
        return None
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    bar = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                   transient=True)
    bar.add_task(f"download {item.name}", total=item.size)
    return bar


def _not_found(dataset: Dataset, wanted: builtins.list[DataFile], download: bool) -> str:
    looked = [str(root / dataset.folder) for root in mirror_dirs()]
    looked.append(f"{cache_dir() / dataset.folder} (cache)")
    names = ", ".join(item.name for item in wanted)
    message = (f"dataset {dataset.name!r} ({names}) not found; looked in: {'; '.join(looked)}. "
               f"Set {DATA_ENV} to a data mirror holding {dataset.folder}/ "
               f"(several separated by {os.pathsep!r})")
    if any(item.url is None for item in wanted):
        message += (f". {dataset.name!r} is mirror only: it cannot be downloaded, only found "
                    "in a mirror")
    elif not download:
        message += f", or pass download=True to fetch it into {cache_dir()} (or set {CACHE_ENV})"
    return message


def files(name: str, *, download: bool = False, verify: bool | None = None,
          progress: bool | None = None) -> dict[str, Path]:
    """Local paths of all files of dataset ``name`` (one folder holds them all).

    Parameters and errors as for :func:`path`.
    """
    dataset = info(name)
    folder = _locate(dataset, builtins.list(dataset.files), download, verify, progress)
    return {item.name: folder / item.name for item in dataset.files}


def path(name: str, file: str | None = None, *, download: bool = False,
         verify: bool | None = None, progress: bool | None = None) -> Path:
    """Local path of a dataset: its primary file, the file named ``file``, or its folder.

    Parameters
    ----------
    name
        A registered name (see :func:`list`).
    file
        One of the dataset's file names; default its primary file, or — for datasets without
        one (``"stsb"``, ``"zh-novels"``, ``"sighan2005"``) — the folder holding all files.
    download
        When neither a mirror (``$EVERYVEC_DATA``) nor the cache has the files, download them
        into the cache. Off by default: nothing touches the network unless asked.
    verify
        Check the SHA-256 of files found locally: ``None`` (default) checks only files up to
        8 MiB (cheap), ``True`` every file, ``False`` none. Downloads are always checked.
    progress
        Progress bar for downloads (``None``: when stderr is a terminal).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DatasetError
        Unknown name or file; the files are nowhere local and ``download`` is False or they are
        mirror only (the message lists where it looked and the variable to set); a download
        failed; or a checksum does not match.
    """
    dataset = info(name)
    chosen = file if file is not None else dataset.primary
    if chosen is None:
        return _locate(dataset, builtins.list(dataset.files), download, verify, progress)
    item = dataset.file(chosen)
    return _locate(dataset, [item], download, verify, progress) / item.name


def _locate(dataset: Dataset, wanted: builtins.list[DataFile], download: bool,
            verify: bool | None, progress: bool | None) -> Path:
    found = _find(dataset, wanted, verify, download)
    if found is not None:
        return found
    if not download or any(item.url is None for item in wanted):
        raise DatasetError(_not_found(dataset, wanted, download))
    folder = cache_dir() / dataset.folder
    for item in wanted:
        target = folder / item.name
        if target.is_file():
            try:
                verify_file(target, item)
                continue
            except DatasetError:
                target.unlink()  # a stale or damaged cache entry: fetch it again
        _download(item, target, progress)
    return folder


def split_file(dataset: str, file: str, split: str, given: str | os.PathLike[str] | None,
               owner: str) -> Path:
    """The file of one split of ``dataset``: from the registry, or from the user's ``path``.

    Parameters
    ----------
    dataset, file
        Registry name and the split's file name (found with :func:`path` when ``path`` is
        None).
    split
        The split's name, for messages.
    given
        The loader's ``path`` argument: a file, or a folder holding ``file``; None looks the
        dataset up.
    owner
        The loader's name (``"load_stsb"``), the start of every error message.
    """
    if given is None:
        return path(dataset, file)
    if not isinstance(given, (str, os.PathLike)):
        raise TypeError(f"The 'path' parameter of {owner} must be a file or folder path. "
                        f"Got {type(given).__name__}.")
    found = Path(given)
    if found.is_dir():
        found = found / file
    if not found.is_file():
        raise FileNotFoundError(f"{owner}: {found} is not a file (expected {file!r} for "
                                f"split={split!r}, or a folder holding it)")
    return found
