"""Cleaning helpers and the Cleaner pipeline."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everyvec.text import Cleaner, normalize_whitespace, strip_control, strip_tags, to_halfwidth


def test_strip_control_keeps_whitespace_and_text():
    assert strip_control("a\x00b\x1bc\u200bd\ufeffe\u00adf") == "abcdef"
    assert strip_control("tab\there\nnew\rcr") == "tab\there\nnew\rcr"
    assert strip_control("café 我 \U0001f600") == "café 我 \U0001f600"


@given(st.text())
def test_strip_control_leaves_no_controls(text):
    out = strip_control(text)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]", out)
    assert len(out) <= len(text)


def test_strip_tags():
    assert strip_tags("<p>Hello <b class='x'>world</b></p>") == " Hello  world  "
    assert strip_tags("a<br/>b<!-- hidden\n-->c") == "a b c"
    assert strip_tags("fish &amp; chips &#20320;") == "fish & chips 你"
    assert strip_tags("fish &amp; chips", unescape=False) == "fish &amp; chips"
    assert strip_tags("1 < 2 and 3 > 2") == "1 < 2 and 3 > 2"  # not tags


def test_halfwidth_and_whitespace():
    assert to_halfwidth("Ｈｅｌｌｏ，ｗｏｒｌｄ！１２３\u3000ａ") == "Hello,world!123 a"
    assert to_halfwidth("中文。") == "中文。"  # CJK punctuation without an ASCII twin stays
    assert normalize_whitespace("  a \t\n b\u3000\u00a0c  ") == "a b c"


@given(st.text())
def test_whitespace_normalisation_is_idempotent(text):
    once = normalize_whitespace(text)
    assert normalize_whitespace(once) == once
    assert "  " not in once and once == once.strip()
    assert once.split() == text.split()


@given(st.text())
def test_halfwidth_leaves_no_fullwidth_ascii(text):
    out = to_halfwidth(text)
    assert len(out) == len(text)
    assert not re.search("[\uff01-\uff5e\u3000]", out)


def test_cleaner_pipeline():
    clean = Cleaner(tags=True, halfwidth=True, lowercase=True)
    assert clean("<p>Ｈｅｌｌｏ,\u200b  WORLD</p>\n") == "hello, world"
    assert Cleaner()("cafe\u0301\x00 \n x") == "café x"
    assert Cleaner(unicode_form="NFKC")("ﬁ①") == "fi1"
    assert Cleaner(unicode_form=None, control=False, whitespace=False)("a\x00 ") == "a\x00 "
    assert "tags=True" in repr(clean)


def test_cleaner_bad_input():
    with pytest.raises(ValueError, match="'unicode_form' parameter of Cleaner"):
        Cleaner(unicode_form="NFX")
    with pytest.raises(TypeError, match="'tags' parameter of Cleaner must be True or False"):
        Cleaner(tags=1)
    with pytest.raises(TypeError, match="expects a str"):
        Cleaner()(None)
