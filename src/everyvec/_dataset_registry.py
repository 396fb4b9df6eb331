"""The dataset registry: every named public dataset, its files, checksums, URLs and licence.

Pure data plus the two record types; finding and fetching the files is
:mod:`everyvec.datasets`' job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from everyvec.errors import DatasetError

__all__ = ["DATASETS", "DataFile", "Dataset"]

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
_ADULT = ("tmcombi/tmcombi", "9a82e64c1d2c320ac9c04df72e4b2a1391d39511")

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
    Dataset(
        "adult",
        "UCI Adult / Census Income (1994 census extract): the official split, adult.data "
        "(train, 32,561 rows) and adult.test (test, 16,281 rows); ', '-separated, no header, "
        "14 features + income label, '?' marks missing values; adult.test starts with a junk "
        "line and its labels end in '.'. Read with everyvec.data.load_adult.",
        "CC BY 4.0 (UCI Machine Learning Repository); the mirror repository is MIT",
        f"{_ADULT[0]} @ {_ADULT[1]} : data/adult/ (byte sizes equal the UCI originals at "
        "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/)",
        "adult",
        tuple(
            DataFile(name, sha, size, _raw(*_ADULT, f"data/adult/{name}"))
            for name, sha, size in (
                ("adult.data",
                 "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d", 3974305),
                ("adult.test",
                 "ceb625d3b5aeddf1e04cd5eec3268e18af4140fbde5a853a11223deeebcfe0f5", 2003152),
                ("adult.names",
                 "9e2f1a9198be5ae66b47b11a2e5ea5487f110f7644f9f5b07b01281af62ffb39", 5239),
            )
        ),
        citation="Kohavi, Scaling Up the Accuracy of Naive-Bayes Classifiers: a Decision-Tree "
                 "Hybrid, KDD 1996",
    ),
)

#: Every dataset by name.
DATASETS: Mapping[str, Dataset] = {d.name: d for d in _ALL}
