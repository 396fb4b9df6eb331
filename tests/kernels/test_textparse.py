"""The numba text kernels against their slow twins (Python float() and parse_python)."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from everyvec.errors import FormatError
from everyvec.kernels import textparse
from everyvec.vectors.formats import _textblock
from everyvec.vectors.formats._io import BlockReader
from everyvec.vectors.formats.text import _numba_parser

SETTINGS = settings(deadline=None, max_examples=300,
                    suppress_health_check=[HealthCheck.too_slow])


def expected_float32(token: str) -> np.float32:
    """What gensim stores for a token: np.float32 of the string (= of float(token))."""
    with np.errstate(over="ignore"):
        return np.float32(float(token))


def fast(token: str) -> tuple[bool, float]:
    data = np.frombuffer(token.encode(), dtype=np.uint8)
    ok, value = textparse.parse_decimal(data, 0, data.size)
    return bool(ok), float(value)


def same_bits(a: np.float32, b: np.float32) -> bool:
    return np.asarray(a, np.float32).view(np.uint32) == np.asarray(b, np.float32).view(np.uint32)


FORMATS = ["%g", "%.6f", "%e", "%.9g", "%.17g", "%.3e", "%.12f", "%.20f", "%+.8E", "%.0f"]

float32s = st.floats(width=32, allow_nan=False, allow_infinity=False)


@SETTINGS
@given(float32s, st.sampled_from(FORMATS + ["repr", "str32"]))
@example(0.0, "repr")
@example(-0.0, "%g")
@example(1e-45, "%g")
@example(1.401298464324817e-45, "%.20e")
@example(3.4028234663852886e38, "%.17g")
@example(0.1, "%.20f")
def test_decimal_fast_path_equals_float(value: float, style: str) -> None:
    if style == "repr":
        token = repr(value)
    elif style == "str32":
        token = str(np.float32(value))
    else:
        token = style % value
    ok, parsed = fast(token)
    if ok:
        assert parsed == float(token)
        assert math.copysign(1, parsed) == math.copysign(1, float(token))
        assert same_bits(np.float32(parsed), expected_float32(token))
        assert same_bits(expected_float32(token), np.float32(token))  # gensim's conversion


def test_fast_path_covers_the_usual_tokens() -> None:
    for token in ["0.12345679", "-0.0132", "1e-05", "3.4028235e+15", "-0", "12", "1.", ".5",
                  "+7.25", "1E5", "9007199254740992", "0.000000000000000000123"]:
        assert fast(token)[0], token
    # off the fast path: float() decides
    for token in ["nan", "inf", "-Infinity", "1e400", "1234567890123456789", "1e", "", ".",
                  "-", "1.5.2", "1e5.5", "0x10", "1_000", "9007199254740993", "1e-23",
                  "3.4028235e+38", "123456789012345678"]:
        assert not fast(token)[0], token


def test_double_rounding_matches_float_then_cast() -> None:
    # Rounds to the float64 midpoint between two float32s, which then ties to even: a
    # direct decimal-to-float32 conversion would round up instead.
    token = "1.0000000596046447753906250001"
    assert expected_float32(token) == np.float32(1.0)
    assert not fast(token)[0]  # 29 digits: left to float()
    token = "1.00000005960464477539"
    ok, value = fast(token)
    assert not ok or same_bits(np.float32(value), expected_float32(token))


@SETTINGS
@given(st.text(alphabet="0123456789.eE+-", max_size=12))
def test_fast_path_never_accepts_what_float_rejects(token: str) -> None:
    ok, value = fast(token)
    try:
        reference = float(token)
    except ValueError:
        assert not ok
        return
    if ok:
        assert value == reference and math.copysign(1, value) == math.copysign(1, reference)


# ---------------------------------------------------------------- whole lines vs the reference

keys = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters=" \n\r\t\x0b\x0c\x1c\x1d\x1e\x1f"
                                                           "\x85\u2028\u2029"),
               min_size=1, max_size=6)
separators = st.sampled_from([" ", " ", " ", "  ", "\t", " \t "])
line_ends = st.sampled_from(["\n", "\n", " \n", "\r\n", " \r\n", "\t\n"])


@st.composite
def text_blocks(draw, dim: int):
    rows = draw(st.integers(0, 6))
    lines = []
    for _ in range(rows):
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", " ", "\t", "\r"])) + "\n")  # blank
        values = [draw(float32s) for _ in range(dim)]
        style = draw(st.sampled_from(FORMATS + ["repr"]))
        tokens = [repr(v) if style == "repr" else style % v for v in values]
        body = draw(keys)
        for i, token in enumerate(tokens):
            separator = draw(separators)
            # the key ends at a space
            body += (" " + separator.lstrip() if i == 0 else separator) + token
        lines.append(body + draw(line_ends))
    return "".join(lines).encode()


def run_parser(name: str, data: bytes, dim: int, block_size: int | None = None):
    """Parse ``data`` (whole lines) with one engine through a BlockReader of tiny blocks."""
    reader = BlockReader(io.BytesIO(data), "mem.txt", block_size=block_size or 4096)
    rows = data.count(b"\n")
    out = np.full((rows, dim), np.nan, dtype=np.float32)
    if name == "numba":
        parse = _numba_parser(dim, False, "mem.txt")
    elif name == "numpy":
        def parse(r, a, b, o, row, mx, line):
            return _textblock.parse_numpy(r.arr, r.buf, a, b, dim, o, row, mx, line,
                                          path="mem.txt")
    else:
        def parse(r, a, b, o, row, mx, line):
            return _textblock.parse_python(r.buf, a, b, dim, o, row, mx, line, path="mem.txt")
    row, line, got_keys, got_lines = 0, 1, [], []
    while True:
        span = reader.complete_lines()
        if span is None:
            break
        parsed = parse(reader, span[0], span[1], out, row, rows, line)
        got_keys += [bytes(reader.buf[s:e]) for s, e in zip(parsed.key_starts.tolist(),
                                                             parsed.key_ends.tolist(),
                                                             strict=True)]
        got_lines += parsed.key_lines.tolist()
        reader.start = parsed.pos
        row, line = parsed.row, parsed.line
    return out[:row], got_keys, got_lines


@SETTINGS
@given(st.integers(1, 4).flatmap(lambda d: st.tuples(st.just(d), text_blocks(d))),
       st.integers(16, 300))
def test_numba_and_numpy_engines_equal_reference(case, block_size: int) -> None:
    dim, data = case
    try:
        reference = run_parser("python", data, dim)
    except FormatError as error:  # e.g. "%.3e" rounds the largest float32 up to overflow
        for engine in ("numba", "numpy"):
            with pytest.raises(FormatError) as info:
                run_parser(engine, data, dim, block_size)
            assert str(info.value) == str(error)
        return
    for engine in ("numba", "numpy"):
        got = run_parser(engine, data, dim, block_size)
        assert got[1] == reference[1] and got[2] == reference[2]
        assert np.array_equal(got[0].view(np.uint32), reference[0].view(np.uint32)), engine


@pytest.mark.parametrize(
    "line, message",
    [
        (b"a 1 2\n", "found 2 values"),
        (b"a 1 2 3 4\n", "found 4 values"),
        (b"a\n", "no space after the key"),
        (b"a 1 x 3\n", "value 2 of 3 is not a number: 'x'"),
        (b"a 1 nan 3\n", "value 2 of 3 ('nan') is not a finite number"),
        (b"a 1 1e39 3\n", "value 2 of 3 ('1e39') is too large for float32"),
        (b"a 1 -inf 3\n", "is not a finite number"),
        (b"a 1 2 3 x\n", "found 4 values"),
    ],
)
def test_every_engine_raises_the_reference_error(line: bytes, message: str) -> None:
    data = b"ok 1 2 3\n" + line + b"ok2 4 5 6\n"
    for engine in ("python", "numpy", "numba"):
        with pytest.raises(FormatError, match=re.escape(message)) as info:
            run_parser(engine, data, 3)
        assert info.value.line == 2 and info.value.path == "mem.txt"


def test_kernel_reports_full_tables_and_resumes() -> None:
    data = np.frombuffer(b"".join(b"k%d 1.5 2e3 nan\n" % i for i in range(10)), np.uint8)
    out = np.zeros((10, 3), np.float32)
    keys = np.empty((3, 3), np.int64)  # room for 3 rows
    slow = np.empty((6, 4), np.int64)  # a row needs room for dim slow tokens
    status, pos, row, line, n_keys, n_slow, _ = textparse.parse_lines(
        data, 0, data.size, 3, out, 0, 10, 1, keys, slow)
    assert status == textparse.FULL and row == n_keys == 3 and n_slow == 3 and line == 4
    assert out[0, 0] == 1.5 and out[0, 1] == 2000.0
    assert slow[:n_slow, 1].tolist() == [2, 2, 2]  # the nan cells are left to float()
    status, pos, row, *_ = textparse.parse_lines(data, pos, data.size, 3, out, row, 10, line,
                                                 keys, slow)
    assert status == textparse.FULL and row == 6


def test_kernel_bad_line_status() -> None:
    data = np.frombuffer(b"a 1 2\n\nb 1\n", np.uint8)
    out = np.zeros((2, 2), np.float32)
    status, pos, row, line, n_keys, n_slow, found = textparse.parse_lines(
        data, 0, data.size, 2, out, 0, 2, 1, np.empty((8, 3), np.int64),
        np.empty((8, 4), np.int64))
    assert (status, row, line, found, n_keys) == (textparse.BAD_LINE, 1, 3, 1, 1)
    assert pos == 7


def test_unicode_keys_negative_zero_and_subnormals() -> None:
    data = "ключ 1 2\n😀 -0 1e-45\n".encode()
    out, got_keys, _ = run_parser("numba", data, 2)
    assert [k.decode() for k in got_keys] == ["ключ", "😀"]
    assert same_bits(out[1, 0], np.float32(-0.0)) and out[1, 1] == np.float32(1e-45)
