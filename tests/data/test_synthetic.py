"""ctr_dataset: a planted factorization machine with known click probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec.data.synthetic import ctr_dataset


def test_shapes_names_and_types() -> None:
    data = ctr_dataset(500, n_fields=3, cardinality=[5, 10, 20], dim=2, output="dict")
    assert sorted(data.frame) == ["f0", "f1", "f2"]
    assert len(data) == 500 and data.codes.shape == (500, 3)
    assert data.labels.dtype == np.int64 and set(np.unique(data.labels)) <= {0, 1}
    assert data.probabilities.shape == (500,)
    assert ((data.probabilities > 0) & (data.probabilities < 1)).all()
    for j, (field, size) in enumerate(zip(["f0", "f1", "f2"], [5, 10, 20], strict=True)):
        assert data.codes[:, j].max() < size
        assert data.truth.vectors[field].shape == (size, 2)
        assert data.truth.weights[field].shape == (size,)
        # the frame names the codes: value k is "v<k>"
        assert list(data.frame[field][:5]) == [f"v{k}" for k in data.codes[:5, j]]


def test_deterministic_for_a_seed_and_truth_independent_of_rows() -> None:
    a, b = ctr_dataset(300, seed=4, output="dict"), ctr_dataset(300, seed=4, output="dict")
    np.testing.assert_array_equal(a.codes, b.codes)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.probabilities, b.probabilities)
    c = ctr_dataset(300, seed=5, output="dict")
    assert not np.array_equal(a.codes, c.codes)
    bigger = ctr_dataset(1000, seed=4, output="dict")
    assert bigger.truth.bias == a.truth.bias
    np.testing.assert_array_equal(bigger.truth.vectors["f3"], a.truth.vectors["f3"])


def test_click_rate_and_probabilities_agree_with_labels() -> None:
    data = ctr_dataset(40_000, click_rate=0.3, nonlinear=0.5, output="dict")
    assert data.probabilities.mean() == pytest.approx(0.3, abs=0.01)
    # labels are Bernoulli(p): the empirical rate matches the mean true probability
    assert data.labels.mean() == pytest.approx(data.probabilities.mean(), abs=0.01)
    top = data.probabilities > np.quantile(data.probabilities, 0.9)
    assert data.labels[top].mean() == pytest.approx(data.probabilities[top].mean(), abs=0.03)


def test_logit_is_the_planted_fm() -> None:
    data = ctr_dataset(200, n_fields=3, cardinality=6, dim=3, nonlinear=0.0, output="dict")
    t = data.truth
    row = data.codes[7]
    v = [t.vectors[f][row[j]] for j, f in enumerate(t.fields)]
    pairs = sum(v[i] @ v[j] for i in range(3) for j in range(i + 1, 3))
    logit = (t.bias + sum(t.weights[f][row[j]] for j, f in enumerate(t.fields))
             + t.pair_weight * pairs)
    assert 1 / (1 + np.exp(-logit)) == pytest.approx(data.probabilities[7])


def test_term_scales_and_zipf() -> None:
    data = ctr_dataset(20_000, first_order=0.0, interactions=0.0, nonlinear=0.0,
                       output="dict")
    # no signal: every row has the same probability
    assert np.ptp(data.probabilities) < 1e-12
    skewed = ctr_dataset(20_000, zipf=1.5, cardinality=50, output="dict")
    counts = np.bincount(skewed.codes[:, 0], minlength=50)
    assert counts[0] > 5 * counts[10] and counts[0] > counts[1] > counts[5]


def test_frames() -> None:
    pd = pytest.importorskip("pandas")
    frame = ctr_dataset(50, n_fields=2, cardinality=4).frame
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["f0", "f1"]
    pl = pytest.importorskip("polars")
    polars_frame = ctr_dataset(50, n_fields=2, cardinality=4, output="polars").frame
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame["f1"].to_list() == frame["f1"].tolist()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"n_rows": 0}, ValueError, "'n_rows' parameter of ctr_dataset"),
    ({"n_rows": 2.5}, TypeError, "'n_rows'"),
    ({"n_fields": 1}, ValueError, "'n_fields'"),
    ({"cardinality": 1}, ValueError, "'cardinality'"),
    ({"cardinality": [3, 4]}, ValueError, "one int >= 2 per field"),
    ({"dim": 0}, ValueError, "'dim'"),
    ({"zipf": -1.0}, ValueError, "'zipf'"),
    ({"interactions": float("nan")}, ValueError, "'interactions'"),
    ({"nonlinear": "big"}, TypeError, "'nonlinear'"),
    ({"click_rate": 1.0}, ValueError, "'click_rate'"),
    ({"click_rate": 0.0}, ValueError, "'click_rate'"),
    ({"seed": -1}, ValueError, "'seed'"),
    ({"output": "arrow"}, ValueError, "'output'"),
])
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    args = {"n_rows": 10, "output": "dict", **kwargs}
    with pytest.raises(error, match=match):
        ctr_dataset(**args)
