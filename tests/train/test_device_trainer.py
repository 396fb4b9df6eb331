"""The PyTorch word2vec trainer on CPU: its parts against slow NumPy twins, and the estimators."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec import Item2Vec, Vectors, Word2Vec
from everyvec.kernels.sampling import alias_probabilities, alias_table
from everyvec.vocab import Vocabulary

torch = pytest.importorskip("torch")

from everyvec.train import device_step  # noqa: E402
from everyvec.train.device_batches import (  # noqa: E402
    DeviceTables,
    context_slots,
    draw_noise,
    kept_tokens,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = {"vector_size": 16, "min_count": 1, "epochs": 20, "sample": 0.0, "seed": 0,
         "progress": False, "device": "cpu"}
MODES = {
    "sg-ns": {"sg": True},
    "sg-ns-per-pair": {"sg": True, "shared_negatives": False},
    "sg-hs": {"sg": True, "hs": True, "negative": 0},
    "cbow-ns": {"sg": False},
    "cbow-hs": {"sg": False, "hs": True, "negative": 0, "alpha": 0.05},
    "cbow-sum": {"sg": False, "cbow_mean": False},
}
CPU = torch.device("cpu")


def _tables(counts: list[int], *, sample: float = 0.0, hs: bool = False) -> DeviceTables:
    vocab = Vocabulary([f"w{i}" for i in range(len(counts))], counts)
    return DeviceTables.build(vocab, np.arange(len(counts), dtype=np.int32), sample=sample,
                              ns_exponent=0.75, negative=5, hs=hs, device=CPU)


# -- examples built on the device --------------------------------------------------------------

def _slots_twin(ids: np.ndarray, sentences: np.ndarray, first: int, last: int, window: int,
                reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    offsets = [*range(-window, 0), *range(1, window + 1)]
    contexts = np.zeros((last - first, 2 * window), np.int64)
    mask = np.zeros((last - first, 2 * window), bool)
    for row, p in enumerate(range(first, last)):
        for k, offset in enumerate(offsets):
            j = p + offset
            if 0 <= j < len(ids) and sentences[j] == sentences[p] and abs(offset) <= reach[row]:
                contexts[row, k] = ids[j]
                mask[row, k] = True
    return contexts, mask


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(1, 7), min_size=1, max_size=6),
       window=st.integers(1, 4), shrink=st.booleans(), seed=st.integers(0, 2**32))
def test_context_slots_match_a_loop_over_sentences(lengths: list[int], window: int,
                                                   shrink: bool, seed: int) -> None:
    n = sum(lengths)
    ids = torch.arange(100, 100 + n)
    sentences = torch.repeat_interleave(torch.arange(len(lengths)), torch.tensor(lengths))
    first, last = n // 3, n
    centres, contexts, mask = context_slots(ids, sentences, first, last, window, shrink,
                                            torch.Generator().manual_seed(seed))
    if shrink:
        reach = window - torch.randint(0, window, (last - first,),
                                       generator=torch.Generator().manual_seed(seed))
    else:
        reach = torch.full((last - first,), window)
    want_contexts, want_mask = _slots_twin(ids.numpy(), sentences.numpy(), first, last,
                                           window, reach.numpy())
    np.testing.assert_array_equal(centres.numpy(), ids.numpy()[first:last])
    np.testing.assert_array_equal(mask.numpy(), want_mask)
    np.testing.assert_array_equal(np.where(want_mask, contexts.numpy(), 0), want_contexts)


def test_kept_tokens_drop_unknown_words_and_keep_sentence_numbers() -> None:
    vocab = Vocabulary(["a", "b"], [5, 5])
    remap = np.array([0, -1, 1], np.int32)  # raw id 1 is not in the vocabulary
    tables = DeviceTables.build(vocab, remap, sample=0.0, ns_exponent=0.75, negative=5,
                                hs=False, device=CPU)
    tokens = np.array([0, 1, 2, 2, 1, 0], np.int32)
    ids, sentences = kept_tokens(tokens, np.array([0, 3, 6]), tables, torch.Generator())
    assert ids.tolist() == [0, 1, 1, 0]
    assert sentences.tolist() == [0, 0, 1, 1]


def test_subsampling_keeps_each_word_with_its_keep_probability() -> None:
    counts = [60_000, 30_000, 9_000, 1_000]
    tables = _tables(counts, sample=1e-3)
    want = Vocabulary([f"w{i}" for i in range(4)], counts).keep_probabilities(1e-3)
    tokens = np.repeat(np.arange(4, dtype=np.int32), 50_000)
    ids, _ = kept_tokens(tokens, np.array([0, len(tokens)]), tables,
                         torch.Generator().manual_seed(1))
    kept = np.bincount(ids.numpy(), minlength=4) / 50_000
    np.testing.assert_allclose(kept, want, atol=0.01)  # 4.5 standard errors at most


def test_noise_words_follow_the_alias_table() -> None:
    counts = [500, 200, 100, 50, 10, 1, 0]
    tables = _tables(counts)
    weights = np.where(np.array(counts) > 0, np.maximum(counts, 1.0) ** 0.75, 0.0)
    want = alias_probabilities(*alias_table(weights))
    draws = draw_noise((400_000,), tables, torch.Generator().manual_seed(3))
    got = np.bincount(draws.numpy(), minlength=len(counts)) / 400_000
    np.testing.assert_allclose(got, want, atol=0.004)
    assert got[-1] == 0.0  # a word never seen is never noise


# -- one step against a NumPy twin ----------------------------------------------------------

def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _cap(counts: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, device_step.ROW_CAP / np.maximum(counts, 1.0))


def _skipgram_twin(syn0: np.ndarray, syn1neg: np.ndarray, centres: np.ndarray,
                   contexts: np.ndarray, mask: np.ndarray, noise: np.ndarray, span: np.ndarray,
                   alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Every (context, output) logistic term from the starting weights, summed per row and
    damped by the row's occurrences, then applied once."""
    d0, d1 = np.zeros_like(syn0), np.zeros_like(syn1neg)
    used_outputs = []
    for b in range(len(centres)):
        outputs = [(int(centres[b]), 1.0)] + [(int(n), 0.0) for n in noise[b]
                                               if n != centres[b]]
        if mask[b].any():
            used_outputs += [row for row, _ in outputs]
        for s in np.flatnonzero(mask[b]):
            c = int(contexts[b, s])
            for row, label in outputs:
                score = float(syn0[c] @ syn1neg[row])
                if abs(score) >= 6.0:
                    continue
                g = alpha * (label - _sigmoid(score))
                d1[row] += g * syn0[c]
                d0[c] += g * syn1neg[row]
    scale0 = _cap(np.bincount(span, minlength=len(syn0)).astype(float))
    scale1 = _cap(np.bincount(used_outputs, minlength=len(syn1neg)).astype(float))
    return syn0 + d0 * scale0[:, None], syn1neg + d1 * scale1[:, None]


@pytest.mark.parametrize("batch", [3, 40])
def test_skipgram_step_matches_its_twin(batch: int) -> None:
    rng = np.random.default_rng(batch)
    vocab_size, dim, window = 30, 8, 2
    tables = _tables([1000 - 30 * i for i in range(vocab_size)])
    syn0 = rng.normal(0, 0.5, (vocab_size, dim)).astype(np.float32)
    syn1neg = rng.normal(0, 0.5, (vocab_size, dim)).astype(np.float32)
    ids = torch.as_tensor(rng.integers(0, vocab_size, batch + 2 * window))
    sentences = torch.zeros(len(ids), dtype=torch.int64)
    centres, contexts, mask = context_slots(ids, sentences, window, window + batch, window,
                                            False, torch.Generator())
    noise = draw_noise((batch, 5), tables, torch.Generator().manual_seed(9)).numpy()
    want0, want1 = _skipgram_twin(syn0, syn1neg, centres.numpy(), contexts.numpy(),
                                  mask.numpy(), noise, ids.numpy(), 0.1)
    t0, t1 = torch.from_numpy(syn0.copy()), torch.from_numpy(syn1neg.copy())
    device_step.skipgram_step(t0, t1, torch.zeros(0, dim), tables, centres, contexts, mask,
                              ids, negative=5, hs=False, shared_negatives=True, alpha=0.1,
                              generator=torch.Generator().manual_seed(9),
                              totals=device_step.StepTotals(CPU))
    np.testing.assert_allclose(t0.numpy(), want0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(t1.numpy(), want1, rtol=1e-4, atol=1e-5)


# -- the estimators --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_recovers_the_planted_analogies(mode: str, planted: list[list[str]],
                                                   planted_score) -> None:
    # As for the CPU engine (tests/train/test_word2vec.py): chance is about 1/60.
    model = Word2Vec(**SMALL, **MODES[mode]).fit(planted)
    assert planted_score(model.vectors) >= 0.75
    losses = model.report_.losses
    assert len(losses) == 20 and all(np.isfinite(losses))
    assert losses[-1] < losses[0]


def test_report_counts_every_word_and_the_same_seed_repeats(planted: list[list[str]]) -> None:
    first = Word2Vec(**(SMALL | {"epochs": 2}), sg=True).fit(planted)
    second = Word2Vec(**(SMALL | {"epochs": 2}), sg=True).fit(planted)
    np.testing.assert_array_equal(first.input_matrix_, second.input_matrix_)
    tokens = sum(map(len, planted))
    assert [e.raw_words for e in first.report_.epochs] == [tokens, tokens]
    assert all(e.kept_words == tokens for e in first.report_.epochs)  # sample=0 keeps all
    assert first.report_.epochs[-1].alpha == pytest.approx(first.min_alpha)
    assert isinstance(first.vectors, Vectors)
    assert first.vectors.provenance["params"]["device"] == "cpu"


def test_subsampled_training_keeps_fewer_words(planted: list[list[str]]) -> None:
    model = Word2Vec(**(SMALL | {"epochs": 1, "sample": 1e-3})).fit(planted)
    epoch = model.report_.epochs[0]
    assert 0 < epoch.kept_words < epoch.raw_words


def test_item2vec_and_deepwalk_train_on_the_device() -> None:
    from everyvec.data import Graph
    from everyvec.train.graph import DeepWalk

    baskets = [["milk", "bread", "butter"], ["beer", "chips", "salsa"]] * 200
    items = Item2Vec(vector_size=8, mode="set", seed=0, device="cpu", batch_words=128,
                     progress=False).fit(baskets)
    assert items.similar_items("bread", k=1)[0][0] in {"milk", "butter"}
    ring = Graph.from_edges([f"n{i}" for i in range(20)], [f"n{(i + 1) % 20}" for i in range(20)])
    walk = DeepWalk(vector_size=8, walk_length=10, walks_per_node=4, window=2, workers=1,
                    device="cpu", progress=False).fit(ring)
    assert walk.vectors.dim == 8 and np.isfinite(walk.vectors.matrix).all()


def test_checkpoint_and_resume_on_the_device(planted: list[list[str]], tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    stop_after_two = Word2Vec(**(SMALL | {"epochs": 4}), sg=True, checkpoint=folder,
                              callbacks=[_interrupt_after(1)])
    with pytest.raises(KeyboardInterrupt):
        stop_after_two.fit(planted)
    resumed = Word2Vec.load_checkpoint(folder)
    assert resumed._epochs_done == 2 and resumed.device == "cpu"
    resumed.resume(planted)
    assert [e.epoch for e in resumed.report_.epochs] == [0, 1, 2, 3]


def _interrupt_after(epoch: int):  # type: ignore[no-untyped-def]
    def callback(model: Word2Vec, report) -> None:  # type: ignore[no-untyped-def]
        if report.epoch == epoch:
            raise KeyboardInterrupt
    return callback


@pytest.mark.parametrize(("device", "error"), [("gpu", ValueError), ("cuda:x", ValueError),
                                               (0, TypeError)])
def test_bad_device_names_are_refused_at_construction(device: object, error: type) -> None:
    with pytest.raises(error, match="'device' parameter of Word2Vec"):
        Word2Vec(device=device)  # type: ignore[arg-type]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_cuda_without_a_gpu_is_a_clear_error(planted: list[list[str]]) -> None:
    with pytest.raises(ValueError, match="CUDA is not available"):
        Word2Vec(**SMALL | {"device": "cuda"}).fit(planted)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_learns_the_planted_analogies(planted: list[list[str]], planted_score) -> None:
    model = Word2Vec(**SMALL | {"device": "cuda"}, sg=True).fit(planted)
    assert planted_score(model.vectors) >= 0.75
