"""The vocabulary text format: a JSON header line, then ``token<TAB>count`` per id.

Line 1: ``everyvec-vocabulary<TAB>1<TAB>{json header}`` (size, specials, settings, build info);
then one line per id, in id order. Written atomically; read with every line checked, errors
naming the file and line. No pickle. :class:`everyvec.Vocabulary` owns the meaning; this module
owns the bytes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._atomic import atomic_file
from everyvec.errors import FormatError, VocabularyError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ROLES", "read_vocabulary", "write_vocabulary"]

#: First field of a saved vocabulary's header line.
FORMAT_NAME = "everyvec-vocabulary"
#: Version of the text format written by :func:`write_vocabulary`.
FORMAT_VERSION = 1
#: Special-token roles, in id order.
ROLES = ("pad", "unk", "eos")

_COUNT = re.compile(r"[0-9]+")
_UNSAVEABLE = re.compile("[\t\n\r\ud800-\udfff]")  # field/line separators; not UTF-8
_INT64_MAX = np.iinfo(np.int64).max


def write_vocabulary(path: str | os.PathLike[str], tokens: Sequence[str], counts: np.ndarray,
                     header: dict[str, Any]) -> Path:
    """Write ``tokens`` and ``counts`` under ``header``; refuse unsaveable tokens first."""
    for i, token in enumerate(tokens):
        found = _UNSAVEABLE.search(token)
        if found:
            what = ("a lone surrogate (not encodable as UTF-8)"
                    if "\ud800" <= found.group() <= "\udfff" else "a tab or line break")
            raise VocabularyError(f"token {token!r} (id {i}) contains {what} and cannot be "
                                  "saved in the vocabulary text format")
    target = Path(path)
    with atomic_file(target, "w") as handle:
        handle.write(f"{FORMAT_NAME}\t{FORMAT_VERSION}\t"
                     f"{json.dumps(header, ensure_ascii=False, sort_keys=True)}\n")
        values = counts.tolist()
        for start in range(0, len(tokens), 65536):
            handle.write("".join(
                f"{t}\t{c}\n" for t, c in zip(tokens[start:start + 65536],
                                               values[start:start + 65536], strict=True)))
    return target



def read_vocabulary(path: str | os.PathLike[str],
                    check_specials: Callable[..., dict[str, str]],
                    ) -> tuple[list[str], np.ndarray, dict[str, Any]]:
    """Tokens, int64 counts and the checked header of a saved vocabulary.

    ``check_specials(pad, unk, eos)`` validates the special tokens named in the header.
    """
    source = Path(path)
    tokens: list[str] = []
    counts: list[int] = []
    first_line: dict[str, int] = {}
    with open(source, "rb") as handle:
        header = _read_header(handle.readline(), source, check_specials)
        specials = header["specials"]
        expected = list(specials.values())
        line_no = 1
        for line_no, raw in enumerate(handle, start=2):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(f"invalid UTF-8 ({exc.reason})", path=source,
                                  line=line_no) from None
            line = line.removesuffix("\n").removesuffix("\r")
            fields = line.split("\t")
            if len(fields) != 2:
                raise FormatError(f"expected token<TAB>count, found {len(fields)} "
                                  f"tab-separated field(s): {line[:80]!r}", path=source,
                                  line=line_no)
            token, count = fields
            if not _COUNT.fullmatch(count) or int(count) > _INT64_MAX:
                raise FormatError(f"the count of {token!r} must be a non-negative integer; "
                                  f"got {count!r}", path=source, line=line_no)
            if token in first_line:
                raise FormatError(f"duplicate token {token!r} (first on line "
                                  f"{first_line[token]})", path=source, line=line_no)
            position = len(tokens)
            if position < len(expected) and token != expected[position]:
                raise FormatError(f"expected the special token {expected[position]!r} "
                                  f"(id {position}) here; got {token!r}", path=source,
                                  line=line_no)
            first_line[token] = line_no
            tokens.append(token)
            counts.append(int(count))
    if len(tokens) != header["size"]:
        raise FormatError(f"the header announces {header['size']} tokens but the file "
                          f"holds {len(tokens)} (truncated or edited?)", path=source,
                          line=line_no)
    if len(tokens) < len(expected):
        raise FormatError("the file ends before all special tokens", path=source,
                          line=line_no)
    return tokens, np.array(counts, dtype=np.int64), header


def _read_header(raw: bytes, source: Path,
                 check_specials: Callable[..., dict[str, str]]) -> dict[str, Any]:
    def bad(reason: str) -> FormatError:
        return FormatError(reason, path=source, line=1)

    try:
        line = raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
    except UnicodeDecodeError:
        raise bad(f"not an everyvec vocabulary file (expected a first line starting with "
                  f"{FORMAT_NAME!r})") from None
    fields = line.split("\t", 2)
    if fields[0] != FORMAT_NAME:
        raise bad(f"not an everyvec vocabulary file (expected a first line starting with "
                  f"{FORMAT_NAME!r}, got {line[:40]!r})")
    if len(fields) != 3 or not _COUNT.fullmatch(fields[1]):
        raise bad(f"malformed header: expected {FORMAT_NAME}<TAB>version<TAB>json")
    version = int(fields[1])
    if version > FORMAT_VERSION:
        raise bad(f"format version {version} is newer than this everyvec reads "
                  f"({FORMAT_VERSION}); upgrade everyvec")
    try:
        header = json.loads(fields[2])
    except json.JSONDecodeError as exc:
        raise bad(f"the header's JSON is invalid: {exc}") from None
    if not isinstance(header, dict):
        raise bad("the header's JSON must be an object")
    size = header.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise bad(f"the header's 'size' must be an int >= 1; got {size!r}")
    raw_specials = header.get("specials", {})
    if not isinstance(raw_specials, dict) or set(raw_specials) - set(ROLES):
        raise bad(f"the header's 'specials' must map {', '.join(ROLES)} to a str or null")
    try:
        specials = check_specials(*(raw_specials.get(r) for r in ROLES))
    except (TypeError, ValueError) as exc:
        raise bad(f"bad special tokens in the header: {exc}") from None
    for key in ("settings", "build_info"):
        if not isinstance(header.get(key, {}), dict):
            raise bad(f"the header's {key!r} must be a JSON object")
    return {"size": size, "specials": specials, "settings": header.get("settings", {}),
            "build_info": header.get("build_info", {})}
