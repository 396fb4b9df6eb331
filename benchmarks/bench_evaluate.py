"""Benchmark: everyvec.evaluate vs gensim on the same word2vec vectors.

Trains gensim Word2Vec once on the text8 prefix of the data mirror (cached under the temp
folder), wraps the very same keys and float32 matrix as an ``everyvec.Vectors`` and a fresh
gensim ``KeyedVectors``, then times

* ``everyvec.evaluate.analogies`` vs ``KeyedVectors.evaluate_word_analogies`` on
  questions-words (3CosAdd, same ``restrict_vocab``), checking total and per-section counts;
* ``everyvec.evaluate.word_pairs`` vs ``KeyedVectors.evaluate_word_pairs`` on WS-353 and
  SimLex-999 (Spearman and Pearson).

Prints a markdown table and writes it, with the command line, to
``benchmarks/results/evaluate.md``. Peak memory is the tracemalloc peak of one call
(allocations by NumPy included), measured in a separate pass from the timings.

Usage: ``python benchmarks/bench_evaluate.py [--restrict 30000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import shlex
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import data_root  # a sibling module of this script

import everyvec
from everyvec import evaluate
from everyvec.vectors.vectors import Vectors

REPO = Path(__file__).resolve().parents[1]


def find_data(arg: str | None) -> Path:
    found = data_root(arg)
    if found is None:
        sys.exit("data mirror not found: pass --data or set EVERYVEC_DATA")
    return found

def trained_vectors(data: Path, cache: Path, epochs: int, seed: int) -> tuple[list[str],
                                                                            np.ndarray, float]:
    """Keys and matrix of a Word2Vec model on the text8 prefix (trained once, then cached)."""
    stem = cache / f"w2v_text8prefix_cbow_d100_w5_mc5_e{epochs}_s{seed}"
    keys_file, matrix_file = stem.with_suffix(".keys.txt"), stem.with_suffix(".npy")
    if keys_file.exists() and matrix_file.exists():
        keys = keys_file.read_text(encoding="utf-8").split("\n")
        return keys, np.load(matrix_file, allow_pickle=False), 0.0
    import gzip

    from gensim.models import Word2Vec

    with gzip.open(data / "text8" / "text8_prefix.gz", "rt", encoding="ascii") as handle:
        tokens = handle.read().split()
    sentences = [tokens[i:i + 10_000] for i in range(0, len(tokens), 10_000)]
    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=0, workers=2,
                     epochs=epochs, seed=seed)
    seconds = time.perf_counter() - start
    keys = list(model.wv.index_to_key)
    matrix = np.ascontiguousarray(model.wv.vectors, dtype=np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    keys_file.write_text("\n".join(keys), encoding="utf-8")
    np.save(matrix_file, matrix, allow_pickle=False)
    return keys, matrix, seconds


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time over ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="data mirror root (default $EVERYVEC_DATA)")
    parser.add_argument("--restrict", type=int, default=30_000, help="restrict_vocab for both")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs of everyvec (best)")
    parser.add_argument("--gensim-repeat", type=int, default=1, help="timing runs of gensim")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "everyvec-bench"))
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "evaluate.md"))
    args = parser.parse_args()
    logging.getLogger("gensim").setLevel(logging.WARNING)

    import gensim
    from gensim.models import KeyedVectors

    data = find_data(args.data)
    questions = data / "analogy" / "questions-words.txt"
    keys, matrix, train_s = trained_vectors(data, Path(args.cache), args.epochs, args.seed)

    def ev_vectors() -> Vectors:  # fresh each time, so unit-normalising is part of the cost
        return Vectors(keys, matrix)

    def gs_vectors() -> Any:
        kv = KeyedVectors(matrix.shape[1], dtype=np.float32)
        kv.add_vectors(keys, matrix)
        return kv

    # ---- analogies, 3CosAdd
    ev_s, ev = timed(lambda: evaluate.analogies(ev_vectors(), questions,
                                                restrict_vocab=args.restrict), args.repeat)
    gs_s, (gs_score, gs_sections) = timed(
        lambda: gs_vectors().evaluate_word_analogies(str(questions),
                                                     restrict_vocab=args.restrict),
        args.gensim_repeat)
    cosmul_s, cosmul = timed(lambda: evaluate.analogies(
        ev_vectors(), questions, restrict_vocab=args.restrict, method="3cosmul"), args.repeat)
    agree = sum(
        len(g["correct"]) == s.correct and len(g["incorrect"]) == s.incorrect
        for g, s in zip(gs_sections[:-1], ev.sections, strict=True)
    )
    differing = [
        f"{s.name} ({s.correct} vs {len(g['correct'])})"
        for g, s in zip(gs_sections[:-1], ev.sections, strict=True)
        if len(g["correct"]) != s.correct or len(g["incorrect"]) != s.incorrect
    ]
    ev_mem = peak_mib(lambda: evaluate.analogies(ev_vectors(), questions,
                                                 restrict_vocab=args.restrict))
    gs_mem = peak_mib(lambda: gs_vectors().evaluate_word_analogies(
        str(questions), restrict_vocab=args.restrict))

    # ---- word pairs
    pair_rows = []
    for label, file in (("WS-353 (all)", "EN-WS-353-ALL.txt"),
                        ("SimLex-999", "EN-SIMLEX-999.txt")):
        path = data / "word_similarity" / file
        wp_s, wp = timed(lambda p=path: evaluate.word_pairs(ev_vectors(), p,
                                                             restrict_vocab=args.restrict),
                         args.repeat)
        gp_s, (g_pearson, g_spearman, g_oov) = timed(
            lambda p=path: gs_vectors().evaluate_word_pairs(str(p),
                                                            restrict_vocab=args.restrict),
            args.repeat)
        pair_rows.append((label, wp, wp_s, float(g_spearman[0]), float(g_pearson[0]), g_oov,
                          gp_s))

    lines = [
        "# everyvec.evaluate vs gensim",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        "",
        f"Vectors: gensim {gensim.__version__} Word2Vec (CBOW, dim 100, window 5, min_count 5, "
        f"{args.epochs} epochs, seed {args.seed}, 2 workers) on the text8 prefix "
        f"(2.14M tokens) → {len(keys):,} keys"
        + (f", trained in {train_s:.1f} s" if train_s else " (cached from an earlier run)")
        + f". The same float32 matrix is wrapped by both libraries; restrict_vocab = "
        f"{args.restrict:,} for both (so {min(args.restrict, len(keys)):,} keys are used). "
        f"everyvec {everyvec.__version__}, numpy {np.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs ({platform.machine()}); "
        f"best of {args.repeat} (everyvec) / {args.gensim_repeat} (gensim) runs, each on "
        "freshly built vectors (unit-normalising included). Machine shared: timings are noisy.",
        "",
        "## Analogies: questions-words (19,544 questions)",
        "",
        "| | everyvec 3CosAdd | gensim evaluate_word_analogies | everyvec 3CosMul |",
        "| --- | ---: | ---: | ---: |",
        f"| accuracy (correct / answered) | {ev.accuracy:.6f} | {gs_score:.6f} | "
        f"{cosmul.accuracy:.6f} |",
        f"| accuracy, OOV counted wrong | {ev.accuracy_with_oov:.6f} | – | "
        f"{cosmul.accuracy_with_oov:.6f} |",
        f"| correct / answered / OOV | {ev.total.correct} / {ev.total.evaluated} / "
        f"{ev.total.oov} | {len(gs_sections[-1]['correct'])} / "
        f"{len(gs_sections[-1]['correct']) + len(gs_sections[-1]['incorrect'])} / – | "
        f"{cosmul.total.correct} / {cosmul.total.evaluated} / {cosmul.total.oov} |",
        f"| semantic / syntactic accuracy | {ev.semantic.accuracy:.4f} / "
        f"{ev.syntactic.accuracy:.4f} | – | {cosmul.semantic.accuracy:.4f} / "
        f"{cosmul.syntactic.accuracy:.4f} |",
        f"| sections with identical counts | {agree} / {len(ev.sections)} | – | – |",
        f"| wall time (s) | {ev_s:.3f} | {gs_s:.3f} | {cosmul_s:.3f} |",
        f"| speed-up vs gensim | **{gs_s / ev_s:.1f}×** | 1.0× | {gs_s / cosmul_s:.1f}× |",
        f"| peak traced memory (MiB) | {ev_mem:.1f} | {gs_mem:.1f} | – |",
        "",
        f"Accuracies agree to 4 decimals: {round(ev.accuracy, 4) == round(gs_score, 4)}"
        + (f"; sections differing: {', '.join(differing)}" if differing else "")
        + ". gensim's evaluate_word_analogies has no 3CosMul, so that column has no peer. "
        "Peak memory is the tracemalloc peak of one call (NumPy buffers included): everyvec "
        "scores 512 questions × all candidates per matrix product; gensim answers one question "
        "at a time.",
        "",
        "## Word pairs (Spearman ρ / Pearson r)",
        "",
        "| dataset | everyvec ρ | gensim ρ | everyvec r | gensim r | pairs / OOV | "
        "everyvec s | gensim s | speed-up |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, wp, wp_s, g_rho, g_r, g_oov, gp_s in pair_rows:
        lines.append(
            f"| {label} | {wp.spearman:.6f} | {g_rho:.6f} | {wp.pearson:.6f} | {g_r:.6f} | "
            f"{wp.pairs} / {wp.oov} (gensim {g_oov:.1f} % OOV) | {wp_s:.4f} | {gp_s:.4f} | "
            f"{gp_s / wp_s:.1f}× |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
