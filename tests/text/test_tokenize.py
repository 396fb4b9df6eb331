"""Tokenizers: examples of each, cut invariance (the corpus reader relies on it), bad input."""

from __future__ import annotations

import logging
import pickle
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.errors import MissingExtraError
from everyvec.text import (
    TOKENIZERS,
    CharTokenizer,
    Cleaner,
    EnglishTokenizer,
    JiebaTokenizer,
    Text8Tokenizer,
    WhitespaceTokenizer,
    get_tokenizer,
)

# Text mixing the things tokenizers care about: letters (Latin, accented, Cyrillic, CJK,
# Devanagari with its marks), digits, apostrophes, number separators, punctuation, spaces.
_ALPHABET = st.sampled_from(
    list("abcXYZ019 \t\n\r'’.,-_!?;:()\"") + ["é", "e\u0301", "ß", "Σ", "д", "我", "爱", "世",
                                             "。", "，", "！", "\u3000", "न", "म", "\u094d",
                                             "\u200b", "K", "İ", "²", "٣", "ｈ"])
TEXT = st.lists(_ALPHABET, max_size=60).map("".join)
BUILTIN = ["english", "text8", "chars", "whitespace"]


# -- English -------------------------------------------------------------------------------

def test_english_examples():
    tok = EnglishTokenizer()
    assert tok("Don't panic: café costs 3.50!") == ["don't", "panic", "café", "costs", "3.50"]
    assert tok("state-of-the-art, well_known") == ["state", "of", "the", "art", "well", "known"]
    assert tok("'quoted' students' o’clock rock'n'roll") == [
        "quoted", "students", "o'clock", "rock'n'roll"]
    assert tok("1,000 people, 3.14 pies, 3rd mp3 1990s.") == [
        "1,000", "people", "3.14", "pies", "3rd", "mp3", "1990s"]
    assert tok("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]  # vowel signs and virama stay inside
    assert tok("") == [] and tok(" \n\t ...!") == []


def test_english_unicode_normalisation_and_case():
    tok = EnglishTokenizer()
    assert tok("cafe\u0301 CAFÉ") == ["café", "café"]  # decomposed accent composed (NFC)
    assert EnglishTokenizer(lowercase=False)("Hello WORLD") == ["Hello", "WORLD"]
    assert tok("ΟΔΟΣ Straße") == ["οδος", "straße"]


def test_english_numbers_option():
    text = "Pi is 3.14, not 22/7 or 3rd; 1,000 x 42"
    assert get_tokenizer("english", numbers="keep")(text) == [
        "pi", "is", "3.14", "not", "22", "7", "or", "3rd", "1,000", "x", "42"]
    assert get_tokenizer("english", numbers="drop")(text) == ["pi", "is", "not", "or", "3rd", "x"]
    assert get_tokenizer("english", numbers="replace", number_token="<n>")(text) == [
        "pi", "is", "<n>", "not", "<n>", "<n>", "or", "3rd", "<n>", "x", "<n>"]
    # A separator not between digits is punctuation; a letter right after a number makes a word.
    assert get_tokenizer("english")("3. 3.14abc") == ["3", "3", "14abc"]


@given(TEXT)
def test_english_tokens_are_clean_and_stable(text):
    tok = EnglishTokenizer()
    tokens = tok(text)
    for t in tokens:
        assert t and not re.search(r"\s", t)
        assert not t.startswith("'") and not t.endswith("'")
        assert "’" not in t and "_" not in t and "-" not in t
    assert tok(" ".join(tokens)) == tokens  # re-tokenising the output changes nothing
    assert all(unicodedata.is_normalized("NFC", t) for t in tokens)


def defining_english(text):
    """The English tokenizer's definition: one clear regex (slow on long text)."""
    from everyvec.text.tokenize import _english_pattern

    text = unicodedata.normalize("NFC", text.lower()).replace("\u2019", "'")
    return _english_pattern().findall(text)


NUMBERISH = st.lists(st.sampled_from(["1", "23", ".", ",", "'", "’", "a", "é", "_", " ", "\u0301"]),
                     max_size=12).map("".join)


@settings(max_examples=300)
@given(st.one_of(TEXT, NUMBERISH, st.text(), st.text(st.characters(max_codepoint=127))))
def test_english_fast_patterns_match_the_definition(text):
    assert EnglishTokenizer()(text) == defining_english(text)


@given(TEXT)
def test_english_number_modes_agree(text):
    keep = EnglishTokenizer(numbers="keep")(text)
    drop = EnglishTokenizer(numbers="drop")(text)
    repl = EnglishTokenizer(numbers="replace")(text)
    assert len(repl) == len(keep)
    assert [t for t in repl if t != "<num>"] == drop
    assert all(re.fullmatch(r"\d+(?:[.,]\d+)*", k) for k, r in zip(keep, repl, strict=True)
               if r == "<num>")


# -- text8 ---------------------------------------------------------------------------------

@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_text8_matches_reference_on_ascii(text):
    assert Text8Tokenizer()(text) == re.findall("[a-z]+", text.lower())


def test_text8_examples():
    tok = Text8Tokenizer()
    assert tok("Hello, World! It's 1990; café") == ["hello", "world", "it", "s", "caf"]
    # Only ASCII letters count, and only they are lower-cased: no Kelvin sign -> 'k'.
    assert tok("\u212a Kelvin İx") == ["kelvin", "x"]
    assert Text8Tokenizer(spell_digits=True)("In 1990 we") == [
        "in", "one", "nine", "nine", "zero", "we"]


# -- characters ----------------------------------------------------------------------------

def test_chars_examples():
    tok = CharTokenizer()
    assert tok("我爱NLP 2024。") == ["我", "爱", "nlp", "2024"]
    assert tok("我们在3.14号，don't！") == ["我", "们", "在", "3", "14", "号", "don", "t"]
    assert tok("こんにちは世界") == ["こんにちは", "世", "界"]  # kana stay a run, as in BERT
    assert CharTokenizer(lowercase=False)("ABC中") == ["ABC", "中"]
    assert tok("𠀀𪜀") == ["𠀀", "𪜀"]  # CJK extension B/C ideographs are single tokens too


@given(TEXT)
def test_chars_output_is_stable(text):
    tok = CharTokenizer()
    tokens = tok(text)
    assert tok(" ".join(tokens)) == tokens
    assert all(unicodedata.is_normalized("NFC", t) for t in tokens)


@given(TEXT)
def test_chars_every_ideograph_is_one_token(text):
    tokens = CharTokenizer()(text)
    ideographs = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert [t for t in tokens if len(t) == 1 and "\u4e00" <= t <= "\u9fff"] == ideographs
    assert all(not re.search(r"[\s\W_]", t[0]) for t in tokens)


# -- whitespace ----------------------------------------------------------------------------

def test_whitespace():
    assert WhitespaceTokenizer()("  A b\u3000c\td\n") == ["A", "b", "c", "d"]
    assert WhitespaceTokenizer(lowercase=True)("A B") == ["a", "b"]
    assert WhitespaceTokenizer()("don't, x.") == ["don't,", "x."]


# -- properties shared by all built-ins ----------------------------------------------------

@pytest.mark.parametrize("name", BUILTIN)
@given(text=TEXT, data=st.data())
def test_cutting_after_a_cut_point_keeps_tokens(name, text, data):
    tok = get_tokenizer(name)
    cuts = " \t\n\r\u3000" + tok.cut_chars
    points = [i + 1 for i, c in enumerate(text) if c in cuts]
    if not points:
        return
    at = data.draw(st.sampled_from(points))
    assert tok(text[:at]) + tok(text[at:]) == tok(text)


@pytest.mark.parametrize("name", BUILTIN)
def test_rejects_non_str(name):
    with pytest.raises(TypeError, match="expects a str"):
        get_tokenizer(name)(b"bytes")


@pytest.mark.parametrize("name", BUILTIN)
def test_pickle_round_trip(name):
    tok = get_tokenizer(name, stopwords=["x"])
    again = pickle.loads(pickle.dumps(tok))
    text = "Hello x world 我们。 3.14"
    assert again(text) == tok(text)
    assert repr(again) == repr(tok)


def test_stopwords_and_clean_options():
    tok = get_tokenizer("english", stopwords="english")
    assert tok("The cat and THE dog don't sit") == ["cat", "dog", "sit"]
    tok = get_tokenizer("english", stopwords=["cat"], clean=Cleaner(tags=True))
    assert tok("<b>cat</b>&amp;dog") == ["dog"]
    assert get_tokenizer("english", clean=True)("a\x00b") == ["ab"]
    assert get_tokenizer("chars", clean=Cleaner(halfwidth=True))("Ｈｉ，你") == ["hi", "你"]
    assert get_tokenizer("chars", stopwords="chinese")("我的书") == ["书"]


# -- the factory and bad options -----------------------------------------------------------

def test_get_tokenizer_names_and_callables():
    assert set(TOKENIZERS) == {"english", "text8", "jieba", "chars", "whitespace"}
    for name, cls in TOKENIZERS.items():
        assert cls.name == name
    assert isinstance(get_tokenizer(None), WhitespaceTokenizer)
    assert isinstance(get_tokenizer(), WhitespaceTokenizer)

    def mine(text):
        return text.split(",")

    assert get_tokenizer(mine) is mine
    with pytest.raises(ValueError, match=r"unknown tokenizer 'bert'.*'english'.*'whitespace'"):
        get_tokenizer("bert")
    with pytest.raises(TypeError, match="only to a named tokenizer"):
        get_tokenizer(mine, lowercase=True)
    with pytest.raises(TypeError, match="must be a name"):
        get_tokenizer(42)
    with pytest.raises(TypeError, match="unexpected keyword"):
        get_tokenizer("english", lowercas=True)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"numbers": "round"}, ValueError,
     "The 'numbers' parameter of EnglishTokenizer must be one of 'keep', 'drop', 'replace'. "
     "Got 'round'."),
    ({"lowercase": "yes"}, TypeError,
     "The 'lowercase' parameter of EnglishTokenizer must be True or False. Got 'yes'."),
    ({"number_token": ""}, ValueError, "'number_token' parameter of EnglishTokenizer"),
    ({"clean": "yes"}, TypeError, "'clean' parameter of EnglishTokenizer"),
    ({"stopwords": "klingon"}, ValueError, "not a built-in list"),
    ({"stopwords": 5}, TypeError, "cannot read stop words"),
])
def test_english_bad_options(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        EnglishTokenizer(**kwargs)


# -- jieba ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jieba_tok():
    pytest.importorskip("jieba")
    return JiebaTokenizer()


def test_jieba_segments_and_drops_punctuation(jieba_tok):
    assert jieba_tok("我来到北京清华大学，Hello World！ 3.14") == [
        "我", "来到", "北京", "清华大学", "hello", "world", "3.14"]
    # Lower-casing happens after segmentation, so the dictionary word "T恤" is still found.
    assert jieba_tok("T恤") == ["t恤"]
    assert JiebaTokenizer(lowercase=False)("T恤") == ["T恤"]
    assert jieba_tok("") == [] and jieba_tok("，。！ ") == []


def test_jieba_modes(jieba_tok):
    text = "中国科学院计算所"
    accurate = jieba_tok(text)
    search = JiebaTokenizer(mode="search")(text)
    full = JiebaTokenizer(mode="full")(text)
    assert "".join(accurate) == text
    assert set(accurate) < set(search) and "科学" in search
    assert "科学院" in full and "学院" in full
    with pytest.raises(ValueError, match="'mode' parameter of JiebaTokenizer"):
        JiebaTokenizer(mode="fast")


def test_jieba_user_dict_is_private(jieba_tok, tmp_path):
    text = "小明毕业于清华大学计算所"
    assert "清华大学计算所" not in jieba_tok(text)
    assert "清华大学计算所" in JiebaTokenizer(user_dict=["清华大学计算所"])(text)
    path = tmp_path / "user.txt"
    path.write_text("清华大学计算所 10 nt\n", encoding="utf-8")
    assert "清华大学计算所" in JiebaTokenizer(user_dict=path)(text)
    assert "清华大学计算所" not in jieba_tok(text)  # the shared jieba dictionary is untouched
    with pytest.raises(ValueError, match="no such file"):
        JiebaTokenizer(user_dict=tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="non-empty str words"):
        JiebaTokenizer(user_dict=["ok", 3])


def test_jieba_pickles_without_its_dictionary(jieba_tok):
    jieba_tok("预热")
    data = pickle.dumps(jieba_tok)
    assert len(data) < 2000
    assert pickle.loads(data)("我爱北京") == jieba_tok("我爱北京")


def test_jieba_logging_is_quiet(jieba_tok):
    import jieba

    jieba_tok("你好")
    assert jieba.default_logger.level >= logging.WARNING


@given(text=TEXT, data=st.data())
@settings(max_examples=40, deadline=None)
def test_jieba_cut_invariance(jieba_tok, text, data):
    points = [i + 1 for i, c in enumerate(text) if c in " \t\n\r\u3000" + jieba_tok.cut_chars]
    if points:
        at = data.draw(st.sampled_from(points))
        assert jieba_tok(text[:at]) + jieba_tok(text[at:]) == jieba_tok(text)


def test_missing_jieba_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "jieba", None)  # makes `import jieba` fail
    tok = JiebaTokenizer()  # construction is lazy; using it needs jieba
    with pytest.raises(MissingExtraError, match=r"everyvec\[text\]"):
        tok("你好")
