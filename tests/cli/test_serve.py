"""``everyvec serve``: arguments checked before uvicorn starts (which is replaced here).

A real start of the server is covered by tests/serve/test_durability.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from everyvec import Vectors
from everyvec.cli import app

uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("fastapi")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from everyvec.collection import Collection  # noqa: E402
from everyvec.serve.app import ENV, app_from_env  # noqa: E402

runner = CliRunner()


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    vectors = Vectors(["a", "b", "c", "d"], np.eye(4, dtype=np.float32))
    return Collection.from_vectors(vectors).save(tmp_path / "coll")


@pytest.fixture()
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """uvicorn.run replaced by a recorder; the serve settings cleared from the environment."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    for name in ENV.values():
        monkeypatch.setenv(name, "")  # restored (removed) after the test
    return calls


def test_a_missing_path_is_one_line_and_exit_1(tmp_path: Path, runs: list) -> None:
    result = runner.invoke(app, ["serve", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert not runs


def test_a_broken_collection_is_refused_before_starting(tmp_path: Path, runs: list) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("this is not a vectors file\n")
    result = runner.invoke(app, ["serve", str(bad)])
    assert result.exit_code == 1 and "error:" in result.output
    assert not runs


def test_writable_needs_one_worker(folder: Path, runs: list) -> None:
    result = runner.invoke(app, ["serve", str(folder), "--writable", "--workers", "2"])
    assert result.exit_code == 1
    assert "--writable needs --workers 1" in result.output
    assert not runs


def test_writable_plain_vectors_file_is_refused(tmp_path: Path, runs: list) -> None:
    plain = Vectors(["a", "b"], np.eye(2)).save(tmp_path / "plain.txt", format="word2vec")
    result = runner.invoke(app, ["serve", str(plain), "--writable"])
    assert result.exit_code == 1 and "read-only" in result.output
    assert not runs


@pytest.mark.parametrize("args, fragment", [
    (["--encoder", "bert"], "--encoder must be one of mean"),
    (["--workers", "0"], "--workers"),
    (["--port", "70000"], "--port"),
    (["--max-k", "0"], "--max-k"),
])
def test_bad_options(folder: Path, runs: list, args: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["serve", str(folder), *args])
    assert result.exit_code != 0 and fragment in result.output
    assert not runs


def test_one_worker_serves_the_opened_collection(folder: Path, runs: list) -> None:
    result = runner.invoke(app, ["serve", str(folder), "--port", "8123", "--api-key", "k",
                                 "--encoder", "mean", "--max-k", "7"])
    assert result.exit_code == 0, result.output
    assert "serving 4 vectors" in result.output and "warning" not in result.output
    [(target, options)] = runs
    assert isinstance(target, FastAPI)
    assert options["host"] == "127.0.0.1" and options["port"] == 8123
    assert "workers" not in options


def test_several_workers_use_the_factory_and_the_environment(folder: Path, runs: list,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    result = runner.invoke(app, ["serve", str(folder), "--workers", "3", "--api-key", "k",
                                 "--max-k", "7", "--max-body", "5000"])
    assert result.exit_code == 0, result.output
    [(target, options)] = runs
    assert target == "everyvec.serve.app:app_from_env"
    assert options["factory"] is True and options["workers"] == 3
    # What each worker process would do with that environment:
    built = app_from_env()
    client = TestClient(built)
    assert client.get("/health").json()["count"] == 4
    assert client.get("/similar?key=a").status_code == 401
    assert client.get("/similar?key=a&k=8", headers={"X-API-Key": "k"}).status_code == 422
    with client:  # start and stop the lifespan: the worker closes what it opened
        pass
    assert built.state.service.collection._closed


def test_api_key_from_the_environment(folder: Path, runs: list,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    statuses: list[int] = []

    def run(target: Any, **options: Any) -> None:  # while "serving": before the CLI closes
        client = TestClient(target)
        statuses.append(client.get("/vectors/a").status_code)
        statuses.append(client.get("/vectors/a", headers={"X-API-Key": "from-env"}).status_code)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("EVERYVEC_API_KEY", "from-env")
    result = runner.invoke(app, ["serve", str(folder), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    assert statuses == [401, 200]


def test_public_host_without_a_key_warns(folder: Path, runs: list) -> None:
    result = runner.invoke(app, ["serve", str(folder), "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "without an API key" in result.output
    assert len(runs) == 1


def test_app_from_env_needs_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV["path"], "")
    with pytest.raises(RuntimeError, match="everyvec serve"):
        app_from_env()
