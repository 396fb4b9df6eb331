"""Tokenizers: callables ``str -> list[str]`` for English, text8, Chinese and pre-split text.

The protocol is deliberately small: a tokenizer is any callable taking one string and
returning a list of token strings. The built-in ones share three options, applied in this
order: ``clean`` (a ``str -> str`` step such as :class:`~everyvec.text.Cleaner`, or ``True``
for the default cleaner), the tokenisation itself, then ``stopwords`` filtering (anything
:func:`~everyvec.text.load_stopwords` accepts).

========== ================================================================================
name       what it does
========== ================================================================================
english    regex words: Unicode letters and digits, apostrophes inside words kept
           (``don't``), punctuation dropped, lower-cased; numbers kept, dropped or replaced
text8      the text8 reference: ASCII lower-cased, tokens = runs of ``a``-``z``
jieba      Chinese word segmentation with jieba (the optional extra ``everyvec[text]``)
chars      as BERT does: each CJK ideograph one token, runs of other letters/digits together,
           punctuation dropped
whitespace pre-tokenised input: split on whitespace, nothing else
========== ================================================================================

    >>> from everyvec.text import get_tokenizer
    >>> get_tokenizer("english")("Don't panic: café costs 3.50!")
    ["don't", 'panic', 'café', 'costs', '3.50']
    >>> get_tokenizer("chars")("我爱NLP 2024。")
    ['我', '爱', 'nlp', '2024']

Cutting text after a whitespace character never changes the tokens of any built-in tokenizer
(the corpus reader relies on it to stream huge lines); ``cut_chars`` lists further characters
with that property for a given tokenizer.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from everyvec._checks import check_bool, check_choice, check_token, is_pathlike
from everyvec._optional import require
from everyvec.text import _unicode
from everyvec.text.clean import Cleaner
from everyvec.text.stopwords import StopWords, load_stopwords

__all__ = [
    "TOKENIZERS",
    "BaseTokenizer",
    "CharTokenizer",
    "EnglishTokenizer",
    "JiebaTokenizer",
    "Text8Tokenizer",
    "Tokenizer",
    "WhitespaceTokenizer",
    "get_tokenizer",
]

#: The protocol: any callable from a string to a list of tokens.
Tokenizer = Callable[[str], list[str]]

# Sentence and clause punctuation of CJK text: jieba and the character tokenizer treat each as
# a block boundary, so cutting just after one never changes their tokens.
_CJK_CUTS = "。！？；，、：\u3000"

_HAS_WORD = re.compile(r"[^\W_]")
_NUMERIC = re.compile(r"\d+(?:[.,]\d+)*")
_DIGIT_SEPARATOR = re.compile(r"\d[.,]\d")
# _english_fast_pattern() restricted to ASCII text, where a letter/digit is [A-Za-z0-9].
_ENGLISH_ASCII = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+|(?<=[0-9])[.,](?=[0-9])[A-Za-z0-9]+)*")


@functools.cache
def _english_pattern() -> re.Pattern[str]:
    """The definition of English tokens: clear, but slow on long text (see the fast one).

    A number with inner separators (1,000 / 3.14) first, atomically, and only when no letter
    follows; otherwise letters/digits with their marks, joined by inner apostrophes.
    """
    marks = _unicode.marks_class()
    unit = rf"[^\W_][{marks}]*"
    number = rf"(?>\d+(?:[.,]\d+)+)(?![^\W_]|[{marks}])"
    word = rf"(?:{unit})+(?:'(?:{unit})+)*"
    return re.compile(f"{number}|{word}")


@functools.cache
def _english_fast_pattern() -> re.Pattern[str]:
    """Candidate tokens, four times faster than :func:`_english_pattern`.

    Runs of letters/digits with marks, joined by inner apostrophes and by ``.``/``,`` between
    two digits. A candidate holding ``.`` or ``,`` is rare and is re-split with the defining
    pattern; the others already are tokens of it (the test suite checks the two agree).
    """
    mark = _unicode.marks_pattern()
    unit = rf"[^\W_]+(?:{mark}+[^\W_]*)*"
    return re.compile(rf"{unit}(?:'{unit}|(?<=\d)[.,](?=\d){unit})*")


@functools.cache
def _chars_pattern() -> re.Pattern[str]:
    marks = _unicode.marks_class()
    cjk = _unicode.cjk_class()
    return re.compile(rf"[{cjk}]|(?:[^\W_{cjk}][{marks}]*)+")


class BaseTokenizer:
    """Shared behaviour of the built-in tokenizers: cleaning, then :meth:`_tokenize`, then
    stop-word filtering.

    Parameters
    ----------
    stopwords
        Words to drop from the output: a built-in list name (``"english"``, ``"chinese"``), a
        file path, or an iterable of words. Compared with the tokens as produced (so after
        lower-casing when the tokenizer lower-cases).
    clean
        A ``str -> str`` function applied to the text first, e.g.
        ``Cleaner(tags=True)``; ``True`` means ``Cleaner()``; ``None`` means no cleaning.
    """

    #: The registry name (see :data:`TOKENIZERS`).
    name: ClassVar[str] = ""
    #: Characters, besides whitespace, after which text may be cut without changing tokens.
    cut_chars: ClassVar[str] = ""

    def __init__(self, *, stopwords: StopWords | None = None,
                 clean: Callable[[str], str] | bool | None = None) -> None:
        owner = type(self).__name__
        self.stopwords: frozenset[str] | None = (
            None if stopwords is None else load_stopwords(stopwords))
        if clean is True:
            clean = Cleaner()
        elif clean is False:
            clean = None
        if clean is not None and not callable(clean):
            raise TypeError(f"The 'clean' parameter of {owner} must be a callable str -> str, "
                            f"True or None. Got {clean!r}.")
        self.clean: Callable[[str], str] | None = clean

    def __call__(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise TypeError(f"{type(self).__name__} expects a str, got {type(text).__name__}")
        if self.clean is not None:
            text = self.clean(text)
        tokens = self._tokenize(text)
        if self.stopwords:
            stop = self.stopwords
            tokens = [t for t in tokens if t not in stop]
        return tokens

    def _tokenize(self, text: str) -> list[str]:
        raise NotImplementedError

    def _options(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        options = dict(self._options())
        if self.stopwords is not None:
            options["stopwords"] = f"<{len(self.stopwords)} words>"
        if self.clean is not None:
            options["clean"] = self.clean
        inner = ", ".join(
            f"{k}={v}" if k == "stopwords" else f"{k}={v!r}" for k, v in options.items())
        return f"{type(self).__name__}({inner})"


class WhitespaceTokenizer(BaseTokenizer):
    """Pre-tokenised text: split on runs of whitespace (``str.split()``), nothing else.

    Parameters
    ----------
    lowercase
        Lower-case the tokens (off by default: pre-tokenised input is taken as it is).
    stopwords, clean
        See :class:`BaseTokenizer`.
    """

    name = "whitespace"

    def __init__(self, *, lowercase: bool = False, stopwords: StopWords | None = None,
                 clean: Callable[[str], str] | bool | None = None) -> None:
        super().__init__(stopwords=stopwords, clean=clean)
        self.lowercase = check_bool(lowercase, "lowercase", type(self).__name__)

    def _tokenize(self, text: str) -> list[str]:
        return (text.lower() if self.lowercase else text).split()

    def _options(self) -> dict[str, Any]:
        return {"lowercase": self.lowercase}


class EnglishTokenizer(BaseTokenizer):
    """Regex word tokenizer for English and other space-separated languages.

    A token is a run of Unicode letters and digits (with their combining marks, so ``café``
    and Devanagari words stay whole), possibly joined by apostrophes inside the word
    (``don't``, ``o'clock``; the typographic ``’`` becomes ``'``). Everything else -
    punctuation, symbols, underscores, hyphens, leading/trailing apostrophes - separates
    tokens and is dropped. Numbers may carry inner ``.`` or ``,`` between digits (``3.14``,
    ``1,000``). The text is NFC-normalised first.

    Parameters
    ----------
    lowercase
        Lower-case the text (``str.lower``), on by default.
    numbers
        What to do with tokens made only of digits (and inner ``.``/``,``): ``"keep"``,
        ``"drop"``, or ``"replace"`` them by ``number_token``. Mixed tokens such as ``3rd``
        or ``mp3`` are words.
    number_token
        The replacement for ``numbers="replace"``.
    stopwords, clean
        See :class:`BaseTokenizer`.
    """

    name = "english"

    def __init__(self, *, lowercase: bool = True, numbers: str = "keep",
                 number_token: str = "<num>", stopwords: StopWords | None = None,
                 clean: Callable[[str], str] | bool | None = None) -> None:
        super().__init__(stopwords=stopwords, clean=clean)
        owner = type(self).__name__
        self.lowercase = check_bool(lowercase, "lowercase", owner)
        self.numbers = check_choice(numbers, "numbers", owner, ("keep", "drop", "replace"))
        self.number_token = check_token(number_token, "number_token", owner, allow_none=False)
        self._pattern = _english_fast_pattern()

    def _tokenize(self, text: str) -> list[str]:
        if text.isascii():  # most lines of English text: a simpler, faster pattern suffices
            tokens = _ENGLISH_ASCII.findall(text.lower() if self.lowercase else text)
        else:
            # Lower-case first: str.lower() can leave marks out of canonical order ("İ").
            if self.lowercase:
                text = text.lower()
            text = unicodedata.normalize("NFC", text)
            if "\u2019" in text:
                text = text.replace("\u2019", "'")
            tokens = self._pattern.findall(text)
        if _DIGIT_SEPARATOR.search(text):
            tokens = _resplit_separators(tokens)
        if self.numbers == "keep":
            return tokens
        numeric = _NUMERIC.fullmatch
        if self.numbers == "drop":
            return [t for t in tokens if not (t[0].isdecimal() and numeric(t))]
        repl = self.number_token
        return [repl if t[0].isdecimal() and numeric(t) else t for t in tokens]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_pattern"]  # compiled lazily from cached tables; cheap to rebuild
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pattern = _english_fast_pattern()

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {"lowercase": self.lowercase, "numbers": self.numbers}
        if self.numbers == "replace":
            opts["number_token"] = self.number_token
        return opts


def _resplit_separators(tokens: list[str]) -> list[str]:
    """Replace candidates holding ``.``/``,`` by their tokens under the defining pattern."""
    exact = _english_pattern().findall
    out: list[str] = []
    for token in tokens:
        if "." in token or "," in token:
            out.extend(exact(token))
        else:
            out.append(token)
    return out


_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SPELL_DIGITS = {ord(str(d)): f" {name} " for d, name in enumerate(_DIGIT_NAMES)}
_AZ = re.compile(r"[a-z]+")
_AZ_MIXED = re.compile(r"[A-Za-z]+")


class Text8Tokenizer(BaseTokenizer):
    """The text8 reference tokenisation: lower-cased, tokens = runs of ``a``-``z``.

    Only ASCII letters count (``café`` gives ``caf``), as in Matt Mahoney's ``wikifil.pl``
    that produced text8; every other character separates tokens.

    Parameters
    ----------
    spell_digits
        Spell each ASCII digit as a word first (``1990`` -> ``one nine nine zero``), as
        ``wikifil.pl`` does. Off by default: digits are dropped.
    stopwords, clean
        See :class:`BaseTokenizer`.
    """

    name = "text8"

    def __init__(self, *, spell_digits: bool = False, stopwords: StopWords | None = None,
                 clean: Callable[[str], str] | bool | None = None) -> None:
        super().__init__(stopwords=stopwords, clean=clean)
        self.spell_digits = check_bool(spell_digits, "spell_digits", type(self).__name__)

    def _tokenize(self, text: str) -> list[str]:
        if self.spell_digits:
            text = text.translate(_SPELL_DIGITS)
        if text.isascii():
            return _AZ.findall(text.lower())
        # Lower-case only ASCII letters: str.lower() would turn the Kelvin sign into 'k'.
        return [t.lower() for t in _AZ_MIXED.findall(text)]

    def _options(self) -> dict[str, Any]:
        return {"spell_digits": self.spell_digits}


class CharTokenizer(BaseTokenizer):
    """Character tokenizer for Chinese, as BERT's basic tokenizer does it.

    Each CJK ideograph is one token; runs of other letters and digits (Latin words, numbers,
    kana, Hangul) stay together as one token; punctuation, symbols and whitespace are dropped.
    The text is NFC-normalised first.

    Parameters
    ----------
    lowercase
        Lower-case the text, on by default (as BERT's uncased Chinese models).
    stopwords, clean
        See :class:`BaseTokenizer`.
    """

    name = "chars"
    cut_chars = _CJK_CUTS

    def __init__(self, *, lowercase: bool = True, stopwords: StopWords | None = None,
                 clean: Callable[[str], str] | bool | None = None) -> None:
        super().__init__(stopwords=stopwords, clean=clean)
        self.lowercase = check_bool(lowercase, "lowercase", type(self).__name__)
        self._pattern = _chars_pattern()

    def _tokenize(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        return self._pattern.findall(unicodedata.normalize("NFC", text))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_pattern"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._pattern = _chars_pattern()

    def _options(self) -> dict[str, Any]:
        return {"lowercase": self.lowercase}


def _import_jieba() -> Any:
    jieba = require("jieba", "the 'jieba' tokenizer")
    # jieba logs "Building prefix dict ..." at DEBUG to stderr; quiet it unless the user has
    # configured jieba's logger themselves.
    if jieba.default_logger.level <= logging.DEBUG:
        jieba.setLogLevel(logging.WARNING)
    return jieba


class JiebaTokenizer(BaseTokenizer):
    """Chinese word segmentation with `jieba <https://github.com/fxsjy/jieba>`_.

    jieba is the optional extra ``everyvec[text]``; it is imported when the tokenizer is first
    used, and its dictionary is loaded then (about a second, cached by jieba afterwards).
    Whitespace and tokens without any letter or digit (punctuation) are dropped.

    Parameters
    ----------
    mode
        ``"accurate"`` (jieba's default ``cut``), ``"full"`` (``cut_all=True``: every
        dictionary word found, overlapping) or ``"search"`` (``cut_for_search``: long words
        also cut into their shorter dictionary words).
    hmm
        Let jieba's HMM find words missing from its dictionary.
    user_dict
        Extra words: a path to a jieba user dictionary file (``word [freq] [tag]`` per line)
        or an iterable of words. Kept to this tokenizer (its own jieba ``Tokenizer``), not
        added to jieba's global one.
    lowercase
        Lower-case the tokens (after segmentation, so dictionary entries such as ``T恤`` are
        still found).
    stopwords, clean
        See :class:`BaseTokenizer`.
    """

    name = "jieba"
    cut_chars = _CJK_CUTS

    def __init__(self, *, mode: str = "accurate", hmm: bool = True,
                 user_dict: str | Iterable[str] | None = None, lowercase: bool = True,
                 stopwords: StopWords | None = None,
                 clean: Callable[[str], str] | bool | None = None) -> None:
        super().__init__(stopwords=stopwords, clean=clean)
        owner = type(self).__name__
        self.mode = check_choice(mode, "mode", owner, ("accurate", "full", "search"))
        self.hmm = check_bool(hmm, "hmm", owner)
        self.lowercase = check_bool(lowercase, "lowercase", owner)
        if user_dict is None:
            self.user_dict: str | tuple[str, ...] | None = None
        elif is_pathlike(user_dict):
            from pathlib import Path

            path = Path(user_dict)
            if not path.is_file():
                raise ValueError(f"The 'user_dict' parameter of {owner}: no such file "
                                 f"{str(path)!r}.")
            self.user_dict = str(path)
        elif isinstance(user_dict, Iterable):
            words = tuple(user_dict)
            bad = [w for w in words if not isinstance(w, str) or not w.strip()]
            if bad:
                raise TypeError(f"The 'user_dict' parameter of {owner} must hold non-empty "
                                f"str words. Got {bad[0]!r}.")
            self.user_dict = words
        else:
            raise TypeError(f"The 'user_dict' parameter of {owner} must be a path, an iterable "
                            f"of words or None. Got {user_dict!r}.")
        self._segmenter: Any = None

    def _get_segmenter(self) -> Any:
        if self._segmenter is None:
            jieba = _import_jieba()
            if self.user_dict is None:
                segmenter = jieba.dt  # jieba's shared default; its dictionary loads once
            else:
                segmenter = jieba.Tokenizer()
                if isinstance(self.user_dict, str):
                    with open(self.user_dict, "rb") as handle:  # jieba leaves a path's file open
                        segmenter.load_userdict(handle)
                else:
                    for word in self.user_dict:
                        segmenter.add_word(word)
            self._segmenter = segmenter
        return self._segmenter

    def _tokenize(self, text: str) -> list[str]:
        seg = self._get_segmenter()
        if self.mode == "search":
            pieces = seg.lcut_for_search(text, HMM=self.hmm)
        else:
            pieces = seg.lcut(text, cut_all=self.mode == "full", HMM=self.hmm)
        has_word = _HAS_WORD.search
        if self.lowercase:
            return [p.lower() for p in pieces if has_word(p)]
        return [p for p in pieces if has_word(p)]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_segmenter"] = None  # jieba objects hold locks and a large dict; rebuilt lazily
        return state

    def _options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {"mode": self.mode, "hmm": self.hmm, "lowercase": self.lowercase}
        if isinstance(self.user_dict, tuple):
            opts["user_dict"] = f"<{len(self.user_dict)} words>"
        elif self.user_dict is not None:
            opts["user_dict"] = self.user_dict
        return opts


#: Registry of named tokenizers for :func:`get_tokenizer`.
TOKENIZERS: dict[str, type[BaseTokenizer]] = {
    cls.name: cls
    for cls in (EnglishTokenizer, Text8Tokenizer, JiebaTokenizer, CharTokenizer,
                WhitespaceTokenizer)
}


def get_tokenizer(tokenizer: str | Tokenizer | None = "whitespace", **options: Any) -> Tokenizer:
    """Return a tokenizer from a name (with options) or pass a callable through.

    Parameters
    ----------
    tokenizer
        A registered name - ``"english"``, ``"text8"``, ``"jieba"``, ``"chars"``,
        ``"whitespace"`` - or any callable ``str -> list[str]``. ``None`` means
        ``"whitespace"``.
    **options
        Keyword options of the named tokenizer's class (e.g. ``numbers="drop"``,
        ``stopwords="english"``). Not allowed with a callable.

    Raises
    ------
    ValueError
        An unknown name; the message lists the valid ones.
    TypeError
        Options given with a callable, an unknown option, or a wrong type.

    Examples
    --------
    >>> get_tokenizer("english", numbers="replace")("Pi is 3.14")
    ['pi', 'is', '<num>']
    """
    if tokenizer is None:
        tokenizer = "whitespace"
    if isinstance(tokenizer, str):
        cls = TOKENIZERS.get(tokenizer)
        if cls is None:
            names = ", ".join(repr(n) for n in TOKENIZERS)
            raise ValueError(f"unknown tokenizer {tokenizer!r}; valid names: {names} "
                             "(or pass a callable str -> list[str])")
        return cls(**options)
    if callable(tokenizer):
        if options:
            raise TypeError("tokenizer options apply only to a named tokenizer; got options "
                            f"{sorted(options)} with the callable {tokenizer!r}")
        return tokenizer
    raise TypeError(f"tokenizer must be a name ({', '.join(repr(n) for n in TOKENIZERS)}) or "
                    f"a callable str -> list[str]; got {type(tokenizer).__name__}")
