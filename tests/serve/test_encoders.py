"""The mean text encoder and the encoder registry."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec import Vectors
from everyvec.serve.encoders import (
    EncodingError,
    MeanEncoder,
    encoder_name,
    make_encoder,
)


@pytest.fixture()
def vectors() -> Vectors:
    return Vectors(["paris", "France", "the", "don't"],
                   np.array([[1, 0], [0, 1], [1, 1], [2, 2]], dtype=np.float32))


def test_mean_of_known_words_with_case_fallback(vectors: Vectors) -> None:
    encoder = MeanEncoder(vectors)
    assert encoder.tokens("Paris, FRANCE and France!") == ["paris", "FRANCE", "and", "France"]
    out = encoder(["Paris is in France.", "The the THE", "don't"])
    assert out.dtype == np.float32 and out.shape == (3, 2)
    np.testing.assert_allclose(out[0], [0.5, 0.5])
    np.testing.assert_allclose(out[1], [1, 1])
    np.testing.assert_allclose(out[2], [2, 2])


def test_a_text_without_known_words_is_named(vectors: Vectors) -> None:
    with pytest.raises(EncodingError, match=r"text 1 \('nothing here'\).*2 texts") as info:
        MeanEncoder(vectors)(["paris", "nothing here", "?"])
    assert info.value.index == 1


def test_one_string_is_refused(vectors: Vectors) -> None:
    with pytest.raises(TypeError, match="list of texts"):
        MeanEncoder(vectors)("paris")


def test_custom_tokenizer(vectors: Vectors) -> None:
    encoder = MeanEncoder(vectors, tokenizer="whitespace")
    np.testing.assert_allclose(encoder(["paris, France"])[0], [0, 1])


class _Collection:
    def __init__(self, vectors: Vectors) -> None:
        self.vectors = vectors


def test_make_encoder(vectors: Vectors) -> None:
    encoder = make_encoder("mean", _Collection(vectors))
    assert isinstance(encoder, MeanEncoder) and encoder_name(encoder) == "mean"
    with pytest.raises(ValueError, match="'mean'"):
        make_encoder("bert", _Collection(vectors))


def test_encoder_names() -> None:
    def my_encoder(texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 2))

    class Thing:
        def __call__(self, texts: list[str]) -> np.ndarray:
            return my_encoder(texts)

    assert encoder_name(None) is None
    assert encoder_name(my_encoder) == "my_encoder"
    assert encoder_name(Thing()) == "Thing"
