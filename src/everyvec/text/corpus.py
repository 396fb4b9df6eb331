"""Streaming corpus readers: files, folders and globs in, lists of tokens out, in bounded memory.

A :class:`Corpus` is a restartable iterable: every ``for`` loop over it reads the files again
from the start, so it can feed as many training epochs as needed without holding the text.

    >>> from everyvec.text import Corpus
    >>> corpus = Corpus("data/", tokenizer="english")          # doctest: +SKIP
    >>> for sentence in corpus: ...                             # doctest: +SKIP
    >>> corpus.stats                                            # doctest: +SKIP
    CorpusStats(files=3, lines=120000, sentences=118211, tokens=2093381, split_lines=0, ...)

What it reads
    A file, a folder (every file below it, recursively, in sorted order; names starting with
    ``.`` are skipped), a glob pattern (``"corpus/*.txt.gz"``, ``**`` recursive), or a list of
    those. Compression is detected from the first bytes, whatever the extension: gzip, bzip2,
    xz, and zip (every member in name order, as ``archive.zip:member``).

Layouts
    ``layout="lines"``: one sentence per line (``\\n`` or ``\\r\\n``); empty lines are skipped.
    ``layout="stream"``: the file is one stream of tokens (text8: 100 MB on a single line);
    newlines are plain whitespace and sentences are consecutive runs of
    ``max_sentence_length`` tokens (the last one shorter), as gensim's ``Text8Corpus`` does.

Memory
    Bytes are read in blocks of ``block_size`` and decoded incrementally. A line longer than a
    block is not accumulated: it is tokenised piece by piece, cutting after whitespace (or a
    tokenizer's ``cut_chars``), which never changes the tokens. Only a run of more than
    ``max_run_chars`` characters with no such cut point is cut where it stands (counted in
    ``stats.forced_cuts``, with a warning).

Long lines
    Nothing is silently truncated. A line with more than ``max_sentence_length`` tokens is
    yielded as consecutive chunks of at most that many tokens; ``stats.split_lines`` counts such
    lines and the first one is logged as a warning (logger ``everyvec.text.corpus``).

Encoding
    UTF-8 (a leading byte-order mark is dropped). With ``errors="strict"`` an invalid byte
    raises :class:`everyvec.CorpusError` naming the file, line and byte offset; ``"replace"``
    puts U+FFFD in its place and ``"ignore"`` drops it.
"""

from __future__ import annotations

import bz2
import codecs
import dataclasses
import glob
import gzip
import logging
import lzma
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from everyvec._checks import check_choice, check_int, is_pathlike
from everyvec._progress import track
from everyvec.errors import CorpusError
from everyvec.text.tokenize import Tokenizer, get_tokenizer

__all__ = ["Corpus", "CorpusStats", "LineSentences", "Text8Corpus", "corpus_files"]

logger = logging.getLogger(__name__)

_BOM = codecs.BOM_UTF8
# Whitespace after which every tokenizer may be cut; "\n" matters in the stream layout only.
_WHITESPACE_CUTS = " \t\n\r\u3000"
_DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)


@dataclasses.dataclass
class CorpusStats:
    """Counters of one pass over a :class:`Corpus`, updated as the pass goes.

    Attributes
    ----------
    files
        Files (or archive members) read to their end.
    lines
        Lines read in the ``"lines"`` layout, empty ones included (0 in ``"stream"``).
    sentences
        Sentences yielded (chunks of split lines counted one by one).
    tokens
        Tokens yielded.
    split_lines
        Lines longer than ``max_sentence_length`` tokens, yielded as several chunks.
    forced_cuts
        Places where text had to be cut with no whitespace nearby (see ``max_run_chars``).
    complete
        True once the pass has reached the end of the last file.
    """

    files: int = 0
    lines: int = 0
    sentences: int = 0
    tokens: int = 0
    split_lines: int = 0
    forced_cuts: int = 0
    complete: bool = False


def corpus_files(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
                 ) -> list[Path]:
    """Expand a file, folder, glob pattern, or a list of them, to the files to read.

    Folders are walked recursively in sorted order, skipping names that start with ``.``;
    glob matches are sorted. Raises :class:`everyvec.CorpusError` naming a path that does not
    exist, a folder with no files, or a pattern that matches nothing.
    """
    if is_pathlike(source):
        return _expand(source)
    if isinstance(source, (bytes, bytearray)):
        raise TypeError("corpus source must be a path (str or os.PathLike), not bytes")
    if isinstance(source, Iterable):
        files: list[Path] = []
        for item in source:
            if not is_pathlike(item):
                raise TypeError("corpus source must be a path, a glob pattern, or a list of "
                                f"them; the list holds a {type(item).__name__}: {item!r}")
            files.extend(_expand(item))
        if not files:
            raise CorpusError("the corpus source list is empty")
        return files
    raise TypeError("corpus source must be a path, a glob pattern, or a list of them; "
                    f"got {type(source).__name__}")


def _expand(source: str | os.PathLike[str]) -> list[Path]:
    text = os.fspath(source)
    path = Path(text).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        files = _walk(path)
        if not files:
            raise CorpusError(f"corpus folder {text!r} holds no files")
        return files
    if glob.has_magic(text):
        files = []
        for match in sorted(glob.glob(os.path.expanduser(text), recursive=True)):
            found = Path(match)
            files.extend(_walk(found) if found.is_dir() else [found] if found.is_file() else [])
        if not files:
            raise CorpusError(f"no corpus file matches the pattern {text!r}")
        return files
    raise CorpusError(f"corpus path {text!r} does not exist")


def _walk(folder: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                candidate = Path(root, name)
                if candidate.is_file():
                    files.append(candidate)
    return files


class Corpus:
    """A restartable stream of tokenised sentences from text files.

    Parameters
    ----------
    source
        A file, a folder, a glob pattern, or a list of them (see :func:`corpus_files`). The
        file list is fixed when the corpus is created.
    tokenizer
        A tokenizer name (``"whitespace"``, ``"english"``, ``"text8"``, ``"jieba"``,
        ``"chars"``) or any callable ``str -> list[str]``; see
        :func:`~everyvec.text.get_tokenizer`. A callable must not produce tokens spanning
        whitespace (cutting text after whitespace must not change its tokens).
    layout
        ``"lines"`` (one sentence per line) or ``"stream"`` (one token stream per file, cut
        into sentences of ``max_sentence_length`` tokens).
    max_sentence_length
        Most tokens per yielded sentence; longer lines are split into chunks, never truncated.
    errors
        Undecodable bytes: ``"strict"`` (raise :class:`everyvec.CorpusError`), ``"replace"``
        or ``"ignore"``.
    progress
        Show a progress bar (``None``: only when stderr is a terminal). Off by default, since a
        corpus usually feeds a trainer that shows its own.
    block_size
        Bytes read at a time, and the length of text tokenised at a time within long lines.
    max_run_chars
        Longest run of characters kept whole while looking for a place to cut a long line.

    Attributes
    ----------
    files : tuple of pathlib.Path
        The files read, in order.
    stats : CorpusStats
        Counters of the most recent pass (live while it runs).
    """

    def __init__(self, source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                 tokenizer: str | Tokenizer | None = "whitespace", layout: str = "lines",
                 max_sentence_length: int = 10_000, errors: str = "strict",
                 progress: bool | None = False, block_size: int = 1 << 20,
                 max_run_chars: int = 1 << 24) -> None:
        owner = type(self).__name__
        self.layout = check_choice(layout, "layout", owner, ("lines", "stream"))
        self.max_sentence_length = check_int(max_sentence_length, "max_sentence_length", owner,
                                             minimum=1)
        self.errors = check_choice(errors, "errors", owner, ("strict", "replace", "ignore"))
        self.block_size = check_int(block_size, "block_size", owner, minimum=1)
        self.max_run_chars = check_int(max_run_chars, "max_run_chars", owner, minimum=1)
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"The 'progress' parameter of {owner} must be True, False or None. "
                            f"Got {progress!r}.")
        self.progress = progress
        self.tokenizer: Tokenizer = get_tokenizer(tokenizer)
        self.files: tuple[Path, ...] = tuple(corpus_files(source))
        self._stats = CorpusStats()
        self._last_complete: CorpusStats | None = None
        self._warned_split = False
        self._warned_cut = False

    @property
    def stats(self) -> CorpusStats:
        """Counters of the most recent pass (all zero before the first)."""
        return self._stats

    def __repr__(self) -> str:
        where = str(self.files[0]) if len(self.files) == 1 else f"{len(self.files)} files"
        return (f"{type(self).__name__}({where!r}, tokenizer={self.tokenizer!r}, "
                f"layout={self.layout!r}, max_sentence_length={self.max_sentence_length})")

    def __iter__(self) -> Iterator[list[str]]:
        stats = CorpusStats()
        self._stats = stats
        sentences = self._iter_pass(stats)
        if self.progress is not False:
            total = self._last_complete.sentences if self._last_complete else None
            sentences = track(sentences, "reading corpus", total=total, progress=self.progress)
        return sentences

    # -- one pass ---------------------------------------------------------------------------

    def _iter_pass(self, stats: CorpusStats) -> Iterator[list[str]]:
        for path in self.files:
            for label, stream in _open_members(path):
                with stream:
                    yield from self._iter_stream(stream, label, stats)
                stats.files += 1
        stats.complete = True
        self._last_complete = stats

    def _iter_stream(self, stream: IO[bytes], label: str,
                     stats: CorpusStats) -> Iterator[list[str]]:
        limit = self.max_sentence_length
        tokenize = self.tokenizer
        lines_layout = self.layout == "lines"
        block_chars = self.block_size
        cuts = _WHITESPACE_CUTS + getattr(tokenize, "cut_chars", "")
        pending = ""  # text of the current line (or stream) not tokenised yet
        known_uncut = 0  # length of a prefix of ``pending`` known to hold no cut point
        carry: list[str] = []  # tokens of the current line (or stream) not yielded yet
        chunks = 0  # chunks of the current line yielded already
        open_line = False  # the current line has received characters
        line_no = 1

        for text in _decode_blocks(stream, label, self.errors, self.block_size):
            if lines_layout and "\n" in text:
                parts = text.split("\n")
                parts[0] = pending + parts[0]
                for line in parts[:-1]:
                    if line.endswith("\r"):
                        line = line[:-1]
                    tokens = tokenize(line)
                    stats.lines += 1
                    if carry:
                        carry.extend(tokens)
                        tokens, carry = carry, []
                    if chunks or len(tokens) > limit:
                        yield from self._finish_line(tokens, chunks, label, line_no, stats)
                    elif tokens:
                        stats.sentences += 1
                        stats.tokens += len(tokens)
                        yield tokens
                    chunks = 0
                    line_no += 1
                pending = parts[-1]
                open_line = bool(pending)
                known_uncut = 0
            else:
                pending += text
                open_line = True
            if len(pending) <= block_chars:
                continue
            # A long line (or the stream layout): tokenise all but the tail after the last cut.
            cut = max(pending.rfind(c, known_uncut) for c in cuts) + 1
            if cut == 0:
                if len(pending) <= self.max_run_chars:
                    known_uncut = len(pending)
                    continue
                cut = len(pending)
                stats.forced_cuts += 1
                self._warn_forced_cut(label, line_no)
            head, pending = pending[:cut], pending[cut:]
            known_uncut = 0
            carry.extend(tokenize(head))
            if len(carry) >= limit:
                full = len(carry) // limit * limit
                for start in range(0, full, limit):
                    sentence = carry[start:start + limit]
                    stats.sentences += 1
                    stats.tokens += limit
                    yield sentence
                chunks += full // limit
                carry = carry[full:]

        # End of the stream: the last line has no newline, or the stream layout's tail.
        if open_line:
            if pending.endswith("\r") and lines_layout:
                pending = pending[:-1]
            carry.extend(tokenize(pending))
            if lines_layout:
                stats.lines += 1
                if chunks or len(carry) > limit:
                    yield from self._finish_line(carry, chunks, label, line_no, stats)
                elif carry:
                    stats.sentences += 1
                    stats.tokens += len(carry)
                    yield carry
            else:
                for start in range(0, len(carry), limit):
                    sentence = carry[start:start + limit]
                    stats.sentences += 1
                    stats.tokens += len(sentence)
                    yield sentence

    def _finish_line(self, tokens: list[str], chunks: int, label: str, line_no: int,
                     stats: CorpusStats) -> Iterator[list[str]]:
        """Yield the rest of a line already ``chunks`` chunks in, and count it if it split."""
        limit = self.max_sentence_length
        before = chunks
        for start in range(0, len(tokens), limit):
            sentence = tokens[start:start + limit]
            stats.sentences += 1
            stats.tokens += len(sentence)
            chunks += 1
            yield sentence
        if chunks > 1:
            stats.split_lines += 1
            if not self._warned_split:
                self._warned_split = True
                total = before * limit + len(tokens)
                logger.warning(
                    "%s: line %d has %d tokens, more than max_sentence_length=%d; it is yielded "
                    "as %d chunks (no token is lost). Further long lines are only counted in "
                    "the corpus's stats.split_lines.", label, line_no, total, limit, chunks)

    def _warn_forced_cut(self, label: str, line_no: int) -> None:
        if not self._warned_cut:
            self._warned_cut = True
            where = f"line {line_no}" if self.layout == "lines" else "the stream"
            logger.warning(
                "%s: %s has a run of more than max_run_chars=%d characters with no whitespace; "
                "it is cut there, which may split a token. Such cuts are counted in "
                "stats.forced_cuts.", label, where, self.max_run_chars)


class LineSentences(Corpus):
    """A :class:`Corpus` with one sentence per line (``layout="lines"``), as gensim's name."""

    def __init__(self, source: Any, **options: Any) -> None:
        if "layout" in options:
            raise TypeError("LineSentences always uses layout='lines'; use Corpus for others")
        super().__init__(source, layout="lines", **options)


class Text8Corpus(Corpus):
    """A :class:`Corpus` over one huge line of tokens (``layout="stream"``), like text8.

    Sentences are consecutive runs of ``max_sentence_length`` tokens (default 10,000, as
    word2vec's ``MAX_SENTENCE_LENGTH``).
    """

    def __init__(self, source: Any, **options: Any) -> None:
        if "layout" in options:
            raise TypeError("Text8Corpus always uses layout='stream'; use Corpus for others")
        super().__init__(source, layout="stream", **options)


# -- files ----------------------------------------------------------------------------------

def _open_members(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """Yield ``(label, binary stream)`` for a file, decompressing by its magic bytes."""
    label = str(path)
    try:
        raw = open(path, "rb")  # closed in the finally below
    except OSError as exc:
        raise CorpusError(f"{label}: cannot open: {exc.strerror or exc}") from exc
    try:
        magic = raw.read(6)
        raw.seek(0)
        if magic[:2] == b"\x1f\x8b":
            yield label, gzip.GzipFile(fileobj=raw, mode="rb")
        elif magic[:3] == b"BZh" and magic[3:4].isdigit():
            yield label, bz2.BZ2File(raw, mode="rb")
        elif magic == b"\xfd7zXZ\x00":
            yield label, lzma.LZMAFile(raw, mode="rb")
        elif magic[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            try:
                archive = zipfile.ZipFile(raw)
            except (zipfile.BadZipFile, OSError) as exc:
                raise CorpusError(f"{label}: not a readable zip archive: {exc}") from exc
            with archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    if not info.is_dir():
                        try:
                            member = archive.open(info)
                        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
                            raise CorpusError(f"{label}:{info.filename}: cannot read this zip "
                                              f"member: {exc}") from exc
                        yield f"{label}:{info.filename}", member
        else:
            yield label, raw
    finally:
        raw.close()


def _read_block(stream: IO[bytes], size: int, label: str) -> bytes:
    try:
        return stream.read(size)
    except _DECOMPRESSION_ERRORS as exc:
        raise CorpusError(f"{label}: corrupt or truncated compressed data: {exc}") from exc


def _decode_blocks(stream: IO[bytes], label: str, errors: str, block_size: int
                   ) -> Iterator[str]:
    """Decode a byte stream as UTF-8 block by block; a leading BOM is dropped."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors=errors)
    head = b""
    while len(head) < 3:
        more = _read_block(stream, max(block_size, 3 - len(head)), label)
        if not more:
            break
        head += more
    offset = 0  # byte offset of the next block within the (decompressed) stream
    newlines = 0  # b"\n" seen before it, for the line number of a decoding error
    if head.startswith(_BOM):
        head = head[3:]
        offset = 3
    block = head or _read_block(stream, block_size, label)  # empty here means end of stream
    while True:
        final = not block
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            at = exc.start
            line = newlines + exc.object[:at].count(b"\n") + 1
            position = offset - len(pending) + at
            bad = exc.object[at:exc.end].hex(" ")
            raise CorpusError(
                f"invalid UTF-8 ({exc.reason}: {bad}); pass errors='replace' or "
                "errors='ignore' to read it anyway", path=label, line=line, offset=position,
            ) from None
        if text:
            yield text
        if final:
            return
        offset += len(block)
        newlines += block.count(b"\n")
        block = _read_block(stream, block_size, label)
