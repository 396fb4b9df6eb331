"""Metadata records and their JSON: what a collection accepts, and how it writes it.

Every key of a collection carries a metadata dict that must survive a save and a reopen
unchanged, so it is checked and normalised on the way in rather than on the way out: field
names are strings, values are ``None``, ``bool``, ``int``, finite ``float``, ``str``, or lists
and dicts of those. Tuples become lists and NumPy scalars become Python numbers (what JSON
would make of them anyway); anything else — a set, an object, NaN, infinity, a non-string
field name that JSON would silently turn into a string — is refused with an error naming the
key and the field.

JSON is written compactly with ASCII escapes (so any string, even a lone surrogate, round
trips) and floats in Python's ``repr``: the shortest text that reads back as the same float64,
hence also exactly the same float32 for vectors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from everyvec.errors import MissingKeyError

__all__ = ["check_metadata", "metadata_for", "dumps"]


def dumps(value: Any) -> str:
    """Compact, ASCII-only JSON of ``value``; ``ValueError`` for NaN or infinity."""
    return json.dumps(value, allow_nan=False, ensure_ascii=True, separators=(",", ":"))


def check_metadata(value: Any, key: str) -> dict[str, Any]:
    """``value`` as a fresh JSON-able dict (``None`` gives ``{}``), or a clear error.

    Parameters
    ----------
    value
        The metadata of one key: a mapping with string field names, or ``None``.
    key
        The key it belongs to, for the error message.

    Raises
    ------
    TypeError
        ``value`` is not a mapping, or holds a field name or value JSON cannot keep exactly.
    ValueError
        A float is NaN or infinite.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"the metadata of key {key!r} must be a dict (or None); got "
                        f"{type(value).__name__}")
    return _json_value(value, key, "")


def _json_value(value: Any, key: str, where: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"the metadata of key {key!r} has {value!r} at "
                             f"{where or 'the top'}; JSON holds finite numbers only")
        return float(value)
    if isinstance(value, np.generic) and isinstance(value.item(), (bool, int, float)):
        return _json_value(value.item(), key, where)
    if isinstance(value, Mapping):
        result = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"the metadata of key {key!r} has the field name {name!r} "
                                f"({type(name).__name__}) in {where or 'the top level'}; "
                                "field names must be strings")
            result[name] = _json_value(item, key, f"{where}.{name}" if where else name)
        return result
    if isinstance(value, (list, tuple)):
        return [_json_value(item, key, f"{where}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"the metadata of key {key!r} holds a {type(value).__name__} at "
                    f"{where or 'the top'}; expected JSON values (None, bool, int, float, str, "
                    "list, dict)")


def metadata_for(keys: Sequence[str], metadata: Any,
                 suggest: Any = None) -> list[dict[str, Any]] | None:
    """Checked metadata aligned with ``keys``, from a list or a mapping key -> dict.

    ``None`` stays ``None`` (the caller decides what "no metadata given" means). A mapping
    may leave keys out (they get ``{}``) but may not name keys that are not in ``keys``.

    Parameters
    ----------
    keys
        The keys, in order.
    metadata
        ``None``, a sequence of dicts (or ``None``) aligned with ``keys``, or a mapping from
        key to dict.
    suggest
        ``suggest(key) -> list[str]``, for the error about an unknown key in a mapping.
    """
    if metadata is None:
        return None
    if isinstance(metadata, Mapping):
        wanted = set(keys)
        for name in metadata:
            if name not in wanted:
                raise MissingKeyError(name, suggest(name) if suggest else None)
        return [check_metadata(metadata.get(key), key) for key in keys]
    if isinstance(metadata, (str, bytes)) or not isinstance(metadata, Sequence):
        raise TypeError("metadata must be None, a list of dicts aligned with the keys, or a "
                        f"mapping from key to dict; got {type(metadata).__name__}")
    if len(metadata) != len(keys):
        raise ValueError(f"got {len(metadata)} metadata entries for {len(keys)} keys; a list "
                         "of metadata must be aligned with the keys")
    return [check_metadata(value, key) for key, value in zip(keys, metadata, strict=True)]
