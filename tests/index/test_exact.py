"""What only the exact index does: blocking, compaction, memory-mapped loading, bad files."""

from __future__ import annotations

import numpy as np
import pytest

from everyvec.errors import FormatError
from everyvec.index import exact as exact_module
from everyvec.index import load_index, make_index


def test_blocked_search_equals_one_block(monkeypatch):
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(3000, 16)).astype(np.float32)
    queries = rng.normal(size=(40, 16)).astype(np.float32)
    keys = [str(i) for i in range(3000)]
    index = make_index("exact", dim=16, metric="dot")
    index.add(keys, matrix)
    whole = index.search(queries, k=7)
    monkeypatch.setattr(exact_module, "BLOCK_ELEMENTS", 64)
    monkeypatch.setattr(exact_module, "MAX_QUERY_BLOCK", 3)
    blocked = index.search(queries, k=7)
    assert (whole.keys == blocked.keys).all()
    truth = np.argsort(-(queries @ matrix.T), axis=1)[:, :7]
    assert (whole.keys == np.array(keys, dtype=object)[truth]).all()


def test_compaction_keeps_results():
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(4000, 8)).astype(np.float32)
    keys = [f"w{i}" for i in range(4000)]
    index = make_index("exact", dim=8)
    index.add(keys, matrix)
    index.remove(keys[:3000])  # passes half: the buffer is compacted
    assert index._used == 1000 and len(index) == 1000
    found = index.search(matrix[3500], k=1)
    assert found.keys[0, 0] == "w3500"


def test_loaded_index_is_memory_mapped_until_changed(tmp_path):
    index = make_index("exact", dim=4, metric="euclidean")
    index.add(["a", "b"], np.eye(2, 4))
    index.save(tmp_path / "ix")
    loaded = load_index(tmp_path / "ix")
    assert isinstance(loaded._matrix, np.memmap)
    loaded.remove(["a"])  # copies into memory instead of writing to the file
    assert not isinstance(loaded._matrix, np.memmap)
    assert len(load_index(tmp_path / "ix")) == 2


def test_damaged_files_raise_format_errors(tmp_path):
    index = make_index("exact", dim=4)
    index.add(["a", "b"], np.eye(2, 4))
    index.save(tmp_path / "ix")
    (tmp_path / "ix" / "keys.txt").write_text("a\n", encoding="utf-8")
    with pytest.raises(FormatError, match="1 keys for 2 rows"):
        load_index(tmp_path / "ix")
    (tmp_path / "ix" / "index.json").write_text("{", encoding="utf-8")
    with pytest.raises(FormatError, match="not valid JSON"):
        load_index(tmp_path / "ix")
    with pytest.raises(FormatError, match="no index.json"):
        load_index(tmp_path)


def test_save_refuses_foreign_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not an everyvec index"):
        make_index("exact", dim=2).save(tmp_path / "mine")


def test_cosine_survives_huge_components():
    index = make_index("exact", dim=2, metric="cosine")
    index.add(["big", "small"], np.array([[3e38, 3e38], [1.0, -1.0]], dtype=np.float32))
    found = index.search(np.array([1.0, 1.0]), k=1)
    assert found.keys[0, 0] == "big" and abs(found.scores[0, 0] - 1.0) < 1e-6
