"""Which torch device and attention implementation a run gets."""

from __future__ import annotations

import importlib.util

from secretscan.errors import ConfigError


def available_devices() -> dict[str, bool]:
    import torch

    return {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}


def resolve_device(requested: str, available: dict[str, bool] | None = None) -> str:
    """`auto` picks cuda, then mps, then cpu; a named device that isn't there is an error, not a silent fallback."""
    available = available_devices() if available is None else available
    if requested == "auto":
        return next(d for d in ("cuda", "mps", "cpu") if available.get(d))
    if not available.get(requested):
        raise ConfigError(f"runtime.device is {requested} but torch sees no {requested} device; "
                          "run `secretscan-train doctor` for details")
    return requested


def flash_attention_installed() -> bool:
    return importlib.util.find_spec("flash_attn") is not None


def resolve_attention(requested: str, device: str) -> str:
    """`auto`: flash-attention 2 on CUDA when flash-attn is installed, else PyTorch SDPA."""
    if requested != "auto":
        return requested
    return "flash_attention_2" if device == "cuda" and flash_attention_installed() else "sdpa"


def torch_dtype_name(precision: str) -> str:
    return {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}[precision]
