"""``everyvec demo``: the main job, end to end on real data from the data mirror.

Text → ids and vocabulary → word2vec (skip-gram, negative sampling, on every core) → native
file (memory-mapped on load) → neighbours and analogies → evaluation on the standard sets →
conversion to word2vec files. By default it trains on the largest English corpus of the data
mirror (English Wikipedia paragraphs, 38.9M tokens) in a few minutes on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.rule import Rule
from rich.table import Table

from everyvec.cli._common import console, friendly_errors

NEIGHBOUR_WORDS = ("king", "france", "computer", "music", "three")
SEED_ANALOGIES = (("man", "king", "woman"), ("spain", "madrid", "france"),
                  ("good", "better", "bad"))


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the files the demo writes.")]
    = Path("demo-output"),
    corpus: Annotated[
        str, typer.Option(help="Dataset name (en-wiki-2015, text8-prefix) or a corpus path.")]
    = "en-wiki-2015",
    dim: Annotated[int, typer.Option(min=2, help="Vector dimension.")] = 100,
    min_count: Annotated[int, typer.Option(min=1, help="Drop rarer words.")] = 5,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the corpus.")] = 5,
    workers: Annotated[int | None, typer.Option(min=1, help="Threads (default: all cores).")]
    = None,
) -> None:
    """Train word2vec on English Wikipedia text, query it, evaluate it, convert it."""
    from everyvec import datasets, evaluate
    from everyvec.text import Corpus
    from everyvec.train import Word2Vec
    from everyvec.vectors import Vectors

    started = time.perf_counter()
    source = Path(corpus) if Path(corpus).exists() else datasets.path(corpus)
    # text8 is one 100 MB line: read it as a token stream cut into 10,000-token sentences
    layout = "stream" if "text8" in source.name else "lines"
    console.print(Rule(f"1. read, encode and train word2vec: {source.name}"))
    reader = Corpus(source, tokenizer="text8", layout=layout)
    model = Word2Vec(dim, sg=True, min_count=min_count, epochs=epochs, workers=workers,
                     progress=None)
    console.print(f"reading the corpus once into token ids, then {epochs} epochs of skip-gram "
                  f"(dim {dim}, window 5, negative 5, sample 1e-3)…")
    model.fit(reader)
    vocab = model.vocabulary_
    report = model.report_
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("tokens read", f"{reader.stats.tokens:,}")
    table.add_row("sentences", f"{reader.stats.sentences:,}")
    table.add_row(f"words kept (count ≥ {min_count})", f"{len(vocab):,}")
    table.add_row("most frequent", " ".join(vocab.id_to_token[:8]))
    table.add_row("training", f"{report.seconds:.1f} s on {model._workers()} threads, "
                              f"{report.words_per_second:,.0f} words/s")
    table.add_row("mean loss per epoch", "  ".join(f"{x:.4f}" for x in report.losses))
    table.add_row("read + train", f"{time.perf_counter() - started:.1f} s")
    console.print(table)

    console.print(Rule("2. save (native, atomic) and load back memory-mapped"))
    out.mkdir(parents=True, exist_ok=True)
    native = model.vectors.save(out / "word2vec-sg", format="native")
    vectors = Vectors.load(native)
    console.print(f"saved to {native}; reloaded: {vectors!r}, memory-mapped: "
                  f"{isinstance(vectors.matrix, np.memmap)}")

    console.print(Rule("3. nearest neighbours (one batched query)"))
    words = [w for w in NEIGHBOUR_WORDS if w in vectors]
    found = vectors.most_similar_batch(words, topn=6)
    table = Table("word", "neighbours (cosine)")
    for word, keys, scores in zip(words, found.keys, found.scores, strict=True):
        table.add_row(word, ", ".join(f"{k} {s:.2f}" for k, s in zip(keys, scores, strict=True)))
    console.print(table)

    console.print(Rule("4. analogies  a : b :: c : ?"))
    table = Table("question", "answers (3CosAdd)", "answers (3CosMul)")
    for a, b, c in SEED_ANALOGIES:
        if all(w in vectors for w in (a, b, c)):
            add = vectors.analogy(a, b, c, topn=3)
            mul = vectors.analogy(a, b, c, topn=3, method="3cosmul")
            table.add_row(f"{b} − {a} + {c}", ", ".join(k for k, _ in add),
                          ", ".join(k for k, _ in mul))
    console.print(table)

    console.print(Rule("5. evaluation on the standard sets"))
    for name in ("questions-words",):
        console.print(evaluate.analogies(vectors, datasets.path(name), restrict_vocab=30_000))
    for name in ("wordsim353", "simlex999"):
        console.print(evaluate.word_pairs(vectors, datasets.path(name)))

    console.print(Rule("6. convert to word2vec text and binary, and read them back"))
    table = Table("format", "file", "bytes", "load s", "identical")
    for fmt, name in (("word2vec", "vectors.txt"), ("word2vec-binary", "vectors.bin")):
        path = vectors.save(out / name, format=fmt)
        tick = time.perf_counter()
        again = Vectors.load(path)
        seconds = time.perf_counter() - tick
        same = again.keys == vectors.keys and np.array_equal(again.matrix, vectors.matrix)
        table.add_row(fmt, str(path), f"{path.stat().st_size:,}", f"{seconds:.2f}", str(same))
    console.print(table)
    console.print(f"[bold green]demo finished in {time.perf_counter() - started:.1f} s[/]; "
                  f"files in {out}/. Try: everyvec similar {native} king queen")


demo = friendly_errors(demo)
