"""Texts in for the neural text models: tokens, a vocabulary with PAD/UNK/EOS, id arrays.

Every text model of :mod:`everyvec.nn` (the classifier, the language models) reads its input
the same way: strings are cut with a tokenizer named as in :func:`everyvec.text.get_tokenizer`
(or token lists are taken as they are), the vocabulary reserves PAD = 0, UNK = 1 and EOS = 2,
and unknown words map to UNK so that a model can still read unseen text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["EOS", "N_SPECIAL", "PAD", "UNK", "build_vocabulary", "get_tokenize", "token_lists"]

PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
#: PAD, UNK and EOS take ids 0, 1 and 2; real words start here.
N_SPECIAL = 3


def get_tokenize(spec: Any) -> Callable[[str], list[str]]:
    """A tokenizer name (``"english"``, ``"whitespace"``, ...) or callable → a callable."""
    from everyvec.text.tokenize import get_tokenizer

    return get_tokenizer(spec)


def token_lists(texts: Any, tokenize: Callable[[str], list[str]], where: str, *,
                allow_empty: bool = False) -> list[list[str]]:
    """Every text as a list of str tokens; strings go through ``tokenize``.

    Parameters
    ----------
    texts
        Strings or lists of str tokens (mixed is fine).
    tokenize
        Applied to the strings.
    where
        ``"Owner.method"``, the start of every error message.
    allow_empty
        Accept an empty ``texts`` (else ValueError).
    """
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Iterable):
        raise TypeError(f"{where}: texts must be a list of strings or token lists; got "
                        f"{type(texts).__name__}")
    out = []
    for number, text in enumerate(texts):
        if isinstance(text, str):
            tokens = tokenize(text)
        elif isinstance(text, (list, tuple)):
            tokens = list(text)
            if not all(isinstance(token, str) for token in tokens):
                bad = next(token for token in tokens if not isinstance(token, str))
                raise TypeError(f"{where}: text {number} holds the token {bad!r} "
                                f"({type(bad).__name__}); tokens must be str")
        else:
            raise TypeError(f"{where}: text {number} is a {type(text).__name__}; expected a "
                            "string or a list of str tokens")
        out.append(tokens)
    if not out and not allow_empty:
        raise ValueError(f"{where}: no texts were given")
    return out


def build_vocabulary(tokens: list[list[str]], min_count: int, where: str) -> Any:
    """A :class:`~everyvec.Vocabulary` with PAD = 0, UNK = 1, EOS = 2 then the words.

    Raises ValueError naming ``where`` when no word reaches ``min_count``.
    """
    from everyvec.errors import VocabularyError
    from everyvec.vocab import Vocabulary

    problem = (f"{where}: no word of the training texts occurs min_count={min_count} "
               "times (are the texts empty, or is min_count too high?)")
    try:
        vocab = Vocabulary.build(tokens, min_count=min_count, pad=PAD, unk=UNK, eos=EOS,
                                 progress=False)
    except VocabularyError as exc:
        raise ValueError(f"{problem}: {exc}") from None
    if len(vocab) == N_SPECIAL:
        raise ValueError(problem)
    return vocab
