"""Text cleaning before tokenisation: control characters, HTML-ish tags, width, whitespace.

Each step is a plain function ``str -> str``; :class:`Cleaner` chains the chosen steps into
one picklable callable that every tokenizer accepts through its ``clean=`` option::

    >>> from everyvec.text import Cleaner
    >>> Cleaner(tags=True, halfwidth=True)("<p>Ｈｅｌｌｏ,\\u200b  world</p>")
    'Hello, world'
"""

from __future__ import annotations

import html
import re
import unicodedata

from everyvec._checks import check_bool, check_choice
from everyvec.text import _unicode

__all__ = [
    "Cleaner",
    "normalize_whitespace",
    "strip_control",
    "strip_tags",
    "to_halfwidth",
]

# A comment, or something shaped like an opening/closing tag: '<' then a letter or '/' or '!'.
# "a < b > c" is left alone because a space follows '<'.
_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!?][^<>]*>", re.DOTALL)
_WS = re.compile(r"\s+")


def strip_control(text: str) -> str:
    """Delete control (Cc) and format (Cf) characters such as NUL, ``\\x1b``, zero-width space
    and the byte-order mark; tab, newline and carriage return are kept."""
    return text.translate(_unicode.control_table())


def strip_tags(text: str, *, unescape: bool = True) -> str:
    """Replace HTML/XML-ish tags and comments by a space; optionally decode entities.

    Parameters
    ----------
    text
        Input text.
    unescape
        Decode character references (``&amp;``, ``&#20320;``) after the tags are gone.

    Notes
    -----
    This is a cleaning heuristic, not an HTML parser: anything shaped like ``<name ...>`` is a
    tag, so a literal ``<unk>`` in a corpus is removed too.
    """
    text = _TAG.sub(" ", text)
    return html.unescape(text) if unescape else text


def to_halfwidth(text: str) -> str:
    """Map full-width ASCII variants (``Ａ``, ``１``, ``，``) and the ideographic space to ASCII."""
    return text.translate(_unicode.halfwidth_table())


def normalize_whitespace(text: str) -> str:
    """Collapse every run of (Unicode) whitespace, newlines included, to one space and strip."""
    return _WS.sub(" ", text).strip()


class Cleaner:
    """A configurable cleaning pipeline, usable as ``clean=`` in every tokenizer.

    Steps run in this order: Unicode normalisation, control characters, tags, full-width to
    half-width, lower-casing, whitespace.

    Parameters
    ----------
    control
        Delete control and format characters (:func:`strip_control`).
    tags
        Remove HTML-ish tags and decode entities (:func:`strip_tags`).
    halfwidth
        Map full-width ASCII variants to ASCII (:func:`to_halfwidth`).
    lowercase
        Lower-case the text.
    whitespace
        Collapse whitespace runs to one space (:func:`normalize_whitespace`).
    unicode_form
        ``"NFC"``, ``"NFKC"``, ``"NFD"``, ``"NFKD"`` or ``None`` (no normalisation).
    """

    def __init__(self, *, control: bool = True, tags: bool = False, halfwidth: bool = False,
                 lowercase: bool = False, whitespace: bool = True,
                 unicode_form: str | None = "NFC") -> None:
        self.control = check_bool(control, "control", "Cleaner")
        self.tags = check_bool(tags, "tags", "Cleaner")
        self.halfwidth = check_bool(halfwidth, "halfwidth", "Cleaner")
        self.lowercase = check_bool(lowercase, "lowercase", "Cleaner")
        self.whitespace = check_bool(whitespace, "whitespace", "Cleaner")
        if unicode_form is not None:
            check_choice(unicode_form, "unicode_form", "Cleaner", ("NFC", "NFKC", "NFD", "NFKD"))
        self.unicode_form = unicode_form

    def __call__(self, text: str) -> str:
        if not isinstance(text, str):
            raise TypeError(f"Cleaner expects a str, got {type(text).__name__}")
        if self.unicode_form is not None:
            text = unicodedata.normalize(self.unicode_form, text)
        if self.control:
            text = strip_control(text)
        if self.tags:
            text = strip_tags(text)
        if self.halfwidth:
            text = to_halfwidth(text)
        if self.lowercase:
            text = text.lower()
        if self.whitespace:
            text = normalize_whitespace(text)
        return text

    def __repr__(self) -> str:
        return (f"Cleaner(control={self.control}, tags={self.tags}, halfwidth={self.halfwidth}, "
                f"lowercase={self.lowercase}, whitespace={self.whitespace}, "
                f"unicode_form={self.unicode_form!r})")
