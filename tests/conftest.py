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


@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2 (:class:`ModelFiles`); skips when it is not installed."""
    pytest.importorskip("transformers")
    pytest.importorskip("onnxruntime")
    from everyvec.encoders.model_files import resolve_model
    from everyvec.errors import ModelNotFoundError

    try:
        return resolve_model("all-MiniLM-L6-v2")
    except ModelNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory):
    """One ONNX export cache for the whole session (exporting takes seconds)."""
    return tmp_path_factory.mktemp("everyvec-cache") / "onnx"


@pytest.fixture()
def cache_env(onnx_cache, monkeypatch):
    """``$EVERYVEC_CACHE`` pointing at the session's cache, for code that finds it itself
    (the CLI, the server, README blocks): no test writes to the user's ~/.cache."""
    monkeypatch.setenv("EVERYVEC_CACHE", str(onnx_cache.parent))
    return onnx_cache.parent


@pytest.fixture(scope="session")
def minilm_encoders(minilm, onnx_cache):
    """MiniLM encoders by backend: ``torch``, ``onnx`` and ``int8`` (one thread each)."""
    from everyvec.encoders.encoder import Encoder

    return {"torch": Encoder(minilm, backend="torch", threads=1),
            "onnx": Encoder(minilm, backend="onnx", threads=1, cache_dir=onnx_cache),
            "int8": Encoder(minilm, backend="onnx", quantize="int8", threads=1,
                            cache_dir=onnx_cache)}


@pytest.fixture(scope="module")
def torch_pinned():
    """torch on one thread for a module's tests, when torch is installed.

    The models under test are tiny: on a busy 2-core machine extra intra-op threads only add
    contention (seen slowing small fits about 100×), and one thread keeps results the same
    from run to run.
    """
    try:
        import torch
    except ImportError:  # tests that need torch skip themselves
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def one_torch_thread(torch_pinned):
    """Like ``torch_pinned``, for a test that needs torch: it skips without it."""
    pytest.importorskip("torch")
