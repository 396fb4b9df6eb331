"""Stop-word lists: the built-in files, user lists, and filtering."""

from __future__ import annotations

import pytest

from everyvec.errors import FormatError
from everyvec.text import (
    BUILTIN_STOPWORDS,
    EnglishTokenizer,
    builtin_stopwords,
    load_stopwords,
    remove_stopwords,
)


def test_builtin_lists_are_real_lists():
    english = builtin_stopwords("english")
    chinese = builtin_stopwords("chinese")
    assert len(english) >= 170 and len(chinese) >= 200
    assert {"the", "and", "of", "don't", "yourselves", "s", "t"} <= english
    assert {"的", "了", "是", "我们", "因为", "，", "。", "！"} <= chinese
    assert "cat" not in english and "北京" not in chinese
    for word in english | chinese:
        assert word == word.strip() and word and "\t" not in word and not word.startswith("#")
    assert all(w == w.lower() and "’" not in w for w in english)
    assert builtin_stopwords("en") is english and builtin_stopwords("zh") is chinese
    assert BUILTIN_STOPWORDS == ("english", "chinese")


def test_builtin_english_list_matches_tokenizer_output():
    # Every entry must be something the default English tokenizer can produce as one token.
    tok = EnglishTokenizer()
    for word in builtin_stopwords("english"):
        assert tok(word) == [word]


def test_unknown_builtin():
    with pytest.raises(ValueError, match="valid names: 'english', 'en', 'chinese', 'zh'"):
        builtin_stopwords("klingon")
    with pytest.raises(ValueError, match="unknown built-in"):
        builtin_stopwords(["english"])


def test_load_union_of_sources(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_bytes("\ufeff# my list\nfoo\n\n  bar  \n#comment\nbaz\r\n".encode())
    assert load_stopwords(path) == {"foo", "bar", "baz"}
    assert load_stopwords(str(path)) == {"foo", "bar", "baz"}
    words = load_stopwords("english", path, ["qux"])
    assert {"the", "foo", "qux"} <= words and len(words) == len(builtin_stopwords("en")) + 4
    assert load_stopwords() == frozenset()
    assert load_stopwords(iter(["a", "b"])) == {"a", "b"}


def test_load_bad_sources(tmp_path):
    with pytest.raises(ValueError, match="not a built-in list .* and no such file"):
        load_stopwords(tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="not bytes"):
        load_stopwords(b"english")
    with pytest.raises(TypeError, match="must be str; got int"):
        load_stopwords(["ok", 3])
    with pytest.raises(TypeError, match="cannot read stop words from a float"):
        load_stopwords(1.5)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\nfine\n\xff\xfe\n")
    with pytest.raises(FormatError, match="must be UTF-8") as info:
        load_stopwords(bad)
    assert info.value.path == str(bad) and info.value.line == 3


def test_remove_stopwords():
    assert remove_stopwords(["the", "cat", "the", "mat"], {"the"}) == ["cat", "mat"]
    assert remove_stopwords(["the", "cat"], "english") == ["cat"]
    assert remove_stopwords(iter(["我", "的", "书"]), ["的"]) == ["我", "书"]
    assert remove_stopwords([], "chinese") == []
