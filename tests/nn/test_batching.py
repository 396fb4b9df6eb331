"""Sequence batching: EOS, padding, lengths, length buckets, packed sequences for RNNs."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from everyvec.nn.batching import (  # noqa: E402
    SequenceBatches,
    encode_sequences,
    pack,
    pad_sequences,
    unpack,
)
from everyvec.nn.training import TensorBatches  # noqa: E402
from everyvec.vocab import Vocabulary  # noqa: E402


def test_pad_sequences_exact():
    ids, lengths = pad_sequences([[5, 6, 7], [8], [9, 10]], pad=0, eos=2)
    assert ids.dtype == torch.int64 and lengths.dtype == torch.int64
    assert ids.tolist() == [[5, 6, 7, 2], [8, 2, 0, 0], [9, 10, 2, 0]]
    assert lengths.tolist() == [4, 2, 3]
    ids, lengths = pad_sequences([np.array([3, 4]), (5,)], pad=9)
    assert ids.tolist() == [[3, 4], [5, 9]] and lengths.tolist() == [2, 1]


def test_max_len_keeps_eos_last():
    ids, lengths = pad_sequences([[5, 6, 7, 8, 9], [4]], pad=0, eos=2, max_len=3)
    assert ids.tolist() == [[5, 6, 2], [4, 2, 0]]
    assert lengths.tolist() == [3, 2]
    ids, _ = pad_sequences([[5, 6, 7, 8, 9]], pad=0, max_len=3)
    assert ids.tolist() == [[5, 6, 7]]


def test_empty_sequences():
    with pytest.raises(ValueError, match="sequence 1 is empty.*eos="):
        pad_sequences([[1], []], pad=0)
    ids, lengths = pad_sequences([[1], []], pad=0, eos=2)
    assert ids.tolist() == [[1, 2], [2, 0]] and lengths.tolist() == [2, 1]
    ids, lengths = pad_sequences([], pad=0)
    assert tuple(ids.shape) == (0, 0) and tuple(lengths.shape) == (0,)


@pytest.mark.parametrize("bad, error, match", [
    ({"sequences": ["abc"]}, TypeError, "sequence 0 is a string"),
    ({"sequences": [[1.5, 2.0]]}, TypeError, "integer ids"),
    ({"sequences": [[1, -3]]}, ValueError, "negative id -3"),
    ({"sequences": [[[1, 2]]]}, ValueError, "flat list"),
    ({"pad": -1}, ValueError, "'pad' parameter"),
    ({"pad": "0"}, TypeError, "'pad' parameter"),
    ({"eos": 2, "max_len": 1}, ValueError, "'max_len' parameter"),
    ({"max_len": 0}, ValueError, "'max_len' parameter"),
])
def test_bad_input_is_named(bad, error, match):
    kw = {"sequences": [[1, 2]], "pad": 0, **bad}
    with pytest.raises(error, match=match):
        pad_sequences(kw.pop("sequences"), **kw)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(3, 50), max_size=12), max_size=20),
       st.one_of(st.none(), st.just(2)), st.one_of(st.none(), st.integers(2, 8)))
def test_pad_sequences_property(sequences, eos, max_len):
    if eos is None:
        sequences = [s for s in sequences if s]
    ids, lengths = pad_sequences(sequences, pad=0, eos=eos, max_len=max_len)
    assert ids.shape[0] == lengths.shape[0] == len(sequences)
    for row, length, seq in zip(ids.tolist(), lengths.tolist(), sequences, strict=True):
        expected = list(seq) + ([eos] if eos is not None else [])
        if max_len is not None and len(expected) > max_len:
            expected = expected[:max_len - 1] + [eos] if eos is not None else expected[:max_len]
        assert length == len(expected)
        assert row[:length] == expected
        assert all(v == 0 for v in row[length:])
    if sequences:
        assert ids.shape[1] == max(lengths.tolist())


def _random_sequences(n: int, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [list(rng.integers(3, 100, size=rng.integers(1, 60))) for _ in range(n)]


def test_every_row_once_per_epoch_and_targets_follow():
    sequences = _random_sequences(257)
    targets = np.arange(257)
    source = SequenceBatches(sequences, targets, batch_size=16, pad=0, eos=2, bucket_size=64)
    generator = torch.Generator().manual_seed(3)
    seen = []
    batches = list(source.batches(generator))
    assert len(batches) == len(source) == 17
    for ((ids, lengths), rows_targets), rows in batches:
        assert ids.shape[0] == lengths.shape[0] == rows_targets.shape[0] == rows
        for row, length, target in zip(ids, lengths, rows_targets.tolist(), strict=True):
            expected = sequences[target] + [2]
            assert row[:int(length)].tolist() == expected
            assert (row[int(length):] == 0).all()
        seen.extend(rows_targets.tolist())
    assert sorted(seen) == list(range(257))
    # In order without a generator (evaluation).
    order = [t for (_, batch_targets), _ in source.batches(None) for t in batch_targets.tolist()]
    assert order == list(range(257))


def test_buckets_reduce_padding():
    sequences = _random_sequences(2000, seed=1)
    bucketed = SequenceBatches(sequences, batch_size=32, pad=0)
    unbucketed = SequenceBatches(sequences, batch_size=32, pad=0, bucket_size=32)
    generator = torch.Generator().manual_seed(0)
    with_buckets = bucketed.padding_share(generator)
    without = unbucketed.padding_share(torch.Generator().manual_seed(0))
    assert without > 0.3  # lengths 1..59 at random: about half the cells are padding
    assert with_buckets < 0.05
    # TensorBatches over a fully padded matrix: the padding a plain random batcher pays.
    ids, lengths = pad_sequences(sequences, pad=0)
    assert float((ids == 0).float().mean()) > without


def test_deterministic_for_a_seed():
    sequences = _random_sequences(300, seed=2)
    source = SequenceBatches(sequences, np.arange(300), batch_size=20, pad=0)

    def epoch(seed):
        g = torch.Generator().manual_seed(seed)
        return [t.tolist() for (_, t), _ in source.batches(g)]

    assert epoch(5) == epoch(5)
    assert epoch(5) != epoch(6)


def test_sequence_batches_checks():
    with pytest.raises(ValueError, match="3 sequences but 2 targets"):
        SequenceBatches([[1], [2], [3]], [0, 1], batch_size=2, pad=0)
    with pytest.raises(ValueError, match="'batch_size' parameter of SequenceBatches"):
        SequenceBatches([[1]], batch_size=0, pad=0)
    with pytest.raises(ValueError, match="sequence 0 is empty"):
        SequenceBatches([[]], batch_size=2, pad=0)
    # Without targets the batch carries None in their place.
    ((ids, lengths), targets), rows = next(SequenceBatches([[4, 5]], batch_size=2,
                                                           pad=0).batches(None))
    assert targets is None and rows == 1 and ids.tolist() == [[4, 5]]


def test_bucket_size_rounds_to_whole_batches():
    source = SequenceBatches(_random_sequences(100), batch_size=16, pad=0, bucket_size=40)
    assert source.bucket_size == 48
    sizes = [len(rows) for rows in source.order(torch.Generator().manual_seed(0))]
    assert len(sizes) == len(source) == 7 and sorted(sizes)[1:] == [16] * 6


def test_pack_round_trip_matches_each_sequence_alone():
    torch.manual_seed(0)
    sequences = [[3, 4, 5, 6, 7], [8, 9], [10, 11, 12], [13]]
    embedding = torch.nn.Embedding(20, 6, padding_idx=0)
    gru = torch.nn.GRU(6, 5, batch_first=True)
    ids, lengths = pad_sequences(sequences, pad=0, eos=2)
    with torch.no_grad():
        packed_out, hidden = gru(pack(embedding(ids), lengths))
        padded, out_lengths = unpack(packed_out, total_length=ids.shape[1])
        assert out_lengths.tolist() == lengths.tolist()
        for i, seq in enumerate(sequences):
            alone = torch.tensor([seq + [2]])
            outputs, h = gru(embedding(alone))
            assert torch.allclose(hidden[0, i], h[0, 0], atol=1e-6)
            assert torch.allclose(padded[i, :lengths[i]], outputs[0], atol=1e-6)
            assert (padded[i, lengths[i]:] == 0).all()


def test_batches_go_through_fit_loop_protocol():
    # Same protocol as TensorBatches: len() batches, n_rows, (batch, rows) pairs.
    source = SequenceBatches([[1, 2], [3]], [0, 1], batch_size=1, pad=0)
    tensors = TensorBatches([torch.zeros(2, 1)], batch_size=1)
    assert (len(source), source.n_rows) == (len(tensors), tensors.n_rows)


def test_encode_sequences_reserves_specials():
    vocab = Vocabulary.build([["a", "b", "a"]], pad="<pad>", unk="<unk>", eos="<eos>")
    ids = encode_sequences(vocab, [["a", "zzz"], ["b"]])
    assert [x.tolist() for x in ids] == [[3, 1], [4]]
    padded, lengths = pad_sequences(ids, pad=vocab.pad_id, eos=vocab.eos_id)
    assert padded.tolist() == [[3, 1, 2], [4, 2, 0]]
    with pytest.raises(TypeError, match="sentence 0 is a string"):
        encode_sequences(vocab, ["a b"])
