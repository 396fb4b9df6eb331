"""Property-based fuzzing of every route from the app's own OpenAPI schema: no 5xx, ever.

Schemathesis turns each operation of the schema into a Hypothesis strategy: requests that fit
the schema (positive) and requests that break it (negative). Whatever is sent, the server must
answer with a success or a 4xx in the house error shape, never a server error.

(``schemathesis.pytest.from_fixture`` would be the usual wiring, but its lazy loader touches a
pytest attribute that pytest 9 removed; ``APIOperation.as_strategy`` with ``@given`` needs no
plugin.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from tests.serve.conftest import AUTH, KEY, build_collection, open_collection  # noqa: E402

from everyvec.serve import create_app  # noqa: E402

OPERATIONS = [("GET", "/health"), ("GET", "/similar"), ("GET", "/analogy"),
              ("POST", "/analogy"), ("GET", "/vectors/{key}"), ("POST", "/search"),
              ("POST", "/encode"), ("POST", "/upsert"), ("POST", "/delete"), ("GET", "/map")]


@pytest.mark.parametrize("method, path", OPERATIONS)
def test_no_server_errors(tmp_path: Path, method: str, path: str) -> None:
    collection = open_collection(build_collection(tmp_path / "toy"), writable=True)
    app = create_app(collection, api_key=KEY, encoder="mean", writable=True, max_k=50,
                     max_batch=20, max_body=64 * 1024)
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    # UMAP's first call compiles numba code for many seconds: fuzz the map with PCA only.
    fixed = {"query": {"method": "pca"}} if path == "/map" else {}
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE, **fixed),
                      operation.as_strategy(GenerationMode.NEGATIVE, **fixed))

    @given(case=cases)
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers=AUTH)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["status"] == response.status_code and error["message"]

    try:
        check()
    finally:
        collection.close()
