"""``everyvec export milvus``: hand vectors to a Milvus Lite file, server or cluster when one
machine is no longer enough. The data then lives in Milvus; `everyvec search` and `serve`
reach it through a collection built with the same ``milvus:`` spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from everyvec.cli._common import console, err_console, friendly_errors, load_vectors

app = typer.Typer(help="Export vectors to other systems.", no_args_is_help=True)


@app.command("milvus")
@friendly_errors
def milvus(
    vectors: Annotated[Path, typer.Argument(help="Vectors file, folder or collection.",
                                            exists=True)],
    uri: Annotated[str, typer.Option(help="A Milvus Lite file (vectors.db) or a server URI "
                                     "(http://host:19530).")],
    collection: Annotated[str, typer.Option(help="Milvus collection name.")] = "everyvec",
    metric: Annotated[str, typer.Option(help="cosine, dot or euclidean.")] = "cosine",
    token: Annotated[str | None, typer.Option(
        envvar="EVERYVEC_MILVUS_TOKEN", help="Milvus token (or EVERYVEC_MILVUS_TOKEN).")]
    = None,
    batch: Annotated[int, typer.Option(min=1, help="Vectors per insert.")] = 10_000,
    replace: Annotated[bool, typer.Option(help="Upsert keys that already exist instead of "
                                          "refusing.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Input format (auto).")] = "auto",
) -> None:
    """Insert every vector of VECTORS into a Milvus collection (created when missing)."""
    from everyvec._progress import track
    from everyvec.index import make_index
    from everyvec.index.spec import format_spec

    vecs = load_vectors(vectors, fmt)
    params = {"uri": uri, "collection": collection}
    if token:
        params["token"] = token
    index = make_index(format_spec("milvus", params), dim=vecs.dim, metric=metric)
    keys = vecs.keys
    starts = range(0, len(keys), batch)
    for start in track(starts, "exporting to Milvus", total=len(starts)):
        chunk = keys[start:start + batch]
        rows = vecs.matrix[start:start + batch]
        if replace:
            index.upsert(chunk, rows)
        else:
            index.add(chunk, rows)
    err_console.print(f"collection {collection!r} now holds {len(index):,} vectors")
    console.print(f"exported {len(keys):,} vectors to {uri} (collection {collection!r})")
