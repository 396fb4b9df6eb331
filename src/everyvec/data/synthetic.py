"""Generated click-through data whose true click probability is known.

Idea: CTR models (logistic regression, factorization machines, DeepFM) are judged by how close
they come to the best possible model, which real logs never reveal. :func:`ctr_dataset` plants
one: every value of every categorical field has a first-order weight and a latent vector, and a
row's click logit is

``bias + Σ_f w[f, x_f] + c · Σ_{f<g} <v[f, x_f], v[g, x_g]> + mlp(v[0, x_0], …)``

— a factorization machine (Rendle 2010) plus, optionally, a fixed random tanh network over the
concatenated vectors that an FM cannot represent but a DNN sharing the embeddings can. Clicks
are Bernoulli draws of ``sigmoid(logit)``, and the true probabilities come back with the
labels, so the Bayes-optimal AUC and log-loss of a test split can be reported beside a model's.

Values of a field are drawn with Zipf-like frequencies (value ``k`` with probability
``∝ (k + 1) ** -zipf``): a few values are common, most are rare, as in real ad logs.

The ground truth depends on the seed and the shape parameters, never on ``n_rows``: the
truth, the rows and the calibration sample come from separate streams of the seed. Each
term's scale is set on a fixed calibration sample of rows, and ``bias`` is solved on the same
sample so that the mean click probability is ``click_rate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from everyvec._checks import check_choice, check_float, check_int
from everyvec._optional import require

__all__ = ["CTRData", "CTRTruth", "ctr_dataset"]

_OWNER = "ctr_dataset"
_CALIBRATION_ROWS = 20_000
_HIDDEN = 16  # width of the planted non-linear network
_CHUNK = 65_536  # rows per block when computing logits (bounds the (rows, fields, dim) array)


@dataclass
class CTRTruth:
    """The planted model behind :func:`ctr_dataset`.

    Attributes
    ----------
    fields
        Field (column) names, in order.
    values
        Per field, its values by index (value ``k`` is the ``k``-th most likely).
    frequencies
        Per field, the probability of each value.
    bias
        Global logit offset (solved so the mean click probability is the requested rate).
    weights
        Per field, the first-order logit weight of each value, shape ``(cardinality,)``.
    vectors
        Per field, the latent vector of each value, shape ``(cardinality, dim)``, drawn from
        a standard normal.
    pair_weight
        ``c``: the pairwise term of a row is ``c`` times the sum of dot products over its
        pairs of fields (so ``sqrt(c) * vectors`` are the equivalent FM vectors).
    hidden, output
        The planted tanh network's weights (``(n_fields * dim, 16)`` and ``(16,)``), applied
        to the row's concatenated vectors.
    """

    fields: list[str]
    values: dict[str, list[str]]
    frequencies: dict[str, np.ndarray]
    bias: float
    weights: dict[str, np.ndarray]
    vectors: dict[str, np.ndarray]
    pair_weight: float
    hidden: np.ndarray
    output: np.ndarray

    def logits(self, codes: np.ndarray) -> np.ndarray:
        """True click logits of rows given as value indices, shape ``(rows, fields)``."""
        first, pairs, mlp = _terms(self, codes)
        return self.bias + first + pairs + mlp


@dataclass
class CTRData:
    """Rows, clicks and the truth from :func:`ctr_dataset`.

    Attributes
    ----------
    frame
        The categorical fields: a pandas DataFrame, a polars DataFrame or a
        ``{field: array of str}`` mapping (``output=``). Values read ``"v<k>"``.
    labels
        Clicks, 0 or 1 (int64), one per row.
    probabilities
        The true click probability of each row (what a perfect model would predict).
    codes
        ``(rows, fields)`` int64 value indices (``frame`` before naming the values).
    truth
        The planted model (:class:`CTRTruth`).
    """

    frame: Any
    labels: np.ndarray
    probabilities: np.ndarray
    codes: np.ndarray
    truth: CTRTruth = field(repr=False)

    def __len__(self) -> int:
        return len(self.labels)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def _terms(truth: CTRTruth, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order, pairwise and non-linear logit terms of each row (no bias)."""
    n = len(codes)
    first, pairs, mlp = np.zeros(n), np.zeros(n), np.zeros(n)
    for start in range(0, n, _CHUNK):
        block = codes[start:start + _CHUNK]
        rows = slice(start, start + len(block))
        first[rows] = sum(truth.weights[f][block[:, j]] for j, f in enumerate(truth.fields))
        v = np.stack([truth.vectors[f][block[:, j]] for j, f in enumerate(truth.fields)],
                     axis=1)  # (rows, fields, dim)
        # Σ_{f<g} <v_f, v_g> = ½ (|Σ_f v_f|² − Σ_f |v_f|²)
        pairs[rows] = 0.5 * truth.pair_weight * ((v.sum(axis=1) ** 2).sum(axis=1)
                                                 - (v ** 2).sum(axis=(1, 2)))
        if truth.output.any():
            h = np.tanh(v.reshape(len(block), -1) @ truth.hidden)
            mlp[rows] = h @ truth.output
    return first, pairs, mlp


def _draw_codes(rng: np.random.Generator, frequencies: list[np.ndarray], n: int) -> np.ndarray:
    codes = np.empty((n, len(frequencies)), np.int64)
    for j, p in enumerate(frequencies):
        codes[:, j] = rng.choice(len(p), size=n, p=p)
    return codes


def _cardinalities(cardinality: Any, n_fields: int) -> list[int]:
    if isinstance(cardinality, Sequence) and not isinstance(cardinality, str):
        if len(cardinality) != n_fields:
            raise ValueError(f"The 'cardinality' parameter of {_OWNER} must be an int >= 2 or "
                             f"one int >= 2 per field ({n_fields}). Got {len(cardinality)} "
                             f"values.")
        return [check_int(c, "cardinality", _OWNER, minimum=2) for c in cardinality]
    return [check_int(cardinality, "cardinality", _OWNER, minimum=2)] * n_fields


def _solve_bias(rest: np.ndarray, rate: float) -> float:
    """The offset ``b`` with ``mean(sigmoid(b + rest)) == rate`` (bisection; it is monotone)."""
    low, high = -40.0, 40.0
    for _ in range(100):
        middle = 0.5 * (low + high)
        if _sigmoid(middle + rest).mean() < rate:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def ctr_dataset(n_rows: int, *, n_fields: int = 8, cardinality: int | Sequence[int] = 100,
                dim: int = 4, zipf: float = 1.1, first_order: float = 0.5,
                interactions: float = 1.0, nonlinear: float = 0.0, click_rate: float = 0.2,
                seed: int = 0, output: str = "pandas") -> CTRData:
    """Sparse categorical click data drawn from a planted factorization machine.

    Parameters
    ----------
    n_rows
        Rows (impressions) to draw (>= 1).
    n_fields
        Categorical fields (>= 2), named ``"f0"``, ``"f1"``, …
    cardinality
        Values per field (>= 2): one int for all fields or one per field.
    dim
        Length of the planted latent vectors (>= 1).
    zipf
        Exponent of the value frequencies (>= 0; 0 is uniform, 1 to 1.5 is realistic).
    first_order, interactions, nonlinear
        Standard deviation (over rows) of the first-order, the pairwise and the non-linear
        logit term (>= 0 each; 0 switches a term off).
    click_rate
        Mean true click probability (0 < rate < 1).
    seed
        Seed of everything (>= 0): the same arguments give the same data.
    output
        Type of ``frame``: ``"pandas"``, ``"polars"`` or ``"dict"`` (``{field: str array}``).

    Returns
    -------
    CTRData
        ``frame``, ``labels``, true ``probabilities``, value ``codes`` and the ``truth``.

    Examples
    --------
    >>> data = ctr_dataset(1000, n_fields=3, cardinality=10, output="dict")
    >>> sorted(data.frame), data.labels.shape
    (['f0', 'f1', 'f2'], (1000,))
    """
    n_rows = check_int(n_rows, "n_rows", _OWNER, minimum=1)
    n_fields = check_int(n_fields, "n_fields", _OWNER, minimum=2)
    sizes = _cardinalities(cardinality, n_fields)
    dim = check_int(dim, "dim", _OWNER, minimum=1)
    zipf = check_float(zipf, "zipf", _OWNER, minimum=0.0)
    scales = [check_float(value, name, _OWNER, minimum=0.0) for name, value in
              (("first_order", first_order), ("interactions", interactions),
               ("nonlinear", nonlinear))]
    click_rate = check_float(click_rate, "click_rate", _OWNER, minimum=0.0, maximum=1.0)
    if not 0.0 < click_rate < 1.0:
        raise ValueError(f"The 'click_rate' parameter of {_OWNER} must be a number > 0 and "
                         f"< 1. Got {click_rate!r}.")
    seed = check_int(seed, "seed", _OWNER, minimum=0)
    check_choice(output, "output", _OWNER, ("pandas", "polars", "dict"))
    module = {"pandas": "pandas", "polars": "polars"}.get(output)
    frames = require(module, "ctr_dataset(output=...)") if module else None

    truth_rng, calibration_rng, row_rng = (np.random.default_rng(s) for s in
                                           np.random.SeedSequence(seed).spawn(3))
    fields = [f"f{j}" for j in range(n_fields)]
    frequencies = []
    for size in sizes:
        p = np.arange(1, size + 1, dtype=np.float64) ** -zipf
        frequencies.append(p / p.sum())
    pairs = list(zip(fields, sizes, strict=True))
    truth = CTRTruth(
        fields=fields, values={f: [f"v{k}" for k in range(s)] for f, s in pairs},
        frequencies=dict(zip(fields, frequencies, strict=True)), bias=0.0,
        weights={f: truth_rng.standard_normal(s) for f, s in pairs},
        vectors={f: truth_rng.standard_normal((s, dim)) for f, s in pairs},
        pair_weight=1.0,
        hidden=truth_rng.standard_normal((n_fields * dim, _HIDDEN)) / np.sqrt(n_fields * dim),
        output=truth_rng.standard_normal(_HIDDEN))

    # Rescale each term to its requested spread over a fixed calibration sample.
    reference = _draw_codes(calibration_rng, frequencies, _CALIBRATION_ROWS)
    first, pairwise, mlp = _terms(truth, reference)
    spreads = (first.std(), pairwise.std(), mlp.std())
    factors = [target / spread if spread > 0 else 0.0
               for target, spread in zip(scales, spreads, strict=True)]
    for f in fields:
        truth.weights[f] *= factors[0]
    truth.pair_weight = factors[1]
    truth.output = truth.output * factors[2]
    rest = factors[0] * first + factors[1] * pairwise + factors[2] * mlp
    truth.bias = _solve_bias(rest, click_rate)

    codes = _draw_codes(row_rng, frequencies, n_rows)
    probabilities = _sigmoid(truth.logits(codes))
    labels = (row_rng.random(n_rows) < probabilities).astype(np.int64)
    columns = {f: np.array(truth.values[f], dtype=object)[codes[:, j]]
               for j, f in enumerate(fields)}
    if output == "pandas":
        frame: Any = frames.DataFrame(columns)
    elif output == "polars":
        frame = frames.DataFrame({f: list(v) for f, v in columns.items()})
    else:
        frame = columns
    return CTRData(frame, labels, probabilities, codes, truth)
