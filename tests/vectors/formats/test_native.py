"""The native folder format: round trip, memory mapping, atomic saves, and every corruption."""

from __future__ import annotations

import json
import mmap

import numpy as np
import pytest

from everyvec import FormatError, Vectors
from everyvec.vectors.formats import load, save, verify_native
from everyvec.vectors.formats.native import FORMAT_VERSION


def mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is a view of a memory-mapped file (no copy was made)."""
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, "base", None)
    return False


@pytest.fixture
def folder(tmp_path, vectors):
    return save(vectors, tmp_path / "vecs")


def test_round_trip_memory_mapped(folder, vectors, same):
    assert sorted(p.name for p in folder.iterdir()) == ["keys.txt", "manifest.json",
                                                         "vectors.npy"]
    loaded = load(folder)
    assert loaded.keys == vectors.keys
    assert same(loaded.matrix, vectors.matrix)
    assert mapped(loaded.matrix) and not loaded.matrix.flags.writeable
    assert loaded.provenance == {"source": "test", "seed": 0}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "everyvec.vectors"
    assert manifest["format_version"] == FORMAT_VERSION
    assert (manifest["count"], manifest["dim"], manifest["dtype"]) == (40, 7, "float32")
    assert manifest["files"]["vectors"]["bytes"] == (folder / "vectors.npy").stat().st_size
    verify_native(folder)


def test_without_mmap_and_with_limit(folder, vectors, same):
    loaded = load(folder, mmap=False)
    assert not mapped(loaded.matrix) and same(loaded.matrix, vectors.matrix)
    part = load(folder, limit=5)
    assert part.keys == vectors.keys[:5] and same(part.matrix, vectors.matrix[:5])
    assert mapped(part.matrix)
    assert len(load(folder, limit=0)) == 0


def test_keys_with_any_character_but_newline(tmp_path, same):
    keys = ["", " ", "a b", "tab\there", "cr\r", "\u2028", "😀", "\x00"]
    v = Vectors(keys, np.arange(16, dtype=np.float32).reshape(8, 2))
    loaded = load(save(v, tmp_path / "odd"))
    assert loaded.keys == keys and same(loaded.matrix, v.matrix)
    with pytest.raises(ValueError, match="contains a newline"):
        save(Vectors(["a\nb"], np.ones((1, 2))), tmp_path / "bad")
    with pytest.raises(ValueError, match="UTF-8"):
        save(Vectors(["\udc80"], np.ones((1, 2))), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_empty_vectors(tmp_path):
    loaded = load(save(Vectors([], np.zeros((0, 3))), tmp_path / "empty"))
    assert len(loaded) == 0 and loaded.dim == 3


def test_resave_over_itself_and_no_leftovers(tmp_path, folder, make_vectors, same):
    loaded = load(folder)  # memory-mapped from the folder being replaced
    save(loaded, folder)
    again = load(folder)
    assert same(again.matrix, loaded.matrix)
    other = make_vectors(count=3, dim=2, seed=5)
    save(other, folder)
    assert load(folder).keys == other.keys
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vecs"]


def test_refuses_to_replace_a_foreign_folder_or_file(tmp_path, vectors):
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(FileExistsError, match="not an everyvec vectors folder"):
        save(vectors, foreign)
    assert (foreign / "thesis.tex").read_text() == "precious"
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(FileExistsError):
        save(vectors, afile)


def test_provenance_must_be_json(tmp_path):
    v = Vectors(["a"], np.ones((1, 2)), provenance={"bad": object()})
    with pytest.raises(TypeError, match="JSON"):
        save(v, tmp_path / "p")


def edit_manifest(folder, **changes):
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            manifest.pop(key)
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"format": "something.else"}, 'expected "format": "everyvec.vectors"'),
        ({"format_version": FORMAT_VERSION + 1}, "upgrade everyvec"),
        ({"format_version": "1"}, "format_version"),
        ({"format_version": None}, "format_version"),
        ({"count": 41}, r"shape \(40, 7\), the manifest says \(41, 7\)"),
        ({"dim": 8}, r"the manifest says \(40, 8\)"),
        ({"count": -1}, '"count" to be an integer >= 0'),
        ({"dim": 0}, '"dim" to be an integer >= 1'),
        ({"dtype": "float64"}, '"dtype": "float32"'),
        ({"files": None}, '"files" object'),
        ({"files": {"vectors": {"name": "../x.npy"}, "keys": {"name": "keys.txt"}}},
         "file name in the folder"),
        ({"provenance": [1]}, '"provenance" to be a JSON object'),
    ],
)
def test_manifest_errors(folder, changes, match):
    edit_manifest(folder, **changes)
    with pytest.raises(FormatError, match=match) as info:
        load(folder)
    assert str(folder) in str(info.value)


def test_missing_or_unparseable_manifest(tmp_path, folder):
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(FormatError, match="manifest.json.*not valid JSON"):
        load(folder, format="native")
    (folder / "manifest.json").write_text("[1, 2]")
    with pytest.raises(FormatError, match="expected a JSON object"):
        load(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(FormatError, match="no manifest.json"):
        load(folder, format="native")
    with pytest.raises(FormatError, match="a folder without manifest.json"):
        load(folder)


def test_vectors_file_problems(folder, vectors):
    npy = folder / "vectors.npy"
    data = npy.read_bytes()
    npy.write_bytes(data[:-4])
    with pytest.raises(FormatError, match="vectors.npy.*truncated"):
        load(folder)
    npy.write_bytes(b"not an npy file at all")
    with pytest.raises(FormatError, match="vectors.npy.*not a valid .npy"):
        load(folder)
    np.save(npy, np.asarray(vectors.matrix, dtype=np.float64))
    with pytest.raises(FormatError, match="little-endian float32"):
        load(folder)
    np.save(npy, np.asfortranarray(vectors.matrix))
    with pytest.raises(FormatError, match="Fortran"):
        load(folder)
    npy.unlink()
    with pytest.raises(FormatError, match="vectors.npy.*missing"):
        load(folder)


def test_verify_detects_flipped_bits(folder):
    npy = folder / "vectors.npy"
    data = bytearray(npy.read_bytes())
    data[-1] ^= 1
    npy.write_bytes(bytes(data))
    load(folder)  # the fast load checks sizes, not every byte
    with pytest.raises(FormatError, match="SHA-256"):
        verify_native(folder)


def test_keys_file_problems(folder, vectors):
    keys = folder / "keys.txt"
    original = keys.read_bytes()

    def rewrite(data: bytes) -> None:
        keys.write_bytes(data)
        entry = json.loads((folder / "manifest.json").read_text())
        entry["files"]["keys"].pop("sha256", None)  # so that the content checks are reached
        (folder / "manifest.json").write_text(json.dumps(entry))

    keys.write_bytes(original.replace(b"the", b"thE"))
    with pytest.raises(FormatError, match="keys.txt.*SHA-256"):
        load(folder)
    rewrite(original[:-1])
    with pytest.raises(FormatError, match="keys.txt.*truncated"):
        load(folder)
    rewrite(original + b"extra\n")
    with pytest.raises(FormatError, match="expected 40 keys .*found 41"):
        load(folder)
    rewrite(original.replace(b"the\n", b"</s>\n"))
    with pytest.raises(FormatError, match="keys.txt, line 2: duplicate key '</s>'"):
        load(folder)
    rewrite(original.replace(b"the", b"th\xff"))
    with pytest.raises(FormatError, match="keys.txt, line 2: not valid UTF-8"):
        load(folder)
    keys.unlink()
    with pytest.raises(FormatError, match="keys.txt.*missing"):
        load(folder)
