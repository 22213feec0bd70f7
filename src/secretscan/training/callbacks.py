"""Trainer callbacks: tagged log lines with a measured ETA, a progress bar, and checkpoint bookkeeping."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from secretscan.training.resume import CHECKPOINTS_DIR, COMPLETE_MARKER, now_iso, record_checkpoint
from secretscan.training.runlog import EtaClock, RunLog, format_duration


class TaggedLogCallback(TrainerCallback):
    """`[TRAIN]`/`[EVAL]` lines in the run log, and a progress bar on a terminal."""

    def __init__(self, log: RunLog, start_step: int, show_bar: bool) -> None:
        self.log = log
        self.start_step = start_step
        self.show_bar = show_bar
        self.clock: EtaClock | None = None
        self.bar: Any = None
        # Measured at the end of each step, so time spent on evaluation and saving afterwards doesn't count.
        self.tokens_per_second: float | None = None

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        self.clock = EtaClock(total_steps=state.max_steps, start_step=self.start_step)
        self.bar = tqdm(
            total=state.max_steps, initial=self.start_step, file=sys.stderr, disable=not self.show_bar,
            # tqdm's own estimate includes the slow first steps; ours (in the postfix) starts after them.
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]", postfix="eta=measuring",
        )

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        assert self.clock is not None
        self.clock.observe(state.global_step, state.num_input_tokens_seen)
        self.tokens_per_second = self.clock.tokens_per_second(state.global_step, state.num_input_tokens_seen)
        eta = self.clock.eta(state.global_step)
        self.bar.update(state.global_step - self.bar.n)
        if eta is not None:
            self.bar.set_postfix_str(f"eta={format_duration(eta)}", refresh=False)

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        if not logs or self.clock is None:
            return
        step = state.global_step
        if "loss" in logs:
            eta = self.clock.eta(step)
            tok_s = self.clock.tokens_per_second(step, state.num_input_tokens_seen)
            self.log.tagged(
                "TRAIN", step=f"{step}/{state.max_steps}", epoch=f"{state.epoch or 0:.2f}", loss=float(logs["loss"]),
                lr=f"{logs.get('learning_rate', 0.0):.3e}", grad_norm=float(logs.get("grad_norm", 0.0)),
                tok_s="measuring" if tok_s is None else f"{tok_s:.1f}",
                eta="measuring" if eta is None else format_duration(eta),
            )
        if "eval_loss" in logs:
            self.log.tagged("EVAL", step=step, eval_loss=float(logs["eval_loss"]))

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.close()


class CheckpointCallback(TrainerCallback):
    """Marks a checkpoint complete once the trainer has written all of it, and records the step for resume.

    In a multi-process run every rank writes part of a checkpoint (its RNG state; its shards under FSDP) and the
    Trainer does not wait for the others before this hook: rank 0 marks the checkpoint only once all have got here.
    """

    def __init__(self, run_dir: Path, log: RunLog) -> None:
        self.run_dir = run_dir
        self.log = log

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        args.distributed_state.wait_for_everyone()
        if not state.is_world_process_zero:
            return
        folder = self.run_dir / CHECKPOINTS_DIR / f"checkpoint-{state.global_step}"
        (folder / COMPLETE_MARKER).write_text(now_iso() + "\n", encoding="utf-8")
        record_checkpoint(self.run_dir, state.global_step)
        self.log.tagged("CKPT", step=state.global_step, path=folder)
