"""``everyvec plot``: draw a 2-D map of some vectors (PCA, t-SNE or UMAP) to a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from everyvec.cli._common import console, err_console, friendly_errors, load_vectors
from everyvec.cli.query import FormatOption, VectorsPath

_METHODS = ("pca", "tsne", "umap")  # kept here so --help needs no import of everyvec.viz


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def plot(
    vectors: VectorsPath,
    words: Annotated[
        str | None, typer.Option("--words", "-w", help="Comma-separated keys to draw, e.g. "
                                 "king,queen,man,woman.")] = None,
    top: Annotated[
        int | None, typer.Option("--top", "-n", min=1,
                                 help="Draw the first N keys (default 200 without --words).")]
    = None,
    method: Annotated[str, typer.Option("--method", "-m", help="pca, tsne or umap.")] = "pca",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Image file (.png, .svg or .pdf); "
                                  "default VECTORS-METHOD.png in the current folder.")] = None,
    highlight: Annotated[
        str | None, typer.Option("--highlight", help="Comma-separated keys to draw in red "
                                 "(added when not among the others).")] = None,
    title: Annotated[str | None, typer.Option(help="Plot title.")] = None,
    dpi: Annotated[int, typer.Option(min=10, max=1200, help="Resolution (image is 10 × 8 "
                                     "inches).")] = 150,
    seed: Annotated[int, typer.Option(min=0, help="Random seed for tsne and umap.")] = 0,
    fmt: FormatOption = "auto",
) -> None:
    """Project some vectors to 2-D and save a labelled scatter plot."""
    if method not in _METHODS:
        raise ValueError(f"--method must be one of {', '.join(_METHODS)}; got {method!r}")
    keys = _split(words)
    if keys is not None and top is not None:
        raise ValueError("give --words or --top, not both")
    if keys == []:
        raise ValueError("--words names no key; give keys separated by commas, e.g. a,b,c")
    marked = _split(highlight)
    from everyvec.viz.plot import DEFAULT_TOP, plot_vectors

    if keys is None and top is None:
        top = DEFAULT_TOP
    # Only the first --top rows are needed, unless a highlighted key may lie beyond them.
    vecs = load_vectors(vectors, fmt, limit=top if keys is None and not marked else None)
    if output is None:
        output = Path(f"{vectors.stem or 'vectors'}-{method}.png")
    with err_console.status(f"projecting with {method} and drawing…", spinner="dots"):
        written = plot_vectors(vecs, output, keys=keys, top=top if keys is None else None,
                               method=method, highlight=marked, title=title, dpi=dpi,
                               seed=seed)
    console.print(f"wrote {written}", soft_wrap=True)


plot = friendly_errors(plot)
