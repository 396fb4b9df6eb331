"""``everyvec search``: nearest neighbours from a collection (or any vectors file) by key or
by vector, with an optional metadata filter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from everyvec.cli._common import console, friendly_errors, print_json


@friendly_errors
def search(
    path: Annotated[Path, typer.Argument(help="Collection folder or vectors file.",
                                         exists=True)],
    keys: Annotated[list[str] | None, typer.Argument(help="Keys whose neighbours to find.")]
    = None,
    vector: Annotated[str | None, typer.Option(
        help="A query vector as comma-separated numbers instead of keys.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, help="Results per query.")] = 10,
    filter: Annotated[str | None, typer.Option(
        help='Metadata filter as JSON, e.g. \'{"lang": "en"}\' or \'{"tag": ["a", "b"]}\'.')]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search PATH for the neighbours of KEYS (each its own query) or of --vector."""
    from everyvec.collection import Collection

    if bool(keys) == (vector is not None):
        raise ValueError("give either KEYS or --vector (one of them)")
    where = _parse_filter(filter)
    with Collection.open(path) as collection:
        results: dict[str, list[tuple[str, float]]] = {}
        if vector is not None:
            query = _parse_vector(vector, collection.dim)
            results["vector"] = collection.search(query, k=k, filter=where)[0]
        else:
            for key in keys or []:
                results[key] = collection.most_similar([key], k=k, filter=where)
        metric = collection.metric
    if as_json:
        print_json({q: [{"key": key, "score": score} for key, score in pairs]
                    for q, pairs in results.items()})
        return
    for query, pairs in results.items():
        table = Table(title=f"nearest to {query}", title_justify="left")
        table.add_column("#", justify="right", style="dim")
        table.add_column("key")
        table.add_column("distance" if metric == "euclidean" else metric, justify="right")
        for rank, (key, score) in enumerate(pairs, 1):
            table.add_row(str(rank), key, f"{score:.4f}")
        console.print(table)


def _parse_filter(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--filter must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"--filter must be a JSON object such as '{{\"lang\": \"en\"}}'; "
                         f"got {text!r}")
    return value


def _parse_vector(text: str, dim: int) -> list[float]:
    parts = [part for part in text.replace(",", " ").split() if part]
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise ValueError(f"--vector must be {dim} comma-separated numbers; got {text!r}") \
            from None
    if len(values) != dim:
        raise ValueError(f"--vector has {len(values)} numbers; the collection's dimension "
                         f"is {dim}")
    return values
