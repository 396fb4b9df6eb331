"""Draw a 2-D map of some vectors: a labelled scatter plot written to a PNG (or SVG, PDF).

The rows to draw are chosen by key or as the first ``top`` keys (usually the most frequent),
projected with :func:`everyvec.viz.projection.project`, and drawn on a
``matplotlib.figure.Figure`` with the Agg canvas: pyplot is never imported, so no global figure
state leaks into the caller's session. The image is rendered in memory and written atomically.
Highlighted keys are always drawn (added when they are not among the chosen rows), in a second
colour. Simplification: only the first :data:`LABEL_LIMIT` points are labelled (plus every
highlighted one), since thousands of labels are unreadable and slow to draw.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from everyvec._atomic import atomic_file
from everyvec._checks import check_choice, check_int
from everyvec._optional import require
from everyvec.viz.projection import METHODS, project

if TYPE_CHECKING:  # pragma: no cover
    from everyvec.vectors import Vectors

__all__ = ["DEFAULT_TOP", "FIGSIZE", "LABEL_LIMIT", "plot_vectors"]

#: Figure size in inches; the image is ``FIGSIZE × dpi`` pixels.
FIGSIZE = (10.0, 8.0)
#: How many keys are drawn when neither ``keys`` nor ``top`` is given.
DEFAULT_TOP = 200
#: Points beyond this many (in drawing order) get no text label unless highlighted.
LABEL_LIMIT = 500

_OWNER = "plot_vectors"
_FORMAT_OF = {"": "png", ".png": "png", ".svg": "svg", ".pdf": "pdf"}
_METHOD_NAME = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
_AXIS_NAME = {**_METHOD_NAME, "pca": "PC"}
_MAX_DPI = 1200  # 10 × 8 inches at 1200 dpi is already ~115 megapixels
# Fonts tried after DejaVu Sans for glyphs it lacks (CJK keys), when installed.
_FALLBACK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei",
                   "WenQuanYi Micro Hei", "Source Han Sans SC", "SimHei", "Microsoft YaHei")


def plot_vectors(
    vectors: Vectors,
    path: str | os.PathLike[str],
    *,
    keys: Iterable[str] | None = None,
    top: int | None = None,
    method: str = "pca",
    highlight: Iterable[str] | None = None,
    title: str | None = None,
    dpi: int = 150,
    seed: int = 0,
) -> Path:
    """Project some vectors to 2-D and save a labelled scatter plot.

    Parameters
    ----------
    vectors
        The :class:`everyvec.Vectors` to draw from.
    path
        Output file; ``.png`` (also when there is no suffix), ``.svg`` or ``.pdf``.
    keys
        The keys to draw, in order (repeats are dropped). Give ``keys`` or ``top``, not both.
    top
        Draw the first ``top`` keys (all of them when there are fewer). Default
        :data:`DEFAULT_TOP` when ``keys`` is not given either.
    method
        ``"pca"``, ``"tsne"`` or ``"umap"``; see :func:`everyvec.viz.projection.project`.
    highlight
        Keys drawn in a second colour with bold labels; added to the drawing if not chosen.
    title
        Plot title; default says how many vectors and which method.
    dpi
        Resolution: the image is ``FIGSIZE[0] * dpi × FIGSIZE[1] * dpi`` pixels.
    seed
        Random seed for t-SNE and UMAP.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    everyvec.MissingKeyError
        When a key in ``keys`` or ``highlight`` is not in ``vectors``.
    everyvec.MissingExtraError
        When matplotlib (``everyvec[viz]``) or the package behind ``method`` is missing.
    """
    target = Path(path)
    fmt = _FORMAT_OF.get(target.suffix.lower())
    if fmt is None:
        raise ValueError(f"The 'path' parameter of {_OWNER} must end in .png, .svg or .pdf "
                         f"(or have no suffix, for PNG). Got {os.fspath(path)!r}.")
    check_choice(method, "method", _OWNER, METHODS)
    dpi = check_int(dpi, "dpi", _OWNER, minimum=10)
    if dpi > _MAX_DPI:
        raise ValueError(f"The 'dpi' parameter of {_OWNER} must be an int >= 10 and "
                         f"<= {_MAX_DPI}. Got {dpi!r}.")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"The 'title' parameter of {_OWNER} must be a str or None. "
                        f"Got {title!r}.")
    chosen = _choose(vectors, keys, top)
    marked = _key_list(highlight, "highlight") if highlight is not None else []
    for key in marked:
        vectors.index(key)  # MissingKeyError, with suggestions, before any slow work
    in_chosen = set(chosen)
    chosen += [k for k in marked if k not in in_chosen]
    points = project(vectors[chosen], method, dim=2, seed=seed)
    if title is None:
        title = f"{len(chosen):,} vectors, {_METHOD_NAME[method]} projection"
    figure = _draw(points, chosen, set(marked), title, method, dpi)
    buffer = io.BytesIO()
    _render(figure, buffer, fmt, dpi)
    with atomic_file(target) as handle:
        handle.write(buffer.getvalue())
    return target


def _key_list(keys: Iterable[str], name: str) -> list[str]:
    if isinstance(keys, (str, bytes)):
        raise TypeError(f"The {name!r} parameter of {_OWNER} must be a list of keys, not one "
                        f"string. Got {keys!r}.")
    result = list(dict.fromkeys(keys))  # drop repeats, keep order
    for key in result:
        if not isinstance(key, str):
            raise TypeError(f"The {name!r} parameter of {_OWNER} must hold str keys. "
                            f"Got {key!r}.")
    return result


def _choose(vectors: Vectors, keys: Iterable[str] | None, top: int | None) -> list[str]:
    if keys is not None and top is not None:
        raise ValueError(f"{_OWNER} takes 'keys' or 'top', not both. Got keys and top={top!r}.")
    if keys is None:
        top = check_int(DEFAULT_TOP if top is None else top, "top", _OWNER, minimum=1)
        return list(vectors.keys[:top])
    chosen = _key_list(keys, "keys")
    if not chosen:
        raise ValueError(f"The 'keys' parameter of {_OWNER} must name at least one key. Got [].")
    vectors.indices(chosen)  # MissingKeyError names the first unknown key
    return chosen


def _draw(points: np.ndarray, keys: Sequence[str], marked: set[str], title: str, method: str,
          dpi: int) -> Any:
    figure_module = require("matplotlib.figure", "plotting vectors")
    agg = require("matplotlib.backends.backend_agg", "plotting vectors")
    fonts = _font_families()
    figure = figure_module.Figure(figsize=FIGSIZE, dpi=dpi, layout="constrained")
    agg.FigureCanvasAgg(figure)  # attaches itself to the figure; no pyplot, no global state
    axes = figure.add_subplot()
    is_marked = np.fromiter((k in marked for k in keys), dtype=bool, count=len(keys))
    axes.scatter(points[~is_marked, 0], points[~is_marked, 1], s=14, color="tab:blue",
                 alpha=0.7, linewidths=0)
    axes.scatter(points[is_marked, 0], points[is_marked, 1], s=40, color="tab:red", zorder=3)
    for i, key in enumerate(keys):
        if is_marked[i]:
            axes.annotate(key, points[i], xytext=(3, 3), textcoords="offset points",
                          fontsize=9, fontweight="bold", color="tab:red", family=fonts,
                          zorder=4)
        elif i < LABEL_LIMIT:
            axes.annotate(key, points[i], xytext=(3, 3), textcoords="offset points",
                          fontsize=7, color="0.2", family=fonts)
    name = _AXIS_NAME[method]
    axes.set_xlabel(f"{name} 1")
    axes.set_ylabel(f"{name} 2")
    axes.set_xticks([])
    axes.set_yticks([])
    if method == "pca":
        axes.set_aspect("equal", adjustable="datalim")  # PCA keeps distances: do not stretch
    axes.set_title(title, family=fonts)
    return figure


def _render(figure: Any, buffer: io.BytesIO, fmt: str, dpi: int) -> None:
    # matplotlib warns once per glyph no font has (one line per Chinese character): say it once.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(buffer, format=fmt, dpi=dpi)
    missing = [w for w in caught if str(w.message).startswith("Glyph ")]
    for w in caught:
        if w not in missing:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        first = str(missing[0].message).rstrip(".")
        count = len({str(w.message) for w in missing})
        warnings.warn(f"{count} characters in the labels are in no installed font and show as "
                      f"boxes ({first}); install a font that has them, "
                      "e.g. Noto Sans CJK for Chinese", UserWarning, stacklevel=3)


def _font_families() -> list[str]:
    font_manager = require("matplotlib.font_manager", "plotting vectors")
    installed = {font.name for font in font_manager.fontManager.ttflist}
    # Only installed names: a missing family makes matplotlib log a warning per text.
    return ["DejaVu Sans"] + [name for name in _FALLBACK_FONTS if name in installed]
