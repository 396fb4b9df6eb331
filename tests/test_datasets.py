"""The dataset registry: metadata, mirror → cache → download look-up, checksums.

Nothing here touches the network: downloads go through ``file://`` URLs or a fake opener.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import urllib.error
from pathlib import Path

import pytest

from everyvec import DatasetError, datasets
from everyvec.datasets import DataFile, Dataset

REQUIRED = ["questions-words", "wordsim353", "wordsim353-sim", "wordsim353-rel", "simlex999",
            "ca8-morphological", "ca8-semantic", "text8-prefix", "en-wiki-2015", "zh-novels",
            "stsb"]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real mirror, an empty cache, and an opener that fails if anything goes online."""
    monkeypatch.delenv("EVERYVEC_DATA", raising=False)
    monkeypatch.setenv("EVERYVEC_CACHE", str(tmp_path / "cache"))

    def offline(url: str, timeout: float | None = None) -> io.BytesIO:
        if url.startswith("file:"):
            import urllib.request

            return urllib.request.urlopen(url, timeout=timeout)
        raise AssertionError(f"test tried to download {url}")

    monkeypatch.setattr(datasets, "_urlopen", offline)
    monkeypatch.setattr(datasets, "_verified", {})
    return tmp_path


def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, url: bool = True,
        contents: dict[str, bytes] | None = None, primary: str | None = "a.txt") -> Dataset:
    """Register a dataset 'toy' whose upstream files live under tmp_path/upstream."""
    contents = contents or {"a.txt": b"alpha\n", "b.txt": b"beta\n"}
    upstream = tmp_path / "upstream"
    upstream.mkdir(exist_ok=True)
    files = []
    for name, data in contents.items():
        (upstream / name).write_bytes(data)
        files.append(DataFile(name, hashlib.sha256(data).hexdigest(), len(data),
                              (upstream / name).as_uri() if url else None))
    dataset = Dataset("toy", "a toy", "CC0", "here", "toyfolder", tuple(files), primary=primary)
    monkeypatch.setitem(datasets.DATASETS, "toy", dataset)
    return dataset


def make_mirror(root: Path, dataset: Dataset, corrupt: str | None = None) -> Path:
    folder = root / dataset.folder
    folder.mkdir(parents=True, exist_ok=True)
    upstream = Path(dataset.files[0].url[len("file://"):]).parent if dataset.files[0].url else None
    for item in dataset.files:
        data = (upstream / item.name).read_bytes() if upstream else b""
        if item.name == corrupt:
            data = data.upper()
        (folder / item.name).write_bytes(data)
    return root


# ----------------------------------------------------------------------------- registry
def test_registry_has_required_datasets_with_metadata() -> None:
    names = datasets.list()
    assert names == sorted(names)
    for name in REQUIRED:
        assert name in names
    for name in names:
        d = datasets.info(name)
        assert d.name == name and d.description and d.licence and d.source and d.folder
        assert d.files and (d.primary is None or d.file(d.primary))
        for item in d.files:
            assert re.fullmatch(r"[0-9a-f]{64}", item.sha256), (name, item.name)
            assert item.size > 0
            if item.url is not None:
                assert item.url.startswith("https://raw.githubusercontent.com/")
                assert re.search(r"/([0-9a-f]{40}|\d+\.\d+\.\d+)/", item.url), item.url
    for name in ("text8-prefix", "en-wiki-2015", "zh-novels"):
        assert datasets.info(name).mirror_only
        assert "mirror only" in str(datasets.info(name))
    assert not datasets.info("questions-words").mirror_only


def test_unknown_names() -> None:
    with pytest.raises(DatasetError, match="did you mean 'simlex999'"):
        datasets.info("simlex99")
    with pytest.raises(DatasetError, match="unknown dataset"):
        datasets.path("no-such-thing")
    with pytest.raises(DatasetError, match="has no file 'x.txt'"):
        datasets.path("stsb", "x.txt")
    assert isinstance(DatasetError("x"), LookupError)


# ----------------------------------------------------------------------------- look-up order
def test_mirror_then_cache_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = toy(tmp_path, monkeypatch)
    first, second = tmp_path / "m1", tmp_path / "m2"
    make_mirror(second, dataset)
    make_mirror(datasets.cache_dir(), dataset)
    monkeypatch.setenv("EVERYVEC_DATA", os.pathsep.join([str(first), "", str(second)]))
    assert datasets.mirror_dirs() == [first, second]
    assert datasets.path("toy") == second / "toyfolder" / "a.txt"
    make_mirror(first, dataset)
    assert datasets.path("toy", "b.txt") == first / "toyfolder" / "b.txt"
    monkeypatch.delenv("EVERYVEC_DATA")
    assert datasets.path("toy") == datasets.cache_dir() / "toyfolder" / "a.txt"


def test_incomplete_mirror_is_skipped_for_whole_folder(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = toy(tmp_path, monkeypatch, primary=None)
    mirror = tmp_path / "m"
    make_mirror(mirror, dataset)
    (mirror / "toyfolder" / "b.txt").unlink()
    monkeypatch.setenv("EVERYVEC_DATA", str(mirror))
    assert datasets.path("toy", "a.txt") == mirror / "toyfolder" / "a.txt"
    with pytest.raises(DatasetError):
        datasets.path("toy")  # the folder needs both files
    make_mirror(datasets.cache_dir(), dataset)
    assert datasets.path("toy") == datasets.cache_dir() / "toyfolder"
    assert set(datasets.files("toy")) == {"a.txt", "b.txt"}


def test_cache_dir_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVERYVEC_CACHE")
    assert datasets.cache_dir() == Path.home() / ".cache" / "everyvec" / "data"


def test_not_found_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toy(tmp_path, monkeypatch)
    monkeypatch.setenv("EVERYVEC_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetError) as info:
        datasets.path("toy")
    message = str(info.value)
    assert str(tmp_path / "nowhere" / "toyfolder") in message
    assert str(datasets.cache_dir() / "toyfolder") in message
    assert "EVERYVEC_DATA" in message and "download=True" in message
    assert not (datasets.cache_dir() / "toyfolder").exists()  # nothing downloaded by default


def test_mirror_only_cannot_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toy(tmp_path, monkeypatch, url=False)
    with pytest.raises(DatasetError, match="mirror only"):
        datasets.path("toy", download=True)
    with pytest.raises(DatasetError, match="mirror only"):
        datasets.path("text8-prefix", download=True)


# ----------------------------------------------------------------------------- download
def test_download_from_file_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toy(tmp_path, monkeypatch, primary=None)
    folder = datasets.path("toy", download=True, progress=False)
    assert folder == datasets.cache_dir() / "toyfolder"
    assert (folder / "a.txt").read_bytes() == b"alpha\n"
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "b.txt"]  # no .part files
    # Second call: found in the cache, no download.
    monkeypatch.setattr(datasets, "_urlopen", lambda *a, **k: pytest.fail("downloaded again"))
    assert datasets.path("toy", "b.txt") == folder / "b.txt"


def test_download_with_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toy(tmp_path, monkeypatch)
    assert datasets.path("toy", download=True, progress=True).read_bytes() == b"alpha\n"


def test_download_checksum_mismatch_saves_nothing(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    toy(tmp_path, monkeypatch)
    (tmp_path / "upstream" / "a.txt").write_bytes(b"ALPHA\n")  # same size, other bytes
    with pytest.raises(DatasetError, match="sha256") as info:
        datasets.path("toy", download=True)
    assert "nothing was saved" in str(info.value)
    folder = datasets.cache_dir() / "toyfolder"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_download_network_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toy(tmp_path, monkeypatch)

    def broken(url: str, timeout: float | None = None) -> io.BytesIO:
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(datasets, "_urlopen", broken)
    with pytest.raises(DatasetError, match="could not download .*no route to host"):
        datasets.path("toy", download=True)
    assert list((datasets.cache_dir() / "toyfolder").iterdir()) == []


def test_fake_opener_receives_upstream_url(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = datasets.info("wordsim353-sim")
    payload = b"x" * dataset.files[0].size
    seen = []

    def fake(url: str, timeout: float | None = None) -> io.BytesIO:
        seen.append(url)
        return io.BytesIO(payload)

    monkeypatch.setattr(datasets, "_urlopen", fake)
    with pytest.raises(DatasetError, match="expected .* sha256"):
        datasets.path("wordsim353-sim", download=True)
    assert seen == [dataset.files[0].url]
    assert "mfaruqui/eval-word-vectors/94b3dd9" in seen[0]


def test_damaged_cache_is_refetched_only_with_download(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = toy(tmp_path, monkeypatch)
    make_mirror(datasets.cache_dir(), dataset, corrupt="a.txt")
    with pytest.raises(DatasetError, match="sha256"):
        datasets.path("toy")
    assert datasets.path("toy", download=True).read_bytes() == b"alpha\n"


# ----------------------------------------------------------------------------- verification
def test_verify_modes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = toy(tmp_path, monkeypatch)
    mirror = make_mirror(tmp_path / "m", dataset, corrupt="a.txt")
    monkeypatch.setenv("EVERYVEC_DATA", str(mirror))
    with pytest.raises(DatasetError, match="corrupt or a different version"):
        datasets.path("toy")  # small file: checked by default
    assert datasets.path("toy", verify=False).exists()
    monkeypatch.setattr(datasets, "CHEAP_VERIFY_BYTES", 3)  # now "too big" to check by default
    assert datasets.path("toy").exists()
    with pytest.raises(DatasetError):
        datasets.path("toy", verify=True)


def test_size_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = toy(tmp_path, monkeypatch)
    mirror = make_mirror(tmp_path / "m", dataset)
    (mirror / "toyfolder" / "a.txt").write_bytes(b"alp")
    monkeypatch.setenv("EVERYVEC_DATA", str(mirror))
    with pytest.raises(DatasetError, match="3 bytes, expected 6"):
        datasets.path("toy", verify=True)


# ----------------------------------------------------------------------------- real mirror
def test_real_mirror_files_match_registry(shared_data: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    for name in datasets.list():
        dataset = datasets.info(name)
        found = datasets.files(name, verify=True)  # SHA-256 of every mirror file
        assert set(found) == {f.name for f in dataset.files}
        assert all(p.is_file() for p in found.values())
    assert datasets.path("questions-words") == shared_data / "analogy" / "questions-words.txt"
    assert datasets.path("stsb") == shared_data / "stsb"
