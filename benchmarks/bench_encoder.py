"""Benchmark: encoding throughput and STS-B quality, everyvec's Encoder vs sentence-transformers.

Same model (all-MiniLM-L6-v2 from the installed package), same CPU threads, same batch size
(32), same texts, one run. Contenders:

* ``sentence-transformers`` — ``SentenceTransformer(...).encode`` (PyTorch; it sorts by length
  too), the library users pick today;
* everyvec ``backend="torch"`` — the reference path (same PyTorch model);
* everyvec ``backend="onnx"`` — ONNX Runtime on the fused fp32 export;
* everyvec ``backend="onnx", quantize="int8"`` — the same, dynamically quantized.

Texts: the 2,552 distinct sentences of the STS-B test split (short: ~14 tokens on average)
and 500 Wikipedia paragraphs of 150+ words from the English corpus (long: cut at 256 tokens
by every contender). Each contender runs in its own process (so its peak RSS is its own),
encodes the texts once to warm up, then twice timed; the better time counts.
Quality: Spearman correlation between the cosine of the two sentences' vectors and the gold
score over the STS-B test pairs; agreement: mean cosine between each contender's vectors and
sentence-transformers' for the same texts.

Writes ``benchmarks/results/encoder.md``.

Usage: ``python benchmarks/bench_encoder.py [--threads 1,2] [--long 500]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script

CONTENDERS = {
    "sentence-transformers": {},
    "everyvec torch": {"backend": "torch"},
    "everyvec onnx fp32": {"backend": "onnx"},
    "everyvec onnx int8": {"backend": "onnx", "quantize": "int8"},
}
BATCH = 32


def load_texts(root: Path, n_long: int) -> tuple[Any, list[str], list[str]]:
    """STS-B test pairs, its distinct sentences, and ``n_long`` long paragraphs."""
    from everyvec.data.stsb import load_stsb

    pairs = load_stsb("test")
    short = sorted(set(pairs.sentences1) | set(pairs.sentences2))
    long: list[str] = []
    with gzip.open(root / "en_corpus" / "enwiki2015_paragraphs.txt.gz", "rt",
                   encoding="utf-8") as handle:
        for line in handle:
            if len(line.split()) >= 150:
                long.append(line.strip())
                if len(long) == n_long:
                    break
    return pairs, short, long


def make_encoder(name: str, threads: int) -> Any:
    """A ``list[str] -> array`` function for contender ``name``."""
    import torch

    torch.set_num_threads(threads)
    if name == "sentence-transformers":
        from sentence_transformers import SentenceTransformer

        from everyvec.encoders.model_files import resolve_model

        model = SentenceTransformer(str(resolve_model("all-MiniLM-L6-v2").path), device="cpu",
                                    local_files_only=True)
        return lambda texts: model.encode(texts, batch_size=BATCH, convert_to_numpy=True,
                                          show_progress_bar=False)
    from everyvec import Encoder

    encoder = Encoder("all-MiniLM-L6-v2", threads=threads, batch_size=BATCH,
                      truncation="ignore", progress=False, **CONTENDERS[name])
    return encoder.encode


def worker(name: str, threads: int, n_long: int, out: Path) -> None:
    """Run one contender and write its numbers and vectors to ``out``."""
    from scipy.stats import spearmanr

    root = data_root()
    assert root is not None
    pairs, short, long = load_texts(root, n_long)
    started = time.perf_counter()
    encode = make_encoder(name, threads)
    load_seconds = time.perf_counter() - started
    result: dict[str, Any] = {"name": name, "threads": threads, "load_seconds": load_seconds}
    for label, texts in (("short", short), ("long", long)):
        vectors = encode(texts)  # warm-up (and the vectors compared)
        best = min(_timed(encode, texts) for _ in range(2))
        result[f"{label}_per_second"] = len(texts) / best
        np.save(out.with_name(out.stem + f"-{label}.npy"), np.asarray(vectors, np.float32))
        if label == "short":
            index = {text: i for i, text in enumerate(short)}
            a = vectors[[index[s] for s in pairs.sentences1]]
            b = vectors[[index[s] for s in pairs.sentences2]]
            cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
            result["spearman"] = float(spearmanr(cos, pairs.scores).statistic)
    result["peak_rss_mib"] = peak_rss_mib()
    out.write_text(json.dumps(result), encoding="utf-8")


def _timed(encode: Any, texts: list[str]) -> float:
    started = time.perf_counter()
    encode(texts)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,2", help="comma-separated CPU thread counts")
    parser.add_argument("--long", type=int, default=500, help="long paragraphs to encode")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    if args.worker:
        worker(args.worker, threads[0], args.long, Path(args.out))
        return
    root = data_root()
    if root is None:
        sys.exit("needs the data mirror (EVERYVEC_DATA or ../shared/data)")
    _, short, long = load_texts(root, args.long)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in threads:
            for name in CONTENDERS:
                out = Path(tmp) / f"{name.replace(' ', '_')}-{count}.json"
                subprocess.run([sys.executable, __file__, "--worker", name, "--threads",
                                str(count), "--long", str(args.long), "--out", str(out)],
                               check=True)
                row = json.loads(out.read_text(encoding="utf-8"))
                reference = Path(tmp) / f"sentence-transformers-{count}"
                for label in ("short", "long"):
                    mine = np.load(out.with_name(out.stem + f"-{label}.npy"))
                    theirs = np.load(str(reference) + f"-{label}.npy")
                    row[f"{label}_agreement"] = float(((mine * theirs).sum(1) / (
                        np.linalg.norm(mine, axis=1) * np.linalg.norm(theirs, axis=1))).mean())
                rows.append(row)
                print(json.dumps(row), flush=True)
    write_table(rows, len(short), len(long), args)


def write_table(rows: list[dict[str, Any]], n_short: int, n_long: int,
                args: argparse.Namespace) -> None:
    """Write ``benchmarks/results/encoder.md``."""
    command = "python benchmarks/bench_encoder.py " + shlex.join(
        [f"--threads={args.threads}", f"--long={args.long}"])
    body = [
        "# Contextual encoders: everyvec vs sentence-transformers (all-MiniLM-L6-v2, CPU)",
        "",
        f"Command: `{command}` — {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, batch size {BATCH}.",
        "",
        f"Short texts: the {n_short:,} distinct STS-B test sentences; long texts: {n_long} "
        "Wikipedia paragraphs of 150+ words (cut at 256 tokens). Speed: better of two timed "
        "passes after a warm-up. *Spearman*: STS-B test, cosine vs gold. *Agreement*: mean "
        "cosine with sentence-transformers' vectors for the same texts. Each contender runs in "
        "its own process; peak RSS is that process's.",
        "",
        "| threads | contender | short texts/s | × s-t | long texts/s | × s-t | STS-B Spearman "
        "| Δ vs s-t | agreement (short / long) | load s | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ref = next(r for r in rows if r["threads"] == row["threads"]
                   and r["name"] == "sentence-transformers")
        body.append(
            f"| {row['threads']} | {row['name']} | {row['short_per_second']:,.0f} | "
            f"{row['short_per_second'] / ref['short_per_second']:.2f}× | "
            f"{row['long_per_second']:,.1f} | "
            f"{row['long_per_second'] / ref['long_per_second']:.2f}× | "
            f"{row['spearman']:.4f} | {row['spearman'] - ref['spearman']:+.4f} | "
            f"{row['short_agreement']:.4f} / {row['long_agreement']:.4f} | "
            f"{row['load_seconds']:.1f} | {row['peak_rss_mib']:,.0f} |")
    body += ["", "The first everyvec ONNX encoder of a model exports, fuses (and quantizes) it "
             "and caches the files; *load s* is measured with the cache warm."]
    out = REPO / "benchmarks" / "results" / "encoder.md"
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
