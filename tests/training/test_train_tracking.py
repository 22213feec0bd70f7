"""Tracking: TensorBoard by default (files only), W&B offline unless credentials are found."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from secretscan.errors import ConfigError
from secretscan.training.config import TrackingSettings
from secretscan.training.tracking import tracking_callbacks, wandb_credentials_found, wandb_mode


@pytest.fixture
def no_wandb_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "absent-netrc"))


@pytest.mark.usefixtures("no_wandb_login")
def test_wandb_runs_offline_without_credentials_and_online_with_them(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not wandb_credentials_found()
    assert wandb_mode(TrackingSettings(backend="wandb")) == "offline"
    assert wandb_mode(TrackingSettings(backend="wandb", wandb_mode="online")) == "online"
    monkeypatch.setenv("WANDB_API_KEY", "k" * 40)
    assert wandb_mode(TrackingSettings(backend="wandb")) == "online"
    assert wandb_mode(TrackingSettings(backend="wandb", wandb_mode="offline")) == "offline"


def test_tensorboard_writes_into_the_run_directory(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    [callback] = tracking_callbacks(TrackingSettings(backend="tensorboard"), tmp_path, "run")
    callback.tb_writer.add_scalar("train/loss", 1.0, 1)
    callback.tb_writer.close()
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    assert tracking_callbacks(TrackingSettings(backend="none"), tmp_path, "run") == []


@pytest.mark.skipif(importlib.util.find_spec("wandb") is not None, reason="wandb is installed here")
def test_wandb_without_the_package_is_a_clear_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"wandb is not installed \(pip install wandb\)"):
        tracking_callbacks(TrackingSettings(backend="wandb"), tmp_path, "run")


@pytest.mark.usefixtures("no_wandb_login")
def test_wandb_offline_run_needs_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("wandb")
    for name in ("WANDB_MODE", "WANDB_DIR", "WANDB_PROJECT", "WANDB_NAME"):
        # set, then delete: monkeypatch then restores the variable's absence after tracking_callbacks sets it
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    [callback] = tracking_callbacks(TrackingSettings(backend="wandb", project="p"), tmp_path, "run")
    assert os.environ["WANDB_MODE"] == "offline" and os.environ["WANDB_DIR"] == str(tmp_path)
    assert type(callback).__name__ == "WandbCallback"
