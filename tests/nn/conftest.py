"""Shared set-up of the neural-model tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread(torch_pinned):
    """Every test here runs with torch on one thread (see the root conftest)."""
