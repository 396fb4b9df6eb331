"""Text classifier: planted sentiment, like/hate under word2vec vs task-trained vectors."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from everyvec import Vectors, Word2Vec  # noqa: E402
from everyvec.errors import EveryvecError, FormatError  # noqa: E402
from everyvec.nn.text_classifier import TextClassifier  # noqa: E402

POSITIVE = ["like", "love", "enjoy"]
NEGATIVE = ["hate", "dislike", "loathe"]
NOUNS = ["movie", "book", "song", "film", "show", "game", "meal", "place"]
# The sentiment verb is the only cue, and every verb appears in exactly the same contexts:
# co-occurrence cannot tell "like" from "hate", the label can.
TEMPLATES = [["i", "{v}", "this", "{n}"], ["we", "{v}", "the", "{n}"],
             ["they", "{v}", "that", "{n}", "a", "lot"], ["i", "really", "{v}", "it"]]
SMALL = {"embedding_dim": 16, "epochs": 12, "batch_size": 32, "lr": 0.01}


def sentiment(n: int, seed: int) -> tuple[list[list[str]], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        positive = rng.random() < 0.5
        verb = rng.choice(POSITIVE if positive else NEGATIVE)
        noun = rng.choice(NOUNS)
        texts.append([w.replace("{v}", verb).replace("{n}", noun)
                      for w in rng.choice(TEMPLATES)])
        labels.append("pos" if positive else "neg")
    return texts, labels


def cosine(vectors: Vectors, a: str, b: str) -> float:
    u, v = vectors[a], vectors[b]
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


@pytest.fixture(scope="module")
def data():
    return sentiment(400, seed=0), sentiment(200, seed=1)


@pytest.fixture(scope="module")
def word2vec(data):
    (texts, _), _ = data
    return Word2Vec(16, min_count=1, window=3, sample=0, epochs=5, workers=1,
                    seed=0).fit(texts).vectors


@pytest.fixture(scope="module")
def mean_model(data):
    (texts, labels), _ = data
    return TextClassifier(**SMALL).fit(texts, labels)


def test_task_trained_vectors_separate_like_and_hate(data, word2vec, mean_model):
    _, (test, truth) = data
    # Co-occurrence: "like" and "hate" share every context, so word2vec puts them together.
    assert cosine(word2vec, "like", "hate") > 0.8
    # The classifier needs them apart, and its embeddings learn exactly that.
    assert mean_model.score(test, truth) >= 0.95
    trained = mean_model.word_vectors_
    assert cosine(trained, "like", "hate") < 0.0
    # With mean pooling and a linear head, the decision direction is the head's row
    # difference; every positive verb lies on its positive side, every negative one opposite.
    head = mean_model.network_["head"].weight.detach().numpy()
    direction = head[mean_model.classes_.index("pos")] - head[mean_model.classes_.index("neg")]
    assert all(trained[w] @ direction > 0 for w in POSITIVE)
    assert all(trained[w] @ direction < 0 for w in NEGATIVE)
    # Neutral words carry no label signal; they stay near the boundary.
    assert abs(trained["movie"] @ direction) < min(abs(trained[w] @ direction)
                                                   for w in POSITIVE + NEGATIVE)


def test_fitted_attributes(mean_model):
    assert mean_model.classes_ == ["neg", "pos"]
    assert mean_model.vocabulary_.id_to_token[:3] == ("<pad>", "<unk>", "<eos>")
    assert len(mean_model.word_vectors_) == len(mean_model.vocabulary_) - 3
    assert mean_model.word_vectors_.dim == 16
    history = mean_model.history_
    assert 1 <= mean_model.best_epoch_ <= len(history) <= 12
    assert all("validation_loss" in h for h in history)
    assert history[-1]["loss"] < history[0]["loss"]
    assert mean_model.rows_per_second_ > 0
    assert mean_model.n_pretrained_ is None
    assert "embedding_dim=16" in repr(mean_model)


def test_gru_pooling(data):
    (texts, labels), (test, truth) = data
    model = TextClassifier(**SMALL, pooling="gru", hidden_size=16).fit(texts, labels)
    assert model.score(test, truth) >= 0.95
    assert "gru" in dict(model.network_.named_children())
    proba = model.predict_proba(test[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_word2vec_init_frozen_and_fine_tuned(data, word2vec, mean_model):
    (texts, labels), (test, truth) = data
    settings = {k: v for k, v in SMALL.items() if k != "embedding_dim"}
    frozen = TextClassifier(vectors=word2vec, freeze=True, **settings).fit(texts, labels)
    tuned = TextClassifier(vectors=word2vec, freeze=False, **settings).fit(texts, labels)
    vocabulary_words = [w for w in frozen.word_vectors_.keys if w in word2vec]
    assert frozen.n_pretrained_ == len(vocabulary_words) == len(word2vec)
    # Frozen: the rows are word2vec's, exactly; fine-tuned: they moved.
    assert np.array_equal(frozen.word_vectors_[vocabulary_words], word2vec[vocabulary_words])
    assert not np.allclose(tuned.word_vectors_["like"], word2vec["like"])
    # Fine-tuning pulls like/hate apart and classifies; frozen co-occurrence vectors cannot
    # carry a label that no context reveals (the seed's point): near chance here.
    assert tuned.score(test, truth) >= 0.95
    assert cosine(tuned.word_vectors_, "like", "hate") < cosine(word2vec, "like", "hate")
    assert frozen.score(test, truth) < 0.8
    # Frozen vectors that do carry the label (the task-trained ones) classify well.
    carried = TextClassifier(vectors=mean_model.word_vectors_, freeze=True,
                             **settings).fit(texts, labels)
    assert carried.score(test, truth) >= 0.95
    assert np.array_equal(carried.word_vectors_["like"], mean_model.word_vectors_["like"])


def test_sparse_gradients(data):
    (texts, labels), (test, truth) = data
    model = TextClassifier(**SMALL, sparse=True).fit(texts, labels)
    assert model.network_["embedding"].sparse
    assert model.score(test, truth) >= 0.95


def test_multiclass_int_labels_and_strings():
    rng = random.Random(0)
    words = {0: ["red", "scarlet"], 1: ["green", "olive"], 2: ["blue", "navy"]}
    texts, labels = [], []
    for _ in range(300):
        label = rng.randrange(3)
        texts.append(f"The {rng.choice(words[label])} {rng.choice(NOUNS)}, I think!")
        labels.append(np.int64(label))
    model = TextClassifier(**SMALL).fit(texts, np.array(labels))
    assert model.classes_ == [0, 1, 2]
    predicted = model.predict(["a NAVY song", "OLIVE", "scarlet film"])
    assert predicted.tolist() == [2, 1, 0]
    assert model.score(texts[:50], labels[:50]) >= 0.95
    assert model.predict_proba(["navy"]).shape == (1, 3)


def test_unknown_words_and_empty_texts(mean_model):
    # Words never seen read as UNK; a text without tokens is just EOS. Both predict.
    proba = mean_model.predict_proba([["zzz", "qqq"], [], "!!!"])
    assert proba.shape == (3, 2) and np.isfinite(proba).all()
    assert mean_model.predict([]).shape == (0,)
    # UNK starts (and, with min_count=1, stays) at zero: unseen words only dilute the mean.
    assert not mean_model.network_["embedding"].weight[1].detach().any()
    assert mean_model.predict([["zzz", "qqq", "xxx", "love", "yyy"],
                               ["zzz", "hate", "qqq", "www"]]).tolist() == ["pos", "neg"]


def test_save_load_round_trip(tmp_path, data):
    (texts, labels), (test, _) = data
    model = TextClassifier(**{**SMALL, "epochs": 3}, pooling="gru", hidden_size=8)
    model.fit(texts, labels)
    path = model.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "vocabulary.txt",
                                                      "weights"]
    loaded = TextClassifier.load(path)
    assert np.array_equal(loaded.predict_proba(test), model.predict_proba(test))
    assert loaded.predict(test).tolist() == model.predict(test).tolist()
    assert loaded.classes_ == model.classes_
    assert loaded.history_ == model.history_ and loaded.best_epoch_ == model.best_epoch_
    assert np.array_equal(loaded.word_vectors_.matrix, model.word_vectors_.matrix)
    assert loaded.pooling == "gru" and loaded.embedding_dim == 16
    # A damaged folder is a FormatError naming the file, never a crash deep in numpy.
    config = json.loads((path / "config.json").read_text())
    config["params"]["hidden_size"] = 9
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(FormatError, match="shape"):
        TextClassifier.load(path)
    (path / "config.json").write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        TextClassifier.load(path)
    with pytest.raises(FileNotFoundError):
        TextClassifier.load(tmp_path / "nowhere")


def test_save_refuses_what_json_cannot_hold(tmp_path, data):
    (texts, labels), _ = data
    model = TextClassifier(**{**SMALL, "epochs": 1}, tokenizer=str.split).fit(texts, labels)
    with pytest.raises(TypeError, match="callable tokenizer"):
        model.save(tmp_path / "a")
    model = TextClassifier(**{**SMALL, "epochs": 1}).fit(texts, [(x,) for x in labels])
    with pytest.raises(TypeError, match="cannot be stored in JSON"):
        model.save(tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_seeded_and_reproducible(data):
    (texts, labels), (test, _) = data
    state = torch.get_rng_state()
    settings = {**SMALL, "epochs": 3}
    a = TextClassifier(**settings, seed=1).fit(texts, labels).predict_proba(test)
    b = TextClassifier(**settings, seed=1).fit(texts, labels).predict_proba(test)
    c = TextClassifier(**settings, seed=2).fit(texts, labels).predict_proba(test)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert torch.equal(state, torch.get_rng_state())  # the caller's RNG is left alone


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_cuda_without_cuda_is_a_clear_error(data):
    (texts, labels), _ = data
    with pytest.raises(ValueError, match="CUDA is not available"):
        TextClassifier(device="cuda").fit(texts, labels)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_the_cpu_path(data):  # pragma: no cover - runs on GPU machines only
    (texts, labels), (test, truth) = data
    for pooling in ("mean", "gru"):
        model = TextClassifier(**SMALL, pooling=pooling, device="cuda").fit(texts, labels)
        assert model.score(test, truth) >= 0.95
        assert model.network_["head"].weight.is_cuda


@pytest.mark.parametrize("params, fit_args, error, match", [
    ({}, (["a b"], ["x", "y"]), ValueError, "1 texts but 2 labels"),
    ({}, (["a b", "c"], ["x", "x"]), ValueError, "at least two classes"),
    ({}, ([], []), ValueError, "no texts"),
    ({}, ("a b", "xy"), TypeError, "texts must be a list"),
    ({}, ([["a", 1]], ["x"]), TypeError, "text 0 holds the token 1"),
    ({}, ([3.5], ["x"]), TypeError, "text 0 is a float"),
    ({}, (["a", "b"], ["x", None]), ValueError, "label of text 1 is missing"),
    ({}, (["a", "b"], ["x", ["y"]]), TypeError, "not hashable"),
    ({}, (["", "!"], ["x", "y"]), ValueError, "no word of the training texts"),
    ({"pooling": "max"}, (["a", "b"], ["x", "y"]), ValueError, "'pooling' parameter"),
    ({"freeze": True}, (["a", "b"], ["x", "y"]), ValueError, "no 'vectors' were given"),
    ({"freeze": 1}, (["a", "b"], ["x", "y"]), TypeError, "'freeze' parameter"),
    ({"vectors": np.zeros((2, 4))}, (["a", "b"], ["x", "y"]), TypeError, "'vectors' parameter"),
    ({"max_len": 1}, (["a", "b"], ["x", "y"]), ValueError, "'max_len' parameter"),
    ({"lr": 0}, (["a", "b"], ["x", "y"]), ValueError, "'lr' parameter"),
    ({"device": "tpu"}, (["a", "b"], ["x", "y"]), ValueError, "'device' parameter"),
])
def test_clear_errors(params, fit_args, error, match):
    with pytest.raises(error, match=match):
        TextClassifier(**params, validation_fraction=0.0).fit(*fit_args)


def test_vectors_dimension_must_match(word2vec):
    with pytest.raises(ValueError, match="'embedding_dim' parameter .* is 8 but the 'vectors' "
                                         "have dimension 16"):
        TextClassifier(8, vectors=word2vec).fit(["a", "b"], ["x", "y"])


def test_not_fitted():
    with pytest.raises(EveryvecError, match="not fitted"):
        TextClassifier().predict(["a"])
    with pytest.raises(EveryvecError, match="not fitted"):
        _ = TextClassifier().word_vectors_
