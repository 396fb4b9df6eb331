"""everyvec.Word2Vec: quality on planted analogies, reproducibility, errors, continued training."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from everyvec import CorpusError, EveryvecError, Vectors, VocabularyError, Word2Vec
from everyvec.text import Corpus

# Small and fast: 30k tokens, 16 dimensions, 20 epochs, no subsampling (every planted word is
# equally frequent, so subsampling would only thin the data).
SMALL = {"vector_size": 16, "min_count": 1, "epochs": 20, "sample": 0.0, "seed": 0,
         "workers": 1, "progress": False}
MODES = {
    "sg-ns": {"sg": True},
    "sg-hs": {"sg": True, "hs": True, "negative": 0},
    "cbow-ns": {"sg": False, "alpha": 0.05},
    "cbow-hs": {"sg": False, "hs": True, "negative": 0, "alpha": 0.05},
}


@pytest.mark.parametrize("mode", list(MODES))
def test_each_mode_recovers_the_planted_analogies(mode: str, planted: list[list[str]],
                                                   planted_score) -> None:
    # Chance is about 1/60 (the answer is one of ~60 words). The planted structure makes each
    # analogy exact in expectation: negative sampling scores 1.0 and hierarchical softmax
    # ~0.86 with these settings. 0.75 leaves room for float rounding on other CPUs while any
    # broken update rule (wrong sign, wrong rows, no output layer) lands near chance.
    model = Word2Vec(**SMALL, **MODES[mode]).fit(planted)
    assert planted_score(model.vectors) >= 0.75
    losses = model.report_.losses
    assert len(losses) == 20 and all(np.isfinite(losses))
    assert losses[-1] < losses[0]


def test_two_workers_learn_as_well(planted: list[list[str]], planted_score) -> None:
    model = Word2Vec(**(SMALL | {"workers": 2}), sg=True).fit(planted)
    assert planted_score(model.vectors) >= 0.75


def test_one_worker_with_a_seed_is_bit_reproducible(planted: list[list[str]]) -> None:
    first = Word2Vec(**SMALL, sg=True, hs=True).fit(planted)
    second = Word2Vec(**SMALL, sg=True, hs=True).fit(planted)
    np.testing.assert_array_equal(first.input_matrix_, second.input_matrix_)
    np.testing.assert_array_equal(first.output_matrix_, second.output_matrix_)
    np.testing.assert_array_equal(first.tree_matrix_, second.tree_matrix_)
    other = Word2Vec(**(SMALL | {"seed": 1}), sg=True, hs=True).fit(planted)
    assert not np.array_equal(first.input_matrix_, other.input_matrix_)


def test_vectors_and_output_vectors(planted: list[list[str]]) -> None:
    model = Word2Vec(**(SMALL | {"epochs": 2})).fit(planted)
    vectors = model.vectors
    assert isinstance(vectors, Vectors)
    assert vectors.keys == list(model.vocabulary_)
    assert vectors.dim == 16 and vectors.matrix.dtype == np.float32
    assert np.shares_memory(vectors.matrix, model.input_matrix_)
    output = model.output_vectors
    assert output.keys == vectors.keys and output.matrix.shape == vectors.matrix.shape
    assert np.abs(output.matrix).sum() > 0  # W' was trained, not left at zero
    assert vectors.provenance["trainer"] == "everyvec.Word2Vec"
    hs_only = Word2Vec(**(SMALL | {"epochs": 1}), hs=True, negative=0).fit(planted)
    with pytest.raises(EveryvecError, match="inner tree nodes"):
        _ = hs_only.output_vectors


def test_vocabulary_is_sorted_by_count_and_honours_min_count() -> None:
    sentences = [["a"] * 5 + ["b"] * 3 + ["c"]] * 2
    model = Word2Vec(**(SMALL | {"min_count": 3, "epochs": 1})).fit(sentences)
    assert list(model.vocabulary_) == ["a", "b"]
    assert model.vocabulary_.counts.tolist() == [10, 6]
    assert model.report_.epochs[0].raw_words == 18  # 'c' counts for progress, is not trained


def test_corpus_kinds_path_reader_and_generator(tmp_path: Path,
                                                planted: list[list[str]]) -> None:
    text = "\n".join(" ".join(s) for s in planted[:500]) + "\n"
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(gzip.compress(text.encode()))
    params = SMALL | {"epochs": 1}
    from_path = Word2Vec(**params).fit(path)
    from_reader = Word2Vec(**params).fit(Corpus(path))
    from_generator = Word2Vec(**params).fit(s for s in planted[:500])
    for model in (from_reader, from_generator):
        assert list(model.vocabulary_) == list(from_path.vocabulary_)
        np.testing.assert_array_equal(model.input_matrix_, from_path.input_matrix_)


def test_long_sentences_are_cut_not_truncated() -> None:
    sentence = [f"w{i % 50}" for i in range(25_000)]
    model = Word2Vec(**(SMALL | {"epochs": 1}), max_sentence_length=10_000).fit([sentence])
    assert model.report_.epochs[0].raw_words == 25_000
    assert model.vocabulary_.total_words == 25_000


def test_max_vocab_size_reads_twice_and_detects_a_changing_corpus() -> None:
    sentences = [["a", "b", "a", "c"]] * 20
    model = Word2Vec(**(SMALL | {"epochs": 1}), max_vocab_size=10).fit(sentences)
    assert list(model.vocabulary_) == ["a", "b", "c"]

    class Shrinking:
        def __init__(self) -> None:
            self.passes = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            self.passes += 1
            return iter(sentences[: 20 // self.passes])

    with pytest.raises(CorpusError, match="changed between passes"):
        Word2Vec(**SMALL, max_vocab_size=10).fit(Shrinking())
    with pytest.raises(TypeError, match="restartable"):
        Word2Vec(**SMALL, max_vocab_size=10).fit(s for s in sentences)


# -- bad input -------------------------------------------------------------------------------

def test_empty_corpus_is_an_error_before_training() -> None:
    with pytest.raises(CorpusError, match="empty"):
        Word2Vec(**SMALL).fit([])
    with pytest.raises(CorpusError, match="empty"):
        Word2Vec(**SMALL).fit([[], []])


def test_no_word_reaching_min_count_names_the_most_frequent() -> None:
    with pytest.raises(VocabularyError, match=r"min_count=5.*'a'.*3 times"):
        Word2Vec(**(SMALL | {"min_count": 5})).fit([["a", "a", "a", "b"]])


def test_strings_instead_of_token_lists_are_refused() -> None:
    with pytest.raises(TypeError, match="list of tokens, not a str"):
        Word2Vec(**SMALL).fit(["a sentence as a string"])
    with pytest.raises(TypeError, match="tokens must be str"):
        Word2Vec(**SMALL).fit([["a", 3]])


def test_undecodable_bytes_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words here\nbad \xff byte\n")
    with pytest.raises(CorpusError, match=r"bad\.txt.*line 2"):
        Word2Vec(**SMALL).fit(path)


@pytest.mark.parametrize(("params", "error", "message"), [
    ({"vector_size": 0}, ValueError, "'vector_size' parameter of Word2Vec must be an int >= 1"),
    ({"window": -1}, ValueError, "'window'"),
    ({"min_count": 0}, ValueError, "'min_count'"),
    ({"sample": 2.0}, ValueError, "'sample'"),
    ({"negative": -1}, ValueError, "'negative'"),
    ({"negative": 0}, ValueError, "needs an output layer"),
    ({"alpha": 0.0}, ValueError, "'alpha'"),
    ({"min_alpha": 1.0}, ValueError, "'min_alpha'"),
    ({"epochs": 0}, ValueError, "'epochs'"),
    ({"workers": 0}, ValueError, "'workers'"),
    ({"ns_exponent": float("nan")}, ValueError, "'ns_exponent'"),
    ({"sg": "yes"}, TypeError, "'sg'"),
    ({"vector_size": 2.5}, TypeError, "'vector_size'"),
    ({"callbacks": print}, TypeError, "'callbacks'"),
    ({"progress": "auto"}, TypeError, "'progress'"),
])
def test_parameters_out_of_range_are_refused_at_construction(params: dict, error: type,
                                                             message: str) -> None:
    with pytest.raises(error, match=message):
        Word2Vec(**params)


def test_parameters_changed_after_construction_are_checked_by_fit() -> None:
    model = Word2Vec(**SMALL)
    model.window = 0
    with pytest.raises(ValueError, match="'window'"):
        model.fit([["a", "b"]])


# -- reports, callbacks, continued training --------------------------------------------------

def test_callbacks_see_every_epoch(planted: list[list[str]]) -> None:
    seen: list[tuple[int, float]] = []
    model = Word2Vec(**(SMALL | {"epochs": 3}),
                     callbacks=[lambda m, r: seen.append((r.epoch, r.mean_loss))])
    model.fit(planted)
    assert [e for e, _ in seen] == [0, 1, 2]
    report = model.report_.epochs[-1]
    assert report.raw_words == sum(len(s) for s in planted)
    assert 0 < report.kept_words <= report.raw_words
    assert report.words_per_second > 0 and 0 < report.alpha < 0.025
    assert "mean loss" in str(model.report_)


def test_update_grows_the_vocabulary_and_keeps_old_vectors(planted: list[list[str]]) -> None:
    model = Word2Vec(**(SMALL | {"epochs": 2})).fit(planted)
    before = model.input_matrix_.copy()
    old_words = list(model.vocabulary_)
    new_text = [["novel", "word", "country0"]] * 10
    model.fit(new_text, update=True)
    words = list(model.vocabulary_)
    assert words[: len(old_words)] == old_words
    assert {"novel", "word"} <= set(words[len(old_words):])
    assert model.input_matrix_.shape == (len(words), 16)
    assert model.output_matrix_.shape == (len(words), 16)
    assert model.vocabulary_.count("country0") == sum(s.count("country0") for s in planted) + 10
    untouched = old_words.index("country1")  # not in the new text: unchanged
    np.testing.assert_array_equal(model.input_matrix_[untouched], before[untouched])
    assert len(model.report_.epochs) == 4
    assert "novel" in model.vectors


def test_update_needs_a_fitted_model() -> None:
    with pytest.raises(EveryvecError, match="fit\\(corpus\\) first"):
        Word2Vec(**SMALL).fit([["a"]], update=True)
    with pytest.raises(EveryvecError, match="not fitted"):
        _ = Word2Vec(**SMALL).vectors


def test_repr_shows_changed_parameters() -> None:
    assert repr(Word2Vec(sg=True, window=8)) == "Word2Vec(sg=True, window=8)"
