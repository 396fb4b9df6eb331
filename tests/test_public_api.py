"""The curated public API: ``__all__`` lists exactly what is importable, and nothing else leaks."""

from __future__ import annotations

import subprocess
import sys

import everyvec


def test_all_names_resolve() -> None:
    for name in everyvec.__all__:
        assert getattr(everyvec, name) is not None, name


def test_no_unlisted_public_names() -> None:
    public = {n for n in vars(everyvec) if not n.startswith("_")}
    # Submodules imported as a side effect of importing the package are not API.
    modules = {n for n in public if type(getattr(everyvec, n)).__name__ == "module"}
    assert public - modules - {"annotations", "importlib", "Any"} <= set(everyvec.__all__)


def test_unknown_attribute() -> None:
    try:
        everyvec.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_is_light() -> None:
    """Importing everyvec must not pull in torch, jieba or gensim (they are extras)."""
    code = ("import sys, everyvec; heavy = [m for m in ('torch', 'jieba', 'gensim', 'scipy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
