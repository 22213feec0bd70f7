"""`secretscan.inference.merge.build_merged_model`: the torch-free merge of a GGUF LoRA into its base GGUF."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gguf
import numpy as np
import pytest
from export_samples import labelled_candidates, write_lora

from secretscan.errors import ModelError
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.merge import build_merged_model
from secretscan.inference.models import file_sha256, find_merged_model, merged_model_name
from secretscan.scanner.prompt import build_prompt


@pytest.fixture(scope="module")
def steering_lora(smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lora(smollm2_gguf, tmp_path_factory.mktemp("lora") / "judge-lora.gguf")


@pytest.fixture(scope="module")
def merged_embedded(smollm2_gguf: Path, steering_lora: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_merged_model(smollm2_gguf, steering_lora, tmp_path_factory.mktemp("models"))


def _tensors(path: Path) -> dict[str, np.ndarray]:
    return {t.name: gguf.quants.dequantize(t.data, t.tensor_type) for t in gguf.GGUFReader(path).tensors}


def test_merged_model_judges_like_base_plus_runtime_lora(
    smollm2_gguf: Path, steering_lora: Path, merged_embedded: Path
) -> None:
    prompts = [build_prompt(candidate) for candidate, _ in labelled_candidates()]
    base = LlamaCppJudge(smollm2_gguf).score(prompts)
    runtime = LlamaCppJudge(smollm2_gguf, steering_lora).score(prompts)
    merged = LlamaCppJudge(merged_embedded).score(prompts)
    verdicts = [p >= 0.5 for p in runtime]
    assert [p >= 0.5 for p in merged] == verdicts
    assert max(abs(a - b) for a, b in zip(merged, runtime, strict=True)) < 0.02
    # The adapter matters: it changes most verdicts, so agreeing with it is not agreeing with the base.
    changed = sum(1 for p, v in zip(base, verdicts, strict=True) if (p >= 0.5) != v)
    assert changed >= len(prompts) // 2


def test_merged_file_keeps_metadata_and_untouched_tensors(
    smollm2_gguf: Path, steering_lora: Path, merged_embedded: Path
) -> None:
    assert merged_embedded.name == merged_model_name(file_sha256(smollm2_gguf), file_sha256(steering_lora))
    base, merged = gguf.GGUFReader(smollm2_gguf), gguf.GGUFReader(merged_embedded)
    for key, field in base.fields.items():
        if key.startswith("GGUF.") or key == "general.file_type":
            continue
        assert merged.fields[key].contents() == field.contents(), key
    assert merged.fields["general.file_type"].contents() == gguf.LlamaFileType.MOSTLY_F16
    merged_types = {t.name: t.tensor_type for t in merged.tensors}
    base_tensors = {t.name: t for t in base.tensors}
    assert list(merged_types) == list(base_tensors)
    assert base_tensors["blk.29.ffn_down.weight"].tensor_type == gguf.GGMLQuantizationType.Q4_1
    assert merged_types["blk.29.ffn_down.weight"] == gguf.GGMLQuantizationType.F16
    untouched = next(t for t in merged.tensors if t.name == "blk.0.ffn_down.weight")
    assert untouched.tensor_type == gguf.GGMLQuantizationType.Q4_1
    assert bytes(untouched.data) == bytes(base_tensors["blk.0.ffn_down.weight"].data)


def test_numpy_merge_matches_peft_merge_and_llama_cpp_converter(tiny_export: Path, tmp_path: Path) -> None:
    """Two independent roads to the same weights: peft's merge_and_unload + convert_hf_to_gguf.py, and base GGUF +
    convert_lora_to_gguf.py + our numpy merge. They meet within f16 rounding, q/k row permutation included."""
    ours = _tensors(build_merged_model(tiny_export / "base-f16.gguf", tiny_export / "judge-lora.gguf", tmp_path))
    theirs = _tensors(tiny_export / "judge-f16.gguf")
    base = _tensors(tiny_export / "base-f16.gguf")
    assert set(ours) == set(theirs)
    for name, weights in theirs.items():
        scale = float(np.abs(weights).max()) or 1.0
        assert np.abs(ours[name] - weights).max() <= 2 * scale * 2.0**-11, name
    adapted = [name for name in base if name.endswith(("attn_q.weight", "attn_k.weight", "ffn_down.weight"))]
    for name in adapted:
        assert np.abs(ours[name] - base[name]).max() > 50 * np.abs(ours[name]).max() * 2.0**-11, name


def test_q8_0_output_and_cache_reuse(tiny_export: Path, tmp_path: Path) -> None:
    base, lora = tiny_export / "base-f16.gguf", tiny_export / "judge-lora.gguf"
    q8 = build_merged_model(base, lora, tmp_path, outtype="q8_0")
    assert q8.name.endswith("-q8_0.gguf")
    types = {t.name: t.tensor_type for t in gguf.GGUFReader(q8).tensors}
    assert types["blk.0.ffn_up.weight"] == gguf.GGMLQuantizationType.Q8_0
    assert types["blk.0.attn_norm.weight"] == gguf.GGMLQuantizationType.F32
    prompts = [build_prompt(candidate) for candidate, _ in labelled_candidates()]
    runtime = LlamaCppJudge(base, lora).score(prompts)
    assert [p >= 0.5 for p in LlamaCppJudge(q8).score(prompts)] == [p >= 0.5 for p in runtime]

    stamp = q8.stat().st_mtime_ns
    assert build_merged_model(base, lora, tmp_path, outtype="q8_0") == q8
    assert q8.stat().st_mtime_ns == stamp
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".merging")]


def test_default_location_is_where_scans_look(tiny_export: Path, empty_cache: Path) -> None:
    base, lora = tiny_export / "base-f16.gguf", tiny_export / "judge-lora.gguf"
    built = build_merged_model(base, lora)
    assert built.parent == empty_cache / "models"
    assert find_merged_model(base, lora) == built


def _tiny_gguf(path: Path, *, general_type: str | None = None, rows: int = 64, lora_for: str | None = None) -> Path:
    """A small llama GGUF (no vocabulary: the merge never needs one), or a LoRA for one."""
    rng = np.random.default_rng(1)
    writer = gguf.GGUFWriter(path, "llama")
    if general_type:
        writer.add_type(general_type)
        writer.add_string("adapter.type", "lora")
        writer.add_float32("adapter.lora.alpha", 8.0)
    if lora_for is None:
        writer.add_tensor("blk.0.attn_q.weight", rng.standard_normal((rows, 64)).astype(np.float16))
        writer.add_tensor("blk.0.attn_norm.weight", np.ones(64, np.float32))
    else:
        writer.add_tensor(f"{lora_for}.lora_a", rng.standard_normal((4, 64)).astype(np.float32))
        writer.add_tensor(f"{lora_for}.lora_b", rng.standard_normal((rows, 4)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.mark.parametrize(
    ("adapter_kwargs", "message"),
    [
        ({}, "is not a GGUF LoRA adapter"),
        ({"general_type": "adapter", "lora_for": "blk.7.attn_q.weight"}, "base model has no tensor 'blk.7.attn_q"),
        ({"general_type": "adapter", "lora_for": "blk.0.attn_q.weight", "rows": 32}, "adapter for another base model"),
        ({"general_type": "adapter", "lora_for": "token_embd.weight"}, "token embedding can't be merged"),
    ],
)
def test_adapters_that_cannot_be_merged_are_refused(
    tmp_path: Path, adapter_kwargs: dict[str, object], message: str
) -> None:
    base = _tiny_gguf(tmp_path / "base.gguf")
    adapter = _tiny_gguf(tmp_path / "adapter.gguf", **adapter_kwargs)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match=message):
        build_merged_model(base, adapter, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())


def test_missing_or_unreadable_inputs_are_model_errors(tmp_path: Path) -> None:
    base = _tiny_gguf(tmp_path / "base.gguf")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf at all")
    with pytest.raises(ModelError, match="LoRA adapter not found"):
        build_merged_model(base, tmp_path / "missing.gguf", tmp_path)
    with pytest.raises(ModelError, match="is not a readable GGUF file"):
        build_merged_model(base, junk, tmp_path / "out")
    with pytest.raises(ModelError, match="must be one of f16, q8_0"):
        build_merged_model(base, base, tmp_path, outtype="q4_1")
    adapter = _tiny_gguf(tmp_path / "adapter.gguf", general_type="adapter", lora_for="blk.0.attn_q.weight")
    with pytest.raises(ModelError, match="adapter.gguf is a LoRA adapter, not a base model"):
        build_merged_model(adapter, adapter, tmp_path / "out")


def test_merge_imports_no_torch(tmp_path: Path) -> None:
    base = _tiny_gguf(tmp_path / "base.gguf")
    adapter = _tiny_gguf(tmp_path / "adapter.gguf", general_type="adapter", lora_for="blk.0.attn_q.weight")
    code = (
        "import sys; from pathlib import Path; from secretscan.inference.merge import build_merged_model; "
        f"build_merged_model(Path({str(base)!r}), Path({str(adapter)!r}), Path({str(tmp_path / 'out')!r})); "
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'trl') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out").glob("merged-*.gguf"))) == 1
