"""Strict JSON in: request bodies and query strings may hold only finite numbers.

Python's ``json`` module accepts ``NaN``, ``Infinity`` and ``-Infinity`` literals (not JSON)
and reads ``1e999`` as infinity; a vector holding one would poison every score it touches.
:func:`loads` refuses all of them with a message naming the literal, and
:class:`StrictJSONRoute` makes FastAPI parse every request body with it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from everyvec.serve.errors import ApiError

__all__ = ["StrictJSONRoute", "loads"]


class _NotFinite(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__(literal)
        self.literal = literal


def _constant(literal: str) -> Any:
    raise _NotFinite(literal)


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotFinite(literal)
    return value


def loads(data: str | bytes, what: str = "the request body") -> Any:
    """Parse JSON, refusing non-finite numbers with :class:`ApiError` 422 naming ``what``.

    Syntax errors are left as ``json.JSONDecodeError`` (FastAPI reports those itself).
    """
    try:
        return json.loads(data, parse_constant=_constant, parse_float=_finite_float)
    except _NotFinite as exc:
        shown = exc.literal if len(exc.literal) <= 30 else exc.literal[:27] + "..."
        raise ApiError(422, "validation_error",
                       f"{what} contains {shown}, which is not a finite number; JSON allows "
                       "only finite numbers (NaN and Infinity are not JSON)") from None
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError:
        raise ApiError(400, "bad_request", f"{what} is not UTF-8 text") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise ApiError(422, "validation_error", f"{what} holds a number that cannot be "
                       f"read: {exc}") from None
    except RecursionError:
        raise ApiError(422, "validation_error", f"{what} is nested too deeply") from None


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An ``APIRoute`` whose requests parse their JSON body with :func:`loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict_handler
