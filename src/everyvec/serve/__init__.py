"""The everyvec HTTP server: a FastAPI app over one collection, and the explorer page.

>>> from everyvec.serve import create_app          # doctest: +SKIP
>>> app = create_app(collection, api_key="secret")  # doctest: +SKIP

``everyvec serve PATH`` runs it with uvicorn. FastAPI and uvicorn are the optional extra
``everyvec[serve]``; they are imported when :func:`create_app` is first asked for.
"""

from __future__ import annotations

from typing import Any

from everyvec._optional import require

__all__ = ["app_from_env", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazily, so that a missing extra is reported with the pip install that provides it.
    if name in __all__:
        require("fastapi", "the everyvec server")
        from everyvec.serve import app

        return getattr(app, name)
    raise AttributeError(f"module 'everyvec.serve' has no attribute {name!r}")
