"""run_epochs and split_ranges: schedule, ranges, reports — with a recording fake kernel."""

from __future__ import annotations

import threading

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from everyvec.train.encoded import encode_corpus
from everyvec.train.trainer import TrainingReport, run_epochs, split_ranges


@given(st.lists(st.integers(1, 50), min_size=1, max_size=40), st.integers(1, 8))
def test_split_ranges_partition_the_block(lengths: list[int], parts: int) -> None:
    starts = np.concatenate([[0], np.cumsum(lengths)])
    ranges = split_ranges(starts, parts)
    assert 1 <= len(ranges) <= parts
    assert ranges[0][0] == 0 and ranges[-1][1] == len(lengths)
    assert all(a < b for a, b in ranges)
    assert all(b == c for (_, b), (c, _) in zip(ranges[:-1], ranges[1:], strict=False))


def _fake_corpus():  # type: ignore[no-untyped-def]
    return encode_corpus([["w"] * 10] * 30)  # 300 tokens


def test_schedule_progress_and_reports() -> None:
    encoded = _fake_corpus()
    calls: list[tuple[int, int, float, float, int]] = []
    lock = threading.Lock()

    def step(tokens, starts, first, last, schedule, state, stats):  # type: ignore[no-untyped-def]
        with lock:
            calls.append((first, last, schedule[2], schedule[3], int(state[0])))
        stats += [1.5, 2, starts[last] - starts[first], 1]

    seen = []
    reports = run_epochs(step, encoded, epochs=3, alpha=0.1, min_alpha=0.01, workers=2, seed=7,
                         block_tokens=100, on_epoch_end=seen.append)
    assert [r.epoch for r in reports] == [0, 1, 2] and seen == reports
    assert all(r.raw_words == 300 for r in reports)
    assert reports[-1].alpha == 0.01
    assert abs(reports[0].alpha - (0.1 - 0.09 / 3)) < 1e-12
    bases = sorted({c[2] for c in calls})
    assert bases == [e * 300 + b * 100 for e in range(3) for b in range(3)]
    assert {c[3] for c in calls} == {2}  # two ranges per block, run side by side
    assert len({c[4] for c in calls}) == len(calls)  # every call has its own random stream
    report = TrainingReport(reports)
    assert report.raw_words == 900 and report.losses == [reports[0].loss / reports[0].terms] * 3


def test_resuming_at_an_epoch_replays_the_same_streams() -> None:
    encoded = _fake_corpus()

    def record(into: list):  # type: ignore[no-untyped-def]
        def step(tokens, starts, first, last, schedule, state, stats):  # type: ignore[no-untyped-def]
            into.append((schedule[2], int(state[0])))
        return step

    full: list = []
    tail: list = []
    run_epochs(record(full), encoded, epochs=3, alpha=0.1, min_alpha=0.0, workers=1, seed=1)
    run_epochs(record(tail), encoded, epochs=3, alpha=0.1, min_alpha=0.0, workers=1, seed=1,
               first_epoch=2)
    assert tail == full[-len(tail):] and len(tail) == len(full) // 3
