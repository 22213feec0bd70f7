"""`secretscan-train doctor`: is this machine ready to run a training profile?

Each check returns a `Check` (ok / warn / error with a one-line detail). The checks that decide something from
the machine's state take that state as data (`DeviceInfo`, free bytes), so their logic is tested with any state,
GPU or not; `probe_device` reads the real one.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from secretscan.errors import SecretscanError
from secretscan.training.config import (
    DataSettings,
    ModelSettings,
    ResourceSettings,
    RuntimeSettings,
    TrackingSettings,
    TrainConfig,
)

OK, WARN, ERROR = "ok", "warn", "error"
SYMBOLS = {OK: "✓", WARN: "!", ERROR: "✗"}
GIB = 1024**3
MIN_PYTHON = (3, 10)
# Distribution names of the train extra's packages, as `import` names differ (pyyaml -> yaml).
_TRAIN_PACKAGES = ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "safetensors", "pyyaml", "tqdm")


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class DeviceInfo:
    torch_version: str
    cuda_available: bool
    # The CUDA version torch was built with (None for CPU builds).
    cuda_version: str | None
    # (name, total memory in bytes) of each visible GPU.
    gpus: tuple[tuple[str, int], ...]
    bf16_supported: bool
    mps_available: bool
    cpu_threads: int
    # The NCCL version torch ships (None: no NCCL, as in CPU builds): multi-GPU runs communicate through it.
    nccl_version: str | None = None
    cuda_visible_devices: str | None = None


def probe_device() -> DeviceInfo:
    import torch

    cuda = torch.cuda.is_available()
    gpus = tuple(
        (torch.cuda.get_device_name(i), torch.cuda.get_device_properties(i).total_memory)
        for i in range(torch.cuda.device_count())
    ) if cuda else ()
    return DeviceInfo(
        torch_version=torch.__version__,
        cuda_available=cuda,
        cuda_version=torch.version.cuda,
        gpus=gpus,
        bf16_supported=cuda and torch.cuda.is_bf16_supported(),
        mps_available=torch.backends.mps.is_available(),
        cpu_threads=torch.get_num_threads(),
        nccl_version=_nccl_version(),
        cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),
    )


def _nccl_version() -> str | None:
    import torch

    if not (torch.cuda.is_available() and torch.distributed.is_available() and torch.distributed.is_nccl_available()):
        return None
    version = torch.cuda.nccl.version()
    return ".".join(map(str, version)) if isinstance(version, tuple) else str(version)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    text = ".".join(map(str, version))
    if version[:2] < MIN_PYTHON:
        return Check("python", ERROR, f"{text} (needs >= {'.'.join(map(str, MIN_PYTHON))})")
    return Check("python", OK, f"{text} ({platform.python_implementation()})")


def _train_requirements() -> dict[str, str]:
    """{distribution name: version specifier} from secretscan's own `train` extra."""
    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    for line in metadata.requires("secretscan") or ():
        requirement = Requirement(line)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": "train"}):
            found[requirement.name.lower()] = str(requirement.specifier)
    return found


def check_packages(config: TrainConfig | None) -> list[Check]:
    """The train extra's packages, plus those the config needs (bitsandbytes, flash-attn, tensorboard, wandb)."""
    wanted: dict[str, str] = {name: ERROR for name in _TRAIN_PACKAGES}
    if config is not None:
        if config.tracking.backend in ("tensorboard", "wandb"):
            wanted[config.tracking.backend] = ERROR
        if config.quantization.load_in_4bit:
            wanted["bitsandbytes"] = ERROR
        if config.runtime.attention == "flash_attention_2":
            wanted["flash-attn"] = ERROR
        elif config.runtime.attention == "auto" and config.runtime.device == "cuda":
            wanted["flash-attn"] = WARN
    try:
        specifiers = _train_requirements()
    except (ImportError, metadata.PackageNotFoundError):
        specifiers = {}
    checks = []
    for name, severity in wanted.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            hint = "SDPA attention will be used instead" if name == "flash-attn" else "pip install -e '.[train]'"
            checks.append(Check(name, severity, f"not installed ({hint})"))
            continue
        specifier = specifiers.get(name, "")
        if specifier:
            from packaging.specifiers import SpecifierSet

            if not SpecifierSet(specifier).contains(installed.split("+")[0], prereleases=True):
                checks.append(Check(name, ERROR, f"{installed} installed, needs {specifier}"))
                continue
        checks.append(Check(name, OK, installed + (f" ({specifier})" if specifier else "")))
    return checks


def check_device(runtime: RuntimeSettings, resources: ResourceSettings, info: DeviceInfo) -> list[Check]:
    """The device the profile asks for, with its CUDA version, GPU and bf16 support."""
    requested = runtime.device
    if requested == "auto":
        requested = "cuda" if info.cuda_available else "mps" if info.mps_available else "cpu"
    if requested == "cpu":
        return [Check("device", OK, f"cpu, {info.cpu_threads} threads (torch {info.torch_version})")]
    if requested == "mps":
        if not info.mps_available:
            return [Check("device", ERROR, f"profile wants mps but torch {info.torch_version} sees no MPS device")]
        return [Check("device", OK, f"mps (torch {info.torch_version})")]
    if not info.cuda_available:
        build = "a CPU-only build" if info.cuda_version is None else f"built for CUDA {info.cuda_version}"
        return [Check("device", ERROR, f"profile wants cuda but torch {info.torch_version} ({build}) sees no GPU")]
    checks = []
    if _version_tuple(info.cuda_version or "0") < _version_tuple(resources.min_cuda):
        detail = f"torch is built for CUDA {info.cuda_version}, needs >= {resources.min_cuda}"
        checks.append(Check("cuda", ERROR, detail))
    else:
        checks.append(Check("cuda", OK, f"CUDA {info.cuda_version} (needs >= {resources.min_cuda})"))
    gpus = ", ".join(f"{name} {memory / GIB:.0f} GiB" for name, memory in info.gpus)
    checks.append(Check("device", OK, f"cuda: {gpus}"))
    if runtime.precision == "bf16" and not info.bf16_supported:
        checks.append(Check("bf16", ERROR, "the GPU has no bf16 support; use precision fp16"))
    checks.extend(check_multi_gpu(resources, info))
    return checks


def check_multi_gpu(resources: ResourceSettings, info: DeviceInfo) -> list[Check]:
    """The GPUs a multi-GPU profile is meant for are visible, and NCCL is there for them to talk through."""
    visible = info.cuda_visible_devices
    where = f" (CUDA_VISIBLE_DEVICES={visible})" if visible is not None else ""
    count = len(info.gpus)
    if count < resources.min_gpus:
        return [Check("gpus", ERROR, f"{count} GPU(s) visible{where}, the profile is for {resources.min_gpus}; "
                                     f"lower the launcher's process count and see distributed.global_batch")]
    checks = [Check("gpus", OK, f"{count} visible{where}")]
    if info.nccl_version is not None:
        checks.append(Check("nccl", OK, f"NCCL {info.nccl_version}"))
    elif resources.min_gpus > 1:
        checks.append(Check("nccl", ERROR, "torch has no NCCL: no training on more than one GPU"))
    return checks


def check_cpu_load(runtime: RuntimeSettings, load: float, cores: int) -> Check:
    """On a busy CPU, torch's threads wait for each other: one thread was 2-4x faster than two (docs/training.md)."""
    detail = f"load {load:.1f} on {cores} cores"
    if load > cores and (runtime.cpu_threads is None or runtime.cpu_threads > 1):
        return Check("cpu load", WARN, f"{detail}: the CPU is shared; runtime.cpu_threads: 1 trains faster")
    return Check("cpu load", OK, detail)


def nearest_existing(path: Path) -> Path:
    path = path.expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(free_bytes: int, resources: ResourceSettings, where: Path) -> Check:
    free_gb = free_bytes / GIB
    detail = f"{free_gb:.1f} GiB free at {where}"
    if free_gb < resources.disk_error_gb:
        return Check("disk", ERROR, f"{detail}; needs at least {resources.disk_error_gb:g} GiB")
    if free_gb < resources.disk_warn_gb:
        return Check("disk", WARN, f"{detail}; {resources.disk_warn_gb:g} GiB recommended")
    return Check("disk", OK, detail)


def check_data(data: DataSettings) -> list[Check]:
    """The data files exist and every row is a valid training example."""
    from secretscan.training.dataset import read_examples

    files = [("train data", data.train)]
    if data.validation:
        files.append(("validation data", data.validation))
    checks = []
    for name, raw in files:
        try:
            examples = read_examples(Path(raw).expanduser())
        except SecretscanError as exc:
            checks.append(Check(name, ERROR, str(exc)))
            continue
        positives = sum(e.label for e in examples)
        counts = f"{len(examples)} rows ({positives} yes / {len(examples) - positives} no)"
        checks.append(Check(name, OK, f"{raw}: {counts}"))
    if not data.validation:
        checks.append(Check("validation data", OK, f"{data.val_fraction:.0%} of the training rows held out"))
    return checks


def check_base_model(model: ModelSettings) -> Check:
    from secretscan.inference.models import check_gguf, embedded_base_model

    try:
        if model.kind == "tiny":
            embedded_base_model()
            tiny = model.tiny
            assert tiny is not None
            return Check("base model", OK, f"tiny random Llama ({tiny.layers} layers, hidden {tiny.hidden}), "
                                           "tokenizer from the embedded GGUF")
        if model.kind == "gguf":
            path = Path(model.path).expanduser() if model.path else embedded_base_model()
            check_gguf(path, "GGUF base model")
            size = f"{path.stat().st_size / 2**20:.0f} MiB"
            return Check("base model", OK, f"GGUF {path} ({size}, dequantized on first use)")
    except SecretscanError as exc:
        return Check("base model", ERROR, str(exc))
    if model.kind == "hf":
        folder = Path(model.path or "").expanduser()
        if not (folder / "config.json").is_file():
            return Check("base model", ERROR, f"{folder} is not a Hugging Face model folder (no config.json)")
        return Check("base model", OK, f"Hugging Face folder {folder}")
    return _check_hub_model(model.path or "", model.revision)


def _check_hub_model(repo_id: str, revision: str | None) -> Check:
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    if isinstance(cached, str):
        return Check("base model", OK, f"hub model {repo_id} (in the local cache)")
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return Check("base model", ERROR, f"hub model {repo_id} is not cached and HF_HUB_OFFLINE is set")
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    try:
        info = HfApi().model_info(repo_id, revision=revision, timeout=10)
    except (HfHubHTTPError, OSError, ValueError) as exc:
        return Check("base model", ERROR, f"hub model {repo_id} is not cached and the hub can't be reached "
                                          f"({str(exc).splitlines()[0]})")
    if info.gated and not os.environ.get("HF_TOKEN"):
        return Check("base model", WARN, f"hub model {repo_id} is gated: accept its licence and set HF_TOKEN")
    return Check("base model", OK, f"hub model {repo_id} (will be downloaded)")


def check_tracking(tracking: TrackingSettings, run_dir: Path) -> Check:
    """Tracking never blocks a run: missing credentials are a warning (W&B then runs offline)."""
    from secretscan.training.tracking import wandb_credentials_found, wandb_mode

    if tracking.backend == "none":
        return Check("tracking", OK, "off")
    if tracking.backend == "tensorboard":
        return Check("tracking", OK, f"TensorBoard, offline: tensorboard --logdir {run_dir / 'tensorboard'}")
    mode = wandb_mode(tracking)
    if mode == "online" and not wandb_credentials_found():
        return Check("tracking", WARN, "W&B online mode but no WANDB_API_KEY or ~/.netrc login")
    if mode == "offline" and tracking.wandb_mode == "auto":
        return Check("tracking", WARN, "no W&B API key: the run logs offline (upload later with `wandb sync`)")
    return Check("tracking", OK, f"W&B {mode}, project {tracking.project}")


def run_checks(config: TrainConfig | None, config_error: str | None, source: str) -> list[Check]:
    """Every check for a profile. With an invalid config only the environment checks run."""
    checks = [check_python(), *check_packages(config)]
    if config is None:
        checks.append(Check("config", ERROR, config_error or "no config"))
        return checks
    checks.append(Check("config", OK, f"{source} is valid"))
    if importlib.util.find_spec("torch") is not None:
        info = probe_device()
        checks.extend(check_device(config.runtime, config.resources, info))
        if config.runtime.device == "cpu" or (config.runtime.device == "auto" and not info.cuda_available
                                              and not info.mps_available):
            checks.append(check_cpu_load(config.runtime, os.getloadavg()[0], os.cpu_count() or 1))
    run_dir = Path(config.output_dir)
    where = nearest_existing(run_dir)
    checks.append(check_disk(shutil.disk_usage(where).free, config.resources, where))
    checks.extend(check_data(config.data))
    checks.append(check_base_model(config.model))
    checks.append(check_tracking(config.tracking, run_dir))
    return checks


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{SYMBOLS[c.status]} {c.name:<{width}}  {c.detail}" for c in checks]
    errors = sum(c.status == ERROR for c in checks)
    warnings = sum(c.status == WARN for c in checks)
    verdict = "ready to train" if not errors else "not ready"
    lines.append(f"{errors} error(s), {warnings} warning(s): {verdict}")
    return "\n".join(lines)


def has_errors(checks: list[Check]) -> bool:
    return any(c.status == ERROR for c in checks)
