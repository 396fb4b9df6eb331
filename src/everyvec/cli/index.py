"""``everyvec index build`` and ``everyvec index bench``: make a searchable collection, and
measure an index spec against exact search before committing to it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from everyvec.cli._common import console, err_console, friendly_errors, load_vectors, print_json

app = typer.Typer(help="Build and measure nearest-neighbour indexes.", no_args_is_help=True)

VectorsPath = Annotated[Path, typer.Argument(help="Vectors file or folder (any format).",
                                             exists=True)]
SpecOption = Annotated[str, typer.Option(
    "--spec", "-s", help="Index spec: exact, flat, hnsw:M=32,ef=128, "
    "ivfflat:nlist=1024,nprobe=16, ivfpq:nlist=1024,m=16,nprobe=16, milvus:uri=…")]
MetricOption = Annotated[str, typer.Option(help="cosine, dot or euclidean.")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="Input format (auto).")]


@app.command("build")
@friendly_errors
def build(
    vectors: VectorsPath,
    output: Annotated[Path, typer.Option("--output", "-o", help="Collection folder to write.")],
    spec: SpecOption = "exact",
    metric: MetricOption = "cosine",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N vectors.")] = None,
    fmt: FormatOption = "auto",
) -> None:
    """Build a collection (vectors + index) that `everyvec search` and `serve` use."""
    from everyvec.collection import Collection

    vecs = load_vectors(vectors, fmt, limit=limit)
    with err_console.status(f"indexing {len(vecs):,} vectors with {spec}…", spinner="dots"):
        collection = Collection.from_vectors(vecs, index=spec, metric=metric)
        path = collection.save(output)
    console.print(f"wrote {path} ({len(collection):,} vectors, dim {collection.dim}, "
                  f"{collection.index_spec}, {metric})")


@app.command("bench")
@friendly_errors
def bench(
    vectors: VectorsPath,
    spec: Annotated[list[str], typer.Option(
        "--spec", "-s", help="Index spec to measure (repeatable).")],
    queries: Annotated[int, typer.Option(min=1, help="Query vectors, sampled from the "
                                         "data with a little noise.")] = 1000,
    k: Annotated[int, typer.Option("-k", min=1, help="Neighbours per query.")] = 10,
    metric: MetricOption = "cosine",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N vectors.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the query sample.")] = 0,
    fmt: FormatOption = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Recall@k and queries/second of each SPEC against exact search on VECTORS."""
    from everyvec.index.measure import measure_index

    vecs = load_vectors(vectors, fmt, limit=limit)
    matrix = np.asarray(vecs.matrix, dtype=np.float32)
    if len(matrix) == 0:
        raise ValueError(f"{vectors} holds no vectors")
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(matrix), size=min(queries, len(matrix)), replace=False)
    # Perturbed copies of stored rows: realistic queries that are not all exact self-hits.
    scale = 0.05 * float(np.abs(matrix).mean() or 1.0)
    sample = matrix[rows] + rng.normal(scale=scale, size=(len(rows), matrix.shape[1])).astype(
        np.float32)
    reports = []
    for one in spec:
        with err_console.status(f"measuring {one}…", spinner="dots"):
            reports.append(measure_index(vecs.keys, matrix, one, queries=sample, k=k,
                                         metric=metric, repeat=2))
    if as_json:
        print_json([report.as_dict() for report in reports])
        return
    table = Table(title=f"{len(matrix):,} vectors × {matrix.shape[1]}, {len(rows)} queries, "
                  f"k={k}, {metric}", title_justify="left")
    for column in ("spec", f"recall@{k}", "queries/s", "exact queries/s", "build s"):
        table.add_column(column, justify="left" if column == "spec" else "right")
    for report in reports:
        table.add_row(report.spec, f"{report.recall:.4f}", f"{report.qps:,.0f}",
                      f"{report.exact_qps:,.0f}", f"{report.build_seconds:.2f}")
    console.print(table)
