"""The ``everyvec`` command line (typer + rich): one module per command group.

Every command prints a one-line ``error: …`` and exits 1 on bad input; ``--debug`` (or
``EVERYVEC_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

from typing import Annotated

import typer

from everyvec import __version__
from everyvec.cli import demo as _demo
from everyvec.cli import encode as _encode
from everyvec.cli import evaluate as _evaluate
from everyvec.cli import export as _export
from everyvec.cli import files as _files
from everyvec.cli import graph as _graph
from everyvec.cli import index as _index
from everyvec.cli import plot as _plot
from everyvec.cli import query as _query
from everyvec.cli import recs as _recs
from everyvec.cli import search as _search
from everyvec.cli import serve as _serve
from everyvec.cli import tabular as _tabular
from everyvec.cli import train as _train
from everyvec.cli._common import set_debug

app = typer.Typer(
    name="everyvec",
    help="Embeddings for everything: train, query, evaluate and convert vectors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(flag: bool) -> None:
    if flag:
        typer.echo(f"everyvec {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    set_debug(debug)


app.command("train")(_train.train)
app.command("similar")(_query.similar)
app.command("analogy")(_query.analogy)
app.command("eval")(_evaluate.evaluate)
app.command("convert")(_files.convert)
app.command("info")(_files.info)
app.command("demo")(_demo.demo)
app.command("search")(_search.search)
app.command("serve")(_serve.serve)
app.add_typer(_index.app, name="index")
app.add_typer(_export.app, name="export")
app.command("plot")(_plot.plot)
app.command("item2vec")(_recs.item2vec)
app.command("recommend")(_recs.recommend)
app.command("eval-recs")(_recs.eval_recs)
app.command("graph")(_graph.graph)
app.command("entity-embed")(_tabular.entity_embed)
app.command("encode")(_encode.encode)


def main() -> None:
    """Console-script entry point."""
    app()
