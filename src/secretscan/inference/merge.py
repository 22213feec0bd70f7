"""Fold a GGUF LoRA adapter into its base GGUF with numpy and the `gguf` library: no torch, no llama.cpp build.

`secretscan model build` runs this once; the judge then loads one plain GGUF instead of applying the adapter at
every forward pass. The merge is exact up to the output type: an adapted tensor W becomes
dequantize(W) + scale·B·A (scale = alpha / rank, as llama.cpp applies it at run time), stored as f16 or Q8_0.
We never re-quantize an adapted tensor to the base's 4-bit type: fine-tuning deltas are smaller than a Q4_1
step and would round away. Tensors the adapter does not touch are copied byte for byte.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING

from secretscan.errors import ModelError
from secretscan.inference.held_files import held_temp_file, remove_abandoned
from secretscan.inference.models import MERGED_OUTTYPES, file_sha256, merged_model_name, merged_models_dir

if TYPE_CHECKING:
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFReader, ReaderTensor

_TEMP_PREFIX, _TEMP_SUFFIX = ".merging-", ".gguf"
LORA_A_SUFFIX = ".lora_a"
LORA_B_SUFFIX = ".lora_b"


@dataclass(frozen=True)
class LoraPair:
    """One adapted weight: lora_a is (rank, in), lora_b is (out, rank) in numpy order, as llama.cpp stores them."""

    a: ReaderTensor
    b: ReaderTensor


def build_merged_model(base: Path, adapter: Path, out_dir: Path | None = None, outtype: str = "f16") -> Path:
    """The merged GGUF for (base, adapter), built once and kept in `out_dir` (default: the user cache).

    The file name is keyed by the sha256 of both inputs, so a new base or adapter builds a new file and an
    existing one is reused. The file appears atomically: a crash or a concurrent build never leaves a partial
    model under the final name, and the temp file of a build that was killed is removed by the next one.
    """
    if outtype not in MERGED_OUTTYPES:
        raise ModelError(f"merged model type must be one of {', '.join(MERGED_OUTTYPES)}, not {outtype!r}")
    for label, path in (("base model", base), ("LoRA adapter", adapter)):
        if not path.is_file():
            raise ModelError(f"{label} not found: {path}")
    out_dir = out_dir if out_dir is not None else merged_models_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / merged_model_name(file_sha256(base), file_sha256(adapter), outtype)
    if target.is_file():
        return target
    # What a merge killed halfway left (a partial model, up to the merged size); a running merge's file is held.
    remove_abandoned(out_dir, f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}")
    with held_temp_file(out_dir, _TEMP_PREFIX, _TEMP_SUFFIX) as temporary:
        merge_lora_into_gguf(base, adapter, temporary, outtype)
        # mkstemp makes the file private; the merged model is no more secret than the base it came from.
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    return target


def _open_gguf(path: Path, label: str) -> GGUFReader:
    from gguf import GGUFReader

    try:
        return GGUFReader(path)
    except (ValueError, OSError, KeyError, IndexError) as exc:
        raise ModelError(f"{label} {path} is not a readable GGUF file: {exc}") from None


def _string_field(reader: GGUFReader, key: str) -> str | None:
    field = reader.get_field(key)
    if field is None:
        return None
    value = field.contents()
    return value if isinstance(value, str) else None


def read_lora_pairs(adapter: GGUFReader, adapter_path: Path) -> tuple[dict[str, LoraPair], float]:
    """The adapter's (A, B) pairs by base tensor name, and its alpha. Rejects what we can't merge faithfully."""
    if _string_field(adapter, "general.type") != "adapter" or _string_field(adapter, "adapter.type") != "lora":
        raise ModelError(f"{adapter_path} is not a GGUF LoRA adapter (general.type/adapter.type)")
    alpha_field = adapter.get_field("adapter.lora.alpha")
    alpha = float(alpha_field.contents()) if alpha_field is not None else 0.0
    halves: dict[str, dict[str, ReaderTensor]] = {}
    for tensor in adapter.tensors:
        for suffix in (LORA_A_SUFFIX, LORA_B_SUFFIX):
            if tensor.name.endswith(suffix):
                halves.setdefault(tensor.name[: -len(suffix)], {})[suffix] = tensor
                break
        else:
            # llama.cpp silently skips adapted norm vectors; a merge that skipped them would hide the difference.
            raise ModelError(f"{adapter_path}: unsupported LoRA tensor {tensor.name!r}")
    pairs: dict[str, LoraPair] = {}
    for name, half in halves.items():
        if set(half) != {LORA_A_SUFFIX, LORA_B_SUFFIX}:
            raise ModelError(f"{adapter_path}: LoRA tensor {name!r} lacks its A or B half")
        if name.endswith("token_embd.weight"):
            # llama.cpp applies an embedding LoRA to the lookup only, not to a tied output projection,
            # so no single merged matrix behaves like base + runtime adapter.
            raise ModelError(f"{adapter_path}: adapters on the token embedding can't be merged; apply them at run time")
        pairs[name] = LoraPair(a=half[LORA_A_SUFFIX], b=half[LORA_B_SUFFIX])
    if not pairs:
        raise ModelError(f"{adapter_path}: the adapter has no LoRA tensors")
    return pairs, alpha


def _dequantized(tensor: ReaderTensor) -> np.ndarray:
    import numpy as np
    from gguf.quants import dequantize

    # A plain ndarray view of the memory map: dequantize slices it thousands of times, and every slice of an
    # np.memmap pays for the subclass (about a third of the merge time).
    return dequantize(np.asarray(tensor.data), tensor.tensor_type).astype(np.float32, copy=False)


def lora_delta(pair: LoraPair, alpha: float) -> np.ndarray:
    """scale·B·A in numpy order (out, in); scale = alpha / rank, or 1 when alpha is unset (llama.cpp's rule)."""
    a = _dequantized(pair.a)
    b = _dequantized(pair.b)
    rank = a.shape[0]
    scale = alpha / rank if alpha else 1.0
    # Scale the small factor, not the full-size product.
    return (b * scale) @ a


def _merged_type(outtype: str, shape: tuple[int, ...]) -> GGMLQuantizationType:
    """The GGML type of a merged tensor: f16, or Q8_0 when its rows split into whole Q8_0 blocks."""
    from gguf import GGMLQuantizationType
    from gguf.constants import GGML_QUANT_SIZES

    block, _ = GGML_QUANT_SIZES[GGMLQuantizationType.Q8_0]
    if outtype == "q8_0" and shape[-1] % block == 0:
        return GGMLQuantizationType.Q8_0
    return GGMLQuantizationType.F16


def _merged_weight(tensor: ReaderTensor, pair: LoraPair, alpha: float, outtype: str, adapter_path: Path) -> np.ndarray:
    from gguf.quants import quantize

    weight = _dequantized(tensor)
    delta = lora_delta(pair, alpha)
    if delta.shape != weight.shape:
        raise ModelError(
            f"{adapter_path}: LoRA for {tensor.name} has shape {delta.shape}, the base tensor {weight.shape} "
            "(is this adapter for another base model?)"
        )
    return quantize(weight + delta, _merged_type(outtype, weight.shape))


def merge_lora_into_gguf(base_path: Path, adapter_path: Path, out_path: Path, outtype: str = "f16") -> None:
    """Write base + adapter to `out_path`, copying every metadata and tokenizer key of the base."""
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFValueType, GGUFWriter, Keys, LlamaFileType
    from gguf.quants import quant_shape_to_byte_shape

    base = _open_gguf(base_path, "base model")
    adapter = _open_gguf(adapter_path, "LoRA adapter")
    pairs, alpha = read_lora_pairs(adapter, adapter_path)
    if _string_field(base, "general.type") == "adapter":
        raise ModelError(f"{base_path} is a LoRA adapter, not a base model")
    architecture = _string_field(base, Keys.General.ARCHITECTURE)
    if architecture is None:
        raise ModelError(f"{base_path} has no general.architecture")
    if _string_field(adapter, Keys.General.ARCHITECTURE) != architecture:
        raise ModelError(f"{adapter_path} is for another architecture than {base_path} ({architecture})")
    missing = sorted(set(pairs) - {tensor.name for tensor in base.tensors})
    if missing:
        raise ModelError(f"{adapter_path}: base model has no tensor {missing[0]!r} (wrong base model?)")

    writer = GGUFWriter(out_path, architecture)
    file_type = LlamaFileType.MOSTLY_F16 if outtype == "f16" else LlamaFileType.MOSTLY_Q8_0
    for field in base.fields.values():
        # The writer adds the architecture and the GGUF.* header fields itself.
        if field.name == Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        if field.name == Keys.General.FILE_TYPE:
            writer.add_file_type(int(file_type))
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)

    # GGUF puts every tensor's type and size before the data, so they are worked out first from the shapes;
    # the merged weights are then computed and written one tensor at a time to bound memory.
    for tensor in base.tensors:
        if tensor.name not in pairs:
            writer.add_tensor_info(
                tensor.name, tensor.data.shape, tensor.data.dtype, tensor.data.nbytes, raw_dtype=tensor.tensor_type
            )
            continue
        shape = tuple(int(n) for n in reversed(tensor.shape.tolist()))
        kind = _merged_type(outtype, shape)
        if kind == GGMLQuantizationType.F16:
            writer.add_tensor_info(tensor.name, shape, np.dtype(np.float16), 2 * prod(shape), raw_dtype=kind)
        else:
            byte_shape = quant_shape_to_byte_shape(shape, kind)
            writer.add_tensor_info(tensor.name, byte_shape, np.dtype(np.uint8), prod(byte_shape), raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in base.tensors:
        pair = pairs.get(tensor.name)
        data = tensor.data if pair is None else _merged_weight(tensor, pair, alpha, outtype, adapter_path)
        writer.write_tensor_data(data)
    writer.close()
