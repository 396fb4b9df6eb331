"""Shared fixtures. Tests make their own tiny data; real-data checks skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path | None:
    for candidate in (os.environ.get("EVERYVEC_DATA"), _REPO.parent / "shared" / "data"):
        if candidate and Path(candidate, "analogy").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data mirror (``$EVERYVEC_DATA`` or ``../shared/data``); skips when absent."""
    found = _shared_data()
    if found is None:
        pytest.skip("shared data mirror not found (set EVERYVEC_DATA)")
    return found
