"""Fine-tuning on top of the shipped adapter: GGUF LoRA <-> peft, folding one into its base, stacking two.

The shipped judge adapter exists only as a GGUF LoRA (`data/judge-lora.gguf`, written by llama.cpp's
`convert_lora_to_gguf.py`). To go on training from it, it is read back into peft's layout and folded into the base
(`fold_adapter`, a Hugging Face folder that `model.kind: hf` trains on), and a fresh LoRA is trained on that.
The two deltas then add up exactly: scale1·B1·A1 + scale2·B2·A2 is one LoRA of rank r1 + r2 whose A stacks A1 over
A2 and whose B puts scale1·B1 beside scale2·B2, with alpha = rank (scale 1). `stack_adapters` builds it, and
`peft_to_gguf_lora` writes it as a GGUF LoRA for the original base, so the result ships like the first adapter.

The layout follows llama.cpp's converter for Llama models: tensor names `blk.N.attn_q.weight.lora_a|b`, A as
(rank, in) and B as (out, rank), and the rows of q_proj's and k_proj's B permuted the way the converter permutes
those weights for llama.cpp's rotary embedding. numpy, safetensors and gguf only: converting needs no torch;
folding does (it runs the base model through peft).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secretscan.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

    from secretscan.training.model_loading import ResolvedSource

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
# llama.cpp's names for the Llama projections -> the Hugging Face module paths under `model.layers.N`.
_GGUF_TO_HF = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_HF_TO_GGUF = {hf: gguf for gguf, hf in _GGUF_TO_HF.items()}
_GGUF_NAME = re.compile(r"blk\.(\d+)\.([a-z_]+)\.weight")
_PEFT_NAME = re.compile(r"base_model\.model\.model\.layers\.(\d+)\.([a-z_]+\.[a-z_]+)\.lora_([AB])\.weight")


@dataclass(frozen=True)
class Heads:
    """What the q/k permutation depends on: the base model's attention heads and key/value heads."""

    n_head: int
    n_kv_head: int

    @classmethod
    def of(cls, config_json: Path) -> Heads:
        try:
            config = json.loads(config_json.read_text(encoding="utf-8"))
            heads = int(config["num_attention_heads"])
            return cls(heads, int(config.get("num_key_value_heads") or heads))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot read the attention heads from {config_json}: {exc}") from None


@dataclass(frozen=True)
class Lora:
    """An adapter in peft's terms: per module path (`layers.N.self_attn.q_proj`), A (rank, in) and B (out, rank)."""

    alpha: float
    rank: int
    pairs: dict[str, tuple[np.ndarray, np.ndarray]]

    @property
    def scale(self) -> float:
        return self.alpha / self.rank


def _permute(rows: np.ndarray, heads: int, inverse: bool) -> np.ndarray:
    """llama.cpp's `LlamaModel.permute` of a q/k weight's rows (half-rotary layout), or its inverse."""
    shape = rows.shape
    if inverse:
        return rows.reshape(heads, shape[0] // heads // 2, 2, *shape[1:]).swapaxes(1, 2).reshape(shape)
    return rows.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)


def _heads_for(module: str, heads: Heads) -> int | None:
    if module.endswith("q_proj"):
        return heads.n_head
    if module.endswith("k_proj"):
        return heads.n_kv_head
    return None


def read_gguf_lora(path: Path, heads: Heads) -> Lora:
    """A GGUF LoRA (as `secretscan model build` reads it) in peft's layout: q/k rows un-permuted, float32."""
    import numpy as np
    from gguf.quants import dequantize

    from secretscan.inference.merge import _open_gguf, read_lora_pairs

    pairs_by_name, alpha = read_lora_pairs(_open_gguf(path, "LoRA adapter"), path)
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, pair in pairs_by_name.items():
        match = _GGUF_NAME.fullmatch(name)
        if match is None or match.group(2) not in _GGUF_TO_HF:
            raise ModelError(f"{path}: LoRA tensor {name!r} is not one of a Llama model's projections")
        module = f"layers.{match.group(1)}.{_GGUF_TO_HF[match.group(2)]}"
        a, b = (dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32) for t in (pair.a, pair.b))
        n = _heads_for(module, heads)
        pairs[module] = (a, _permute(b, n, inverse=True) if n else b)
    ranks = {a.shape[0] for a, _ in pairs.values()}
    if len(ranks) != 1:
        raise ModelError(f"{path}: the LoRA tensors have different ranks {sorted(ranks)}")
    rank = ranks.pop()
    # llama.cpp's rule: no alpha means scale 1.
    return Lora(alpha or float(rank), rank, pairs)


def read_peft(adapter_dir: Path) -> Lora:
    """A peft LoRA folder (adapter_config.json + adapter_model.safetensors), checked for what llama.cpp applies."""
    from safetensors.numpy import load_file

    from secretscan.export.lora_gguf import check_adapter_config

    config = check_adapter_config(adapter_dir)
    try:
        tensors = load_file(str(adapter_dir / ADAPTER_WEIGHTS))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {adapter_dir / ADAPTER_WEIGHTS}: {exc}") from None
    halves: dict[str, dict[str, np.ndarray]] = {}
    for name, tensor in tensors.items():
        match = _PEFT_NAME.fullmatch(name)
        if match is None or match.group(2) not in _HF_TO_GGUF:
            raise ModelError(f"{adapter_dir}: unsupported adapter tensor {name!r}")
        halves.setdefault(f"layers.{match.group(1)}.{match.group(2)}", {})[match.group(3)] = tensor.astype("float32")
    pairs = {module: (half["A"], half["B"]) for module, half in halves.items() if set(half) == {"A", "B"}}
    if len(pairs) != len(halves) or not pairs:
        raise ModelError(f"{adapter_dir}: every adapted module needs both lora_A and lora_B")
    rank, alpha = config.get("r"), config.get("lora_alpha")
    if not isinstance(rank, int) or not isinstance(alpha, (int, float)):
        raise ModelError(f"{adapter_dir}/{ADAPTER_CONFIG} lacks an integer r and a lora_alpha")
    return Lora(float(alpha), rank, pairs)


def write_peft(lora: Lora, out_dir: Path) -> Path:
    """`lora` as a peft folder that `PeftModel.from_pretrained` loads."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for module, (a, b) in lora.pairs.items():
        prefix = f"base_model.model.model.{module}"
        tensors[f"{prefix}.lora_A.weight"] = a
        tensors[f"{prefix}.lora_B.weight"] = b
    save_file(tensors, str(out_dir / ADAPTER_WEIGHTS))
    config: dict[str, Any] = {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "r": lora.rank,
        "lora_alpha": lora.alpha,
        "lora_dropout": 0.0,
        "bias": "none",
        "target_modules": sorted({module.rsplit(".", 1)[1] for module in lora.pairs}),
        "fan_in_fan_out": False,
        "use_rslora": False,
        "use_dora": False,
        "inference_mode": True,
    }
    (out_dir / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return out_dir


def write_gguf_lora(lora: Lora, heads: Heads, out_file: Path) -> Path:
    """`lora` as a GGUF LoRA for llama.cpp (f16 tensors, q/k rows permuted as the converter does)."""
    import numpy as np
    from gguf import GGUFWriter

    out_file.parent.mkdir(parents=True, exist_ok=True)
    writer = GGUFWriter(out_file, "llama")
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", lora.alpha)
    for module in sorted(lora.pairs, key=lambda m: (int(m.split(".")[1]), m)):
        a, b = lora.pairs[module]
        layer, hf_name = module.split(".", 2)[1:]
        n = _heads_for(module, heads)
        name = f"blk.{layer}.{_HF_TO_GGUF[hf_name]}.weight"
        writer.add_tensor(f"{name}.lora_a", a.astype(np.float16))
        writer.add_tensor(f"{name}.lora_b", (_permute(b, n, inverse=False) if n else b).astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_file


def stack_adapters(first: Lora, second: Lora) -> Lora:
    """One LoRA whose delta is exactly first's plus second's (rank r1 + r2, scale 1).

    A module only one of them adapts gets zeros for the other's share, so every module has the same rank.
    """
    import numpy as np

    rank = first.rank + second.rank
    pairs = {}
    for module in sorted(set(first.pairs) | set(second.pairs)):
        parts_a, parts_b = [], []
        for lora in (first, second):
            shape_from = first.pairs.get(module) or second.pairs[module]
            a, b = lora.pairs.get(module) or (
                np.zeros((lora.rank, shape_from[0].shape[1]), np.float32),
                np.zeros((shape_from[1].shape[0], lora.rank), np.float32),
            )
            parts_a.append(a)
            parts_b.append(b * lora.scale)
        pairs[module] = (np.concatenate(parts_a, axis=0), np.concatenate(parts_b, axis=1))
    return Lora(float(rank), rank, pairs)


def fold_adapter(source: ResolvedSource, adapter_gguf: Path, out_dir: Path) -> Path:
    """The base model with a GGUF LoRA merged into its weights, saved (with its tokenizer) as a Hugging Face
    folder: train a new LoRA on it with `model.kind: hf`, `model.path: out_dir`."""
    import tempfile

    from peft import PeftModel

    from secretscan.training.model_loading import load_base_model

    model, tokenizer = load_base_model(source)
    config = model.config
    heads = Heads(config.num_attention_heads, config.num_key_value_heads or config.num_attention_heads)
    adapter = read_gguf_lora(adapter_gguf, heads)
    with tempfile.TemporaryDirectory(prefix="secretscan-adapter-") as folder:
        merged = PeftModel.from_pretrained(model, str(write_peft(adapter, Path(folder)))).merge_and_unload()
    out_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def stack_run(first_gguf: Path, run_dir: Path, out_file: Path) -> Path:
    """The GGUF LoRA a run trained on a folded base, stacked onto the adapter that was folded into it."""
    try:
        run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        base = run["base_model"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{run_dir} is not a finished training run (run.json: {exc})") from None
    if base.get("kind") != "hf":
        raise ModelError(f"{run_dir} was not trained on a folded base (model.kind: hf); nothing to stack onto")
    heads = Heads.of(Path(base["location"]) / "config.json")
    stacked = stack_adapters(read_gguf_lora(first_gguf, heads), read_peft(run_dir / "adapter"))
    written = write_gguf_lora(stacked, heads, out_file)
    _carry_manifest(first_gguf, written)
    return written


def _carry_manifest(first_gguf: Path, stacked_gguf: Path) -> None:
    """The stacked adapter applies to the base the first one does: when the first has a manifest
    (`judge-lora.json`), the stacked one gets its own, with that base and its own hash, so that it can be shipped
    as it is (a stale manifest would name another adapter's merged model)."""
    from secretscan.inference.models import MANIFEST_ADAPTER_SHA256, file_sha256

    manifest = first_gguf.with_suffix(".json")
    if not manifest.is_file():
        return
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {manifest}: {exc}") from None
    document[MANIFEST_ADAPTER_SHA256] = file_sha256(stacked_gguf)
    stacked_gguf.with_suffix(".json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
