"""``everyvec convert`` and ``everyvec info``: move vectors between formats, describe a file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from everyvec.cli._common import (
    JsonOption,
    console,
    err_console,
    friendly_errors,
    load_vectors,
    print_json,
)
from everyvec.cli.query import FormatOption, VectorsPath

FORMATS = ("native", "word2vec", "word2vec-binary", "glove", "fasttext")


def convert(
    source: VectorsPath,
    target: Annotated[Path, typer.Argument(help="Output file (or folder for native).")],
    to: Annotated[str, typer.Option("--to", "-t", help="Output format: " + ", ".join(FORMATS)
                                    + ".")] = "native",
    fmt: FormatOption = "auto",
    limit: Annotated[int | None, typer.Option(min=1, help="Keep only the first N vectors.")]
    = None,
    overwrite: Annotated[bool, typer.Option(help="Replace TARGET if it exists.")] = False,
) -> None:
    """Convert SOURCE to another format (the write is atomic: temp name, then rename)."""
    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}; got {to!r}")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass --overwrite to replace it")
    started = time.perf_counter()
    vecs = load_vectors(source, fmt, limit=limit)
    with err_console.status(f"writing {target}…", spinner="dots"):
        written = vecs.save(target, format=to)
    err_console.print(f"wrote {len(vecs):,} vectors × {vecs.dim} dims as {to} to {written} "
                      f"in {time.perf_counter() - started:.1f} s")


def info(
    vectors: VectorsPath,
    fmt: FormatOption = "auto",
    sample: Annotated[int, typer.Option(min=0, help="How many keys to show.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Format, size, provenance and a few keys of a vectors file."""
    from everyvec.vectors.formats import detect_format

    detected = detect_format(vectors) if fmt == "auto" else fmt
    vecs = load_vectors(vectors, detected)
    norms = vecs.norms
    facts = {
        "path": str(vectors),
        "format": detected,
        "count": len(vecs),
        "dim": vecs.dim,
        "dtype": str(vecs.matrix.dtype),
        "memory_mapped": isinstance(vecs.matrix, np.memmap),
        "norm_min": float(norms.min()) if len(norms) else None,
        "norm_mean": float(norms.mean()) if len(norms) else None,
        "norm_max": float(norms.max()) if len(norms) else None,
        "zero_vectors": int((norms == 0).sum()),
        "first_keys": vecs.keys[:sample],
        "provenance": vecs.provenance,
    }
    if as_json:
        print_json(facts)
        return
    table = Table(show_header=False, title=str(vectors), title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for name, value in facts.items():
        if name == "path":
            continue
        if isinstance(value, float):
            value = f"{value:.4f}"
        elif isinstance(value, list):
            value = " ".join(value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "—"
        table.add_row(name.replace("_", " "), str(value))
    console.print(table)


convert = friendly_errors(convert)
info = friendly_errors(info)
