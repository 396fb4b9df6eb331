"""Nearest-neighbour search: everyvec's indexes against raw faiss-cpu, same data, same threads.

Three comparisons, each contender in its own process (so peak RSS is its own):

1. Exact top-10 over 1,000,000 x 100 float32 clustered vectors, 1,000 queries: everyvec's
   ``exact`` index (BLAS blocks + a numba top-k kernel) vs ``faiss.IndexFlatIP``.
2. HNSW with the same M / efConstruction / efSearch: everyvec's ``hnsw`` wrapper vs raw
   ``faiss.IndexHNSWFlat`` on word vectors trained on the English corpus, and on the 1M
   clustered set; efSearch swept, recall@10 measured against exact search. The wrapper must
   add almost nothing, so queries/s are compared batched (1,000 queries in one call) and one
   query per call (a server's pattern, where per-call overhead shows).
3. Build time of both, reported.

The clustered set is anisotropic Gaussian clusters around centres in a low-rank subspace —
never isotropic noise, on which every graph index fails.

Usage: ``python benchmarks/bench_index.py [--n 1000000] [--threads 2]``
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

import numpy as np
from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script

K = 10
EFS = (64, 128, 256, 512, 1024)


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Anisotropic clusters with centres in a 20-D subspace, in blocks to bound memory."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(20, dim)).astype(np.float32)
    centres = rng.normal(size=(2000, 20)).astype(np.float32) @ basis
    spreads = rng.uniform(0.3, 1.5, size=(2000, 1)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        labels = rng.integers(2000, size=size)
        noise = rng.normal(size=(size, dim)).astype(np.float32)
        out[start:start + size] = centres[labels] + spreads[labels] * noise
    return out


def prepare(folder: Path, n: int, data: Path | None) -> dict[str, Path]:
    """Write the data sets once: clustered (1M) + queries, and word vectors if possible."""
    folder.mkdir(parents=True, exist_ok=True)
    sets = {}
    base = folder / f"clustered-{n}.npy"
    if not base.exists():
        np.save(base, clustered(n, 100, seed=1))
        np.save(folder / f"clustered-{n}-queries.npy", clustered(1000, 100, seed=1)[::-1]
                + np.float32(0.05))
    sets["clustered"] = base
    words = folder / "words.npy"
    if data is not None and not words.exists():
        import everyvec

        corpus = everyvec.text.Corpus(data / "en_corpus" / "enwiki2015_paragraphs.txt.gz",
                                      tokenizer="text8")
        model = everyvec.Word2Vec(vector_size=100, sg=False, epochs=3, min_count=5, seed=1,
                                  workers=2, progress=False).fit(corpus)
        matrix = np.asarray(model.vectors.matrix, dtype=np.float32)
        np.save(words, matrix)
        rng = np.random.default_rng(2)
        np.save(folder / "words-queries.npy",
                matrix[rng.choice(len(matrix), 1000, replace=False)]
                + rng.normal(scale=0.05, size=(1000, 100)).astype(np.float32))
    if words.exists():
        sets["words"] = words
    return sets


# -- children: one contender each ---------------------------------------------------------
def child(task: dict[str, Any]) -> dict[str, Any]:
    import faiss

    threads = task["threads"]
    faiss.omp_set_num_threads(threads)
    matrix = np.load(task["data"])
    queries = np.load(task["queries"])
    keys = [str(i) for i in range(len(matrix))]
    metric = task["metric"]
    if metric == "cosine":  # raw faiss gets the same unit vectors the wrapper makes
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    started = time.perf_counter()
    if task["tool"] == "faiss":
        if task["kind"] == "exact":
            index = faiss.IndexFlatIP(matrix.shape[1])
        else:
            index = faiss.IndexHNSWFlat(matrix.shape[1], task["M"], faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = task["efc"]
        index.add(matrix)
    else:
        from everyvec.index import make_index

        spec = "exact" if task["kind"] == "exact" else (
            f"hnsw:M={task['M']},ef={EFS[0]},ef_construction={task['efc']}")
        index = make_index(spec, dim=matrix.shape[1], metric="dot")
        index.add(keys, matrix)
    build = time.perf_counter() - started
    results: dict[str, Any] = {"build_s": build, "runs": {}}
    for ef in ([None] if task["kind"] == "exact" else EFS):
        if ef is not None:
            if task["tool"] == "faiss":
                index.hnsw.efSearch = ef
            else:
                index.tune(ef=ef)
        ids, batch = _batched(index, queries, task["tool"])
        single = _one_by_one(index, queries[:task["single"]], task["tool"]) \
            if task["single"] else None
        np.save(f"{task['out']}-{ef}.npy", ids)
        results["runs"][str(ef)] = {"qps": len(queries) / batch,
                                    "single_qps": single}
    results["peak_rss_mib"] = peak_rss_mib()
    return results


def _batched(index: Any, queries: np.ndarray, tool: str) -> tuple[np.ndarray, float]:
    best, ids = float("inf"), None
    for _ in range(3):
        started = time.perf_counter()
        if tool == "faiss":
            _, found = index.search(queries, K)
        else:
            found = index.search(queries, k=K).keys
        best = min(best, time.perf_counter() - started)
        ids = found
    if tool != "faiss":
        ids = np.array([[int(key) if key is not None else -1 for key in row] for row in ids])
    return np.asarray(ids, dtype=np.int64), best


def _one_by_one(index: Any, queries: np.ndarray, tool: str) -> float:
    started = time.perf_counter()
    for query in queries:
        if tool == "faiss":
            index.search(query[None, :], K)
        else:
            index.search(query, k=K)
    return len(queries) / (time.perf_counter() - started)


def spawn(task: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS=str(task["threads"]),
               OPENBLAS_NUM_THREADS=str(task["threads"]), MKL_NUM_THREADS=str(task["threads"]),
               NUMBA_NUM_THREADS=str(task["threads"]))
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(task)], env=env,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(a[a >= 0]) & set(b[b >= 0])) for a, b in zip(found, truth, strict=True))
    return hits / max(1, int((truth >= 0).sum()))


ANALYSIS = """
**Targets** (issue 4): exact top-10 at least 0.9x the throughput of `IndexFlatIP` on the same
threads; HNSW at recall@10 >= 0.95 within 10 % of raw faiss-cpu's queries/s with the same
parameters. Met in the run of 2026-11-21: exact 2.20x; HNSW at the first efSearch reaching
0.95 — 512 on the word vectors (1.17x batched, 1.04x one query per call) and 256 on the
clustered set (1.00x batched, 0.95x one per call) — with recall identical to raw faiss at every
efSearch (the wrapper runs the same graph search).

- *Why exact beats IndexFlatIP here* (inferred, not profiled): both do one BLAS product per
  block and keep a heap per query; our numba kernel folds each 16 MiB score block with one
  comparison per score, in parallel over queries, while the block is still in cache. Building
  costs more (1.7 s vs 0.25 s): the 1M string keys go into a dict.
- *Peak memory.* everyvec's exact index holds the same float32 copy as faiss plus the key
  strings and their dict: +233 MiB at 1M keys; the HNSW wrapper's key table adds +15 MiB on
  110k keys and +87 MiB on 1M.
- *Word vectors are harder than clustered points for HNSW*: recall@10 0.93 at efSearch 256 vs
  0.95 on the clustered set, likely because frequent "hub" words crowd word-vector
  neighbourhoods (inferred).
- One query per call is about half the batched rate for both tools, so the per-call cost is
  mostly faiss's own; the wrapper's validation and key mapping stay within the noise.
- Noise: on this shared 2-core machine an earlier run with other jobs running gave ratios from
  0.37x to 2.4x for the same code; the table above was taken with the machine otherwise idle.
"""


# -- the run ----------------------------------------------------------------------------------
def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(json.loads(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Clustered set size.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--M", type=int, default=32)
    parser.add_argument("--efc", type=int, default=200, help="HNSW efConstruction.")
    parser.add_argument("--single", type=int, default=300,
                        help="Queries timed one per call.")
    parser.add_argument("--data", default=None, help="Data mirror (default: EVERYVEC_DATA).")
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(),
                                                           "everyvec-bench-index"))
    args = parser.parse_args()
    folder = Path(args.work_dir)
    sets = prepare(folder, args.n, data_root(args.data))
    common = {"threads": args.threads, "M": args.M, "efc": args.efc, "single": args.single}
    lines = []
    # 1. exact
    exact = {}
    for tool in ("faiss", "everyvec"):
        exact[tool] = spawn({**common, "tool": tool, "kind": "exact", "metric": "dot",
                             "data": str(sets["clustered"]), "single": 0,
                             "queries": str(folder / f"clustered-{args.n}-queries.npy"),
                             "out": str(folder / f"exact-{tool}")})
    truth_ids = np.load(folder / "exact-faiss-None.npy")
    agree = recall(np.load(folder / "exact-everyvec-None.npy"), truth_ids)
    f_qps = exact["faiss"]["runs"]["None"]["qps"]
    e_qps = exact["everyvec"]["runs"]["None"]["qps"]
    lines += [f"## Exact top-{K}: {args.n:,} × 100 clustered float32, 1,000 queries, "
              f"inner product\n",
              "| | queries/s | ratio | agreement with faiss | build s | peak RSS MiB |",
              "|---|---:|---:|---:|---:|---:|",
              f"| faiss IndexFlatIP | {f_qps:,.1f} | 1.00× | — | "
              f"{exact['faiss']['build_s']:.2f} | {exact['faiss']['peak_rss_mib']:.0f} |",
              f"| everyvec exact | {e_qps:,.1f} | **{e_qps / f_qps:.2f}×** | {agree:.4f} | "
              f"{exact['everyvec']['build_s']:.2f} | "
              f"{exact['everyvec']['peak_rss_mib']:.0f} |", ""]
    # 2. HNSW on each set: recall against exact (everyvec exact, cosine for words)
    for name in ("words", "clustered"):
        if name not in sets:
            lines.append(f"(no {name} set: the data mirror was not found)\n")
            continue
        metric = "cosine" if name == "words" else "dot"
        queries = folder / (f"{name}-queries.npy" if name == "words"
                            else f"clustered-{args.n}-queries.npy")
        if name == "words":
            spawn({**common, "tool": "everyvec", "kind": "exact", "metric": metric,
                   "data": str(sets[name]), "queries": str(queries), "single": 0,
                   "out": str(folder / "words-exact")})
            truth = np.load(folder / "words-exact-None.npy")
        else:
            truth = truth_ids
        count = len(np.load(sets[name], mmap_mode="r"))
        runs = {tool: spawn({**common, "tool": tool, "kind": "hnsw", "metric": metric,
                             "data": str(sets[name]), "queries": str(queries),
                             "out": str(folder / f"hnsw-{name}-{tool}")})
                for tool in ("faiss", "everyvec")}
        lines += [f"## HNSW (M={args.M}, efConstruction={args.efc}) on {name}: "
                  f"{count:,} × 100, 1,000 queries, {metric}\n",
                  f"Build: faiss {runs['faiss']['build_s']:.1f} s, everyvec "
                  f"{runs['everyvec']['build_s']:.1f} s. Peak RSS: faiss "
                  f"{runs['faiss']['peak_rss_mib']:.0f} MiB, everyvec "
                  f"{runs['everyvec']['peak_rss_mib']:.0f} MiB.\n",
                  "| efSearch | recall@10 faiss | recall@10 everyvec | batched q/s faiss | "
                  "batched q/s everyvec | ratio | 1-per-call q/s faiss | 1-per-call q/s "
                  "everyvec | ratio |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for ef in EFS:
            f, e = runs["faiss"]["runs"][str(ef)], runs["everyvec"]["runs"][str(ef)]
            rf = recall(np.load(folder / f"hnsw-{name}-faiss-{ef}.npy"), truth)
            re_ = recall(np.load(folder / f"hnsw-{name}-everyvec-{ef}.npy"), truth)
            lines.append(f"| {ef} | {rf:.4f} | {re_:.4f} | {f['qps']:,.0f} | {e['qps']:,.0f} | "
                         f"{e['qps'] / f['qps']:.2f}× | {f['single_qps']:,.0f} | "
                         f"{e['single_qps']:,.0f} | {e['single_qps'] / f['single_qps']:.2f}× |")
        lines.append("")
    command = "python benchmarks/bench_index.py " + shlex.join(sys.argv[1:])
    import faiss

    body = [f"# Nearest-neighbour search: everyvec vs faiss-cpu {faiss.__version__}\n",
            f"Command: `{command.strip()}`\n",
            f"{args.threads} threads for both (OpenMP, BLAS and numba); each contender in its "
            f"own process; best of 3 batched runs; {platform.machine()}, Python "
            f"{platform.python_version()}. Recall is against exact search.\n",
            *lines]
    body.append(ANALYSIS)
    out = REPO / "benchmarks" / "results" / "index.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(body) + "\n", encoding="utf-8")
    print("\n".join(body))


if __name__ == "__main__":
    main()
