"""Benchmark: everyvec's batched most_similar vs a loop of gensim ``KeyedVectors.most_similar``.

The vectors: ``--keys`` (default 100,000) float32 vectors of ``--dim`` (default 100) dimensions,
**synthetic**: points scattered around ``--clusters`` random centres (so each key has real
near neighbours, as in trained embeddings, rather than the near-ties of pure noise). Keys are
the words of the text8 prefix in the data mirror, most frequent first, continued with
``word_<n>`` once its 80,982 distinct words run out (``w<n>`` throughout without the mirror).
Trained vectors are not used because the text8 prefix has fewer than 100,000 distinct words.

Both libraries get the very same keys and matrix. ``--queries`` keys (default 1,000, drawn
uniformly with a fixed seed) are asked for their ``topn=10`` nearest keys by cosine:

* everyvec ``Vectors.most_similar_batch(keys, topn=10)`` — blocked float32 matrix products;
* gensim ``KeyedVectors.most_similar(key, topn=10)`` in a Python loop;
* everyvec ``Vectors.most_similar(key, topn=10)`` in a Python loop, for reference.

Each runs in its own fresh process (so ``resource.getrusage`` peak RSS belongs to it alone),
after one warm-up query so that row norms are already computed; times are the best of
``--repeat`` runs. Agreement compares every query's top-10 keys (same list, same set). The
markdown table is printed and written with the command line to
``benchmarks/results/most_similar.md``.

Usage: ``python benchmarks/bench_most_similar.py [--keys 100000] [--dim 100] [--repeat 3]``
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

import numpy as np
from _common import frequent_keys, peak_rss_mib  # a sibling module of this script

REPO = Path(__file__).resolve().parents[1]
TOPN = 10


# ---------------------------------------------------------------------------- the vectors
def make_matrix(n: int, dim: int, clusters: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    which = rng.integers(0, clusters, n)
    noise = rng.standard_normal((n, dim)).astype(np.float32)
    return np.ascontiguousarray(centres[which] + 0.8 * noise, dtype=np.float32)


# ---------------------------------------------------------------------------- workers
def prepare(folder: Path, args: argparse.Namespace) -> None:
    """Write keys, matrix and queries to ``folder`` (in a worker: keeps the parent small)."""
    keys, key_source = frequent_keys(args.keys)
    matrix = make_matrix(args.keys, args.dim, args.clusters, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    queries = [keys[i] for i in rng.choice(len(keys), size=args.queries, replace=False)]
    (folder / "keys.txt").write_text("\n".join(keys), encoding="utf-8")
    np.save(folder / "matrix.npy", matrix)
    (folder / "queries.txt").write_text("\n".join(queries), encoding="utf-8")
    import gensim

    import everyvec

    print(json.dumps({"key_source": key_source, "gensim": gensim.__version__,
                      "everyvec": everyvec.__version__, "numpy": np.__version__}))


def worker(kind: str, folder: Path, repeat: int) -> None:
    """Load the cached vectors, warm up, time the queries; print JSON, save the results."""
    keys = (folder / "keys.txt").read_text(encoding="utf-8").split("\n")
    matrix = np.load(folder / "matrix.npy")
    queries = (folder / "queries.txt").read_text(encoding="utf-8").split("\n")
    warm = [k for k in keys[:50] if k not in set(queries)][:2]
    if kind == "gensim":
        from gensim.models import KeyedVectors

        kv = KeyedVectors(matrix.shape[1], count=len(keys), dtype=np.float32)
        kv.add_vectors(keys, matrix)
        kv.most_similar(warm[0], topn=TOPN)

        def run() -> list[list[str]]:
            return [[k for k, _ in kv.most_similar(q, topn=TOPN)] for q in queries]
    else:
        from everyvec import Vectors

        v = Vectors(keys, matrix)
        v.most_similar(warm[0], topn=TOPN)
        if kind == "everyvec-batch":
            v.most_similar_batch(warm, topn=TOPN)

            def run() -> list[list[str]]:
                return v.most_similar_batch(queries, topn=TOPN).keys.tolist()
        else:
            def run() -> list[list[str]]:
                return [[k for k, _ in v.most_similar(q, topn=TOPN)] for q in queries]
    before = peak_rss_mib()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    (folder / f"result-{kind}.json").write_text(json.dumps(result), encoding="utf-8")
    print(json.dumps({"best": min(times), "times": times, "rss_before": before,
                      "rss_peak": peak_rss_mib()}))


def run_worker(kind: str, folder: Path, repeat: int, extra: list[str] | None = None) -> dict:
    # A fresh process each: Linux keeps ru_maxrss across exec, so the parent stays small and
    # every heavy step (even building the data) happens in a child.
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--folder", str(folder),
         "--repeat", str(repeat), *(extra or [])],
        check=True, capture_output=True, text=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--clusters", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gensim-repeat", type=int, default=1,
                        help="runs of the (slow) per-key loops; best is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "most_similar.md"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "prepare":
        prepare(Path(args.folder), args)
        return
    if args.worker:
        worker(args.worker, Path(args.folder), args.repeat)
        return

    with tempfile.TemporaryDirectory(prefix="everyvec-bench-") as tmp:
        folder = Path(tmp)
        setup = [f"--{name}={getattr(args, name)}" for name in
                 ("keys", "dim", "clusters", "queries", "seed")]
        info = run_worker("prepare", folder, 1, setup)
        runs = {
            "everyvec-batch": run_worker("everyvec-batch", folder, args.repeat),
            "gensim": run_worker("gensim", folder, args.gensim_repeat),
            "everyvec-loop": run_worker("everyvec-loop", folder, args.gensim_repeat),
        }
        results = {k: json.loads((folder / f"result-{k}.json").read_text(encoding="utf-8"))
                   for k in runs}

    ref = results["gensim"]
    agreement = {}
    for kind, got in results.items():
        same_list = sum(a == b for a, b in zip(got, ref, strict=True))
        same_set = sum(set(a) == set(b) for a, b in zip(got, ref, strict=True))
        overlap = np.mean([len(set(a) & set(b)) / TOPN for a, b in zip(got, ref, strict=True)])
        agreement[kind] = (same_list, same_set, overlap)

    gensim_time = runs["gensim"]["best"]
    labels = {
        "everyvec-batch": "everyvec `most_similar_batch` (one call)",
        "gensim": "gensim `most_similar` (loop)",
        "everyvec-loop": "everyvec `most_similar` (loop)",
    }
    n = args.queries
    rows = [
        "| method | time (s) | queries/s | speed-up vs gensim | peak RSS (MiB) | "
        "RSS added by queries (MiB) | top-10 lists = gensim | top-10 sets = gensim |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in ("everyvec-batch", "gensim", "everyvec-loop"):
        r = runs[kind]
        same_list, same_set, _ = agreement[kind]
        rows.append(
            f"| {labels[kind]} | {r['best']:.3f} | {n / r['best']:,.0f} | "
            f"{gensim_time / r['best']:.1f}× | {r['rss_peak']:,.0f} | "
            f"{r['rss_peak'] - r['rss_before']:,.0f} | {same_list}/{n} | {same_set}/{n} |"
        )
    command = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    text = "\n".join([
        "# most_similar: everyvec (batched) vs gensim (per key)",
        "",
        f"Command: `{command}`",
        "",
        f"Vectors: {args.keys:,} keys × {args.dim} dims, float32, synthetic (around "
        f"{args.clusters:,} random centres, seed {args.seed}); keys: {info['key_source']}. "
        f"{n:,} query keys, topn={TOPN}, cosine, query key excluded (gensim's rule).",
        "",
        *rows,
        "",
        f"Times: best of {args.repeat} (batched) / {args.gensim_repeat} (loops) runs, after one "
        "warm-up query (row norms computed). Each method runs in a fresh process; peak RSS is "
        "`VmHWM` (peak RSS) of that process (it includes the loaded "
        "matrix and, for gensim, its copy); the next column is the growth during the timed "
        "queries.",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, NumPy {info['numpy']}, gensim {info['gensim']}, "
        f"everyvec {info['everyvec']}. Shared machine: timings are noisy.",
        "",
    ])
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
