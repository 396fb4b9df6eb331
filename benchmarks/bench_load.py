"""Benchmark: loading word2vec text and binary files, everyvec vs gensim ``load_word2vec_format``.

The vectors: ``--keys`` (default 100,000) random float32 vectors (normal, scale 0.1) of
``--dim`` (default 300) dimensions. Keys are the words of the text8 prefix in the data mirror,
most frequent first, continued with ``word_<n>`` once its 80,982 distinct words run out
(``w<n>`` throughout without the mirror). gensim writes both files
(``save_word2vec_format``, text and binary) into a temporary folder outside the repository;
everyvec writes its native folder from the same vectors.

Every measurement runs in its own fresh process, so that its peak RSS (``VmHWM`` in
``/proc/self/status``; ``ru_maxrss`` would include the parent's RSS at the fork) belongs to it
alone; the load call is timed
after the imports (whose own time and RSS are reported separately). Runs of the two libraries
alternate; each is repeated ``--repeat`` times and the best and median are reported. Each
process hashes its matrix and keys after the timing, and the table says whether they are
identical to gensim's (and to the vectors written).

everyvec's text engines: ``numpy`` (what ``engine="auto"`` picks for files under 1 GiB when
numba is not loaded yet; no numba import) and ``numba`` — "warm" means its kernels come from
numba's on-disk cache and were loaded (by reading a two-line file) before the timed call;
"cold" is one run with an empty cache, whose timed call includes importing numba and
compiling the kernels.

Usage: ``python benchmarks/bench_load.py [--keys 100000] [--dim 300] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import frequent_keys  # a sibling module of this script

REPO = Path(__file__).resolve().parents[1]

# The code each measuring process runs: import, time the load, hash the result.
CHILD = r"""
import hashlib, json, resource, sys, time
import numpy as np

lib, fmt, path, engine, warmup = sys.argv[1:6]
def rss():
    # VmHWM: the peak RSS of this program alone (ru_maxrss would include the parent's RSS
    # at the fork, which Linux carries across exec)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
if lib == "gensim":
    from gensim.models import KeyedVectors
else:
    from everyvec.vectors.formats import load
    if engine == "numba" and warmup != "-":  # import numba, load the cached kernels
        load(warmup, engine="numba")
t1 = time.perf_counter()
rss_imports = rss()
if lib == "gensim":
    kv = KeyedVectors.load_word2vec_format(path, binary=fmt == "binary")
    matrix, keys = kv.vectors, kv.index_to_key
else:
    kw = {"engine": engine} if fmt == "text" else {}
    v = load(path, **kw)
    matrix, keys = v.matrix, v.keys
t2 = time.perf_counter()
peak = rss()
mapped, base = False, matrix
while base is not None:
    mapped = mapped or isinstance(base, np.memmap)
    base = getattr(base, "base", None)
digest = hashlib.sha256(np.ascontiguousarray(matrix).tobytes()).hexdigest()
keys_digest = hashlib.sha256("\n".join(keys).encode()).hexdigest()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "rss_imports": rss_imports,
                  "rss_peak": peak, "matrix": digest, "keys": keys_digest,
                  "shape": list(matrix.shape), "mapped": mapped}))
"""


def prepare(folder: Path, n: int, dim: int, seed: int) -> tuple[str, dict[str, str]]:
    from gensim.models import KeyedVectors

    from everyvec import Vectors
    from everyvec.vectors.formats import save

    keys, description = frequent_keys(n)
    matrix = (np.random.default_rng(seed).standard_normal((n, dim)) * 0.1).astype(np.float32)
    kv = KeyedVectors(dim)
    kv.add_vectors(keys, matrix)
    kv.save_word2vec_format(str(folder / "vectors.txt"))
    kv.save_word2vec_format(str(folder / "vectors.bin"), binary=True)
    save(Vectors(keys, matrix), folder / "native")
    (folder / "tiny.txt").write_text("1 2\nk 0.5 -1.25\n")
    import hashlib
    written = {"matrix": hashlib.sha256(matrix.tobytes()).hexdigest(),
               "keys": hashlib.sha256("\n".join(keys).encode()).hexdigest()}
    return description, written


def measure(lib: str, fmt: str, path: Path, engine: str = "-",
            env: dict[str, str] | None = None, warm: bool = True) -> dict:
    warmup = str(path.parent / "tiny.txt") if warm else "-"
    done = subprocess.run([sys.executable, "-c", CHILD, lib, fmt, str(path), engine, warmup],
                          capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"{lib} {fmt} {engine} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "load.md"))
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="everyvec-bench-load-"))
    try:
        description, written = prepare(folder, args.keys, args.dim, args.seed)
        text, binary, native = folder / "vectors.txt", folder / "vectors.bin", folder / "native"
        runs: dict[tuple[str, str, str], list[dict]] = {}
        plan = [("gensim", "text", "-"), ("everyvec", "text", "numpy"),
                ("everyvec", "text", "numba"), ("gensim", "binary", "-"),
                ("everyvec", "binary", "-"), ("everyvec", "native", "-")]
        measure("everyvec", "text", text, "numba")  # fills numba's cache: "warm" below
        for round_ in range(args.repeat):
            for lib, fmt, engine in plan:
                path = {"text": text, "binary": binary, "native": native}[fmt]
                result = measure(lib, fmt, path, engine)
                runs.setdefault((lib, fmt, engine), []).append(result)
                print(f"round {round_ + 1}: {lib:8s} {fmt:6s} {engine:5s} "
                      f"{result['load_s']:7.3f} s  {result['rss_peak']:6.0f} MiB", flush=True)
        with tempfile.TemporaryDirectory() as empty_cache:
            cold = measure("everyvec", "text", text, "numba",
                           env={**os.environ, "NUMBA_CACHE_DIR": empty_cache}, warm=False)
        sizes = {fmt: path.stat().st_size for fmt, path in (("text", text), ("binary", binary))}
        sizes["native"] = sum(p.stat().st_size for p in native.iterdir())
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    table = render(args, runs, cold, sizes, description, written)
    print(table)
    Path(args.out).write_text(table, encoding="utf-8")
    print(f"wrote {args.out}")


def render(args, runs, cold, sizes, description, written) -> str:
    names = {
        ("gensim", "text", "-"): "gensim `load_word2vec_format`",
        ("everyvec", "text", "numpy"): "everyvec `load` (engine numpy, the default)",
        ("everyvec", "text", "numba"): "everyvec `load` (engine numba, warm)",
        ("gensim", "binary", "-"): "gensim `load_word2vec_format(binary=True)`",
        ("everyvec", "binary", "-"): "everyvec `load`",
        ("everyvec", "native", "-"): "everyvec `load` (native folder, mmap)",
    }
    labels = {"text": "word2vec text", "binary": "word2vec binary", "native": "native"}
    baseline = {fmt: min(r["load_s"] for r in runs[("gensim", fmt, "-")])
                for fmt in ("text", "binary")}
    reference = {fmt: runs[("gensim", fmt, "-")][0] for fmt in ("text", "binary")}
    lines = [
        "# load: everyvec vs gensim `load_word2vec_format`",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        "",
        f"Vectors: {args.keys:,} keys × {args.dim} dims, float32 (normal × 0.1, seed "
        f"{args.seed}); keys: {description}. Files written by gensim: text "
        f"{sizes['text'] / 2**20:.0f} MiB, binary {sizes['binary'] / 2**20:.0f} MiB; everyvec "
        f"native folder {sizes['native'] / 2**20:.0f} MiB.",
        "",
        "| file | loader | load time, best (s) | median (s) | speed-up vs gensim (best) "
        "| peak RSS (MiB) | RSS after imports (MiB) | identical to gensim |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, results in runs.items():
        lib, fmt, _engine = key
        times = [r["load_s"] for r in results]
        best = min(times)
        ref_fmt = fmt if fmt in baseline else "binary"
        speedup = f"{baseline[ref_fmt] / best:.1f}×" if fmt in baseline else "—"
        ref = reference[ref_fmt]
        same = all(r["matrix"] == ref["matrix"] and r["keys"] == ref["keys"] for r in results)
        identical = "yes" if same else "**NO**"
        if fmt == "native":
            identical += ", memory-mapped" if all(r["mapped"] for r in results) else ", copied"
        lines.append(
            f"| {labels[fmt]} | {names[key]} | {best:.3f} | {statistics.median(times):.3f} | "
            f"{speedup} | {max(r['rss_peak'] for r in results):.0f} | "
            f"{max(r['rss_imports'] for r in results):.0f} | {identical} |"
        )
    matches_written = all(reference[f]["matrix"] == written["matrix"]
                          and reference[f]["keys"] == written["keys"] for f in reference)
    imports = {key: statistics.median(r["import_s"] for r in results)
               for key, results in runs.items()}
    import gensim

    import everyvec

    lines += [
        "",
        f"Times: best and median of {args.repeat} runs, each in a fresh process (the file is "
        "in the page cache after the first). \"identical\" compares SHA-256 of the matrix "
        "bytes and of the keys with gensim's result for the same file; gensim's own results "
        f"equal the vectors written: {'yes' if matches_written else '**NO**'}. Peak RSS is "
        "`VmHWM` of the process, imports included (the float32 matrix alone is "
        f"{args.keys * args.dim * 4 / 2**20:.0f} MiB); the column after it is the peak "
        "before the load started.",
        "",
        f"Imports (median): gensim {imports[('gensim', 'text', '-')]:.2f} s; everyvec "
        f"{imports[('everyvec', 'text', 'numpy')]:.2f} s; everyvec with numba, loading its cached "
        f"kernels {imports[('everyvec', 'text', 'numba')]:.2f} s. numba cold (empty kernel "
        f"cache, the timed load includes importing numba and compiling): "
        f"{cold['load_s']:.2f} s for the text file, "
        f"peak RSS {cold['rss_peak']:.0f} MiB. The numba engine is the default only for text "
        "files of 1 GiB or more (or once numba is loaded anyway): below that, its import "
        "costs more memory than it saves time.",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, NumPy {np.__version__}, gensim {gensim.__version__}, "
        f"everyvec {everyvec.__version__}. Shared machine: timings are noisy.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
