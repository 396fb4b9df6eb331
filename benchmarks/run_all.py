"""Run every benchmark one after another and assemble BENCHMARKS.md from their results.

Each ``bench_*.py`` writes ``benchmarks/results/<name>.md`` (its table and the command that
produced it). This script runs them in sequence (never in parallel: they time each other's
CPU otherwise) and concatenates the results under a short header.

Usage: ``python benchmarks/run_all.py [--only load evaluate most_similar] [--assemble-only]``
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ORDER = ("load", "evaluate", "most_similar", "word2vec", "word2vec_device", "index", "server",
         "recs", "graph", "tabular", "ctr", "text_classifier", "encoder", "language_model", "stsb")

HEADER = """# Benchmarks

everyvec against the tool a user would otherwise pick (gensim 4.4, faiss-cpu, networkx
walkers, LightGBM, scikit-learn), side by side in one run on the same data and settings.
Each section below was written by its script; the command that produced it is at the top of
the section. Re-run all with `make bench` (`python benchmarks/run_all.py`). Timings are
wall-clock on a shared 2-core machine, so ratios matter more than absolute times; tests never
assert on speed.

Machine for the tables below: {machine}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=ORDER, default=list(ORDER))
    parser.add_argument("--assemble-only", action="store_true",
                        help="Do not run anything; rebuild BENCHMARKS.md from results/.")
    args = parser.parse_args()
    if not args.assemble_only:
        for name in args.only:
            started = time.perf_counter()
            print(f"== bench_{name}.py", flush=True)
            # Relative script path from the repo root, so each result names a portable command.
            subprocess.run([sys.executable, f"benchmarks/bench_{name}.py"], check=True,
                           cwd=HERE.parent)
            print(f"== bench_{name}.py took {time.perf_counter() - started:.0f} s", flush=True)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    parts = [HEADER.format(machine=machine)]
    for name in ORDER:
        result = RESULTS / f"{name}.md"
        if result.exists():
            parts.append(_demote_headings(result.read_text(encoding="utf-8").strip()))
    (HERE.parent / "BENCHMARKS.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote {HERE.parent / 'BENCHMARKS.md'}")


def _demote_headings(markdown: str) -> str:
    """One level down, so each result's title becomes a section of BENCHMARKS.md."""
    return "\n".join("#" + line if line.startswith("#") else line
                     for line in markdown.splitlines())


if __name__ == "__main__":
    main()
