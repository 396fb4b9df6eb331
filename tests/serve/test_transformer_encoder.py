"""Serving transformer vectors: /encode and /search?text= with the recorded encoder."""

from __future__ import annotations

import pytest

from everyvec.collection import Collection

pytest.importorskip("fastapi")

DOCS = ["A man is playing a guitar.", "The stock market fell sharply.",
        "A chef is chopping vegetables.", "Heavy rain flooded the streets."]


@pytest.fixture()
def client(minilm_encoders, cache_env):
    from fastapi.testclient import TestClient

    from everyvec.serve.app import create_app

    collection = Collection.from_vectors(minilm_encoders["onnx"].to_vectors(DOCS))
    with TestClient(create_app(collection, encoder="model")) as client:
        yield client


def test_search_by_text_in_the_query_string(client):
    body = client.get("/search", params={"text": "someone strumming music", "k": 2}).json()
    assert body["matches"][0]["key"] == DOCS[0]
    assert client.post("/search", json={"text": "shares dropped"}).json()["matches"][0][
        "key"] == DOCS[1]


def test_encode_route_returns_the_encoder_vectors(client, minilm_encoders):
    import numpy as np

    body = client.post("/encode", json={"texts": ["hello there"]}).json()
    np.testing.assert_allclose(body["vectors"], minilm_encoders["onnx"].encode(["hello there"]),
                               atol=1e-5)


def test_query_text_is_bounded(client):
    assert client.get("/search", params={"text": ""}).status_code == 422


def test_model_encoder_needs_recorded_provenance(cache_env):
    import numpy as np

    from everyvec import Vectors
    from everyvec.serve.app import create_app

    plain = Collection.from_vectors(Vectors(["a", "b"], np.eye(2, dtype=np.float32)))
    with pytest.raises(ValueError, match="not made by everyvec's Encoder"):
        create_app(plain, encoder="model")
    with pytest.raises(ValueError, match="384-dimensional .* 2-dimensional"):
        create_app(plain, encoder="all-MiniLM-L6-v2")
    with pytest.raises(ValueError, match="never downloads"):
        create_app(plain, encoder="no-such-encoder")
