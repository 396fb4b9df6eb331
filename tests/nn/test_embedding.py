"""PyTorch bridge: Vectors.to_torch / from_torch and everyvec.nn.encode."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from everyvec import MissingExtraError, MissingKeyError, Vectors
from everyvec.nn import embedding as bridge

torch = pytest.importorskip("torch")

KEYS = ["a", "b", "c", "d"]


@pytest.fixture()
def v() -> Vectors:
    rng = np.random.default_rng(0)
    return Vectors(KEYS, rng.standard_normal((4, 5)).astype(np.float32))


def test_lookup_equals_one_hot_times_weight(v):
    emb = v.to_torch()
    assert isinstance(emb, torch.nn.Embedding)
    assert emb.weight.shape == (4, 5) and emb.weight.dtype == torch.float32
    assert not emb.weight.requires_grad and emb.padding_idx is None
    ids = torch.tensor([v.index(k) for k in ["c", "a", "d", "c"]])
    one_hot = torch.nn.functional.one_hot(ids, num_classes=4).float()
    torch.testing.assert_close(emb(ids), one_hot @ emb.weight)
    np.testing.assert_array_equal(emb(ids).numpy(), v[["c", "a", "d", "c"]])


def test_weight_is_a_copy(v):
    emb = v.to_torch(freeze=False)
    assert emb.weight.requires_grad
    with torch.no_grad():
        emb.weight[0, 0] = 123.0
    assert v.matrix[0, 0] != 123.0


def test_padding_row_is_appended_last(v):
    emb = v.to_torch(padding_key="<pad>")
    assert emb.num_embeddings == 5 and emb.padding_idx == 4
    assert bridge.padding_index(v, "<pad>") == 4
    np.testing.assert_array_equal(emb.weight[4].numpy(), 0.0)
    np.testing.assert_array_equal(emb.weight[:4].numpy(), v.matrix)  # indices unchanged
    # the padding row gets no gradient
    emb = v.to_torch(freeze=False, padding_key="<pad>")
    emb(torch.tensor([0, 4, 4])).sum().backward()
    assert emb.weight.grad[4].abs().sum() == 0 and emb.weight.grad[0].abs().sum() > 0


def test_existing_padding_key_reuses_its_row():
    v = Vectors(["<pad>", "x"], [[0.0, 0.0], [1.0, 2.0]])
    emb = v.to_torch(padding_key="<pad>")
    assert emb.num_embeddings == 2 and emb.padding_idx == 0


def test_to_torch_options_and_bad_arguments(v):
    emb = v.to_torch(sparse=True, max_norm=0.5)
    assert emb.sparse and emb.max_norm == 0.5
    out = emb(torch.tensor([0, 1, 2, 3]))
    assert (out.norm(dim=1) <= 0.5 + 1e-5).all()
    for bad in (0, -1.0, float("inf"), True):
        with pytest.raises(ValueError, match="max_norm"):
            v.to_torch(max_norm=bad)
    with pytest.raises(TypeError, match="freeze"):
        v.to_torch(freeze="yes")
    with pytest.raises(TypeError, match="sparse"):
        v.to_torch(sparse=1)
    with pytest.raises(TypeError, match="padding_key"):
        v.to_torch(padding_key=0)


def test_from_torch_round_trips(v):
    back = Vectors.from_torch(v.to_torch(freeze=False), KEYS, provenance={"from": "torch"})
    assert back.keys == KEYS and back.provenance == {"from": "torch"}
    np.testing.assert_array_equal(back.matrix, v.matrix)
    assert back.matrix.flags.writeable and back.matrix.dtype == np.float32
    # with the padding row appended by to_torch: keys without it drop that row
    padded = v.to_torch(padding_key="<pad>")
    np.testing.assert_array_equal(Vectors.from_torch(padded, KEYS).matrix, v.matrix)
    with_pad = Vectors.from_torch(padded, KEYS + ["<pad>"])
    assert with_pad.keys[-1] == "<pad>" and not with_pad["<pad>"].any()


def test_from_torch_tensor_copies_detaches_and_converts():
    t = torch.arange(6, dtype=torch.float64, requires_grad=True).reshape(3, 2)
    v = Vectors.from_torch(t, ["x", "y", "z"])
    assert v.matrix.dtype == np.float32
    np.testing.assert_array_equal(v["z"], [4.0, 5.0])
    with torch.no_grad():
        t[0, 0] = 50.0
    assert v["x"][0] == 0.0  # a copy, not a view of the tensor
    half = Vectors.from_torch(torch.ones(2, 3, dtype=torch.bfloat16), ["p", "q"])
    np.testing.assert_array_equal(half.matrix, 1.0)
    param = torch.nn.Parameter(torch.zeros(2, 2))
    assert len(Vectors.from_torch(param, ["p", "q"])) == 2


def test_from_torch_bad_arguments(v):
    with pytest.raises(ValueError, match="4 rows but 3 keys"):
        Vectors.from_torch(v.to_torch(), KEYS[:3])
    with pytest.raises(ValueError, match="leaving out padding row 4"):
        Vectors.from_torch(v.to_torch(padding_key="<pad>"), KEYS[:2])
    with pytest.raises(ValueError, match="2-D"):
        Vectors.from_torch(torch.zeros(3), ["a", "b", "c"])
    with pytest.raises(TypeError, match="floating"):
        Vectors.from_torch(torch.zeros(2, 2, dtype=torch.int64), ["a", "b"])
    with pytest.raises(TypeError, match="nn.Embedding"):
        Vectors.from_torch(np.zeros((2, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="duplicate"):
        Vectors.from_torch(torch.zeros(2, 2), ["a", "a"])


def test_encode_pads_and_cuts(v):
    ids = bridge.encode(v, [["a", "b", "c"], ["d"], []], padding_key="<pad>")
    assert ids.dtype == torch.int64
    assert ids.tolist() == [[0, 1, 2], [3, 4, 4], [4, 4, 4]]
    emb = v.to_torch(padding_key="<pad>")
    np.testing.assert_array_equal(emb(ids)[1, 0].numpy(), v["d"])
    assert bridge.encode(v, [["a", "b", "c"]], max_len=2).tolist() == [[0, 1]]
    assert bridge.encode(v, [["a", "zz", "b"]], oov="skip").tolist() == [[0, 1]]
    with pytest.raises(MissingKeyError):
        bridge.encode(v, [["a", "zz"]])
    with pytest.raises(ValueError, match="oov"):
        bridge.encode(v, [["a"]], oov="pad")
    with pytest.raises(ValueError, match="max_len"):
        bridge.encode(v, [["a"]], max_len=0)
    with pytest.raises(TypeError, match="string"):
        bridge.encode(v, ["a b"])


def test_missing_torch_names_the_extra(v, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(MissingExtraError, match=r"everyvec\[torch\]"):
        v.to_torch()
    with pytest.raises(MissingExtraError, match="from_torch"):
        Vectors.from_torch(object(), ["a"])


def test_frozen_rows_stay_put_while_fine_tuned_rows_move(v):
    from everyvec.nn.training import make_optimizer

    ids = torch.tensor([0, 2])
    for freeze in (True, False):
        emb = v.to_torch(freeze=freeze)
        head = torch.nn.Linear(5, 1)
        optimizer = make_optimizer(torch.nn.ModuleList([emb, head]), lr=0.1)
        head(emb(ids)).sum().backward()
        optimizer.step()
        moved = not np.array_equal(emb.weight.detach().numpy(), v.matrix)
        assert moved is (not freeze)


def test_sparse_gradients_update_only_the_looked_up_rows(v):
    from everyvec.nn.training import make_optimizer

    emb = v.to_torch(freeze=False, sparse=True, padding_key="<pad>")
    optimizer = make_optimizer(emb, lr=0.1)
    assert [type(o).__name__ for o in optimizer.optimizers] == ["SparseAdam"]
    emb(torch.tensor([[1, 4], [3, 4]])).pow(2).sum().backward()
    assert emb.weight.grad.is_sparse
    optimizer.step()
    after = Vectors.from_torch(emb, KEYS)  # padding row dropped again
    changed = [k for k in KEYS if not np.array_equal(after[k], v[k])]
    assert changed == ["b", "d"]
    np.testing.assert_array_equal(emb.weight[4].detach().numpy(), 0.0)  # pad row untouched
