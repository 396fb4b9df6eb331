"""An acknowledged upsert survives ``kill -9`` of the real server process.

``everyvec serve PATH --writable`` runs in a subprocess; a thread sends upserts one after the
other and records each one the server acknowledged (200). The server is killed with SIGKILL
while requests are still in flight; reopening the folder must show every acknowledged key
with exactly the vector that was sent.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from tests.serve.conftest import DIM, WORDS, build_collection  # noqa: E402

from everyvec.collection import Collection  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(path: Path, port: int, log: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-c", "from everyvec.cli import main; main()", "serve",
               str(path), "--port", str(port), "--no-access-log", *extra]
    env = {**os.environ, "EVERYVEC_API_KEY": ""}
    with open(log, "wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def wait_until_up(process: subprocess.Popen, url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not come up:\n{log.read_text()}")


def vector_of(i: int) -> list[float]:
    rng = np.random.default_rng(i)
    # float32 values, so what comes back can be compared exactly
    return rng.standard_normal(DIM).astype(np.float32).tolist()


def test_acknowledged_upserts_survive_kill_9(tmp_path: Path) -> None:
    path = build_collection(tmp_path / "toy")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    process = start_server(path, port, log, "--writable")
    try:
        wait_until_up(process, url, log)
        acknowledged: list[int] = []
        cut_off: list[Exception] = []
        stop = threading.Event()

        def send() -> None:
            with httpx.Client(base_url=url, timeout=10) as client:
                i = 0
                while not stop.is_set():
                    items = [{"key": f"k{i}-{j}", "vector": vector_of(i * 10 + j),
                              "metadata": {"batch": i}} for j in range(3)]
                    try:
                        response = client.post("/upsert", json={"items": items})
                    except httpx.TransportError as exc:
                        cut_off.append(exc)  # the server died under this request
                        return
                    assert response.status_code == 200, response.text
                    assert response.json() == {"upserted": 3}
                    acknowledged.append(i)
                    i += 1

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 25 and time.monotonic() < deadline and sender.is_alive():
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: the sender is still sending
        process.wait(10)
        stop.set()
        sender.join(10)
        assert len(acknowledged) >= 25, log.read_text()
        assert cut_off, "the server was not killed in the middle of the stream"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)

    with Collection.open(path) as reopened:
        for i in acknowledged:
            for j in range(3):
                key = f"k{i}-{j}"
                assert key in reopened, f"acknowledged {key} was lost"
                np.testing.assert_array_equal(reopened.vector(key),
                                              np.float32(vector_of(i * 10 + j)))
                assert reopened.metadata(key) == {"batch": i}
        assert len(reopened) >= len(WORDS) + 3 * len(acknowledged)
    # A writer that was killed leaves the folder writable again (its lock died with it).
    with Collection.open(path, writable=True) as again:
        assert "k0-0" in again
