"""Benchmark: STS-B test Spearman of sentence vectors, from word2vec means to fine-tuned MiniLM.

One table, one run, the same 1,379 STS-B test pairs and the same scoring for every row
(:func:`everyvec.evaluate.evaluate_sts`: Spearman correlation between the cosine of the two
sentences' vectors and the gold score):

* **mean word2vec** — everyvec skip-gram (dim 100, window 5, 5 epochs) trained on the first
  ``--w2v-sentences`` Wikipedia sentences of the mirror's English corpus; a sentence is the
  mean of its known words' vectors (SPEC §4's "sentence vector = average of word vectors");
* **RNN LM** — everyvec's LSTM language model trained on the first ``--lm-sentences``
  Wikipedia sentences (``benchmarks/bench_language_model.py``'s settings); a sentence is the
  final hidden state (seed 001);
* **biLM (ELMo-style)** — everyvec's bidirectional LM on the same sentences; a sentence is the
  mean of its words' contextual vectors (equal mix of the 2L+1 layers);
* **MiniLM** — all-MiniLM-L6-v2 through everyvec's Encoder (ONNX fp32 and int8);
* **fine-tuned MiniLM** — the same model fine-tuned on STS-B *train* with in-batch negatives
  (pairs scored ≥ 4), lower layers frozen (:func:`everyvec.encoders.fine_tune`).

Writes ``benchmarks/results/stsb.md``.

Usage: ``python benchmarks/bench_stsb.py [--threads 1] [--w2v-sentences 400000]``
"""

from __future__ import annotations

import argparse
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script
from bench_language_model import corpus_path, sentences, train_lm_for_sts


def word2vec_row(root: Path, n_sentences: int, threads: int) -> tuple[Any, str]:
    """An encode function from mean word2vec vectors, and a note on how it was trained."""
    from itertools import islice

    from everyvec import Word2Vec
    from everyvec.text import get_tokenizer

    corpus = list(islice(sentences(corpus_path(root)), n_sentences))
    tokens = sum(len(s) for s in corpus)
    model = Word2Vec(100, sg=True, window=5, negative=5, min_count=5, epochs=5,
                     workers=threads, seed=0, progress=False).fit(corpus)
    tokenize = get_tokenizer("english")

    def encode(texts: list[str]) -> np.ndarray:
        return model.vectors.sentence_vectors([tokenize(t) for t in texts], "mean",
                                              empty="ignore")

    return encode, f"{n_sentences:,} sentences, {tokens / 1e6:.1f}M tokens"


def bilm_row(root: Path, n_sentences: int) -> tuple[Any, str]:
    """An encode function from the biLM's mean contextual vectors."""
    from itertools import islice

    from everyvec.nn.bilm import BiLanguageModel

    corpus = list(islice(sentences(corpus_path(root)), n_sentences))
    model = BiLanguageModel(min_count=5, max_len=50, epochs=2, batch_size=64, lr=3e-3,
                            seed=0, progress=False).fit(corpus)

    def encode(texts: list[str]) -> np.ndarray:
        rows = model.contextual_vectors(texts)
        return np.stack([r.mean(axis=0) if len(r) else np.zeros(r.shape[1], np.float32)
                         for r in rows])

    return encode, f"{n_sentences:,} sentences, {model.epochs} epochs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--w2v-sentences", type=int, default=400_000)
    parser.add_argument("--lm-sentences", type=int, default=20_000)
    parser.add_argument("--skip-bilm", action="store_true")
    parser.add_argument("--finetune-epochs", type=int, default=1)
    args = parser.parse_args()
    root = data_root()
    if root is None:
        sys.exit("needs the data mirror (EVERYVEC_DATA or ../shared/data)")
    import torch

    from everyvec import Encoder
    from everyvec.data.stsb import load_stsb
    from everyvec.encoders import fine_tune
    from everyvec.evaluate.sts import evaluate_sts

    torch.set_num_threads(args.threads)
    test = load_stsb("test")
    rows: list[dict[str, Any]] = []

    def score(name: str, encode: Any, trained: str, seconds: float) -> None:
        result = evaluate_sts(encode, test, name=name)
        rows.append({"name": name, "spearman": result.spearman, "pearson": result.pearson,
                     "trained": trained, "train_seconds": seconds})
        print(f"{name}: Spearman {result.spearman:.4f} ({trained}, {seconds:.0f} s)",
              flush=True)

    started = time.perf_counter()
    encode, note = word2vec_row(root, args.w2v_sentences, args.threads)
    score("mean word2vec (skip-gram, dim 100)", encode, note, time.perf_counter() - started)

    started = time.perf_counter()
    lm = train_lm_for_sts(root, n_sentences=args.lm_sentences, threads=args.threads)
    score(f"RNN LM final hidden state ({lm.cell.upper()} {lm.hidden_size})", lm.encode,
          f"{args.lm_sentences:,} sentences", time.perf_counter() - started)

    if not args.skip_bilm:
        started = time.perf_counter()
        encode, note = bilm_row(root, args.lm_sentences)
        score("biLM (ELMo-style) mean contextual vector", encode, note,
              time.perf_counter() - started)

    for quantize in (None, "int8"):
        encoder = Encoder("all-MiniLM-L6-v2", quantize=quantize, threads=args.threads,
                          truncation="ignore", progress=False)
        score(f"all-MiniLM-L6-v2 ({'int8' if quantize else 'fp32'} ONNX)", encoder.encode,
              "pretrained", 0.0)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = fine_tune("all-MiniLM-L6-v2", load_stsb("train"), Path(tmp) / "tuned",
                           epochs=args.finetune_epochs, seed=0, progress=False)
        seconds = time.perf_counter() - started
        tuned = Encoder(result.path, threads=args.threads, truncation="ignore",
                        progress=False)
        score("all-MiniLM-L6-v2 fine-tuned on STS-B train (fp32 ONNX)", tuned.encode,
              f"{result.pairs:,} positive pairs, {args.finetune_epochs} epoch(s), "
              f"{result.frozen_layers} of {result.layers} layers frozen", seconds)
    write_table(rows, args)


def write_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Write ``benchmarks/results/stsb.md``."""
    command = "python benchmarks/bench_stsb.py " + shlex.join(
        [f"--threads={args.threads}", f"--w2v-sentences={args.w2v_sentences}",
         f"--lm-sentences={args.lm_sentences}", f"--finetune-epochs={args.finetune_epochs}"]
        + (["--skip-bilm"] if args.skip_bilm else []))
    body = [
        "# STS-B test: sentence vectors compared (Spearman of cosine vs gold)",
        "",
        f"Command: `{command}` — {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {args.threads} torch thread(s); "
        f"peak RSS {peak_rss_mib():,.0f} MiB.",
        "",
        "| sentence vectors | STS-B test Spearman | Pearson | trained on | train time s |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        body.append(f"| {row['name']} | {row['spearman']:.4f} | {row['pearson']:.4f} | "
                    f"{row['trained']} | {row['train_seconds']:.0f} |")
    out = REPO / "benchmarks" / "results" / "stsb.md"
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
