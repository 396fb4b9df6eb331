"""``everyvec encode FILE``: sentence vectors of a file's texts from a transformer encoder.

The texts come from a text file (one per line), a JSON Lines file (a text field and an
optional key field) or a CSV/TSV table (a text column and an optional key column). The vectors
go out in the native format (or any vectors format), or as a collection whose metadata holds
each text — ready for ``everyvec serve OUT --encoder model``, which then encodes queries with
the very same model and settings (they are recorded in the vectors' provenance).
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from everyvec.cli._common import (
    JsonOption,
    ProgressOption,
    err_console,
    friendly_errors,
    print_json,
)
from everyvec.cli.files import FORMATS


def read_texts(path: Path, *, text_field: str, key_field: str | None, keys: str
               ) -> tuple[list[str], list[str]]:
    """``(keys, texts)`` of a .txt, .jsonl or .csv/.tsv file (errors name file and line)."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        keyed = _read_jsonl(path, text_field, key_field)
    elif suffix in (".csv", ".tsv"):
        keyed = _read_table(path, text_field, key_field, "\t" if suffix == ".tsv" else ",")
    else:
        keyed = [(None, line.rstrip("\r\n"), number) for number, line in
                 enumerate(_lines(path), start=1) if line.strip()]
    if not keyed:
        raise ValueError(f"{path}: no text found (empty lines are skipped)")
    out_keys = []
    seen: dict[str, int] = {}
    for key, text, number in keyed:
        key = key if key is not None else (f"line:{number}" if keys == "line" else text)
        if key in seen:
            hint = ("use --keys line, or remove duplicate lines" if key_field is None
                    else f"the {key_field!r} values must be unique")
            raise ValueError(f"{path}, line {number}: the key {key!r:.80} was already used on "
                             f"line {seen[key]}; {hint}")
        seen[key] = number
        out_keys.append(key)
    return out_keys, [text for _, text, _ in keyed]


def _lines(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            yield from handle
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read_jsonl(path: Path, text_field: str, key_field: str | None
                ) -> list[tuple[str | None, str, int]]:
    out = []
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
            raise ValueError(f"{path}, line {number}: expected an object with a string "
                             f"{text_field!r} field (see --text-field)")
        key = record.get(key_field) if key_field else None
        if key_field and key is None:
            raise ValueError(f"{path}, line {number}: the key field {key_field!r} is missing")
        out.append((None if key is None else str(key), record[text_field], number))
    return out


def _read_table(path: Path, text_field: str, key_field: str | None, sep: str
                ) -> list[tuple[str | None, str, int]]:
    rows = csv.reader(_lines(path), delimiter=sep)
    header = next(rows, None)
    if header is None:
        return []
    for wanted in (text_field, key_field):
        if wanted is not None and wanted not in header:
            raise ValueError(f"{path}, line 1: no column {wanted!r} in the header "
                             f"({', '.join(header)}); see --text-field / --key-field")
    text_at = header.index(text_field)
    key_at = header.index(key_field) if key_field else None
    out = []
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError(f"{path}, line {number}: {len(row)} fields, the header has "
                             f"{len(header)}")
        out.append((None if key_at is None else row[key_at], row[text_at], number))
    return out


def encode(
    file: Annotated[Path, typer.Argument(help="Texts: .txt (one per line), .jsonl or .csv/.tsv.",
                                         exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Vectors file, or collection folder "
                                      "with --collection.")],
    model: Annotated[str, typer.Option(help="Packaged model name or Hugging Face model "
                                       "folder (nothing is downloaded).")]
    = "all-MiniLM-L6-v2",
    backend: Annotated[str, typer.Option(help="onnx (fast CPU) or torch (reference).")]
    = "onnx",
    quantize: Annotated[bool, typer.Option("--int8", help="Dynamic int8 quantization "
                                           "(onnx backend).")] = False,
    pooling: Annotated[str | None, typer.Option(help="mean, cls or max (default: the "
                                                "model's).")] = None,
    normalize: Annotated[bool | None, typer.Option("--normalize/--no-normalize", help="L2-"
                                                   "normalise (default: the model's).")] = None,
    max_length: Annotated[int | None, typer.Option(min=2, help="Tokens read per text "
                                                   "(default: the model's).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Texts per forward pass.")] = 32,
    threads: Annotated[int | None, typer.Option(min=1, help="CPU threads.")] = None,
    text_field: Annotated[str, typer.Option(help="Text field / column (.jsonl, .csv).")]
    = "text",
    key_field: Annotated[str | None, typer.Option(help="Key field / column (.jsonl, .csv); "
                                                  "default: the keys of --keys.")] = None,
    keys: Annotated[str, typer.Option(help="Keys without --key-field: text (the text itself) "
                                      "or line (line:N).")] = "text",
    collection: Annotated[bool, typer.Option("--collection", help="Write a collection folder "
                                             "with each text as metadata.")] = False,
    to: Annotated[str, typer.Option("--to", "-t", help="Vectors format: "
                                    + ", ".join(FORMATS) + ".")] = "native",
    progress: ProgressOption = None,
    as_json: JsonOption = False,
) -> None:
    """Encode the texts of FILE with a transformer and write their vectors."""
    from everyvec.encoders.encoder import Encoder

    if keys not in ("text", "line"):
        raise ValueError(f"--keys must be text or line; got {keys!r}")
    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}; got {to!r}")
    if collection and to != "native":
        raise ValueError("--collection writes a collection folder; leave --to at native")
    key_list, texts = read_texts(file, text_field=text_field, key_field=key_field, keys=keys)
    with err_console.status(f"loading {model}…", spinner="dots"):
        encoder = Encoder(model, backend=backend, quantize="int8" if quantize else None,
                          pooling=pooling, normalize=normalize, max_length=max_length,
                          batch_size=batch_size, threads=threads, progress=progress)
    started = time.perf_counter()
    vectors = encoder.to_vectors(texts, key_list)
    seconds = time.perf_counter() - started
    if collection:
        from everyvec.collection import Collection

        written = Collection.from_vectors(
            vectors, metadata=[{"text": text} for text in texts]).save(out)
    else:
        written = vectors.save(out, format=to)
    summary = {"texts": len(texts), "dim": vectors.dim, "seconds": round(seconds, 2),
               "texts_per_second": round(len(texts) / max(seconds, 1e-9), 1),
               "encoder": encoder.config(), "out": str(written)}
    if as_json:
        print_json(summary)
        return
    err_console.print(f"encoded {len(texts):,} texts into {vectors.dim}-dim vectors in "
                      f"{seconds:.1f} s ({summary['texts_per_second']:,} texts/s) with "
                      f"{encoder!r}; wrote {written}", soft_wrap=True)


encode = friendly_errors(encode)
