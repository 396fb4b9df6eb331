"""Rich progress bars that switch themselves off when output is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress_enabled(progress: bool | None) -> bool:
    """``None`` means: show progress only when stderr is a terminal."""
    if progress is None:
        return sys.stderr.isatty()
    return bool(progress)


def track(items: Iterable[T], description: str, *, total: float | None = None,
          progress: bool | None = None) -> Iterator[T]:
    """Iterate ``items`` with a rich progress bar (ETA when ``total`` is known)."""
    if not progress_enabled(progress):
        yield from items
        return
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, total=total, transient=True)
