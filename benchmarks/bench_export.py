"""Export figures on the embedded SmolLM2-135M (Q4_1): first-use merge, per-candidate latency, conversion and
quantization. Prints a table; asserts nothing.

    python benchmarks/bench_export.py                 # merge + latency (numpy, gguf, llama-cpp-python only)
    python benchmarks/bench_export.py --convert       # also HF -> GGUF f16 and quantize (needs the train extra)

The adapter is random (rank 16, alpha 32, every linear layer: the shape of the cpu-smollm2 profile's), so the
timings are those of the real thing; its verdicts mean nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import gguf
import numpy as np

from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.merge import build_merged_model
from secretscan.inference.models import embedded_base_model
from secretscan.scanner.prompt import Prompt, build_prompt
from secretscan.scanner.types import Candidate

LINEAR = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")


def random_lora(base: Path, out: Path, rank: int, alpha: float) -> Path:
    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(out, "llama")
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", alpha)
    for tensor in gguf.GGUFReader(base).tensors:
        parts = tensor.name.split(".")
        if parts[0] == "blk" and parts[2] in LINEAR:
            n_in, n_out = int(tensor.shape[0]), int(tensor.shape[1])
            lora_a = rng.standard_normal((rank, n_in)) / np.sqrt(n_in)
            writer.add_tensor(f"{tensor.name}.lora_a", lora_a.astype(np.float16))
            writer.add_tensor(f"{tensor.name}.lora_b", (rng.standard_normal((n_out, rank)) * 1e-3).astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def prompts(count: int) -> list[Prompt]:
    lines = [
        ('config/settings.py', 'keyword-password', 'DB_PASSWORD = "{v}"'),
        ('deploy/app.yaml', 'keyword-token', 'api_token: {v}'),
        ('src/client.js', 'keyword-secret', "const clientSecret = '{v}';"),
        ('.env.example', 'keyword-password', 'SMTP_PASSWORD={v}'),
    ]
    rng = np.random.default_rng(1)
    result = []
    for i in range(count):
        path, rule, template = lines[i % len(lines)]
        value = "".join(rng.choice(list("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789"), 20))
        line = template.format(v=value)
        candidate = Candidate(path=path, line=i + 1, column=line.index(value) + 1, secret=value, rule=rule,
                              category="generic", line_text=line)
        result.append(build_prompt(candidate))
    return result


def latency(model: Path, lora: Path | None, batch: list[Prompt]) -> tuple[float, float]:
    judge = LlamaCppJudge(model, lora)
    started = time.perf_counter()
    judge.load()
    loaded = time.perf_counter() - started
    judge.score(batch[:2])  # warm up
    started = time.perf_counter()
    judge.score(batch)
    return loaded, (time.perf_counter() - started) / len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--convert", action="store_true", help="also time HF -> GGUF and quantization")
    args = parser.parse_args()
    base = embedded_base_model()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        lora = random_lora(base, scratch / "lora.gguf", args.rank, 2.0 * args.rank)
        merged = {}
        for outtype in ("f16", "q8_0"):
            started = time.perf_counter()
            merged[outtype] = build_merged_model(base, lora, scratch / "models", outtype)
            rows.append((f"first-use merge {outtype} ({merged[outtype].stat().st_size / 1e6:.0f} MB)",
                         f"{time.perf_counter() - started:.1f} s"))
        batch = prompts(args.prompts)
        for name, model, adapter in (("Q4_1 base alone", base, None), ("Q4_1 base + runtime LoRA", base, lora),
                                     ("merged f16", merged["f16"], None), ("merged q8_0", merged["q8_0"], None)):
            loaded, per = latency(model, adapter, batch)
            rows.append((f"{name}: load / per candidate", f"{loaded:.2f} s / {1000 * per:.0f} ms"))
        if args.convert:
            from secretscan.export.gguf import convert_to_gguf
            from secretscan.export.quantize import quantize_gguf
            from secretscan.inference.models import file_sha256
            from secretscan.training.model_loading import gguf_model_dir

            folder = gguf_model_dir(base, file_sha256(base))
            started = time.perf_counter()
            f16 = convert_to_gguf(folder, scratch / "judge-f16.gguf")
            rows.append(("convert_hf_to_gguf.py, 135M -> f16", f"{time.perf_counter() - started:.1f} s"))
            for qtype in ("Q4_K_M", "Q8_0"):
                started = time.perf_counter()
                quantize_gguf(f16, scratch / f"judge-{qtype}.gguf", qtype)
                rows.append((f"quantize f16 -> {qtype}", f"{time.perf_counter() - started:.1f} s"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
