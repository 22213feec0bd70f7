"""Experiment tracking: TensorBoard by default (files only, works offline), W&B when configured.

W&B runs offline when no API key is found (mode `auto`), so a run never fails or hangs for want of a login; the
offline run can be uploaded later with `wandb sync`.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError
from secretscan.training.config import TrackingSettings


def wandb_credentials_found() -> bool:
    """An API key in the environment or a login saved in ~/.netrc."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    netrc = Path(os.environ.get("NETRC", Path.home() / ".netrc"))
    try:
        return "api.wandb.ai" in netrc.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def wandb_mode(settings: TrackingSettings) -> str:
    if settings.wandb_mode != "auto":
        return settings.wandb_mode
    return "online" if wandb_credentials_found() else "offline"


def tracking_callbacks(settings: TrackingSettings, run_dir: Path, run_name: str) -> list[Any]:
    """Trainer callbacks that send the logged metrics to the configured tracker."""
    if settings.backend == "none":
        return []
    if settings.backend == "tensorboard":
        from torch.utils.tensorboard import SummaryWriter
        from transformers.integrations import TensorBoardCallback

        return [TensorBoardCallback(tb_writer=SummaryWriter(log_dir=str(run_dir / "tensorboard")))]
    if importlib.util.find_spec("wandb") is None:
        raise ConfigError("tracking.backend is wandb but wandb is not installed (pip install wandb)")
    from transformers.integrations import WandbCallback

    # WandbCallback reads its settings from the environment when the run starts.
    os.environ.setdefault("WANDB_PROJECT", settings.project)
    os.environ.setdefault("WANDB_NAME", run_name)
    os.environ["WANDB_MODE"] = wandb_mode(settings)
    os.environ["WANDB_DIR"] = str(run_dir)
    return [WandbCallback()]
