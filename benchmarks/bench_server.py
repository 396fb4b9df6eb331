"""Benchmark: ``everyvec serve`` under load — GET /similar from many concurrent clients.

The collection: word2vec vectors trained for one epoch on the text8 prefix of the data mirror
(``everyvec.datasets.path("text8-prefix")``, skip-gram, dim 100, min_count 5), saved as a
collection folder with the exact cosine index; without the mirror, ``--keys`` synthetic
vectors scattered around random centres (as bench_most_similar.py makes them). The folder is
cached in ``--work-dir`` between runs.

The server is the real command, ``everyvec serve PATH --no-access-log`` in a subprocess. The
load comes from one asyncio process on the same machine: ``--clients`` keep-alive
connections, each sending ``GET /similar?key=…&k=10`` for a key drawn uniformly from the 10,000
most frequent keys, one request after the other, for ``--duration`` seconds after a short
warm-up. The default client speaks HTTP/1.1 directly over asyncio streams (lighter than
httpx, so more CPU is left to the server); ``--client httpx`` uses ``httpx.AsyncClient``.

Reported: requests/s, median and 99th-percentile latency (as the client sees it, so it
includes time waiting for the client's own event loop), errors (non-200 answers, bodies
without matches, connection failures), the server's RSS (VmRSS of the server process and its
workers) when idle, after the warm-up, half-way and at the end — it must stay flat — and the
CPU time used by server and client. On a small machine the client competes with the server
for the same cores: the numbers are a lower bound for the server alone.

Writes ``benchmarks/results/server.md`` and its section of ``BENCHMARKS.md``.

Usage: ``python benchmarks/bench_server.py [--duration 30] [--clients 64] [--workers 1]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np
from _common import REPO, data_root  # sibling modules of this script
from bench_most_similar import make_matrix
from run_all import _demote_headings

HOT_KEYS = 10_000
K = 10
SECTION = "HTTP server"


# ---------------------------------------------------------------------------- the collection
def build_collection(args: argparse.Namespace) -> tuple[Path, str]:
    """The collection folder (built once, then reused) and a sentence describing it."""
    from everyvec import Vectors
    from everyvec.collection import Collection

    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    root = data_root(args.data)
    trained = root is not None and not args.synthetic
    name = "text8-w2v" if trained else f"synthetic-{args.keys}x{args.dim}"
    folder = work / name
    note_file = work / f"{name}.note"
    if folder.exists() and note_file.exists():
        return folder, note_file.read_text(encoding="utf-8")
    started = time.perf_counter()
    if trained:
        from everyvec import Word2Vec, datasets
        from everyvec.text import Corpus

        # datasets.path looks in $EVERYVEC_DATA; data_root also found ../shared/data.
        os.environ["EVERYVEC_DATA"] = os.pathsep.join(
            filter(None, [str(root), os.environ.get("EVERYVEC_DATA")]))
        corpus = Corpus(datasets.path("text8-prefix"), tokenizer="text8", layout="stream")
        model = Word2Vec(args.dim, sg=True, min_count=5, epochs=1, workers=2, seed=1,
                         progress=False).fit(corpus)
        vectors = model.vectors
        note = (f"{len(vectors):,} word2vec vectors (skip-gram, dim {vectors.dim}, min_count "
                f"5, 1 epoch on the text8 prefix, trained in "
                f"{time.perf_counter() - started:.0f} s)")
    else:
        from _common import frequent_keys

        keys, source = frequent_keys(args.keys)
        vectors = Vectors(keys, make_matrix(args.keys, args.dim, 1000, seed=0))
        note = (f"{len(vectors):,} synthetic clustered vectors (dim {args.dim}; {source}; "
                "data mirror not used)")
    Collection.from_vectors(vectors).save(folder)
    note_file.write_text(note, encoding="utf-8")
    return folder, note


# ---------------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from everyvec.cli import main; main()", "serve",
               str(folder), "--port", str(port), "--workers", str(workers),
               "--no-access-log"]
    env = {**os.environ, "EVERYVEC_API_KEY": ""}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit(f"the server did not start:\n{log.read_text()}")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's worker processes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                pass
    return found


def rss_mib(pid: int) -> float:
    """VmRSS of the server and its workers, in MiB."""
    total = 0
    for each in process_tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server and its workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


# ---------------------------------------------------------------------------- the load
class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.error_kinds: dict[str, int] = {}

    def fail(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


async def raw_client(port: int, keys: list[str], until: float, tally: Tally,
                     seed: int) -> None:
    """One keep-alive connection speaking just enough HTTP/1.1."""
    rng = random.Random(seed)
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < until:
        key = urllib.parse.quote(rng.choice(keys), safe="")
        request = (f"GET /similar?key={key}&k={K} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   "\r\n").encode()
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as exc:
            tally.fail(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        elapsed = time.perf_counter() - started
        if status != 200:
            tally.fail(f"HTTP {status}")
        elif b'"matches":[{' not in body:
            tally.fail("no matches")
        else:
            tally.latencies.append(elapsed)
    if writer is not None:
        writer.close()


async def httpx_client(client: Any, keys: list[str], until: float, tally: Tally,
                       seed: int) -> None:
    import httpx

    rng = random.Random(seed)
    while time.perf_counter() < until:
        started = time.perf_counter()
        try:
            response = await client.get("/similar", params={"key": rng.choice(keys), "k": K})
        except httpx.HTTPError as exc:
            tally.fail(type(exc).__name__)
            continue
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            tally.fail(f"HTTP {response.status_code}")
        elif not response.json().get("matches"):
            tally.fail("no matches")
        else:
            tally.latencies.append(elapsed)


async def drive(port: int, keys: list[str], clients: int, seconds: float, kind: str,
                on_half: Any = None) -> Tally:
    tally = Tally()
    until = time.perf_counter() + seconds

    async def halfway() -> None:
        await asyncio.sleep(seconds / 2)
        if on_half is not None:
            on_half()

    if kind == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                     timeout=30) as client:
            await asyncio.gather(halfway(), *(httpx_client(client, keys, until, tally, i)
                                             for i in range(clients)))
    else:
        await asyncio.gather(halfway(), *(raw_client(port, keys, until, tally, i)
                                         for i in range(clients)))
    return tally


# ---------------------------------------------------------------------------- the report
def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> dict[str, Any]:
    folder, note = build_collection(args)
    from everyvec.collection import Collection

    with Collection.open(folder) as collection:
        hot = collection.keys[:HOT_KEYS]
        count, dim = len(collection), collection.dim
    port = free_port()
    log = Path(args.work_dir) / "server.log"
    process = start_server(folder, port, args.workers, log)
    load_before = os.getloadavg()[0]
    try:
        rss = {"idle": rss_mib(process.pid)}
        warm = asyncio.run(drive(port, hot, args.clients, args.warmup, args.client))
        rss["after warm-up"] = rss_mib(process.pid)
        cpu0, own0, wall0 = cpu_seconds(process.pid), own_cpu_seconds(), time.perf_counter()
        tally = asyncio.run(drive(port, hot, args.clients, args.duration, args.client,
                                  on_half=lambda: rss.__setitem__("middle",
                                                                  rss_mib(process.pid))))
        wall = time.perf_counter() - wall0
        server_cpu = cpu_seconds(process.pid) - cpu0
        client_cpu = own_cpu_seconds() - own0
        rss["end"] = rss_mib(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    latencies = np.asarray(tally.latencies) * 1000
    return {
        "note": note, "count": count, "dim": dim, "workers": args.workers,
        "clients": args.clients, "duration": args.duration, "client": args.client,
        "requests": len(latencies), "requests_per_s": len(latencies) / wall,
        "p50_ms": float(np.percentile(latencies, 50)) if len(latencies) else float("nan"),
        "p99_ms": float(np.percentile(latencies, 99)) if len(latencies) else float("nan"),
        "errors": tally.errors, "error_kinds": tally.error_kinds,
        "warmup_requests": len(warm.latencies), "warmup_errors": warm.errors,
        "rss_mib": rss, "server_cpu_s": server_cpu, "client_cpu_s": client_cpu,
        "wall_s": wall, "cores": os.cpu_count(),
        "load_average": [load_before, os.getloadavg()[0]],
    }


def markdown(result: dict[str, Any], command: str) -> str:
    rss = result["rss_mib"]
    drift = rss["end"] - rss["middle"]
    lines = [
        f"# {SECTION}: `everyvec serve`, GET /similar under load",
        "",
        f"Command: `{command}`",
        "",
        f"Collection: {result['note']}; exact cosine index, memory-mapped; "
        f"{result['workers']} worker{'s' * (result['workers'] > 1)}, access log off. "
        f"Load: {result['clients']} concurrent keep-alive connections from one asyncio "
        f"process ({'raw HTTP/1.1 client' if result['client'] == 'raw' else 'httpx'}), "
        f"`GET /similar?key=…&k={K}` with keys drawn uniformly from the {HOT_KEYS:,} most "
        f"frequent, {result['duration']:.0f} s on loopback after a warm-up; "
        f"{platform.machine()}, {result['cores']} cores, Python {platform.python_version()}.",
        "",
        "| requests/s | p50 ms | p99 ms | errors | server RSS MiB: idle / warm / middle / end "
        "| server CPU | client CPU |",
        "|---|---|---|---|---|---|---|",
        f"| {result['requests_per_s']:,.0f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} "
        f"| {result['errors']} of {result['requests'] + result['errors']:,} | "
        f"{rss['idle']:.0f} / {rss['after warm-up']:.0f} / {rss['middle']:.0f} / "
        f"{rss['end']:.0f} | {100 * result['server_cpu_s'] / result['wall_s']:.0f}% | "
        f"{100 * result['client_cpu_s'] / result['wall_s']:.0f}% |",
        "",
        f"Memory from the middle to the end of the run: {drift:+.1f} MiB. The machine's "
        f"1-minute load average was {result['load_average'][0]:.1f} before the run and "
        f"{result['load_average'][1]:.1f} after it (other work shares it). The client runs on "
        f"the same {result['cores']} cores as the server (CPU percentages are of one core), so "
        "the server alone would answer more; latencies are as the client measures them, "
        "including waits in its own event loop. Each collection call holds the collection's "
        "lock, so one worker computes one query at a time; `--workers N` scales across cores "
        "(each worker maps the same vectors file).",
    ]
    return "\n".join(lines)


def update_benchmarks_md(section: str) -> Path:
    """Replace (or append) this benchmark's section of BENCHMARKS.md."""
    target = REPO / "BENCHMARKS.md"
    demoted = _demote_headings(section.strip())
    text = target.read_text(encoding="utf-8") if target.exists() else "# Benchmarks\n"
    heading = f"## {SECTION}:"
    lines = text.rstrip("\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    if start is None:
        lines += ["", demoted]
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].startswith("## ")), len(lines))
        lines[start:end] = demoted.split("\n") + ([""] if end < len(lines) else [])
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of load.")
    parser.add_argument("--clients", type=int, default=64, help="Concurrent connections.")
    parser.add_argument("--workers", type=int, default=1, help="Server worker processes.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Seconds of warm-up load.")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--data", default=None, help="Data mirror (default: EVERYVEC_DATA).")
    parser.add_argument("--synthetic", action="store_true",
                        help="Synthetic vectors even when the data mirror is there.")
    parser.add_argument("--keys", type=int, default=50_000, help="Synthetic keys.")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(),
                                                           "everyvec-bench-server"))
    parser.add_argument("--no-write", action="store_true",
                        help="Print only; do not write results/server.md or BENCHMARKS.md.")
    args = parser.parse_args()
    if args.duration <= 0 or args.clients < 1 or args.workers < 1:
        parser.error("--duration must be > 0, --clients and --workers >= 1")
    result = run(args)
    command = "python benchmarks/bench_server.py " + shlex.join(sys.argv[1:])
    section = markdown(result, command.strip())
    print(section)
    print(json.dumps(result, indent=2))
    if not args.no_write:
        out = REPO / "benchmarks" / "results" / "server.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(section + "\n", encoding="utf-8")
        print(f"wrote {out} and {update_benchmarks_md(section)}")


if __name__ == "__main__":
    main()
