"""The collection folder on disk: manifest checks, relative file names, damaged snapshots."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

import everyvec
from everyvec import Collection, FormatError
from everyvec.vectors.formats.native import is_member_name


@pytest.fixture
def saved(tmp_path, small):
    return small.save(tmp_path / "col")


def edit(folder, change):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("name, ok", [
    ("vectors.npy", True), ("v000003/vectors.npy", True), ("a/b/c.npy", True),
    ("../x.npy", False), ("v1/../../x.npy", False), ("/etc/passwd", False),
    ("C:/x.npy", False), ("v1\\x.npy", False), ("", False), ("./x.npy", False),
    ("v1//x.npy", False), (None, False), (3, False),
])
def test_member_names(tmp_path, name, ok):
    assert is_member_name(tmp_path, name) is ok


def test_member_names_refuse_links_out(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "folder").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "folder" / "v1")
    assert not is_member_name(tmp_path / "folder", "v1/vectors.npy")


def test_native_reader_refuses_escaping_names(saved):
    edit(saved, lambda m: m["files"]["keys"].update(name="v000001/../../keys.txt"))
    with pytest.raises(FormatError, match="files.keys.name"):
        everyvec.load(saved)


@pytest.mark.parametrize("change, match", [
    (lambda c: c.update(format_version=2), "upgrade everyvec"),
    (lambda c: c.update(version="seven"), '"version" like'),
    (lambda c: c.update(metadata="/tmp/m.jsonl"), '"metadata"'),
    (lambda c: c.update(index="../index"), '"index"'),
    (lambda c: c.update(metric="manhattan"), '"metric"'),
    (lambda c: c.pop("index_spec"), '"index_spec"'),
])
def test_collection_entry_errors(saved, change, match):
    edit(saved, lambda m: change(m["collection"]))
    with pytest.raises(FormatError, match=match) as info:
        Collection.open(saved)
    assert "manifest.json" in str(info.value)


def test_damaged_metadata_file(saved):
    path = saved / "v000001" / "metadata.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:5] + ["[1]\n"] + lines[6:]))
    with pytest.raises(FormatError, match=r"metadata.jsonl, line 6: expected a JSON object"):
        Collection.open(saved)
    path.write_text("".join(lines[:5] + ['{"a": NaN}\n'] + lines[6:]))
    with pytest.raises(FormatError, match=r"line 6: not a valid JSON line"):
        Collection.open(saved)
    path.write_text("".join(lines[:5] + ['{"a": 1} {"b": 2}\n'] + lines[6:]))
    with pytest.raises(FormatError, match=r"line 6: expected one JSON object per line"):
        Collection.open(saved)
    path.write_bytes("".join(lines[:5]).encode() + b'{"a": "\xff"}\n' + "".join(
        lines[6:]).encode())
    with pytest.raises(FormatError, match=r"line 6: not valid UTF-8"):
        Collection.open(saved)
    path.write_text("".join(lines[:-1]))
    with pytest.raises(FormatError, match="expected 40 lines"):
        Collection.open(saved)
    path.write_text("".join(lines)[:-1])
    with pytest.raises(FormatError, match="truncated"):
        Collection.open(saved)
    path.unlink()
    with pytest.raises(FormatError, match="missing"):
        Collection.open(saved)


def test_index_that_does_not_match(saved, vectors):
    other = Collection.from_vectors(vectors.restrict(10)).save(saved.parent / "other")
    shutil.rmtree(saved / "v000001" / "index")
    shutil.copytree(other / "v000001" / "index", saved / "v000001" / "index")
    with pytest.raises(FormatError, match="does not match the snapshot"):
        Collection.open(saved)


def test_missing_saved_index_is_rebuilt_when_not_named(saved, vectors):
    edit(saved, lambda m: m["collection"].update(index=None))
    shutil.rmtree(saved / "v000001" / "index")
    c = Collection.open(saved)
    assert len(c.index) == 40 and c.search(vectors["k1"], k=1)[0][0][0] == "k1"


def test_missing_snapshot_file(saved):
    (saved / "v000001" / "keys.txt").unlink()
    with pytest.raises(FormatError, match="keys.txt: missing"):
        Collection.open(saved)


def test_save_keeps_unrelated_files(saved, small):
    (saved / "README").write_text("mine")
    small.upsert(["x"], np.ones(8))
    small.save()
    assert (saved / "README").read_text() == "mine"
    assert not (saved / "v000001").exists() and (saved / "v000002").is_dir()


def test_plain_save_does_not_replace_a_collection(saved, vectors):
    with pytest.raises(FileExistsError, match="is an everyvec collection"):
        vectors.save(saved)
    assert Collection.open(saved).keys == vectors.keys
