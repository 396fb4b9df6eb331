"""Named public datasets: where they come from, their checksums, and where to find them here.

Each dataset lists its files with SHA-256 and size. :func:`path` looks for them, in order, in

1. every folder of ``$EVERYVEC_DATA`` (``os.pathsep``-separated), laid out as
   ``<mirror>/<dataset folder>/<file>`` (the shared data mirror's layout);
2. the cache, ``$EVERYVEC_CACHE/data`` (default ``~/.cache/everyvec/data``), same layout;
3. only when ``download=True``: the upstream URL, fetched with :mod:`urllib` into the cache,
   checked against the SHA-256 and renamed into place atomically.

Nothing is downloaded unless asked. The URLs are ``raw.githubusercontent.com`` addresses of the
exact upstream commit whose bytes the checksums describe. Files that were built by hand for the
mirror (a text8 prefix, a cleaned Wikipedia extract, re-compressed novels) have no URL: they are
*mirror only*.

Examples
--------
>>> import everyvec
>>> everyvec.datasets.path("questions-words")             # doctest: +SKIP
PosixPath('/data/mirror/analogy/questions-words.txt')
>>> everyvec.datasets.info("simlex999").licence           # doctest: +SKIP
"""

from __future__ import annotations

import builtins
import contextlib
import difflib
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from everyvec._progress import progress_enabled
from everyvec.errors import DatasetError

__all__ = [
    "DATASETS",
    "DataFile",
    "Dataset",
    "cache_dir",
    "files",
    "info",
    "list",
    "mirror_dirs",
    "path",
    "verify_file",
]

DATA_ENV = "EVERYVEC_DATA"
CACHE_ENV = "EVERYVEC_CACHE"
# verify=None checks files up to this size (a few ms each); verify=True checks every file.
CHEAP_VERIFY_BYTES = 8 * 1024 * 1024
_CHUNK = 1 << 20
_TIMEOUT = 60  # seconds without data before a download fails



def _urlopen(url: str, timeout: float | None = None) -> IO[bytes]:
    """Open ``url`` for reading; the single door to the network (tests replace it)."""
    import urllib.request  # imported on first download only: keeps ``import everyvec`` light

    return urllib.request.urlopen(url, timeout=timeout)


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset.

    Attributes
    ----------
    name
        File name inside the dataset's folder.
    sha256
        Hex SHA-256 of the file's bytes.
    size
        Size in bytes.
    url
        An upstream address serving exactly these bytes; ``None`` for mirror-only files.
    """

    name: str
    sha256: str
    size: int
    url: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A named dataset (see :data:`DATASETS`).

    Attributes
    ----------
    name
        Registry name, e.g. ``"wordsim353"``.
    description
        What it is and how it is laid out.
    licence
        Licence or terms of use, as far as the upstream states them.
    source
        Upstream repository (and commit) or origin, in words.
    folder
        Folder relative to a mirror root (and to the cache) holding the files.
    files
        The files, with checksums.
    primary
        The file :func:`path` returns; ``None`` when the dataset is a set of peers (then
        :func:`path` returns the folder).
    citation
        The paper to cite.
    """

    name: str
    description: str
    licence: str
    source: str
    folder: str
    files: tuple[DataFile, ...]
    primary: str | None = None
    citation: str = ""

    @property
    def mirror_only(self) -> bool:
        """True when no file can be downloaded (it exists only in a data mirror)."""
        return all(f.url is None for f in self.files)

    def file(self, name: str) -> DataFile:
        """The :class:`DataFile` called ``name`` (DatasetError listing the names if absent)."""
        for item in self.files:
            if item.name == name:
                return item
        raise DatasetError(
            f"dataset {self.name!r} has no file {name!r}; its files are "
            f"{[f.name for f in self.files]}"
        )

    def __str__(self) -> str:
        lines = [f"{self.name}: {self.description}", f"  licence: {self.licence}",
                 f"  source:  {self.source}", f"  folder:  {self.folder}"]
        if self.citation:
            lines.append(f"  cite:    {self.citation}")
        for item in self.files:
            where = item.url or "mirror only"
            lines.append(f"  - {item.name} ({item.size:,} bytes, sha256 {item.sha256[:12]}…) "
                         f"{where}")
        return "\n".join(lines)


def _raw(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


_GENSIM = "piskvorky/gensim"
_GENSIM_TAG = "4.4.0"  # release tag; the checksum pins the bytes
_CA8 = ("Embedding/Chinese-Word-Vectors", "3096a475f79f218dde7b413dcc6b507d302b7f46")
_FARUQUI = ("mfaruqui/eval-word-vectors", "94b3dd9fdbac7ed08dbee7179cd5ee464acf0594")
_WS353 = ("fanglanting/skip-gram-pytorch", "0a16cd6b03f56ebca1854c4b07368ea826625d0f")
_SIMLEX = ("mrmechko/simcross", "ffc5c7598185be00260d81fd71274db32e6bceda")
_STSB = ("sudha93/semanticTextualSimilarity", "f1ecd82418d9b84e48baef14d499d0fc23430360")
_SIGHAN = ("francisfsjiang/TrigramSegmenter", "7fd3e0d6e790c913776dbd4b5d4dc5f8522ad4d1")

_WS353_CITE = ("Finkelstein et al., Placing Search in Context: The Concept Revisited, "
               "ACM TOIS 2002")
_WS353_SPLIT_CITE = _WS353_CITE + "; split: Agirre et al., NAACL 2009"
_WS353_LICENCE = "free for research use (no licence file upstream)"
_SIMLEX_CITE = "Hill, Reichart & Korhonen, SimLex-999, Computational Linguistics 2015"
_SIMLEX_LICENCE = "free for research use; the README asks to cite the paper"
_CA8_CITE = ("Li et al., Analogical Reasoning on Chinese Morphological and Semantic "
             "Relations, ACL 2018")


def _faruqui(name: str, sha256: str, size: int) -> DataFile:
    return DataFile(name, sha256, size, _raw(*_FARUQUI, f"data/word-sim/{name}"))


def _ws353(name: str, sha256: str, size: int) -> DataFile:
    return DataFile(name, sha256, size, _raw(*_WS353, f"wordsim353/{name}"))


_ALL: tuple[Dataset, ...] = (
    Dataset(
        "questions-words",
        "Google word-analogy set (Mikolov et al. 2013): 19,544 questions 'a b c d' in 14 "
        "sections (5 semantic, 9 syntactic 'gram*'), questions-words layout.",
        "Apache-2.0",
        f"{_GENSIM} @ {_GENSIM_TAG} : gensim/test/test_data/questions-words.txt "
        "(from the word2vec distribution)",
        "analogy",
        (DataFile("questions-words.txt",
                  "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36", 603955,
                  _raw(_GENSIM, _GENSIM_TAG, "gensim/test/test_data/questions-words.txt")),),
        primary="questions-words.txt",
        citation="Mikolov et al., Efficient Estimation of Word Representations in Vector "
                 "Space, 2013",
    ),
    Dataset(
        "ca8-morphological",
        "CA8 Chinese analogies, morphological part: 10,177 questions in 4 sections (A, prefix, "
        "AB, suffix); questions-words layout, UTF-8, CRLF.",
        "Apache-2.0",
        f"{_CA8[0]} @ {_CA8[1]} : testsets/CA8/morphological.txt",
        "ca8",
        (DataFile("morphological.txt",
                  "ed47740c28d5ce052f205e7ffff8e28dfefe451fcd39867bbe98ef710cc6bf4f", 341904,
                  _raw(*_CA8, "testsets/CA8/morphological.txt")),),
        primary="morphological.txt",
        citation=_CA8_CITE,
    ),
    Dataset(
        "ca8-semantic",
        "CA8 Chinese analogies, semantic part: 7,636 questions in 4 sections (geography, "
        "nature, history, people); questions-words layout, UTF-8, CRLF.",
        "Apache-2.0",
        f"{_CA8[0]} @ {_CA8[1]} : testsets/CA8/semantic.txt",
        "ca8",
        (DataFile("semantic.txt",
                  "aed64568e6350ce08f7b9e4af2bd8aadd7ff0498b812cd94c660638ed8ad1f4a", 265603,
                  _raw(*_CA8, "testsets/CA8/semantic.txt")),),
        primary="semantic.txt",
        citation=_CA8_CITE,
    ),
    Dataset(
        "ca-translated",
        "Chinese translation of part of Google's analogy set (CWE paper): 953 questions in 3 "
        "sections; questions-words layout, UTF-8, CRLF, no final newline.",
        "Apache-2.0",
        f"{_CA8[0]} @ {_CA8[1]} : testsets/CA_translated/ca_translated.txt",
        "ca8",
        (DataFile("ca_translated.txt",
                  "94919a535ed2e0682e6ad12f7508b2aac9b11d0fa048999ec85b9723c0f0aef5", 31539,
                  _raw(*_CA8, "testsets/CA_translated/ca_translated.txt")),),
        primary="ca_translated.txt",
        citation="Chen et al., Joint Learning of Character and Word Embeddings, IJCAI 2015",
    ),
    Dataset(
        "wordsim353",
        "WordSim-353, all 353 pairs (352 distinct; one is listed twice): "
        "word1<TAB>word2<TAB>score 0-10, no header, CRLF.",
        _WS353_LICENCE,
        f"{_FARUQUI[0]} @ {_FARUQUI[1]} : data/word-sim/EN-WS-353-ALL.txt",
        "word_similarity",
        (_faruqui("EN-WS-353-ALL.txt",
                  "ce12919b240af45bdf46d243601eaca2b6212b159b5e7e9b435ee7ee40c5619c", 7405),),
        primary="EN-WS-353-ALL.txt",
        citation=_WS353_CITE,
    ),
    Dataset(
        "wordsim353-sim",
        "WordSim-353 similarity split (Agirre et al. 2009): 203 pairs, "
        "word1<TAB>word2<TAB>score, no header.",
        _WS353_LICENCE,
        f"{_FARUQUI[0]} @ {_FARUQUI[1]} : data/word-sim/EN-WS-353-SIM.txt",
        "word_similarity",
        (_faruqui("EN-WS-353-SIM.txt",
                  "f1da938998863c94e53f72f984a5c6e215f0b46c323aae8f0f4930703a339107", 4002),),
        primary="EN-WS-353-SIM.txt",
        citation=_WS353_SPLIT_CITE,
    ),
    Dataset(
        "wordsim353-rel",
        "WordSim-353 relatedness split (Agirre et al. 2009): 252 pairs, "
        "word1<TAB>word2<TAB>score, no header.",
        _WS353_LICENCE,
        f"{_FARUQUI[0]} @ {_FARUQUI[1]} : data/word-sim/EN-WS-353-REL.txt",
        "word_similarity",
        (_faruqui("EN-WS-353-REL.txt",
                  "66a7c88100624d0a391605ff61ce84e11d11ee620d51ec0298da49592838f8fa", 5134),),
        primary="EN-WS-353-REL.txt",
        citation=_WS353_SPLIT_CITE,
    ),
    Dataset(
        "wordsim353-original",
        "WordSim-353 as first released: combined (353 pairs), set1 (153), set2 (200) as .csv "
        "and .tab with a header and the individual ratings, plus the annotator instructions "
        "(Latin-1, not a data file).",
        _WS353_LICENCE,
        f"{_WS353[0]} @ {_WS353[1]} : wordsim353/",
        "word_similarity/ws353_original",
        (
            _ws353("combined.csv",
                   "49ff6433ae68abe716fb66433fd870483e289a7a8c74531f59eca847d103fff3", 7433),
            _ws353("combined.tab",
                   "1edf400ed472e796b3be562cf7970b10d749a07874a96ddc77e75fd1006b446c", 7433),
            _ws353("set1.csv",
                   "25043375bc1f9fdb194094bf4a75ad25a53af1b6870036ab27787ce4769d5923", 7667),
            _ws353("set1.tab",
                   "e7ecd8858b9d1585faebb55b135ce4f354deb4130e5c519caa5fdaa1ed530067", 7683),
            _ws353("set2.csv",
                   "5cf1378b6bd48b1060457c158bbc7b6331eaabcd82e3099614997ac202f15de3", 11185),
            _ws353("set2.tab",
                   "e2656288a78dc0a4b29ab850630ff415d2dc63208e2d55986c08bdcd3246fb44", 11185),
            _ws353("instructions.txt",
                   "276722cafef27972548bc068af11a60523ce55c07660b3aee4dbe428755551d9", 1908),
        ),
        primary="combined.tab",
        citation=_WS353_CITE,
    ),
    Dataset(
        "simlex999",
        "SimLex-999 (genuine similarity, not relatedness): 999 pairs, "
        "word1<TAB>word2<TAB>score 0-10, no header.",
        _SIMLEX_LICENCE,
        f"{_FARUQUI[0]} @ {_FARUQUI[1]} : data/word-sim/EN-SIMLEX-999.txt",
        "word_similarity",
        (_faruqui("EN-SIMLEX-999.txt",
                  "405394ffb7d25f6d0e3c041f87c9f27d29dc6b047506769953e85c4523b11685", 18024),),
        primary="EN-SIMLEX-999.txt",
        citation=_SIMLEX_CITE,
    ),
    Dataset(
        "simlex999-original",
        "SimLex-999 as released (byte-identical to the official zip): tab-separated with a "
        "header, POS, concreteness, association and SD columns; CRLF. Plus its README.",
        _SIMLEX_LICENCE,
        f"{_SIMLEX[0]} @ {_SIMLEX[1]} : SimLex-999/",
        "word_similarity/simlex999_original",
        (
            DataFile("SimLex-999.txt",
                     "ca00ff8515a36cde32d13c2b83def23f5a167b67db93ebfcfb7dae039ba22c0b", 44050,
                     _raw(*_SIMLEX, "SimLex-999/SimLex-999.txt")),
            DataFile("README.txt",
                     "9a5137f54986b4ef42099225885f086da60a55f387db01e661c3a59679be9131", 2766,
                     _raw(*_SIMLEX, "SimLex-999/README.txt")),
        ),
        primary="SimLex-999.txt",
        citation=_SIMLEX_CITE,
    ),
    Dataset(
        "text8-prefix",
        "The first 12,549,837 bytes (12.5 %) of Matt Mahoney's text8 (cleaned English "
        "Wikipedia, 2006): one line of a-z and spaces, 2,139,748 tokens, 80,982 distinct "
        "words; gzip. NOT the full text8 - recovered from a truncated upload, so mirror only.",
        "CC BY-SA / GFDL (English Wikipedia text)",
        "Sam-Jain/Training-domain-specific-word-embeddings @ "
        "8dcc42d3aec40b38cc79dafb311a8f9e288f4833 : text8.zip (truncated; decompressed as far "
        "as it goes, cut at the last space, gzip -9 -n)",
        "text8",
        (DataFile("text8_prefix.gz",
                  "c429913c6c361a2f8475bb4d3398fa7b45d99b74f62ccf7fe3dfc308acbd692c", 4188519),),
        primary="text8_prefix.gz",
    ),
    Dataset(
        "en-wiki-2015",
        "English Wikipedia 2015 article text (WikiExtractor output, cleaned): 719,707 "
        "paragraph lines, 39M whitespace tokens, cased, untokenised; gzip. Built for the "
        "mirror, so mirror only.",
        "CC BY-SA 3.0 / GFDL (English Wikipedia text)",
        "jason-feng/wikiVisual @ 1c0fac92f29f17c1603bfffbe864e0dfdff66897 : text/AA/wiki_00 "
        "... text/AC/wiki_40 (cleaned, see the mirror's SOURCE.md)",
        "en_corpus",
        (DataFile("enwiki2015_paragraphs.txt.gz",
                  "67329e82b4743b23f3ad436aae050fd33b1ca536e774cc9c70f522ff0cedbefd",
                  89716741),),
        primary="enwiki2015_paragraphs.txt.gz",
    ),
    Dataset(
        "zh-novels",
        "The Four Great Classical Novels (三国演义, 水浒传, 红楼梦, 西游记), unsegmented UTF-8, "
        "CRLF, 3.05M characters; each file re-compressed with gzip -9 -n, so mirror only.",
        "public domain texts (edition provenance not stated upstream; no licence file)",
        "tennessine/corpus @ c5ce96aca36c6a3cb4da5f0ff7d2d5fa30c32aea (the .txt originals)",
        "zh_corpus",
        (
            DataFile("sanguo_yanyi.txt.gz",
                     "b65e2811c7c8790a63a4d6ab3e14e19efe4c20b2147ec158ff33ed6db62e5874", 788841),
            DataFile("shuihu_zhuan.txt.gz",
                     "4394ec32bf6ac842f5deb9259af11db84be2b36fc743fefdf479ca5e28190c71", 1064944),
            DataFile("hongloumeng.txt.gz",
                     "9f08b64198073736d6fd6f13ef24a4dd663216bde6cac0964fe1dbb8ea5f045d", 1066515),
            DataFile("xiyou_ji.txt.gz",
                     "09ce258c5867f8d42d1d05fe08eb09d859e48d9f4d8cf91a8c5eb0cbcc6b207d", 911663),
        ),
    ),
    Dataset(
        "sighan2005",
        "SIGHAN 2005 bakeoff gold test sets, word-segmented modern Chinese news (PKU 104k and "
        "MSR 107k tokens): UTF-8, CRLF, words separated by two spaces.",
        "free for research use; cite Emerson 2005",
        f"{_SIGHAN[0]} @ {_SIGHAN[1]} : data/",
        "zh_corpus/sighan2005",
        (
            DataFile("pku_test_gold.utf8",
                     "913f78b20b17ea1e154f6246644d7d624b2710641f109a15daee9d63c9fb88d4", 718331,
                     _raw(*_SIGHAN, "data/pku_test_gold.utf8")),
            DataFile("msr_test_gold.utf8",
                     "cd1a8473841f1b2fcddd14d12599ad8872e6167feb64807af5bac2f6a32cb75d", 766786,
                     _raw(*_SIGHAN, "data/msr_test_gold.utf8")),
        ),
        citation="Emerson, The Second International Chinese Word Segmentation Bakeoff, 2005",
    ),
    Dataset(
        "stsb",
        "STS Benchmark: English sentence pairs scored 0-5 (train 5,749 / dev 1,500 / test "
        "1,379); TAB-separated despite '.csv', no header, 7 fields (some lines 9), read with "
        "quoting off.",
        "scores CC BY-SA 4.0; sentences under their sources' licences (see LICENSE.txt)",
        f"{_STSB[0]} @ {_STSB[1]} : stsbenchmark/ (the official Stsbenchmark.tar.gz)",
        "stsb",
        tuple(
            DataFile(name, sha, size, _raw(*_STSB, f"stsbenchmark/{name}"))
            for name, sha, size in (
                ("sts-train.csv",
                 "fbe68f39a712ff9e80d48906d62547bde42a8154a37dfb5ad78002f29a810fb3", 901176),
                ("sts-dev.csv",
                 "5d7e944d8b02734b07bfdb5df67db3420c64bed153fcaa1ba47ad03480cf4234", 255680),
                ("sts-test.csv",
                 "affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a", 282419),
                ("LICENSE.txt",
                 "3dfc3217395f8c5dd05c5f8995f25fe2f8fd258e6dd770b3de480749caee8c70", 6641),
                ("readme.txt",
                 "e9488363d211c32ca5e912954f16eb9233cfed1b5b4b0475d0d812d35d7c8ef1", 5994),
            )
        ),
        citation="Cer et al., SemEval-2017 Task 1: Semantic Textual Similarity, 2017",
    ),
)

#: Every dataset by name.
DATASETS: Mapping[str, Dataset] = {d.name: d for d in _ALL}


# ---------------------------------------------------------------------------------- lookup
def list() -> builtins.list[str]:  # shadows the builtin on purpose: datasets.list()
    """Names of all registered datasets, sorted."""
    return sorted(DATASETS)


def info(name: str) -> Dataset:
    """The :class:`Dataset` called ``name``.

    Raises
    ------
    DatasetError
        If there is no such dataset (the message suggests close names).
    """
    if isinstance(name, str) and name in DATASETS:
        return DATASETS[name]
    close = difflib.get_close_matches(str(name), builtins.list(DATASETS), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise DatasetError(f"unknown dataset {name!r}{hint} Known: {', '.join(sorted(DATASETS))}")


def mirror_dirs() -> builtins.list[Path]:
    """The mirror roots named by ``$EVERYVEC_DATA``, in order (empty entries ignored)."""
    value = os.environ.get(DATA_ENV, "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


def cache_dir() -> Path:
    """Where downloaded data lives: ``$EVERYVEC_CACHE/data`` or ``~/.cache/everyvec/data``."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "everyvec"
    return base / "data"


# Verified (path, size, mtime_ns) → sha256, so repeated look-ups hash each file once.
_verified: dict[tuple[str, int, int], str] = {}


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(file: str | os.PathLike[str], expected: DataFile) -> None:
    """Check size and SHA-256 of ``file`` against ``expected``.

    Raises
    ------
    DatasetError
        Naming the file, what was expected and what was found.
    """
    file = Path(file)
    stat = file.stat()
    if stat.st_size != expected.size:
        raise DatasetError(
            f"{file}: {stat.st_size:,} bytes, expected {expected.size:,} "
            f"(sha256 {expected.sha256}); the file is truncated or a different version"
        )
    key = (str(file.resolve()), stat.st_size, stat.st_mtime_ns)
    actual = _verified.get(key) or _sha256(file)
    if actual != expected.sha256:
        raise DatasetError(
            f"{file}: sha256 {actual}, expected {expected.sha256}; the file is corrupt or a "
            "different version (delete it, or fix the mirror)"
        )
    _verified[key] = actual


def _should_verify(item: DataFile, verify: bool | None) -> bool:
    if verify is None:
        return item.size <= CHEAP_VERIFY_BYTES
    return bool(verify)


def _find(dataset: Dataset, wanted: builtins.list[DataFile], verify: bool | None,
          download: bool) -> Path | None:
    """The first root (mirrors, then cache) whose dataset folder holds every wanted file.

    A damaged file in a mirror is an error (the mirror needs fixing); a damaged file in the
    cache is an error too unless ``download`` is set, in which case it is fetched again.
    """
    cache = cache_dir()
    for root in [*mirror_dirs(), cache]:
        folder = root / dataset.folder
        if all((folder / item.name).is_file() for item in wanted):
            try:
                for item in wanted:
                    if _should_verify(item, verify):
                        verify_file(folder / item.name, item)
            except DatasetError:
                if root == cache and download:
                    return None
                raise
            return folder
    return None


def _download(item: DataFile, target: Path, progress: bool | None) -> None:
    """Fetch ``item.url`` to ``target`` through a temporary file, checking size and hash."""
    assert item.url is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                    dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out, contextlib.closing(
                _urlopen(item.url, timeout=_TIMEOUT)) as response:
            bar = _bar(item, progress)
            with bar if bar is not None else contextlib.nullcontext():
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if bar is not None:
                        bar.update(bar.task_ids[0], advance=len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if size != item.size or digest.hexdigest() != item.sha256:
            raise DatasetError(
                f"download of {item.url} gave {size:,} bytes with sha256 {digest.hexdigest()}, "
                f"expected {item.size:,} bytes with sha256 {item.sha256}; nothing was saved"
            )
        os.replace(tmp, target)
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise DatasetError(f"could not download {item.url}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _bar(item: DataFile, progress: bool | None) -> Any:
    if not progress_enabled(progress):
        return None
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    bar = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                   transient=True)
    bar.add_task(f"download {item.name}", total=item.size)
    return bar


def _not_found(dataset: Dataset, wanted: builtins.list[DataFile], download: bool) -> str:
    looked = [str(root / dataset.folder) for root in mirror_dirs()]
    looked.append(f"{cache_dir() / dataset.folder} (cache)")
    names = ", ".join(item.name for item in wanted)
    message = (f"dataset {dataset.name!r} ({names}) not found; looked in: {'; '.join(looked)}. "
               f"Set {DATA_ENV} to a data mirror holding {dataset.folder}/ "
               f"(several separated by {os.pathsep!r})")
    if any(item.url is None for item in wanted):
        message += (f". {dataset.name!r} is mirror only: it cannot be downloaded, only found "
                    "in a mirror")
    elif not download:
        message += f", or pass download=True to fetch it into {cache_dir()} (or set {CACHE_ENV})"
    return message


def files(name: str, *, download: bool = False, verify: bool | None = None,
          progress: bool | None = None) -> dict[str, Path]:
    """Local paths of all files of dataset ``name`` (one folder holds them all).

    Parameters and errors as for :func:`path`.
    """
    dataset = info(name)
    folder = _locate(dataset, builtins.list(dataset.files), download, verify, progress)
    return {item.name: folder / item.name for item in dataset.files}


def path(name: str, file: str | None = None, *, download: bool = False,
         verify: bool | None = None, progress: bool | None = None) -> Path:
    """Local path of a dataset: its primary file, the file named ``file``, or its folder.

    Parameters
    ----------
    name
        A registered name (see :func:`list`).
    file
        One of the dataset's file names; default its primary file, or — for datasets without
        one (``"stsb"``, ``"zh-novels"``, ``"sighan2005"``) — the folder holding all files.
    download
        When neither a mirror (``$EVERYVEC_DATA``) nor the cache has the files, download them
        into the cache. Off by default: nothing touches the network unless asked.
    verify
        Check the SHA-256 of files found locally: ``None`` (default) checks only files up to
        8 MiB (cheap), ``True`` every file, ``False`` none. Downloads are always checked.
    progress
        Progress bar for downloads (``None``: when stderr is a terminal).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DatasetError
        Unknown name or file; the files are nowhere local and ``download`` is False or they are
        mirror only (the message lists where it looked and the variable to set); a download
        failed; or a checksum does not match.
    """
    dataset = info(name)
    chosen = file if file is not None else dataset.primary
    if chosen is None:
        return _locate(dataset, builtins.list(dataset.files), download, verify, progress)
    item = dataset.file(chosen)
    return _locate(dataset, [item], download, verify, progress) / item.name


def _locate(dataset: Dataset, wanted: builtins.list[DataFile], download: bool,
            verify: bool | None, progress: bool | None) -> Path:
    found = _find(dataset, wanted, verify, download)
    if found is not None:
        return found
    if not download or any(item.url is None for item in wanted):
        raise DatasetError(_not_found(dataset, wanted, download))
    folder = cache_dir() / dataset.folder
    for item in wanted:
        target = folder / item.name
        if target.is_file():
            try:
                verify_file(target, item)
                continue
            except DatasetError:
                target.unlink()  # a stale or damaged cache entry: fetch it again
        _download(item, target, progress)
    return folder

