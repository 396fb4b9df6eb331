"""Training across processes: ``torchrun`` starts two gloo ranks on this machine.

The worker script is ``distributed_worker.py`` beside this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from everyvec import Vectors, Word2Vec

torch = pytest.importorskip("torch")

WORKER = Path(__file__).with_name("distributed_worker.py")


def _torchrun(tmp_path: Path, *args: str, max_restarts: int = 0) -> subprocess.CompletedProcess:
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node", "2", "--max-restarts", str(max_restarts),
               "--monitor-interval", "0.2", str(WORKER), "--out", str(tmp_path / "vectors"),
               "--events", str(tmp_path / "log.jsonl"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _log(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]


def test_two_gloo_processes_learn_as_well_as_one(tmp_path: Path, planted: list[list[str]],
                                                  planted_score, one_torch_thread) -> None:
    run = _torchrun(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    two = Vectors.load(tmp_path / "vectors")
    one = Word2Vec(vector_size=16, min_count=1, epochs=20, sample=0.0, seed=0, sg=True,
                   device="cpu", batch_words=1024, progress=False).fit(planted)
    assert planted_score(two) >= 0.9
    assert planted_score(two) >= planted_score(one.vectors) - 0.05
    report = json.loads((tmp_path / "vectors.report.json").read_text())["epochs"]
    tokens = sum(map(len, planted))
    assert [e["raw_words"] for e in report] == [tokens] * 20  # both ranks' words, once
    log = _log(tmp_path)
    assert sorted(entry["rank"] for entry in log) == [0, 1]
    assert all(entry["epochs"] == list(range(20)) for entry in log)


def test_a_dead_rank_is_restarted_from_the_checkpoint(tmp_path: Path, planted_score) -> None:
    run = _torchrun(tmp_path, "--epochs", "6", "--checkpoint", str(tmp_path / "ckpt"),
                    "--die-after-epoch", "2", max_restarts=1)
    assert run.returncode == 0, run.stderr[-3000:]
    log = _log(tmp_path)
    crashed = [e for e in log if e["attempt"] == 0]
    assert crashed == [{"rank": 1, "attempt": 0, "epochs": [0, 1, 2]}]
    restarted = [e for e in log if e["attempt"] == 1]
    assert sorted(e["rank"] for e in restarted) == [0, 1]
    for entry in restarted:  # resumed after epoch 2 (or 1, had rank 0 not saved epoch 2 yet)
        assert entry["epochs"][0] in (2, 3) and entry["epochs"][-1] == 5
    vectors = Vectors.load(tmp_path / "vectors")
    assert np.isfinite(vectors.matrix).all() and planted_score(vectors) >= 0.75
