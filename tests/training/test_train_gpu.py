"""GPU-only paths of the h100 profiles: QLoRA (bitsandbytes 4-bit NF4, double quantization), bf16 training and
flash-attention 2. They skip cleanly on a machine without CUDA (run them with `pytest -m gpu` on a GPU box)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trainkit import PROFILES, make_data, tiny_overrides

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
    pytest.mark.usefixtures("shared_cache"),
]


def _h100_run(tmp_path: Path, *extra: str) -> dict:
    from secretscan.training.config import load_config
    from secretscan.training.train import train

    train_file, val_file = make_data(tmp_path / "data")
    overrides = tiny_overrides(tmp_path / "run", train_file, val_file, **{
        "training.max_steps": 4, "training.batch_size": 4, "training.early_stopping_patience": "null",
        "runtime.dataloader_workers": 0,
    })
    result = train(load_config(PROFILES / "h100.yaml", [*overrides, *extra]), echo=False)
    assert result.steps == 4 and result.eval_loss is not None and result.eval_loss == result.eval_loss  # not NaN
    run: dict = json.loads((result.output_dir / "run.json").read_text(encoding="utf-8"))
    return run


def test_qlora_loads_the_base_in_4bit_nf4_with_double_quantization() -> None:
    bnb = pytest.importorskip("bitsandbytes")
    from secretscan.training.config import ModelSettings, QuantizationSettings
    from secretscan.training.model_loading import load_base_model

    model, _ = load_base_model(ModelSettings(kind="gguf"), dtype="bfloat16",
                               quantization=QuantizationSettings(load_in_4bit=True))
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert layers, "no 4-bit linear layers"
    state = layers[0].weight.quant_state
    assert state.quant_type == "nf4" and state.nested  # nested: the quantization constants are quantized too


def test_bf16_lora_training_on_the_gpu(tmp_path: Path) -> None:
    run = _h100_run(tmp_path)
    assert run["device"]["kind"] == "cuda" and run["device"]["precision"] == "bf16"


def test_qlora_training_on_the_gpu(tmp_path: Path) -> None:
    pytest.importorskip("bitsandbytes")
    run = _h100_run(tmp_path, "quantization.load_in_4bit=true")
    assert run["config"]["quantization"]["load_in_4bit"] is True


def test_flash_attention_2_is_used_when_installed() -> None:
    pytest.importorskip("flash_attn")
    from secretscan.training.config import ModelSettings
    from secretscan.training.device import resolve_attention
    from secretscan.training.model_loading import load_base_model

    attention = resolve_attention("auto", "cuda")
    assert attention == "flash_attention_2"
    model, _ = load_base_model(ModelSettings(kind="gguf"), dtype="bfloat16", attention=attention)
    assert model.config._attn_implementation == "flash_attention_2"
