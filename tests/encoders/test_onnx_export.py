"""ONNX export: cached by fingerprint, written atomically, fused, quantized."""

from __future__ import annotations

import pytest

from everyvec.encoders.onnx_export import export_onnx, onnx_cache_dir, onnx_inputs


def test_exports_are_cached_and_fused(minilm, minilm_encoders, onnx_cache):
    onnx = pytest.importorskip("onnx")
    fused = export_onnx(minilm, cache_dir=onnx_cache)  # made by the session's encoders
    assert fused.name == "model-opt.onnx" and fused == minilm_encoders["onnx"].backend.path
    stamp = fused.stat().st_mtime_ns
    assert export_onnx(minilm, cache_dir=onnx_cache).stat().st_mtime_ns == stamp
    operators = {node.op_type for node in onnx.load(str(fused), load_external_data=False)
                 .graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= operators
    quantized = export_onnx(minilm, quantize="int8", cache_dir=onnx_cache)
    assert quantized.name == "model-opt-int8.onnx"
    assert quantized.stat().st_size < fused.stat().st_size / 2
    # Every file was renamed into place: no temporary file is left.
    assert not [p for p in fused.parent.iterdir() if p.name.startswith(".")]


def test_plain_export_without_fusion(minilm, onnx_cache):
    plain = export_onnx(minilm, optimize=False, cache_dir=onnx_cache)
    assert plain.name == "model.onnx"


def test_inputs_and_cache_location(minilm, monkeypatch, tmp_path):
    assert onnx_inputs(minilm) == ["input_ids", "attention_mask", "token_type_ids"]
    monkeypatch.setenv("EVERYVEC_CACHE", str(tmp_path))
    assert onnx_cache_dir() == tmp_path / "onnx"
    with pytest.raises(ValueError, match="'quantize'"):
        export_onnx(minilm, quantize="fp16", cache_dir=tmp_path)
