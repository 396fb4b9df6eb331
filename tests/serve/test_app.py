"""Every route of the HTTP API: the happy path, and each way a request can be wrong."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tests.serve.conftest import DIM, WORDS, assert_error, toy_matrix

from everyvec.serve.service import MAP_LIMITS
from everyvec.viz.projection import available_methods

ROW = {key: row for row, key in enumerate(WORDS)}


def _keys(matches: list[dict]) -> list[str]:
    return [m["key"] for m in matches]


def _vector(key: str) -> list[float]:
    return toy_matrix()[ROW[key]].tolist()


# ---------------------------------------------------------------------------- health, pages
def test_health_describes_the_collection(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body == {"status": "ok", "count": len(WORDS), "dim": DIM, "metric": "cosine",
                    "index": "exact", "writable": False, "encoder": None}


def test_health_reports_encoder_and_writable(make_client: Callable[..., TestClient]) -> None:
    body = make_client(writable=True, encoder="mean").get("/health").json()
    assert body["writable"] is True and body["encoder"] == "mean"


def test_explorer_page_docs_and_schema_need_no_key(make_client: Callable[..., TestClient]
                                                   ) -> None:
    client = make_client(api_key="k")
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/similar", "/analogy", "/search", "/encode", "/upsert", "/delete", "/map",
            "/health", "/vectors/{key}"} <= set(schema["paths"])


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    assert_error(client.get("/nothing-here"), 404, "not_found", "/nothing-here")
    assert_error(client.post("/similar"), 405, "bad_request", "GET")


# ---------------------------------------------------------------------------- /similar
def test_similar_returns_neighbours_best_first_without_the_key(client: TestClient) -> None:
    body = client.get("/similar", params={"key": "king", "k": 3}).json()
    assert body["key"] == "king"
    assert _keys(body["matches"]) == ["prince", "man", "queen"]
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[1] == pytest.approx(1 / np.sqrt(2), abs=1e-5)


def test_similar_with_a_filter(client: TestClient) -> None:
    body = client.get("/similar", params={"key": "king", "filter": '{"kind": "fruit"}'}).json()
    assert set(_keys(body["matches"])) == {"apple", "pear"}
    body = client.get("/similar", params={"key": "king", "filter": '{"royal": [true]}'}).json()
    assert set(_keys(body["matches"])) == {"queen", "prince"}


@pytest.mark.parametrize("text", ["{kind", "[1, 2]", '{"kind": {"a": 1}}', '{"x": NaN}'])
def test_similar_refuses_a_bad_filter(client: TestClient, text: str) -> None:
    response = client.get("/similar", params={"key": "king", "filter": text})
    assert response.status_code in (400, 422)
    assert "filter" in response.json()["error"]["message"]


def test_similar_unknown_key_suggests_close_keys(client: TestClient) -> None:
    assert_error(client.get("/similar", params={"key": "kingg"}), 404, "unknown_key",
                 "'kingg'", "did you mean", "'king'")


@pytest.mark.parametrize("k", [0, -1, 6, "two"])
def test_k_must_be_between_one_and_max_k(make_client: Callable[..., TestClient], k: object
                                         ) -> None:
    client = make_client(max_k=5)
    assert_error(client.get("/similar", params={"key": "king", "k": k}), 422,
                 "validation_error", "'k'")
    assert_error(client.post("/search", json={"vector": _vector("king"), "k": k}), 422,
                 "validation_error", "'k'")


def test_k_at_the_limit_is_fine(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_k=5)
    assert len(client.get("/similar", params={"key": "king", "k": 5}).json()["matches"]) == 5


def test_missing_key_parameter(client: TestClient) -> None:
    assert_error(client.get("/similar"), 422, "validation_error", "'key'", "required")


# ---------------------------------------------------------------------------- /analogy
def test_analogy_get_is_a_minus_b_plus_c(client: TestClient) -> None:
    body = client.get("/analogy", params={"a": "king", "b": "man", "c": "woman",
                                          "k": 2}).json()
    assert body["query"] == {"positive": ["king", "woman"], "negative": ["man"]}
    assert _keys(body["matches"])[0] == "queen"


def test_analogy_post(client: TestClient) -> None:
    body = client.post("/analogy", json={"positive": ["king", "woman"], "negative": ["man"],
                                         "k": 1}).json()
    assert body["query"] == {"positive": ["king", "woman"], "negative": ["man"]}
    assert _keys(body["matches"]) == ["queen"] and body["matches"][0]["score"] > 0.9


def test_analogy_errors(client: TestClient) -> None:
    assert_error(client.get("/analogy", params={"a": "king", "b": "man", "c": "wman"}), 404,
                 "unknown_key", "'wman'", "'woman'")
    assert_error(client.get("/analogy", params={"a": "king", "b": "man"}), 422,
                 "validation_error", "'c'")
    assert_error(client.post("/analogy", json={"positive": []}), 422, "validation_error",
                 "positive")
    assert_error(client.post("/analogy", json={"positive": ["king"], "negatve": ["man"]}),
                 422, "validation_error", "negatve")


# ---------------------------------------------------------------------------- /vectors
def test_vector_and_metadata_of_a_key(client: TestClient) -> None:
    body = client.get("/vectors/queen").json()
    assert body["key"] == "queen"
    np.testing.assert_array_equal(body["vector"], _vector("queen"))
    assert body["metadata"] == WORDS["queen"][1]


def test_vector_of_an_unknown_key(client: TestClient) -> None:
    assert_error(client.get("/vectors/quen"), 404, "unknown_key", "'quen'", "'queen'")


def test_keys_with_slashes_and_spaces(make_client: Callable[..., TestClient]) -> None:
    client = make_client(writable=True)
    item = {"key": "AC/DC band", "vector": [1, 2, 3, 4, 5]}
    assert client.post("/upsert", json={"items": [item]}).json() == {"upserted": 1}
    assert client.get("/vectors/AC%2FDC%20band").json()["vector"] == [1, 2, 3, 4, 5]
    assert client.get("/vectors/AC/DC band").json()["key"] == "AC/DC band"


# ---------------------------------------------------------------------------- /search
def test_search_one_vector(client: TestClient) -> None:
    body = client.post("/search", json={"vector": _vector("queen"), "k": 2}).json()
    assert set(body) == {"matches"}
    assert body["matches"][0] == {"key": "queen", "score": pytest.approx(1.0, abs=1e-5)}
    assert len(body["matches"]) == 2


def test_search_several_vectors_with_a_filter(client: TestClient) -> None:
    body = client.post("/search", json={"vectors": [_vector("apple"), _vector("king")],
                                        "k": 3, "filter": {"kind": "person"}}).json()
    assert set(body) == {"results"} and len(body["results"]) == 2
    assert "apple" not in _keys(body["results"][0]["matches"])
    assert _keys(body["results"][1]["matches"])[0] == "king"


def test_search_with_integers_and_fewer_keys_than_k(client: TestClient) -> None:
    body = client.post("/search", json={"vector": [0, 0, 0, 1, 0], "k": 100}).json()
    assert len(body["matches"]) == len(WORDS)


@pytest.mark.parametrize("body, fragment", [
    ({"vector": [1.0, 2.0]}, f"{DIM} numbers"),
    ({"vectors": [[1.0] * DIM, [1.0] * (DIM + 1)]}, f"{DIM} numbers"),
    ({"vectors": []}, "vectors"),
    ({"vector": [1.0] * DIM, "vectors": [[1.0] * DIM]}, "exactly one"),
    ({"k": 3}, "exactly one"),
    ({"vector": ["1"] * DIM}, "valid number"),
    ({"vector": [True] * DIM}, "valid number"),
    ({"vector": [1e39] * DIM}, "less than or equal"),
    ({"vector": [1.0] * DIM, "filter": {"kind": {"nested": 1}}}, "filter"),
    ({"vector": [1.0] * DIM, "fliter": {"kind": "x"}}, "fliter"),
])
def test_search_refuses_bad_bodies(client: TestClient, body: dict, fragment: str) -> None:
    assert_error(client.post("/search", json=body), 422, "validation_error", fragment)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_search_refuses_non_finite_literals(client: TestClient, literal: str) -> None:
    text = '{"vector": [1, 2, 3, 4, ' + literal + ']}'
    message = assert_error(client.post("/search", content=text,
                                       headers={"content-type": "application/json"}),
                           422, "validation_error", "not a finite number")
    assert literal in message


def test_search_refuses_invalid_json_and_missing_body(client: TestClient) -> None:
    assert_error(client.post("/search", content="{not json",
                             headers={"content-type": "application/json"}),
                 422, "validation_error", "not valid JSON")
    assert_error(client.post("/search"), 422, "validation_error", "JSON body")


def test_search_batch_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_batch=2)
    assert_error(client.post("/search", json={"vectors": [[1.0] * DIM] * 3}), 422,
                 "validation_error", "at most 2")


def test_search_by_text_needs_an_encoder(client: TestClient) -> None:
    assert_error(client.post("/search", json={"text": "king"}), 404, "no_encoder",
                 "--encoder mean")


def test_search_by_text_with_the_mean_encoder(make_client: Callable[..., TestClient]) -> None:
    client = make_client(encoder="mean")
    body = client.post("/search", json={"text": "The King, and a QUEEN!", "k": 3}).json()
    assert set(_keys(body["matches"])) == {"king", "queen", "prince"}


# ---------------------------------------------------------------------------- /encode
def test_encode_without_an_encoder(client: TestClient) -> None:
    assert_error(client.post("/encode", json={"texts": ["king"]}), 404, "no_encoder")


def test_encode_mean(make_client: Callable[..., TestClient]) -> None:
    client = make_client(encoder="mean")
    body = client.post("/encode", json={"texts": ["king queen", "apple unknownword"]}).json()
    matrix = toy_matrix()
    np.testing.assert_allclose(body["vectors"][0], (matrix[ROW["king"]] + matrix[ROW["queen"]])
                               / 2, atol=1e-6)
    np.testing.assert_allclose(body["vectors"][1], matrix[ROW["apple"]], atol=1e-6)


def test_encode_names_a_text_without_known_words(make_client: Callable[..., TestClient]
                                                 ) -> None:
    client = make_client(encoder="mean")
    assert_error(client.post("/encode", json={"texts": ["king", "zzz qqq"]}), 422,
                 "validation_error", "text 1", "'zzz qqq'")
    assert_error(client.post("/encode", json={"texts": []}), 422, "validation_error", "texts")


def test_custom_encoder_callable(make_client: Callable[..., TestClient]) -> None:
    def ones(texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), DIM), dtype=np.float32)

    client = make_client(encoder=ones)
    assert client.get("/health").json()["encoder"] == "ones"
    assert client.post("/encode", json={"texts": ["x", "y"]}).json() == {
        "vectors": [[1.0] * DIM, [1.0] * DIM]}


# ---------------------------------------------------------------------------- writes
def test_writes_are_refused_when_read_only(client: TestClient) -> None:
    item = {"key": "plum", "vector": [0, 0, 0, 1, 0]}
    assert_error(client.post("/upsert", json={"items": [item]}), 403, "read_only",
                 "--writable")
    assert_error(client.post("/delete", json={"keys": ["apple"]}), 403, "read_only")
    assert client.get("/health").json()["count"] == len(WORDS)


def test_upsert_then_query_then_delete(make_client: Callable[..., TestClient]) -> None:
    client = make_client(writable=True)
    items = [{"key": "plum", "vector": [0, 0, 0, 1, 0.1], "metadata": {"kind": "fruit"}},
             {"key": "king", "vector": [1, 1, 0, 0, 0.5]}]
    assert client.post("/upsert", json={"items": items}).json() == {"upserted": 2}
    assert client.get("/health").json()["count"] == len(WORDS) + 1
    body = client.get("/vectors/plum").json()
    assert body["metadata"] == {"kind": "fruit"}
    np.testing.assert_allclose(body["vector"], [0, 0, 0, 1, 0.1], rtol=1e-6)
    np.testing.assert_allclose(client.get("/vectors/king").json()["vector"], [1, 1, 0, 0, 0.5])
    assert "plum" in _keys(client.get("/similar", params={"key": "apple", "k": 2})
                           .json()["matches"])
    assert client.post("/delete", json={"keys": ["plum", "nope"]}).json() == {"deleted": 1}
    assert_error(client.get("/vectors/plum"), 404, "unknown_key")


def test_upsert_errors(make_client: Callable[..., TestClient]) -> None:
    client = make_client(writable=True)
    vec = [1.0] * DIM
    assert_error(client.post("/upsert", json={"items": [{"key": "a", "vector": vec},
                                                        {"key": "a", "vector": vec}]}),
                 400, "bad_request", "'a'")
    assert_error(client.post("/upsert", json={"items": [{"key": "", "vector": vec}]}),
                 422, "validation_error", "key")
    assert_error(client.post("/upsert", json={"items": [{"key": "b", "vector": vec[:2]}]}),
                 422, "validation_error", f"{DIM} numbers")
    assert_error(client.post("/delete", json={"keys": []}), 422, "validation_error", "keys")


# ---------------------------------------------------------------------------- /map
def test_map_pca_is_cached(client: TestClient) -> None:
    first = client.get("/map", params={"n": 5}).json()
    assert first["method"] == "pca" and first["keys"] == list(WORDS)[:5]
    assert len(first["x"]) == len(first["y"]) == 5
    assert all(np.isfinite(first["x"])) and all(np.isfinite(first["y"]))
    service = client.app.state.service
    cached = dict(service._maps)
    assert client.get("/map", params={"n": 5}).json() == first
    assert service._maps == cached


def test_map_clamps_n_to_the_collection(client: TestClient) -> None:
    assert len(client.get("/map", params={"n": 1000}).json()["keys"]) == len(WORDS)


def test_map_is_recomputed_after_a_write(make_client: Callable[..., TestClient]) -> None:
    client = make_client(writable=True)
    before = client.get("/map", params={"n": 100}).json()
    client.post("/upsert", json={"items": [{"key": "plum", "vector": [0, 0, 0, 1, 0.3]}]})
    after = client.get("/map", params={"n": 100}).json()
    assert len(after["keys"]) == len(before["keys"]) + 1


def test_map_errors(client: TestClient) -> None:
    assert_error(client.get("/map", params={"method": "lda"}), 422, "validation_error",
                 "'method'")
    assert_error(client.get("/map", params={"n": MAP_LIMITS["pca"] + 1}), 422,
                 "validation_error", "'n'")
    assert_error(client.get("/map", params={"n": 0}), 422, "validation_error", "'n'")
    assert_error(client.get("/map", params={"n": 2}), 400, "bad_request", "at least 3")
    if "umap" not in available_methods():
        assert_error(client.get("/map", params={"method": "umap"}), 400, "bad_request",
                     "not available")


@pytest.mark.skipif("tsne" not in available_methods(), reason="scikit-learn not installed")
def test_map_tsne(client: TestClient) -> None:
    body = client.get("/map", params={"n": 7, "method": "tsne"}).json()
    assert body["method"] == "tsne" and len(body["x"]) == 7
    assert_error(client.get("/map", params={"n": MAP_LIMITS["tsne"] + 1, "method": "tsne"}),
                 422, "validation_error", "at most")


# ---------------------------------------------------------------------------- the schema
def test_openapi_states_the_dimension_and_limits(make_client: Callable[..., TestClient]
                                                 ) -> None:
    schema = make_client(max_k=7, max_batch=3).get("/openapi.json").json()
    text = json.dumps(schema)
    assert f'"minItems": {DIM}, "type": "array"' in text or f'"minItems": {DIM}' in text
    k = next(p for p in schema["paths"]["/similar"]["get"]["parameters"] if p["name"] == "k")
    assert k["schema"]["maximum"] == 7 and k["schema"]["minimum"] == 1
    responses = schema["paths"]["/search"]["post"]["responses"]
    assert {"200", "400", "401", "404", "413", "422"} <= set(responses)
