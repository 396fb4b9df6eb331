"""Vocabulary: building with pruning, ids and specials, encode/decode, distributions, files."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec.errors import FormatError, VocabularyError
from everyvec.text import Text8Corpus
from everyvec.vocab import FORMAT_NAME, Vocabulary

SENTENCES = [["b", "a", "c"], ["a", "d", "b"], ["a", "e"], ["c", "b"]]
# counts: a 3, b 3, c 2, d 1, e 1; first seen: b, a, c, d, e


def reference_count(sentences, max_vocab_size):
    """word2vec's ReduceVocab rule, checked after each sentence (as gensim does)."""
    counts: dict[str, int] = {}
    min_reduce, prunings = 1, 0
    for sentence in sentences:
        for token in sentence:
            counts[token] = counts.get(token, 0) + 1
        while max_vocab_size is not None and len(counts) > max_vocab_size:
            counts = {t: c for t, c in counts.items() if c > min_reduce}
            min_reduce += 1
            prunings += 1
    return counts, prunings


def reference_order(counts, min_count, max_words=None):
    kept = [t for t, c in counts.items() if c >= min_count]
    kept.sort(key=lambda t: -counts[t])
    return kept[:max_words]


# -- building ------------------------------------------------------------------------------

def test_build_orders_by_count_then_first_seen():
    vocab = Vocabulary.build(SENTENCES)
    assert vocab.id_to_token == ("b", "a", "c", "d", "e")
    assert vocab.counts.tolist() == [3, 3, 2, 1, 1]
    assert vocab.counts.dtype == np.int64
    assert vocab.token_to_id == {"b": 0, "a": 1, "c": 2, "d": 3, "e": 4}
    assert vocab.total_words == 10 and len(vocab) == 5 and list(vocab) == list("bacde")
    assert "a" in vocab and "z" not in vocab and 3 not in vocab
    assert vocab.count("c") == 2 and vocab.most_common(2) == [("b", 3), ("a", 3)]
    assert vocab.build_info == {"corpus_tokens": 10, "corpus_sentences": 4,
                                "distinct_tokens": 5, "prunings": 0, "min_reduce": 1}
    assert vocab.specials == {} and vocab.num_specials == 0
    assert vocab.pad_id is None and vocab.unk_id is None and vocab.eos_id is None


def test_build_from_a_generator_of_tuples_and_iterators():
    vocab = Vocabulary.build(iter(s) if i % 2 else tuple(s) for i, s in enumerate(SENTENCES))
    assert vocab == Vocabulary.build(SENTENCES)


def test_views_are_read_only():
    vocab = Vocabulary.build(SENTENCES)
    with pytest.raises(ValueError, match="read-only"):
        vocab.counts[0] = 99
    with pytest.raises(TypeError):
        vocab.token_to_id["z"] = 7
    assert isinstance(vocab.id_to_token, tuple)


def test_specials_take_fixed_leading_ids():
    vocab = Vocabulary.build(SENTENCES, pad="<pad>", unk="<unk>", eos="</s>")
    assert vocab.id_to_token[:3] == ("<pad>", "<unk>", "</s>")
    assert (vocab.pad_id, vocab.unk_id, vocab.eos_id) == (0, 1, 2)
    assert vocab.id_to_token[3:] == ("b", "a", "c", "d", "e")
    assert vocab.specials == {"pad": "<pad>", "unk": "<unk>", "eos": "</s>"}
    only_unk = Vocabulary.build(SENTENCES, unk="[UNK]", eos="[SEP]")
    assert (only_unk.pad_id, only_unk.unk_id, only_unk.eos_id) == (None, 0, 1)
    assert only_unk.num_specials == 2


def test_a_corpus_token_equal_to_a_special_becomes_that_special():
    vocab = Vocabulary.build([["<unk>", "a", "<unk>", "a", "a"]], unk="<unk>", min_count=3)
    assert vocab.id_to_token == ("<unk>", "a")  # specials are exempt from min_count
    assert vocab.counts.tolist() == [2, 3]


def test_min_count_and_max_size():
    assert Vocabulary.build(SENTENCES, min_count=2).id_to_token == ("b", "a", "c")
    assert Vocabulary.build(SENTENCES, max_size=3).id_to_token == ("b", "a", "c")
    # max_size counts the specials too.
    vocab = Vocabulary.build(SENTENCES, max_size=3, pad="<pad>")
    assert vocab.id_to_token == ("<pad>", "b", "a")
    assert vocab.settings == {"min_count": 1, "max_size": 3, "max_vocab_size": None}


def test_build_errors():
    with pytest.raises(VocabularyError, match="empty"):
        Vocabulary.build([])
    with pytest.raises(VocabularyError, match="empty"):
        Vocabulary.build([[], []])
    with pytest.raises(VocabularyError,
                       match=r"min_count=4 times \(the most frequent, 'b', occurs 3 times\)"):
        Vocabulary.build(SENTENCES, min_count=4)
    with pytest.raises(TypeError, match="not a str; tokenize it first"):
        Vocabulary.build(["hello world", "foo"])
    with pytest.raises(TypeError, match="not a str"):
        Vocabulary.build("hello world")
    with pytest.raises(TypeError, match="tokens must be str; found int 3"):
        Vocabulary.build([["a", 3]])


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"min_count": -3}, ValueError,
     "The 'min_count' parameter of Vocabulary must be an int >= 1. Got -3."),
    ({"min_count": 2.0}, TypeError,
     "The 'min_count' parameter of Vocabulary must be an int >= 1. Got 2.0."),
    ({"min_count": True}, TypeError, "'min_count' parameter of Vocabulary"),
    ({"max_size": 2, "pad": "<p>", "unk": "<u>"}, ValueError,
     "The 'max_size' parameter of Vocabulary must be an int >= 3 or None. Got 2."),
    ({"max_vocab_size": 0}, ValueError,
     "The 'max_vocab_size' parameter of Vocabulary must be an int >= 1 or None. Got 0."),
    ({"pad": ""}, ValueError, "The 'pad' parameter of Vocabulary must be a non-empty str"),
    ({"eos": 0}, TypeError, "The 'eos' parameter of Vocabulary must be a non-empty str"),
    ({"pad": "<x>", "eos": "<x>"}, ValueError,
     "The 'eos' and 'pad' special tokens of Vocabulary must differ. Both are '<x>'."),
])
def test_parameter_validation(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Vocabulary.build(SENTENCES, **kwargs)


# -- bounded-memory counting ---------------------------------------------------------------

def test_pruning_follows_reduce_vocab():
    sentences = [["a", "a", "b"], ["c", "d"], ["a", "e", "f"], ["b", "g"], ["a", "h", "b"]]
    vocab = Vocabulary.build(sentences, max_vocab_size=4)
    counts, prunings = reference_count(sentences, 4)
    assert prunings > 0 and vocab.build_info["prunings"] == prunings
    assert vocab.build_info["min_reduce"] == prunings + 1
    assert dict(zip(vocab.id_to_token, vocab.counts.tolist(), strict=True)) == counts
    assert vocab.build_info["corpus_tokens"] == 13 and vocab.build_info["distinct_tokens"] <= 4


def test_pruning_keeps_memory_bounded():
    seen_sizes = []

    class Spy(Counter):
        def update(self, *args, **kwargs):
            super().update(*args, **kwargs)
            seen_sizes.append(len(self))

    import everyvec.vocab as vocab_module

    original = vocab_module.Counter
    vocab_module.Counter = Spy
    try:
        sentences = ([f"w{i}", f"w{i + 1}", "the"] for i in range(0, 3000, 2))
        vocab = Vocabulary.build(sentences, max_vocab_size=50)
    finally:
        vocab_module.Counter = original
    # Between sentences the dict never holds more than max_vocab_size + one sentence.
    assert max(seen_sizes) <= 50 + 3
    assert vocab.id_to_token[0] == "the" and vocab.count("the") == 1500


@settings(max_examples=80, deadline=None)
@given(sentences=st.lists(st.lists(st.sampled_from("abcdefghijklmnop"), max_size=8),
                          max_size=30),
       max_vocab_size=st.one_of(st.none(), st.integers(1, 10)), min_count=st.integers(1, 3),
       max_size=st.one_of(st.none(), st.integers(1, 8)))
def test_build_matches_the_reference(sentences, max_vocab_size, min_count, max_size):
    counts, prunings = reference_count(sentences, max_vocab_size)
    expected = reference_order(counts, min_count, max_size)
    if not expected:
        with pytest.raises(VocabularyError):
            Vocabulary.build(sentences, min_count=min_count, max_size=max_size,
                             max_vocab_size=max_vocab_size)
        return
    vocab = Vocabulary.build(sentences, min_count=min_count, max_size=max_size,
                             max_vocab_size=max_vocab_size)
    assert list(vocab.id_to_token) == expected
    assert vocab.counts.tolist() == [counts[t] for t in expected]
    assert vocab.build_info["prunings"] == prunings
    if max_vocab_size is None:
        assert counts == Counter(t for s in sentences for t in s)


# -- other constructors --------------------------------------------------------------------

def test_constructor_and_from_counts():
    vocab = Vocabulary(["x", "y"], [5, 7], pad="<pad>")
    assert vocab.id_to_token == ("<pad>", "x", "y") and vocab.counts.tolist() == [0, 5, 7]
    assert Vocabulary(["x"]).counts.tolist() == [0]
    assert Vocabulary.from_counts({"a": 1, "b": 5, "c": 5}).id_to_token == ("b", "c", "a")
    assert Vocabulary.from_counts([("a", 1), ("b", 5)], min_count=2).id_to_token == ("b",)
    with pytest.raises(VocabularyError, match="'x' appears twice"):
        Vocabulary(["x", "y", "x"])
    with pytest.raises(VocabularyError, match="'<pad>' is also the pad special token"):
        Vocabulary(["<pad>"], pad="<pad>")
    with pytest.raises(VocabularyError, match="2 tokens but 1 counts"):
        Vocabulary(["x", "y"], [1])
    with pytest.raises(VocabularyError, match="must be >= 0"):
        Vocabulary(["x"], [-1])
    with pytest.raises(TypeError, match="must be integers"):
        Vocabulary(["x"], [1.5])
    with pytest.raises(TypeError, match="not a single str"):
        Vocabulary("xy")
    with pytest.raises(TypeError, match="tokens must be str"):
        Vocabulary([1, 2])
    with pytest.raises(VocabularyError, match="at least one token"):
        Vocabulary([])
    with pytest.raises(VocabularyError, match="appears twice in counts"):
        Vocabulary.from_counts([("a", 1), ("a", 2)])
    with pytest.raises(VocabularyError, match="must be an int >= 0"):
        Vocabulary.from_counts({"a": -1})
    with pytest.raises(VocabularyError, match="must be an int >= 0"):
        Vocabulary.from_counts({"a": True})
    with pytest.raises(TypeError, match="mapping or"):
        Vocabulary.from_counts(["abc"])


def test_equality_and_repr():
    a = Vocabulary.build(SENTENCES, unk="<unk>")
    assert a == Vocabulary.build(SENTENCES, unk="<unk>")
    assert a != Vocabulary.build(SENTENCES, unk="<UNK>")
    assert a != Vocabulary.build(SENTENCES)
    assert a != "vocab"
    assert repr(a) == "Vocabulary(size=6, total_words=10, unk='<unk>')"


# -- encode / decode -----------------------------------------------------------------------

def test_encode_decode():
    vocab = Vocabulary.build(SENTENCES, pad="<pad>", unk="<unk>")
    ids = vocab.encode(["a", "b", "e"])
    assert ids.dtype == np.int64 and ids.tolist() == [3, 2, 6]
    assert vocab.decode(ids) == ["a", "b", "e"]
    assert vocab.decode([0, 1]) == ["<pad>", "<unk>"]
    assert vocab.decode(np.array([[2, 3]], dtype=np.uint8)) == ["b", "a"]
    assert vocab.encode(["a", "zz", "b"], unknown="unk").tolist() == [3, 1, 2]
    assert vocab.encode(iter(["a", "zz", "b"]), unknown="skip").tolist() == [3, 2]
    assert vocab.encode([]).tolist() == [] and vocab.decode([]) == []


def test_encode_decode_errors():
    vocab = Vocabulary.build(SENTENCES)
    with pytest.raises(VocabularyError, match=r"token 'zz' \(position 1\) is not in the vocab"):
        vocab.encode(iter(["a", "zz"]))
    with pytest.raises(VocabularyError, match="needs a vocabulary with an UNK token"):
        vocab.encode(["a"], unknown="unk")
    with pytest.raises(ValueError, match="'unknown' parameter of Vocabulary.encode"):
        vocab.encode(["a"], unknown="drop")
    with pytest.raises(TypeError, match="not a str"):
        vocab.encode("abc")
    with pytest.raises(VocabularyError, match=r"id 5 \(position 1\) is out of range .* 5 tok"):
        vocab.decode([0, 5])
    with pytest.raises(VocabularyError, match=r"id -1 \(position 0\)"):
        vocab.decode([-1])
    with pytest.raises(TypeError, match="integer ids"):
        vocab.decode([0.0, 1.0])


@given(st.lists(st.sampled_from("abcdexyz"), max_size=20))
def test_encode_decode_round_trip(tokens):
    vocab = Vocabulary.build(SENTENCES, unk="<unk>")
    known = [t for t in tokens if t in vocab]
    assert vocab.decode(vocab.encode(known)) == known
    assert vocab.decode(vocab.encode(tokens, unknown="skip")) == known
    unk = vocab.decode(vocab.encode(tokens, unknown="unk"))
    assert unk == [t if t in vocab else "<unk>" for t in tokens]


# -- subsampling and noise -----------------------------------------------------------------

def test_keep_probabilities_formula():
    vocab = Vocabulary.from_counts({"the": 1000, "of": 100, "cat": 10, "rare": 1}, pad="<pad>")
    keep = vocab.keep_probabilities(sample=0.01)
    total = 1111
    t = 0.01 * total
    for token, count in [("the", 1000), ("of", 100), ("cat", 10), ("rare", 1)]:
        expected = min(1.0, (math.sqrt(count / t) + 1) * t / count)
        assert keep[vocab.token_to_id[token]] == pytest.approx(expected, rel=1e-12)
    assert keep[0] == 1.0 and keep.dtype == np.float64
    assert keep[vocab.token_to_id["the"]] < keep[vocab.token_to_id["of"]] < 1.0
    assert keep[vocab.token_to_id["rare"]] == 1.0
    assert (vocab.keep_probabilities(sample=0) == 1.0).all()
    with pytest.raises(ValueError, match="'sample' parameter .* >= 0 and <= 1. Got -0.1."):
        vocab.keep_probabilities(sample=-0.1)
    with pytest.raises(ValueError, match="'sample' parameter"):
        vocab.keep_probabilities(sample=float("nan"))


def test_noise_distribution_and_table():
    vocab = Vocabulary.from_counts({"a": 16, "b": 81, "c": 1}, pad="<pad>", unk="<unk>")
    noise = vocab.noise_distribution()
    assert noise.dtype == np.float64 and noise.sum() == pytest.approx(1.0, abs=1e-15)
    assert noise[:2].tolist() == [0.0, 0.0]
    weights = np.array([81 ** 0.75, 16 ** 0.75, 1.0])  # id order: b, a, c
    np.testing.assert_allclose(noise[2:], weights / weights.sum(), rtol=1e-14)
    np.testing.assert_allclose(vocab.noise_distribution(alpha=0)[2:], [1 / 3] * 3)
    np.testing.assert_allclose(vocab.noise_distribution(alpha=1)[2:], [81 / 98, 16 / 98, 1 / 98])
    table = vocab.cumulative_table()
    assert table[-1] == 1.0 and (np.diff(table) >= 0).all()
    np.testing.assert_allclose(np.diff(table, prepend=0.0), noise, atol=1e-15)
    ints = vocab.cumulative_table(domain=2**31 - 1)
    assert ints.dtype == np.int64 and ints[-1] == 2**31 - 1 and ints[1] == 0
    with pytest.raises(ValueError, match="'alpha' parameter"):
        vocab.noise_distribution(alpha=-1)
    with pytest.raises(ValueError, match="'domain' parameter"):
        vocab.cumulative_table(domain=0)


def test_sampling_from_the_table_never_draws_specials():
    vocab = Vocabulary.from_counts({"a": 50, "b": 30, "c": 20}, pad="<pad>", eos="</s>")
    table = vocab.cumulative_table()
    rng = np.random.default_rng(0)
    draws = np.searchsorted(table, rng.random(200_000), side="right")
    freq = np.bincount(draws, minlength=len(vocab)) / len(draws)
    assert freq[0] == 0 and freq[1] == 0
    np.testing.assert_allclose(freq, vocab.noise_distribution(), atol=0.005)
    ints = vocab.cumulative_table(domain=1000)
    draws = np.searchsorted(ints, rng.integers(0, 1000, 10_000), side="right")
    assert draws.min() >= 2


def test_no_noise_without_counts():
    with pytest.raises(VocabularyError, match="no regular token has a positive count"):
        Vocabulary(["a", "b"]).noise_distribution()


def test_matches_gensim_subsampling_and_cum_table():
    gensim_models = pytest.importorskip("gensim.models")
    # Distinct counts so that both libraries order words the same way.
    sentences = [[f"w{i}"] * (i * 7 + 1) for i in range(40)]
    ours = Vocabulary.build(sentences)
    model = gensim_models.Word2Vec(vector_size=4, min_count=1, sample=1e-2, workers=1)
    model.build_vocab(sentences)
    assert list(model.wv.index_to_key) == list(ours.id_to_token)
    keep = ours.keep_probabilities(sample=1e-2)
    theirs = np.array([model.wv.get_vecattr(w, "sample_int") for w in ours.id_to_token])
    np.testing.assert_allclose(keep, theirs / (2**32 - 1), atol=1e-8)
    assert (keep < 1).sum() > 5
    ours_table = ours.cumulative_table(alpha=0.75, domain=2**31 - 1)
    assert np.abs(ours_table - model.cum_table.astype(np.int64)).max() <= 1


# -- files ---------------------------------------------------------------------------------

def test_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build(SENTENCES + [["café", "我", " "]], pad="<pad>", eos="</s>",
                             min_count=1, max_size=9)
    path = vocab.save(tmp_path / "sub" / "vocab.txt")
    assert path == tmp_path / "sub" / "vocab.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith(f"{FORMAT_NAME}\t1\t{{") and lines[1:3] == ["<pad>\t0", "</s>\t0"]
    loaded = Vocabulary.load(path)
    assert loaded == vocab
    assert loaded.settings == vocab.settings and loaded.build_info == vocab.build_info
    assert loaded.eos_id == 1 and loaded.unk_id is None
    assert [p.name for p in path.parent.iterdir()] == ["vocab.txt"]  # no temporary left


vocab_tokens = st.lists(st.text(st.characters(blacklist_characters="\t\n\r",
                                              blacklist_categories=["Cs"]), max_size=6),
                        min_size=1, max_size=20, unique=True)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=vocab_tokens, data=st.data())
def test_save_load_round_trip_property(tmp_path, tokens, data):
    counts = data.draw(st.lists(st.integers(0, 2**63 - 1), min_size=len(tokens),
                                max_size=len(tokens)))
    specials = {"pad": "<pad>", "unk": "<unk>"} if data.draw(st.booleans()) else {}
    tokens = [t for t in tokens if t not in specials.values()] or ["x"]
    vocab = Vocabulary(tokens, counts[: len(tokens)] + [0] * (len(tokens) - len(counts)),
                       **specials)
    path = vocab.save(tmp_path / "v.txt")
    assert Vocabulary.load(path) == vocab


@pytest.mark.parametrize(("token", "what"), [
    ("a\tb", "a tab or line break"), ("line\nbreak", "a tab or line break"),
    ("cr\r", "a tab or line break"), ("x\udcff", "a lone surrogate")])
def test_unsaveable_tokens(tmp_path, token, what):
    vocab = Vocabulary(["ok", token])
    with pytest.raises(VocabularyError, match=rf"\(id 1\) contains {what}"):
        vocab.save(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()


def _header(size=2, specials=None, version=1):
    import json

    body = {"size": size, "specials": specials or {"pad": None, "unk": None, "eos": None},
            "settings": {}, "build_info": {}}
    return f"{FORMAT_NAME}\t{version}\t{json.dumps(body)}\n"


@pytest.mark.parametrize(("content", "line", "message"), [
    ("hello\t3\n", 1, "not an everyvec vocabulary file"),
    (_header(version=2) + "a\t1\nb\t2\n", 1, "format version 2 is newer"),
    (f"{FORMAT_NAME}\t1\t{{broken\n", 1, "JSON is invalid"),
    (f"{FORMAT_NAME}\t1\n", 1, "malformed header"),
    (_header(size=0), 1, "'size' must be an int >= 1"),
    (_header(specials={"cls": "[CLS]"}) + "a\t1\n", 1, "'specials' must map"),
    (_header(specials={"pad": 5}) + "a\t1\n", 1, "bad special tokens"),
    (_header() + "a\t1\nb 2\n", 3, "expected token<TAB>count, found 1"),
    (_header() + "a\t1\nb\t2\t3\n", 3, "found 3 tab-separated"),
    (_header() + "a\tx\nb\t2\n", 2, "the count of 'a' must be a non-negative integer; got 'x'"),
    (_header() + "a\t-1\nb\t2\n", 2, "non-negative integer; got '-1'"),
    (_header() + "a\t1.0\nb\t2\n", 2, "got '1.0'"),
    (_header() + "a\t99999999999999999999\nb\t2\n", 2, "non-negative integer"),
    (_header() + "a\t1\na\t2\n", 3, "duplicate token 'a' (first on line 2)"),
    (_header(size=3) + "a\t1\nb\t2\n", 3, "announces 3 tokens but the file holds 2"),
    (_header(size=1) + "a\t1\nb\t2\n", 3, "announces 1 tokens but the file holds 2"),
    (_header(size=1, specials={"pad": "<pad>", "unk": "<unk>"}) + "<pad>\t0\n", 2,
     "the file ends before all special tokens"),
    (_header(specials={"pad": "<pad>"}) + "a\t1\n<pad>\t0\n", 2,
     "expected the special token '<pad>' (id 0) here; got 'a'"),
])
def test_load_rejects_bad_files(tmp_path, content, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=re.escape(message)) as info:
        Vocabulary.load(path)
    assert info.value.path == str(path) and info.value.line == line
    assert str(info.value).startswith(f"{path}, line {line}: ")


def test_load_rejects_bad_utf8_and_tolerates_crlf(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(_header().encode() + b"a\t1\n\xff\t2\n")
    with pytest.raises(FormatError, match="invalid UTF-8") as info:
        Vocabulary.load(path)
    assert info.value.line == 3
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(_header().replace("\n", "\r\n").encode() + b"a\t1\r\nb\t2\r\n")
    assert Vocabulary.load(crlf) == Vocabulary(["a", "b"], [1, 2])
    with pytest.raises(FileNotFoundError):
        Vocabulary.load(tmp_path / "missing.txt")


# -- real data -----------------------------------------------------------------------------

@pytest.mark.slow
def test_text8_prefix_counts(shared_data):
    corpus = Text8Corpus(shared_data / "text8" / "text8_prefix.gz")
    vocab = Vocabulary.build(corpus)
    # SOURCE.md: 2,139,748 tokens, 80,982 distinct words.
    assert vocab.total_words == 2_139_748 and len(vocab) == 80_982
    assert corpus.stats.tokens == 2_139_748 and corpus.stats.split_lines == 0
    assert corpus.stats.sentences == math.ceil(2_139_748 / 10_000)
    assert vocab.id_to_token[0] == "the"


def test_docstring_examples():
    import doctest

    import everyvec.vocab

    result = doctest.testmod(everyvec.vocab)
    assert result.failed == 0 and result.attempted >= 3
