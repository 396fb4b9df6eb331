"""The FastAPI app: the HTTP API over one collection, the explorer page and the OpenAPI docs.

:func:`create_app` wires :class:`~everyvec.serve.service.Service` (what each route does) to
routes with pydantic models (:mod:`everyvec.serve.schemas`), strict JSON parsing
(:mod:`everyvec.serve.strict_json`), the error shape, body-size limit and API key
(:mod:`everyvec.serve.errors`). Handlers that compute are plain ``def``: FastAPI runs them in
its thread pool, so one slow query does not hold up the event loop.

:func:`app_from_env` builds the same app from ``EVERYVEC_SERVE_*`` environment variables; it is
the factory ``everyvec serve --workers N`` hands to uvicorn, which starts N processes that each
open the collection memory-mapped (their pages of the vectors file are shared).

(No ``from __future__ import annotations``: the routes' annotations name request models built
inside :func:`create_app`, which FastAPI must see as objects.)
"""

import importlib.resources
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio.to_thread
import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter, ValidationError

from everyvec import __version__
from everyvec._checks import check_bool, check_int
from everyvec.serve import schemas
from everyvec.serve.encoders import Encoder, make_encoder
from everyvec.serve.errors import (
    ApiError,
    BodySizeLimit,
    api_key_dependency,
    describe_validation_errors,
    install_error_handlers,
)
from everyvec.serve.service import MAP_LIMITS, Pair, Service
from everyvec.serve.strict_json import StrictJSONRoute, loads

__all__ = ["ENV", "app_from_env", "create_app"]

#: Environment variables read by :func:`app_from_env` (set by ``everyvec serve``).
ENV = {
    "path": "EVERYVEC_SERVE_PATH",
    "api_key": "EVERYVEC_API_KEY",
    "encoder": "EVERYVEC_SERVE_ENCODER",
    "writable": "EVERYVEC_SERVE_WRITABLE",
    "max_k": "EVERYVEC_SERVE_MAX_K",
    "max_body": "EVERYVEC_SERVE_MAX_BODY",
    "max_batch": "EVERYVEC_SERVE_MAX_BATCH",
    "threads": "EVERYVEC_SERVE_THREADS",
}

#: Threads running the plain ``def`` handlers (``EVERYVEC_SERVE_THREADS`` overrides).
THREADS = 4

_OWNER = "create_app"
_FILTER = TypeAdapter(schemas.Filter)
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": schemas.ErrorResponse, "description": description}
    for status, description in ((400, "Bad request (e.g. a bad filter)"),
                                (401, "Missing or wrong API key"),
                                (404, "Unknown key, or no encoder configured"),
                                (413, "Request body too large"),
                                (422, "Invalid parameters or body"))
}
_WRITE_ERRORS = {**_ERRORS, 403: {"model": schemas.ErrorResponse,
                                  "description": "The server is read-only"}}

_DESCRIPTION = """Nearest neighbours, analogies, vectors and (optionally) writes over one everyvec
collection.

Every error is `{"error": {"status": 4xx, "code": "...", "message": "..."}}`. When the server
has an API key, every route but `/health`, `/`, `/static/*`, `/docs` and `/openapi.json` needs
the header `X-API-Key: KEY` (or `Authorization: Bearer KEY`)."""

_NO_EXPLORER = """<!doctype html><html lang="en"><meta charset="utf-8">
<title>everyvec server</title><h1>everyvec server</h1>
<p>The explorer page is not installed with this copy of everyvec. The API is described at
<a href="docs">/docs</a>.</p></html>"""


def static_dir() -> Path:
    """The folder of the explorer page (``everyvec/serve/static``); it may not exist."""
    return Path(str(importlib.resources.files("everyvec.serve") / "static"))


def create_app(
    collection: Any,
    *,
    api_key: str | None = None,
    encoder: str | Encoder | None = None,
    writable: bool = False,
    max_k: int = 1000,
    max_body: int = 1 << 20,
    max_batch: int = 1000,
) -> FastAPI:
    """Build the HTTP app serving ``collection``.

    Parameters
    ----------
    collection
        An open :class:`everyvec.Collection`, or the path of one (or of any vectors file) to
        open memory-mapped; an app that opened the collection closes it at shutdown.
    api_key
        When given, every route but ``/health``, the explorer and the docs needs it (header
        ``X-API-Key`` or ``Authorization: Bearer``).
    encoder
        ``None``, ``"mean"`` (average of the served word vectors) or any callable
        ``list[str] -> (n, dim)`` array; enables ``/encode`` and ``/search`` by ``text``.
    writable
        Allow ``/upsert`` and ``/delete`` (the collection must be open for writing).
    max_k
        The largest ``k`` a query may ask for.
    max_body
        The largest request body, in bytes (413 beyond).
    max_batch
        The most vectors, texts, items or keys in one request.

    Returns
    -------
    fastapi.FastAPI
        The app; its :class:`~everyvec.serve.service.Service` is ``app.state.service``.
    """
    writable = check_bool(writable, "writable", _OWNER)
    max_k = check_int(max_k, "max_k", _OWNER, minimum=1)
    max_body = check_int(max_body, "max_body", _OWNER, minimum=1)
    max_batch = check_int(max_batch, "max_batch", _OWNER, minimum=1)
    if api_key is not None and (not isinstance(api_key, str) or not api_key):
        raise ValueError(f"The 'api_key' parameter of {_OWNER} must be a non-empty str or "
                         f"None. Got {api_key!r}.")
    if encoder is not None and not isinstance(encoder, str) and not callable(encoder):
        raise TypeError(f"The 'encoder' parameter of {_OWNER} must be None, 'mean' or a "
                        f"callable list[str] -> array. Got {encoder!r}.")
    owns = isinstance(collection, (str, os.PathLike))
    if owns:
        from everyvec.collection import Collection

        collection = Collection.open(collection, writable=writable)
    elif writable and getattr(collection, "writable", True) is False:
        raise ValueError(f"The 'writable' parameter of {_OWNER} is True but the collection "
                         "was opened read-only; open it with Collection.open(path, "
                         "writable=True)")
    try:
        if isinstance(encoder, str):
            encoder = make_encoder(encoder, collection)
        service = Service(collection, encoder=encoder, writable=writable)
    except BaseException:
        if owns:
            collection.close()
        raise

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The collection answers one call at a time (it holds a lock): AnyIO's default of 40
        # threads would only queue up on that lock and fight over the GIL.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = int(os.environ.get(ENV["threads"]) or THREADS)
        try:
            yield
        finally:
            if owns:
                collection.close()

    app = FastAPI(title="everyvec", version=__version__, description=_DESCRIPTION,
                  lifespan=lifespan)
    app.router.route_class = StrictJSONRoute
    app.state.service = service
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_body=max_body)
    auth = [Depends(api_key_dependency(api_key))] if api_key else []
    api = APIRouter(route_class=StrictJSONRoute, dependencies=auth, responses=_ERRORS)
    models = schemas.request_models(dim=service.dim, max_k=max_k, max_batch=max_batch)
    _add_query_routes(api, service, models, max_k, max_text=max_body)
    _add_write_routes(api, service, models)
    app.include_router(api)
    _add_public_routes(app, service)
    return app


def app_from_env() -> FastAPI:
    """The app described by the ``EVERYVEC_SERVE_*`` variables (see :data:`ENV`).

    This is the factory of ``everyvec serve --workers N``: uvicorn calls it once per worker.
    """
    env = os.environ
    path = env.get(ENV["path"])
    if not path:
        raise RuntimeError(f"{ENV['path']} is not set; start the server with `everyvec serve "
                           "PATH`, which sets it")

    def number(name: str, default: int) -> int:
        value = env.get(ENV[name])
        return int(value) if value else default

    return create_app(path, api_key=env.get(ENV["api_key"]) or None,
                      encoder=env.get(ENV["encoder"]) or None,
                      writable=env.get(ENV["writable"]) == "1",
                      max_k=number("max_k", 1000), max_body=number("max_body", 1 << 20),
                      max_batch=number("max_batch", 1000))


# ---------------------------------------------------------------------------- routes
def _matches(pairs: list[Pair]) -> list[dict[str, Any]]:
    return [{"key": key, "score": score} for key, score in pairs]


def _parse_filter(text: str | None) -> dict[str, Any] | None:
    """The ``filter`` query parameter: a JSON object such as ``{"lang": "en"}``."""
    if text is None or not text.strip():
        return None
    what = "query parameter 'filter'"
    try:
        value = loads(text, what)
    except ValueError as exc:  # a JSON syntax error
        raise ApiError(400, "bad_request", f"{what} must be a JSON object such as "
                       f"{{\"lang\": \"en\"}}; it is not valid JSON ({exc})") from None
    try:
        return _FILTER.validate_python(value)
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", "filter", *e["loc"])} for e in exc.errors()]
        raise ApiError(400, "bad_request",
                       f"{what} must be a JSON object of field -> value or list of values: "
                       + describe_validation_errors(errors)) from None


def _add_query_routes(api: APIRouter, service: Service, models: schemas.RequestModels,
                      max_k: int, *, max_text: int) -> None:
    SearchRequest, AnalogyRequest, EncodeRequest = (  # noqa: N806 - classes
        models.Search, models.Analogy, models.Encode)
    K = Annotated[int, Query(ge=1, le=max_k, description="How many matches to return.")]  # noqa: N806
    KeyQuery = Annotated[str, Query(min_length=1, description="A key of the collection.")]  # noqa: N806
    FilterQuery = Annotated[  # noqa: N806
        str | None, Query(description='Metadata filter as a JSON object, e.g. {"lang": "en"}.')]

    @api.get("/similar", response_model=schemas.SimilarResponse,
             summary="Nearest neighbours of a key")
    def similar(key: KeyQuery, k: K = 10, filter: FilterQuery = None) -> Any:
        pairs = service.similar(key, k, _parse_filter(filter))
        return {"key": key, "matches": _matches(pairs)}

    @api.get("/analogy", response_model=schemas.AnalogyResponse,
             summary="Analogy a - b + c (e.g. king - man + woman)")
    def analogy_get(a: KeyQuery, b: KeyQuery, c: KeyQuery, k: K = 10,
                    filter: FilterQuery = None) -> Any:
        pairs = service.analogy([a, c], [b], k, _parse_filter(filter))
        return {"query": {"positive": [a, c], "negative": [b]}, "matches": _matches(pairs)}

    @api.post("/analogy", response_model=schemas.AnalogyResponse,
              summary="Nearest keys of sum(positive) - sum(negative)")
    def analogy_post(body: AnalogyRequest) -> Any:  # type: ignore[valid-type]
        pairs = service.analogy(body.positive, body.negative, body.k, body.filter)
        return {"query": {"positive": body.positive, "negative": body.negative},
                "matches": _matches(pairs)}

    @api.get("/vectors/{key:path}", response_model=schemas.VectorResponse,
             summary="The vector and metadata of a key")
    def vector(key: str) -> Any:
        values, metadata = service.vector(key)
        return {"key": key, "vector": values, "metadata": metadata}

    @api.get("/search", response_model=schemas.SearchResponse,
             summary="Nearest keys of a text (needs an encoder)")
    def search_text(text: Annotated[str, Query(min_length=1, max_length=max_text,
                                               description="Encoded by the server's encoder.")],
                    k: K = 10, filter: FilterQuery = None) -> Any:
        results = service.search(service.encode([text]), k, _parse_filter(filter))
        return {"matches": _matches(results[0])}

    @api.post("/search", response_model=schemas.SearchResponse | schemas.BatchSearchResponse,
              summary="Nearest keys of one vector, several vectors, or a text")
    def search(body: SearchRequest) -> Any:  # type: ignore[valid-type]
        if body.text is not None:
            queries = service.encode([body.text])
        elif body.vector is not None:
            queries = np.asarray([body.vector], dtype=np.float32)
        else:
            queries = np.asarray(body.vectors, dtype=np.float32)
        results = service.search(queries, body.k, body.filter)
        if body.vectors is None:
            return {"matches": _matches(results[0])}
        return {"results": [{"matches": _matches(pairs)} for pairs in results]}

    @api.post("/encode", response_model=schemas.EncodeResponse,
              summary="Vectors of texts (needs an encoder)")
    def encode(body: EncodeRequest) -> Any:  # type: ignore[valid-type]
        return {"vectors": service.encode(body.texts).tolist()}

    methods = Literal["pca", "tsne", "umap"]

    @api.get("/map", response_model=schemas.MapResponse,
             summary="2-D coordinates of the first n keys (cached)")
    def map_(n: Annotated[int, Query(ge=1, le=MAP_LIMITS["pca"],
                                     description="How many keys, in row order.")] = 1000,
             method: Annotated[methods, Query(description="pca, tsne or umap (when "  # type: ignore[valid-type]
                                                          "installed).")] = "pca") -> Any:
        return service.map(n, method)


def _add_write_routes(api: APIRouter, service: Service, models: schemas.RequestModels) -> None:
    UpsertRequest, DeleteRequest = models.Upsert, models.Delete  # noqa: N806 - classes

    @api.post("/upsert", response_model=schemas.UpsertResponse, responses=_WRITE_ERRORS,
              summary="Add or replace items (durable when answered)")
    def upsert(body: UpsertRequest) -> Any:  # type: ignore[valid-type]
        keys = [item.key for item in body.items]
        vectors = np.asarray([item.vector for item in body.items], dtype=np.float32)
        metadata = [item.metadata for item in body.items]
        return {"upserted": service.upsert(keys, vectors, metadata)}

    @api.post("/delete", response_model=schemas.DeleteResponse, responses=_WRITE_ERRORS,
              summary="Remove keys")
    def delete(body: DeleteRequest) -> Any:  # type: ignore[valid-type]
        return {"deleted": service.delete(list(body.keys))}


def _add_public_routes(app: FastAPI, service: Service) -> None:
    @app.get("/health", response_model=schemas.Health, summary="What is served (no API key)")
    def health() -> Any:
        return service.health()

    folder = static_dir()

    @app.get("/", include_in_schema=False)
    def explorer() -> Response:
        page = folder / "index.html"
        if page.is_file():
            return FileResponse(page, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(_NO_EXPLORER)

    # check_dir=False: the page may be installed after the app is built (or not at all).
    app.mount("/static", StaticFiles(directory=folder, check_dir=False), name="static")
