"""The Milvus backend: one class over pymilvus ``MilvusClient``, for a Lite file or a server.

``uri`` picks the target: a path ending in ``.db`` is an embedded Milvus Lite store (a folder
on disk, served in-process), ``http://host:19530`` a Milvus server or cluster (``token`` for
auth). The code path is the same for both.

A collection holds one VARCHAR primary key ``"key"`` and one FLOAT_VECTOR ``"vector"``.
Metrics: cosine and dot are Milvus ``IP`` (cosine on the unit vectors the base class
prepares, so a zero vector scores 0 instead of NaN), euclidean is ``L2``, whose distances
Milvus returns squared, as the base class expects. The everyvec metric is written into the
collection's properties (``everyvec.metric``), because ``IP`` alone cannot tell cosine from
dot; a foreign collection without it opens with the metric its index implies (``COSINE`` ->
cosine, ``IP`` -> dot, ``L2`` -> euclidean). Reads and writes use "Strong" consistency, so a
write is visible to the next call.

Simplifications and limits:

* Saving writes a *pointer*, not data: the header records ``uri`` (a Lite path made
  absolute), ``collection``, ``index_type`` and the tuning parameters; loading reconnects.
  The token is never saved (nor shown in the spec string or repr): pass it to
  :meth:`MilvusIndex.load` or set ``EVERYVEC_MILVUS_TOKEN``.
* Keys are at most 512 UTF-8 bytes in a new collection (the ``max_length`` of an existing
  one is honoured); longer keys raise ``ValueError``.
* A filter becomes a ``key in [...]`` expression; allow-lists longer than
  :data:`FILTER_CHUNK` keys are searched chunk by chunk and the top ``k`` merged, which costs
  one search per chunk. ``k`` may exceed :data:`MAX_TOPK` (Milvus's limit) only when the
  collection is that small.
* Build parameters (``M``, ``nlist``) apply when the collection is created; an existing
  collection keeps its index, and asking for a different ``index_type`` is an error.
* Clients are shared per (uri, token) within a process; :meth:`MilvusIndex.close` drops one
  reference and closes the client with the last one.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from everyvec._optional import require
from everyvec.errors import EveryvecError, FormatError
from everyvec.index.base import HEADER, Index, check_keys, read_header

__all__ = ["MilvusIndex", "MilvusConnectionError", "quote_key", "TOKEN_ENV"]

#: Environment variable read for the token when none is passed.
TOKEN_ENV = "EVERYVEC_MILVUS_TOKEN"
#: ``max_length`` (UTF-8 bytes) of the key field in a collection this module creates.
KEY_MAX_BYTES = 512
#: Keys per ``key in [...]`` expression (filters, presence checks, deletes).
FILTER_CHUNK = 4096
#: Rows per insert call at most; fewer for wide vectors (about 8 MiB of floats a call).
INSERT_BATCH = 5000
#: Queries per search call.
QUERY_BATCH = 1024
#: The largest ``limit`` Milvus accepts in one search.
MAX_TOPK = 16384
#: Collection property that records the everyvec metric.
METRIC_PROPERTY = "everyvec.metric"

INDEX_TYPES = ("AUTOINDEX", "FLAT", "IVF_FLAT", "HNSW")
_MILVUS_METRIC = {"cosine": "IP", "dot": "IP", "euclidean": "L2"}
_IMPLIED_METRIC = {"COSINE": "cosine", "IP": "dot", "L2": "euclidean"}
_ACCEPTED_METRICS = {"cosine": ("IP", "COSINE"), "dot": ("IP",), "euclidean": ("L2",)}
# Which tuning parameter belongs to which index type, and its default.
_TUNING = {"M": ("HNSW", 16), "ef": ("HNSW", 64), "nlist": ("IVF_FLAT", 128),
           "nprobe": ("IVF_FLAT", 16)}
_EF_CONSTRUCTION = 200
_COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}\Z")
_SCHEMES = ("http://", "https://", "tcp://", "unix:")
# Escapes understood by both Milvus's expression grammar and Milvus Lite's tokenizer
# (Lite knows no \u or \x); every other character may appear as itself.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})

_clients: dict[tuple[str, str], list[Any]] = {}  # (uri, token) -> [MilvusClient, references]
_clients_lock = threading.Lock()


class MilvusConnectionError(EveryvecError, ConnectionError):
    """Milvus at the given URI cannot be reached or opened."""


def quote_key(key: str) -> str:
    """``key`` as a double-quoted string literal of a Milvus filter expression.

    >>> print(quote_key('say "hi"\\\\'))
    "say \\"hi\\"\\\\"
    """
    return '"' + key.translate(_ESCAPES) + '"'


def _in_expression(keys: Iterable[str]) -> str:
    return "key in [" + ",".join(quote_key(key) for key in keys) + "]"


def _utf8_size(key: str) -> int | None:
    """Bytes of ``key`` in UTF-8, or None when it holds lone surrogates (not storable)."""
    try:
        return len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _normalize_uri(uri: Any) -> str:
    """Check ``uri``; return a Milvus Lite path made absolute, or a server URI unchanged."""
    owner = "MilvusIndex"
    if uri is None:
        raise ValueError(f"The 'uri' parameter of {owner} is required: a Milvus Lite file "
                         "such as 'vectors.db' or a server such as 'http://localhost:19530' "
                         "(spec 'milvus:uri=vectors.db').")
    if not isinstance(uri, str) or not uri.strip():
        raise TypeError(f"The 'uri' parameter of {owner} must be a non-empty str. "
                        f"Got {uri!r}.")
    uri = uri.strip()
    if uri.lower().startswith(_SCHEMES):
        if "@" in urlsplit(uri).netloc:  # the URI is saved and shown; credentials are not
            raise ValueError(f"The 'uri' parameter of {owner} must not hold credentials; "
                             f"pass them as 'token' or set {TOKEN_ENV}.")
        return uri
    if not uri.endswith(".db"):
        raise ValueError(f"The 'uri' parameter of {owner} must be a Milvus Lite file ending "
                         f"in '.db' or a server URI starting with http://, https://, tcp:// "
                         f"or unix:. Got {uri!r}.")
    path = Path(uri).expanduser().absolute()
    if not path.parent.is_dir():
        raise ValueError(f"The 'uri' parameter of {owner} names a Milvus Lite file in "
                         f"{str(path.parent)!r}, which is not a folder. Got {uri!r}.")
    return str(path)


def _acquire_client(uri: str, token: str | None) -> Any:
    """The shared client of (uri, token), opened on first use."""
    pymilvus = require("pymilvus", "the 'milvus' index")
    key = (uri, token or "")
    with _clients_lock:
        entry = _clients.get(key)
        if entry is None:
            try:
                client = pymilvus.MilvusClient(uri=uri, token=token or "")
            except Exception as exc:  # pymilvus raises several types; all mean "no connection"
                raise MilvusConnectionError(f"cannot open Milvus at {uri!r}: {exc}") from None
            entry = _clients[key] = [client, 0]
        entry[1] += 1
        return entry[0]


def _release_client(uri: str, token: str | None) -> None:
    key = (uri, token or "")
    with _clients_lock:
        entry = _clients.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _clients[key]
            with contextlib.suppress(Exception):  # closing a dead connection may fail; ignore
                entry[0].close()


class MilvusIndex(Index):
    """Nearest neighbours in a Milvus collection (Milvus Lite file or server).

    Spec string: ``"milvus:uri=vectors.db,collection=words"`` or
    ``"milvus:uri=http://host:19530,index_type=HNSW,M=32,ef=128"``. The collection is created
    when missing; an existing one is attached to (its contents count) after checking its
    schema, dimension and metric.

    Parameters
    ----------
    dim, metric
        As for every :class:`~everyvec.index.Index`.
    uri
        ``"path/to/file.db"`` (Milvus Lite; a relative path is made absolute) or
        ``"http://host:19530"`` (server). Required.
    collection
        Collection name (letters, digits, underscores). Default ``"everyvec"``.
    token
        Server credentials (``"user:password"`` or an API key); default
        ``$EVERYVEC_MILVUS_TOKEN``. Never saved or shown.
    index_type
        ``"AUTOINDEX"`` (default), ``"FLAT"`` (exact), ``"IVF_FLAT"`` or ``"HNSW"``.
    M, ef
        HNSW graph degree (default 16) and search breadth (default 64, raised to ``k``).
    nlist, nprobe
        IVF_FLAT cells (default 128) and cells searched (default 16).
    create
        Create the collection when missing (``False``: raise instead; used on load).
    """

    kind = "milvus"
    PARAMS = {"uri": (str, None), "collection": (str, "everyvec"), "token": (str, None),
              "index_type": (str, "AUTOINDEX"), "M": (int, None), "ef": (int, None),
              "nlist": (int, None), "nprobe": (int, None)}

    def __init__(self, dim: int, metric: str = "cosine", *, create: bool = True,
                 **params: Any) -> None:
        super().__init__(dim, metric, **params)
        p = self.params
        p["uri"] = _normalize_uri(p["uri"])
        name = p["collection"]
        if not isinstance(name, str) or not _COLLECTION_NAME.match(name):
            raise ValueError("The 'collection' parameter of MilvusIndex must be a name of "
                             "letters, digits and underscores, not starting with a digit "
                             f"(at most 255 characters). Got {name!r}.")
        index_type = p["index_type"]
        if not isinstance(index_type, str) or index_type.upper() not in INDEX_TYPES:
            raise ValueError("The 'index_type' parameter of MilvusIndex must be one of "
                             f"{', '.join(map(repr, INDEX_TYPES))}. Got {index_type!r}.")
        p["index_type"] = index_type.upper()
        for tuning, (owner, _) in _TUNING.items():
            if p[tuning] is not None and p["index_type"] != owner:
                raise ValueError(f"The {tuning!r} parameter of MilvusIndex applies to "
                                 f"index_type={owner} only. Got index_type={p['index_type']}.")
        token = p["token"] if p["token"] is not None else os.environ.get(TOKEN_ENV) or None
        if token is not None and not isinstance(token, str):
            raise TypeError(f"The 'token' parameter of MilvusIndex must be a str. Got a "
                            f"{type(token).__name__}; pass it as a string or set {TOKEN_ENV}.")
        p["token"] = None  # kept out of params, so out of the spec, the repr and saved headers
        self._token = token
        self._uri, self._name = p["uri"], name
        self._local = threading.local()
        self._client: Any = _acquire_client(self._uri, token)
        try:
            self._open(create)
        except BaseException:
            self.close()
            raise

    # -- connection ------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The pymilvus ``MilvusClient`` (shared with other indexes on the same URI)."""
        if self._client is None:
            raise EveryvecError(f"this Milvus index ({self._name!r} at {self._uri!r}) is closed")
        return self._client

    @property
    def collection(self) -> str:
        """The collection name."""
        return self._name

    def close(self) -> None:
        """Let go of the client (closed when no other index uses it). Idempotent."""
        if getattr(self, "_client", None) is not None:
            self._client = None
            _release_client(self._uri, self._token)

    def __repr__(self) -> str:
        if self._client is None:  # the base repr counts rows, which needs the connection
            return f"<MilvusIndex {self.spec!r} dim={self.dim} metric={self.metric} closed>"
        return super().__repr__()

    def __enter__(self) -> MilvusIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _where(self) -> str:
        return f"Milvus collection {self._name!r} at {self._uri!r}"

    def _open(self, create: bool) -> None:
        client = self.client
        if not client.has_collection(self._name):
            if not create:
                raise FormatError(f"{self._where()} does not exist (a saved Milvus index is "
                                  "only a pointer; the data lives in Milvus)")
            self._create()
        else:
            self._check_existing()
        client.load_collection(self._name)

    def _index_params(self) -> Any:
        p = self.params
        kind = p["index_type"]
        build: dict[str, int] = {}
        if kind == "HNSW":
            build = {"M": p["M"] or _TUNING["M"][1], "efConstruction": _EF_CONSTRUCTION}
        elif kind == "IVF_FLAT":
            build = {"nlist": p["nlist"] or _TUNING["nlist"][1]}
        index_params = self.client.prepare_index_params()
        # Build parameters go nested under "params": Milvus Lite reads only that form,
        # and the server accepts it too.
        index_params.add_index(field_name="vector", index_type=kind,
                               metric_type=_MILVUS_METRIC[self.metric],
                               params={"params": build} if build else {})
        return index_params

    def _create(self) -> None:
        from pymilvus import DataType

        client = self.client
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=KEY_MAX_BYTES)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        client.create_collection(self._name, schema=schema, consistency_level="Strong",
                                 properties={METRIC_PROPERTY: self.metric})
        # create_collection(index_params=...) would wait in 0.5 s polling steps; the index
        # of an empty collection is ready at once.
        client.create_index(self._name, self._index_params(), sync=False)
        self._key_max_bytes = KEY_MAX_BYTES
        self._milvus_metric = _MILVUS_METRIC[self.metric]

    def _check_existing(self) -> None:
        from pymilvus import DataType

        client = self.client
        info = client.describe_collection(self._name)
        fields = {field["name"]: field for field in info.get("fields", [])}
        key, vector = fields.get("key"), fields.get("vector")
        if (key is None or key.get("type") != DataType.VARCHAR or not key.get("is_primary")
                or vector is None or vector.get("type") != DataType.FLOAT_VECTOR):
            raise FormatError(f"{self._where()} exists but is not an everyvec collection: "
                              "expected a VARCHAR primary key 'key' and a FLOAT_VECTOR field "
                              f"'vector'; it has {', '.join(fields) or 'no fields'}")
        dim = int(vector.get("params", {}).get("dim", -1))
        if dim != self.dim:
            raise FormatError(f"{self._where()} holds vectors of dimension {dim}, not "
                              f"{self.dim}; use dim={dim} or another collection")
        self._key_max_bytes = int(key.get("params", {}).get("max_length", KEY_MAX_BYTES))
        names = client.list_indexes(self._name, field_name="vector")
        if not names:  # made elsewhere without an index: it cannot be loaded until it has one
            client.create_index(self._name, self._index_params(), sync=False)
            names = client.list_indexes(self._name, field_name="vector")
        described = client.describe_index(self._name, names[0])
        milvus_metric = str(described.get("metric_type", "")).upper()
        index_type = str(described.get("index_type", "")).upper()
        tagged = (info.get("properties") or {}).get(METRIC_PROPERTY)
        implied = tagged or _IMPLIED_METRIC.get(milvus_metric)
        if implied != self.metric:
            raise FormatError(f"{self._where()} holds {implied or milvus_metric!r} vectors "
                              f"(Milvus metric {milvus_metric}), not {self.metric!r}; use "
                              f"metric={implied!r} or another collection")
        if milvus_metric not in _ACCEPTED_METRICS[self.metric]:
            raise FormatError(f"{self._where()} is marked {tagged!r} but its index uses "
                              f"Milvus metric {milvus_metric}")
        if index_type != self.params["index_type"]:
            raise FormatError(f"{self._where()} has a {index_type} index, not "
                              f"{self.params['index_type']}; use index_type={index_type}")
        self._milvus_metric = milvus_metric

    # -- presence, batched -------------------------------------------------------------------
    # The base class asks ``key in self`` once per key; against Milvus that is a round trip
    # each. The public methods below look all their keys up in one query first and let
    # ``__contains__`` answer from that snapshot for the rest of the call.
    def _present(self, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` stored in the collection."""
        found: set[str] = set()
        candidates = [key for key in keys if self._storable(key)]
        for chunk in _chunks(candidates, FILTER_CHUNK):
            rows = self.client.query(self._name, filter=_in_expression(chunk),
                                     output_fields=["key"], limit=len(chunk),
                                     consistency_level="Strong")
            found.update(row["key"] for row in rows)
        return found

    def _storable(self, key: object) -> bool:
        """Whether ``key`` could be a key of this collection (so worth asking about)."""
        size = _utf8_size(key) if isinstance(key, str) else None
        return size is not None and 0 < size <= self._key_max_bytes

    @contextlib.contextmanager
    def _snapshot(self, keys: list[str]) -> Iterator[None]:
        self._local.snapshot = (frozenset(keys), self._present(keys))
        try:
            yield
        finally:
            self._local.snapshot = None

    def add(self, keys: Sequence[str], vectors: Any) -> None:
        """As :meth:`Index.add <everyvec.index.Index.add>`, with one presence query."""
        keys = check_keys(keys)
        with self._snapshot(keys):
            super().add(keys, vectors)

    def upsert(self, keys: Sequence[str], vectors: Any) -> None:
        """As :meth:`Index.upsert <everyvec.index.Index.upsert>`, with one presence query."""
        keys = check_keys(keys)
        with self._snapshot(keys):
            super().upsert(keys, vectors)

    def remove(self, keys: Iterable[str], *, missing_ok: bool = False) -> int:
        """As :meth:`Index.remove <everyvec.index.Index.remove>`, with one presence query."""
        keys = check_keys(keys)
        with self._snapshot(keys):
            return super().remove(keys, missing_ok=missing_ok)

    # -- protocol ----------------------------------------------------------------------------
    def __len__(self) -> int:
        rows = self.client.query(self._name, filter="", output_fields=["count(*)"],
                                 consistency_level="Strong")
        return int(rows[0]["count(*)"]) if rows else 0

    def __contains__(self, key: object) -> bool:
        snapshot = getattr(self._local, "snapshot", None)
        if snapshot is not None and isinstance(key, str) and key in snapshot[0]:
            return key in snapshot[1]
        return self._storable(key) and bool(self._present([key]))  # type: ignore[list-item]

    def _add(self, keys: list[str], matrix: np.ndarray) -> None:
        for key in keys:
            size = _utf8_size(key)
            if size is None:
                raise ValueError(f"key {key!r} is not valid Unicode text (it holds a lone "
                                 "surrogate); Milvus stores UTF-8 keys")
            if size > self._key_max_bytes:
                raise ValueError(f"key {key[:40]!r}... is {size} bytes in UTF-8; "
                                 f"{self._where()} stores keys of at most "
                                 f"{self._key_max_bytes} bytes")
        batch = max(1, min(INSERT_BATCH, (8 << 20) // (4 * self.dim)))  # ~8 MiB per call
        for start in range(0, len(keys), batch):
            rows = [{"key": key, "vector": vector} for key, vector in
                    zip(keys[start:start + batch], matrix[start:start + batch], strict=True)]
            self.client.insert(self._name, rows)

    def _remove(self, keys: list[str]) -> None:
        for chunk in _chunks(keys, FILTER_CHUNK):
            self.client.delete(self._name, filter=_in_expression(chunk))

    def _search(self, queries: np.ndarray, k: int,
                allowed: frozenset[str] | None) -> tuple[np.ndarray, np.ndarray]:
        n = queries.shape[0]
        keys = np.full((n, k), None, dtype=object)
        scores = np.full((n, k), np.nan, dtype=np.float32)
        if allowed is None:
            limit = k if k <= MAX_TOPK else min(k, len(self))
            if limit > MAX_TOPK:
                raise ValueError(f"k={k} is more than one Milvus search returns ({MAX_TOPK}) "
                                 f"and {self._where()} holds more keys than that")
            filters: list[tuple[str, int]] = [("", limit)]
        else:
            valid = sorted(key for key in allowed if self._storable(key))
            filters = [(_in_expression(chunk), min(k, len(chunk)))
                       for chunk in _chunks(valid, FILTER_CHUNK)]
        higher = self._milvus_metric != "L2"
        for start in range(0, n, QUERY_BATCH):
            block = queries[start:start + QUERY_BATCH]
            found: list[list[tuple[float, str]]] = [[] for _ in range(len(block))]
            for expression, chunk_limit in filters:
                for row, hits in zip(found, self._search_once(block, chunk_limit, expression),
                                     strict=True):
                    row.extend((float(hit["distance"]), hit["entity"]["key"]) for hit in hits)
            for i, row in enumerate(found, start):
                if len(filters) > 1:  # merge the chunks' top lists
                    row.sort(key=lambda pair: -pair[0] if higher else pair[0])
                row = row[:k]
                keys[i, :len(row)] = [key for _, key in row]
                scores[i, :len(row)] = [score for score, _ in row]
        return keys, scores

    def _search_once(self, block: np.ndarray, limit: int, expression: str) -> list[Any]:
        p = self.params
        tuning: dict[str, int] = {}
        if p["index_type"] == "HNSW":
            tuning = {"ef": max(p["ef"] or _TUNING["ef"][1], limit)}
        elif p["index_type"] == "IVF_FLAT":
            tuning = {"nprobe": p["nprobe"] or _TUNING["nprobe"][1]}
        # A list of 1-D arrays: the form every pymilvus version takes.
        return self.client.search(self._name, data=list(block), limit=limit, filter=expression,
                                  output_fields=["key"], anns_field="vector",
                                  search_params={"metric_type": self._milvus_metric,
                                                 "params": tuning},
                                  consistency_level="Strong")

    # -- persistence: a pointer ------------------------------------------------------------
    def _save(self, folder: Path) -> Mapping[str, Any]:
        """Write no files: the header records where the data lives (never the token)."""
        return {name: value for name, value in self.params.items()
                if value is not None and name != "token"}

    @classmethod
    def _load(cls, folder: Path, header: Mapping[str, Any], *, mmap: bool,
              token: str | None = None) -> MilvusIndex:
        facts = header.get("backend") or {}
        where = folder / HEADER
        for name in ("uri", "collection", "index_type"):
            if not isinstance(facts.get(name), str):
                raise FormatError(f"expected a string \"backend\".\"{name}\" (where the Milvus "
                                  "index lives)", path=where)
        params = {name: value for name, value in facts.items()
                  if name in cls.PARAMS and name != "token"}
        return cls(header["dim"], header["metric"], create=False, token=token, **params)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, token: str | None = None) -> MilvusIndex:
        """Reconnect to the collection a saved Milvus index points to.

        Like :func:`~everyvec.index.load_index`, with a ``token`` for the server (default
        ``$EVERYVEC_MILVUS_TOKEN``; saved headers never hold one).
        """
        folder = Path(path)
        header = read_header(folder)
        if header["kind"] != cls.kind:
            raise FormatError(f"this is a {header['kind']!r} index, not a 'milvus' one",
                              path=folder / HEADER)
        return cls._load(folder, header, mmap=False, token=token)
