"""Train / test splits of an interaction log for evaluating recommenders.

Both splits return ``(train, test)``: ``train`` is an :class:`~everyvec.data.Interactions`
(what a model is fitted on, and where each user's history comes from), ``test`` maps each
evaluated user to the held-out items in time order. Only users who keep some training history
are in ``test``, since a history-based recommender has nothing to start from otherwise.

* :func:`leave_last_out` — each user's last ``n`` interactions are held out (the usual protocol
  for MovieLens-style next-item evaluation; ``n=1`` on sessions is next-item prediction).
* :func:`time_split` — one moment for everybody: what happened before it trains, what
  happened after it is tested. Nothing from the future leaks into training, which
  leave-last-out cannot promise (one user's last item may be older than another's first).

Held-out items are kept even when they never occur in ``train`` (no model can recommend
them); :func:`everyvec.evaluate.recs.evaluate_recommender` counts them as relevant items that
were missed, so scores stay honest about the catalogue the training data reached. A held-out
item the user had already met in training also stays (a re-watch, a repeated view); a
recommender that leaves out seen items cannot hit it.
"""

from __future__ import annotations

import logging
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._checks import check_float, check_int

if TYPE_CHECKING:
    from everyvec.data.interactions import Interactions

__all__ = ["leave_last_out", "time_split"]

logger = logging.getLogger(__name__)


def _held_out(inter: Interactions, test_rows: np.ndarray) -> dict[str, list[str]]:
    """``{user: items}`` for the rows marked in ``test_rows``, in time order."""
    order, codes, names = inter._time_order()
    picked = test_rows[order]
    test: dict[str, list[str]] = {}
    for code, item in zip(codes[picked].tolist(), inter.items[order][picked].tolist(),
                          strict=True):
        test.setdefault(names[code], []).append(item)
    return test


def _note_unseen(train: Interactions, test: dict[str, list[str]]) -> None:
    known = set(train.items.tolist())
    unseen = sum(item not in known for items in test.values() for item in items)
    if unseen:
        total = sum(len(items) for items in test.values())
        logger.info("%d of %d held-out items never occur in the training part; they count "
                    "as misses", unseen, total)


def leave_last_out(inter: Interactions,
                   n: int = 1) -> tuple[Interactions, dict[str, list[str]]]:
    """Hold out the last ``n`` interactions of every user who has more than ``n``.

    Parameters
    ----------
    inter
        The log; "last" follows its time order (timestamp, ``order`` columns, input order),
        which is the input order when it has no timestamps.
    n
        Interactions held out per user. Users with ``n`` or fewer stay wholly in ``train``
        and are not evaluated.

    Returns
    -------
    train : Interactions
        Everything but the held-out rows.
    test : dict
        ``{user: [its last n items, oldest first]}``, users in order of first appearance.
    """
    n = check_int(n, "n", "leave_last_out", minimum=1)
    order, codes, _ = inter._time_order()
    # Position of every row counted from the end of its user's history (0 = the last one).
    sizes = np.bincount(codes) if len(codes) else np.zeros(0, np.int64)
    ends = np.cumsum(sizes)
    from_end = ends[codes] - 1 - np.arange(len(codes))
    held = (from_end < n) & (sizes[codes] > n)
    test_rows = np.zeros(len(inter), bool)
    test_rows[order[held]] = True
    if not test_rows.any():
        raise ValueError(f"leave_last_out: no user has more than n={n} interactions, so "
                         "nothing can be held out")
    train = inter._subset(~test_rows)
    test = _held_out(inter, test_rows)
    _note_unseen(train, test)
    return train, test


def _cutoff(inter: Interactions, at: Any) -> float:
    """``at`` (a number, a date / datetime, or ISO text) in the log's timestamp units."""
    if isinstance(at, numbers.Real) and not isinstance(at, bool):
        return check_float(at, "at", "time_split")
    from everyvec.data._columns import seconds_of

    seconds = seconds_of(at)
    if seconds is None:
        raise ValueError("The 'at' parameter of time_split must be a number, a date, a "
                         f"datetime or ISO date text. Got {at!r}.")
    return seconds


def time_split(inter: Interactions, *, at: Any = None,
               fraction: float | None = None) -> tuple[Interactions, dict[str, list[str]]]:
    """Split the log at one moment: earlier rows train, later rows test.

    Parameters
    ----------
    inter
        The log; it needs timestamps.
    at
        The moment: rows with ``timestamp < at`` train, rows with ``timestamp >= at`` are
        test candidates. A number in the log's units, or a date / datetime / ISO text
        (log timestamps read from dates are seconds since 1970 UTC).
    fraction
        Instead of ``at``: the moment before which this share of all rows lies (ties at the
        cut moment all go to the test side, so ``train`` may hold a little less).

    Returns
    -------
    train : Interactions
        Every row before the moment (also of users with nothing after it).
    test : dict
        ``{user: [items at or after the moment, oldest first]}`` for users who also have a
        training row; later rows of users new after the moment are dropped.
    """
    if inter.timestamps is None:
        raise ValueError("time_split needs timestamps; read the log with timestamp='column' "
                         "(or use leave_last_out)")
    if (at is None) == (fraction is None):
        raise ValueError("time_split takes exactly one of at= and fraction=")
    times = inter.timestamps
    if fraction is not None:
        fraction = check_float(fraction, "fraction", "time_split", minimum=0.0, maximum=1.0)
        ordered = np.sort(times)
        cut = int(np.floor(fraction * len(ordered)))
        if not 0 < cut < len(ordered):
            raise ValueError(f"time_split: fraction={fraction} leaves one side empty on "
                             f"{len(ordered)} rows")
        cutoff = float(ordered[cut])
    else:
        cutoff = _cutoff(inter, at)
    before = times < cutoff
    if not before.any():
        raise ValueError(f"time_split: no interaction before {cutoff!r}; train would be empty")
    codes, _ = inter._user_codes()
    trained = np.zeros(codes.max() + 1, bool)
    trained[codes[before]] = True
    test_rows = ~before & trained[codes]
    if not test_rows.any():
        raise ValueError(f"time_split: no user with training history has an interaction at "
                         f"or after {cutoff!r}; test would be empty")
    dropped = int((~before).sum() - test_rows.sum())
    if dropped:
        logger.info("time_split: %d later rows of users without training history dropped",
                    dropped)
    train = inter._subset(before)
    test = _held_out(inter, test_rows)
    _note_unseen(train, test)
    return train, test
