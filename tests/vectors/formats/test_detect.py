"""Format detection by content, explicit overrides, and argument checking of load/save."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from everyvec import FormatError, Vectors
from everyvec.vectors.formats import FORMATS, detect_format, load, save
from everyvec.vectors.formats.text import choose_engine


@pytest.mark.parametrize(
    "fmt, detected",
    [("native", "native"), ("word2vec", "word2vec"), ("word2vec-binary", "word2vec-binary"),
     ("glove", "glove"), ("fasttext", "word2vec")],
)
def test_detects_each_format_whatever_the_name(tmp_path, vectors, fmt, detected):
    path = save(vectors, tmp_path / "misleading.bin.txt", format=fmt)
    assert detect_format(path) == detected
    packed = tmp_path / "packed"
    if fmt != "native":
        packed.write_bytes(gzip.compress(path.read_bytes()))
        assert detect_format(packed) == detected


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_tiny_binary_files_are_not_mistaken_for_text(tmp_path, dim):
    rng = np.random.default_rng(dim)
    for trial in range(20):
        v = Vectors([f"k{trial}"], rng.standard_normal((1, dim)))
        path = save(v, tmp_path / f"t{trial}.bin", format="word2vec-binary")
        assert detect_format(path) == "word2vec-binary"


def test_detection_cases(tmp_path):
    def detect(data: bytes):
        path = tmp_path / "x"
        path.write_bytes(data)
        return detect_format(path)

    assert detect(b"0 300\n") == "word2vec"
    assert detect(b"2 2\n\nk 1 2\nk2 3 4\n") == "word2vec"
    assert detect(b"2 3\nk 1 2\n") == "word2vec"  # malformed text: the text reader explains
    assert detect(b"1 1\nk .\n") == "word2vec"
    assert detect(b"the 0.1 -2e-3\n") == "glove"
    assert detect(b"1990 0.5 0.25\n") == "glove"
    long_line = b"k " + b" ".join([b"0.123456"] * 60000) + b"\n"  # longer than the sniff
    assert detect(b"1 60000\n" + long_line) == "word2vec"
    with pytest.raises(FormatError, match="cannot tell the format.*'glove'"):
        detect(b"hello world\n")
    with pytest.raises(FormatError, match="the file is empty"):
        detect(b"  \n")
    with pytest.raises(FormatError, match="fastText model"):
        detect((793712314).to_bytes(4, "little") + b"\x0c\x00\x00\x00rest")
    npy = tmp_path / "m.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(FormatError, match="bare .npy"):
        detect_format(npy)
    empty_dir = tmp_path / "d"
    empty_dir.mkdir()
    with pytest.raises(FormatError, match="folder without manifest.json"):
        load(empty_dir)


def test_explicit_format_overrides_detection(tmp_path):
    path = tmp_path / "ambiguous.txt"
    path.write_bytes(b"3 5\n4 6\n")  # a header, or two GloVe vectors of dim 1?
    assert detect_format(path) == "word2vec"
    v = load(path, format="glove")
    assert v.keys == ["3", "4"] and v.matrix.tolist() == [[5.0], [6.0]]


def test_argument_errors(tmp_path, vectors):
    path = save(vectors, tmp_path / "v.txt", format="word2vec")
    with pytest.raises(ValueError, match="unknown format 'w2v'; expected one of 'native', "
                                         "'word2vec', 'word2vec-binary', 'glove', 'fasttext'"):
        load(path, format="w2v")
    with pytest.raises(ValueError, match="unknown format"):
        save(vectors, tmp_path / "x", format="npz")
    for limit in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="limit"):
            load(path, limit=limit)
    with pytest.raises(ValueError, match="not a known error handler"):
        load(path, unicode_errors="lenient")
    with pytest.raises(TypeError, match="unicode_errors"):
        load(path, unicode_errors=None)
    with pytest.raises(ValueError, match="engine='fast'"):
        load(path, engine="fast")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        save(vectors, tmp_path / "y", format="word2vec", binary=True)
    with pytest.raises(TypeError, match="expected a Vectors"):
        save({"a": [1, 2]}, tmp_path / "z")
    folder = save(vectors, tmp_path / "native")
    with pytest.raises(FormatError, match="found a folder"):
        load(folder, format="word2vec")
    assert set(FORMATS) == {"native", "word2vec", "word2vec-binary", "glove", "fasttext"}


def test_auto_engine(tmp_path, monkeypatch):
    path = tmp_path / "small.txt"
    path.write_bytes(b"1 1\na 1\n")
    monkeypatch.delitem(__import__("sys").modules, "numba", raising=False)
    assert choose_engine("auto", path, False) == "numpy"
    monkeypatch.setattr("everyvec.vectors.formats.text.NUMBA_THRESHOLD", 4)
    assert choose_engine("auto", path, False) == "numba"
    assert choose_engine("python", path, False) == "python"
