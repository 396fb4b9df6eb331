"""A corpus read once into token ids, so that training epochs never touch text again.

:func:`encode_corpus` makes one pass over the sentences (a :class:`~everyvec.text.Corpus`, a
path, or any iterable of token lists — a one-shot generator is fine) and writes every token as
an ``int32`` *raw id*: the position of the token's first appearance, or, when a fixed
vocabulary is given, the token's id in it (with one shared id for unknown tokens). Counting and
encoding happen in the same pass, so the vocabulary is built without reading the corpus twice.
The trainer maps raw ids to vocabulary ids with a small ``remap`` table (-1: drop), so words
below ``min_count`` still count towards progress but are never trained, as in word2vec.

Memory stays bounded: ids are kept in RAM up to ``spill_tokens`` and then go to a temporary
file, which epochs read back in blocks of whole sentences. Sentences longer than
``max_sentence_length`` are cut into consecutive pieces (nothing is dropped) so that threads
can share the work.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from everyvec._progress import track
from everyvec.errors import CorpusError
from everyvec.text.corpus import Corpus

__all__ = ["EncodedCorpus", "as_sentences", "encode_corpus"]

logger = logging.getLogger(__name__)

_FLUSH_TOKENS = 1 << 20
#: Default number of tokens kept in memory before ids spill to a temporary file (32 MiB).
SPILL_TOKENS = 1 << 23


class _FirstSeenIndex(dict):
    """token -> raw id; a new token gets the next id (``__missing__`` runs only on a miss)."""

    def __missing__(self, token: str) -> int:
        value = self[token] = len(self)
        return value


def as_sentences(corpus: Any) -> Iterable[list[str]]:
    """Accept a path (one whitespace-tokenised sentence per line), a reader, or token lists."""
    if isinstance(corpus, (str, os.PathLike)):
        return Corpus(corpus)
    if isinstance(corpus, (bytes, bytearray)):
        raise TypeError("corpus must be a path, a reader such as everyvec.text.Corpus, or an "
                        "iterable of token lists; got bytes")
    if not isinstance(corpus, Iterable):
        raise TypeError("corpus must be a path, a reader such as everyvec.text.Corpus, or an "
                        f"iterable of token lists; got {type(corpus).__name__}")
    return corpus


class EncodedCorpus:
    """Token ids of a whole corpus with sentence boundaries and per-raw-id counts.

    Attributes
    ----------
    raw_tokens : list of str
        The token of each raw id (``"<unk>"``-like placeholder last when a vocabulary was
        fixed).
    counts : numpy.ndarray
        ``int64`` occurrences of each raw id.
    n_tokens : int
        Tokens in the corpus (after cutting long sentences: the same count).
    n_sentences : int
        Non-empty sentences (pieces of cut sentences counted one by one).
    """

    def __init__(self, raw_tokens: list[str], counts: np.ndarray, starts: np.ndarray,
                 memory: np.ndarray | None, file: Path | None, folder: Path | None) -> None:
        self.raw_tokens = raw_tokens
        self.counts = counts
        self.starts = starts
        self._memory = memory
        self._file = file
        self._folder = folder

    @classmethod
    def from_ids(cls, tokens: Any, starts: Any, names: Sequence[str]) -> EncodedCorpus:
        """Wrap sequences that are already ids, such as random walks over a graph's nodes.

        Parameters
        ----------
        tokens
            Every sequence's ids, concatenated (integers in ``0..len(names)-1``).
        starts
            Offsets of the sequences in ``tokens``: ``starts[0] == 0``, non-decreasing,
            ``starts[-1] == len(tokens)``; empty sequences are dropped.
        names
            The token of each id (distinct strings).

        Raises
        ------
        ValueError
            Offsets or ids out of range.
        everyvec.CorpusError
            No tokens at all.
        """
        ids = np.ascontiguousarray(tokens, dtype=np.int32)
        offsets = np.asarray(starts, dtype=np.int64)
        if ids.ndim != 1 or offsets.ndim != 1 or len(offsets) < 1:
            raise ValueError("tokens and starts must be 1-d arrays (starts holds at least 0)")
        if offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0):
            raise ValueError("starts must begin at 0, never decrease and end at len(tokens) "
                             f"= {len(ids)}")
        if not len(ids):
            raise CorpusError("the corpus is empty: it holds no tokens")
        names = list(names)
        if ids.min() < 0 or ids.max() >= len(names):
            raise ValueError(f"token ids must lie in 0..{len(names) - 1} (one name per id); "
                             f"found {int(ids.min())}..{int(ids.max())}")
        _check_token_types(names)
        counts = np.bincount(ids, minlength=len(names)).astype(np.int64)
        starts = np.unique(offsets)  # drops empty sequences
        return cls(names, counts, starts, ids, None, None)

    @property
    def n_tokens(self) -> int:
        return int(self.starts[-1])

    @property
    def n_sentences(self) -> int:
        return len(self.starts) - 1

    @property
    def on_disk(self) -> bool:
        """Whether ids were spilled to a temporary file."""
        return self._file is not None

    def block_bounds(self, block_tokens: int) -> list[tuple[int, int]]:
        """Split the sentences into consecutive ``(first, last)`` ranges of about
        ``block_tokens`` tokens each (a longer sentence is a block of its own)."""
        bounds: list[tuple[int, int]] = []
        first = 0
        n = self.n_sentences
        while first < n:
            target = self.starts[first] + block_tokens
            last = int(np.searchsorted(self.starts, target, side="right")) - 1
            last = min(max(last, first + 1), n)
            bounds.append((first, last))
            first = last
        return bounds

    def read_block(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids of sentences ``first..last-1`` and their offsets relative to the block."""
        begin, end = int(self.starts[first]), int(self.starts[last])
        starts = self.starts[first: last + 1] - begin
        if self._memory is not None:
            return self._memory[begin:end], starts
        assert self._file is not None
        with open(self._file, "rb") as handle:
            handle.seek(begin * 4)
            tokens = np.fromfile(handle, dtype=np.int32, count=end - begin)
        if len(tokens) != end - begin:
            raise CorpusError("the temporary token file was truncated while training",
                              path=str(self._file))
        return tokens, starts

    def release_tokens(self) -> None:
        """Forget the raw token strings once ids are mapped to a vocabulary: on a large
        corpus they are most of the memory held besides the weights."""
        self.raw_tokens = []

    def close(self) -> None:
        """Delete the temporary file, if any (also done when the object is collected)."""
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
            self._file = None

    def __del__(self) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "on disk" if self.on_disk else "in memory"
        return (f"EncodedCorpus(tokens={self.n_tokens}, sentences={self.n_sentences}, "
                f"distinct={len(self.raw_tokens)}, {where})")


class _IdSink:
    """Collects int32 ids in RAM, spilling them to a temporary file past a limit."""

    def __init__(self, spill_tokens: int, tmp_dir: str | os.PathLike[str] | None) -> None:
        self.spill_tokens = spill_tokens
        self.tmp_dir = tmp_dir
        self.chunks: list[np.ndarray] = []
        self.total = 0
        self.folder: Path | None = None
        self.file: Path | None = None
        self.handle: Any = None

    def write(self, ids: np.ndarray) -> None:
        self.total += len(ids)
        if self.handle is None and self.total > self.spill_tokens:
            self.folder = Path(tempfile.mkdtemp(prefix="everyvec-ids-", dir=self.tmp_dir))
            self.file = self.folder / "tokens.int32"
            self.handle = open(self.file, "wb")  # noqa: SIM115 - closed in finish()
            for chunk in self.chunks:
                chunk.tofile(self.handle)
            self.chunks = []
        if self.handle is not None:
            ids.tofile(self.handle)
        else:
            self.chunks.append(ids)

    def finish(self) -> np.ndarray | None:
        if self.handle is not None:
            self.handle.close()
            return None
        if not self.chunks:
            return np.zeros(0, np.int32)
        return np.concatenate(self.chunks)

    def discard(self) -> None:
        if self.handle is not None:
            self.handle.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def encode_corpus(corpus: Any, *, known: Mapping[str, int] | None = None,
                  max_sentence_length: int = 10_000, spill_tokens: int = SPILL_TOKENS,
                  tmp_dir: str | os.PathLike[str] | None = None,
                  progress: bool | None = None) -> EncodedCorpus:
    """Read ``corpus`` once into an :class:`EncodedCorpus`.

    Parameters
    ----------
    corpus
        A path (whitespace-separated tokens, one sentence per line; compressed files are
        detected), a reader such as :class:`~everyvec.text.Corpus`, or an iterable of token
        lists (read once).
    known
        A fixed token -> id mapping with ids ``0..len(known)-1``; tokens outside it share the
        id ``len(known)``. ``None``: every distinct token gets its own raw id.
    max_sentence_length
        Longer sentences are cut into consecutive pieces of this many tokens.
    spill_tokens
        Keep at most this many ids in memory; the rest go to a temporary file.
    tmp_dir
        Folder for that file (default: the system's temporary folder).
    progress
        Progress bar over sentences (``None``: only when stderr is a terminal).

    Raises
    ------
    everyvec.CorpusError
        The corpus holds no tokens (or, from a reader, undecodable bytes).
    TypeError
        A sentence is a ``str`` instead of a list of tokens, or a token is not a ``str``.
    """
    sentences = as_sentences(corpus)
    index: dict[str, int] = _FirstSeenIndex() if known is None else dict(known)
    unknown_id = len(index)
    sink = _IdSink(spill_tokens, tmp_dir)
    lengths = array("q")
    buffer = array("i")
    counts = np.zeros(0, np.int64)
    try:
        for sentence in track(sentences, "reading corpus", progress=progress):
            if isinstance(sentence, (str, bytes)):
                raise TypeError("each sentence must be a list of tokens, not a str; tokenize "
                                "it first (e.g. with everyvec.text.Corpus(..., tokenizer=...))")
            n = len(buffer)
            if known is None:
                buffer.extend(map(index.__getitem__, sentence))
            else:
                get = index.get
                buffer.extend([get(token, unknown_id) for token in sentence])
            length = len(buffer) - n
            while length > max_sentence_length:
                lengths.append(max_sentence_length)
                length -= max_sentence_length
            if length:
                lengths.append(length)
            if len(buffer) >= _FLUSH_TOKENS:
                counts = _flush(buffer, sink, counts)
                buffer = array("i")
        counts = _flush(buffer, sink, counts)
        memory = sink.finish()
    except BaseException:
        sink.discard()
        raise
    if sink.total == 0:
        raise CorpusError("the corpus is empty: it holds no tokens")
    if known is None:
        raw_tokens = list(index)
        _check_token_types(raw_tokens)
    else:
        raw_tokens = [None] * (unknown_id + 1)  # type: ignore[list-item]
        for token, i in index.items():
            raw_tokens[i] = token
        raw_tokens[unknown_id] = ""
    counts = np.concatenate([counts, np.zeros(len(raw_tokens) - len(counts), np.int64)])
    starts = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(np.frombuffer(lengths, dtype=np.int64), out=starts[1:])
    encoded = EncodedCorpus(raw_tokens, counts, starts, memory, sink.file, sink.folder)
    logger.info("encoded %s", encoded)
    return encoded


def _flush(buffer: array, sink: _IdSink, counts: np.ndarray) -> np.ndarray:
    if not buffer:
        return counts
    ids = np.frombuffer(buffer, dtype=np.int32).copy()
    chunk_counts = np.bincount(ids)
    if len(chunk_counts) > len(counts):
        counts = np.concatenate([counts, np.zeros(len(chunk_counts) - len(counts), np.int64)])
    counts[: len(chunk_counts)] += chunk_counts
    sink.write(ids)
    return counts


def _check_token_types(tokens: list[Any]) -> None:
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(f"tokens must be str; found {type(token).__name__} {token!r}")

