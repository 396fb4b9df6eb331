"""Streaming corpus reader: sources, compression, layouts, long lines, encodings, restarts."""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everyvec.errors import CorpusError
from everyvec.text import (
    Corpus,
    CorpusStats,
    LineSentences,
    Text8Corpus,
    corpus_files,
    get_tokenizer,
)


def write(path, text, opener=open):
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wb") as handle:
        handle.write(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def reference(text, tokenize, layout, limit):
    """What a reader must yield: the whole text split in memory."""
    if layout == "stream":
        tokens = tokenize(text)
        return [tokens[i:i + limit] for i in range(0, len(tokens), limit)], 0, 0
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    out, split = [], 0
    for line in lines:
        tokens = tokenize(line.removesuffix("\r"))
        chunks = [tokens[i:i + limit] for i in range(0, len(tokens), limit)]
        split += len(chunks) > 1
        out.extend(chunks)
    return out, split, len(lines)


# -- sources -------------------------------------------------------------------------------

def test_file_folder_glob_and_list(tmp_path):
    write(tmp_path / "b.txt", "b1\n")
    write(tmp_path / "a.txt", "a1\na2\n")
    write(tmp_path / "sub" / "c.txt", "c1\n")
    write(tmp_path / "sub" / ".hidden", "h\n")
    write(tmp_path / ".git" / "x.txt", "g\n")
    assert list(Corpus(tmp_path / "a.txt")) == [["a1"], ["a2"]]
    assert list(Corpus(tmp_path)) == [["a1"], ["a2"], ["b1"], ["c1"]]
    assert list(Corpus(str(tmp_path / "**" / "*.txt"))) == [["a1"], ["a2"], ["b1"], ["c1"]]
    assert list(Corpus([tmp_path / "sub", tmp_path / "b.txt"])) == [["c1"], ["b1"]]
    files = corpus_files(tmp_path)
    assert [f.name for f in files] == ["a.txt", "b.txt", "c.txt"]
    assert Corpus(tmp_path).files == tuple(files)


def test_missing_sources_name_the_path(tmp_path):
    with pytest.raises(CorpusError, match=r"corpus path '.*nope\.txt' does not exist"):
        Corpus(tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match=r"no corpus file matches the pattern '.*\*\.gz'"):
        Corpus(str(tmp_path / "*.gz"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="holds no files"):
        Corpus(tmp_path / "empty")
    with pytest.raises(CorpusError, match="list is empty"):
        Corpus([])
    with pytest.raises(TypeError, match="holds a int"):
        Corpus([write(tmp_path / "ok.txt", "ok\n"), 3])
    with pytest.raises(TypeError, match="not bytes"):
        Corpus(b"file.txt")
    with pytest.raises(TypeError, match="got int"):
        Corpus(5)


@pytest.mark.parametrize(("opener", "name"), [
    (gzip.open, "data.txt"),        # compressed, but the name does not say so
    (bz2.open, "data.bz2"),
    (lzma.open, "data"),
    (open, "plain.gz"),             # the name says gzip, the bytes are plain text
])
def test_compression_detected_by_magic_bytes(tmp_path, opener, name):
    path = write(tmp_path / name, "hello world\n\nsecond line\n", opener)
    assert list(Corpus(path)) == [["hello", "world"], ["second", "line"]]


def test_multi_member_gzip_and_zip(tmp_path):
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(b"one\n") + gzip.compress(b"two\n"))
    assert list(Corpus(path)) == [["one"], ["two"]]
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("b.txt", "bee\n")
        zf.writestr("a.txt", "ay\n")
        zf.writestr("dir/", "")
    corpus = Corpus(archive)
    assert list(corpus) == [["ay"], ["bee"]]
    assert corpus.stats.files == 2


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_damaged_compressed_file(tmp_path, damage):
    data = gzip.compress(("word " * 5000 + "\n").encode() * 20)
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data = data[:20] + bytes(b ^ 0xFF for b in data[20:60]) + data[60:]
    path = tmp_path / "bad.gz"
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=r"bad\.gz: corrupt or truncated compressed data"):
        list(Corpus(path))


# -- layouts and lines ---------------------------------------------------------------------

def test_lines_layout_details(tmp_path):
    text = "\ufeffFirst line\r\n\r\n  \n\tsecond\tline  \nlast no newline"
    path = write(tmp_path / "x.txt", text)
    corpus = LineSentences(path)
    assert list(corpus) == [["First", "line"], ["second", "line"], ["last", "no", "newline"]]
    assert corpus.stats == CorpusStats(files=1, lines=5, sentences=3, tokens=7, complete=True)


def test_tokenizer_option(tmp_path):
    path = write(tmp_path / "x.txt", "Hello, World!\n我爱北京。\n")
    assert list(Corpus(path, tokenizer="english")) == [["hello", "world"], ["我爱北京"]]
    assert list(Corpus(path, tokenizer="chars")) == [["hello", "world"], ["我", "爱", "北", "京"]]
    assert list(Corpus(path, tokenizer=lambda s: [s[:3]] if s else [])) == [["Hel"], ["我爱北"]]
    assert list(Corpus(path, tokenizer=get_tokenizer("english", stopwords=["hello"]))) == [
        ["world"], ["我爱北京"]]
    with pytest.raises(ValueError, match="unknown tokenizer"):
        Corpus(path, tokenizer="nope")


def test_stream_layout_chunks_across_newlines_not_files(tmp_path):
    write(tmp_path / "a.txt", "a b c\nd e\n\nf g")
    write(tmp_path / "b.txt", "h i j")
    corpus = Text8Corpus(tmp_path, max_sentence_length=3)
    assert list(corpus) == [["a", "b", "c"], ["d", "e", "f"], ["g"], ["h", "i", "j"]]
    assert corpus.stats.split_lines == 0 and corpus.stats.lines == 0
    assert corpus.stats.files == 2 and corpus.stats.tokens == 10


def test_long_lines_are_split_never_truncated(tmp_path, caplog):
    words = [f"w{i}" for i in range(25)]
    text = " ".join(words) + "\nshort line\n" + " ".join(words[:10]) + "\n" + " ".join(words)
    path = write(tmp_path / "x.txt", text)
    corpus = Corpus(path, max_sentence_length=10)
    with caplog.at_level(logging.WARNING, logger="everyvec.text.corpus"):
        first = list(corpus)
        second = list(corpus)
    assert first == second == [
        words[:10], words[10:20], words[20:], ["short", "line"], words[:10],
        words[:10], words[10:20], words[20:]]
    assert corpus.stats.split_lines == 2  # a line of exactly 10 tokens is not split
    assert corpus.stats.sentences == 8 and corpus.stats.tokens == 62
    warnings = [r for r in caplog.records if "max_sentence_length" in r.getMessage()]
    assert len(warnings) == 1  # once per reader, not per line or per pass
    assert "line 1 has 25 tokens" in warnings[0].getMessage()


def test_one_huge_line_is_streamed_in_blocks(tmp_path, caplog):
    words = [f"t{i % 97}" for i in range(20_000)]
    path = write(tmp_path / "text8", " " + " ".join(words))
    corpus = Corpus(path, layout="stream", max_sentence_length=1000, block_size=512)
    sentences = list(corpus)
    assert [t for s in sentences for t in s] == words
    assert all(len(s) == 1000 for s in sentences)
    lines = Corpus(path, max_sentence_length=1000, block_size=512)
    with caplog.at_level(logging.WARNING):
        assert list(lines) == sentences
    assert lines.stats.split_lines == 1 and lines.stats.lines == 1


def test_forced_cut_of_a_run_without_whitespace(tmp_path, caplog):
    path = write(tmp_path / "x.txt", "a " + "x" * 100 + " b\n")
    corpus = Corpus(path, block_size=8, max_run_chars=40)
    with caplog.at_level(logging.WARNING):
        sentences = list(corpus)
    assert "".join(sentences[0]) == "a" + "x" * 100 + "b"  # every character is still there
    assert corpus.stats.forced_cuts >= 2
    assert any("max_run_chars=40" in r.getMessage() for r in caplog.records)


def test_chinese_line_without_spaces_cuts_at_punctuation(tmp_path):
    text = "我爱北京天安门，天安门上太阳升。" * 200
    path = write(tmp_path / "zh.txt", text)
    corpus = Corpus(path, tokenizer="chars", block_size=64, max_run_chars=100)
    expected = get_tokenizer("chars")(text)
    assert [t for s in corpus for t in s] == expected
    assert corpus.stats.forced_cuts == 0


# -- restarts and stats --------------------------------------------------------------------

def test_restartable_with_fresh_stats(tmp_path):
    path = write(tmp_path / "x.txt", "a b\nc\n")
    corpus = Corpus(path)
    assert corpus.stats == CorpusStats()
    assert list(corpus) == list(corpus) == [["a", "b"], ["c"]]
    it = iter(corpus)
    assert next(it) == ["a", "b"]
    assert corpus.stats.sentences == 1 and not corpus.stats.complete
    assert list(it) == [["c"]]
    assert corpus.stats.complete and corpus.stats.tokens == 3
    # Two passes at once do not disturb each other.
    a, b = iter(corpus), iter(corpus)
    assert list(zip(a, b, strict=True)) == [(["a", "b"], ["a", "b"]), (["c"], ["c"])]


def test_progress_bar_does_not_change_output(tmp_path):
    path = write(tmp_path / "x.txt", "a b\nc\n")
    corpus = Corpus(path, progress=True)
    assert list(corpus) == list(corpus) == [["a", "b"], ["c"]]
    assert "Corpus(" in repr(corpus)


# -- encodings -----------------------------------------------------------------------------

def test_invalid_utf8_strict_names_file_line_and_offset(tmp_path):
    data = b"good line\nsecond \xc3\xa9 ok\nthird \xff bad\n"
    path = write(tmp_path / "bad.txt", data)
    offset = data.index(b"\xff")
    for block_size in (1, 3, 7, 1 << 20):
        with pytest.raises(CorpusError) as info:
            list(Corpus(path, block_size=block_size))
        error = info.value
        assert error.line == 3 and error.offset == offset
        assert f"{path}, line 3, byte {offset}:" in str(error)
        assert "errors='replace'" in str(error)


def test_invalid_utf8_in_gzip_and_truncated_at_end(tmp_path):
    path = write(tmp_path / "bad.gz", b"ok\n\xe6\x88", gzip.open)
    with pytest.raises(CorpusError, match=r"bad\.gz, line 2, byte 3:"):
        list(Corpus(path))
    bom = write(tmp_path / "bom.txt", b"\xef\xbb\xbfa\n\xfe\n")
    with pytest.raises(CorpusError, match=r"line 2, byte 5:"):
        list(Corpus(bom, block_size=1))


def test_invalid_utf8_replace_and_ignore(tmp_path):
    path = write(tmp_path / "bad.txt", b"caf\xe9 ok\nx\xffy\n")
    assert list(Corpus(path, errors="replace")) == [["caf\ufffd", "ok"], ["x\ufffdy"]]
    assert list(Corpus(path, errors="ignore")) == [["caf", "ok"], ["xy"]]


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"layout": "paragraphs"}, ValueError,
     "The 'layout' parameter of Corpus must be one of 'lines', 'stream'. Got 'paragraphs'."),
    ({"max_sentence_length": 0}, ValueError,
     "The 'max_sentence_length' parameter of Corpus must be an int >= 1. Got 0."),
    ({"max_sentence_length": 2.5}, TypeError, "'max_sentence_length' parameter of Corpus"),
    ({"errors": "surrogateescape"}, ValueError, "'errors' parameter of Corpus"),
    ({"block_size": True}, TypeError, "'block_size' parameter of Corpus"),
    ({"progress": "yes"}, TypeError, "'progress' parameter of Corpus"),
])
def test_bad_parameters(tmp_path, kwargs, error, message):
    path = write(tmp_path / "x.txt", "a\n")
    with pytest.raises(error, match=message.replace("(", r"\(").replace(".", r"\.")):
        Corpus(path, **kwargs)


def test_fixed_layout_names(tmp_path):
    path = write(tmp_path / "x.txt", "a\n")
    with pytest.raises(TypeError, match="always uses layout='lines'"):
        LineSentences(path, layout="stream")
    with pytest.raises(TypeError, match="always uses layout='stream'"):
        Text8Corpus(path, layout="lines")


# -- properties ----------------------------------------------------------------------------

_PIECES = st.sampled_from(["a", "bc", "déf", "我", "爱你", "。", " ", "  ", "\n", "\r\n", "\t",
                           "\u3000", "x" * 7, "𝔘", "Ok,", "don't"])
CORPUS_TEXT = st.lists(_PIECES, max_size=80).map("".join)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus_props")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CORPUS_TEXT, block_size=st.integers(1, 40), limit=st.integers(1, 12),
       layout=st.sampled_from(["lines", "stream"]),
       tokenizer=st.sampled_from(["whitespace", "english", "chars"]),
       compress=st.booleans(), bom=st.booleans())
def test_any_block_size_gives_the_in_memory_result(scratch, text, block_size, limit, layout,
                                                  tokenizer, compress, bom):
    path = scratch / "corpus"
    write(path, "\ufeff" * bom + text, gzip.open if compress else open)
    corpus = Corpus(path, tokenizer=tokenizer, layout=layout, max_sentence_length=limit,
                    block_size=block_size, max_run_chars=10_000)
    expected, split, lines = reference(text, get_tokenizer(tokenizer), layout, limit)
    got = list(corpus)
    assert got == expected
    assert all(0 < len(s) <= limit for s in got)
    stats = corpus.stats
    assert (stats.sentences, stats.tokens) == (len(expected), sum(map(len, expected)))
    assert (stats.split_lines, stats.lines, stats.forced_cuts) == (split, lines, 0)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(st.text(alphabet="abc", min_size=1, max_size=5), max_size=60),
       seps=st.lists(st.sampled_from([" ", "\n", "  \n", "\t"]), min_size=60, max_size=60),
       limit=st.integers(1, 9), block_size=st.integers(1, 16))
def test_chunking_never_loses_or_duplicates_tokens(scratch, words, seps, limit, block_size):
    text = "".join(w + s for w, s in zip(words, seps, strict=False))
    path = write(scratch / "chunks.txt", text)
    for layout in ("lines", "stream"):
        got = list(Corpus(path, layout=layout, max_sentence_length=limit,
                          block_size=block_size))
        assert [t for s in got for t in s] == words


# -- real data -----------------------------------------------------------------------------

@pytest.mark.slow
def test_real_chinese_files(shared_data):
    pku = shared_data / "zh_corpus" / "sighan2005" / "pku_test_gold.utf8"
    corpus = Corpus(pku)
    tokens = [t for s in corpus for t in s]
    assert (len(tokens), len(set(tokens)), corpus.stats.lines) == (104_372, 13_148, 1_945)
    novel = Corpus(shared_data / "zh_corpus" / "hongloumeng.txt.gz", tokenizer="chars")
    ideographs = sum(1 for s in novel for t in s if len(t) == 1 and "\u4e00" <= t <= "\u9fff")
    assert ideographs == 709_691 and novel.stats.lines == 5_591  # SOURCE.md's counts

