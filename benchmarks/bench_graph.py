"""Benchmark: everyvec DeepWalk / node2vec vs gensim on the same walks and vs networkx walkers.

Graphs of the data mirror (``graphs/``): Wiki (2,405 pages, 17 classes; hyperlinks read as
undirected, self-loops dropped) and the three struc2vec airport networks (Brazil, Europe, USA;
labels are activity quartiles, i.e. structural roles). For DeepWalk and node2vec each of three
pipelines runs in its own subprocess (so its peak RSS, ``VmHWM``, is its own), with the same
settings and 2 threads wherever a tool has threads:

* **everyvec** — ``Graph.read_edgelist`` + ``DeepWalk``/``Node2Vec(...).fit``: numba walks
  on threads, skip-gram on everyvec's word2vec kernels.
* **everyvec walks → gensim** — the same walks (same seed: identical), turned into lists of
  node names, trained by ``gensim.models.Word2Vec`` (``sg=1``): the quality-parity check, and
  what a user who keeps gensim for training would run.
* **networkx → gensim** — ``networkx.read_edgelist`` and a pure-Python walker written the way
  the reference implementations are: for node2vec, aditya-grover/node2vec's
  ``preprocess_transition_probs`` (an alias table per node and per directed edge, built with
  its ``alias_setup``; memory ``sum(degree**2)``) and ``node2vec_walk``; for DeepWalk, a
  uniform walker over ``list(G.neighbors(v))`` as karateclub's ``RandomWalker`` (the node2vec
  reference itself would also build edge tables for p = q = 1). Then the same gensim training.

Skip-gram settings for everyone: vector_size=128, window=10, negative=5, sample=0 (off),
epochs=1, min_count=1, alpha 0.025 → 0.0001; walks: 10 per node, 80 nodes long. node2vec uses
p=0.25, q=4. everyvec's numba kernels are compiled (and cached on disk) before any timed run.
Timed: from reading the edge list to having the vectors (reading, walks, conversion to
strings where a pipeline needs it, training). Node classification comes after the timing and
is the same for everyone: ``everyvec.evaluate.graph.node_classification`` (one-vs-rest
logistic regression, liblinear, C=1), micro/macro-F1 averaged over 10 random splits.

Writes ``benchmarks/results/graph.md``.

Usage: ``python benchmarks/bench_graph.py [--data PATH] [--only wiki brazil ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, data_root, peak_rss_mib  # a sibling module of this script

WALKS = {"walk_length": 80, "walks_per_node": 10}
SKIPGRAM = {"vector_size": 128, "window": 10, "negative": 5, "sample": 0.0, "epochs": 1}
METHODS = {"deepwalk": (1.0, 1.0), "node2vec": (0.25, 4.0)}
DATASETS = {
    "wiki": ("wiki/Wiki_edgelist.txt", "wiki/wiki_labels.txt", (0.1, 0.5, 0.9)),
    "brazil": ("flight/brazil-airports.edgelist", "flight/labels-brazil-airports.txt", (0.5,)),
    "europe": ("flight/europe-airports.edgelist", "flight/labels-europe-airports.txt", (0.5,)),
    "usa": ("flight/usa-airports.edgelist", "flight/labels-usa-airports.txt", (0.5,)),
}
PIPELINES = ("everyvec", "everyvec walks → gensim", "networkx → gensim")
REPEATS = 10


# -- the reference walkers (pure Python over networkx) -----------------------------------------

def alias_setup(probs: list[float]) -> tuple[Any, Any]:
    """aditya-grover/node2vec's ``alias_setup`` (``np.int`` is gone from NumPy: ``int``)."""
    import numpy as np

    K = len(probs)
    q = np.zeros(K)
    J = np.zeros(K, dtype=int)
    smaller, larger = [], []
    for kk, prob in enumerate(probs):
        q[kk] = K * prob
        if q[kk] < 1.0:
            smaller.append(kk)
        else:
            larger.append(kk)
    while len(smaller) > 0 and len(larger) > 0:
        small = smaller.pop()
        large = larger.pop()
        J[small] = large
        q[large] = q[large] + q[small] - 1.0
        if q[large] < 1.0:
            smaller.append(large)
        else:
            larger.append(large)
    return J, q


def alias_draw(J: Any, q: Any) -> int:
    import numpy as np

    K = len(J)
    kk = int(np.floor(np.random.rand() * K))
    if np.random.rand() < q[kk]:
        return kk
    return J[kk]


class ReferenceNode2Vec:
    """aditya-grover/node2vec ``src/node2vec.py`` (undirected, unit weights), unchanged in
    substance."""

    def __init__(self, G: Any, p: float, q: float) -> None:
        self.G, self.p, self.q = G, p, q

    def get_alias_edge(self, src: str, dst: str) -> tuple[Any, Any]:
        G, p, q = self.G, self.p, self.q
        unnormalized_probs = []
        for dst_nbr in sorted(G.neighbors(dst)):
            if dst_nbr == src:
                unnormalized_probs.append(G[dst][dst_nbr]["weight"] / p)
            elif G.has_edge(dst_nbr, src):
                unnormalized_probs.append(G[dst][dst_nbr]["weight"])
            else:
                unnormalized_probs.append(G[dst][dst_nbr]["weight"] / q)
        norm_const = sum(unnormalized_probs)
        return alias_setup([float(u) / norm_const for u in unnormalized_probs])

    def preprocess_transition_probs(self) -> None:
        G = self.G
        alias_nodes = {}
        for node in G.nodes():
            unnormalized_probs = [G[node][nbr]["weight"] for nbr in sorted(G.neighbors(node))]
            norm_const = sum(unnormalized_probs)
            alias_nodes[node] = alias_setup([float(u) / norm_const
                                             for u in unnormalized_probs])
        alias_edges = {}
        for edge in G.edges():
            alias_edges[edge] = self.get_alias_edge(edge[0], edge[1])
            alias_edges[(edge[1], edge[0])] = self.get_alias_edge(edge[1], edge[0])
        self.alias_nodes, self.alias_edges = alias_nodes, alias_edges

    def node2vec_walk(self, walk_length: int, start_node: str) -> list[str]:
        G, alias_nodes, alias_edges = self.G, self.alias_nodes, self.alias_edges
        walk = [start_node]
        while len(walk) < walk_length:
            cur = walk[-1]
            cur_nbrs = sorted(G.neighbors(cur))
            if len(cur_nbrs) > 0:
                if len(walk) == 1:
                    walk.append(cur_nbrs[alias_draw(*alias_nodes[cur])])
                else:
                    prev = walk[-2]
                    walk.append(cur_nbrs[alias_draw(*alias_edges[(prev, cur)])])
            else:
                break
        return walk

    def simulate_walks(self, num_walks: int, walk_length: int) -> list[list[str]]:
        walks = []
        nodes = list(self.G.nodes())
        for _ in range(num_walks):
            random.shuffle(nodes)
            for node in nodes:
                walks.append(self.node2vec_walk(walk_length=walk_length, start_node=node))
        return walks


def deepwalk_walks(G: Any, num_walks: int, walk_length: int) -> list[list[str]]:
    """Uniform walks over networkx, as karateclub's ``RandomWalker`` takes them."""
    walks = []
    nodes = list(G.nodes())
    for _ in range(num_walks):
        random.shuffle(nodes)
        for node in nodes:
            walk = [node]
            while len(walk) < walk_length:
                neighbors = list(G.neighbors(walk[-1]))
                if not neighbors:
                    break
                walk.append(random.choice(neighbors))
            walks.append(walk)
    return walks


# -- one pipeline, in a fresh process ----------------------------------------------------------

def gensim_train(walks: list[list[str]], workers: int) -> Any:
    from gensim.models import Word2Vec as GensimWord2Vec

    return GensimWord2Vec(walks, vector_size=SKIPGRAM["vector_size"],
                          window=SKIPGRAM["window"], negative=SKIPGRAM["negative"],
                          sample=SKIPGRAM["sample"], epochs=SKIPGRAM["epochs"], sg=1, hs=0,
                          min_count=1, workers=workers, seed=1)


def run_one(pipeline: str, method: str, dataset: str, data: Path,
            workers: int) -> dict[str, Any]:
    import numpy as np

    from everyvec import Vectors
    from everyvec.evaluate.graph import node_classification, read_labels

    edges_rel, labels_rel, fractions = DATASETS[dataset]
    edges = data / "graphs" / edges_rel
    p, q = METHODS[method]
    times: dict[str, float] = {}
    # Imports (and loading everyvec's compiled kernels from numba's cache, a one-off cost
    # per process, reported apart) happen before the clock starts, for every pipeline.
    import gensim.models  # noqa: F401
    import networkx as nx

    from everyvec.data.graph import Graph
    from everyvec.train.graph import DeepWalk, Node2Vec, random_walks

    if pipeline != "networkx → gensim":
        tick = time.perf_counter()
        warm_up()
        times["kernel_load_s"] = time.perf_counter() - tick
    started = time.perf_counter()
    if pipeline == "networkx → gensim":
        random.seed(1)
        np.random.seed(1)
        G = nx.read_edgelist(str(edges), nodetype=str, create_using=nx.Graph())
        G.remove_edges_from(list(nx.selfloop_edges(G)))
        for u, v in G.edges():
            G[u][v]["weight"] = 1
        times["read_s"] = time.perf_counter() - started
        tick = time.perf_counter()
        if method == "node2vec":
            walker = ReferenceNode2Vec(G, p, q)
            walker.preprocess_transition_probs()
            times["preprocess_s"] = time.perf_counter() - tick
            walks = walker.simulate_walks(WALKS["walks_per_node"], WALKS["walk_length"])
        else:
            walks = deepwalk_walks(G, WALKS["walks_per_node"], WALKS["walk_length"])
        times["walks_s"] = time.perf_counter() - tick
        tick = time.perf_counter()
        model = gensim_train(walks, workers)
        times["train_s"] = time.perf_counter() - tick
        vectors = Vectors(model.wv.index_to_key, model.wv.vectors)
        n_tokens = sum(len(w) for w in walks)
    else:
        graph = Graph.read_edgelist(edges)
        times["read_s"] = time.perf_counter() - started
        if pipeline == "everyvec":
            model = (Node2Vec(p=p, q=q, **WALKS, **SKIPGRAM, workers=workers, seed=1,
                              progress=False) if method == "node2vec" else
                     DeepWalk(**WALKS, **SKIPGRAM, workers=workers, seed=1, progress=False))
            model.fit(graph)
            times["walks_s"] = model.report_.walk_seconds
            times["train_s"] = model.report_.train_seconds
            vectors = model.vectors
            n_tokens = model.report_.tokens
        else:
            tick = time.perf_counter()
            walks = random_walks(graph, WALKS["walk_length"], WALKS["walks_per_node"], p=p,
                                 q=q, seed=1, workers=workers)
            times["walks_s"] = time.perf_counter() - tick
            tick = time.perf_counter()
            lists = walks.to_lists()
            times["convert_s"] = time.perf_counter() - tick
            tick = time.perf_counter()
            model = gensim_train(lists, workers)
            times["train_s"] = time.perf_counter() - tick
            vectors = Vectors(model.wv.index_to_key, model.wv.vectors)
            n_tokens = walks.n_tokens
    total = time.perf_counter() - started
    peak = peak_rss_mib()  # before evaluation, which is the same for everyone
    scores = node_classification(vectors, read_labels(data / "graphs" / labels_rel),
                                 train_fractions=fractions, repeats=REPEATS, seed=0)
    return {**times, "total_s": total, "peak_rss_mib": peak, "tokens": n_tokens,
            "nodes": len(vectors), "scores": {str(s.fraction): [s.micro_f1, s.macro_f1]
                                              for s in scores.scores}}


SCALE = {"nodes": 200_000, "edges": 2_000_000, "exponent": 0.6}


def run_scale(workers: int) -> dict[str, Any]:
    """Walks only, on a synthetic power-law graph (Chung-Lu: endpoints drawn with
    probability proportional to ``rank ** -exponent``), with 1 and ``workers`` threads."""
    import numpy as np

    from everyvec.data.graph import Graph
    from everyvec.train.graph import random_walks

    warm_up()
    rng = np.random.default_rng(0)
    n, m = SCALE["nodes"], SCALE["edges"]
    weights = np.arange(1, n + 1) ** -SCALE["exponent"]
    weights /= weights.sum()
    graph = Graph.from_ids([str(i) for i in range(n)], rng.choice(n, m, p=weights),
                           rng.choice(n, m, p=weights))
    degree = graph.degree().astype(np.float64)
    csr_bytes = graph.indptr.nbytes + graph.indices.nbytes
    out: dict[str, Any] = {"nodes": graph.n_nodes, "edges": graph.n_edges,
                           "max_degree": int(degree.max()), "csr_mib": csr_bytes / 2**20,
                           # the reference's edge tables: J (int64) and q (float64) per entry
                           "reference_tables_gib": (degree**2).sum() * 16 / 2**30}
    for method, (p, q) in METHODS.items():
        for threads in sorted({1, workers}):
            tick = time.perf_counter()
            walks = random_walks(graph, WALKS["walk_length"], 1, p=p, q=q, seed=1,
                                 workers=threads)
            seconds = time.perf_counter() - tick
            out[f"{method} {threads}"] = {"seconds": seconds,
                                          "steps_per_s": walks.n_tokens / seconds}
            del walks
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def scale_section(r: dict[str, Any], workers: int) -> str:
    lines = [f"Synthetic power-law graph: {r['nodes']:,} nodes, {r['edges']:,} edges, largest "
             f"degree {r['max_degree']:,}; one walk of {WALKS['walk_length']} nodes from every "
             "node (walk generation only).\n",
             "| method | threads | seconds | nodes visited per second |", "|---|---|---|---|"]
    for method in METHODS:
        for threads in sorted({1, workers}):
            m = r[f"{method} {threads}"]
            lines.append(f"| {method} | {threads} | {m['seconds']:.2f} | "
                         f"{m['steps_per_s'] / 1e6:.1f} M |")
    lines.append(f"\nMemory: the CSR graph takes {r['csr_mib']:.0f} MiB and the process peaked "
                 f"at {r['peak_rss_mib']:.0f} MiB (walks included); the reference node2vec's "
                 f"per-edge alias tables for this graph would need {r['reference_tables_gib']:.1f}"
                 " GiB (sum of degree² entries × 16 bytes), before Python's object overhead.")
    return "\n".join(lines)


def warm_up() -> None:
    """Compile (or load from numba's disk cache) every kernel before the timed runs."""
    from everyvec.data.graph import Graph
    from everyvec.train.graph import DeepWalk, Node2Vec

    g = Graph.from_edges(["a", "b", "c"], ["b", "c", "a"])
    DeepWalk(8, walk_length=5, walks_per_node=2, workers=2, progress=False).fit(g)
    Node2Vec(8, walk_length=5, walks_per_node=2, p=0.5, q=2.0, workers=2,
             progress=False).fit(g)


def spawn(pipeline: str, method: str, dataset: str, data: Path,
          workers: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", pipeline, method, dataset, str(data),
               str(workers)]
    print(f"-- {dataset} {method}: {pipeline}", flush=True)
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"   {result['total_s']:.1f} s (walks {result['walks_s']:.1f} s, train "
          f"{result['train_s']:.1f} s), {result['peak_rss_mib']:.0f} MiB, "
          f"{result['scores']}", flush=True)
    return result


# -- report ------------------------------------------------------------------------------------

def quality_table(results: dict[str, dict[str, Any]], datasets: list[str]) -> str:
    lines = ["| graph | method | " + " | ".join(f"{p} micro / macro" for p in PIPELINES) + " |",
             "|---|---|" + "---|" * len(PIPELINES)]
    for dataset in datasets:
        for method in METHODS:
            cells = []
            for pipeline in PIPELINES:
                micro, macro = results[f"{dataset} {method} {pipeline}"]["scores"]["0.5"]
                cells.append(f"{micro:.3f} / {macro:.3f}")
            lines.append(f"| {dataset} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def wiki_fractions(results: dict[str, dict[str, Any]]) -> str:
    fractions = DATASETS["wiki"][2]
    lines = ["| method | pipeline | " + " | ".join(f"{f:.0%} micro / macro" for f in fractions)
             + " |", "|---|---|" + "---|" * len(fractions)]
    for method in METHODS:
        for pipeline in PIPELINES:
            scores = results[f"wiki {method} {pipeline}"]["scores"]
            lines.append(f"| {method} | {pipeline} | " + " | ".join(
                f"{scores[str(f)][0]:.3f} / {scores[str(f)][1]:.3f}" for f in fractions)
                + " |")
    return "\n".join(lines)


def time_table(results: dict[str, dict[str, Any]], datasets: list[str]) -> str:
    lines = ["| graph | method | pipeline | read s | walks s | to strings s | train s | "
             "total s | everyvec faster by | peak RSS MiB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for dataset in datasets:
        for method in METHODS:
            ours = results[f"{dataset} {method} everyvec"]["total_s"]
            for pipeline in PIPELINES:
                r = results[f"{dataset} {method} {pipeline}"]
                walks = f"{r['walks_s']:.2f}"
                if "preprocess_s" in r:
                    walks += f" (tables {r['preprocess_s']:.2f})"
                ratio = "—" if pipeline == "everyvec" else f"**{r['total_s'] / ours:.1f}×**"
                lines.append(
                    f"| {dataset} | {method} | {pipeline} | {r['read_s']:.3f} | {walks} | "
                    f"{r.get('convert_s', 0.0):.2f} | {r['train_s']:.2f} | {r['total_s']:.2f} "
                    f"| {ratio} | {r['peak_rss_mib']:.0f} |")
    return "\n".join(lines)


def summary(results: dict[str, dict[str, Any]], datasets: list[str]) -> str:
    pairs = [(d, m) for d in datasets for m in METHODS]

    def ratios(pipeline: str, key: str) -> list[float]:
        return [results[f"{d} {m} {pipeline}"][key] / results[f"{d} {m} everyvec"][key]
                for d, m in pairs]

    lines = []
    for pipeline in PIPELINES[1:]:
        total = ratios(pipeline, "total_s")
        met = sum(r >= 3.0 for r in total)
        line = (f"- vs **{pipeline}**: end to end {min(total):.1f}× to {max(total):.1f}× "
                f"faster; the 3× target is met in {met} of {len(total)} graph × method runs.")
        if pipeline == "networkx → gensim":
            walks = ratios(pipeline, "walks_s")
            line += f" Walk generation alone: {min(walks):.0f}× to {max(walks):.0f}× faster."
        else:
            train = ratios(pipeline, "train_s")
            line += (f" Skip-gram alone on identical walks: {min(train):.1f}× to "
                     f"{max(train):.1f}× faster than gensim.")
        lines.append(line)
    deltas = [results[f"{d} {m} everyvec"]["scores"]["0.5"][0]
              - results[f"{d} {m} everyvec walks → gensim"]["scores"]["0.5"][0]
              for d, m in pairs]
    lines.append(f"- Quality, same walks: everyvec's micro-F1 at 50% minus gensim's ranges "
                 f"from {min(deltas):+.3f} to {max(deltas):+.3f} over the "
                 f"{len(deltas)} graph × method pairs.")
    return "\n".join(lines)


def report(meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    datasets, workers = meta["datasets"], meta["workers"]
    body = [f"# Graph embeddings: everyvec DeepWalk / node2vec vs gensim {meta['gensim']} "
            f"and networkx {meta['networkx']} walkers\n",
            f"Command: `{meta['command']}`\n",
            f"Walks {WALKS}; skip-gram {SKIPGRAM}, sg=1, min_count=1; node2vec p, q = "
            f"{METHODS['node2vec']}; {workers} threads for everyvec's walks and training "
            f"and for gensim (the networkx walkers are single-threaded Python, as the "
            f"reference code). {meta['machine']}; the whole run took "
            f"{meta['minutes']:.1f} min. Graphs read undirected, self-loops dropped. Each "
            f"pipeline ran once in its own process; F1 averaged over {REPEATS} random "
            "splits. Times exclude imports and, for everyvec, loading the compiled kernels "
            "from numba's disk cache (a one-off per process, "
            f"{meta['kernel_load_s']:.2f} s at most in this run).\n",
            "## Summary\n", summary(results, datasets),
            "\n## Node classification at 50% labelled (micro-F1 / macro-F1)\n",
            quality_table(results, datasets)]
    if "wiki" in datasets:
        body += ["\n## Wiki at 10%, 50% and 90% labelled\n", wiki_fractions(results)]
    body += ["\n## Time from edge list to vectors\n", time_table(results, datasets)]
    if "scale" in results:
        body += ["\n## Walk generation on a larger graph\n",
                 scale_section(results["scale"], workers)]
    body.append(ANALYSIS)
    return "\n".join(body) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--scale":
        print(json.dumps(run_scale(int(sys.argv[2]))))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        pipeline, method, dataset, data, workers = sys.argv[2:7]
        print(json.dumps(run_one(pipeline, method, dataset, Path(data), int(workers))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="Data mirror (default: EVERYVEC_DATA).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", choices=list(DATASETS), default=list(DATASETS))
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(),
                                                           "everyvec-bench"))
    parser.add_argument("--report-only", action="store_true",
                        help="Rewrite the result file from the last run's JSON in --work-dir.")
    args = parser.parse_args()
    saved = Path(args.work_dir) / "graph-results.json"
    out = REPO / "benchmarks" / "results" / "graph.md"
    if args.report_only:
        stored = json.loads(saved.read_text())
        out.write_text(report(stored["meta"], stored["results"]), encoding="utf-8")
        print(out.read_text())
        return
    data = data_root(args.data)
    if data is None or not (data / "graphs").is_dir():
        sys.exit("data mirror with graphs/ not found: pass --data or set EVERYVEC_DATA")
    warm_up()
    started = time.perf_counter()
    results: dict[str, dict[str, Any]] = {}
    for dataset in args.only:
        for method in METHODS:
            for pipeline in PIPELINES:
                results[f"{dataset} {method} {pipeline}"] = spawn(pipeline, method, dataset,
                                                                  data, args.workers)
    print("-- walks on a synthetic power-law graph", flush=True)
    done = subprocess.run([sys.executable, __file__, "--scale", str(args.workers)], check=True,
                          capture_output=True, text=True)
    results["scale"] = json.loads(done.stdout.strip().splitlines()[-1])
    import gensim
    import networkx

    meta = {"command": ("python benchmarks/bench_graph.py " + shlex.join(sys.argv[1:])).strip(),
            "datasets": args.only, "workers": args.workers, "gensim": gensim.__version__,
            "networkx": networkx.__version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                       f"{platform.python_version()}",
            "minutes": (time.perf_counter() - started) / 60,
            "kernel_load_s": max(r.get("kernel_load_s", 0.0) for r in results.values())}
    out.parent.mkdir(exist_ok=True)
    out.write_text(report(meta, results), encoding="utf-8")
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(out.read_text())


ANALYSIS = """
## Notes

- *Targets* (issue 5): quality parity with gensim on the same walks — met (within the noise
  of one training run). Everyvec at least 3× faster end to end than the networkx → gensim
  pipeline (what the `node2vec` / `deepwalk` packages do) — met in 6 of 8 runs in this run,
  made on an otherwise idle machine: every node2vec run (4.7–13.3×) and DeepWalk on Wiki
  (3.8×) and Europe (5.2×); not on Brazil (131 nodes: 0.15 s against 0.39 s, fixed costs
  dominate) and USA DeepWalk (2.9×). Against "everyvec walks → gensim", where only the
  training differs: 2.1–5.0×, 3× met in 2 of 8. An earlier run on a loaded machine gave
  1.8–2.3× and 2.1–7.8× for the same two comparisons.
- *Why not always 3× against gensim on the same walks.* Walks take 0.05–0.1 s of Wiki's 2.5 s
  end to end; the rest is skip-gram (window 10, every node of every walk, no subsampling), so
  this ratio is the word2vec kernels' ratio to gensim's on walk corpora (2.1–5.1× here;
  3.35× on text with window 5 and subsampling in `word2vec.md`) plus the cost of making
  Python lists of strings for gensim. gensim's own training time is noisy here: 12.2 s on the
  Wiki DeepWalk walks and 5.9 s on the node2vec walks of the same length. Reaching 3× in
  every run needs faster skip-gram kernels, not faster walks.
- *Against networkx.* The uniform DeepWalk walker in Python costs 1–1.5 s on Wiki, small next
  to gensim's training, so DeepWalk gains less; node2vec's reference walker (per-edge alias
  tables built in Python, then a NumPy draw per step) costs 0.5–13.5 s. Walk generation alone
  is 16–220× faster in everyvec.
- *Memory.* everyvec keeps the walks as one int32 array (4 bytes per visited node) and the
  graph in CSR form; node2vec needs no per-edge tables (rejection sampling, see
  `everyvec/kernels/walks.py`), while the reference's tables grow with `sum(degree**2)`
  (10 GiB for the synthetic graph above). Peak RSS on these small graphs is dominated by the
  imported libraries (numba's runtime in everyvec's case).
- *Quality.* The airport labels are structural roles (activity quartiles), which
  proximity-based walks capture only partly (struc2vec's point); Wiki's are topics.
  Differences between pipelines within about ±0.02 micro-F1 are within the run-to-run noise
  of one training run per pipeline.
"""


if __name__ == "__main__":
    main()
