"""API keys, the body-size limit, strict JSON and the wording of validation errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.serve.conftest import AUTH, DIM, KEY, assert_error

from everyvec.serve.errors import BodySizeLimit, describe_validation_errors, error_body
from everyvec.serve.strict_json import loads

PROTECTED = [("GET", "/similar?key=king"), ("GET", "/analogy?a=king&b=man&c=woman"),
             ("POST", "/analogy"), ("GET", "/vectors/king"), ("POST", "/search"),
             ("POST", "/encode"), ("POST", "/upsert"), ("POST", "/delete"), ("GET", "/map")]


# ---------------------------------------------------------------------------- auth
@pytest.fixture()
def locked(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(api_key=KEY, writable=True, encoder="mean")


@pytest.mark.parametrize("method, url", PROTECTED)
def test_every_api_route_needs_the_key(locked: TestClient, method: str, url: str) -> None:
    response = locked.request(method, url, json={})
    assert_error(response, 401, "unauthorized", "no API key", "X-API-Key")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(locked.request(method, url, json={}, headers={"X-API-Key": "wrong"}),
                 401, "unauthorized", "wrong")


def test_the_key_opens_the_routes(locked: TestClient) -> None:
    assert locked.get("/similar?key=king", headers=AUTH).status_code == 200
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert locked.get("/similar?key=king", headers=bearer).status_code == 200
    # Validation happens after authentication: a bad body with the key is a 422.
    assert_error(locked.post("/search", json={}, headers=AUTH), 422, "validation_error")


@pytest.mark.parametrize("headers", [
    {"Authorization": f"Basic {KEY}"}, {"Authorization": "Bearer wrong"},
    {"x-api-key": KEY[:-1]}, {"X-API-Key": KEY + "x"}, {"X-API-Key": ""},
])
def test_near_misses_are_refused(locked: TestClient, headers: dict[str, str]) -> None:
    assert_error(locked.get("/similar?key=king", headers=headers), 401, "unauthorized")


def test_public_routes_need_no_key(locked: TestClient) -> None:
    assert locked.get("/health").status_code == 200
    assert locked.get("/").status_code == 200
    assert locked.get("/openapi.json").status_code == 200
    assert locked.get("/docs").status_code == 200


def test_openapi_declares_the_security_schemes(locked: TestClient) -> None:
    schema = locked.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"APIKeyHeader", "HTTPBearer"}
    assert "security" in schema["paths"]["/similar"]["get"]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_bad_api_key_arguments(make_client: Callable[..., TestClient]) -> None:
    with pytest.raises(ValueError, match="api_key"):
        make_client(api_key="")
    with pytest.raises(TypeError, match="encoder"):
        make_client(encoder=42)
    with pytest.raises(ValueError, match="max_k"):
        make_client(max_k=0)


# ---------------------------------------------------------------------------- body size
def test_declared_body_over_the_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body=200, writable=True)
    items = [{"key": f"k{i}", "vector": [0.5] * DIM} for i in range(20)]
    assert_error(client.post("/upsert", json={"items": items}), 413, "too_large", "200 bytes")
    assert client.get("/health").json()["count"] == 7  # nothing was written


def test_chunked_body_over_the_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body=200)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunk by chunk
        yield b'{"vectors": ['
        for _ in range(50):
            yield b"[1, 2, 3, 4, 5],"
        yield b"[1, 2, 3, 4, 5]]}"

    response = client.post("/search", content=chunks(),
                           headers={"content-type": "application/json"})
    assert_error(response, 413, "too_large")


def test_body_at_the_limit_is_fine(make_client: Callable[..., TestClient]) -> None:
    body = json.dumps({"vector": [1.0] * DIM}).encode()
    client = make_client(max_body=len(body))
    assert client.post("/search", content=body,
                       headers={"content-type": "application/json"}).status_code == 200


def test_limit_stops_reading_at_the_first_chunk_past_it() -> None:
    """At the ASGI level: the body is counted as it arrives and not read any further."""
    reads: list[int] = []
    sent: list[dict] = []

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        while (await receive()).get("more_body"):
            pass

    async def receive() -> dict:
        reads.append(1)
        return {"type": "http.request", "body": b"x" * 40, "more_body": len(reads) < 100}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(BodySizeLimit(app, max_body=100)(scope, receive, send))
    assert len(reads) == 3  # 120 bytes > 100: nothing read after that
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "too_large"


# ---------------------------------------------------------------------------- strict JSON
@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "[1e400]",
                                  "[-1e999]"])
def test_strict_json_refuses_non_finite_numbers(text: str) -> None:
    with pytest.raises(Exception, match="not a finite number") as info:
        loads(text)
    assert info.value.status_code == 422


def test_strict_json_reads_ordinary_json() -> None:
    assert loads('{"a": [1, 2.5, -3e2, null, true, "NaN"]}') == {
        "a": [1, 2.5, -300.0, None, True, "NaN"]}
    with pytest.raises(json.JSONDecodeError):
        loads("{oops")


def test_strict_json_huge_integer_and_bad_bytes() -> None:
    with pytest.raises(Exception, match="cannot be read") as info:
        loads("[" + "9" * 5000 + "]")
    assert info.value.status_code == 422
    with pytest.raises(Exception, match="UTF-8") as info:
        loads(b'{"a": "\xff\xfe"}')
    assert info.value.status_code == 400


# ---------------------------------------------------------------------------- messages
def test_validation_messages_name_the_place() -> None:
    errors = [
        {"loc": ("query", "k"), "type": "greater_than_equal", "input": "0",
         "msg": "Input should be greater than or equal to 1"},
        {"loc": ("body", "items", 2, "vector"), "type": "value_error", "input": [1],
         "msg": "Value error, a vector must have 5 numbers"},
        {"loc": ("body",), "type": "missing", "msg": "Field required"},
        {"loc": ("body", "k"), "type": "int_type", "input": "x", "msg": "Input should be int"},
    ]
    message = describe_validation_errors(errors)
    assert "query parameter 'k': Input should be greater than or equal to 1; got 0" in message
    assert "body field 'items[2].vector': a vector must have 5 numbers" in message
    assert "the request needs a JSON body" in message
    assert "1 more" in message


def test_error_body_shape() -> None:
    assert error_body(404, "unknown_key", "m") == {
        "error": {"status": 404, "code": "unknown_key", "message": "m"}}


# ---------------------------------------------------------------------------- bugs
def test_a_bug_is_a_500_in_the_house_shape(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    service = client.app.state.service

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    service.collection = type("Broken", (), {"most_similar": broken})()
    # Tests see the exception itself (so bugs are not hidden) ...
    with pytest.raises(RuntimeError, match="a bug"):
        client.get("/similar?key=king")
    # ... while a client gets a JSON 500.
    quiet = TestClient(client.app, raise_server_exceptions=False)
    assert_error(quiet.get("/similar?key=king"), 500, "internal_error", "RuntimeError")
