"""``everyvec graph``: node vectors from an edge list with DeepWalk or node2vec."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from everyvec._atomic import atomic_file
from everyvec.cli._common import ProgressOption, err_console, friendly_errors
from everyvec.cli.files import FORMATS

METHODS = ("deepwalk", "node2vec")


def graph(
    edgelist: Annotated[Path, typer.Argument(
        help="Edge list: `source target [weight]` per line; '#' starts a comment.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the node vectors.")],
    method: Annotated[str, typer.Option("--method", "-m", help="deepwalk or node2vec.")]
    = "deepwalk",
    p: Annotated[float, typer.Option("--p", help="node2vec return parameter (a step back "
                                     "weighs 1/p).")] = 1.0,
    q: Annotated[float, typer.Option("--q", help="node2vec in-out parameter (< 1: outward, "
                                     "DFS-like; > 1: local, BFS-like).")] = 1.0,
    dim: Annotated[int, typer.Option("--dim", "--vector-size", min=1, help="Dimension.")]
    = 128,
    walk_length: Annotated[int, typer.Option(min=1, help="Nodes per walk.")] = 80,
    walks_per_node: Annotated[int, typer.Option(min=1, help="Walks from each node.")] = 10,
    window: Annotated[int, typer.Option(min=1, help="Skip-gram window over a walk.")] = 10,
    negative: Annotated[int, typer.Option(min=1, help="Noise nodes per pair.")] = 5,
    epochs: Annotated[int, typer.Option(min=1, help="Passes of skip-gram over the walks.")]
    = 1,
    directed: Annotated[bool, typer.Option("--directed/--undirected",
                                           help="Edges go from the first column to the "
                                           "second.")] = False,
    weighted: Annotated[bool | None, typer.Option(
        "--weighted/--unweighted",
        help="Read a third column as edge weights (default: when the file has one).")] = None,
    sep: Annotated[str | None, typer.Option(help="Column separator (default: whitespace).")]
    = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Threads (default: all cores).")]
    = None,
    to: Annotated[str, typer.Option("--to", "-t", "--format", help="Output format: "
                                    + ", ".join(FORMATS) + ".")] = "native",
    labels: Annotated[Path | None, typer.Option(
        help="Node labels (`node label` per line, optional header): also print "
        "node-classification micro/macro-F1.")] = None,
    train_fraction: Annotated[list[float] | None, typer.Option(
        "--train-fraction", help="Training fractions for --labels (repeatable; default 0.1, "
        "0.5, 0.9).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write timings (and F1 scores) as "
                                                "JSON.")] = None,
    progress: ProgressOption = None,
) -> None:
    """Learn node vectors from EDGELIST (DeepWalk or node2vec) and save them to --out."""
    from everyvec.data.graph import Graph
    from everyvec.train.graph import DeepWalk, Node2Vec

    if method not in METHODS:
        raise ValueError(f"--method must be one of {', '.join(METHODS)}; got {method!r}")
    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}; got {to!r}")
    if method == "deepwalk" and (p != 1.0 or q != 1.0):
        raise ValueError("--p and --q are node2vec parameters; add --method node2vec")
    common = {"walk_length": walk_length, "walks_per_node": walks_per_node, "window": window,
              "negative": negative, "epochs": epochs, "workers": workers, "seed": seed,
              "progress": progress}
    model = (Node2Vec(dim, p=p, q=q, **common) if method == "node2vec"
             else DeepWalk(dim, **common))
    model._check_params()  # bad settings fail before the file is read
    started = time.perf_counter()
    with err_console.status(f"reading {edgelist}…", spinner="dots"):
        g = Graph.read_edgelist(edgelist, directed=directed, weighted=weighted, sep=sep)
    label_map = None
    if labels is not None:
        from everyvec.evaluate.graph import read_labels

        label_map = read_labels(labels)
    read_s = time.perf_counter() - started
    err_console.print(f"{g!r} read in {read_s:.1f} s")
    model.fit(g)
    err_console.print(str(model.report_))
    written = model.vectors.save(out, format=to)
    err_console.print(f"{g.n_nodes:,} nodes × {dim} dims saved to {written}")
    result = {"method": method, "params": model.get_params(), "read_seconds": read_s,
              **model.report_.to_dict()}
    if label_map is not None:
        from everyvec.evaluate.graph import node_classification

        fractions = train_fraction or [0.1, 0.5, 0.9]
        scores = node_classification(model.vectors, label_map, train_fractions=fractions,
                                     seed=seed)
        typer.echo(str(scores))
        result["node_classification"] = scores.to_dict()
    if report is not None:
        with atomic_file(report, "w") as handle:
            handle.write(json.dumps(result, indent=2) + "\n")


graph = friendly_errors(graph)
