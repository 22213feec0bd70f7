"""Real LoRA training of the cpu-tiny model on a tiny overfit set: the loss falls, and the run directory holds
what the export step needs (adapter, tokenizer, run.json), checkpoints, logs and TensorBoard events."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from trainkit import TINY_PROFILE, make_data, tagged_lines, tiny_overrides

from secretscan.training.cli import main
from secretscan.training.config import TrainConfig, config_to_dict, load_config
from secretscan.training.resume import COMPLETE_MARKER, read_metadata
from secretscan.training.train import RunResult, train

STEPS = 8


@dataclass(frozen=True)
class FinishedRun:
    config: TrainConfig
    config_path: Path
    overrides: list[str]
    result: RunResult
    run: dict
    train_file: Path


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> FinishedRun:
    folder = tmp_path_factory.mktemp("tiny-run")
    train_file, val_file = make_data(folder / "data")
    overrides = tiny_overrides(folder / "run", train_file, val_file, **{
        "training.max_steps": STEPS, "training.eval_steps": 4, "training.save_steps": 4,
    })
    config = load_config(TINY_PROFILE, overrides)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRETSCAN_CACHE_DIR", str(model_cache))
        result = train(config, echo=False)
    run = json.loads((result.output_dir / "run.json").read_text(encoding="utf-8"))
    return FinishedRun(config, TINY_PROFILE, overrides, result, run, train_file)


def test_the_loss_falls_on_a_tiny_overfit_set(finished: FinishedRun) -> None:
    losses = [float(f["loss"]) for f in tagged_lines(finished.result.log_path, "TRAIN")]
    assert len(losses) == STEPS
    # A random model starts near ln(vocab) ~ 10.8 on the answer tokens; a few LoRA steps take off several nats.
    assert sum(losses[-3:]) / 3 < losses[0] - 1.5, losses
    evals = [float(f["eval_loss"]) for f in tagged_lines(finished.result.log_path, "EVAL")]
    assert evals[-1] < evals[0]
    assert finished.result.steps == STEPS and not finished.result.stopped_early


def test_checkpoints_are_written_and_marked_complete(finished: FinishedRun) -> None:
    folder = finished.result.output_dir / "checkpoints"
    steps = sorted(int(p.name.split("-")[1]) for p in folder.glob("checkpoint-*"))
    assert steps == [4, 8]
    for step in steps:
        checkpoint = folder / f"checkpoint-{step}"
        assert (checkpoint / COMPLETE_MARKER).is_file()
        assert (checkpoint / "adapter_model.safetensors").is_file() and (checkpoint / "optimizer.pt").is_file()
    metadata = read_metadata(finished.result.output_dir)
    assert metadata is not None
    assert metadata["last_step"] == STEPS and metadata["resume_count"] == 0 and "finished_at" in metadata
    assert [c["step"] for c in tagged_lines(finished.result.log_path, "CKPT")] == ["4", "8"]


def test_the_run_directory_has_what_the_export_step_needs(finished: FinishedRun) -> None:
    out = finished.result.output_dir
    assert (out / "adapter" / "adapter_model.safetensors").is_file()
    adapter_config = json.loads((out / "adapter" / "adapter_config.json").read_text(encoding="utf-8"))
    assert adapter_config["r"] == finished.config.lora.r
    assert set(adapter_config["target_modules"]) == set(finished.config.lora.target_modules)
    assert (out / "tokenizer" / "tokenizer.json").is_file()

    run = finished.run
    assert run["config"] == config_to_dict(finished.config)
    assert run["base_model"]["kind"] == "tiny" and run["base_model"]["tiny"]["seed"] == 0
    train_sha = hashlib.sha256(finished.train_file.read_bytes()).hexdigest()
    assert run["data"]["train"] == {"path": str(finished.train_file), "sha256": train_sha, "rows": 24}
    assert run["data"]["validation"]["rows"] == 8
    assert re.fullmatch(r"[0-9a-f]{40}", run["git"]["commit"])
    metrics = run["metrics"]
    assert metrics["steps"] == STEPS
    assert metrics["train_loss"] < metrics["first_train_loss"]
    assert metrics["eval_loss"] == pytest.approx(finished.result.eval_loss)
    assert metrics["tokens_per_second"] > 0 and metrics["wall_seconds"] > 0
    assert run["versions"]["torch"].startswith("2.13.0")


def test_the_log_is_timestamped_tagged_and_has_a_measured_eta(finished: FinishedRun) -> None:
    log = finished.result.log_path
    assert log.parent == finished.result.output_dir / "logs"
    assert re.fullmatch(r"train-\d{8}-\d{6}\.log", log.name)
    lines = tagged_lines(log, "TRAIN")
    assert [line["step"] for line in lines] == [f"{i}/{STEPS}" for i in range(1, STEPS + 1)]
    # The ETA and throughput are measured only after the first steps, then always given.
    assert lines[0]["eta"] == "measuring" and lines[0]["tok_s"] == "measuring"
    for line in lines[3:]:
        assert re.fullmatch(r"\d+:\d\d:\d\d", line["eta"]) and float(line["tok_s"]) > 0
    assert lines[-1]["eta"] == "0:00:00"
    [done] = tagged_lines(log, "DONE")
    assert done["steps"] == str(STEPS) and Path(done["adapter"]) == finished.result.adapter_dir


def test_no_file_of_the_run_holds_8_characters_of_a_training_secret(finished: FinishedRun) -> None:
    # The training data holds the values (the judge must read them); nothing the run writes from it may: logs,
    # run.json, TensorBoard events, checkpoints (weights, optimizer and trainer state), the adapter, the tokenizer.
    rows = [json.loads(line) for line in finished.train_file.read_text(encoding="utf-8").splitlines()]
    secrets = [row["messages"][1]["content"].rsplit("value: ", 1)[1] for row in rows if row["label"]]
    windows = {secret[i : i + 8].encode() for secret in secrets for i in range(len(secret) - 7)}
    files = [path for path in finished.result.output_dir.rglob("*") if path.is_file()]
    assert len(secrets) == 12 and any(path.suffix == ".log" for path in files)
    leaked = [path.name for path, blob in ((path, path.read_bytes()) for path in files)
              if any(window in blob for window in windows)]
    assert leaked == []


def test_tensorboard_events_are_written(finished: FinishedRun) -> None:
    events = list((finished.result.output_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0


def test_the_saved_adapter_reloads_onto_the_rebuilt_base_and_keeps_what_it_learned(
        finished: FinishedRun, shared_cache: Path) -> None:
    import torch
    from peft import PeftModel

    from secretscan.training.dataset import encode, read_examples
    from secretscan.training.model_loading import ResolvedSource, load_base_model

    def answer_loss(model, tokenizer) -> float:
        encoded = encode(read_examples(finished.train_file), tokenizer)
        total = 0.0
        with torch.no_grad():
            for item in encoded:
                ids = torch.tensor([item.prompt_ids + item.completion_ids])
                labels = torch.tensor([[-100] * len(item.prompt_ids) + item.completion_ids])
                total += float(model(input_ids=ids, labels=labels).loss)
        return total / len(encoded)

    # As the export step does: the base from run.json's record, the adapter from adapter/.
    base, tokenizer = load_base_model(ResolvedSource.from_dict(finished.run["base_model"]))
    base_loss = answer_loss(base.eval(), tokenizer)
    tuned = PeftModel.from_pretrained(base, finished.result.adapter_dir).eval()
    assert answer_loss(tuned, tokenizer) < base_loss - 1.0


def test_the_tiny_base_is_rebuilt_identically(finished: FinishedRun, shared_cache: Path) -> None:
    import torch

    from secretscan.training.model_loading import ResolvedSource, load_base_model

    source = ResolvedSource.from_dict(finished.run["base_model"])
    first, _ = load_base_model(source)
    torch.manual_seed(12345)  # the global RNG must not matter
    second, _ = load_base_model(source)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(),
                                                    second.state_dict().values(), strict=True))


def test_a_finished_run_is_not_trained_over(finished: FinishedRun, shared_cache: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    args = ["train", "--config", str(finished.config_path), *(f"--set={o}" for o in finished.overrides)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("secretscan-train: error: ") and "holds a finished run; use --fresh" in err
    assert "\n" not in err


def test_early_stopping_ends_the_run_and_keeps_the_best_checkpoint(tmp_path: Path, shared_cache: Path) -> None:
    train_file, val_file = make_data(tmp_path / "data", train_rows=8, val_rows=4)
    # No evaluation can improve on the first by 100 nats: patience 1 stops at the second evaluation. Gradient
    # checkpointing is on, so that option runs on the CPU too.
    config = load_config(TINY_PROFILE, tiny_overrides(tmp_path / "run", train_file, val_file, **{
        "training.eval_steps": 1, "training.save_steps": 1, "training.early_stopping_patience": 1,
        "training.early_stopping_threshold": 100.0, "training.gradient_checkpointing": "true",
    }))
    result = train(config, echo=False)
    assert result.stopped_early and result.steps == 2
    run = json.loads((result.output_dir / "run.json").read_text(encoding="utf-8"))
    assert run["metrics"]["stopped_early"] is True
    # The best checkpoint is restored at the end, and that is the adapter saved.
    from safetensors.torch import load_file

    best = Path(run["metrics"]["best_checkpoint"])
    assert best.parent == result.output_dir / "checkpoints"
    saved = load_file(result.adapter_dir / "adapter_model.safetensors")
    kept = load_file(best / "adapter_model.safetensors")
    assert saved.keys() == kept.keys() and all(saved[k].equal(kept[k]) for k in saved)
    evals = {int(e["step"]): float(e["eval_loss"]) for e in tagged_lines(result.log_path, "EVAL")}
    assert result.eval_loss == pytest.approx(min(evals.values()), abs=0.01)  # the log keeps 4 digits


def test_out_of_memory_is_recognised_on_cpu_and_gpu() -> None:
    from secretscan.training.train import is_out_of_memory

    assert is_out_of_memory(MemoryError())
    assert is_out_of_memory(RuntimeError("[enforce fail at alloc_cpu.cpp:121] DefaultCPUAllocator: can't allocate "
                                         "memory: you tried to allocate 34359738368 bytes."))
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert not is_out_of_memory(RuntimeError("expected scalar type Float but found BFloat16"))
