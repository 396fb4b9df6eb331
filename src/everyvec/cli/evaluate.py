"""``everyvec eval``: analogy accuracy and word-pair similarity of a vectors file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from everyvec.cli._common import (
    console,
    err_console,
    friendly_errors,
    load_vectors,
)
from everyvec.cli.query import FormatOption, VectorsPath
from everyvec.errors import DatasetError

DEFAULT_ANALOGIES = ("questions-words",)
DEFAULT_PAIRS = ("wordsim353", "simlex999")


def resolve(test_set: str) -> Path:
    """A path as given, or the local file of a registered dataset name."""
    from everyvec import datasets

    candidate = Path(test_set)
    if candidate.exists():
        return candidate
    if test_set in datasets.list():
        return datasets.path(test_set)
    raise FileNotFoundError(
        f"{test_set!r} is neither a file nor a dataset name "
        f"(datasets: {', '.join(datasets.list())})"
    )


def evaluate(
    vectors: VectorsPath,
    analogies: Annotated[
        list[str] | None,
        typer.Option("--analogies", "-a", help="Analogy file or dataset name (repeatable; "
                     "default: questions-words)."),
    ] = None,
    pairs: Annotated[
        list[str] | None,
        typer.Option("--pairs", "-p", help="Word-pair similarity file or dataset name "
                     "(repeatable; default: wordsim353, simlex999)."),
    ] = None,
    restrict_vocab: Annotated[
        int, typer.Option(min=1, help="Analogy questions and answers use the N most frequent "
                          "keys (gensim's default is 300000).")] = 300_000,
    method: Annotated[str, typer.Option(help="3cosadd or 3cosmul.")] = "3cosadd",
    case_sensitive: Annotated[bool, typer.Option(help="Match words as written.")] = False,
    fmt: FormatOption = "auto",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write all results to this JSON file.")
    ] = None,
) -> None:
    """Evaluate VECTORS on analogies and word-pair similarity (defaults: the standard sets)."""
    from everyvec import evaluate as ev

    explicit = bool(analogies or pairs)
    analogy_sets = list(analogies or ([] if explicit else DEFAULT_ANALOGIES))
    pair_sets = list(pairs or ([] if explicit else DEFAULT_PAIRS))
    vecs = load_vectors(vectors, fmt)
    report: dict[str, Any] = {"vectors": str(vectors), "analogies": {}, "word_pairs": {}}
    for name in analogy_sets:
        path = _resolve_or_skip(name, explicit)
        if path is None:
            continue
        result = ev.analogies(vecs, path, restrict_vocab=min(restrict_vocab, len(vecs)),
                              method=method, case_insensitive=not case_sensitive)
        console.print(result)
        report["analogies"][name] = result.to_dict()
    for name in pair_sets:
        path = _resolve_or_skip(name, explicit)
        if path is None:
            continue
        result = ev.word_pairs(vecs, path, case_insensitive=not case_sensitive)
        console.print(result)
        report["word_pairs"][name] = result.to_dict()
    if not report["analogies"] and not report["word_pairs"]:
        raise DatasetError("no test set could be found: pass --analogies/--pairs files, or set "
                           "EVERYVEC_DATA to a data mirror")
    if json_out is not None:
        from everyvec._atomic import atomic_file

        with atomic_file(json_out, "w") as handle:
            json.dump(report, handle, ensure_ascii=False, indent=2)
        err_console.print(f"results written to {json_out}")


def _resolve_or_skip(name: str, explicit: bool) -> Path | None:
    """Resolve a test set; a missing default set is skipped with a note, not an error."""
    try:
        return resolve(name)
    except DatasetError as exc:
        if explicit:
            raise
        err_console.print(f"[yellow]skipped {name}:[/] {exc}")
        return None


evaluate = friendly_errors(evaluate)
