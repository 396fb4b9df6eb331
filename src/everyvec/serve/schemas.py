"""The server's request and response bodies as pydantic models (they make the OpenAPI docs).

Response models are fixed. Request models depend on the collection served — its dimension —
and on the server's limits (``max_k``, ``max_batch``), so :func:`request_models` builds them
for one app; the generated OpenAPI schema then states the exact vector length and bounds.

(No ``from __future__ import annotations`` here: the models built inside
:func:`request_models` refer to local types, which pydantic must see as objects.)

Numbers in requests are strict: a vector component is a JSON number (not a string, not
``true``), finite, and within float32 range; :mod:`everyvec.serve.strict_json` has already
refused ``NaN``/``Infinity`` literals before pydantic sees the body.
"""

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    WithJsonSchema,
    model_validator,
)

__all__ = [
    "AnalogyQuery",
    "AnalogyResponse",
    "BatchSearchResponse",
    "DeleteResponse",
    "EncodeResponse",
    "ErrorBody",
    "ErrorResponse",
    "Health",
    "MapResponse",
    "Match",
    "RequestModels",
    "SearchResponse",
    "SimilarResponse",
    "UpsertResponse",
    "VectorResponse",
    "request_models",
]

#: The largest magnitude a float32 holds; bigger numbers would become infinity.
FLOAT32_MAX = 3.4028234e38

FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-FLOAT32_MAX,
                                     le=FLOAT32_MAX)]
Key = Annotated[str, Field(min_length=1, description="A key of the collection.")]
_SCALAR_SCHEMA = {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
                           {"type": "null"}]}


def _check_filter(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # One clear sentence instead of pydantic's error per branch of a union type.
    for field, allowed in (value or {}).items():
        for item in allowed if isinstance(allowed, list) else [allowed]:
            if not (item is None or isinstance(item, (str, bool, int))
                    or (isinstance(item, float) and math.isfinite(item))):
                raise ValueError(f"filter field {field!r} must be a string, number, boolean or "
                                 f"null, or a list of those; got {allowed!r}")
    return value


Filter = Annotated[
    dict[str, Any] | None,
    AfterValidator(_check_filter),
    WithJsonSchema({"anyOf": [{"type": "object", "additionalProperties": {
        "anyOf": [_SCALAR_SCHEMA, {"type": "array", "items": _SCALAR_SCHEMA}]}},
        {"type": "null"}]}),
    Field(description="Metadata filter: field -> value, or field -> list of allowed values.",
          examples=[{"lang": "en"}]),
]


# ---------------------------------------------------------------------------- responses
class Match(BaseModel):
    """One search result."""

    key: str
    score: float = Field(description="Cosine similarity or inner product (higher is closer), "
                                     "or euclidean distance (lower is closer); null only when "
                                     "it overflows float32.")


class Health(BaseModel):
    """What the server serves."""

    status: Literal["ok"]
    count: int
    dim: int
    metric: str
    index: str
    writable: bool
    encoder: str | None


class SimilarResponse(BaseModel):
    key: str
    matches: list[Match]


class AnalogyQuery(BaseModel):
    positive: list[str]
    negative: list[str]


class AnalogyResponse(BaseModel):
    query: AnalogyQuery
    matches: list[Match]


class VectorResponse(BaseModel):
    key: str
    vector: list[float]
    metadata: dict[str, Any]


class SearchResponse(BaseModel):
    """The matches of one query vector."""

    matches: list[Match]


class BatchSearchResponse(BaseModel):
    """The matches of each query vector, in order."""

    results: list[SearchResponse]


class EncodeResponse(BaseModel):
    vectors: list[list[float]]


class UpsertResponse(BaseModel):
    upserted: int = Field(description="Items written; they are durable when this arrives.")


class DeleteResponse(BaseModel):
    deleted: int = Field(description="Keys removed (unknown keys are not counted).")


class MapResponse(BaseModel):
    method: str
    keys: list[str]
    x: list[float]
    y: list[float]


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The shape of every error."""

    error: ErrorBody


# ---------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class RequestModels:
    """The request models of one app (see :func:`request_models`)."""

    Search: type[BaseModel]
    Analogy: type[BaseModel]
    Encode: type[BaseModel]
    Upsert: type[BaseModel]
    Delete: type[BaseModel]


class _Strict(BaseModel):
    # An unknown field is most often a typo ("vectr"): say so instead of ignoring it.
    model_config = ConfigDict(extra="forbid")


def request_models(*, dim: int, max_k: int, max_batch: int) -> RequestModels:
    """Build the request models for a collection of dimension ``dim`` and the given limits."""

    def right_length(vector: list[float]) -> list[float]:
        if len(vector) != dim:
            raise ValueError(f"a vector must have {dim} numbers (the collection's dimension), "
                             f"not {len(vector)}")
        return vector

    Vector = Annotated[  # noqa: N806 - a type alias
        list[FiniteFloat], AfterValidator(right_length),
        Field(json_schema_extra={"minItems": dim, "maxItems": dim},
              description=f"{dim} finite numbers.")]
    K = Annotated[int, Field(ge=1, le=max_k, description="How many matches to return.")]  # noqa: N806

    class SearchRequest(_Strict):
        """Nearest keys of one vector, several vectors, or a text (with an encoder)."""

        vector: Vector | None = None
        vectors: Annotated[list[Vector], Field(min_length=1, max_length=max_batch)] | None = None
        text: Annotated[str, Field(description="Encoded by the server's encoder.")] | None = None
        k: K = 10
        filter: Filter = None

        @model_validator(mode="after")
        def _one_query(self) -> Self:
            given = [name for name in ("vector", "vectors", "text")
                     if getattr(self, name) is not None]
            if len(given) != 1:
                raise ValueError("give exactly one of 'vector', 'vectors' or 'text'; got "
                                 + (", ".join(repr(g) for g in given) or "none"))
            return self

    class AnalogyRequest(_Strict):
        """``sum(positive) - sum(negative)``: king - man + woman is positive [king, woman],
        negative [man]."""

        positive: Annotated[list[Key], Field(min_length=1, max_length=max_batch)]
        negative: Annotated[list[Key], Field(max_length=max_batch)] = []
        k: K = 10
        filter: Filter = None

    class EncodeRequest(_Strict):
        texts: Annotated[list[str], Field(min_length=1, max_length=max_batch)]

    class UpsertItem(_Strict):
        key: Key
        vector: Vector
        metadata: Annotated[dict[str, JsonValue] | None, Field(
            description="Replaces the key's metadata. When no item of a request has metadata, "
                        "keys already present keep theirs; otherwise an item without it gets "
                        "{}.")] = None

    class UpsertRequest(_Strict):
        items: Annotated[list[UpsertItem], Field(min_length=1, max_length=max_batch)]

    class DeleteRequest(_Strict):
        keys: Annotated[list[Key], Field(min_length=1, max_length=max_batch)]

    return RequestModels(SearchRequest, AnalogyRequest, EncodeRequest, UpsertRequest,
                         DeleteRequest)
