"""encode_corpus: one pass to ids and counts, in memory or spilled to disk, read back in blocks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everyvec import CorpusError
from everyvec.train.encoded import EncodedCorpus, encode_corpus

sentences_strategy = st.lists(st.lists(st.sampled_from(["a", "b", "c", "dd", "é", "x y"]),
                                       max_size=12), min_size=1, max_size=30)


def _decode(encoded, block_tokens: int = 7) -> list[list[str]]:  # type: ignore[no-untyped-def]
    out = []
    for first, last in encoded.block_bounds(block_tokens):
        tokens, starts = encoded.read_block(first, last)
        for s in range(last - first):
            out.append([encoded.raw_tokens[t] for t in tokens[starts[s]:starts[s + 1]]])
    return out


@settings(max_examples=50, deadline=None)
@given(sentences_strategy, st.integers(1, 5), st.booleans())
def test_ids_decode_back_to_the_sentences(sentences: list[list[str]], cut: int,
                                          spill: bool) -> None:
    if not any(sentences):
        with pytest.raises(CorpusError, match="empty"):
            encode_corpus(sentences)
        return
    encoded = encode_corpus(sentences, max_sentence_length=cut, spill_tokens=0 if spill else 10**6)
    assert encoded.on_disk == spill
    expected = []
    for sentence in sentences:
        expected.extend(sentence[i:i + cut] for i in range(0, len(sentence), cut))
    assert _decode(encoded) == expected
    counts = Counter(t for s in sentences for t in s)
    assert dict(zip(encoded.raw_tokens, encoded.counts.tolist(), strict=False)) == counts
    assert encoded.n_tokens == sum(counts.values())
    encoded.close()


def test_block_bounds_cover_every_sentence_once() -> None:
    encoded = encode_corpus([["w"] * n for n in (3, 1, 8, 2, 2, 5)])
    bounds = encoded.block_bounds(4)
    assert bounds[0][0] == 0 and bounds[-1][1] == encoded.n_sentences
    assert all(a < b for a, b in bounds)
    assert all(b == c for (_, b), (c, _) in zip(bounds[:-1], bounds[1:], strict=False))


def test_known_vocabulary_shares_one_id_for_unknown_tokens() -> None:
    encoded = encode_corpus([["a", "zz", "b", "yy"]], known={"a": 0, "b": 1})
    tokens, _ = encoded.read_block(0, 1)
    assert tokens.tolist() == [0, 2, 1, 2]
    assert encoded.counts.tolist() == [1, 1, 2]


def test_spilled_file_is_removed_on_close(tmp_path) -> None:  # type: ignore[no-untyped-def]
    encoded = encode_corpus([["a", "b"]] * 10, spill_tokens=4, tmp_dir=tmp_path)
    assert encoded.on_disk and any(tmp_path.iterdir())
    np.testing.assert_array_equal(encoded.read_block(0, 10)[0], [0, 1] * 10)
    encoded.close()
    assert not any(tmp_path.iterdir())


def test_errors_leave_no_temporary_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def broken():  # type: ignore[no-untyped-def]
        yield ["a", "b", "c"]
        yield "not a list"

    with pytest.raises(TypeError, match="not a str"):
        encode_corpus(broken(), spill_tokens=1, tmp_dir=tmp_path)
    assert not any(tmp_path.iterdir())
    with pytest.raises(TypeError, match="path, a reader"):
        encode_corpus(42)


# -- sequences that are already ids ------------------------------------------------------------


def test_from_ids_trains_exactly_like_the_same_tokens() -> None:
    from everyvec import Word2Vec

    rng = np.random.default_rng(3)
    names = [f"n{i}" for i in range(12)]
    walks = [rng.integers(0, 12, rng.integers(2, 9)) for _ in range(300)]
    tokens = np.concatenate(walks).astype(np.int32)
    starts = np.concatenate([[0], np.cumsum([len(w) for w in walks])])
    # first-seen order, as encode_corpus numbers raw tokens, so vocabulary ties break alike
    order = list(dict.fromkeys(tokens.tolist()))
    renumber = np.empty(12, np.int32)
    renumber[order] = np.arange(len(order))
    first_seen = [names[i] for i in order]
    encoded = EncodedCorpus.from_ids(renumber[tokens], starts, first_seen)
    params = dict(vector_size=8, sg=True, min_count=1, workers=1, epochs=2, seed=5)
    by_ids = Word2Vec(**params).fit(encoded)
    by_text = Word2Vec(**params).fit([[names[i] for i in w] for w in walks])
    assert list(by_ids.vocabulary_) == list(by_text.vocabulary_)
    np.testing.assert_array_equal(by_ids.vectors.matrix, by_text.vectors.matrix)
    assert encoded.raw_tokens == first_seen  # the caller's corpus is left usable
    Word2Vec(**params).fit(encoded)


def test_from_ids_counts_and_drops_empty_sequences() -> None:
    encoded = EncodedCorpus.from_ids([2, 0, 2, 1], [0, 2, 2, 4], ["a", "b", "c"])
    assert encoded.counts.tolist() == [1, 1, 2]
    assert encoded.n_sentences == 2
    tokens, starts = encoded.read_block(0, 2)
    assert tokens.tolist() == [2, 0, 2, 1] and starts.tolist() == [0, 2, 4]


@pytest.mark.parametrize(("tokens", "starts", "message"), [
    ([0, 1], [0, 1], "end at len"),
    ([0, 1], [1, 2], "begin at 0"),
    ([0, 1, 1], [0, 2, 1, 3], "never decrease"),
    ([0, 5], [0, 2], "ids must lie in 0..2"),
    ([[0, 1]], [0, 2], "1-d"),
])
def test_from_ids_rejects_bad_offsets_and_ids(tokens, starts, message) -> None:
    with pytest.raises(ValueError, match=message):
        EncodedCorpus.from_ids(tokens, starts, ["a", "b", "c"])


def test_from_ids_empty_is_a_corpus_error() -> None:
    with pytest.raises(CorpusError, match="empty"):
        EncodedCorpus.from_ids([], [0], ["a"])
