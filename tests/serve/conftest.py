"""Fixtures of the server tests: a tiny collection whose answers are known, and clients."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from everyvec import Vectors  # noqa: E402
from everyvec.collection import Collection  # noqa: E402
from everyvec.serve import create_app  # noqa: E402

KEY = "s3cret"
AUTH = {"X-API-Key": KEY}

# A tiny space where the gender and royalty directions are exact, so answers are known.
AXES = {"royal": 0, "male": 1, "female": 2, "fruit": 3, "noise": 4}
WORDS = {
    "king": ({"royal": 1, "male": 1}, {"kind": "person", "royal": True}),
    "queen": ({"royal": 1, "female": 1}, {"kind": "person", "royal": True}),
    "man": ({"male": 1}, {"kind": "person", "royal": False}),
    "woman": ({"female": 1}, {"kind": "person", "royal": False}),
    "apple": ({"fruit": 1}, {"kind": "fruit"}),
    "pear": ({"fruit": 1, "noise": 0.2}, {"kind": "fruit"}),
    "prince": ({"royal": 0.8, "male": 1, "noise": 0.1}, {"kind": "person", "royal": True}),
}
DIM = len(AXES)


def toy_matrix() -> np.ndarray:
    matrix = np.zeros((len(WORDS), DIM), dtype=np.float32)
    for row, (parts, _) in enumerate(WORDS.values()):
        for axis, value in parts.items():
            matrix[row, AXES[axis]] = value
    return matrix


def build_collection(folder: Path) -> Path:
    """Save the toy collection (vectors + metadata) as a collection folder."""
    vectors = Vectors(list(WORDS), toy_matrix())
    metadata = [meta for _, meta in WORDS.values()]
    return Collection.from_vectors(vectors, metadata=metadata).save(folder)


def open_collection(folder: Path, writable: bool = False) -> Collection:
    return Collection.open(folder, writable=writable)


@pytest.fixture()
def collection_path(tmp_path: Path) -> Path:
    return build_collection(tmp_path / "toy")


@pytest.fixture()
def make_client(collection_path: Path) -> Callable[..., TestClient]:
    """``make_client(writable=False, **create_app_options)`` -> a TestClient."""
    opened: list[Any] = []

    def make(*, writable: bool = False, **options: Any) -> TestClient:
        collection = open_collection(collection_path, writable=writable)
        opened.append(collection)
        return TestClient(create_app(collection, writable=writable, **options))

    yield make
    for collection in opened:
        collection.close()


@pytest.fixture()
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A read-only client without an API key or encoder."""
    return make_client()


def assert_error(response: Any, status: int, code: str, *fragments: str) -> str:
    """The response is an error in the house shape; returns its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    for fragment in fragments:
        assert fragment in message, message
    return message
