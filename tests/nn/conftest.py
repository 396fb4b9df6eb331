"""Shared set-up of the neural-model tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # The models under test are tiny: on a busy 2-core machine, extra intra-op threads only
    # add contention (seen slowing small fits about 100×).
    try:
        import torch
    except ImportError:  # tests that need torch skip themselves
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
