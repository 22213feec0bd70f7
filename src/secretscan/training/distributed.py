"""Many processes, one recipe: what `train` needs to run unchanged under torchrun, `accelerate launch` or `--gpus N`.

The launchers start one process per GPU (or CPU slot) with RANK, WORLD_SIZE and LOCAL_RANK in the environment; the
Hugging Face Trainer reads them through accelerate and sets up DDP or FSDP itself. What is left to us:

- the batch plan: the effective batch (per device x accumulation x processes) and the learning rate it implies;
- deciding once, on rank 0, where the run starts (resume, crash-loop guard), and telling the other ranks;
- the Trainer arguments for FSDP (sharding, activation checkpointing, sharded checkpoints);
- `--gpus N`: torch's own elastic launcher, as `torchrun --standalone --nproc-per-node N` would call it.

Nothing here imports torch at module level: the CLI imports this module for `--gpus`.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from secretscan.errors import ConfigError, SecretscanError
from secretscan.training.config import DistributedSettings, TrainConfig, TrainingSettings

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's place among the processes of the run (rank 0 of 1 when not launched by a launcher)."""

    rank: int = 0
    size: int = 1
    # Started by a launcher (torchrun, accelerate launch, --gpus), even as its only process: then the Trainer runs
    # DDP or FSDP, and FSDP on one GPU is a way to try the sharded path on a single-GPU machine.
    launched: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0


@dataclass(frozen=True)
class BatchPlan:
    processes: int
    per_device: int
    grad_accum: int
    # The configured rate, and the one used after lr_scaling.
    base_lr: float
    lr: float
    lr_scaling: str

    @property
    def effective_batch(self) -> int:
        return self.per_device * self.grad_accum * self.processes

    def fields(self) -> dict[str, object]:
        """The `[BATCH]` log line's fields."""
        return {"processes": self.processes, "per_device": self.per_device, "grad_accum": self.grad_accum,
                "effective_batch": self.effective_batch, "lr": f"{self.lr:.3e}", "lr_scaling": self.lr_scaling,
                "base_lr": f"{self.base_lr:.3e}"}


def plan_batch(training: TrainingSettings, distributed: DistributedSettings, processes: int) -> BatchPlan:
    """The accumulation and learning rate for `processes` processes (see DistributedSettings)."""
    accum = training.grad_accum
    if distributed.global_batch is not None:
        per_step = training.batch_size * processes
        if distributed.global_batch % per_step:
            raise ConfigError(f"distributed.global_batch ({distributed.global_batch}) is not a multiple of "
                              f"training.batch_size x processes ({training.batch_size} x {processes})")
        accum = distributed.global_batch // per_step
    factor = {"none": 1.0, "linear": float(processes), "sqrt": math.sqrt(processes)}[distributed.lr_scaling]
    return BatchPlan(processes, training.batch_size, accum, training.lr, training.lr * factor, distributed.lr_scaling)


def launched_world() -> World:
    """The rank and world size a launcher (torchrun, `accelerate launch`, elastic) put in the environment."""
    size = os.environ.get("WORLD_SIZE")
    return World(rank=int(os.environ.get("RANK", "0")), size=int(size or "1"), launched=size is not None)


@contextmanager
def process_group(requested_device: str) -> Iterator[World]:
    """The run's world. Launched as several processes, the process group is set up here, through the same
    accelerate state the Trainer uses later (it finds the group and keeps it), and torn down at the end."""
    world = launched_world()
    if not world.launched:
        yield world
        return
    from accelerate import PartialState

    from secretscan.training.device import resolve_device

    # accelerate picks the backend: NCCL with CUDA, gloo on CPU; and gives each process its own GPU.
    state = PartialState(cpu=resolve_device(requested_device) == "cpu")
    try:
        yield World(rank=state.process_index, size=state.num_processes, launched=True)
    finally:
        state.destroy_process_group()


def on_main(world: World, action: Callable[[], T]) -> T:
    """Run `action` on rank 0 only and hand its result (or its error) to every rank.

    Rank 0 decides where the run starts and records the attempt; an error there (a crash loop, a changed config)
    must stop every rank, not leave them waiting in the Trainer's first collective.
    """
    if world.size == 1:
        return action()
    from accelerate.utils import broadcast_object_list

    message: list[Any] = [None]
    failure: Exception | None = None
    if world.is_main:
        try:
            message[0] = ("ok", action())
        except Exception as exc:  # every rank must hear of it, whatever it is
            failure = exc
            shared = exc if isinstance(exc, SecretscanError) else SecretscanError(f"rank 0 failed: {exc!r}")
            message[0] = ("error", shared)
    broadcast_object_list(message, from_process=0)
    kind, value = message[0]
    if failure is not None:
        raise failure
    if kind == "error":
        raise value
    result: T = value
    return result


def fsdp_arguments(config: TrainConfig, world: World) -> dict[str, Any]:
    """The TrainingArguments that shard the model (empty unless FSDP over several processes).

    Activation checkpointing is FSDP's own, per decoder layer, in place of the Trainer's (which, transformers warns,
    adds an all-gather in the backward pass); checkpoints are sharded per rank, or gathered on rank 0 (full).
    """
    if config.distributed.strategy != "fsdp" or not world.launched:
        return {}
    state_dict = {"sharded": "SHARDED_STATE_DICT", "full": "FULL_STATE_DICT"}[config.distributed.fsdp_state_dict]
    return {
        "fsdp": True,
        "fsdp_config": {
            "version": 2,
            "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "state_dict_type": state_dict,
            "activation_checkpointing": config.training.gradient_checkpointing,
            "reshard_after_forward": True,
        },
    }


def save_adapter(trainer: Any, folder: Path) -> None:
    """Write the LoRA adapter (peft's save_pretrained) on rank 0.

    Under FSDP the weights are in shards: every rank joins in gathering them into one full state dict on rank 0
    (accelerate's get_state_dict, a collective) whatever the checkpoints' state_dict_type.
    """
    state_dict = trainer.accelerator.get_state_dict(trainer.model) if trainer.is_fsdp_enabled else None
    if trainer.is_world_process_zero():
        model = trainer.accelerator.unwrap_model(trainer.model)
        model.save_pretrained(folder, state_dict=state_dict)


# ---------------------------------------------------------------------------------------------------------------
# --gpus N: torch's elastic launcher, on this machine.


def check_gpus(config: TrainConfig, gpus: int, visible: int | None = None) -> None:
    """Refuse `--gpus N` before starting N processes that would all fail: inside a launcher, on a CPU or MPS
    profile, with fewer CUDA GPUs than asked for, or with a global batch that N processes can't share."""
    if launched_world().size > 1:
        raise ConfigError("--gpus inside a launcher (torchrun, accelerate launch) would launch again; drop --gpus")
    if config.runtime.device in ("cpu", "mps"):
        raise ConfigError(f"--gpus starts one process per CUDA GPU, but runtime.device is {config.runtime.device}; "
                          "for several CPU processes run torchrun --nproc-per-node N -m secretscan.training.cli "
                          "train ...")
    if visible is None:
        import torch

        visible = torch.cuda.device_count()
    if visible < gpus:
        raise ConfigError(f"--gpus {gpus}, but torch sees {visible} CUDA GPU(s) "
                          f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')})")
    plan_batch(config.training, config.distributed, gpus)


def launch_command(train_args: Sequence[str]) -> list[str]:
    """What each process runs: this CLI's `train` with the same arguments (and no --gpus)."""
    return ["-m", "secretscan.training.cli", "train", *train_args]


def launch_local(train_args: Sequence[str], processes: int) -> int:
    """Run `train` in `processes` processes on this machine, as `torchrun --standalone --nproc-per-node N` does,
    and return an exit code: 0, or the code of the lowest failing rank (so a config error still exits 2)."""
    import sys

    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(
        min_nodes=1, max_nodes=1, nproc_per_node=processes, run_id=str(uuid.uuid4()),
        # --standalone: a rendezvous on this host, on a free port.
        rdzv_backend="c10d", rdzv_endpoint="localhost:0", max_restarts=0,
    )
    try:
        elastic_launch(config, sys.executable)(*launch_command(train_args))
    except ChildFailedError as exc:
        failures = exc.failures
        return failures[min(failures)].exitcode or 1
    return 0
