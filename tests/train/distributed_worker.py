"""A training script for ``torchrun``, run by ``test_distributed.py`` (not a test module).

Trains skip-gram with the PyTorch trainer on CPU on the planted corpus; rank 0 writes the
vectors. With ``--die-after-epoch E`` rank 1 exits abruptly after epoch ``E`` on the first
attempt, so that ``torchrun --max-restarts`` restarts the workers from the checkpoint.

Every attempt appends ``{"rank", "attempt", "epochs"}`` (the epochs this attempt trained) to
``--events``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from conftest import planted_sentences  # noqa: E402

from everyvec import Word2Vec  # noqa: E402
from everyvec.train.distributed import restart_count  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--die-after-epoch", type=int, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    seen: list[int] = []

    def callback(model: Word2Vec, report) -> None:  # type: ignore[no-untyped-def]
        seen.append(report.epoch)
        if (args.die_after_epoch == report.epoch and model.rank_ == 1
                and restart_count() == 0):
            _log(args.events, model.rank_, seen)
            os._exit(3)  # a crash: no clean-up, no goodbye to the other rank

    model = Word2Vec(vector_size=16, min_count=1, epochs=args.epochs, sample=0.0, seed=0,
                     sg=True, device="cpu", batch_words=1024, sync_words=2000,
                     checkpoint=args.checkpoint, callbacks=[callback], progress=False)
    model.fit(planted_sentences())
    _log(args.events, model.rank_, seen)
    if model.rank_ == 0:
        model.vectors.save(args.out)
        Path(args.out + ".report.json").write_text(json.dumps(model.report_.to_dict()))


def _log(path: str, rank: int, epochs: list[int]) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"rank": rank, "attempt": restart_count(),
                                 "epochs": epochs}) + "\n")


if __name__ == "__main__":
    main()
