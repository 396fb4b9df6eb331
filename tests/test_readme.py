"""The README's self-contained library tour runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_first_tour_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = python_blocks()
    assert blocks, "README has no python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert (tmp_path / "toy" / "manifest.json").exists()
    assert (tmp_path / "toy.bin").exists()


def test_data_blocks_run_on_the_mirror(shared_data: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The corpus/vocabulary/training block and the evaluation block, on the real mirror."""
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    monkeypatch.chdir(tmp_path)
    corpus_block, evaluation_block = python_blocks()[1:3]
    namespace: dict[str, object] = {}
    exec(compile(corpus_block, "README.md", "exec"), namespace)  # noqa: S102
    exec(compile(evaluation_block, "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["tokenize"]("The cat sat on the mat, didn't it?") == ["cat", "sat", "mat"]
    result = namespace["result"]
    assert result.total.correct > 0 and 0 < result.accuracy < 1


def test_training_block_runs_on_the_mirror(shared_data: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The Word2Vec block: train, query, checkpoint, continue on new words."""
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(python_blocks()[3], "README.md", "exec"), namespace)  # noqa: S102
    model = namespace["model"]
    assert "brand" in model.vectors and len(model.report_.epochs) == 10
    assert (tmp_path / "w2v-checkpoint" / "checkpoint.json").is_file()
    from everyvec import datasets, evaluate

    # ~0.08 on this 2.1M-token prefix (gensim scores the same); chance is ~0
    score = evaluate.analogies(model.vectors, datasets.path("questions-words"),
                               restrict_vocab=30_000)
    assert score.accuracy > 0.04


def test_search_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    """The "Search and serve" block: an index, Vectors.most_similar(index=), a collection."""
    pytest.importorskip("faiss")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(python_blocks()[4], "README.md", "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("[('item0', ")
    # The filtered neighbours of item0 come from its own cluster (rows i with i % 50 == 0).
    filtered = [key for key in printed[2].split("'") if key.startswith("item")]
    assert filtered and all(int(key[4:]) % 50 == 0 and int(key[4:]) % 3 for key in filtered)
    assert (tmp_path / "items" / "manifest.json").exists()
    assert "new-item" in namespace["items"].keys  # type: ignore[attr-defined]


def test_items_and_graphs_block_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The item2vec / recommenders / node2vec tour runs on its own generated data."""
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(python_blocks()[5], "README.md", "exec"), namespace)  # noqa: S102
    recs = namespace["recommender"].recommend(["g1_2", "g1_5"], k=5)
    assert sum(item.startswith("g1_") for item, _ in recs) >= 4
    result = namespace["node_classification"](namespace["nodes"].vectors, namespace["labels"],
                                              train_fractions=(0.5,))
    assert result.at(0.5).micro_f1 > 0.8


def test_embedding_bridge_block_runs(one_torch_thread, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    """One-hot × weight, padding, packing, length buckets, and back to Vectors."""
    namespace: dict[str, object] = {}
    exec(compile(python_blocks()[6], "README.md", "exec"), namespace)  # noqa: S102
    assert capsys.readouterr().out.splitlines()[0] == "[[0, 1, 2], [1, 3, 3]] [3, 1]"
    assert namespace["batches"].padding_share(None) > 0  # type: ignore[attr-defined]


def test_entity_embedding_block_runs_on_the_mirror(
        one_torch_thread, shared_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pandas")
    monkeypatch.setenv("EVERYVEC_DATA", str(shared_data))
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks()[7], "README.md", "exec"), {})  # noqa: S102
    accuracy = float(capsys.readouterr().out.split()[2])
    assert accuracy > 0.83  # the majority class alone scores 0.76


def test_ctr_block_runs(one_torch_thread, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pandas")
    exec(compile(python_blocks()[8], "README.md", "exec"), {})  # noqa: S102
    words = capsys.readouterr().out.split()
    logistic, deepfm = float(words[2]), float(words[4])
    assert deepfm > logistic + 0.05


def test_text_classifier_block_runs(one_torch_thread, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks()[9], "README.md", "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "['pos' 'neg']" and lines[-1] == "['pos']"
    w2v_cosine, task_cosine = map(float, lines[1].split())
    assert w2v_cosine > 0.9 and task_cosine < 0.5
    accuracy, tuned_cosine = map(float, lines[2].split())
    assert accuracy > 0.95 and tuned_cosine < 0.5  # fine-tuning pulled them apart


def test_encoder_block_runs(one_torch_thread, cache_env, minilm, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    """Encoder: sentence vectors, a collection searched by text, word vectors, int8."""
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks()[10], "README.md", "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "(4, 384)"
    assert lines[1].startswith("[('A man is playing a guitar.', ")
    assert float(lines[2]) < 0.95  # "bank" differs with its context
    assert float(lines[3].strip("[]")) > 0.97  # int8 stays close to the reference


def test_fine_tune_block_runs(one_torch_thread, cache_env, minilm, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(python_blocks()[11], "README.md", "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == "4"
    assert float(lines[-1]) > 0.9
    assert (tmp_path / "minilm-tuned" / "model.safetensors").is_file()


def test_language_model_block_runs(one_torch_thread, capsys: pytest.CaptureFixture[str]
                                   ) -> None:
    """RNN LM (perplexity, next words, sentence vectors) and the ELMo-style biLM."""
    exec(compile(python_blocks()[12], "README.md", "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert float(lines[0]) < 7  # the planted minimum is about 5
    assert {word for word, _ in eval_free_pairs(lines[1])} <= {"robot", "laptop", "phone",
                                                               "server"}
    assert lines[2] == "(2, 16)"
    assert lines[3].startswith("(6, 3, 32)")
    assert lines[4] == "money"


def eval_free_pairs(text: str) -> list[tuple[str, float]]:
    """``[('server', 0.27), ...]`` parsed without eval."""
    return [(word, float(prob)) for word, prob in
            re.findall(r"\('([^']*)', ([0-9.e-]+)\)", text)]


def test_scaling_out_block_runs(one_torch_thread, capsys: pytest.CaptureFixture[str]) -> None:
    """The PyTorch trainer on CPU."""
    exec(compile(python_blocks()[13], "README.md", "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "24000"
    assert float(lines[1]) >= 0.75  # chance is about 1/40
