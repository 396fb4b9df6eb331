"""Text in, tokens out: cleaning, stop words, tokenizers and streaming corpus readers.

    >>> from everyvec.text import Corpus, get_tokenizer
    >>> tokenize = get_tokenizer("english", stopwords="english")
    >>> tokenize("The cat sat on the mat.")
    ['cat', 'sat', 'mat']

See :mod:`everyvec.text.tokenize`, :mod:`everyvec.text.corpus`, :mod:`everyvec.text.clean` and
:mod:`everyvec.text.stopwords`. Turning tokens into ids is :class:`everyvec.Vocabulary`'s job.
"""

from everyvec.text.clean import (
    Cleaner,
    normalize_whitespace,
    strip_control,
    strip_tags,
    to_halfwidth,
)
from everyvec.text.corpus import Corpus, CorpusStats, LineSentences, Text8Corpus, corpus_files
from everyvec.text.stopwords import (
    BUILTIN_STOPWORDS,
    builtin_stopwords,
    load_stopwords,
    remove_stopwords,
)
from everyvec.text.tokenize import (
    TOKENIZERS,
    BaseTokenizer,
    CharTokenizer,
    EnglishTokenizer,
    JiebaTokenizer,
    Text8Tokenizer,
    Tokenizer,
    WhitespaceTokenizer,
    get_tokenizer,
)

__all__ = [
    "BUILTIN_STOPWORDS",
    "TOKENIZERS",
    "BaseTokenizer",
    "CharTokenizer",
    "Cleaner",
    "Corpus",
    "CorpusStats",
    "EnglishTokenizer",
    "JiebaTokenizer",
    "LineSentences",
    "Text8Corpus",
    "Text8Tokenizer",
    "Tokenizer",
    "WhitespaceTokenizer",
    "builtin_stopwords",
    "corpus_files",
    "get_tokenizer",
    "load_stopwords",
    "normalize_whitespace",
    "remove_stopwords",
    "strip_control",
    "strip_tags",
    "to_halfwidth",
]
