"""What the benchmark scripts share: finding the data mirror, realistic keys, peak memory."""

from __future__ import annotations

import gzip
import os
import resource
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def data_root(explicit: str | None = None) -> Path | None:
    """The data mirror: ``explicit``, then ``$EVERYVEC_DATA`` entries, then ``../shared/data``."""
    for candidate in (explicit, *os.environ.get("EVERYVEC_DATA", "").split(os.pathsep),
                      str(REPO.parent / "shared" / "data")):
        if candidate and Path(candidate, "text8", "text8_prefix.gz").is_file():
            return Path(candidate)
    return None


def frequent_keys(n: int) -> tuple[list[str], str]:
    """``n`` keys: the text8-prefix words by frequency, padded with ``word_<i>``; and a note."""
    root = data_root()
    if root is None:
        return [f"w{i}" for i in range(n)], "synthetic `w<n>` keys (data mirror not found)"
    with gzip.open(root / "text8" / "text8_prefix.gz", "rt", encoding="utf-8") as handle:
        counts = Counter(handle.read().split())
    words = [w for w, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:n]
    padding = [f"word_{i}" for i in range(len(words), n)]
    return words + padding, (f"{len(words):,} text8-prefix words by frequency + "
                             f"{len(padding):,} `word_<n>` keys")


def peak_rss_mib() -> float:
    """Peak RSS of this process alone: ``VmHWM`` (``ru_maxrss`` would carry the parent's across
    fork and exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
