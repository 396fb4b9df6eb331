"""``everyvec entity-embed``: learn entity embeddings of a table's categorical columns.

It trains a :class:`~everyvec.nn.TabularEmbedder` on a target column and writes one vectors
file per categorical column (so ``everyvec similar``, ``plot``, ``search`` and ``serve`` work
on categories) plus the saved model (for ``TabularEmbedder.load(...).transform(table)``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from everyvec.cli._common import (
    JsonOption,
    ProgressOption,
    console,
    err_console,
    friendly_errors,
    print_json,
)
from everyvec.cli.files import FORMATS

_SUFFIX = {"native": "", "word2vec": ".txt", "word2vec-binary": ".bin", "glove": ".txt",
           "fasttext": ".vec"}


def _columns(value: str | None) -> list[str] | None:
    return None if value is None else [c.strip() for c in value.split(",") if c.strip()]


def read_table(path: Path, *, sep: str | None, names: str | None) -> Any:
    """A CSV/TSV (separator guessed unless given) or Parquet file as a pandas DataFrame."""
    from everyvec._optional import require

    pd = require("pandas", "everyvec entity-embed")
    columns = _columns(names)
    if path.suffix.lower() in (".parquet", ".pq"):
        if columns:
            raise ValueError("--names applies to text tables; Parquet files name their columns")
        return pd.read_parquet(path)
    if sep in ("\\t", "tab"):
        sep = "\t"
    try:
        return pd.read_csv(path, sep=sep, engine="python" if sep is None else "c",
                           names=columns, header=None if columns else "infer",
                           skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a readable CSV/TSV table ({exc})") from None


def entity_embed(
    table: Annotated[Path, typer.Argument(help="CSV / TSV (separator guessed) or Parquet.",
                                          exists=True, dir_okay=False)],
    target: Annotated[str, typer.Option(help="The column to predict (it trains the vectors).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: model/ and "
                                      "vectors/<column> files.")],
    task: Annotated[str, typer.Option(help="classification or regression.")]
    = "classification",
    categorical: Annotated[str | None, typer.Option(
        help="Comma-separated categorical columns (default: every non-number column).")]
    = None,
    numeric: Annotated[str | None, typer.Option(
        help="Comma-separated numeric columns (default: every number column).")] = None,
    sizes: Annotated[str, typer.Option(
        help="Embedding sizes: fourth_root, fastai, or one int for every column.")]
    = "fourth_root",
    epochs: Annotated[int, typer.Option(min=1, help="Most passes (early stopping).")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    sep: Annotated[str | None, typer.Option(
        help="Field separator of a text table (default: guessed; '\\t' for tab).")] = None,
    names: Annotated[str | None, typer.Option(
        help="Comma-separated column names of a table without a header line.")] = None,
    to: Annotated[str, typer.Option("--to", "-t", help="Vectors format: "
                                    + ", ".join(FORMATS) + ".")] = "native",
    progress: ProgressOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train entity embeddings on TABLE's --target and write one vectors file per column."""
    from everyvec.nn.tabular import TabularEmbedder

    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}; got {to!r}")
    embedding_sizes: Any = int(sizes) if sizes.isdigit() else sizes
    with err_console.status(f"reading {table}…", spinner="dots"):
        frame = read_table(table, sep=sep, names=names)
    err_console.print(f"{table.name}: {len(frame):,} rows, {len(frame.columns)} columns")
    started = time.perf_counter()
    model = TabularEmbedder(task=task, categorical=_columns(categorical),
                            numeric=_columns(numeric), embedding_sizes=embedding_sizes,
                            epochs=epochs, seed=seed, progress=progress).fit(frame, target)
    seconds = time.perf_counter() - started
    model.save(out / "model")
    (out / "vectors").mkdir(parents=True, exist_ok=True)
    rows = []
    for column in model.encoder_.categorical_:
        vectors = model.column_vectors(column)
        written = vectors.save(out / "vectors" / f"{column}{_SUFFIX[to]}", format=to)
        rows.append({"column": column, "categories": len(vectors), "dim": vectors.dim,
                     "file": str(written)})
    last = model.history_[-1]
    summary = {"rows": len(frame), "seconds": round(seconds, 2),
               "best_epoch": model.best_epoch_, "epochs_run": len(model.history_),
               "validation_loss": last.get("validation_loss"),
               "rows_per_second": round(model.rows_per_second_), "columns": rows,
               "model": str(out / "model")}
    if as_json:
        print_json(summary)
        return
    grid = Table("column", "categories", "dim", "vectors file")
    for row in rows:
        grid.add_row(row["column"], f"{row['categories']:,}", str(row["dim"]), row["file"])
    console.print(grid)
    err_console.print(f"trained {len(model.history_)} epochs (best {model.best_epoch_}) in "
                      f"{seconds:.1f} s, {model.rows_per_second_:,.0f} rows/s; model saved "
                      f"to {out / 'model'}")


entity_embed = friendly_errors(entity_embed)
