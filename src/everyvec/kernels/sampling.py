"""Random numbers and lookup tables shared by the training kernels.

* **RNG**: xorshift64* (Vigna 2014), one ``uint64`` state per thread. It is a few cycles per
  draw, its high 32 bits pass BigCrush, and a state can be derived from ``(seed, epoch, block,
  thread)`` with splitmix64, so a single-threaded run is bit-reproducible and every thread of
  a parallel run gets its own independent stream.
* **Integers below n** come from the high 32 bits by multiply-and-shift (Lemire 2019) rather
  than ``%``, which would cost a division per draw.
* **Negative sampling** draws from the noise distribution with Walker's alias method (Vose's
  construction): one draw and at most two table reads, where word2vec's binary search over a
  cumulative table needs ~18 dependent cache misses. The table is exact up to a 2**-32
  rounding of each column's threshold.
* **Sigmoid**: word2vec's table of 1000 values on [-6, 6], and a table of ``log sigmoid`` on
  the same grid for the loss; beyond +-6 the caller clips, as word2vec does.

Every function has a plain-Python twin here (``*_py``) that the tests compare with.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "MAX_EXP",
    "TABLE_SIZE",
    "TABLE_SCALE",
    "alias_table",
    "fill_alias",
    "alias_table_py",
    "derive_state",
    "derive_state_py",
    "draw_alias",
    "draw_alias_in",
    "draw_below",
    "finish_state",
    "next_state",
    "output32",
    "sigmoid_tables",
    "stream_prefix",
]

#: Scores beyond +-MAX_EXP are clipped (negative sampling) or skipped (hierarchical softmax).
MAX_EXP = 6.0
#: Entries in the sigmoid tables.
TABLE_SIZE = 1000
#: Multiply ``score + MAX_EXP`` by this to get a table index.
TABLE_SCALE = TABLE_SIZE / MAX_EXP / 2.0

_MASK64 = (1 << 64) - 1
_MULT = 0x2545F4914F6CDD1D


def sigmoid_tables() -> tuple[np.ndarray, np.ndarray]:
    """``(sigmoid, log_sigmoid)`` tables of :data:`TABLE_SIZE` entries over [-6, 6).

    Entry ``i`` holds the value at ``(i / TABLE_SIZE * 2 - 1) * MAX_EXP``, as word2vec's
    ``expTable``; ``sigmoid`` is float32 (it feeds float32 updates), ``log_sigmoid`` float64
    (it feeds the float64 loss sum).
    """
    x = (np.arange(TABLE_SIZE, dtype=np.float64) / TABLE_SIZE * 2.0 - 1.0) * MAX_EXP
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32), -np.logaddexp(0.0, -x)


# -- xorshift64* ----------------------------------------------------------------------------

@njit(cache=True, nogil=True, inline="always")
def next_state(x):
    """Advance a (non-zero) xorshift64* state."""
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    return x


@njit(cache=True, nogil=True, inline="always")
def output32(x):
    """The 32 high bits of the scrambled output of state ``x``, as a uint64 below 2**32."""
    return (x * np.uint64(_MULT)) >> np.uint64(32)


@njit(cache=True, nogil=True, inline="always")
def draw_below(r32, n):
    """Map a 32-bit random ``r32`` to ``[0, n)`` by multiply-and-shift (n < 2**32)."""
    return np.int64((r32 * np.uint64(n)) >> np.uint64(32))


@njit(cache=True, nogil=True, inline="always")
def draw_alias_in(x, thresholds, aliases, lo, n):
    """Draw a position ``0..n-1`` from the alias table stored at ``thresholds[lo:lo + n]`` /
    ``aliases[lo:lo + n]`` (one of many tables laid end to end, e.g. one per graph node);
    return ``(position, new_state)``."""
    x = next_state(x)
    scrambled = x * np.uint64(_MULT)
    column = np.int64(((scrambled >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
    if (scrambled & np.uint64(0xFFFFFFFF)) < thresholds[lo + column]:
        return column, x
    return np.int64(aliases[lo + column]), x


@njit(cache=True, nogil=True, inline="always")
def draw_alias(x, thresholds, aliases):
    """Draw one index from an alias table using state ``x``; return ``(index, new_state)``."""
    return draw_alias_in(x, thresholds, aliases, 0, len(thresholds))


def next_state_py(x: int) -> int:
    """Twin of :func:`next_state` on Python ints."""
    x ^= x >> 12
    x ^= (x << 25) & _MASK64
    x ^= x >> 27
    return x


def output32_py(x: int) -> int:
    """Twin of :func:`output32`."""
    return ((x * _MULT) & _MASK64) >> 32


def draw_below_py(r32: int, n: int) -> int:
    """Twin of :func:`draw_below`."""
    return (r32 * n) >> 32


def draw_alias_py(x: int, thresholds: np.ndarray, aliases: np.ndarray) -> tuple[int, int]:
    """Twin of :func:`draw_alias`."""
    x = next_state_py(x)
    scrambled = (x * _MULT) & _MASK64
    column = ((scrambled >> 32) * len(thresholds)) >> 32
    if (scrambled & 0xFFFFFFFF) < int(thresholds[column]):
        return column, x
    return int(aliases[column]), x


# -- seeding --------------------------------------------------------------------------------

_GOLDEN = 0x9E3779B97F4A7C15


def _splitmix64(z: int) -> int:
    z = (z + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def stream_prefix(seed: int, *parts: int) -> int:
    """The splitmix64 chain over ``seed`` and ``parts``: ``derive_state`` before the zero
    check. A kernel that needs one state per item (a walk) takes the chain of the common
    parts and finishes it per item with :func:`finish_state`."""
    z = _splitmix64(seed & _MASK64)
    for part in parts:
        z = _splitmix64(z ^ (part & _MASK64))
    return z


def derive_state_py(seed: int, *parts: int) -> int:
    """A non-zero xorshift state from a seed and any path of non-negative ints."""
    return stream_prefix(seed, *parts) or _GOLDEN


@njit(cache=True, nogil=True, inline="always")
def finish_state(prefix, part):
    """``derive_state(seed, *parts, part)`` inside a kernel, from ``prefix =
    stream_prefix(seed, *parts)`` as ``uint64``."""
    z = prefix ^ np.uint64(part)
    z = z + np.uint64(_GOLDEN)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    if z == np.uint64(0):
        z = np.uint64(_GOLDEN)
    return z


derive_state = derive_state_py  # seeding runs once per thread and block: Python is fast enough


# -- alias tables ---------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def fill_alias(weights, lo, n, thresholds, aliases, scaled, small, large):
    """Build Vose's table for ``weights[lo:lo + n]`` into ``thresholds`` / ``aliases`` at the
    same positions (aliases are positions within the segment). ``scaled``, ``small`` and
    ``large`` are scratch arrays of at least ``n`` entries, so per-row tables over a CSR edge
    array need no allocation per row."""
    total = 0.0
    for i in range(n):
        total += weights[lo + i]
    for i in range(n):
        scaled[i] = weights[lo + i] * n / total
        aliases[lo + i] = i
    n_small = 0
    n_large = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        s = small[n_small]
        n_large -= 1
        g = large[n_large]
        thresholds[lo + s] = np.uint64(scaled[s] * 4294967296.0)
        aliases[lo + s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            small[n_small] = g
            n_small += 1
        else:
            large[n_large] = g
            n_large += 1
    # Leftovers are 1 up to rounding: keep them always.
    for j in range(n_large):
        thresholds[lo + large[j]] = np.uint64(4294967296)
    for j in range(n_small):
        thresholds[lo + small[j]] = np.uint64(4294967296)


@njit(cache=True, nogil=True)
def alias_table(weights):
    """Vose's alias table for drawing index ``i`` with probability ``weights[i] / sum``.

    Returns ``(thresholds, aliases)``: column ``c`` is chosen uniformly, then ``c`` is kept
    when a 32-bit random is below ``thresholds[c]`` (``uint64``, at most 2**32) and
    ``aliases[c]`` is taken otherwise.
    """
    n = len(weights)
    thresholds = np.empty(n, np.uint64)
    aliases = np.empty(n, np.int32)
    fill_alias(weights, 0, n, thresholds, aliases, np.empty(n, np.float64),
               np.empty(n, np.int64), np.empty(n, np.int64))
    return thresholds, aliases


def alias_table_py(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Twin of :func:`alias_table` in plain Python."""
    n = len(weights)
    total = 0.0
    for w in weights:
        total += float(w)
    scaled = [float(w) * n / total for w in weights]
    thresholds = np.empty(n, np.uint64)
    aliases = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s = small.pop()
        g = large.pop()
        thresholds[s] = int(scaled[s] * 4294967296.0)
        aliases[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        (small if scaled[g] < 1.0 else large).append(g)
    for i in large + small:
        thresholds[i] = 4294967296
    return thresholds, aliases


def alias_probabilities(thresholds: np.ndarray, aliases: np.ndarray) -> np.ndarray:
    """The exact distribution an alias table draws from (for tests and checks)."""
    n = len(thresholds)
    kept = np.minimum(thresholds.astype(np.float64), 2.0**32) / 2.0**32
    probs = kept.copy()
    np.add.at(probs, aliases.astype(np.int64), 1.0 - kept)
    return probs / n
