"""Truncated, corrupt and mismatched files: always a FormatError that says where and what."""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest

from everyvec import FormatError, Vectors
from everyvec.vectors.formats import load, save

ENGINES = ["numpy", "numba", "python"]


def raises(path, match, *, line=None, offset=None, **kw) -> FormatError:
    with pytest.raises(FormatError, match=match) as info:
        load(path, **kw)
    error = info.value
    assert error.path == str(path)
    assert str(path) in str(error)
    if line is not None:
        assert error.line == line
    if offset is not None:
        assert error.offset == offset
    return error


@pytest.fixture
def text_file(tmp_path):
    def write(data: bytes, name: str = "v.txt"):
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "body, line, match",
    [
        (b"3 2\na 1 2\nb 3 4\n", 4, "ends after 2 vectors, but its header says 3"),
        (b"2 2\na 1 2\nb 3\n", 3, "expected a key and 2 values separated by spaces, found 1"),
        (b"2 2\na 1 2\nb 3 4 5\n", 3, "found 3 values"),
        (b"2 2\na 1 2\nb\n", 3, "no space after the key"),
        (b"2 2\na 1 2\nb 3 four\n", 3, re.escape("value 2 of 2 is not a number: 'four'")),
        (b"2 2\na 1 2\nb 3 4,5\n", 3, "is not a number: '4,5'"),
        (b"2 2\na 1 nan\nb 3 4\n", 2, "not a finite number; NaN and infinity are refused"),
        (b"2 2\na 1 2\nb 3 -inf\n", 3, "not a finite number"),
        (b"2 2\na 1 2\nb 3 1e40\n", 3, "too large for float32"),
        (b"2 2\na 1 2\na 3 4\n", 3, "duplicate key 'a': it is also on line 2"),
        (b"1 2\na 1 2\nb 3 4\n", 3, "header says 1 vectors, but more lines follow"),
        (b"2 2\na 1 2\nb 3 4", None, None),  # no final newline: fine
        (b"2 2\r\na 1 2\r\nb 3 4 5\r\n", 3, "found 3 values"),
    ],
)
def test_text_errors_name_the_line(text_file, engine, body, line, match):
    path = text_file(body)
    if match is None:
        assert load(path, engine=engine).keys == ["a", "b"]
        return
    raises(path, match, line=line, engine=engine, format="word2vec")


@pytest.mark.parametrize(
    "header",
    [b"2\n", b"2 2 2\n", b"-2 2\n", b"2 0\n", b"two 2\n", b"2.0 2\n", b"\n", b"2 2x\n"],
)
def test_bad_headers(text_file, header):
    path = text_file(header + b"a 1 2\nb 3 4\n")
    for fmt in ("word2vec", "word2vec-binary"):
        raises(path, "expected a header line 'count dim'", line=1, format=fmt)


def test_header_of_a_glove_file_suggests_glove(text_file):
    path = text_file(b"a 1 2\nb 3 4\n")
    raises(path, "'glove' format", line=1, format="word2vec")


def test_empty_files(text_file):
    path = text_file(b"")
    raises(path, "the file is empty")  # detection
    for fmt in ("word2vec", "word2vec-binary", "glove", "fasttext"):
        raises(path, "the file is empty", format=fmt)
    raises(text_file(b"\n \n", "blank.txt"), "the file is empty", format="glove")


def test_strict_unicode_names_line_and_offset(tmp_path, text_file):
    path = text_file(b"2 2\nok 1 2\nbad\xff 3 4\n")
    for engine in ENGINES:
        raises(path, "not valid UTF-8.*unicode_errors='replace'", line=3, engine=engine)
    binary = tmp_path / "v.bin"
    binary.write_bytes(b"2 1\nok " + np.float32([1]).tobytes() + b"ba\xffd "
                       + np.float32([2]).tobytes())
    raises(binary, "not valid UTF-8", offset=4 + 7 + 2)


@pytest.fixture
def binary_file(tmp_path):
    v = Vectors(["a", "bb", "ccc"], np.arange(12, dtype=np.float32).reshape(3, 4))
    return save(v, tmp_path / "v.bin", format="word2vec-binary")


def test_truncated_binary(binary_file):
    data = binary_file.read_bytes()  # header 4 bytes; rows of 2, 3, 4 key bytes + 16
    for cut in (1, 5):
        binary_file.write_bytes(data[:-cut])
        raises(binary_file, f"vector 3 is cut short: 16 bytes of float32s should follow its "
                            f"key, the file has {16 - cut}", offset=4 + 18 + 19)
    for cut in (20, 40):  # too short for even empty keys: refused before reading
        binary_file.write_bytes(data[:-cut])
        raises(binary_file, "the file is truncated", offset=len(data) - cut)


def test_truncated_compressed_binary_names_the_row(tmp_path, binary_file):
    data = binary_file.read_bytes()  # header 4 bytes; rows of 2, 3, 4 key bytes + 16
    cases = [
        (len(data) - 3, "vector 3 is cut short: 16 bytes of float32s should follow its key, "
                        "the file has 13", 4 + 18 + 19),
        (4 + 18 + 19 + 2, "vector 3 is cut short: the file ends inside its key", 4 + 18 + 19),
        (4 + 18, "ends after 1 vectors, but its header says 3", 4 + 18),
    ]
    for size, match, offset in cases:
        packed = tmp_path / "cut.gz"
        packed.write_bytes(gzip.compress(data[:size]))
        raises(packed, re.escape(match), offset=offset)


def test_binary_trailing_data_means_a_wrong_header(binary_file):
    data = binary_file.read_bytes()
    binary_file.write_bytes(data.replace(b"3 4\n", b"2 4\n", 1))
    raises(binary_file, "unexpected data after the last of the 2 vectors", offset=4 + 18 + 19)
    binary_file.write_bytes(data + b"\n\n")  # whitespace after the end is fine
    assert len(load(binary_file)) == 3


def test_binary_with_a_wrong_dim(binary_file):
    data = binary_file.read_bytes()
    binary_file.write_bytes(data.replace(b"3 4\n", b"3 3\n", 1))
    with pytest.raises(FormatError):
        load(binary_file, format="word2vec-binary")


def test_binary_without_a_space_after_the_key(tmp_path):
    path = tmp_path / "nospace.bin"
    path.write_bytes(b"1 1\n" + b"k" * 70000)
    raises(path, "no space after 65536 bytes of key 1", offset=4, format="word2vec-binary")
    path.write_bytes(b"1 1\n" + b"k" * 70000 + b" " + np.float32([1]).tobytes())
    assert load(path, format="word2vec-binary").keys == ["k" * 70000]  # long, but complete


def test_binary_nonfinite_and_duplicates(tmp_path):
    path = save(Vectors(["a", "b"], np.float32([[1, 2], [3, np.inf]])), tmp_path / "inf.bin",
                format="word2vec-binary")
    raises(path, "vector 2 has a non-finite value \\(inf\\) in column 2", offset=4 + 10 + 2 + 4)
    dup = tmp_path / "dup.bin"
    dup.write_bytes(b"2 1\na " + np.float32([1]).tobytes() + b"a " + np.float32([2]).tobytes())
    raises(dup, "duplicate key 'a' \\(vector 2\\); it is also vector 1, at byte 4", offset=10)


def test_glove_errors(text_file):
    raises(text_file(b"a 1 2\nb 3\n"), "found 1 values", line=2, format="glove")
    raises(text_file(b"a\nb 3\n", "g2.txt"), "found no values after the key", line=1,
           format="glove")


def test_corrupt_gzip_is_a_format_error(tmp_path, vectors):
    path = save(vectors, tmp_path / "v.txt.gz", format="word2vec")
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 8] = b"\x00" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="compressed data"):
        load(path, format="word2vec")


def test_wrong_format_override_fails_clearly(tmp_path, vectors):
    text = save(vectors, tmp_path / "v.txt", format="word2vec")
    with pytest.raises(FormatError):
        load(text, format="word2vec-binary")
    binary = save(vectors, tmp_path / "v.bin", format="word2vec-binary")
    with pytest.raises(FormatError):
        load(binary, format="word2vec")
    with pytest.raises(FormatError, match="expected a native vectors folder"):
        load(binary, format="native")
