"""The training library: `train(config) -> RunResult`. LoRA (or QLoRA) with TRL's SFTTrainer, loss on the answer.

A run directory holds everything one run writes:

    <output_dir>/checkpoints/checkpoint-N/   trainer checkpoints (auto-resumed from the newest complete one)
    <output_dir>/resume_metadata.json        attempts, resume count, last step (crash-loop guard)
    <output_dir>/logs/train-<time>.log       one log per attempt, tagged lines
    <output_dir>/tensorboard/                TensorBoard events (default tracker)
    <output_dir>/adapter/, tokenizer/        the result, for the export step
    <output_dir>/run.json                    config, base model, data hashes, git commit, metrics
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError, SecretscanError
from secretscan.training.config import DataSettings, TrainConfig, config_to_dict
from secretscan.training.dataset import Encoded, Example, drop_overlong, encode, read_examples, split_validation
from secretscan.training.distributed import (
    BatchPlan,
    World,
    fsdp_arguments,
    on_main,
    plan_batch,
    process_group,
    save_adapter,
)
from secretscan.training.resume import CHECKPOINTS_DIR, Attempt, begin_attempt, clear_run, now_iso, record_finished
from secretscan.training.runlog import RunLog, format_duration, new_log_path


class TrainingError(SecretscanError):
    """The run can't go on for a reason the user can fix (out of memory)."""


@dataclass(frozen=True)
class RunResult:
    output_dir: Path
    log_path: Path
    steps: int
    resumed_from_step: int
    stopped_early: bool
    # The last logged training loss and the final validation loss (of the best checkpoint with early stopping).
    train_loss: float | None
    eval_loss: float | None
    tokens_per_second: float | None
    wall_seconds: float
    # False on the other ranks of a multi-process run, which write nothing and print nothing.
    main_process: bool = True

    @property
    def adapter_dir(self) -> Path:
        return self.output_dir / "adapter"


@dataclass(frozen=True)
class RunData:
    """The run's examples, read and checked before any model is loaded (a bad file fails in a second, not after
    a 30-second model load)."""

    train: list[Example]
    validation: list[Example]
    # Paths, sha256 and row counts of the files, for run.json.
    files: dict[str, Any]


@dataclass(frozen=True)
class PreparedData:
    train: list[Encoded]
    validation: list[Encoded]
    files: dict[str, Any]
    dropped_overlong: int


def train(config: TrainConfig, *, fresh: bool = False, log_path: Path | None = None, echo: bool = True) -> RunResult:
    """Train (or resume) the run `config` describes, and write its adapter, tokenizer and run.json.

    Launched as several processes (torchrun, `accelerate launch`), every process calls this; rank 0 alone decides
    where the run starts, logs, tracks and writes the run directory's files, and the Trainer shares the steps.
    """
    run_dir = Path(config.output_dir).expanduser().resolve()
    with process_group(config.runtime.device) as world:
        path = on_main(world, lambda: log_path or new_log_path(run_dir / "logs"))
        # The other ranks log nothing: one log, one console, written by rank 0.
        log = RunLog(path, echo=_echo_through_bar if echo and world.is_main else None, write=world.is_main)
        try:
            attempt = on_main(world, lambda: _begin(run_dir, config, fresh))
            return _run(config, run_dir, attempt, log, world, show_bar=echo and world.is_main and sys.stderr.isatty())
        except SecretscanError as exc:
            log.line(f"error: {exc}")
            raise
        except (MemoryError, RuntimeError) as exc:
            if not is_out_of_memory(exc):
                log.line(f"error: {type(exc).__name__}: {exc}")
                raise
            error = TrainingError(
                "out of memory: lower training.batch_size (and raise grad_accum to keep the effective batch), "
                "lower data.max_seq_len, or set training.gradient_checkpointing: true"
            )
            log.line(f"error: {error}")
            raise error from None
        except BaseException as exc:  # logged, so a detached run's log says how it ended
            log.line(f"error: {type(exc).__name__}: {exc}" if str(exc) else f"error: {type(exc).__name__}")
            raise
        finally:
            log.close()


def _begin(run_dir: Path, config: TrainConfig, fresh: bool) -> Attempt:
    if fresh:
        clear_run(run_dir)
    return begin_attempt(run_dir, config_to_dict(config))


def is_out_of_memory(exc: BaseException) -> bool:
    """torch reports a failed allocation as a RuntimeError (CPU) or torch.OutOfMemoryError (GPU, a RuntimeError)."""
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or "out of memory" in text or "can't allocate memory" in text


def _echo_through_bar(text: str) -> None:
    from tqdm.auto import tqdm

    # tqdm.write clears and redraws the progress bar around the line instead of tearing it.
    tqdm.write(text, file=sys.stdout)


def read_data(settings: DataSettings, seed: int) -> RunData:
    """Read the JSONL files; hold out a validation split if there is no file for it."""
    from secretscan.inference.models import file_sha256

    train_path = Path(settings.train).expanduser()
    examples = read_examples(train_path)
    files: dict[str, Any] = {"train": {"path": str(train_path.resolve()), "sha256": file_sha256(train_path),
                                       "rows": len(examples)}}
    if settings.validation:
        val_path = Path(settings.validation).expanduser()
        validation = read_examples(val_path)
        files["validation"] = {"path": str(val_path.resolve()), "sha256": file_sha256(val_path),
                               "rows": len(validation)}
    else:
        examples, validation = split_validation(examples, settings.val_fraction, seed)
        files["validation"] = {"held_out_from": "train", "fraction": settings.val_fraction, "rows": len(validation)}
    return RunData(examples, validation, files)


def prepare_data(data: RunData, tokenizer: Any, max_seq_len: int) -> PreparedData:
    """Tokenize the examples as the judge does and drop those longer than `max_seq_len`."""
    kept_train, dropped_train = drop_overlong(encode(data.train, tokenizer), max_seq_len)
    kept_val, dropped_val = drop_overlong(encode(data.validation, tokenizer), max_seq_len)
    if not kept_train or not kept_val:
        raise ConfigError(f"no training or validation example fits in data.max_seq_len={max_seq_len} tokens")
    return PreparedData(kept_train, kept_val, data.files, dropped_train + dropped_val)


def final_eval_loss(trainer: Any, restored_best: bool) -> float:
    """The validation loss of the weights being saved, without a second pass over the validation set when the
    trainer already has it: the best checkpoint's (restored with early stopping), or the last step's."""
    state = trainer.state
    if restored_best and state.best_metric is not None:
        return float(state.best_metric)
    evals = [entry for entry in state.log_history if "eval_loss" in entry]
    if not restored_best and evals and evals[-1]["step"] == state.global_step:
        return float(evals[-1]["eval_loss"])
    # Logged as final_loss, not as another [EVAL] line.
    return float(trainer.evaluate(metric_key_prefix="final")["final_loss"])


def build_trainer(config: TrainConfig, run_dir: Path, model: Any, tokenizer: Any, data: PreparedData,
                  device: str, callbacks: list[Any], plan: BatchPlan, world: World) -> Any:
    """The SFTTrainer for a run: LoRA via peft, completion-only loss, cosine schedule, eval and checkpoints."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import EarlyStoppingCallback, PrinterCallback
    from trl import SFTConfig, SFTTrainer

    t = config.training
    patience = t.early_stopping_patience
    sharding = fsdp_arguments(config, world)
    args = SFTConfig(
        output_dir=str(run_dir / CHECKPOINTS_DIR),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps if t.max_steps is not None else -1,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.batch_size,
        gradient_accumulation_steps=plan.grad_accum,
        learning_rate=plan.lr,
        lr_scheduler_type=t.scheduler,
        # A float below 1 is a fraction of the total steps.
        warmup_steps=t.warmup_ratio,
        weight_decay=t.weight_decay,
        max_grad_norm=t.max_grad_norm,
        seed=t.seed,
        data_seed=t.seed,
        train_sampling_strategy="group_by_length" if t.group_by_length else "random",
        # Under FSDP, FSDP checkpoints the activations itself (see fsdp_arguments).
        activation_checkpointing=t.gradient_checkpointing and not sharding,
        eval_strategy="steps",
        eval_steps=t.eval_steps,
        save_strategy="steps",
        save_steps=t.save_steps,
        save_total_limit=t.save_total_limit,
        logging_strategy="steps",
        logging_steps=t.logging_steps,
        logging_first_step=True,
        load_best_model_at_end=patience is not None,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        bf16=config.runtime.precision == "bf16",
        fp16=config.runtime.precision == "fp16",
        use_cpu=device == "cpu",
        dataloader_num_workers=config.runtime.dataloader_workers,
        include_num_input_tokens_seen="non_padding",
        # Trackers are added as explicit callbacks (tracking.py), so their files land in the run directory.
        report_to="none",
        disable_tqdm=True,
        # The rows are TRL's tokenized prompt-completion form (dataset.py): with this, the labels of the prompt
        # tokens are -100 and the loss is on the answer only.
        completion_only_loss=True,
        # Overlong examples were dropped in prepare_data: truncation would cut the answer off.
        max_length=None,
        packing=False,
        # Every LoRA weight is used in every forward pass: DDP need not search the graph for unused parameters.
        ddp_find_unused_parameters=False,
        **sharding,
    )
    lora = LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    if patience is not None:
        callbacks = [*callbacks, EarlyStoppingCallback(patience, t.early_stopping_threshold)]
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list([e.record() for e in data.train]),
        eval_dataset=Dataset.from_list([e.record() for e in data.validation]),
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=callbacks,
    )
    # With disable_tqdm the trainer prints raw metric dicts; our TaggedLogCallback reports instead.
    trainer.remove_callback(PrinterCallback)
    return trainer


def _run(config: TrainConfig, run_dir: Path, attempt: Attempt, log: RunLog, world: World,
         show_bar: bool) -> RunResult:
    started = time.monotonic()
    started_at = now_iso()
    # Logged before the slow imports, so a supervisor (or a test) sees at once where this attempt starts.
    if attempt.checkpoint is None:
        log.tagged("START", run=config.name, output_dir=run_dir, attempt=attempt.resume_count + 1)
    else:
        log.tagged("RESUME", from_step=attempt.checkpoint.step, resume_count=attempt.resume_count,
                   stalled_resumes=attempt.stalled_resumes, checkpoint=attempt.checkpoint.path)
    plan = plan_batch(config.training, config.distributed, world.size)
    log.tagged("BATCH", **plan.fields())
    examples = read_data(config.data, config.training.seed)

    import datasets
    from transformers import set_seed

    from secretscan.training.callbacks import CheckpointCallback, TaggedLogCallback
    from secretscan.training.device import resolve_attention, resolve_device, torch_dtype_name
    from secretscan.training.model_loading import load_base_model, resolve_source
    from secretscan.training.runinfo import git_commit, package_versions, write_run_json
    from secretscan.training.tracking import tracking_callbacks

    # Dataset preparation progress bars for a few thousand rows are noise next to the tagged lines.
    datasets.disable_progress_bars()
    set_seed(config.training.seed)
    device = resolve_device(config.runtime.device)
    if device == "cpu" and config.runtime.cpu_threads is not None:
        import torch

        torch.set_num_threads(config.runtime.cpu_threads)
    attention = resolve_attention(config.runtime.attention, device)
    source = resolve_source(config.model)
    log.tagged("MODEL", kind=source.kind, location=source.location or "tiny", device=device, attention=attention,
               precision=config.runtime.precision, qlora=config.quantization.load_in_4bit)
    model, tokenizer = load_base_model(source, dtype=torch_dtype_name(config.runtime.precision), attention=attention,
                                       quantization=config.quantization)
    if config.quantization.load_in_4bit:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, config.training.gradient_checkpointing)
    data = prepare_data(examples, tokenizer, config.data.max_seq_len)
    log.tagged("DATA", train=len(data.train), validation=len(data.validation), dropped_overlong=data.dropped_overlong)

    progress = TaggedLogCallback(log, attempt.start_step, show_bar)
    callbacks = [progress, CheckpointCallback(run_dir, log)]
    if world.is_main:
        # The trackers' writers create their files on construction: one set, on rank 0.
        callbacks += tracking_callbacks(config.tracking, run_dir, config.name)
    trainer = build_trainer(config, run_dir, model, tokenizer, data, device, callbacks, plan, world)
    trainer.train(resume_from_checkpoint=str(attempt.checkpoint.path) if attempt.checkpoint else None)
    state = trainer.state
    eval_loss = final_eval_loss(trainer, restored_best=config.training.early_stopping_patience is not None)
    train_losses = [entry["loss"] for entry in state.log_history if "loss" in entry]
    tokens_per_second = progress.tokens_per_second
    stopped_early = config.training.early_stopping_patience is not None and state.global_step < state.max_steps
    save_adapter(trainer, run_dir / "adapter")
    wall = time.monotonic() - started
    metrics = {
        "steps": state.global_step,
        "max_steps": state.max_steps,
        "epochs": state.epoch,
        "train_loss": train_losses[-1] if train_losses else None,
        "first_train_loss": train_losses[0] if train_losses else None,
        "eval_loss": eval_loss,
        "best_checkpoint": state.best_model_checkpoint,
        "stopped_early": stopped_early,
        "tokens_seen": state.num_input_tokens_seen,
        "tokens_per_second": tokens_per_second,
        "wall_seconds": round(wall, 2),
        "resumed_from_step": attempt.start_step,
        "resume_count": attempt.resume_count,
        "processes": world.size,
        "effective_batch": plan.effective_batch,
        "lr": plan.lr,
    }
    result = RunResult(
        output_dir=run_dir,
        log_path=log.path,
        steps=state.global_step,
        resumed_from_step=attempt.start_step,
        stopped_early=stopped_early,
        train_loss=metrics["train_loss"],
        eval_loss=eval_loss,
        tokens_per_second=tokens_per_second,
        wall_seconds=wall,
        main_process=world.is_main,
    )
    if not world.is_main:
        return result
    tokenizer.save_pretrained(run_dir / "tokenizer")
    write_run_json(run_dir / "run.json", {
        "name": config.name,
        "config": config_to_dict(config),
        "base_model": source.as_dict(),
        "data": {**data.files, "dropped_overlong": data.dropped_overlong},
        "prompt_format": "chatml: secretscan.scanner.prompt.render_chat; completion = answer + <|im_end|>",
        "adapter": "adapter",
        "tokenizer": "tokenizer",
        "git": git_commit(Path(__file__).resolve().parent),
        "versions": package_versions(),
        "device": {"kind": device, "attention": attention, "precision": config.runtime.precision},
        "metrics": metrics,
        "started_at": started_at,
        "finished_at": now_iso(),
    })
    record_finished(run_dir, state.global_step)
    log.tagged("DONE", steps=state.global_step, train_loss=metrics["train_loss"] or float("nan"), eval_loss=eval_loss,
               tok_s="n/a" if tokens_per_second is None else f"{tokens_per_second:.1f}",
               wall=format_duration(wall), stopped_early=stopped_early, adapter=run_dir / "adapter")
    return result
