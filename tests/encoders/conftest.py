"""Shared set-up of the encoder tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # Transformer tests run on a busy shared machine: extra intra-op threads only add
    # contention, and one thread keeps CPU results reproducible from run to run.
    try:
        import torch
    except ImportError:  # tests that need torch skip themselves
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
