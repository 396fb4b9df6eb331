"""Benchmark: everyvec.Word2Vec vs gensim 4.4 Word2Vec (iterable and corpus_file modes).

Same corpus, same settings, same machine, one run: the English corpus of the data mirror
(``en_corpus/enwiki2015_paragraphs.txt.gz``, lower-cased runs of a-z, one paragraph per line,
38.9M tokens), tokenised once into a plain text file that every contender reads. Skip-gram
and CBOW with vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5,
2 threads. Each contender runs in its own subprocess so that its peak RSS (``VmHWM``) is its own;
everyvec's numba kernels are compiled (and cached on disk) before any timed run.

Reported per run: training words/s (raw corpus words × epochs / training seconds, the unit
gensim logs), end-to-end seconds (vocabulary + training), peak RSS up to the end of training
(evaluation, done the same way for everyone, comes after), questions-words accuracy
(``restrict_vocab=30000``, 3CosAdd, everyvec.evaluate for every contender), WS-353 Spearman,
and the GFLOP/s achieved: each logistic term costs a dot product and two axpys,
``6 × dim`` flops, and the terms counted by everyvec's kernels are used for every contender
(the same algorithm does the same expected work). Scaling from 1 to 2 threads is measured on
one epoch of everyvec.

Writes ``benchmarks/results/word2vec.md``.

Usage: ``python benchmarks/bench_word2vec.py [--corpus PATH] [--epochs 5] [--only ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script

SETTINGS = {"vector_size": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5}
#: Peak float32 rate of one core: AVX's 8 lanes × 2 FMA pipes × 2 flops per FMA.
FLOPS_PER_CYCLE = 32


def prepare_corpus(source: Path, folder: Path) -> Path:
    """Tokenise ``source`` once (text8 tokenizer: lower-cased a-z runs) to a plain text file."""
    target = folder / f"{source.name.split('.')[0]}.tokens.txt"
    if target.exists():
        return target
    from everyvec.text import Corpus

    partial = target.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        for sentence in Corpus(source, tokenizer="text8"):
            handle.write(" ".join(sentence))
            handle.write("\n")
    partial.rename(target)
    return target


def questions_words() -> str:
    import gensim

    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data",
                        "questions-words.txt")


def quality(vectors: Any, data: Path) -> dict[str, float]:
    from everyvec import evaluate

    analogies = evaluate.analogies(vectors, questions_words(), restrict_vocab=30_000)
    pairs = evaluate.word_pairs(vectors, data / "word_similarity" / "EN-WS-353-ALL.txt")
    return {"analogy": analogies.accuracy, "ws353": pairs.spearman}


def run_one(tool: str, mode: str, sg: bool, workers: int, epochs: int, corpus: Path,
            data: Path) -> dict[str, Any]:
    """One contender, in this (fresh) process."""
    started = time.perf_counter()
    if tool == "everyvec":
        from everyvec import Word2Vec

        model = Word2Vec(sg=sg, workers=workers, epochs=epochs, seed=1, progress=False,
                         **SETTINGS).fit(corpus)
        total = time.perf_counter() - started
        report = model.report_
        result = {"train_s": report.seconds, "words": report.raw_words,
                  "terms": sum(e.terms for e in report.epochs),
                  "loss": report.losses}
        vectors = model.vectors
    else:
        from gensim.models import Word2Vec as GensimWord2Vec
        from gensim.models.word2vec import LineSentence

        model = GensimWord2Vec(sg=int(sg), workers=workers, epochs=epochs, seed=1,
                               **SETTINGS)
        if mode == "corpus_file":
            model.build_vocab(corpus_file=str(corpus))
            tick = time.perf_counter()
            model.train(corpus_file=str(corpus), total_words=model.corpus_total_words,
                        epochs=epochs)
        else:
            sentences = LineSentence(str(corpus))
            model.build_vocab(sentences)
            tick = time.perf_counter()
            model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
        train_s = time.perf_counter() - tick
        total = time.perf_counter() - started
        result = {"train_s": train_s, "words": model.corpus_total_words * epochs}
        from everyvec import Vectors

        vectors = Vectors(model.wv.index_to_key, model.wv.vectors)
    trained_peak = peak_rss_mib()  # before evaluation, which needs memory of its own
    result.update(quality(vectors, data) if epochs > 1 else {})
    result.update({"total_s": total, "peak_rss_mib": trained_peak,
                   "words_per_s": result["words"] / result["train_s"]})
    return result


def warm_up() -> None:
    """Compile (or load) the numba kernels once, so that no timed run pays for compilation:
    numba caches compiled kernels on disk, as an installed C extension would be compiled."""
    from everyvec import Word2Vec

    for sg in (True, False):
        Word2Vec(8, sg=sg, min_count=1, workers=1, progress=False).fit([["a", "b", "c"]] * 9)


def spawn(tool: str, mode: str, sg: bool, workers: int, epochs: int, corpus: Path,
          data: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", tool, mode, str(int(sg)), str(workers),
               str(epochs), str(corpus), str(data)]
    print(f"-- {tool} {mode} {'sg' if sg else 'cbow'} workers={workers} epochs={epochs}",
          flush=True)
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"   {result['words_per_s']:,.0f} words/s, {result['train_s']:.1f} s train, "
          f"{result['peak_rss_mib']:.0f} MiB, {result.get('analogy', '-')}", flush=True)
    return result


def cpu_ghz() -> float:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) / 1000
    except OSError:
        pass
    return float("nan")


def table(results: dict[str, dict[str, Any]], workers: int) -> str:
    peak = workers * cpu_ghz() * FLOPS_PER_CYCLE
    lines = []
    for arch in ("sg", "cbow"):
        ours = results[f"everyvec {arch}"]
        flops = ours["terms"] * 6 * SETTINGS["vector_size"] / ours["words"]  # per raw word
        lines.append(f"\n**{'Skip-gram' if arch == 'sg' else 'CBOW'}**\n")
        lines.append("| contender | train words/s | ratio | train s | total s | "
                     "analogy | WS-353 | peak RSS MiB | GFLOP/s | % of peak |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for label in ("everyvec", "gensim iterable", "gensim corpus_file"):
            r = results.get(f"{label} {arch}")
            if r is None:
                continue
            fastest = max(results[f"{g} {arch}"]["words_per_s"]
                          for g in ("gensim iterable", "gensim corpus_file")
                          if f"{g} {arch}" in results)
            gflops = flops * r["words_per_s"] / 1e9
            lines.append(
                f"| {label} | {r['words_per_s']:,.0f} | {r['words_per_s'] / fastest:.2f}× | "
                f"{r['train_s']:.1f} | {r['total_s']:.1f} | {r['analogy']:.4f} | "
                f"{r['ws353']:.4f} | {r['peak_rss_mib']:.0f} | {gflops:.1f} | "
                f"{100 * gflops / peak:.1f}% |")
        one = results.get(f"everyvec {arch} 1 thread")
        two = results.get(f"everyvec {arch} 2 threads")
        if one and two:
            lines.append(f"\nScaling (one epoch of everyvec): 1 thread "
                         f"{one['words_per_s']:,.0f} words/s, 2 threads "
                         f"{two['words_per_s']:,.0f} words/s: "
                         f"**{two['words_per_s'] / one['words_per_s']:.2f}×**.")
    lines.append(f"\nPeak float32 rate assumed: {workers} cores × {cpu_ghz():.2f} GHz × "
                 f"{FLOPS_PER_CYCLE} flops/cycle (AVX, 2 FMA pipes) = {peak:.0f} GFLOP/s; "
                 "flops counted as 6 × dim per logistic term (dot product + two axpys).")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        tool, mode, sg, workers, epochs, corpus, data = sys.argv[2:9]
        print(json.dumps(run_one(tool, mode, sg == "1", int(workers), int(epochs),
                                 Path(corpus), Path(data))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="Data mirror (default: EVERYVEC_DATA).")
    parser.add_argument("--corpus", default="en_corpus/enwiki2015_paragraphs.txt.gz",
                        help="Corpus path, relative to the mirror.")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=("sg", "cbow"), default=["sg", "cbow"])
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(),
                                                           "everyvec-bench"))
    args = parser.parse_args()
    data = data_root(args.data)
    if data is None:
        sys.exit("data mirror not found: pass --data or set EVERYVEC_DATA")
    folder = Path(args.work_dir)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = prepare_corpus(data / args.corpus, folder)
    warm_up()
    results: dict[str, dict[str, Any]] = {}
    for arch in args.only:
        sg = arch == "sg"
        results[f"everyvec {arch}"] = spawn("everyvec", "-", sg, args.workers, args.epochs,
                                            corpus, data)
        results[f"gensim iterable {arch}"] = spawn("gensim", "iterable", sg, args.workers,
                                                   args.epochs, corpus, data)
        results[f"gensim corpus_file {arch}"] = spawn("gensim", "corpus_file", sg,
                                                      args.workers, args.epochs, corpus, data)
        for workers in (1, 2):
            results[f"everyvec {arch} {workers} thread{'s' * (workers > 1)}"] = spawn(
                "everyvec", "-", sg, workers, 1, corpus, data)
    command = "python benchmarks/bench_word2vec.py " + shlex.join(sys.argv[1:])
    body = [f"# word2vec training: everyvec vs gensim {_gensim_version()}\n",
            f"Command: `{command.strip()}`\n",
            f"Corpus: `{args.corpus}` tokenised to {corpus.stat().st_size / 2**20:.0f} MiB of "
            f"text; settings {SETTINGS}, epochs={args.epochs}, workers={args.workers}; "
            f"{platform.machine()}, Python {platform.python_version()}.",
            table(results, args.workers)]
    body.append(ANALYSIS)
    out = REPO / "benchmarks" / "results" / "word2vec.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    (folder / "word2vec-results.json").write_text(json.dumps(results, indent=2))
    print("\n".join(body))


ANALYSIS = """
**Targets** (issue 3): words/s ≥ 2.0× gensim's faster mode for skip-gram and CBOW; analogy no
more than 0.5 points and WS-353 no more than 0.01 below gensim's; peak RSS no higher than
gensim's; 1 → 2 threads ≥ 1.8×. Met in the run of 2026-11-21: skip-gram speed (3.35×) and all
four quality bounds. Missed: CBOW speed (1.74× the `corpus_file` mode, 2.26× the iterable mode),
peak RSS (about 70 MiB over gensim), and thread scaling (1.76× skip-gram, 1.63× CBOW).

What is in the way (measured on the same corpus unless marked as inferred):

- *Memory.* The numba runtime with the kernels loaded from its cache holds 164 MiB before any
  data is read; importing gensim costs 116 MiB. Reading the corpus then leaves about 75 MiB
  resident after encoding while the live Python and NumPy memory traced by tracemalloc is
  25 MiB: the vocabulary's key strings sit scattered among the millions of token strings freed
  during the pass and pin pymalloc's arenas. Returning free heap pages with `malloc_trim`
  did not lower the peak (320.5 MiB). Inferred remedy: tokenise and count in numba over
  bytes, so that no per-token Python strings exist.
- *Scaling.* Each 2M-token block is split between the threads and the trainer waits for both
  at the block's end; a CBOW block is about one second of work, so uneven halves cost more
  there. Hogwild threads also write the same hot rows (the output vectors of frequent words),
  which moves cache lines between the cores (inferred; not profiled). Next step: a queue of
  small chunks that threads take as they finish, with no barrier inside an epoch.
- *Arithmetic.* 19 GFLOP/s is about 12% of the assumed 166 GFLOP/s peak: the kernels wait on
  random rows of two 44 MB matrices (cache misses), not on multiply-adds.
"""


def _gensim_version() -> str:
    import gensim

    return gensim.__version__


if __name__ == "__main__":
    main()
