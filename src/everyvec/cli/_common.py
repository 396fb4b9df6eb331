"""What every command shares: one-line errors (tracebacks only with ``--debug``), the consoles,
and loading vectors from a path given on the command line."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from everyvec.errors import EveryvecError

F = TypeVar("F", bound=Callable[..., Any])

# Options several commands share, declared once so their flags and help read the same.
ProgressOption = Annotated[bool | None, typer.Option(
    "--progress/--no-progress", help="Progress bars (default: on a terminal).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

_state = {"debug": bool(os.environ.get("EVERYVEC_DEBUG"))}

#: Errors that mean "the input or the arguments are wrong", reported as one line.
USER_ERRORS = (EveryvecError, OSError, ValueError, KeyError, TypeError)


def set_debug(flag: bool) -> None:
    """Show full tracebacks instead of one-line messages."""
    _state["debug"] = flag or bool(os.environ.get("EVERYVEC_DEBUG"))


def friendly_errors(func: F) -> F:
    """Turn an expected error into ``error: …`` on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except USER_ERRORS as exc:
            if _state["debug"]:
                raise
            message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
            err_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
            err_console.print("(run with --debug for the traceback)", style="dim")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def load_vectors(path: Path, fmt: str | None, limit: int | None = None) -> Any:
    """Load vectors for a command, with a spinner on big files."""
    from everyvec.vectors.formats import load

    with err_console.status(f"loading {path}…", spinner="dots"):
        return load(path, format=None if fmt in (None, "auto") else fmt, limit=limit)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
