"""Quantize a GGUF in process with llama.cpp's own quantizer (`llama_model_quantize`), no llama.cpp binaries."""

from __future__ import annotations

import ctypes
import os
from collections import deque
from pathlib import Path

from secretscan.errors import ModelError

# Names as llama.cpp's `llama-quantize` spells them -> llama_ftype values (llama.h). Q4_1 is missing on purpose:
# re-quantizing a fine-tune to the base's 4-bit type rounds the LoRA deltas away (measured), and K-quants keep
# more of them at the same size.
QUANT_TYPES = {
    "Q8_0": 7,
    "Q6_K": 18,
    "Q5_K_M": 17,
    "Q5_K_S": 16,
    "Q4_K_M": 15,
    "Q4_K_S": 14,
    "Q5_0": 8,
    "Q4_0": 2,
}
DEFAULT_QUANTS = ("Q4_K_M", "Q8_0")

# ggml_log_level: 3 is WARN (the quantizer warns about every fallback type), 4 is ERROR.
_LOG_LEVEL_ERROR = 4
_errors: deque[str] = deque(maxlen=4)


def _remember_errors(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    if level == _LOG_LEVEL_ERROR:
        line = text.decode("utf-8", "replace").strip()
        if line:
            _errors.append(line)


_log_callback = None


def _quiet_llama_logs() -> None:
    """Route llama.cpp's log lines (hundreds per quantization) to a buffer that keeps only errors."""
    global _log_callback
    import llama_cpp

    if _log_callback is None:
        _log_callback = llama_cpp.llama_log_callback(_remember_errors)
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def quant_type(name: str) -> str:
    """The canonical spelling of a quantization type name (case-insensitive), or a ModelError listing them."""
    canonical = name.strip().upper()
    if canonical not in QUANT_TYPES:
        raise ModelError(f"unknown quantization {name!r}; choose from {', '.join(QUANT_TYPES)}")
    return canonical


def quantize_gguf(source: Path, out_file: Path, qtype: str, threads: int | None = None) -> Path:
    """Write `source` (an f16/f32 GGUF) quantized to `qtype` as `out_file`."""
    import llama_cpp

    name = quant_type(qtype)
    if not source.is_file():
        raise ModelError(f"GGUF to quantize not found: {source}")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    _quiet_llama_logs()
    _errors.clear()
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = QUANT_TYPES[name]
    params.nthread = threads or os.cpu_count() or 1
    partial = out_file.with_name(out_file.name + ".partial")
    try:
        code = llama_cpp.llama_model_quantize(str(source).encode(), str(partial).encode(), ctypes.byref(params))
        if code != 0 or not partial.is_file():
            reason = _errors[-1] if _errors else f"llama_model_quantize returned {code}"
            raise ModelError(f"cannot quantize {source.name} to {name}: {reason}")
        os.replace(partial, out_file)
    finally:
        partial.unlink(missing_ok=True)
    return out_file
