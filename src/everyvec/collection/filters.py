"""Metadata filters: which keys a search may return, decided by their metadata.

A filter is one of

* a dict ``{"lang": "en"}`` — the field equals the value; ``{"lang": ["en", "de"]}`` — it
  equals any of the values; several fields must all match. A key whose metadata lacks the
  field never matches. ``True`` matches only ``True`` (not ``1``), as JSON keeps them apart;
  ``1`` and ``1.0`` are the same number;
* a function ``f(metadata) -> bool`` called with a copy of each key's metadata dict.

The collection evaluates a filter to an allow-list of keys and hands that to the index (every
backend takes one). Dict filters are described by a canonical string, so the collection can
cache their allow-lists until the next change; functions are evaluated on every call.

Simplifications: no ranges, no negation, no nested fields — a function does all of those.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Filter", "compile_filter"]

Scalar = str | int | float | bool | None
_EXPECTED = ("None, a dict {field: value or [values]} or a function(metadata) -> bool")


@dataclass(frozen=True)
class Filter:
    """A checked filter.

    Attributes
    ----------
    matches
        ``matches(metadata) -> bool`` (``metadata`` is not modified).
    cache_key
        A canonical description for dict filters (equal filters, equal strings); ``None``
        for functions, whose answers may change from call to call. A dict filter never
        matches empty metadata.
    """

    matches: Callable[[Mapping[str, Any]], bool]
    cache_key: str | None


def compile_filter(filter: Any, owner: str = "Collection.search") -> Filter | None:
    """Check ``filter`` and turn it into a :class:`Filter`; ``None`` (or ``{}``) is no filter.

    Raises
    ------
    TypeError
        ``filter`` is not ``None``, a dict or a function, or a dict holds a field name or
        value that cannot be compared (a dict, a nested list, …).
    ValueError
        A value is NaN or infinite (it would never match).
    """
    if filter is None:
        return None
    if isinstance(filter, Mapping):
        conditions = [(_field(name, owner), _values(value, name, owner))
                      for name, value in filter.items()]
        if not conditions:
            return None
        conditions.sort(key=lambda item: item[0])
        key = repr([(name, sorted(values, key=repr)) for name, values in conditions])
        return Filter(lambda metadata: _all_match(metadata, conditions), key)
    if callable(filter):
        return Filter(_checked_call(filter), None)
    raise TypeError(f"The 'filter' parameter of {owner} must be {_EXPECTED}. Got {filter!r}.")


def _field(name: Any, owner: str) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"The 'filter' parameter of {owner}: field names must be non-empty "
                        f"strings. Got {name!r}.")
    return name


def _values(value: Any, name: str, owner: str) -> frozenset[tuple[str, Scalar]]:
    items = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
    items = [item.item() if isinstance(item, np.generic) else item for item in items]
    for i, item in enumerate(items):
        for kind in (bool, int, float, str):  # subclasses (np.str_, IntEnum) as the base type
            if isinstance(item, kind):
                items[i] = item = kind(item)
                break
        if type(item) not in _TAGS:
            raise TypeError(f"The 'filter' parameter of {owner}: the value of field {name!r} "
                            "must be a str, number, bool or None, or a list of them (use a "
                            f"function for anything else). Got {value!r}.")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"The 'filter' parameter of {owner}: the value of field {name!r} "
                             f"is {item!r}, which no metadata can hold.")
    return frozenset((_TAGS[type(item)], item) for item in items)


# Metadata values are plain JSON types (records.check_metadata sees to it). Tagging each
# value with its JSON kind keeps true apart from 1 (Python's == does not) while 1 == 1.0;
# lists and dicts have no tag and match nothing.
_TAGS: dict[type, str] = {bool: "bool", int: "number", float: "number", str: "string",
                          type(None): "null"}
_MISSING = object()


def _all_match(metadata: Mapping[str, Any],
               conditions: list[tuple[str, frozenset[tuple[str, Scalar]]]]) -> bool:
    for name, allowed in conditions:
        got = metadata.get(name, _MISSING)
        tag = _TAGS.get(type(got))
        if tag is None or (tag, got) not in allowed:
            return False
    return True


def _checked_call(function: Callable[[dict[str, Any]], Any]) -> Callable[[Mapping], bool]:
    def matches(metadata: Mapping[str, Any]) -> bool:
        result = function(dict(metadata))
        if not isinstance(result, bool) and type(result).__name__ != "bool_":
            raise TypeError("a filter function must return True or False; "
                            f"{getattr(function, '__name__', 'it')} returned {result!r}")
        return bool(result)

    return matches
