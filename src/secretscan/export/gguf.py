"""Merged Hugging Face folder -> GGUF with llama.cpp's own converter (f16 or q8_0)."""

from __future__ import annotations

from pathlib import Path

from secretscan.errors import ModelError
from secretscan.export.converter import HF_CONVERTER, run_converter

GGUF_OUTTYPES = ("f16", "q8_0")


def convert_to_gguf(model_dir: Path, out_file: Path, outtype: str = "f16") -> Path:
    """Convert a Hugging Face model folder (config.json + safetensors + tokenizer) to one GGUF file."""
    if outtype not in GGUF_OUTTYPES:
        raise ModelError(f"GGUF output type must be one of {', '.join(GGUF_OUTTYPES)}, not {outtype!r}")
    if not (model_dir / "config.json").is_file():
        raise ModelError(f"{model_dir} is not a Hugging Face model folder (no config.json)")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    run_converter(HF_CONVERTER, [str(model_dir), "--outfile", str(out_file), "--outtype", outtype])
    if not out_file.is_file():
        raise ModelError(f"{HF_CONVERTER} reported success but wrote no {out_file}")
    return out_file
