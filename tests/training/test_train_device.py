"""Which device and attention implementation a run gets, decided from what is available."""

from __future__ import annotations

import importlib.util

import pytest

from secretscan.errors import ConfigError
from secretscan.training.device import resolve_attention, resolve_device, torch_dtype_name

CPU_ONLY = {"cuda": False, "mps": False, "cpu": True}


def test_auto_prefers_cuda_then_mps_then_cpu() -> None:
    assert resolve_device("auto", {"cuda": True, "mps": True, "cpu": True}) == "cuda"
    assert resolve_device("auto", {"cuda": False, "mps": True, "cpu": True}) == "mps"
    assert resolve_device("auto", CPU_ONLY) == "cpu"


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_a_missing_device_is_an_error_not_a_silent_cpu_run(device: str) -> None:
    with pytest.raises(ConfigError, match=f"runtime.device is {device} but torch sees no {device} device"):
        resolve_device(device, CPU_ONLY)


def test_this_machine_resolves_its_own_devices() -> None:
    torch = pytest.importorskip("torch")
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve_device("auto") == expected


def test_attention_auto_means_flash_attention_2_only_on_cuda_with_flash_attn() -> None:
    flash = importlib.util.find_spec("flash_attn") is not None
    assert resolve_attention("auto", "cuda") == ("flash_attention_2" if flash else "sdpa")
    assert resolve_attention("auto", "cpu") == "sdpa"
    assert resolve_attention("auto", "mps") == "sdpa"
    assert resolve_attention("eager", "cuda") == "eager"


def test_precisions_name_torch_dtypes() -> None:
    torch = pytest.importorskip("torch")
    for precision in ("fp32", "bf16", "fp16"):
        assert isinstance(getattr(torch, torch_dtype_name(precision)), torch.dtype)
