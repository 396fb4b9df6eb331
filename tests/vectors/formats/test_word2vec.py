"""word2vec text/binary, GloVe and fastText files: round trips and agreement with gensim."""

from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec import Vectors
from everyvec.vectors.formats import load, save
from everyvec.vectors.formats.binary import read_binary
from everyvec.vectors.formats.text import read_text

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")

TEXT_ENGINES = ["numpy", "numba", "python"]


def to_gensim(vectors: Vectors):
    kv = gensim_kv.KeyedVectors(vectors.dim)
    kv.add_vectors(vectors.keys, np.asarray(vectors.matrix))
    return kv


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "glove", "fasttext"])
def test_round_trip_is_exact(tmp_path, vectors, same, fmt):
    path = save(vectors, tmp_path / "v.out", format=fmt)
    assert path == tmp_path / "v.out"
    loaded = load(path, format=fmt)
    assert loaded.keys == vectors.keys
    assert same(loaded.matrix, vectors.matrix)
    assert loaded.provenance["format"] == fmt
    assert load(path).keys == vectors.keys  # detected too


@pytest.mark.parametrize("engine", TEXT_ENGINES)
def test_text_engines_agree_with_gensim_reading_gensims_file(tmp_path, vectors, same, engine):
    path = tmp_path / "g.txt"
    to_gensim(vectors).save_word2vec_format(str(path))
    ours = load(path, engine=engine)
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(path))
    assert ours.keys == theirs.index_to_key
    assert same(ours.matrix, theirs.vectors)
    assert same(ours.matrix, vectors.matrix)


def test_binary_is_byte_identical_to_gensims(tmp_path, vectors, same):
    ours = save(vectors, tmp_path / "ours.bin", format="word2vec-binary")
    theirs = tmp_path / "theirs.bin"
    to_gensim(vectors).save_word2vec_format(str(theirs), binary=True)
    assert ours.read_bytes() == theirs.read_bytes()
    loaded = load(theirs)
    assert loaded.keys == vectors.keys and same(loaded.matrix, vectors.matrix)


@pytest.mark.parametrize("fmt, binary", [("word2vec", False), ("word2vec-binary", True)])
def test_gensim_reads_what_we_write(tmp_path, vectors, same, fmt, binary):
    path = save(vectors, tmp_path / "v", format=fmt)
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert theirs.index_to_key == vectors.keys
    assert same(theirs.vectors, vectors.matrix)


def test_glove_agrees_with_gensim_no_header(tmp_path, vectors, same):
    path = save(vectors, tmp_path / "glove.txt", format="glove")
    assert path.read_text(encoding="utf-8").split("\n", 1)[0].startswith("</s> ")
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(path), no_header=True)
    ours = load(path, format="glove", limit=5)
    assert ours.keys == theirs.index_to_key[:5] and same(ours.matrix, theirs.vectors[:5])


def test_c_tool_binary_with_newlines_reads_like_gensim(tmp_path, vectors, same):
    # The original word2vec C tool writes a newline after each vector.
    path = tmp_path / "c.bin"
    body = b"".join(k.encode() + b" " + row.astype("<f4").tobytes() + b"\n"
                    for k, row in zip(vectors.keys, vectors.matrix, strict=True))
    path.write_bytes(f"{len(vectors)} {vectors.dim}\n".encode() + body)
    ours = load(path)
    theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(path), binary=True)
    assert ours.keys == theirs.index_to_key == vectors.keys
    assert same(ours.matrix, theirs.vectors)


def test_fasttext_vec_with_trailing_spaces_and_crlf(tmp_path, same):
    path = tmp_path / "wiki.vec"
    path.write_bytes(b"3 2\r\n</s> 0.1 -0.2 \r\nde 1 2 \r\n\xc3\xa9t\xc3\xa9 3e-2 4.5 \r\n")
    for engine in TEXT_ENGINES:
        v = load(path, format="fasttext", engine=engine)
        assert v.keys == ["</s>", "de", "été"]
        assert same(v.matrix, np.float32([[0.1, -0.2], [1, 2], [0.03, 4.5]]))


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "glove"])
@pytest.mark.parametrize("limit", [0, 1, 3, 40, 1000])
def test_limit_reads_only_the_first_vectors(tmp_path, vectors, same, fmt, limit):
    path = save(vectors, tmp_path / "v", format=fmt)
    loaded = load(path, limit=limit)
    n = min(limit, len(vectors))
    assert loaded.keys == vectors.keys[:n]
    assert same(loaded.matrix, vectors.matrix[:n])


def test_limit_does_not_read_the_damaged_rest(tmp_path, vectors, same):
    path = save(vectors, tmp_path / "v.txt", format="word2vec")
    lines = path.read_bytes().split(b"\n")
    lines[10] = b"broken line"
    path.write_bytes(b"\n".join(lines))
    assert same(load(path, limit=9).matrix, vectors.matrix[:9])


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open])
@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "glove"])
def test_compressed_inputs_are_detected_by_content(tmp_path, vectors, same, opener, fmt):
    plain = save(vectors, tmp_path / "plain", format=fmt)
    packed = tmp_path / "packed.data"  # no telling suffix
    with opener(packed, "wb") as handle:
        handle.write(plain.read_bytes())
    loaded = load(packed)
    assert loaded.keys == vectors.keys and same(loaded.matrix, vectors.matrix)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_outputs_by_suffix(tmp_path, vectors, same, suffix):
    path = save(vectors, tmp_path / f"v.txt{suffix}", format="word2vec")
    assert path.read_bytes()[:2] != b"40"  # compressed
    assert same(load(path).matrix, vectors.matrix)
    if suffix == ".gz":  # gensim opens .gz by name
        theirs = gensim_kv.KeyedVectors.load_word2vec_format(str(path))
        assert same(theirs.vectors, vectors.matrix)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(block_size=st.integers(16, 600), limit=st.one_of(st.none(), st.integers(0, 45)))
def test_any_block_size_gives_the_same_result(tmp_path, vectors, same, block_size, limit):
    text = tmp_path / "v.txt"
    binary = tmp_path / "v.bin"
    if not text.exists():
        save(vectors, text, format="word2vec")
        save(vectors, binary, format="word2vec-binary")
    n = len(vectors) if limit is None else min(limit, len(vectors))
    for engine in TEXT_ENGINES:
        got = read_text(text, limit=limit, engine=engine, block_size=block_size)
        assert got.keys == vectors.keys[:n] and same(got.matrix, vectors.matrix[:n])
    got = read_binary(binary, limit=limit, block_size=block_size)
    assert got.keys == vectors.keys[:n] and same(got.matrix, vectors.matrix[:n])


@settings(deadline=None, max_examples=30)
@given(st.lists(st.floats(width=32), min_size=1, max_size=20))
def test_text_round_trip_is_lossless_for_any_float32(values):
    import tempfile
    from pathlib import Path

    matrix = np.array([values], dtype=np.float32)
    with tempfile.TemporaryDirectory() as folder:
        path = save(Vectors(["k"], matrix), Path(folder, "v.txt"), format="word2vec")
        loaded = load(path, allow_nonfinite=True)
    assert np.array_equal(loaded.matrix.view(np.uint32), matrix.view(np.uint32)) or (
        np.isnan(matrix).any() and np.array_equal(np.isnan(loaded.matrix), np.isnan(matrix)))


def test_unicode_errors_replace_and_ignore_match_gensim(tmp_path):
    # A key cut in the middle of a multi-byte character, as the C tool leaves them.
    bad = "日本".encode()[:-1]
    text = tmp_path / "bad.txt"
    text.write_bytes(b"2 2\n" + bad + b" 1 2\nok 3 4\n")
    binary = tmp_path / "bad.bin"
    binary.write_bytes(b"2 2\n" + bad + b" " + np.float32([1, 2]).tobytes()
                       + b"ok " + np.float32([3, 4]).tobytes())
    for path, is_binary in ((text, False), (binary, True)):
        for errors in ("replace", "ignore", "backslashreplace"):
            ours = load(path, unicode_errors=errors)
            theirs = gensim_kv.KeyedVectors.load_word2vec_format(
                str(path), binary=is_binary, unicode_errors=errors)
            assert ours.keys == theirs.index_to_key
            assert np.array_equal(ours.matrix, theirs.vectors)


def test_blank_lines_and_runs_of_whitespace_are_tolerated(tmp_path, same):
    path = tmp_path / "loose.txt"
    path.write_bytes(b"2 3\n\na  1\t2   3\n   \nb 4 5 6\t\n\n")
    for engine in TEXT_ENGINES:
        v = load(path, engine=engine)
        assert v.keys == ["a", "b"] and same(v.matrix, np.float32([[1, 2, 3], [4, 5, 6]]))


def test_nonfinite_values_load_when_allowed(tmp_path):
    path = tmp_path / "nan.txt"
    path.write_bytes(b"2 2\na nan inf\nb -Infinity 1e39\n")
    for engine in TEXT_ENGINES:
        v = load(path, allow_nonfinite=True, engine=engine)
        assert np.isnan(v.matrix[0, 0]) and v.matrix[0, 1] == np.inf
        assert v.matrix[1, 0] == -np.inf and v.matrix[1, 1] == np.inf
    binary = save(Vectors(["a"], np.float32([[np.nan, 1]])), tmp_path / "nan.bin",
                  format="word2vec-binary")
    assert np.isnan(load(binary, allow_nonfinite=True).matrix[0, 0])


def test_empty_vectors_round_trip(tmp_path):
    empty = Vectors([], np.zeros((0, 4), np.float32))
    for fmt in ("word2vec", "word2vec-binary"):
        loaded = load(save(empty, tmp_path / fmt, format=fmt), format=fmt)
        assert len(loaded) == 0 and loaded.dim == 4


def test_save_refuses_keys_the_format_cannot_hold(tmp_path):
    for key in ["two words", "new\nline", ""]:
        v = Vectors([key], np.ones((1, 2)))
        for fmt in ("word2vec", "word2vec-binary", "glove"):
            with pytest.raises(ValueError, match="cannot store"):
                save(v, tmp_path / "x", format=fmt)
    lone_surrogate = Vectors(["\udc80"], np.ones((1, 2)))
    with pytest.raises(ValueError, match="UTF-8"):
        save(lone_surrogate, tmp_path / "y", format="word2vec")
    with pytest.raises(ValueError, match="UTF-8"):
        save(lone_surrogate, tmp_path / "y", format="word2vec-binary")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_save_replaces_atomically_and_leaves_no_temporaries(tmp_path, vectors):
    path = tmp_path / "v.txt"
    path.write_text("old")
    save(vectors, path, format="word2vec")
    assert load(path).keys == vectors.keys
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]
