"""``everyvec demo``: the main job, end to end on real data from the data mirror.

Text → vocabulary → vectors → native file (memory-mapped on load) → neighbours and analogies →
evaluation on the standard sets → conversion to word2vec files. Until the word2vec trainer
lands, the vectors are count-based (PPMI + truncated SVD), learned in seconds.
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
        str, typer.Option(help="Dataset name or path of a one-line (text8-style) corpus.")]
    = "text8-prefix",
    dim: Annotated[int, typer.Option(min=2, help="Vector dimension.")] = 100,
    min_count: Annotated[int, typer.Option(min=1, help="Drop rarer words.")] = 5,
) -> None:
    """Learn vectors from the text8 prefix, query them, evaluate them, convert them."""
    from everyvec import datasets, evaluate
    from everyvec.text import Text8Corpus
    from everyvec.train import PPMISVD
    from everyvec.vectors import Vectors

    started = time.perf_counter()
    source = Path(corpus) if Path(corpus).exists() else datasets.path(corpus)
    console.print(Rule(f"1. corpus and vocabulary: {source.name}"))
    reader = Text8Corpus(source)
    with console.status("counting, weighting and factorising (PPMI + SVD)…"):
        model = PPMISVD(dim, min_count=min_count, max_vocab_size=50_000).fit(reader)
    vocab = model.vocabulary_
    stats = reader.stats
    table = Table(show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("tokens read", f"{stats.tokens:,}")
    table.add_row("sentences (10,000-token chunks of one line)", f"{stats.sentences:,}")
    table.add_row(f"words kept (count ≥ {min_count}, at most 50,000)", f"{len(vocab):,}")
    table.add_row("most frequent", " ".join(vocab.id_to_token[:8]))
    table.add_row("vectors", f"{len(model.vectors):,} × {model.vectors.dim}")
    table.add_row("learned in", f"{time.perf_counter() - started:.1f} s")
    console.print(table)

    console.print(Rule("2. save (native, atomic) and load back memory-mapped"))
    out.mkdir(parents=True, exist_ok=True)
    native = model.vectors.save(out / "text8-ppmi-svd", format="native")
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
