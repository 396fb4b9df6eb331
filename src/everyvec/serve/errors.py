"""What the server says when something is wrong: one JSON shape for every error.

Every error response is ``{"error": {"status": 4xx, "code": "...", "message": "..."}}`` where
``code`` is one of :data:`CODES` and ``message`` is a sentence naming the parameter and what was
expected. This module holds the shape (:class:`ApiError`, :func:`error_response`), the
exception handlers that turn FastAPI's and Starlette's errors into it, the translation of the
collection's own errors (:func:`collection_errors`), the request body-size limit (an ASGI
middleware that counts bytes as they arrive, so a chunked upload without ``Content-Length`` is
stopped too) and the API-key check (constant-time comparison).

Unexpected exceptions (bugs) are not translated: they reach Starlette's server-error
middleware, which answers 500 ``internal_error`` and re-raises them (so tests see them).
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from everyvec.errors import MissingKeyError

__all__ = [
    "CODES",
    "ApiError",
    "BodySizeLimit",
    "api_key_dependency",
    "collection_errors",
    "error_response",
    "install_error_handlers",
]

#: Every ``code`` an error response may carry.
CODES = ("unknown_key", "bad_request", "unauthorized", "too_large", "not_found",
         "validation_error", "read_only", "no_encoder", "internal_error")

# The code of an HTTP error raised by the framework itself (404 for an unknown route, …).
_CODE_OF_STATUS = {400: "bad_request", 401: "unauthorized", 403: "read_only",
                   404: "not_found", 413: "too_large", 422: "validation_error"}


class ApiError(HTTPException):
    """An error the server answers on purpose, with its status, code and message.

    It derives from Starlette's ``HTTPException`` so that FastAPI lets it through even while
    reading the request body.
    """

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {"error": {"status": status, "code": code, "message": message}}


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """An error response in the house shape."""
    return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)


@contextlib.contextmanager
def collection_errors(status: int = 400, code: str = "bad_request") -> Iterator[None]:
    """Translate the errors a collection (or an encoder) raises about its input.

    An unknown key becomes 404 ``unknown_key`` (its message carries the suggestions);
    ``ValueError`` and ``TypeError`` become ``status``/``code``. Wrap only the call into the
    library, so that a bug in the server itself still surfaces as a 500.
    """
    try:
        yield
    except MissingKeyError as exc:
        raise ApiError(404, "unknown_key", str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise ApiError(status, code, str(exc)) from None


# ---------------------------------------------------------------------------- handlers
def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One sentence from pydantic's error list: where, what was expected and what came."""
    parts = []
    for error in errors[:3]:
        parts.append(_describe_one(error))
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more problems")
    return "; ".join(parts) or "the request is not valid"


def _describe_one(error: Any) -> str:
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        where = loc[1] if len(loc) > 1 else "?"
        return f"the request body is not valid JSON ({reason} at character {where})"
    where = _where(loc)
    if kind == "missing":
        return f"{where} is required" if loc[1:] else "the request needs a JSON body"
    text = f"{where}: {message}"
    given = error.get("input")
    if kind not in ("extra_forbidden",) and isinstance(given, (int, float, str, bool)) \
            and len(repr(given)) <= 60:
        # Query and path parameters arrive as text: show them as they were written.
        raw = isinstance(given, str) and loc[:1] in (("query",), ("path",), ("header",))
        text += f"; got {given}" if raw else f"; got {given!r}"
    return text


def _where(loc: tuple[Any, ...]) -> str:
    place = {"query": "query parameter", "path": "path parameter", "header": "header",
             "body": "body field"}.get(str(loc[0]) if loc else "", "field")
    rest = loc[1:]
    if not rest:
        return "the request body" if loc and loc[0] == "body" else place
    name = ""
    for part in rest:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return f"{place} {name!r}"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "validation_error", describe_validation_errors(exc.errors()))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if isinstance(exc, ApiError):
        return error_response(status, exc.code, exc.message, exc.headers)
    code = _CODE_OF_STATUS.get(status, "bad_request")
    if status == 404:
        message = (f"there is no route {request.method} {request.url.path}; "
                   "see /docs for the API")
    elif status == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = (f"{request.url.path} does not accept {request.method}"
                   + (f"; it accepts {allowed}" if allowed else ""))
    else:
        message = str(exc.detail)
    return error_response(status, code, message, exc.headers)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises the exception after sending this (logged, and seen by tests).
    return error_response(500, "internal_error",
                          f"internal server error ({type(exc).__name__}); see the server log")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the house JSON shape."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)


# ---------------------------------------------------------------------------- body size
class BodyTooLarge(ApiError):
    """The request body passed the limit (raised from ``receive`` while it streams in)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "too_large",
                         f"the request body is larger than the server's limit of {limit:,} "
                         "bytes; send fewer items per request")


class BodySizeLimit:
    """ASGI middleware refusing request bodies over ``max_body`` bytes with 413 ``too_large``.

    A declared ``Content-Length`` over the limit is refused before anything is read; otherwise
    the bytes are counted as they arrive (chunked bodies included) and reading stops at the
    first byte past the limit.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            # Normally FastAPI's handler has answered already; this covers apps that do not.
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLarge(self.max_body)
        response = error_response(413, error.code, error.message, {"Connection": "close"})
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------------------- auth
_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                       description="The server's API key (or send `Authorization: Bearer KEY`).")
_BEARER = HTTPBearer(auto_error=False, description="The server's API key as a bearer token.")


def api_key_dependency(api_key: str) -> Callable[..., None]:
    """A FastAPI dependency that lets a request through only with the right key.

    The key may come as ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``; it is compared in
    constant time (``hmac.compare_digest``), so response timing does not leak it.
    """
    expected = api_key.encode("utf-8")

    def check_api_key(
        header: Annotated[str | None, Security(_HEADER)] = None,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
    ) -> None:
        given = header if header is not None else (bearer.credentials if bearer else None)
        # Header values arrive as latin-1 text; surrogateescape keeps odd bytes comparable.
        if given is None or not hmac.compare_digest(
                given.encode("utf-8", "surrogateescape"), expected):
            reason = "no API key was sent" if given is None else "the API key is wrong"
            raise ApiError(401, "unauthorized",
                           f"{reason}; send the server's key as header 'X-API-Key: KEY' or "
                           "'Authorization: Bearer KEY'",
                           headers={"WWW-Authenticate": "Bearer"})

    return check_api_key
