"""Encoder: the packaged MiniLM through PyTorch and ONNX Runtime, batching, words, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from everyvec.encoders.encoder import Encoder, TruncationWarning

SENTENCES = [
    "A man is playing a guitar.",
    "Someone plays the guitar on stage.",
    "The stock market fell sharply on Monday.",
    "Shares dropped as investors sold.",
    "A woman is slicing an onion.",
    "hi",
    "The quick brown fox jumps over the lazy dog while the farmer watches from the gate.",
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_torch_backend_matches_sentence_transformers(minilm, minilm_encoders):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(minilm.path), device="cpu", local_files_only=True)
    theirs = model.encode(SENTENCES, convert_to_numpy=True)
    ours = minilm_encoders["torch"].encode(SENTENCES)
    assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
    assert cosines(ours, theirs).min() > 0.99999


def test_onnx_matches_torch(minilm_encoders):
    reference = minilm_encoders["torch"].encode(SENTENCES)
    assert cosines(minilm_encoders["onnx"].encode(SENTENCES), reference).min() >= 0.999
    # int8 trades a little accuracy for speed; per-channel scales keep it close.
    assert cosines(minilm_encoders["int8"].encode(SENTENCES), reference).mean() >= 0.97


def test_vectors_are_unit_length_and_paraphrases_are_closest(minilm_encoders):
    vectors = minilm_encoders["onnx"].encode(SENTENCES)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1)
    assert similarity[0].argmax() == 1 and similarity[2].argmax() == 3


def test_order_is_restored_whatever_the_batch_size(minilm_encoders):
    encoder = minilm_encoders["onnx"]
    whole = encoder.encode(SENTENCES, batch_size=64)
    for size in (1, 2, 3):
        np.testing.assert_allclose(encoder.encode(SENTENCES, batch_size=size), whole, atol=2e-5)
    permutation = np.random.default_rng(0).permutation(len(SENTENCES))
    shuffled = encoder.encode([SENTENCES[i] for i in permutation], batch_size=2)
    np.testing.assert_allclose(shuffled, whole[permutation], atol=2e-5)


def test_batches_are_length_sorted(minilm_encoders, monkeypatch):
    encoder = minilm_encoders["onnx"]
    widths: list[int] = []
    run = encoder.backend.run

    def spy(batch):
        widths.append(batch.input_ids.shape[1])
        return run(batch)

    monkeypatch.setattr(encoder.backend, "run", spy)
    encoder.encode(SENTENCES, batch_size=2)
    assert widths == sorted(widths, reverse=True) and len(widths) == 4


def test_pooling_and_normalisation_options(minilm):
    base = Encoder(minilm, backend="torch", normalize=False, threads=1)
    assert not np.allclose(np.linalg.norm(base.encode(SENTENCES[:2]), axis=1), 1.0)
    cls = Encoder(minilm, backend="torch", pooling="cls", normalize=False, threads=1)
    most = Encoder(minilm, backend="torch", pooling="max", normalize=False, threads=1)
    batch = cls.tokenizer.batch(SENTENCES[:2])
    hidden = cls.backend.run(batch)
    np.testing.assert_allclose(cls.encode(SENTENCES[:2]), hidden[:, 0], atol=1e-5)
    real = batch.attention_mask[..., None] > 0
    expected = np.where(real, hidden, -np.inf).max(axis=1)
    np.testing.assert_allclose(most.encode(SENTENCES[:2]), expected, atol=1e-5)


def test_truncation_is_reported(minilm):
    long_text = "word " * 40
    encoder = Encoder(minilm, backend="torch", max_length=16, threads=1)
    with pytest.warns(TruncationWarning, match=r"1 of 2 texts .* max_length=16 .* text 1"):
        encoder.encode(["short", long_text])
    with pytest.raises(ValueError, match="max_length=16"):
        Encoder(minilm, backend="torch", max_length=16, truncation="error").encode([long_text])
    quiet = Encoder(minilm, backend="torch", max_length=16, truncation="ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.encode([long_text])


def test_encode_tokens_aligns_words_and_depends_on_context(minilm_encoders):
    encoder = minilm_encoders["torch"]
    texts = ["we sat on the river bank and watched the water",
             ["the", "bank", "raised", "its", "interest", "rates"],
             "she walked along the muddy bank of the stream",
             "he deposited cash at the bank downtown"]
    out = encoder.encode_tokens(texts)
    assert out[0].words == texts[0].split() and out[1].words == texts[1]
    assert out[0].vectors.shape == (len(texts[0].split()), 384)

    def bank(i: int) -> np.ndarray:
        return out[i].vectors[out[i].words.index("bank")]

    def cos(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    # The same word gets a different vector in each sentence, closer within a sense.
    assert cos(bank(0), bank(1)) < 0.95
    assert cos(bank(0), bank(2)) > cos(bank(0), bank(1))
    assert cos(bank(1), bank(3)) > cos(bank(1), bank(2))


def test_encode_tokens_averages_word_pieces(minilm_encoders):
    encoder = minilm_encoders["torch"]
    words = ["unbelievably", "good"]
    batch = encoder.tokenizer.batch([words], pretokenized=True)
    hidden = encoder.backend.run(batch)[0]
    pieces = batch.word_ids[0] == 0
    assert pieces.sum() > 1  # "unbelievably" is several word pieces
    result = encoder.encode_tokens([words])[0]
    np.testing.assert_allclose(result.vectors[0], hidden[pieces].mean(axis=0), atol=1e-5)


def test_encode_tokens_drops_words_cut_by_truncation(minilm):
    encoder = Encoder(minilm, backend="torch", max_length=6, truncation="ignore", threads=1)
    # [CLS] new york un ##bel [SEP]: "unbelievably" is cut, so only whole words remain.
    result = encoder.encode_tokens([["New", "York", "unbelievably", "x"]])[0]
    assert result.truncated and result.words == ["New", "York"]
    assert result.vectors.shape == (2, 384)


def test_empty_input_and_empty_text(minilm_encoders):
    encoder = minilm_encoders["onnx"]
    assert encoder.encode([]).shape == (0, 384)
    assert np.isfinite(encoder.encode([""])).all()


@pytest.mark.parametrize(("texts", "message"), [
    ("just one string", "not one string"),
    (["fine", 3], "text 1 is int"),
    (None, "expects a list of texts"),
])
def test_bad_texts_are_refused(minilm_encoders, texts, message):
    with pytest.raises(TypeError, match=message):
        minilm_encoders["onnx"].encode(texts)


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"backend": "tf"}, ValueError, "'backend'"),
    ({"backend": "torch", "quantize": "int8"}, ValueError, "needs backend='onnx'"),
    ({"quantize": "int4"}, ValueError, "'quantize'"),
    ({"pooling": "sum"}, ValueError, "'pooling'"),
    ({"max_length": 4096}, ValueError, "at most 512"),
    ({"batch_size": 0}, ValueError, "'batch_size'"),
    ({"truncation": "silent"}, ValueError, "'truncation'"),
    ({"normalize": "yes"}, TypeError, "'normalize'"),
])
def test_bad_settings_are_refused(minilm, options, error, message):
    with pytest.raises(error, match=message):
        Encoder(minilm, **options)


def test_cuda_without_a_gpu_is_a_clear_error(minilm):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="cuda"):
        Encoder(minilm, backend="torch", device="cuda")
    with pytest.raises(ValueError, match="runs on the CPU"):
        Encoder(minilm, backend="onnx", device="cuda")


def test_to_vectors_records_the_encoder_and_feeds_a_collection(minilm_encoders):
    from everyvec.collection import Collection

    encoder = minilm_encoders["onnx"]
    vectors = encoder.to_vectors(SENTENCES)
    assert vectors.keys[0] == SENTENCES[0]
    assert vectors.provenance["encoder"]["model"] == "all-MiniLM-L6-v2"
    collection = Collection.from_vectors(vectors)
    matches = collection.search(encoder.encode(["a guitarist performing"]), k=2)[0]
    assert {key for key, _ in matches} == {SENTENCES[0], SENTENCES[1]}
    with pytest.raises(ValueError, match="occurs more than once"):
        encoder.to_vectors(["same", "same"])
    with pytest.raises(ValueError, match="2 texts but 1 keys"):
        encoder.to_vectors(["a", "b"], keys=["k"])


def test_from_config_rebuilds_the_same_encoder(minilm_encoders, onnx_cache):
    encoder = minilm_encoders["onnx"]
    again = Encoder.from_config(encoder.config(), cache_dir=onnx_cache, threads=1)
    assert again.config() == encoder.config()
    np.testing.assert_allclose(again.encode(SENTENCES[:2]), encoder.encode(SENTENCES[:2]),
                               atol=1e-6)
    with pytest.raises(ValueError, match="needs a dict"):
        Encoder.from_config({"pooling": "mean"})


@pytest.mark.parametrize(("texts", "message"), [
    ("one string", "must be a list of strings or token lists"),
    ([["fine", 3]], "holds the token 3"),
    ([7], "text 0 is a int"),
])
def test_bad_word_lists_are_refused(minilm_encoders, texts, message):
    with pytest.raises(TypeError, match=message):
        minilm_encoders["torch"].encode_tokens(texts)
