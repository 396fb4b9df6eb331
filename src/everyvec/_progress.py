"""Rich progress bars that switch themselves off when output is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

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


class Meter:
    """A progress bar advanced by hand (``advance(n)``), with a rate and an ETA.

    Use as a context manager; when progress is off every method does nothing.
    """

    def __init__(self, description: str, total: float, *, unit: str = "words",
                 progress: bool | None = None) -> None:
        self._bar: Any = None
        self._task: Any = None
        if not progress_enabled(progress):
            return
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                             TaskProgressColumn(),
                             TextColumn(f"{{task.fields[rate]}} {unit}/s"),
                             TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                             transient=True)
        self._task = self._bar.add_task(description, total=total, rate="-")

    def __enter__(self) -> Meter:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, amount: float, *, rate: float | None = None,
                description: str | None = None) -> None:
        """Move the bar on by ``amount``; show ``rate`` units per second when given."""
        if self._bar is None:
            return
        fields: dict[str, Any] = {}
        if rate is not None:
            fields["rate"] = f"{rate:,.0f}"
        if description is not None:
            fields["description"] = description
        self._bar.update(self._task, advance=amount, **fields)
