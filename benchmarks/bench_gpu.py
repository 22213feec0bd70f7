"""The GPU check of the training recipe, in one run (scripts/gpu_check.sh runs it on one H100/H200):

1. `secretscan-train train` (the `h100` profile by default) for `--steps` optimizer steps on the default data;
2. a plain TRL `SFTTrainer` with the same base model, LoRA, batch and examples, in the same process;
   tokens/s of both, measured alike (non-padding input tokens after the first two steps), and their ratio;
3. QLoRA (4-bit NF4) on the 1.5B base when its weights are on the machine, else on a tiny random model of the same
   architecture (Qwen2; the report says which);
4. peak GPU memory of each, and the exported adapter's eval: the export step's merge (base + adapter), scored on
   held-out rows as the round-trip check scores its reference (F1 at 0.5, ROC AUC).

Everything lands in `<out>/bench_gpu.json` and a table on stdout. `--device cpu --profile cpu-tiny` runs the same
comparison on a CPU (the tests do, in seconds); QLoRA needs CUDA and is skipped there.

    python benchmarks/bench_gpu.py --out /tmp/bench-gpu                       # on the GPU machine
    python benchmarks/bench_gpu.py --device cpu --profile cpu-tiny --steps 4 --data d/train.jsonl \\
        --validation d/val.jsonl --heldout d/val.jsonl --out /tmp/bench-cpu
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secretscan.errors import SecretscanError
from secretscan.training.config import TrainConfig, find_profile, load_config

QLORA_BASE = "Qwen/Qwen2.5-Coder-1.5B-Instruct"


@dataclass(frozen=True)
class Measured:
    name: str
    tokens_per_second: float | None
    peak_memory_gib: float | None
    steps: int
    wall_seconds: float


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_gpu.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the runs and bench_gpu.json.")
    parser.add_argument("--profile", default="h100", help="Training profile (default: h100).")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--steps", type=int, default=60, help="Optimizer steps of each run (default: 60).")
    parser.add_argument("--data", type=Path, default=Path("data/train.jsonl"))
    parser.add_argument("--validation", type=Path, default=Path("data/val.jsonl"))
    parser.add_argument("--heldout", type=Path, default=Path("data/test.jsonl"))
    parser.add_argument("--limit", type=int, default=200, help="Held-out rows to score (default: 200).")
    parser.add_argument("--qlora-base", default=QLORA_BASE,
                        help=f"Hub id or folder of the QLoRA base (default: {QLORA_BASE}); 'none' skips QLoRA.")
    args = parser.parse_args(argv)
    if args.steps < 3:
        parser.error("--steps must be at least 3: tokens/s is measured after the first two steps")
    if args.limit < 1:
        parser.error("--limit must be positive")
    for name in ("data", "validation", "heldout"):
        if not getattr(args, name).is_file():
            parser.error(f"--{name} {getattr(args, name)} is not a file (secretscan-train data build makes them)")
    return args


def bench_config(args: argparse.Namespace, name: str, *extra: str) -> TrainConfig:
    """The profile, cut to `--steps` steps with no evaluation or checkpoint inside them (they are not throughput)."""
    beyond = args.steps + 1
    overrides = [f"output_dir={args.out / name}", f"data.train={args.data}", f"data.validation={args.validation}",
                 f"training.max_steps={args.steps}", f"training.eval_steps={beyond}",
                 f"training.save_steps={beyond}", "training.early_stopping_patience=null",
                 "training.logging_steps=10", "tracking.backend=none", f"runtime.device={args.device}", *extra]
    return load_config(find_profile(args.profile), overrides)


def _reset_peak(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()


def _peak_gib(device: str) -> float | None:
    if device != "cuda":
        return None
    import torch

    return torch.cuda.max_memory_allocated() / 1024**3


def run_ours(config: TrainConfig, name: str) -> Measured:
    from secretscan.training.train import train

    _reset_peak(config.runtime.device)
    result = train(config, fresh=True, echo=False)
    return Measured(name, result.tokens_per_second, _peak_gib(config.runtime.device), result.steps,
                    result.wall_seconds)


def run_plain_trl(config: TrainConfig) -> Measured:
    """TRL as its docs show it: SFTTrainer, a LoraConfig, SFTConfig with the batch, rate and precision; nothing of
    ours but the model loader and the tokenized examples (so both runs see the same tokens)."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import TrainerCallback, set_seed
    from trl import SFTConfig, SFTTrainer

    from secretscan.training.device import resolve_attention, torch_dtype_name
    from secretscan.training.model_loading import load_base_model
    from secretscan.training.runlog import EtaClock
    from secretscan.training.train import prepare_data, read_data

    class Throughput(TrainerCallback):
        """The same measure as ours (runlog.EtaClock): input tokens per second after the first two steps."""

        def __init__(self) -> None:
            self.clock = EtaClock(total_steps=config.training.max_steps or 0)
            self.tokens_per_second: float | None = None

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.clock.observe(state.global_step, state.num_input_tokens_seen)
            self.tokens_per_second = self.clock.tokens_per_second(state.global_step, state.num_input_tokens_seen)

    started = time.monotonic()
    device = config.runtime.device
    set_seed(config.training.seed)
    _reset_peak(device)
    model, tokenizer = load_base_model(config.model, dtype=torch_dtype_name(config.runtime.precision),
                                       attention=resolve_attention(config.runtime.attention, device),
                                       quantization=config.quantization)
    data = prepare_data(read_data(config.data, config.training.seed), tokenizer, config.data.max_seq_len)
    t = config.training
    throughput = Throughput()
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(output_dir=str(Path(config.output_dir)), max_steps=t.max_steps or -1,
                       per_device_train_batch_size=t.batch_size, gradient_accumulation_steps=t.grad_accum,
                       learning_rate=t.lr, bf16=config.runtime.precision == "bf16", use_cpu=device == "cpu",
                       save_strategy="no", report_to="none", disable_tqdm=True, logging_steps=10,
                       include_num_input_tokens_seen="non_padding", max_length=None, seed=t.seed),
        train_dataset=Dataset.from_list([e.record() for e in data.train]),
        processing_class=tokenizer,
        peft_config=LoraConfig(r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
                               target_modules=list(config.lora.target_modules), task_type="CAUSAL_LM"),
        callbacks=[throughput],
    )
    trainer.train()
    return Measured("plain TRL SFTTrainer", throughput.tokens_per_second, _peak_gib(device),
                    trainer.state.global_step, time.monotonic() - started)


def speed_ratio(ours: Measured, plain: Measured) -> float | None:
    """Our tokens/s over plain TRL's (the target is >= 1.0); None when either wasn't measured."""
    if not ours.tokens_per_second or not plain.tokens_per_second:
        return None
    return ours.tokens_per_second / plain.tokens_per_second


def qlora_base(requested: str, folder: Path) -> tuple[str, str, str]:
    """(model.kind, model.path, what it is) for the QLoRA run: the real base when its weights are here (a folder,
    or the hub cache: the GPU machine reaches no network), else a tiny random Qwen2 with the judge's tokenizer."""
    if Path(requested).is_dir():
        return "hf", requested, f"{requested} (local folder)"
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(requested, "config.json"), str):
        return "hub", requested, f"{requested} (hub cache)"
    return "hf", str(tiny_qwen2(folder)), f"a tiny random Qwen2 (the architecture of {requested}; its weights are " \
                                          "not on this machine)"


def tiny_qwen2(folder: Path) -> Path:
    """A 4-layer random Qwen2 saved as a model folder, with the embedded judge's tokenizer."""
    from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen2Config

    from secretscan.inference.models import embedded_base_model, file_sha256
    from secretscan.training.model_loading import gguf_tokenizer_dir

    embedded = embedded_base_model()
    tokenizer = AutoTokenizer.from_pretrained(gguf_tokenizer_dir(embedded, file_sha256(embedded)))
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=256, intermediate_size=768, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def adapter_eval(run_dir: Path, heldout: Path, limit: int, folder: Path) -> dict[str, Any]:
    """The export step's merge of the run's adapter, scored on held-out rows like the round-trip check's
    reference: P(secret) from the `yes`/`no` logits, F1 at 0.5 and ROC AUC."""
    from secretscan.export.merge import merge_adapter
    from secretscan.export.roundtrip import f1_at, load_heldout, roc_auc, score_hf
    from secretscan.export.run import load_run

    rows = load_heldout(heldout, limit)
    scored = score_hf(merge_adapter(load_run(run_dir), folder), rows.prompts)
    return {"rows": len(rows.labels), "positives": sum(rows.labels), "f1": f1_at(scored.scores, rows.labels),
            "auc": roc_auc(scored.scores, rows.labels), "seconds_per_row": scored.seconds_per_example}


def _figure(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render(report: dict[str, Any]) -> str:
    lines = ["| run | tokens/s | peak GPU memory (GiB) | steps | wall (s) |", "| --- | --- | --- | --- | --- |"]
    for run in report["runs"]:
        lines.append(f"| {run['name']} | {_figure(run['tokens_per_second'])} | {_figure(run['peak_memory_gib'], 2)} "
                     f"| {run['steps']} | {run['wall_seconds']:.0f} |")
    lines.append(f"ours / plain TRL tokens/s: {_figure(report['speed_ratio'], 2)} (target >= 1.0)")
    lines.append(f"QLoRA base: {report['qlora_base']}")
    ev = report["adapter_eval"]
    lines.append(f"adapter eval ({ev['rows']} held-out rows, {ev['positives']} secrets): F1 {_figure(ev['f1'], 3)}, "
                 f"AUC {_figure(ev['auc'], 3)}")
    return "\n".join(lines)


def bench(args: argparse.Namespace) -> dict[str, Any]:
    args.out.mkdir(parents=True, exist_ok=True)
    ours_config = bench_config(args, "ours")
    ours = run_ours(ours_config, f"secretscan-train ({args.profile})")
    plain = run_plain_trl(bench_config(args, "plain-trl"))
    runs = [ours, plain]
    qlora_note = "skipped (needs CUDA)" if args.device != "cuda" else "skipped (--qlora-base none)"
    if args.device == "cuda" and args.qlora_base != "none":
        kind, path, qlora_note = qlora_base(args.qlora_base, args.out / "tiny-qwen2")
        config = bench_config(args, "qlora", f"model.kind={kind}", f"model.path={path}",
                              "quantization.load_in_4bit=true")
        runs.append(run_ours(config, f"secretscan-train QLoRA 4-bit ({Path(path).name})"))
    return {
        "device": _device_name(args.device),
        "profile": args.profile,
        "steps": args.steps,
        "batch": {"per_device": ours_config.training.batch_size, "grad_accum": ours_config.training.grad_accum},
        "runs": [asdict(run) for run in runs],
        "speed_ratio": speed_ratio(ours, plain),
        "qlora_base": qlora_note,
        "adapter_eval": adapter_eval(Path(ours_config.output_dir), args.heldout, args.limit, args.out / "merged"),
    }


def _device_name(device: str) -> str:
    import torch

    return torch.cuda.get_device_name(0) if device == "cuda" else "cpu"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = bench(args)
    except SecretscanError as exc:
        print(f"bench_gpu.py: error: {exc}", file=sys.stderr)
        return exc.exit_code
    (args.out / "bench_gpu.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
