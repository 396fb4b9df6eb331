"""Batching for sequences (SPEC §1): ids → EOS → PAD → length-sorted buckets → packed for RNNs.

Texts of different lengths go into a network as one rectangular tensor: each index list gets
an end-of-sequence id (optional), is padded with the PAD id up to the longest row of its batch,
and travels with its true length so pooling and RNNs can ignore the padding::

    >>> from everyvec.nn.batching import pad_sequences  # doctest: +SKIP
    >>> ids, lengths = pad_sequences([[5, 6, 7], [8]], pad=0, eos=2)  # doctest: +SKIP
    >>> ids.tolist(), lengths.tolist()  # doctest: +SKIP
    ([[5, 6, 7, 2], [8, 2, 0, 0]], [4, 2])

Padding costs compute in proportion to the gap between a row and the longest row of its batch.
:class:`SequenceBatches` therefore sorts rows by length inside shuffled chunks ("buckets") of
``bucket_size`` rows and cuts batches from the sorted chunks: every batch holds rows of
similar length, while the chunk shuffle and the shuffled batch order keep training random.
:func:`pack` turns a padded batch into a ``PackedSequence`` so an RNN runs over real tokens
only. torch is imported when these functions run, not when this module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._checks import check_choice, check_int
from everyvec.nn.training import import_torch

if TYPE_CHECKING:  # pragma: no cover
    from everyvec.vocab import Vocabulary

__all__ = ["SequenceBatches", "encode_sequences", "pack", "pad_sequences", "unpack"]


def encode_sequences(vocabulary: Vocabulary, sentences: Iterable[Sequence[str]], *,
                     unknown: str = "unk") -> list[np.ndarray]:
    """Token lists → id arrays with :meth:`Vocabulary.encode` (one ``int64`` array each).

    Parameters
    ----------
    vocabulary
        Usually built with ``pad=``, ``unk=`` and ``eos=`` so the special ids are reserved
        (PAD = 0, UNK = 1, EOS = 2).
    sentences
        Token lists (a bare ``str`` is refused: tokenize first).
    unknown
        ``"unk"`` (unknown tokens → the UNK id), ``"skip"`` (left out) or ``"error"``.
    """
    check_choice(unknown, "unknown", "encode_sequences", ("error", "unk", "skip"))
    out = []
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(f"encode_sequences: sentence {number} is a string; expected a "
                            "list of tokens (tokenize it first)")
        out.append(vocabulary.encode(sentence, unknown=unknown))
    return out


def _as_ids(sequence: Any, number: int, owner: str) -> np.ndarray:
    """One index list as a 1-D int64 array; a clear error for anything else."""
    if isinstance(sequence, (str, bytes)):
        raise TypeError(f"{owner}: sequence {number} is a string; expected a list of integer "
                        "ids (encode tokens first, e.g. with encode_sequences)")
    array = np.asarray(sequence)
    if array.ndim != 1:
        raise ValueError(f"{owner}: sequence {number} must be a flat list of ids; got shape "
                         f"{array.shape}")
    if array.size == 0:
        return np.zeros(0, np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{owner}: sequence {number} must hold integer ids; got dtype "
                        f"{array.dtype} ({sequence[0]!r} first)")
    if array.min() < 0:
        raise ValueError(f"{owner}: sequence {number} holds the negative id "
                         f"{int(array.min())}; ids index embedding rows and must be >= 0")
    return array.astype(np.int64, copy=False)


def _check_id(value: Any, name: str, owner: str, allow_none: bool) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise (ValueError if isinstance(value, Integral) and not isinstance(value, bool)
               else TypeError)(f"The {name!r} parameter of {owner} must be an id (an int >= 0)"
                               f"{' or None' if allow_none else ''}. Got {value!r}.")
    return int(value)


def _prepare(sequences: Iterable[Any], eos: int | None, max_len: int | None,
             owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Every sequence cut and ended with EOS, concatenated: ``(flat ids, lengths)``.

    Cutting keeps EOS last: a sequence longer than ``max_len`` keeps its first
    ``max_len - 1`` ids and then EOS, so every row ends with the end marker.
    """
    if isinstance(sequences, (str, bytes)):
        raise TypeError(f"{owner}: expected a list of id sequences, got a string")
    pieces, lengths = [], []
    tail = np.zeros(0, np.int64) if eos is None else np.array([eos], np.int64)
    keep = None if max_len is None else max_len - len(tail)
    for number, sequence in enumerate(sequences):
        ids = _as_ids(sequence, number, owner)
        if keep is not None:
            ids = ids[:keep]
        if len(ids) + len(tail) == 0:
            raise ValueError(f"{owner}: sequence {number} is empty; an empty row has nothing "
                             "to pool or run an RNN over. Drop it, or pass eos= so that every "
                             "row holds at least the end-of-sequence id")
        pieces.append(ids)
        pieces.append(tail)
        lengths.append(len(ids) + len(tail))
    flat = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
    return flat, np.asarray(lengths, dtype=np.int64)


def _check_max_len(max_len: Any, eos: int | None, owner: str) -> int | None:
    minimum = 1 if eos is None else 2  # room for at least one real id besides EOS
    return check_int(max_len, "max_len", owner, minimum=minimum, allow_none=True)


def _fill(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, pad: int) -> np.ndarray:
    """Rows ``flat[starts[i]:starts[i] + lengths[i]]`` padded into a ``(B, max length)`` array."""
    width = int(lengths.max()) if len(lengths) else 0
    out = np.full((len(lengths), width), pad, np.int64)
    # One vectorised gather: position j of row i reads flat[starts[i] + j] where j < length.
    columns = np.arange(width)
    real = columns[None, :] < lengths[:, None]
    out[real] = flat[(starts[:, None] + columns[None, :])[real]]
    return out


def pad_sequences(sequences: Iterable[Sequence[int]], pad: int, *, eos: int | None = None,
                  max_len: int | None = None) -> tuple[Any, Any]:
    """Index lists → a padded ``(B, T)`` int64 tensor and the ``(B,)`` lengths.

    Parameters
    ----------
    sequences
        Lists (or 1-D arrays) of integer ids >= 0.
    pad
        The id filling each row after its last real id (the embedding's ``padding_idx``).
    eos
        If given, this id is appended to every sequence (and counts in its length).
    max_len
        Longest row kept (EOS included). A longer sequence keeps its first ``max_len`` ids,
        or its first ``max_len - 1`` and then EOS when ``eos`` is given, so every row still
        ends with the end marker. ``T`` is the longest row after cutting.

    Returns
    -------
    ids, lengths
        ``torch.int64`` tensors; ``ids[i, lengths[i]:]`` is all ``pad``.

    Raises
    ------
    ValueError
        An empty sequence without ``eos`` (it would have length 0, which pooling and
        ``pack`` cannot handle), a negative id, or ``max_len`` < 1 (< 2 with ``eos``).
    """
    owner = "pad_sequences"
    t = import_torch(owner)
    pad = _check_id(pad, "pad", owner, allow_none=False)
    eos = _check_id(eos, "eos", owner, allow_none=True)
    max_len = _check_max_len(max_len, eos, owner)
    flat, lengths = _prepare(sequences, eos, max_len, owner)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return (t.from_numpy(_fill(flat, starts[:len(lengths)], lengths, pad)),
            t.from_numpy(lengths))


class SequenceBatches:
    """Variable-length id sequences (and targets) as padded, length-bucketed mini-batches.

    A :class:`~everyvec.nn.training.BatchSource`: each batch is
    ``((ids, lengths), targets)`` with ``ids`` a ``(B, T)`` int64 tensor padded to the
    batch's longest row, ``lengths`` its ``(B,)`` int64 lengths and ``targets`` the rows of
    ``targets`` (``None`` without targets).

    Parameters
    ----------
    sequences
        Lists (or 1-D arrays) of integer ids >= 0.
    targets
        One target per sequence (array-like or tensor; its first dimension is the rows), or
        None.
    batch_size
        Rows per batch.
    pad, eos, max_len
        As in :func:`pad_sequences`.
    bucket_size
        Rows per sorting chunk (default ``100 * batch_size``; rounded up to a multiple of
        ``batch_size``). Larger chunks give batches of more equal lengths (less padding) but
        less random batch composition; ``batch_size`` or less turns bucketing off.

    Notes
    -----
    With a generator (training), the rows are shuffled, cut into chunks of ``bucket_size``,
    each chunk is sorted by length (ties in shuffled order) and cut into batches, and the
    batches are served in shuffled order. Every row appears exactly once per epoch. Without
    a generator (evaluation), the rows come in their given order, unsorted.
    """

    def __init__(self, sequences: Iterable[Sequence[int]], targets: Any = None, *,
                 batch_size: int, pad: int, eos: int | None = None,
                 max_len: int | None = None, bucket_size: int | None = None) -> None:
        owner = "SequenceBatches"
        self.batch_size = check_int(batch_size, "batch_size", owner, minimum=1)
        self.pad = _check_id(pad, "pad", owner, allow_none=False)
        self.eos = _check_id(eos, "eos", owner, allow_none=True)
        self.max_len = _check_max_len(max_len, self.eos, owner)
        bucket = check_int(bucket_size, "bucket_size", owner, minimum=1, allow_none=True)
        # A whole number of batches per chunk: only the epoch's last batch can be short.
        self.bucket_size = self.batch_size * max(
            1, math.ceil((bucket or 100 * self.batch_size) / self.batch_size))
        self._flat, self.lengths = _prepare(sequences, self.eos, self.max_len, owner)
        self._starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(
            np.int64)[:len(self.lengths)]
        self.n_rows = len(self.lengths)
        self.targets = None
        if targets is not None:
            t = import_torch(owner)
            self.targets = targets if isinstance(targets, t.Tensor) else t.as_tensor(
                np.asarray(targets))
            if self.targets.dim() == 0 or int(self.targets.shape[0]) != self.n_rows:
                got = "a scalar" if self.targets.dim() == 0 else f"{int(self.targets.shape[0])}"
                raise ValueError(f"{owner}: {self.n_rows} sequences but {got} targets; give "
                                 "one target per sequence")

    def __len__(self) -> int:
        return math.ceil(self.n_rows / self.batch_size)

    def order(self, generator: Any | None) -> list[np.ndarray]:
        """The row numbers of each batch, in serving order (see the class notes)."""
        if generator is None:
            return [np.arange(s, min(s + self.batch_size, self.n_rows))
                    for s in range(0, self.n_rows, self.batch_size)]
        t = import_torch("SequenceBatches")
        rows = t.randperm(self.n_rows, generator=generator).numpy()
        groups = []
        for c in range(0, self.n_rows, self.bucket_size):
            chunk = rows[c:c + self.bucket_size]
            # A stable sort keeps the shuffled order among equal lengths.
            chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
            groups.extend(chunk[s:s + self.batch_size]
                          for s in range(0, len(chunk), self.batch_size))
        serve = t.randperm(len(groups), generator=generator).tolist()
        return [groups[i] for i in serve]

    def batch(self, rows: np.ndarray) -> tuple[tuple[Any, Any], Any]:
        """``((ids, lengths), targets)`` for the given row numbers."""
        t = import_torch("SequenceBatches")
        rows = np.asarray(rows, dtype=np.int64)
        lengths = self.lengths[rows]
        ids = _fill(self._flat, self._starts[rows], lengths, self.pad)
        targets = None if self.targets is None else self.targets[t.from_numpy(rows)]
        return (t.from_numpy(ids), t.from_numpy(lengths)), targets

    def batches(self, generator: Any | None) -> Iterator[tuple[Any, int]]:
        """``(batch, rows in it)`` pairs; bucketed and shuffled with ``generator``."""
        for rows in self.order(generator):
            yield self.batch(rows), len(rows)

    def padding_share(self, generator: Any | None) -> float:
        """Share of the padded cells that are PAD over one epoch (0 = no padding)."""
        real = total = 0
        for rows in self.order(generator):
            lengths = self.lengths[rows]
            real += int(lengths.sum())
            total += int(lengths.max()) * len(rows)
        return 1.0 - real / max(total, 1)


def pack(embedded: Any, lengths: Any) -> Any:
    """A padded ``(B, T, D)`` batch as a ``PackedSequence`` (rows in any length order).

    ``lengths`` may live on any device; ``pack_padded_sequence`` wants them on the CPU.
    """
    t = import_torch("pack")
    return t.nn.utils.rnn.pack_padded_sequence(embedded, lengths.detach().cpu(),
                                               batch_first=True, enforce_sorted=False)


def unpack(packed: Any, total_length: int | None = None) -> tuple[Any, Any]:
    """The inverse of :func:`pack`: ``(padded (B, T, D) tensor, lengths)``, rows in input order.

    Padded positions are zeros; ``total_length`` pads ``T`` up to a fixed width.
    """
    t = import_torch("unpack")
    return t.nn.utils.rnn.pad_packed_sequence(packed, batch_first=True,
                                              total_length=total_length)
