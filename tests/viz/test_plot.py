"""Scatter plots of vectors: a real image of the promised size, written atomically."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from everyvec import MissingKeyError, Vectors

pytest.importorskip("matplotlib")

from matplotlib import font_manager  # noqa: E402

from everyvec.viz.plot import FIGSIZE, plot_vectors  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Machines without a CJK font get one summary warning per plot; only one test looks at it.
pytestmark = pytest.mark.filterwarnings("ignore:.*in no installed font:UserWarning")


@pytest.fixture()
def vectors() -> Vectors:
    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(40)] + ["king", "queen", "北京"]  # CJK: maybe no font
    return Vectors(keys, rng.normal(size=(len(keys), 8)))


def _pixels(path: Path) -> tuple[int, int]:
    from matplotlib import image

    height, width = image.imread(path).shape[:2]
    return width, height


def test_png_of_expected_size(vectors: Vectors, tmp_path: Path) -> None:
    target = tmp_path / "sub" / "map.png"
    written = plot_vectors(vectors, target, dpi=40)
    assert written == target and target.read_bytes().startswith(PNG_MAGIC)
    assert _pixels(target) == (round(FIGSIZE[0] * 40), round(FIGSIZE[1] * 40))
    assert [p.name for p in target.parent.iterdir()] == ["map.png"]  # no temporary left


def test_keys_highlight_and_title(vectors: Vectors, tmp_path: Path) -> None:
    fonts = {f.name for f in font_manager.fontManager.ttflist}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        target = plot_vectors(vectors, tmp_path / "k.png", keys=["w1", "w2", "w1", "king"],
                              highlight=["queen", "北京"], title="royals", dpi=30, seed=3)
    glyphs = [str(w.message) for w in caught if "no installed font" in str(w.message)]
    assert len(glyphs) <= 1  # one summary, not one warning per character
    assert glyphs or fonts & {"Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei"}
    assert target.read_bytes().startswith(PNG_MAGIC)
    assert _pixels(target) == (300, 240)


def test_top_larger_than_vocabulary_and_svg(vectors: Vectors, tmp_path: Path) -> None:
    target = plot_vectors(vectors, tmp_path / "all.svg", top=10_000, dpi=20)
    assert b"<svg" in target.read_bytes()[:1000]


def test_no_pyplot_state_leaks(vectors: Vectors, tmp_path: Path) -> None:
    plot_vectors(vectors, tmp_path / "p.png", top=5, dpi=20)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or pyplot.get_fignums() == []


@pytest.mark.parametrize("where", ["keys", "highlight"])
def test_unknown_key_is_named(vectors: Vectors, tmp_path: Path, where: str) -> None:
    with pytest.raises(MissingKeyError, match="kinng") as info:
        plot_vectors(vectors, tmp_path / "x.png", **{where: ["w1", "w2", "kinng"]})
    assert "king" in str(info.value)  # the suggestion
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"keys": ["w1", "w2", "w3"], "top": 3}, ValueError, "not both"),
        ({"keys": "king"}, TypeError, "not one string"),
        ({"keys": []}, ValueError, "at least one key"),
        ({"top": 0}, ValueError, "'top'"),
        ({"method": "mds"}, ValueError, "'pca', 'tsne', 'umap'"),
        ({"dpi": 5000}, ValueError, "'dpi'"),
        ({"keys": ["w1", "w2"]}, ValueError, "at least dim \\+ 1 = 3 rows"),
    ],
)
def test_bad_arguments(vectors: Vectors, tmp_path: Path, kwargs: dict, error: type,
                       match: str) -> None:
    with pytest.raises(error, match=match):
        plot_vectors(vectors, tmp_path / "x.png", **kwargs)


def test_unknown_suffix(vectors: Vectors, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'path'.*\\.png"):
        plot_vectors(vectors, tmp_path / "x.jpg")
