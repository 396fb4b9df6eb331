"""measure_index and recall_at_k."""

from __future__ import annotations

import numpy as np

from everyvec.index import Matches
from everyvec.index.measure import measure_index, recall_at_k


def test_recall_counts_shared_keys_and_ignores_padding():
    truth = Matches(np.array([["a", "b"], ["c", None]], dtype=object),
                    np.zeros((2, 2), np.float32), "dot")
    found = Matches(np.array([["b", "x"], ["c", "d"]], dtype=object),
                    np.zeros((2, 2), np.float32), "dot")
    assert recall_at_k(found, truth) == 2 / 3


def test_exact_measures_perfect_recall():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(500, 8)).astype(np.float32)
    report = measure_index([str(i) for i in range(500)], matrix, "exact",
                           queries=matrix[:20], k=5, metric="euclidean")
    assert report.recall == 1.0 and report.count == 500 and report.k == 5
    assert report.qps > 0 and report.exact_qps > 0 and report.build_seconds >= 0
    assert report.as_dict()["spec"] == "exact"
