"""The vectorised NumPy parser against the reference, token shape by token shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.errors import FormatError
from everyvec.vectors.formats import _textblock


def parse(data: bytes, dim: int, parser: str):
    buf = bytearray(data)
    arr = np.frombuffer(buf, dtype=np.uint8)
    rows = data.count(b"\n")
    out = np.full((rows, dim), np.nan, dtype=np.float32)
    if parser == "plain":
        parsed = _textblock._parse_plain(arr, 0, len(buf), dim, out, 0, rows, 1)
        if parsed is None:
            return None
    elif parser == "numpy":
        parsed = _textblock.parse_numpy(arr, buf, 0, len(buf), dim, out, 0, rows, 1)
    else:
        parsed = _textblock.parse_python(buf, 0, len(buf), dim, out, 0, rows, 1)
    keys = [bytes(buf[s:e]) for s, e in zip(parsed.key_starts.tolist(),
                                            parsed.key_ends.tolist(), strict=True)]
    # bit patterns, so that the tuples compare with == and -0.0 differs from 0.0
    return out[:parsed.row].view(np.uint32).tolist(), keys, parsed.key_lines.tolist(), parsed.pos


TOKENS = ["0", "-0", "+0", "0.0", "-0.0", "1", "-1", "+1.5", "1.", ".5", "-.5", "1e5", "1E5",
          "1e+05", "1e-05", "-1.5e-7", "2.5E+3", "1.0e0", "123456789012345", "0.000123",
          "1234567890123456789", "9007199254740993", "0.12345678901234567890", "1e-30",
          "1e30", "3.4028235e38", "1e-45", "7e-46", "00012.5000", "1.5e0001",
          "12345678.9e-12", "9.999999999e22", "1e22", "1e23", "4.9e-324"]


@pytest.mark.parametrize("token", TOKENS)
def test_plain_path_parses_each_token_shape_like_float(token):
    data = f"k {token} 1.5\nk2 2 {token}\n".encode()
    plain = parse(data, 2, "plain")
    assert plain is not None, "expected the vectorised path"
    reference = parse(data, 2, "python")
    assert plain == reference
    assert plain[0][0][0] == np.float32(float(token)).view(np.uint32)


@pytest.mark.parametrize(
    "block",
    [
        b"k 1 2\n\nk2 3 4\n",  # blank line
        b" 1 2\n",  # empty key
        b"k 1  2\n",  # double space
        b"k 1\t2\n",  # tab
        b"k 1 2\r \n",  # CR not right before LF
        b"k 1 2 \t\n",  # trailing tab
    ],
)
def test_blocks_that_are_not_plain_go_to_the_reference(block):
    assert parse(block, 2, "plain") is None
    assert parse(block, 2, "numpy") == parse(block, 2, "python")


@pytest.mark.parametrize(
    "token", ["1-2", "-", "+", "- 1", "e5", "1e", "1e5e5", "1.2.3", "1e5.5", ".", "--1",
              "1+", "nan", "inf", "0x10", "1_000", "١", "1,5", "1e400", "-1e39"])
def test_bad_or_unusual_tokens_give_the_reference_result(token):
    data = f"a 1 2\nb {token} 2\n".encode()
    try:
        expected = parse(data, 2, "python")
    except FormatError as error:
        with pytest.raises(FormatError) as info:
            parse(data, 2, "numpy")
        assert str(info.value) == str(error) and info.value.line == 2
    else:
        assert parse(data, 2, "numpy") == expected


def test_crlf_and_trailing_spaces_stay_on_the_plain_path():
    data = b"a 1 2 \r\nb 3 4\r\nc 5 6 \n"
    plain = parse(data, 2, "plain")
    assert plain is not None and plain == parse(data, 2, "python")
    assert plain[1] == [b"a", b"b", b"c"] and plain[2] == [1, 2, 3]


def test_max_row_stops_mid_block():
    data = b"a 1\nb 2\nc 3\n"
    buf = bytearray(data)
    out = np.zeros((2, 1), np.float32)
    parsed = _textblock.parse_numpy(np.frombuffer(buf, np.uint8), buf, 0, len(buf), 1, out,
                                    0, 2, 5)
    assert (parsed.row, parsed.pos, parsed.line) == (2, 8, 7)
    assert out.ravel().tolist() == [1, 2]


@settings(deadline=None, max_examples=60)
@given(st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1,
                max_size=30),
       st.sampled_from(["%r", "%g", "%.6f", "%e", "%.9g", "%.3e", "%.12f", "%.20f", "%+.8E",
                        "%.0f", "%.17g"]))
def test_random_floats_in_many_formats(values, style):
    tokens = [repr(v) if style == "%r" else style % v for v in values]
    data = "".join(f"k{i} {t}\n" for i, t in enumerate(tokens)).encode()
    try:
        expected = parse(data, 1, "python")
    except FormatError:  # a style that rounds the largest float32 up to overflow
        with pytest.raises(FormatError):
            parse(data, 1, "numpy")
        return
    assert parse(data, 1, "numpy") == expected


@pytest.mark.parametrize("token", [".", "-.", "+", "e", "..", "-"])
def test_a_lone_token_without_digits_is_an_error(token):
    # NumPy's integer parser reads whitespace alone as [0]: that must not become a value.
    data = f"k {token}\n".encode()
    with pytest.raises(FormatError, match="not a number"):
        parse(data, 1, "numpy")
