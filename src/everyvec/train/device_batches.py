"""Training examples built on the torch device from an id-encoded block, with no Python loop.

The CPU kernels walk a sentence word by word; here a whole block of raw ids goes to the
device at once and every step is a tensor operation:

1. :func:`kept_tokens` maps raw ids to vocabulary ids (``remap``; -1 is dropped) and applies
   word2vec's frequent-word subsampling with the same keep probabilities as the CPU engine
   (:meth:`everyvec.Vocabulary.keep_probabilities`). Each kept token remembers its sentence.
2. :func:`context_slots` gives each centre of a run of kept positions its ``2 * window``
   neighbours as a fixed-shape ``(centres, 2 * window)`` matrix with a mask: a neighbour is
   real when it lies in the same sentence and within the centre's window, shrunk by a random
   ``b`` in ``[0, window)`` as in word2vec. Fixed shapes keep the device busy with no
   host round trips (a list of pairs would need a ``nonzero``, which waits for the device).
3. :func:`draw_noise` draws negatives with Walker's alias method — a uniform column and one
   comparison per draw, the method of the CPU kernels.

:class:`DeviceTables` holds the vocabulary-sized lookup tables on the device.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from everyvec.kernels.huffman import huffman_tree
from everyvec.kernels.sampling import alias_table
from everyvec.vocab import Vocabulary

__all__ = ["DeviceTables", "context_slots", "draw_noise", "kept_tokens"]


@dataclasses.dataclass
class DeviceTables:
    """Vocabulary-sized tables on the device.

    Attributes
    ----------
    remap
        Raw id -> vocabulary id (``int64``; -1: not in the vocabulary).
    keep
        Probability of keeping each vocabulary word under subsampling (``float32``).
    noise_keep, noise_alias
        Walker alias table of the noise distribution: column ``c`` is kept with probability
        ``noise_keep[c]``, else ``noise_alias[c]`` is drawn (``None`` without negatives).
    points, labels, lengths
        Hierarchical softmax: each word's inner nodes root first, the label each is trained
        towards, and the path length (``None`` without ``hs``).
    subsample
        Whether any word may be dropped (else no random numbers are spent on it).
    """

    remap: Any
    keep: Any
    noise_keep: Any
    noise_alias: Any
    points: Any
    labels: Any
    lengths: Any
    subsample: bool

    @classmethod
    def build(cls, vocab: Vocabulary, remap: np.ndarray, *, sample: float, ns_exponent: float,
              negative: int, hs: bool, device: Any) -> DeviceTables:
        import torch

        keep = vocab.keep_probabilities(sample)
        noise_keep = noise_alias = points = labels = lengths = None
        if negative:
            counts = vocab.counts.astype(np.float64)
            weights = np.where(counts > 0, np.maximum(counts, 1.0) ** ns_exponent, 0.0)
            thresholds, aliases = alias_table(weights)
            noise_keep = torch.as_tensor(np.minimum(thresholds, 2**32) / 2.0**32,
                                         dtype=torch.float32, device=device)
            noise_alias = torch.as_tensor(aliases, dtype=torch.int64, device=device)
        if hs:
            p, lab, n = huffman_tree(vocab.counts)
            points = torch.as_tensor(p, dtype=torch.int64, device=device)
            labels = torch.as_tensor(lab, dtype=torch.float32, device=device)
            lengths = torch.as_tensor(n, dtype=torch.int64, device=device)
        return cls(remap=torch.as_tensor(remap, dtype=torch.int64, device=device),
                   keep=torch.as_tensor(keep, dtype=torch.float32, device=device),
                   noise_keep=noise_keep, noise_alias=noise_alias, points=points,
                   labels=labels, lengths=lengths, subsample=bool((keep < 1.0).any()))


def kept_tokens(tokens: np.ndarray, starts: np.ndarray, tables: DeviceTables,
                generator: Any) -> tuple[Any, Any]:
    """Vocabulary ids of the tokens of a block that survive, and each one's sentence.

    Parameters
    ----------
    tokens
        Raw ids of the block (``int32``, host memory).
    starts
        Sentence offsets within the block (``starts[0] == 0``, ``starts[-1] == len(tokens)``).
    tables
        The device tables.
    generator
        ``torch.Generator`` on the device, for subsampling.

    Returns
    -------
    ids, sentences
        ``int64`` tensors on the device, one entry per kept token.
    """
    import torch

    device = tables.remap.device
    raw = torch.from_numpy(np.asarray(tokens, dtype=np.int32)).to(device, non_blocking=True)
    lengths = torch.from_numpy(np.diff(np.asarray(starts, dtype=np.int64))).to(device)
    sentence = torch.repeat_interleave(torch.arange(len(lengths), device=device), lengths)
    ids = tables.remap[raw.long()]
    known = ids >= 0
    if tables.subsample:
        draws = torch.rand(len(ids), device=device, generator=generator)
        known &= draws < tables.keep[ids.clamp(min=0)]
    return ids[known], sentence[known]


def context_slots(ids: Any, sentences: Any, first: int, last: int, window: int, shrink: bool,
                  generator: Any) -> tuple[Any, Any, Any]:
    """Centres ``first..last-1`` of the kept tokens with their context words.

    Returns
    -------
    centres
        ``(B,)`` vocabulary ids.
    contexts
        ``(B, 2 * window)`` ids of the neighbours at offsets ``-window..-1, 1..window``.
    mask
        ``(B, 2 * window)`` bool: the neighbour exists, is in the centre's sentence and
        within its (shrunk) window.
    """
    import torch

    device = ids.device
    n = len(ids)
    positions = torch.arange(first, last, device=device)
    offsets = torch.cat([torch.arange(-window, 0, device=device),
                         torch.arange(1, window + 1, device=device)])
    neighbours = positions[:, None] + offsets[None, :]
    mask = (neighbours >= 0) & (neighbours < n)
    neighbours.clamp_(0, n - 1)
    mask &= sentences[neighbours] == sentences[positions][:, None]
    if shrink:
        reach = window - torch.randint(0, window, (last - first,), device=device,
                                       generator=generator)
        mask &= offsets.abs()[None, :] <= reach[:, None]
    return ids[positions], ids[neighbours], mask


def draw_noise(shape: tuple[int, ...], tables: DeviceTables, generator: Any) -> Any:
    """Noise words drawn from the unigram distribution raised to ``ns_exponent``."""
    import torch

    device = tables.noise_keep.device
    columns = torch.randint(0, len(tables.noise_keep), shape, device=device,
                            generator=generator)
    coins = torch.rand(shape, device=device, generator=generator)
    return torch.where(coins < tables.noise_keep[columns], columns, tables.noise_alias[columns])
