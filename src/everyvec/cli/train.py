"""``everyvec train``: learn word2vec vectors from a text corpus and save them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from everyvec.cli._common import ProgressOption, err_console, friendly_errors
from everyvec.cli.files import FORMATS

TOKENIZERS = ("whitespace", "english", "text8", "jieba", "chars")


def train(
    corpus: Annotated[list[str], typer.Argument(
        help="Text file(s), folder(s) or glob(s); gz/bz2/xz/zip are detected.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the vectors.")],
    to: Annotated[str, typer.Option("--to", "-t", help="Output format: "
                                    + ", ".join(FORMATS) + ".")] = "native",
    sg: Annotated[bool, typer.Option("--sg/--cbow", help="Skip-gram, or CBOW (the default, "
                                     "as in gensim).")] = False,
    hs: Annotated[bool, typer.Option("--hs/--no-hs", help="Hierarchical softmax.")] = False,
    negative: Annotated[int, typer.Option(min=0, help="Noise words per example (0: off).")]
    = 5,
    dim: Annotated[int, typer.Option("--dim", "--vector-size", min=1, help="Dimension.")]
    = 100,
    window: Annotated[int, typer.Option(min=1, help="Context window.")] = 5,
    min_count: Annotated[int, typer.Option(min=1, help="Drop rarer words.")] = 5,
    sample: Annotated[float, typer.Option(min=0.0, max=1.0,
                                          help="Subsampling threshold (0: off).")] = 1e-3,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the corpus.")] = 5,
    alpha: Annotated[float, typer.Option(min=0.0, help="Initial learning rate.")] = 0.025,
    workers: Annotated[int | None, typer.Option(min=1, help="Threads (default: all cores).")]
    = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 1,
    tokenizer: Annotated[str, typer.Option(help="Tokenizer: " + ", ".join(TOKENIZERS) + ".")]
    = "whitespace",
    layout: Annotated[str, typer.Option(help="'lines' (a sentence per line) or 'stream' "
                                        "(one token stream, as text8).")] = "lines",
    device: Annotated[str | None, typer.Option(
        help="Train with PyTorch on this device ('cuda', 'cuda:N' or 'cpu'); default: the "
             "CPU engine. Under torchrun, trains across all the processes.")] = None,
    batch_words: Annotated[int, typer.Option(
        min=1, help="--device: centre words per training step.")] = 4096,
    sync_words: Annotated[int, typer.Option(
        min=1, help="--device under torchrun: tokens per rank between table "
                    "synchronisations.")] = 1_000_000,
    checkpoint: Annotated[Path | None, typer.Option(
        help="Save a resumable checkpoint here after every epoch (under torchrun, a "
             "restarted run resumes from it).")] = None,
    resume: Annotated[bool, typer.Option(
        help="Finish the run saved in --checkpoint instead of starting afresh.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the training report as JSON.")]
    = None,
    progress: ProgressOption = None,
) -> None:
    """Train word2vec on CORPUS and save the vectors to --out."""
    from everyvec.text import Corpus
    from everyvec.train import Word2Vec

    if to not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}; got {to!r}")
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"--tokenizer must be one of {', '.join(TOKENIZERS)}; got "
                         f"{tokenizer!r}")
    reader = Corpus(corpus, tokenizer=tokenizer, layout=layout)
    started = time.perf_counter()
    if resume:
        if checkpoint is None:
            raise ValueError("--resume needs --checkpoint (the folder to resume from)")
        model = Word2Vec.load_checkpoint(checkpoint)
        model.checkpoint, model.progress = checkpoint, progress
        err_console.print(f"resuming {model!r} after epoch {model._epochs_done} of "
                          f"{model.epochs}")
        model.resume(reader)
    else:
        model = Word2Vec(dim, sg=sg, hs=hs, negative=negative, window=window,
                         min_count=min_count, sample=sample, epochs=epochs, alpha=alpha,
                         workers=workers, seed=seed, device=device, batch_words=batch_words,
                         sync_words=sync_words, checkpoint=checkpoint, progress=progress)
        model.fit(reader)
    if getattr(model, "rank_", 0) != 0:
        return  # under torchrun every rank holds the same vectors; rank 0 writes them
    for epoch in model.report_.epochs:
        err_console.print(f"epoch {epoch.epoch + 1}: mean loss {epoch.mean_loss:.4f}, "
                          f"{epoch.words_per_second:,.0f} words/s, {epoch.seconds:.1f} s")
    written = model.vectors.save(out, format=to)
    if report is not None:
        report.write_text(json.dumps(model.report_.to_dict(), indent=2) + "\n",
                          encoding="utf-8")
    err_console.print(f"{len(model.vocabulary_):,} words × {model.vector_size} dims from "
                      f"{reader.stats.tokens:,} tokens in {time.perf_counter() - started:.1f} s"
                      f" ({model.report_.words_per_second:,.0f} words/s); saved to {written}")


train = friendly_errors(train)
