"""RNN language model: planted grammars it must learn, sentence vectors, saving, errors."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from everyvec import Vectors  # noqa: E402
from everyvec.errors import EveryvecError, FormatError  # noqa: E402
from everyvec.nn.language_model import RNNLanguageModel  # noqa: E402

# Each template starts with its own word; a list is a uniform choice among its words.
# Everything else is determined by the words before it, so the best possible model pays
# log(8) for the first word, log(|choice|) at each choice and nothing elsewhere.
TEMPLATES = [
    ["cat", "chases", ["mice", "birds"], "outside"],
    ["dog", "barks", "at", ["cats", "strangers", "cars"]],
    ["cow", "eats", "green", "grass"],
    ["horse", "runs", "across", "the", "wide", "field"],
    ["robot", "builds", ["cars", "chips"]],
    ["laptop", "runs", "fast", "code", "all", "day"],
    ["phone", "rings", "twice"],
    ["server", "stores", "the", ["files", "logs"], "safely"],
]
SMALL = {"hidden_size": 32, "epochs": 15, "batch_size": 32, "lr": 0.01}


def grammar(n: int, seed: int) -> tuple[list[list[str]], float]:
    """``n`` sentences and the least mean cross-entropy per token any model can reach."""
    rng = random.Random(seed)
    sentences, nats, tokens = [], 0.0, 0
    for _ in range(n):
        sentence = []
        nats += math.log(len(TEMPLATES))
        for slot in rng.choice(TEMPLATES):
            if isinstance(slot, list):
                nats += math.log(len(slot))
                slot = rng.choice(slot)
            sentence.append(slot)
        sentences.append(sentence)
        tokens += len(sentence) + 1  # the words and the end of the sentence
    return sentences, nats / tokens


ANIMALS = ["cat", "dog", "cow", "horse", "sheep", "goat", "mouse", "bird", "fox", "owl"]
MACHINES = ["robot", "laptop", "phone", "server", "router", "chip", "drone", "camera", "disk",
            "screen"]


def topics(n: int, seed: int) -> tuple[list[list[str]], np.ndarray]:
    """Bags of 3-7 words of one topic in random order: the next word's topic is the only
    thing that can be predicted, so the state must remember the topic."""
    rng = random.Random(seed)
    sentences, labels = [], []
    for _ in range(n):
        topic = rng.random() < 0.5
        words = MACHINES if topic else ANIMALS
        sentences.append([rng.choice(words) for _ in range(rng.randint(3, 7))])
        labels.append(int(topic))
    return sentences, np.array(labels)


@pytest.fixture(scope="module")
def corpus():
    return grammar(800, seed=0), grammar(300, seed=1)


@pytest.fixture(scope="module")
def lstm(corpus):
    (train, _), _ = corpus
    return RNNLanguageModel("lstm", **SMALL).fit(train)


def test_lstm_reaches_the_least_perplexity_and_recovers_continuations(corpus, lstm):
    _, (test, least) = corpus
    best = math.exp(least)
    assert lstm.perplexity(test) < 1.06 * best
    assert lstm.perplexity_ < 1.1 * best  # on the validation sentences
    assert lstm.history_[-1]["loss"] < lstm.history_[0]["loss"]
    assert {"loss", "validation_loss", "rows_per_second", "tokens_per_second"} <= set(
        lstm.history_[0])
    assert lstm.tokens_per_second_ > lstm.rows_per_second_ > 0
    # Deterministic continuations, a uniform choice, and the end of the sentence.
    ((word, p),) = lstm.next_words("laptop runs fast", k=1)
    assert word == "code" and p > 0.9
    choice = dict(lstm.next_words("cat chases", k=2))
    assert set(choice) == {"mice", "birds"}
    assert all(0.35 < p < 0.65 for p in choice.values())
    assert lstm.next_words("phone rings twice", k=1)[0][0] == "<eos>"
    first = dict(lstm.next_words("", k=8))
    assert set(first) == {t[0] for t in TEMPLATES}
    assert all(p > 0.05 for p in first.values()) and sum(first.values()) > 0.97


def test_shuffled_words_are_much_less_likely(corpus, lstm):
    _, (test, _) = corpus
    rng = random.Random(2)
    shuffled = [rng.sample(s, len(s)) for s in test if len(s) >= 4]
    assert lstm.perplexity(shuffled) > 5 * lstm.perplexity(test)
    # Unknown words are read and predicted as UNK, not refused.
    assert math.isfinite(lstm.perplexity(["zebra chases quantum"]))


def test_gru_learns_the_grammar_too(corpus):
    (train, _), (test, least) = corpus
    gru = RNNLanguageModel("gru", **SMALL).fit(train)
    assert gru.perplexity(test) < 1.08 * math.exp(least)
    assert gru.next_words("dog barks", k=1)[0][0] == "at"


def test_encode_restores_order_and_ignores_batch_size(lstm):
    texts = ["cat chases mice outside", "phone", "", "server stores the logs safely", "dog",
             "robot builds chips", "unknown words only here", "horse runs across the wide"]
    vectors = lstm.encode(texts)
    assert vectors.shape == (len(texts), 32) and vectors.dtype == np.float32
    permutation = np.random.default_rng(0).permutation(len(texts))
    permuted = lstm.encode([texts[i] for i in permutation], batch_size=3)
    np.testing.assert_allclose(permuted, vectors[permutation], atol=1e-5)
    for batch_size in (1, 2, 5):
        np.testing.assert_allclose(lstm.encode(texts, batch_size=batch_size), vectors,
                                   atol=1e-5)
    # The same as reading one sentence alone, without any padding.
    alone = lstm.encode([texts[3]])[0]
    np.testing.assert_allclose(alone, vectors[3], atol=1e-5)
    assert lstm.encode([]).shape == (0, 32)
    # Perplexity does not depend on batching either.
    assert lstm.perplexity(texts, batch_size=1) == pytest.approx(lstm.perplexity(texts),
                                                                 rel=1e-5)


def test_to_vectors_and_word_vectors(lstm):
    texts = ["cat chases birds outside", ["phone", "rings", "twice"]]
    vectors = lstm.to_vectors(texts)
    assert isinstance(vectors, Vectors)
    assert vectors.keys == ["cat chases birds outside", "phone rings twice"]
    np.testing.assert_allclose(vectors.matrix, lstm.encode(texts))
    assert lstm.to_vectors(texts, keys=["a", "b"]).keys == ["a", "b"]
    with pytest.raises(ValueError, match="one key per text"):
        lstm.to_vectors(texts, keys=["a"])
    words = lstm.word_vectors_
    assert "<pad>" not in words.key_to_index and "<eos>" not in words.key_to_index
    assert "chases" in words.key_to_index and words.dim == 32


def test_final_state_separates_planted_topics():
    train, _ = topics(600, seed=0)
    lm = RNNLanguageModel("gru", hidden_size=16, epochs=8, batch_size=32, lr=0.01).fit(train)
    test, labels = topics(200, seed=1)
    vectors = lm.encode(test)
    half = len(test) // 2
    centroids = np.stack([vectors[:half][labels[:half] == c].mean(axis=0) for c in (0, 1)])
    distances = ((vectors[half:, None, :] - centroids[None]) ** 2).sum(axis=2)
    assert (distances.argmin(axis=1) == labels[half:]).mean() > 0.95
    # The model predicts words of the sentence's topic after a few words of it.
    predicted = [w for w, _ in lm.next_words("robot laptop chip", k=5)]
    assert set(predicted) <= set(MACHINES) | {"<eos>"}


def test_save_load_round_trip(tmp_path, corpus):
    (train, _), (test, _) = corpus
    lm = RNNLanguageModel(num_layers=2, hidden_size=16, tie_weights=True, dropout=0.1,
                          epochs=2, batch_size=64, lr=0.01).fit(train[:300])
    path = lm.save(tmp_path / "lm")
    # The tied matrix is stored once.
    assert not (path / "weights" / "decoder.weight.npy").exists()
    loaded = RNNLanguageModel.load(path)
    np.testing.assert_array_equal(loaded.encode(test[:20]), lm.encode(test[:20]))
    assert loaded.perplexity(test) == lm.perplexity(test)
    assert loaded.next_words("cow eats") == lm.next_words("cow eats")
    assert loaded.perplexity_ == lm.perplexity_ and loaded.history_ == lm.history_
    assert loaded.get_params() == {**lm.get_params(), "embedding_dim": 16}
    (path / "weights" / "embedding.weight.npy").unlink()
    with pytest.raises(FormatError, match="missing array file"):
        RNNLanguageModel.load(path)


def test_fit_without_validation_reports_training_perplexity(corpus):
    (train, _), _ = corpus
    lm = RNNLanguageModel(hidden_size=8, epochs=1, validation_fraction=0.0).fit(train[:100])
    assert lm.perplexity_ == pytest.approx(lm.perplexity(train[:100]), rel=1e-5)
    assert lm.best_epoch_ == 1


@pytest.mark.parametrize(("params", "error", "match"), [
    ({"cell": "rnn2"}, ValueError, "'cell' parameter of RNNLanguageModel must be one of"),
    ({"tie_weights": True, "embedding_dim": 8, "hidden_size": 16}, ValueError,
     "embedding_dim=8 differs from hidden_size=16"),
    ({"dropout": 1.0}, ValueError, "'dropout'"),
    ({"num_layers": 0}, ValueError, "'num_layers'"),
    ({"grad_clip": 0}, ValueError, "'grad_clip'"),
    ({"epochs": 0}, ValueError, "'epochs'"),
    ({"hidden_size": "32"}, TypeError, "'hidden_size'"),
])
def test_bad_parameters_are_named(params, error, match):
    with pytest.raises(error, match=match):
        RNNLanguageModel(**params).fit([["a", "b"]] * 10)


def test_bad_input_and_unfitted_use():
    with pytest.raises(ValueError, match="no texts"):
        RNNLanguageModel().fit([])
    with pytest.raises(TypeError, match="list of strings"):
        RNNLanguageModel().fit("one string")
    with pytest.raises(ValueError, match="min_count"):
        RNNLanguageModel(min_count=5, validation_fraction=0).fit([["a", "b"]] * 3)
    for method, args in (("encode", (["a"],)), ("perplexity", (["a"],)),
                         ("next_words", ("a",)), ("save", ("x",))):
        with pytest.raises(EveryvecError, match=f"{method}: the model is not fitted"):
            getattr(RNNLanguageModel(), method)(*args)
    lm = RNNLanguageModel(hidden_size=4, epochs=1, validation_fraction=0).fit([["a", "b"]])
    with pytest.raises(ValueError, match="no texts"):
        lm.perplexity([])
    with pytest.raises(ValueError, match="'k'"):
        lm.next_words("a", k=0)
    callable_lm = RNNLanguageModel(hidden_size=4, epochs=1, validation_fraction=0,
                                   tokenizer=str.split).fit(["a b"])
    with pytest.raises(TypeError, match="callable tokenizer"):
        callable_lm.save("unused")


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        RNNLanguageModel(device="cuda").fit([["a", "b"]] * 10)
