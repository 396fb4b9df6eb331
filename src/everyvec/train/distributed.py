"""Data-parallel training across processes with ``torch.distributed`` (NCCL on GPUs, gloo on CPU).

Every rank reads the whole corpus (so every rank builds the same vocabulary and the same
initial vectors from the seed), trains on its share of the blocks, and at every
synchronisation point the ranks exchange what they changed since the last one:

* each table's change is summed over ranks with one ``all_reduce``, and
* every row's sum is divided by the number of ranks that changed that row.

A rare word, trained on one rank only, keeps its whole update (as if one process had seen
every block); a frequent word, trained everywhere, moves by the average of the ranks'
updates — the rule :mod:`everyvec.train.device_step` applies to rows repeated within a batch.
Plain averaging would shrink rare words' updates by the number of ranks, plain sums would
overshoot on frequent ones.

Why whole tables rather than rows sharded across ranks: a sharded table needs an all-to-all
exchange of the rows every *batch* touches (most of a batch's rows are on other ranks), while
the replicated tables need one ``all_reduce`` per synchronisation interval, whose cost is
spread over a million or so words. ``benchmarks/bench_word2vec_distributed.py`` measures both
communication patterns; replication wins while the tables fit one device, which for
word2vec's ``V × D`` float32 tables (a 10M-word vocabulary at 300 dimensions is 24 GB for
both tables) covers the vocabularies word2vec is trained with.

The process group is the caller's when one is initialised; otherwise, when ``torchrun`` (or
any launcher setting ``WORLD_SIZE``, ``RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``) started
this process with ``WORLD_SIZE > 1``, it is created here and destroyed after training.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from datetime import timedelta
from typing import Any

from everyvec.errors import CorpusError

__all__ = ["Ranks", "TableSync", "check_same_on_all_ranks", "join", "leave", "sum_on_all_ranks",
           "restart_count"]


@dataclasses.dataclass(frozen=True)
class Ranks:
    """This process's place in the run: ``rank`` of ``world`` (``world == 1``: alone)."""

    rank: int = 0
    world: int = 1
    owns_group: bool = False

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def writer(self) -> bool:
        """Whether this rank writes checkpoints and shows progress (rank 0)."""
        return self.rank == 0


def restart_count() -> int:
    """How many times ``torchrun`` restarted the workers (0 on the first attempt)."""
    try:
        return int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    except ValueError:
        return 0


def join(device: Any) -> tuple[Ranks, Any]:
    """Join (or create) the process group; returns the ranks and this rank's device.

    On CUDA without a device index, rank ``LOCAL_RANK`` takes GPU ``LOCAL_RANK``.
    """
    import torch
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        ranks = Ranks(dist.get_rank(), dist.get_world_size(), owns_group=False)
    elif int(os.environ.get("WORLD_SIZE", "1")) > 1:
        if not dist.is_available():
            raise RuntimeError("WORLD_SIZE > 1 asks for distributed training, but this torch "
                               "build has no torch.distributed")
        missing = [v for v in ("RANK", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
        if missing:
            raise RuntimeError(f"WORLD_SIZE > 1 asks for distributed training, but "
                               f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                               "not set; launch with torchrun (see the README, 'Scaling out')")
        backend = "nccl" if device.type == "cuda" else "gloo"
        _init_process_group(backend)
        ranks = Ranks(dist.get_rank(), dist.get_world_size(), owns_group=True)
    else:
        return Ranks(), device
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    return ranks, device


def _init_process_group(backend: str) -> None:
    """``init_process_group`` from the launcher's environment.

    Under torchrun the workers share the agent's key-value store, which outlives a restart;
    the keys of a new attempt get their own prefix so that no rank of a restarted run reads
    the address a dead rank of the previous attempt published (seen here as gloo's
    "connectFullMesh failed ... Connection refused").
    """
    import torch.distributed as dist

    if os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != "True":
        dist.init_process_group(backend)
        return
    world, rank = int(os.environ["WORLD_SIZE"]), int(os.environ["RANK"])
    store = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), world,
                          is_master=False, timeout=timedelta(minutes=10))
    prefixed = dist.PrefixStore(f"everyvec/attempt_{restart_count()}", store)
    dist.init_process_group(backend, store=prefixed, rank=rank, world_size=world)


def leave(ranks: Ranks) -> None:
    """Destroy the process group if :func:`join` created it."""
    if ranks.owns_group:
        import torch.distributed as dist

        dist.destroy_process_group()


def sum_on_all_ranks(values: list[float], device: Any) -> list[float]:
    """Element-wise sums of ``values`` over the ranks (float64)."""
    import torch
    import torch.distributed as dist

    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return tensor.tolist()


def check_same_on_all_ranks(value: Any, what: str, device: Any) -> None:
    """Raise on every rank unless ``value`` (JSON-able) is equal on all of them.

    Raises
    ------
    everyvec.CorpusError
        Some rank differs (for the corpus: each machine must read the same files).
    """
    import torch
    import torch.distributed as dist

    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()[:7]
    mine = torch.tensor([int.from_bytes(digest, "little")], dtype=torch.int64, device=device)
    gathered = [torch.zeros_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, mine)
    differing = [r for r, t in enumerate(gathered) if int(t) != int(mine)]
    if differing:
        raise CorpusError(f"the {what} differs between ranks: rank {dist.get_rank()} and "
                          f"rank(s) {differing} disagree; every rank must read the same corpus")


class TableSync:
    """Bring every rank's tables to the same values: the summed changes, per row divided by
    the number of ranks that changed it (see the module docstring)."""

    def __init__(self, tables: list[Any]) -> None:
        self.tables = [t for t in tables if t.numel()]
        self.bases = [t.clone() for t in self.tables]
        self.seconds = 0.0  #: wall-clock time spent synchronising

    def __call__(self) -> None:
        import torch.distributed as dist

        started = time.perf_counter()
        for table, base in zip(self.tables, self.bases, strict=True):
            table.sub_(base)
            changed = (table != 0).any(dim=1).to(table.dtype)
            dist.all_reduce(table)
            dist.all_reduce(changed)
            table.div_(changed.clamp_(min=1.0)[:, None]).add_(base)
            base.copy_(table)
        self.seconds += time.perf_counter() - started
