"""``everyvec serve``: the HTTP API and the explorer page over one collection, with uvicorn.

Everything that can be wrong with the arguments is found before uvicorn starts: the path is
opened once (a clear one-line error and exit code 1 otherwise), ``--writable`` is refused with
several workers (a collection has one writer), and binding beyond loopback without an API key
prints a warning. One worker serves the collection opened here; with ``--workers N`` uvicorn
starts N processes that each open it memory-mapped through
:func:`everyvec.serve.app.app_from_env`, configured by environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from everyvec.cli._common import err_console, friendly_errors

_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
ENCODERS = ("mean", "model")


def _check_arguments(path: Path, workers: int, writable: bool, encoder: str | None) -> None:
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; expected a collection folder or a "
                                "vectors file")
    if writable and workers > 1:
        raise ValueError("--writable needs --workers 1: a collection has one writer, and "
                         f"{workers} worker processes would each write to it")
    if encoder is not None and encoder not in ENCODERS:
        from everyvec.encoders.model_files import resolve_model
        from everyvec.errors import ModelNotFoundError

        try:
            resolve_model(encoder)
        except ModelNotFoundError as exc:
            raise ValueError(f"--encoder must be one of {', '.join(ENCODERS)} or a transformer "
                             f"model name or folder: {exc}") from None


def _open(path: Path, writable: bool) -> Any:
    from everyvec.collection import Collection

    with err_console.status(f"opening {path}…", spinner="dots"):
        return Collection.open(path, writable=writable)


def serve(
    path: Annotated[Path, typer.Argument(help="Collection folder or vectors file to serve.")],
    host: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 for every interface.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="EVERYVEC_API_KEY", show_envvar=True,
                                 help="Require this key (header X-API-Key or Authorization: "
                                      "Bearer) on every route but /health and the page.")]
    = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each memory-maps "
                                                     "the collection).")] = 1,
    writable: Annotated[bool, typer.Option(help="Allow /upsert and /delete (one worker "
                                                "only).")] = False,
    encoder: Annotated[
        str | None, typer.Option(help="Text encoder for /encode and /search by text: model "
                                      "(the transformer that made the vectors, as recorded "
                                      "by `everyvec encode`), a transformer model name or "
                                      "folder (all-MiniLM-L6-v2), or mean (average of the "
                                      "served word vectors).")] = None,
    max_k: Annotated[int, typer.Option(min=1, help="Largest k a query may ask for.")] = 1000,
    max_body: Annotated[int, typer.Option(min=1, help="Largest request body in bytes.")]
    = 1 << 20,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve PATH over HTTP: nearest neighbours, analogies, vectors, writes and an explorer."""
    from everyvec._optional import require

    require("fastapi", "everyvec serve")
    uvicorn = require("uvicorn", "everyvec serve")
    _check_arguments(path, workers, writable, encoder)
    if api_key == "":
        api_key = None
    collection = _open(path, writable)
    if host not in _LOOPBACK and api_key is None:
        err_console.print(
            f"[bold yellow]warning:[/] serving on {host} without an API key: anyone who can "
            f"reach port {port} can read the collection"
            + (" and change it" if writable else "")
            + "; pass --api-key KEY or set EVERYVEC_API_KEY", markup=True, soft_wrap=True)
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    err_console.print(
        f"serving {len(collection):,} vectors (dim {collection.dim}, {collection.metric}, "
        f"index {collection.index_spec}) from {path} at http://{shown}:{port}/ "
        f"— explorer at /, API docs at /docs"
        + (" (writable)" if writable else ""), soft_wrap=True)
    options: dict[str, Any] = {"host": host, "port": port, "access_log": access_log,
                               "log_level": "info"}
    if workers == 1:
        from everyvec.serve.app import create_app

        try:
            app = create_app(collection, api_key=api_key, encoder=encoder,
                             writable=writable, max_k=max_k, max_body=max_body)
            uvicorn.run(app, **options)
        finally:
            collection.close()
        return
    # Several processes: each builds its own app from the environment (opened memory-mapped,
    # so the vectors' pages are shared between them through the page cache).
    collection.close()
    from everyvec.serve.app import ENV

    settings = {"path": str(Path(path).resolve()), "api_key": api_key or "",
                "encoder": encoder or "", "writable": "0", "max_k": str(max_k),
                "max_body": str(max_body)}
    for name, value in settings.items():
        os.environ[ENV[name]] = value
    uvicorn.run("everyvec.serve.app:app_from_env", factory=True, workers=workers, **options)


serve = friendly_errors(serve)
