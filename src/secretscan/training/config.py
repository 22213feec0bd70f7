"""The training config schema: frozen dataclasses that check their own values; `configs/train/*.yaml` mirrors them.

A YAML file is read into plain data, checked against the dataclass field types (unknown keys and wrong types are
errors that name the file and the dotted key), then built into the dataclasses, whose `__post_init__` checks
values and cross-field rules. No config is ever executed.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError

MODEL_KINDS = ("gguf", "hf", "hub", "tiny")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")
ATTENTIONS = ("auto", "eager", "sdpa", "flash_attention_2")
SCHEDULERS = ("cosine", "linear", "constant_with_warmup")
TRACKERS = ("tensorboard", "wandb", "none")
WANDB_MODES = ("auto", "online", "offline")
QUANT_TYPES = ("nf4", "fp4")
COMPUTE_DTYPES = ("bfloat16", "float16", "float32")
STRATEGIES = ("ddp", "fsdp")
LR_SCALINGS = ("none", "linear", "sqrt")
FSDP_STATE_DICTS = ("sharded", "full")
# The linear layers of a Llama block; LoRA targets a subset of these by name.
LLAMA_LINEAR_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


@dataclass(frozen=True)
class TinyModel:
    """A randomly initialised Llama built in code (for tests): no weights to download, same tokenizer as the judge."""

    layers: int = 2
    hidden: int = 64
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 128
    # Std of the random weights. Llama's 0.02 leaves a tiny model's tied output embeddings too small to ever give
    # one token a confident logit (RMSNorm fixes the hidden state's scale), so the loss could barely fall.
    init_std: float = 0.02
    # The weights are a function of this seed, so the export step can rebuild the exact base the adapter was
    # trained on.
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("layers", "hidden", "heads", "kv_heads", "intermediate"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"tiny.{name} must be positive")
        if not 0.0 < self.init_std <= 1.0:
            raise ConfigError(f"tiny.init_std must be in (0, 1], not {self.init_std}")
        if self.hidden % self.heads or self.heads % self.kv_heads:
            raise ConfigError("tiny.hidden must divide by heads, and heads by kv_heads")


@dataclass(frozen=True)
class ModelSettings:
    """Where the base model comes from.

    kind gguf: `path` is a GGUF file (None: the embedded SmolLM2-135M), dequantized for training.
    kind hf: `path` is a local Hugging Face model folder. kind hub: `path` is a hub repo id (needs the hub).
    kind tiny: a tiny random Llama (see TinyModel) with the embedded model's tokenizer.
    """

    kind: str = "gguf"
    path: str | None = None
    revision: str | None = None
    tiny: TinyModel | None = None

    def __post_init__(self) -> None:
        _one_of("kind", self.kind, MODEL_KINDS)
        if self.kind in ("hf", "hub") and not self.path:
            raise ConfigError(f"path is required for kind {self.kind!r} (a model folder or a hub repo id)")
        if self.kind == "tiny" and self.tiny is None:
            raise ConfigError("kind 'tiny' needs a 'tiny' section (layers, hidden, heads, ...)")
        if self.kind != "tiny" and self.tiny is not None:
            raise ConfigError("the 'tiny' section is only valid with kind 'tiny'")
        if self.revision is not None and self.kind != "hub":
            raise ConfigError("revision is only valid with kind 'hub'")


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = LLAMA_LINEAR_MODULES

    def __post_init__(self) -> None:
        if self.r <= 0 or self.alpha <= 0:
            raise ConfigError("r and alpha must be positive")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), not {self.dropout}")
        if not self.target_modules:
            raise ConfigError("target_modules must name at least one module")


@dataclass(frozen=True)
class QuantizationSettings:
    """QLoRA: the frozen base in 4 bits via bitsandbytes (CUDA only)."""

    load_in_4bit: bool = False
    quant_type: str = "nf4"
    double_quant: bool = True
    compute_dtype: str = "bfloat16"

    def __post_init__(self) -> None:
        _one_of("quant_type", self.quant_type, QUANT_TYPES)
        _one_of("compute_dtype", self.compute_dtype, COMPUTE_DTYPES)


@dataclass(frozen=True)
class DataSettings:
    """JSONL files from `secretscan-train data build`. Relative paths are relative to the current directory."""

    train: str = "data/train.jsonl"
    # None: hold out `val_fraction` of the training rows (with the run's seed) for validation.
    validation: str | None = None
    val_fraction: float = 0.1
    # Examples longer than this are dropped (and counted), never truncated: truncation would cut off the answer.
    max_seq_len: int = 512

    def __post_init__(self) -> None:
        if not self.train:
            raise ConfigError("train must name a JSONL file")
        if self.validation is None and not 0.0 < self.val_fraction < 1.0:
            raise ConfigError(
                f"val_fraction must be in (0, 1) when no validation file is given, not {self.val_fraction}"
            )
        if self.max_seq_len < 16:
            raise ConfigError(f"max_seq_len must be at least 16, not {self.max_seq_len}")


@dataclass(frozen=True)
class TrainingSettings:
    epochs: float = 3.0
    # Stop after this many optimizer steps; None: run `epochs`.
    max_steps: int | None = None
    batch_size: int = 8
    grad_accum: int = 1
    lr: float = 2e-4
    scheduler: str = "cosine"
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    # Batch examples of similar length together (shuffled in groups): less padding, which on a CPU is most of the
    # waste (the judge's prompts run from ~80 to ~400 tokens).
    group_by_length: bool = False
    gradient_checkpointing: bool = False
    eval_steps: int = 50
    save_steps: int = 50
    save_total_limit: int = 3
    logging_steps: int = 10
    # Stop when validation loss hasn't improved for this many evaluations; None: never stop early.
    early_stopping_patience: int | None = 3
    early_stopping_threshold: float = 0.0

    def __post_init__(self) -> None:
        if self.epochs <= 0:
            raise ConfigError(f"epochs must be positive, not {self.epochs}")
        if self.max_steps is not None and self.max_steps <= 0:
            raise ConfigError(f"max_steps must be positive (or null), not {self.max_steps}")
        for name in ("batch_size", "grad_accum", "eval_steps", "save_steps", "save_total_limit", "logging_steps"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}")
        if not 0.0 < self.lr < 1.0:
            raise ConfigError(f"lr must be in (0, 1), not {self.lr}")
        _one_of("scheduler", self.scheduler, SCHEDULERS)
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ConfigError(f"warmup_ratio must be in [0, 1), not {self.warmup_ratio}")
        if self.weight_decay < 0 or self.max_grad_norm <= 0:
            raise ConfigError("weight_decay must be >= 0 and max_grad_norm > 0")
        if self.early_stopping_patience is not None:
            if self.early_stopping_patience <= 0:
                raise ConfigError("early_stopping_patience must be positive (or null to disable early stopping)")
            # Early stopping restores the best checkpoint, so every checkpoint must have been evaluated.
            if self.save_steps % self.eval_steps:
                raise ConfigError(
                    f"save_steps ({self.save_steps}) must be a multiple of eval_steps ({self.eval_steps}) "
                    "when early stopping is on"
                )

    @property
    def effective_batch(self) -> int:
        return self.batch_size * self.grad_accum


@dataclass(frozen=True)
class RuntimeSettings:
    device: str = "auto"
    precision: str = "fp32"
    # auto: flash_attention_2 on CUDA when flash-attn is installed, else sdpa.
    attention: str = "auto"
    dataloader_workers: int = 0
    # torch CPU threads; None: torch's default (one per core). On a CPU shared with other jobs, 1 thread is several
    # times faster than 2 that keep waiting for each other (measured: docs/training.md).
    cpu_threads: int | None = None

    def __post_init__(self) -> None:
        _one_of("device", self.device, DEVICES)
        _one_of("precision", self.precision, PRECISIONS)
        _one_of("attention", self.attention, ATTENTIONS)
        if self.precision in ("bf16", "fp16") and self.device == "cpu":
            raise ConfigError(f"precision {self.precision} needs a GPU; use fp32 on cpu")
        if self.attention == "flash_attention_2" and self.device in ("cpu", "mps"):
            raise ConfigError("flash_attention_2 needs CUDA")
        if self.dataloader_workers < 0:
            raise ConfigError("dataloader_workers must be >= 0")
        if self.cpu_threads is not None and self.cpu_threads <= 0:
            raise ConfigError("cpu_threads must be positive (or null for torch's default)")


@dataclass(frozen=True)
class DistributedSettings:
    """How the processes of a run launched by torchrun, `accelerate launch` or `--gpus N` share the work. A single
    process reads only `global_batch` (to derive its accumulation); the rest applies from two processes up."""

    # ddp: every process holds the whole model; fsdp: parameters, gradients and optimizer state are sharded.
    strategy: str = "ddp"
    # The examples per optimizer step, whatever the number of processes: the accumulation becomes
    # global_batch / (batch_size x processes). Resuming on another number of processes then keeps the batch and
    # the learning rate. None: the effective batch is batch_size x grad_accum x processes.
    global_batch: int | None = None
    # With global_batch None, more processes mean a bigger batch: training.lr is the rate for one process, and
    # is multiplied by the number of processes (linear) or its square root (sqrt), or left alone (none).
    lr_scaling: str = "none"
    # FSDP checkpoints: one shard per process (sharded; torch.distributed.checkpoint reshards them when resumed
    # on another number of processes) or the whole state gathered on rank 0 (full).
    fsdp_state_dict: str = "sharded"

    def __post_init__(self) -> None:
        _one_of("strategy", self.strategy, STRATEGIES)
        _one_of("lr_scaling", self.lr_scaling, LR_SCALINGS)
        _one_of("fsdp_state_dict", self.fsdp_state_dict, FSDP_STATE_DICTS)
        if self.global_batch is not None:
            if self.global_batch <= 0:
                raise ConfigError(f"global_batch must be positive (or null), not {self.global_batch}")
            if self.lr_scaling != "none":
                raise ConfigError("lr_scaling must be none with a global_batch: the batch no longer grows with "
                                  "the number of processes")


@dataclass(frozen=True)
class TrackingSettings:
    # tensorboard works offline; wandb runs offline without an API key (mode auto).
    backend: str = "tensorboard"
    project: str = "secretscan-judge"
    wandb_mode: str = "auto"

    def __post_init__(self) -> None:
        _one_of("backend", self.backend, TRACKERS)
        _one_of("wandb_mode", self.wandb_mode, WANDB_MODES)


@dataclass(frozen=True)
class ResourceSettings:
    """What `doctor` checks the machine against."""

    disk_warn_gb: float = 5.0
    disk_error_gb: float = 1.0
    min_cuda: str = "12.1"
    # The GPUs the profile is meant for (8 for the h100x8 profiles); doctor checks that many are visible.
    min_gpus: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.disk_error_gb <= self.disk_warn_gb:
            raise ConfigError("need 0 <= disk_error_gb <= disk_warn_gb")
        if self.min_gpus <= 0:
            raise ConfigError(f"min_gpus must be positive, not {self.min_gpus}")
        parts = self.min_cuda.split(".")
        if not all(p.isdigit() for p in parts):
            raise ConfigError(f"min_cuda must look like 12.1, not {self.min_cuda!r}")


@dataclass(frozen=True)
class TrainConfig:
    name: str
    output_dir: str
    model: ModelSettings = field(default_factory=ModelSettings)
    lora: LoraSettings = field(default_factory=LoraSettings)
    quantization: QuantizationSettings = field(default_factory=QuantizationSettings)
    data: DataSettings = field(default_factory=DataSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    runtime: RuntimeSettings = field(default_factory=RuntimeSettings)
    distributed: DistributedSettings = field(default_factory=DistributedSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    resources: ResourceSettings = field(default_factory=ResourceSettings)

    def __post_init__(self) -> None:
        if not self.name or not self.output_dir:
            raise ConfigError("name and output_dir are required")
        if self.quantization.load_in_4bit:
            if self.runtime.device in ("cpu", "mps"):
                raise ConfigError("quantization.load_in_4bit (QLoRA) needs CUDA: bitsandbytes 4-bit has no cpu/mps "
                                  "path")
            if self.model.kind == "tiny":
                raise ConfigError("quantization.load_in_4bit makes no sense for the tiny test model")
        if self.model.kind == "tiny" and self.runtime.device == "cuda" and self.runtime.precision != "fp32":
            raise ConfigError("the tiny test model trains in fp32")
        global_batch = self.distributed.global_batch
        if global_batch is not None:
            if self.training.grad_accum != 1:
                raise ConfigError("set training.grad_accum or distributed.global_batch, not both: the accumulation "
                                  "is derived from the global batch")
            if global_batch % self.training.batch_size:
                raise ConfigError(f"distributed.global_batch ({global_batch}) must be a multiple of "
                                  f"training.batch_size ({self.training.batch_size})")
        if self.distributed.strategy == "fsdp" and self.runtime.device in ("cpu", "mps"):
            # accelerate shards on GPUs only; elsewhere it would quietly fall back to DDP.
            raise ConfigError(f"distributed.strategy fsdp needs CUDA, not {self.runtime.device}; use ddp")
        if self.distributed.strategy == "fsdp" and self.quantization.load_in_4bit:
            raise ConfigError("distributed.strategy fsdp does not shard 4-bit (QLoRA) weights here; use ddp, or "
                              "bf16 weights with fsdp")


# ---------------------------------------------------------------------------------------------------------------
# Loading: plain data -> dataclasses, with errors that name the file and the dotted key.


def _type_name(tp: Any) -> str:
    if tp is float:
        return "a number"
    if tp is int:
        return "an integer"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any, where: str) -> Any:
    """`value` (from YAML) as type `tp`, or a ConfigError naming `where`."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(value, options[0], where)
    if value is None:
        raise ConfigError(f"{where}: must not be null")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: must be a mapping")
        return _build(tp, value, where)
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: must be a list of strings")
        return tuple(value)
    # bool is an int in Python: don't accept `batch_size: true`, nor `gradient_checkpointing: 1`.
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp)
    if not ok:
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    return value


def _build(cls: Any, mapping: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(mapping) - set(known))
    prefix = f"{where}." if where else ""
    if unknown:
        raise ConfigError(f"{prefix}{unknown[0]}: unknown key (known: {', '.join(known)})")
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in mapping]
    if missing:
        raise ConfigError(f"{prefix}{missing[0]}: required key is missing")
    values = {key: _convert(value, hints[key], f"{prefix}{key}") for key, value in mapping.items()}
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}" if where else str(exc)) from None


def config_from_mapping(mapping: dict[str, Any], source: str = "<config>") -> TrainConfig:
    """A validated TrainConfig from plain data; every error starts with `source`."""
    if not isinstance(mapping, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    try:
        config: TrainConfig = _build(TrainConfig, mapping, "")
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return config


def config_to_dict(config: TrainConfig) -> dict[str, Any]:
    """Plain data (lists, not tuples) that `config_from_mapping` turns back into an equal config."""

    def plain(value: Any) -> Any:
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    result: dict[str, Any] = plain(dataclasses.asdict(config))
    return result


def apply_overrides(mapping: dict[str, Any], overrides: typing.Sequence[str]) -> dict[str, Any]:
    """`training.max_steps=5`-style overrides (values parsed as YAML) applied to a copy of `mapping`."""
    import copy

    import yaml

    result = copy.deepcopy(mapping)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        *parents, leaf = key.split(".")
        node = result
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {part} is not a section")
        try:
            node[leaf] = yaml.safe_load(raw)
        except yaml.YAMLError:
            raise ConfigError(f"override {item!r}: value is not valid YAML") from None
    return result


def load_config(path: Path, overrides: typing.Sequence[str] = ()) -> TrainConfig:
    """Read, override and validate a training config YAML file."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        mapping = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(mapping, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    return config_from_mapping(apply_overrides(mapping, overrides), str(path))


def profile_dirs() -> list[Path]:
    """Where profiles live: `configs/train/` under the current directory, then in this source checkout."""
    checkout = Path(__file__).resolve().parents[3] / "configs" / "train"
    return [Path.cwd() / "configs" / "train", checkout]


def find_profile(name: str) -> Path:
    """The YAML file of a shipped profile such as `cpu-tiny`."""
    for folder in profile_dirs():
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for folder in profile_dirs() if folder.is_dir() for p in folder.glob("*.yaml")})
    raise ConfigError(f"unknown profile {name!r}; known: {', '.join(known) or 'none (no configs/train/ found)'}")
