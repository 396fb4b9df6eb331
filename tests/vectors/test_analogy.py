"""solve_analogies: a slow NumPy twin, gensim's answers, exclusion, restriction, arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec.vectors import ops
from everyvec.vectors.analogy import cosmul_scores, solve_analogies

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms > 0, norms, 1.0)


def _twin(unit, a, b, c, method, topn, restrict):
    """One question at a time, in float64, with a full sort: the reference answer.

    Also returns, per question, the relative tolerance of each candidate's float32 score:
    3CosMul divides by (1 + cos(x, a)) / 2 + 1e-6, which amplifies float32 rounding (about
    6e-8 on a cosine) when x points away from a.
    """
    u = unit.astype(np.float64)
    n_cand = len(u) if restrict is None else min(restrict, len(u))
    cand = u[:n_cand]
    out_idx, out_scores, out_tol = [], [], []
    for qa, qb, qc in zip(a, b, c, strict=True):
        if method == "3cosadd":
            q = u[qb] + u[qc] - u[qa]
            norm = np.linalg.norm(q)
            q = q / norm if norm > 0 else q
            scores = cand @ q
            tol = np.full(n_cand, 1e-4)
        else:
            shift_a = (1 + cand @ u[qa]) / 2
            scores = (1 + cand @ u[qb]) / 2 * (1 + cand @ u[qc]) / 2 / (shift_a + 1e-6)
            tol = 1e-4 + 2e-7 / (shift_a + 1e-6)
        scores = scores.copy()
        for t in (qa, qb, qc):
            if t < n_cand:
                scores[t] = -np.inf
        order = np.lexsort((np.arange(n_cand), -scores))[:topn]
        out_idx.append(order)
        out_scores.append(scores)
        out_tol.append(tol)
    return out_idx, out_scores, out_tol


def _random_unit(n, d, seed, zero_rows=0):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, d)).astype(np.float32)
    m[rng.choice(n, size=zero_rows, replace=False)] = 0.0
    return _unit(m).astype(np.float32)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(4, 60),
    d=st.integers(2, 8),
    q=st.integers(0, 25),
    topn=st.integers(1, 6),
    restrict=st.one_of(st.none(), st.integers(1, 70)),
    method=st.sampled_from(["3cosadd", "3cosmul"]),
    block=st.integers(1, 9),
    seed=st.integers(0, 2**16),
)
def test_solver_equals_slow_twin(n, d, q, topn, restrict, method, block, seed):
    unit = _random_unit(n, d, seed, zero_rows=min(2, n - 3))
    rng = np.random.default_rng(seed + 1)
    a, b, c = (rng.integers(0, n, q) for _ in range(3))
    idx, scores = solve_analogies(unit, a, b, c, method=method, topn=topn, restrict=restrict,
                                  block=block)
    assert idx.shape == scores.shape == (q, topn)
    assert idx.dtype == np.int64 and scores.dtype == np.float32
    twin_idx, twin_scores, twin_tol = _twin(unit, a, b, c, method, topn, restrict)
    for i in range(q):
        got = idx[i][idx[i] >= 0]
        ref = twin_idx[i][np.isfinite(twin_scores[i][twin_idx[i]])]
        assert len(got) == len(ref)
        assert not set(got.tolist()) & {a[i], b[i], c[i]}
        # identical, except where float32 and float64 disagree on a near-tie
        sc, tol = twin_scores[i], twin_tol[i]
        for g, r in zip(got, ref, strict=True):
            if g != r:
                assert sc[g] == pytest.approx(sc[r], rel=max(tol[g], tol[r]), abs=1e-5)
        np.testing.assert_array_less(np.abs(scores[i][: len(got)] - sc[got]),
                                     tol[got] * np.abs(sc[got]) + 1e-5)
        assert (idx[i][len(got):] == -1).all() and np.isneginf(scores[i][len(got):]).all()


@pytest.fixture(scope="module")
def gensim_pair():
    models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(42)
    n, d = 400, 20
    m = rng.standard_normal((n, d)).astype(np.float32)
    keys = [f"w{i}" for i in range(n)]
    kv = models.KeyedVectors(d)
    kv.add_vectors(keys, m)
    unit = _unit(m).astype(np.float32)
    return keys, unit, kv


def test_same_answers_as_gensim_most_similar(gensim_pair):
    keys, unit, kv = gensim_pair
    rng = np.random.default_rng(1)
    a, b, c = (rng.integers(0, len(keys), 200) for _ in range(3))
    for restrict in (None, 150):
        idx, scores = solve_analogies(unit, a, b, c, topn=3, restrict=restrict)
        for i in range(len(a)):
            theirs = kv.most_similar(positive=[keys[b[i]], keys[c[i]]], negative=[keys[a[i]]],
                                     topn=3, restrict_vocab=restrict)
            assert [keys[j] for j in idx[i]] == [k for k, _ in theirs]
            np.testing.assert_allclose(scores[i], [s for _, s in theirs], atol=1e-5)


def test_same_answers_as_gensim_cosmul(gensim_pair):
    keys, unit, kv = gensim_pair
    rng = np.random.default_rng(2)
    a, b, c = (rng.integers(0, len(keys), 100) for _ in range(3))
    idx, scores = solve_analogies(unit, a, b, c, topn=2, method="3cosmul")
    for i in range(len(a)):
        theirs = kv.most_similar_cosmul(positive=[keys[b[i]], keys[c[i]]],
                                        negative=[keys[a[i]]], topn=2)
        assert [keys[j] for j in idx[i]] == [k for k, _ in theirs]
        np.testing.assert_allclose(scores[i], [s for _, s in theirs], rtol=1e-5)


def test_same_predictions_as_gensim_evaluate_word_analogies(gensim_pair, tmp_path):
    keys, unit, kv = gensim_pair
    restrict = 300
    rng = np.random.default_rng(3)
    a, b, c = (rng.integers(0, restrict, 300) for _ in range(3))
    idx, _ = solve_analogies(unit, a, b, c, restrict=restrict)
    # half the expected answers are our predictions, half random: gensim must mark exactly
    # the questions whose expected word it predicts too.
    expected = np.where(np.arange(300) % 2 == 0, idx[:, 0], rng.integers(0, restrict, 300))
    lines = [": section-one"]
    for i in range(300):
        if i == 150:
            lines.append(": section-two")
        lines.append(" ".join(keys[j] for j in (a[i], b[i], c[i], expected[i])))
    path = tmp_path / "questions.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict,
                                             case_insensitive=False)
    gensim_correct = {tuple(q) for q in sections[-1]["correct"]}
    ours = {tuple(keys[j] for j in (a[i], b[i], c[i], expected[i]))
            for i in range(300) if idx[i, 0] == expected[i]}
    assert len(ours) >= 150
    assert ours == gensim_correct


def test_question_words_are_never_answers():
    # b == c and a far away: the best direction is b itself, which must be skipped
    unit = _unit(np.array([[1, 0], [0.99, 0.1], [0.98, 0.2], [-1, 0]], np.float32))
    idx, _ = solve_analogies(unit, [3], [0], [0], topn=2)
    assert idx.tolist() == [[1, 2]]
    idx, scores = solve_analogies(unit, [3], [0], [1], topn=3, restrict=3)
    assert idx.tolist() == [[2, -1, -1]]  # only one candidate left; the rest are padding
    assert np.isneginf(scores[0, 1:]).all()


def test_block_size_and_dtype_do_not_change_answers(monkeypatch):
    unit = _random_unit(80, 6, seed=7)
    rng = np.random.default_rng(8)
    a, b, c = (rng.integers(0, 80, 50) for _ in range(3))
    for method in ("3cosadd", "3cosmul"):
        ref = solve_analogies(unit, a, b, c, method=method, topn=4)
        for block in (1, 7, 50, 4096):
            got = solve_analogies(unit, a, b, c, method=method, topn=4, block=block)
            np.testing.assert_array_equal(ref[0], got[0])
        as64 = solve_analogies(unit.astype(np.float64), a.tolist(), b, c, method=method, topn=4)
        np.testing.assert_array_equal(ref[0], as64[0])
    monkeypatch.setattr(ops, "BLOCK_ELEMENTS", 80 * 4)  # the memory budget wins over block
    assert ops.rows_per_block(80, 2048) == 4
    np.testing.assert_array_equal(ref[0], solve_analogies(unit, a, b, c, method="3cosmul",
                                                          topn=4)[0])


def test_cosmul_scores_general_terms():
    unit = _random_unit(10, 4, seed=1)
    pos = unit[[1, 2, 3]][None]
    neg = unit[[4, 5]][None]
    got = cosmul_scores(unit, pos, neg)[0]
    shift = (1 + unit.astype(np.float64) @ unit.T.astype(np.float64)) / 2
    expected = shift[:, 1] * shift[:, 2] * shift[:, 3] / (shift[:, 4] * shift[:, 5] + 1e-6)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    only_pos = cosmul_scores(unit, unit[[1]][None], unit[[]][None].reshape(1, 0, 4))[0]
    np.testing.assert_allclose(only_pos, shift[:, 1] / (1 + 1e-6), rtol=1e-5)
    with pytest.raises(ValueError, match="positive"):
        cosmul_scores(unit, np.empty((1, 0, 4), np.float32), neg)


def test_bad_arguments():
    unit = _random_unit(10, 3, seed=0)
    ok = np.array([1, 2])
    with pytest.raises(ValueError, match="method"):
        solve_analogies(unit, ok, ok, ok, method="add")
    with pytest.raises(ValueError, match="same length"):
        solve_analogies(unit, ok, ok, ok[:1])
    with pytest.raises(IndexError, match="10"):
        solve_analogies(unit, ok, ok, np.array([1, 10]))
    with pytest.raises(IndexError):
        solve_analogies(unit, np.array([-1, 0]), ok, ok)
    with pytest.raises(TypeError, match="integer"):
        solve_analogies(unit, ok.astype(float), ok, ok)
    with pytest.raises(ValueError, match="1-D"):
        solve_analogies(unit, ok[None], ok, ok)
    with pytest.raises(ValueError, match="2-D"):
        solve_analogies(unit[0], ok, ok, ok)
    with pytest.raises(ValueError, match="topn"):
        solve_analogies(unit, ok, ok, ok, topn=0)
    with pytest.raises(ValueError, match="restrict"):
        solve_analogies(unit, ok, ok, ok, restrict=0)
    with pytest.raises(ValueError, match="block"):
        solve_analogies(unit, ok, ok, ok, block=0)
    empty = solve_analogies(unit, [], [], [], topn=2)
    assert empty[0].shape == (0, 2)
