"""A run's LoRA adapter alone -> GGUF LoRA, which llama.cpp (and Ollama's ADAPTER) apply to the base at load time.

llama.cpp applies `scale·B·A` with scale = alpha / rank. Adapters whose scale follows another rule (rsLoRA),
that also rescale the weight (DoRA) or that vary rank or alpha per layer would load without error and behave
differently, so they are refused here.
"""

from __future__ import annotations

import json
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.export.converter import LORA_CONVERTER, run_converter

LORA_OUTTYPES = ("f16", "f32")


def check_adapter_config(adapter_dir: Path) -> dict[str, object]:
    """The peft adapter_config.json, if llama.cpp can apply the adapter exactly as peft does."""
    path = adapter_dir / "adapter_config.json"
    try:
        config: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from None
    if config.get("peft_type") != "LORA":
        raise ModelError(f"{adapter_dir} is a {config.get('peft_type')} adapter, not LoRA")
    for flag, what in (("use_rslora", "rsLoRA scaling"), ("use_dora", "DoRA")):
        if config.get(flag):
            raise ModelError(f"{adapter_dir} uses {what}, which llama.cpp's LoRA loader does not implement")
    for pattern in ("rank_pattern", "alpha_pattern"):
        if config.get(pattern):
            raise ModelError(f"{adapter_dir} sets a per-layer {pattern}; llama.cpp needs one rank and alpha")
    return config


def convert_adapter(adapter_dir: Path, base_config_dir: Path, out_file: Path, outtype: str = "f16") -> Path:
    """Convert a peft LoRA folder to a GGUF LoRA. `base_config_dir` holds the base model's config.json."""
    if outtype not in LORA_OUTTYPES:
        raise ModelError(f"LoRA output type must be one of {', '.join(LORA_OUTTYPES)}, not {outtype!r}")
    check_adapter_config(adapter_dir)
    if not (base_config_dir / "config.json").is_file():
        raise ModelError(f"{base_config_dir} has no config.json of the base model")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    run_converter(
        LORA_CONVERTER,
        [str(adapter_dir), "--base", str(base_config_dir), "--outfile", str(out_file), "--outtype", outtype],
    )
    if not out_file.is_file():
        raise ModelError(f"{LORA_CONVERTER} reported success but wrote no {out_file}")
    return out_file
