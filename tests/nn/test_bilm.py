"""ELMo-style biLM: a planted polysemous word ("bank" by rivers vs "bank" with money).

The generated sentences put a sense cue left of "bank" (``muddy`` / ``savings``), right of it
(``river`` / ``loan``) or both, and share everything else (prefixes, suffixes). A biLM must
then give "bank" vectors that depend on the cues: same-sense occurrences close, cross-sense
ones far, the forward half driven by the left cue, the backward half by the right one.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from everyvec import Vectors  # noqa: E402
from everyvec.errors import EveryvecError, FormatError  # noqa: E402
from everyvec.nn.bilm import BiLanguageModel, ScalarMix, TokenTagger  # noqa: E402

RIVER = (["muddy", "grassy", "steep", "rocky"], ["river", "stream", "creek", "lake"])
MONEY = (["savings", "central", "investment", "national"],
         ["loan", "account", "deposit", "mortgage"])
PREFIXES = [["we", "saw", "the"], ["they", "went", "to", "the"], ["she", "visited", "the"],
            ["i", "found", "a"]]
SUFFIXES = [["today"], ["again"], ["yesterday"], []]
DIM, LAYERS = 16, 2
SMALL = {"hidden_size": 32, "num_layers": LAYERS, "epochs": 7, "batch_size": 16, "lr": 0.01,
         "dropout": 0.0}


def sentence(rng: random.Random, sense: str, left: bool = True,
             right: bool = True) -> tuple[list[str], int]:
    """Tokens and the position of "bank"."""
    lefts, rights = RIVER if sense == "river" else MONEY
    words = list(rng.choice(PREFIXES))
    if left:
        words.append(rng.choice(lefts))
    target = len(words)
    words.append("bank")
    if right:
        words.append(rng.choice(rights))
    return words + rng.choice(SUFFIXES), target


def corpus(n: int, seed: int, left_share: float = 0.8) -> list[tuple[list[str], int, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sense = rng.choice(["river", "money"])
        words, target = sentence(rng, sense, left=rng.random() < left_share)
        out.append((words, target, sense))
    return out


def cosines(x: np.ndarray) -> np.ndarray:
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    return x @ x.T


def same_vs_cross(x: np.ndarray, senses: np.ndarray, centre: bool = True
                  ) -> tuple[float, float]:
    """Mean cosine between same-sense and between cross-sense rows.

    ``centre`` first removes the mean row — the part every "bank" shares whatever its
    sense — so the cosines compare what the context adds.
    """
    c = cosines(x - x.mean(axis=0) if centre else x)
    same = senses[:, None] == senses[None, :]
    off = ~np.eye(len(senses), dtype=bool)
    return float(c[same & off].mean()), float(c[~same].mean())


def tags_of(data: list[tuple[list[str], int, str]]) -> list[list[str | None]]:
    return [[sense if i == target else None for i in range(len(words))]
            for words, target, sense in data]


@pytest.fixture(scope="module")
def lm() -> BiLanguageModel:
    return BiLanguageModel(DIM, **SMALL).fit([w for w, _, _ in corpus(500, seed=0)])


@pytest.fixture(scope="module")
def test_data() -> list[tuple[list[str], int, str]]:
    return corpus(120, seed=1, left_share=1.0)


def bank_layers(lm: BiLanguageModel, data: list[tuple[list[str], int, str]]) -> np.ndarray:
    reps = lm.representations([w for w, _, _ in data])
    return np.stack([r[t] for r, (_, t, _) in zip(reps, data, strict=True)])


# -- contextual vectors of a polysemous word ------------------------------------------------

def test_polysemous_word_gets_sense_dependent_vectors(lm, test_data):
    senses = np.array([s for _, _, s in test_data])
    layers = bank_layers(lm, test_data)
    for j in range(1, LAYERS + 1):
        same, cross = same_vs_cross(layers[:, j], senses)
        assert same > 0.5 > -0.5 > cross, (j, same, cross)
        raw_same, raw_cross = same_vs_cross(layers[:, j], senses, centre=False)
        assert raw_same > raw_cross, (j, raw_same, raw_cross)
    mixed = lm.contextual_vectors([w for w, _, _ in test_data])
    bank = np.stack([m[t] for m, (_, t, _) in zip(mixed, test_data, strict=True)])
    same, cross = same_vs_cross(bank, senses)
    assert same > 0.5 > -0.5 > cross, (same, cross)
    # Each occurrence is nearer its own sense's centroid than the other one.
    centroids = {s: bank[senses == s].mean(axis=0) for s in ("river", "money")}
    nearest = [min(centroids, key=lambda s: float(np.linalg.norm(v - centroids[s])))
               for v in bank]
    assert np.mean(np.array(nearest) == senses) >= 0.95


def test_layer0_is_context_free_upper_layers_are_not(lm, test_data):
    layers = bank_layers(lm, test_data)
    assert layers.shape == (len(test_data), LAYERS + 1, 2 * DIM)
    np.testing.assert_array_equal(layers[:, 0], np.broadcast_to(layers[0, 0], layers[:, 0].shape))
    embedding = lm.word_vectors_["bank"]
    np.testing.assert_allclose(layers[0, 0], np.concatenate([embedding, embedding]), atol=1e-6)
    for j in range(1, LAYERS + 1):
        assert np.ptp(layers[:, j], axis=0).max() > 0.1


def test_each_direction_reads_its_own_side(lm):
    # Same words up to and including "bank", different words after it.
    a, b = ["we", "saw", "the", "muddy", "bank", "river", "today"], \
        ["we", "saw", "the", "muddy", "bank", "loan", "again"]
    ra, rb = lm.representations([a, b])
    half = DIM
    for j in range(1, LAYERS + 1):
        np.testing.assert_allclose(ra[:5, j, :half], rb[:5, j, :half], atol=1e-5)
        assert np.abs(ra[4, j, half:] - rb[4, j, half:]).max() > 0.05  # backward saw the rest
    # Same words from "bank" on, different words before it.
    c, d = ["she", "visited", "the", "steep", "bank", "loan"], \
        ["we", "saw", "the", "national", "bank", "loan"]
    rc, rd = lm.representations([c, d])
    for j in range(1, LAYERS + 1):
        np.testing.assert_allclose(rc[4:, j, half:], rd[4:, j, half:], atol=1e-5)
        assert np.abs(rc[4, j, :half] - rd[4, j, :half]).max() > 0.05


def test_backward_lm_carries_the_right_context_sense(lm):
    # No left cue: only the words after "bank" tell its sense.
    rng = random.Random(5)
    data = []
    for _ in range(60):
        sense = rng.choice(["river", "money"])
        words, target = sentence(rng, sense, left=False)
        words[:target] = ["we", "saw", "the"]  # one prefix: the forward state cannot differ
        data.append((words, 3, sense))
    senses = np.array([s for _, _, s in data])
    top = bank_layers(lm, data)[:, LAYERS]
    np.testing.assert_allclose(top[:, :DIM], np.broadcast_to(top[0, :DIM], (len(data), DIM)),
                               atol=1e-5)
    same, cross = same_vs_cross(top[:, DIM:], senses)
    assert same > cross + 0.5, (same, cross)


def test_embedding_and_softmax_are_shared_by_both_directions(lm):
    net = lm.network_
    names = [name for name, _ in net.named_parameters()]
    assert [n for n in names if "embedding" in n] == ["embedding.weight"]
    assert [n for n in names if "softmax" in n] == ["softmax.weight", "softmax.bias"]
    ((ids, lengths), _), _ = next(iter(_batches(lm, [["we", "saw", "the", "muddy", "bank"]])))
    for direction in (0, 1):
        net.zero_grad()
        losses = net.token_losses(ids, lengths)
        losses[direction].backward()
        assert net.embedding.weight.grad.abs().sum() > 0
        assert net.softmax.weight.grad.abs().sum() > 0
        used, unused = ((net.forward_layers, net.backward_layers) if direction == 0
                        else (net.backward_layers, net.forward_layers))
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in used.parameters())
        assert all(p.grad is None or p.grad.abs().sum() == 0 for p in unused.parameters())
    net.zero_grad()


def _batches(lm: BiLanguageModel, tokens: list[list[str]]):
    from everyvec.nn.batching import SequenceBatches, encode_sequences

    ids = encode_sequences(lm.vocabulary_, tokens)
    return SequenceBatches(ids, batch_size=8, pad=0, eos=2).batches(None)


# -- representations: shapes, order, batching ----------------------------------------------

def test_representations_shapes_order_and_batching(lm):
    texts = ["We saw the muddy bank!", ["i", "found", "a", "bank"], "", ["bank"],
             ["they", "went", "to", "the", "central", "bank", "loan", "unseenword", "today"]]
    reps = lm.representations(texts)
    counts = [5, 4, 0, 1, 9]
    assert [r.shape for r in reps] == [(n, LAYERS + 1, 2 * DIM) for n in counts]
    assert all(r.dtype == np.float32 for r in reps)
    assert lm.n_layers_ == LAYERS + 1 and lm.representation_dim_ == 2 * DIM
    assert lm.tokenize(texts[:1]) == [["we", "saw", "the", "muddy", "bank"]]
    one_by_one = lm.representations(texts, batch_size=1)
    backwards = lm.representations(texts[::-1], batch_size=2)[::-1]
    for r, s, t in zip(reps, one_by_one, backwards, strict=True):
        np.testing.assert_allclose(r, s, atol=1e-5)
        np.testing.assert_allclose(r, t, atol=1e-5)
    assert lm.representations([]) == []


def test_contextual_vectors_fixed_mixes(lm):
    texts = [["we", "saw", "the", "muddy", "bank", "river"], ["she", "visited", "the", "bank"]]
    reps = lm.representations(texts)
    mean = lm.contextual_vectors(texts)
    top = lm.contextual_vectors(texts, "top")
    custom = lm.contextual_vectors(texts, [2, 0, 2], gamma=3.0)
    for r, m, t, c in zip(reps, mean, top, custom, strict=True):
        assert m.shape == (len(r), 2 * DIM)
        np.testing.assert_allclose(m, r.mean(axis=1), atol=1e-5)
        np.testing.assert_allclose(t, r[:, -1], atol=1e-6)
        np.testing.assert_allclose(c, 1.5 * (r[:, 0] + r[:, 2]), atol=1e-5)
    for bad in ("bottom", [1, 1], [1, -1, 1], [0, 0, 0], [1, float("nan"), 1]):
        with pytest.raises(ValueError, match="'weights' parameter"):
            lm.contextual_vectors(texts, bad)
    with pytest.raises(TypeError, match="'gamma' parameter"):
        lm.contextual_vectors(texts, gamma="big")


def test_perplexity_reflects_the_planted_structure(lm, test_data):
    texts = [w for w, _, _ in test_data]
    ppl = lm.perplexity(texts)
    assert set(ppl) == {"forward", "backward"}
    n_vocab = len(lm.vocabulary_)
    # Each sentence has ~3 choices of ~4 options; a uniform model would score n_vocab.
    assert 1.0 < ppl["forward"] < 4 and 1.0 < ppl["backward"] < 4, ppl
    rng = random.Random(0)
    shuffled = [rng.sample(w, len(w)) for w in texts]
    scrambled = lm.perplexity(shuffled)
    assert scrambled["forward"] > 3 * ppl["forward"] and scrambled["backward"] > 3 * ppl[
        "backward"]
    assert ppl["forward"] < n_vocab
    with pytest.raises(ValueError, match="no texts"):
        lm.perplexity([])


def test_fit_records_history_and_word_vectors(lm):
    assert lm.best_epoch_ >= 1 and len(lm.history_) >= lm.best_epoch_
    assert lm.history_[-1]["loss"] < lm.history_[0]["loss"]
    assert "validation_loss" in lm.history_[0]
    vectors = lm.word_vectors_
    assert isinstance(vectors, Vectors) and vectors.dim == DIM and "bank" in vectors
    assert "<eos>" not in vectors


def test_fit_is_reproducible_for_a_seed():
    texts = [w for w, _, _ in corpus(40, seed=3)]
    params = {**SMALL, "epochs": 1, "dropout": 0.2}
    a = BiLanguageModel(8, **params).fit(texts).representations(texts[:3])
    b = BiLanguageModel(8, **params).fit(texts).representations(texts[:3])
    c = BiLanguageModel(8, **{**params, "seed": 1}).fit(texts).representations(texts[:3])
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], c[0])


def test_hidden_size_equal_to_embedding_dim_needs_no_projection():
    texts = [w for w, _, _ in corpus(30, seed=4)]
    model = BiLanguageModel(8, hidden_size=8, num_layers=1, epochs=1,
                            validation_fraction=0).fit(texts)
    assert model.network_.forward_layers[0].proj_size == 0
    assert model.representations(texts[:1])[0].shape == (len(texts[0]), 2, 16)


# -- ScalarMix and the downstream tagger ---------------------------------------------------

def test_scalar_mix_weights_sum_to_one_and_gamma_scales():
    torch.manual_seed(0)
    layers = torch.randn(4, 7, 3, 5)  # (batch, tokens, layers, dim)
    mix = ScalarMix(3)
    np.testing.assert_allclose(float(mix.mixing_weights().detach().sum()), 1.0, atol=1e-6)
    out = mix(layers)
    assert out.shape == (4, 7, 5)
    torch.testing.assert_close(out, layers.mean(dim=2))
    torch.testing.assert_close(ScalarMix(3, gamma=2.5)(layers), 2.5 * out)
    top = ScalarMix(3, initial_weights=[1e-9, 1e-9, 1.0])
    torch.testing.assert_close(top(list(layers.unbind(dim=2))), layers[:, :, 2], atol=1e-6,
                               rtol=1e-6)
    with torch.no_grad():
        mix.scalar_parameters.copy_(torch.tensor([3.0, -1.0, 0.5]))
    np.testing.assert_allclose(float(mix.mixing_weights().detach().sum()), 1.0, atol=1e-6)
    mix(layers).sum().backward()
    assert mix.scalar_parameters.grad is not None and mix.gamma.grad is not None
    normed = ScalarMix(3, layer_norm=True)(layers * 100)
    assert normed.abs().max() < 10
    frozen = ScalarMix(3, trainable=False)
    assert not any(p.requires_grad for p in frozen.parameters())


def test_scalar_mix_errors():
    with pytest.raises(ValueError, match="'n_layers' parameter of ScalarMix"):
        ScalarMix(0)
    with pytest.raises(ValueError, match="'initial_weights'"):
        ScalarMix(3, initial_weights=[1, 2])
    with pytest.raises(ValueError, match="'initial_weights'"):
        ScalarMix(2, initial_weights=[1, 0])
    with pytest.raises(ValueError, match=r"expected a tensor \(\.\.\., 3, D\)"):
        ScalarMix(3)(torch.zeros(2, 4, 5))
    with pytest.raises(ValueError, match="expected 3 layers"):
        ScalarMix(3)([torch.zeros(2, 5)])


def test_tagger_learns_to_weight_the_one_informative_layer():
    # Layer 2 of 5 carries the label; the others are loud noise the mix should turn down.
    rng = np.random.default_rng(0)
    n, k, d = 600, 5, 8
    labels = rng.integers(0, 2, n)
    layers = rng.normal(0, 2.0, (n, k, d)).astype(np.float32)
    direction = rng.normal(0, 1, d)
    layers[:, 2] = 0.3 * rng.normal(0, 1, (n, d)) + np.where(labels[:, None] == 1, 1, -1) \
        * direction
    tagger = TokenTagger(epochs=30, lr=0.05).fit_layers(layers, labels)
    weights = tagger.mix_weights_
    assert weights.shape == (k,) and abs(weights.sum() - 1) < 1e-6
    assert weights[2] > 0.6, weights
    assert np.argmax(weights) == 2
    assert isinstance(tagger.gamma_, float)
    fresh = rng.normal(0, 2.0, (200, k, d)).astype(np.float32)
    truth = rng.integers(0, 2, 200)
    fresh[:, 2] = 0.3 * rng.normal(0, 1, (200, d)) + np.where(truth[:, None] == 1, 1, -1) \
        * direction
    assert np.mean(tagger.predict_layers(fresh) == truth) > 0.95


def test_tagger_classifies_word_sense_from_the_bilm(lm, test_data):
    train = corpus(300, seed=2)
    tagger = TokenTagger(lm, epochs=25).fit([w for w, _, _ in train], tags_of(train))
    assert tagger.classes_ == ["money", "river"]
    texts = [w for w, _, _ in test_data]
    assert tagger.score(texts, tags_of(test_data)) >= 0.95
    weights = tagger.mix_weights_
    assert abs(weights.sum() - 1) < 1e-6
    # Layer 0 is the same vector for every "bank": the mix learns to lean on the others.
    assert weights[0] < 1 / len(weights) and weights[0] < weights[1:].max()
    predicted = tagger.predict(texts[:3])
    assert [len(p) for p in predicted] == [len(t) for t in texts[:3]]
    assert [p[t] for p, (_, t, _) in zip(predicted, test_data[:3], strict=True)] == [
        s for _, _, s in test_data[:3]]
    # The learned mix plugs into the fixed-mix vectors.
    vectors = lm.contextual_vectors(texts[:1], tagger.mix_weights_, tagger.gamma_)
    assert vectors[0].shape == (len(texts[0]), 2 * DIM)


def test_tagger_errors(lm):
    with pytest.raises(TypeError, match="'bilm' parameter of TokenTagger"):
        TokenTagger().fit([["a", "bank"]], [[None, "x"]])
    with pytest.raises(EveryvecError, match="not fitted"):
        _ = TokenTagger().mix_weights_
    tagger = TokenTagger(lm, epochs=1)
    with pytest.raises(ValueError, match="text 0 has 2 tokens"):
        tagger.fit([["a", "bank"]], [["x"]])
    with pytest.raises(ValueError, match="every tag is None"):
        tagger.fit([["a", "bank"]], [[None, None]])
    with pytest.raises(ValueError, match="at least two classes"):
        tagger.fit([["a", "bank"]] * 4, [[None, "x"]] * 4)
    with pytest.raises(ValueError, match=r"shape \(n_tokens, n_layers, dim\)"):
        TokenTagger().fit_layers(np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="4 tokens but 3 labels"):
        TokenTagger().fit_layers(np.zeros((4, 2, 3)), [0, 1, 0])


# -- saving --------------------------------------------------------------------------------

def test_save_load_round_trip(lm, tmp_path):
    path = lm.save(tmp_path / "bilm")
    config = json.loads((path / "config.json").read_text())
    assert config["format"] == "everyvec.bilm" and config["version"] == 1
    loaded = BiLanguageModel.load(path)
    texts = ["we saw the muddy bank river", ["i", "found", "a", "bank", "loan"]]
    for a, b in zip(lm.representations(texts), loaded.representations(texts), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.perplexity(texts) == lm.perplexity(texts)
    assert loaded.history_ == lm.history_ and loaded.get_params() == lm.get_params()
    assert not list(path.rglob("*.pkl")) and not list(path.rglob("*.pt"))


def test_load_refuses_damaged_folders(lm, tmp_path):
    path = lm.save(tmp_path / "bilm")
    config = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**config, "format": "everyvec.other"}))
    with pytest.raises(FormatError, match="everyvec.bilm"):
        BiLanguageModel.load(path)
    config["params"]["num_layers"] = 3
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(FormatError, match="do not match"):
        BiLanguageModel.load(path)
    with pytest.raises(FileNotFoundError):
        BiLanguageModel.load(tmp_path / "missing")


def test_callable_tokenizer_cannot_be_saved(tmp_path):
    model = BiLanguageModel(8, hidden_size=8, num_layers=1, epochs=1, validation_fraction=0,
                            tokenizer=str.split).fit(["a bank river", "a bank loan"] * 4)
    assert model.tokenize(["a  bank"]) == [["a", "bank"]]
    with pytest.raises(TypeError, match="callable tokenizer"):
        model.save(tmp_path / "m")


# -- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "error", "match"), [
    ({"embedding_dim": 0}, ValueError, "'embedding_dim' parameter of BiLanguageModel"),
    ({"embedding_dim": 16, "hidden_size": 8}, ValueError, "'hidden_size' parameter"),
    ({"num_layers": 0}, ValueError, "'num_layers' parameter"),
    ({"num_layers": 1.5}, TypeError, "'num_layers' parameter"),
    ({"dropout": 1.0}, ValueError, "'dropout' parameter"),
    ({"min_count": 0}, ValueError, "'min_count' parameter"),
    ({"max_len": 1}, ValueError, "'max_len' parameter"),
    ({"tokenizer": 3}, TypeError, "'tokenizer' parameter"),
    ({"lr": 0}, ValueError, "'lr' parameter"),
    ({"device": "gpu"}, ValueError, "'device' parameter"),
])
def test_bad_parameters_are_named(params, error, match):
    with pytest.raises(error, match=match):
        BiLanguageModel(**params).fit(["a bank river"] * 4)


def test_use_before_fit_and_bad_texts():
    model = BiLanguageModel()
    for call in (lambda: model.representations(["a"]), lambda: model.perplexity(["a"]),
                 lambda: model.contextual_vectors(["a"]), lambda: model.save("x"),
                 lambda: model.word_vectors_):
        with pytest.raises(EveryvecError, match="not fitted"):
            call()
    with pytest.raises(TypeError, match="texts must be a list"):
        model.fit("a bank by the river")
    with pytest.raises(ValueError, match="no texts"):
        model.fit([])
    with pytest.raises(TypeError, match="text 1 is a int"):
        model.fit(["a bank", 3])


def test_representations_batch_size_is_checked(lm):
    with pytest.raises(ValueError, match="'batch_size' parameter of BiLanguageModel"):
        lm.representations(["a"], batch_size=0)


def test_import_does_not_load_torch():
    code = ("import sys, everyvec.nn.bilm; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
