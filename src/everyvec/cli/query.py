"""``everyvec similar`` and ``everyvec analogy``: ask questions of a vectors file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from everyvec.cli._common import (
    JsonOption,
    console,
    friendly_errors,
    load_vectors,
    print_json,
)

VectorsPath = Annotated[Path, typer.Argument(help="Vectors file or native folder.", exists=True)]
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="auto, native, word2vec, word2vec-binary, glove, "
                      "fasttext.")]
TopnOption = Annotated[int, typer.Option("--topn", "-n", min=1, help="Results per query.")]
RestrictOption = Annotated[
    int | None, typer.Option("--restrict-vocab", min=1,
                             help="Only the first N keys (the most frequent) are candidates.")]


def similar(
    vectors: VectorsPath,
    keys: Annotated[list[str], typer.Argument(help="One or more keys to find neighbours of.")],
    topn: TopnOption = 10,
    negative: Annotated[
        list[str] | None, typer.Option("--negative", help="Subtract this key (repeatable); "
                                       "the KEYS are then added into one query.")] = None,
    metric: Annotated[str, typer.Option(help="cosine, dot or euclidean.")] = "cosine",
    restrict_vocab: RestrictOption = None,
    fmt: FormatOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Nearest neighbours of each KEY (one batched query), or of KEYS − NEGATIVE."""
    vecs = load_vectors(vectors, fmt)
    if negative:
        pairs = vecs.most_similar(positive=keys, negative=negative, topn=topn, metric=metric,
                                  restrict_vocab=restrict_vocab)
        title = " + ".join(keys) + "".join(f" − {k}" for k in negative)
        results = {title: pairs}
    else:
        found = vecs.most_similar_batch(keys, topn=topn, metric=metric,
                                        restrict_vocab=restrict_vocab)
        results = {
            key: [(k, float(s)) for k, s in zip(row_keys, row_scores, strict=True)
                  if k is not None]
            for key, row_keys, row_scores in zip(keys, found.keys, found.scores, strict=True)
        }
    if as_json:
        print_json({q: [{"key": k, "score": s} for k, s in pairs]
                    for q, pairs in results.items()})
        return
    score_name = "distance" if metric == "euclidean" else metric
    for query, pairs in results.items():
        table = Table(title=f"nearest to {query}", title_justify="left")
        table.add_column("#", justify="right", style="dim")
        table.add_column("key")
        table.add_column(score_name, justify="right")
        for rank, (key, score) in enumerate(pairs, start=1):
            table.add_row(str(rank), key, f"{score:.4f}")
        console.print(table)


def analogy(
    vectors: VectorsPath,
    a: Annotated[str, typer.Argument(help="a in  a : b :: c : ?  (e.g. man)")],
    b: Annotated[str, typer.Argument(help="b (e.g. king)")],
    c: Annotated[str, typer.Argument(help="c (e.g. woman)")],
    topn: TopnOption = 5,
    method: Annotated[str, typer.Option(help="3cosadd or 3cosmul.")] = "3cosadd",
    restrict_vocab: RestrictOption = None,
    fmt: FormatOption = "auto",
    as_json: JsonOption = False,
) -> None:
    """Solve  a : b :: c : ?  — e.g. `man king woman` looks for king − man + woman."""
    vecs = load_vectors(vectors, fmt)
    answers = vecs.analogy(a, b, c, topn=topn, method=method, restrict_vocab=restrict_vocab)
    if as_json:
        print_json({"a": a, "b": b, "c": c, "method": method,
                    "answers": [{"key": k, "score": s} for k, s in answers]})
        return
    table = Table(title=f"{a} : {b} :: {c} : ?   ({b} − {a} + {c}, {method})",
                  title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("answer")
    table.add_column("score", justify="right")
    for rank, (key, score) in enumerate(answers, start=1):
        table.add_row(str(rank), key, f"{score:.4f}")
    console.print(table)


similar = friendly_errors(similar)
analogy = friendly_errors(analogy)
