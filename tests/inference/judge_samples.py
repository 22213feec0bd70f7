"""Prompts and LoRA adapter files for the judge tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from secretscan.scanner.prompt import Prompt, build_prompt
from secretscan.scanner.types import Candidate


def prompt_for(line: str, secret: str, path: str = "app/settings.py", rule: str = "generic-password") -> Prompt:
    candidate = Candidate(path=path, line=3, column=line.find(secret) + 1, secret=secret, rule=rule,
                          category="generic", line_text=line)
    return build_prompt(candidate)


def write_lora(path: Path, rank: int = 8, alpha: float = 16.0, scale: float = 0.05, layers: int = 30,
               seed: int = 0) -> Path:
    """A GGUF LoRA adapter for SmolLM2-135M on every layer's attn_q, in llama.cpp's adapter layout.

    lora_a is (rank, n_embd) and lora_b (n_embd, rank) in numpy order. With scale=0, B is all zeros and the
    adapter changes nothing.
    """
    from gguf import GGUFWriter

    rng = np.random.default_rng(seed)
    writer = GGUFWriter(path, "llama")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", alpha)
    for layer in range(layers):
        name = f"blk.{layer}.attn_q.weight"
        writer.add_tensor(f"{name}.lora_a", rng.normal(0, 1, (rank, 576)).astype(np.float32))
        writer.add_tensor(f"{name}.lora_b", (rng.normal(0, 1, (576, rank)) * scale).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
