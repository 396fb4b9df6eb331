"""Rows: the snapshot's rows plus an append-only change buffer, squeezed when mostly dead."""

from __future__ import annotations

import numpy as np

from everyvec import Vectors
from everyvec.collection.rows import Rows


def test_rows_follow_a_dict_model():
    rng = np.random.default_rng(3)
    base = Vectors([f"b{i}" for i in range(50)], rng.normal(size=(50, 4)))
    base.matrix.flags.writeable = False  # as a memory map: never written to
    rows = Rows(base)
    model = {key: base[key] for key in base.keys}
    assert rows.pristine and len(rows) == 50
    for step in range(400):  # enough dead rows for several compactions
        keys = [f"b{i}" for i in rng.choice(50, 3, replace=False)] + [f"n{step % 20}"]
        matrix = rng.normal(size=(len(keys), 4)).astype(np.float32)
        rows.put(keys, matrix)
        for key, row in zip(keys, matrix, strict=True):
            model[key] = row
        if step % 7 == 0:
            gone = [f"n{(step + 3) % 20}", "b7"]
            gone = [key for key in gone if key in rows]
            rows.drop(gone)
            for key in gone:
                del model[key]
    assert not rows.pristine
    assert list(rows.where) == list(model)  # the same order as a dict's
    np.testing.assert_array_equal(rows.gather(), np.stack(list(model.values())))
    np.testing.assert_array_equal(rows.gather(["n3", "b1"]), np.stack([model["n3"],
                                                                       model["b1"]]))
    for key, row in model.items():
        np.testing.assert_array_equal(rows.row(key), row)
    assert rows._used < 400 * 4  # of the 1,600 rows appended, the dead were squeezed out


def test_empty_rows():
    rows = Rows(Vectors([], np.empty((0, 3))))
    assert rows.gather().shape == (0, 3) and len(rows) == 0
    rows.put(["a"], np.ones((1, 3), np.float32))
    np.testing.assert_array_equal(rows.gather(), np.ones((1, 3)))
