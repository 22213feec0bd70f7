"""`secretscan-train doctor`: the real report for the CPU profile, and each check's verdicts on given states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from trainkit import PROFILES, TINY_PROFILE, make_data

from secretscan.training import doctor
from secretscan.training.cli import main
from secretscan.training.config import ResourceSettings, RuntimeSettings, TrackingSettings, load_config

GIB = 1024**3
CPU_ONLY = doctor.DeviceInfo("2.13.0+cpu", False, None, (), False, False, 2)
H100 = doctor.DeviceInfo("2.13.0+cu124", True, "12.4", (("NVIDIA H100 80GB HBM3", 80 * GIB),), True, False, 16)


def _lines(output: str) -> dict[str, str]:
    """{check name: its whole line} of a doctor report (`✓ name   detail`; names are padded to one width)."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"(\S) (.+?) {2,}", line)
        if match and match.group(1) in doctor.SYMBOLS.values():
            found[match.group(2)] = line
    return found


def test_doctor_passes_the_cpu_profile_with_its_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    make_data(tmp_path / "data")  # where cpu-tiny looks: data/train.jsonl, data/val.jsonl
    code = main(["doctor", "--profile", "cpu-tiny"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = _lines(out)
    for name in ("python", "torch", "transformers", "peft", "trl", "config", "device", "disk", "tracking"):
        assert lines[name].startswith("✓"), lines.get(name)
    assert "cpu, " in lines["device"]
    assert lines["train data"].startswith("✓") and "24 rows (12 yes / 12 no)" in lines["train data"]
    assert lines["validation data"].startswith("✓") and "8 rows" in lines["validation data"]
    assert lines["base model"].startswith("✓") and "tiny random Llama" in lines["base model"]
    assert out.rstrip().endswith("0 error(s), 0 warning(s): ready to train")


def test_doctor_fails_without_data_and_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["doctor", "--profile", "cpu-smollm2"]) == 1
    out = capsys.readouterr().out
    line = _lines(out)["train data"]
    assert line.startswith("✗") and "data file not found" in line and "secretscan-train data build" in line
    assert "not ready" in out


def test_doctor_reports_a_corrupt_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    train, _ = make_data(tmp_path / "data")
    with train.open("a", encoding="utf-8") as handle:
        handle.write('{"messages": [{"role": "user", "content": "x"}]}\n')
    assert main(["doctor", "--profile", "cpu-tiny"]) == 1
    assert "train.jsonl:25: messages must be system, user, assistant" in _lines(capsys.readouterr().out)["train data"]


def test_doctor_reports_an_invalid_config_and_still_checks_the_environment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_PROFILE.read_text(encoding="utf-8").replace("lr: 2.0e-2", "lr: -1"), encoding="utf-8")
    assert main(["doctor", "--config", str(bad)]) == 1
    lines = _lines(capsys.readouterr().out)
    assert lines["config"].startswith("✗") and "lr must be in (0, 1)" in lines["config"]
    assert lines["torch"].startswith("✓")


def test_doctor_on_this_cpu_machine_fails_the_gpu_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    monkeypatch.chdir(tmp_path)
    make_data(tmp_path / "data")
    assert main(["doctor", "--profile", "h100"]) == 1
    lines = _lines(capsys.readouterr().out)
    assert lines["device"].startswith("✗") and "sees no GPU" in lines["device"]


def test_device_verdicts() -> None:
    cuda = RuntimeSettings(device="cuda", precision="bf16", attention="auto")
    needs_121 = ResourceSettings(min_cuda="12.1")
    [cpu_build] = doctor.check_device(cuda, needs_121, CPU_ONLY)
    assert cpu_build.status == doctor.ERROR and "a CPU-only build" in cpu_build.detail

    good = {c.name: c for c in doctor.check_device(cuda, needs_121, H100)}
    assert good["cuda"].status == doctor.OK and "CUDA 12.4" in good["cuda"].detail
    assert good["device"].status == doctor.OK and "NVIDIA H100 80GB HBM3 80 GiB" in good["device"].detail
    assert "bf16" not in good

    old = {c.name: c for c in doctor.check_device(cuda, needs_121, H100.__class__(**{**H100.__dict__,
                                                                                   "cuda_version": "11.8"}))}
    assert old["cuda"].status == doctor.ERROR and "needs >= 12.1" in old["cuda"].detail

    no_bf16 = H100.__class__(**{**H100.__dict__, "bf16_supported": False})
    assert {c.name: c.status for c in doctor.check_device(cuda, needs_121, no_bf16)}["bf16"] == doctor.ERROR

    [mps] = doctor.check_device(RuntimeSettings(device="mps"), needs_121, CPU_ONLY)
    assert mps.status == doctor.ERROR and "no MPS device" in mps.detail
    [auto] = doctor.check_device(RuntimeSettings(device="auto"), needs_121, CPU_ONLY)
    assert auto.status == doctor.OK and auto.detail.startswith("cpu")


def test_multi_gpu_profiles_need_their_gpus_and_nccl() -> None:
    from dataclasses import replace

    cuda = RuntimeSettings(device="cuda", precision="bf16", attention="auto")
    eight = ResourceSettings(min_gpus=8)
    node = replace(H100, gpus=H100.gpus * 8, nccl_version="2.21.5", cuda_visible_devices="0,1,2,3,4,5,6,7")
    checks = {c.name: c for c in doctor.check_device(cuda, eight, node)}
    assert checks["gpus"].status == doctor.OK
    assert checks["gpus"].detail == "8 visible (CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7)"
    assert checks["nccl"].status == doctor.OK and checks["nccl"].detail == "NCCL 2.21.5"

    alone = replace(node, gpus=H100.gpus, cuda_visible_devices="3")
    one = {c.name: c for c in doctor.check_device(cuda, eight, alone)}
    assert one["gpus"].status == doctor.ERROR
    assert one["gpus"].detail.startswith("1 GPU(s) visible (CUDA_VISIBLE_DEVICES=3), the profile is for 8")

    no_nccl = {c.name: c for c in doctor.check_device(cuda, eight, replace(node, nccl_version=None))}
    assert no_nccl["nccl"].status == doctor.ERROR and "no NCCL" in no_nccl["nccl"].detail
    # One GPU needs no NCCL: nothing to say about it.
    single = {c.name: c for c in doctor.check_device(cuda, ResourceSettings(), H100)}
    assert single["gpus"].status == doctor.OK and "nccl" not in single


def test_a_busy_cpu_suggests_one_thread() -> None:
    busy = doctor.check_cpu_load(RuntimeSettings(device="cpu"), 9.1, 2)
    assert busy.status == doctor.WARN and "load 9.1 on 2 cores" in busy.detail and "cpu_threads: 1" in busy.detail
    assert doctor.check_cpu_load(RuntimeSettings(device="cpu", cpu_threads=1), 9.1, 2).status == doctor.OK
    assert doctor.check_cpu_load(RuntimeSettings(device="cpu"), 0.5, 2).status == doctor.OK


def test_disk_thresholds() -> None:
    resources = ResourceSettings(disk_warn_gb=10, disk_error_gb=3)
    where = Path("/data")
    assert doctor.check_disk(50 * GIB, resources, where).status == doctor.OK
    warn = doctor.check_disk(5 * GIB, resources, where)
    assert warn.status == doctor.WARN and "10 GiB recommended" in warn.detail
    error = doctor.check_disk(2 * GIB, resources, where)
    assert error.status == doctor.ERROR and "needs at least 3 GiB" in error.detail and "/data" in error.detail


def test_tracking_credentials_only_ever_warn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    run = tmp_path / "run"
    assert doctor.check_tracking(TrackingSettings(backend="tensorboard"), run).status == doctor.OK
    offline = doctor.check_tracking(TrackingSettings(backend="wandb"), run)
    assert offline.status == doctor.WARN and "offline" in offline.detail
    assert doctor.check_tracking(TrackingSettings(backend="wandb", wandb_mode="online"), run).status == doctor.WARN
    assert doctor.check_tracking(TrackingSettings(backend="wandb", wandb_mode="offline"), run).status == doctor.OK
    (tmp_path / "netrc").write_text("machine api.wandb.ai\n  login user\n  password k\n", encoding="utf-8")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    online = doctor.check_tracking(TrackingSettings(backend="wandb"), run)
    assert online.status == doctor.OK and "W&B online" in online.detail


def test_gpu_profiles_ask_for_their_extra_packages() -> None:
    names = {c.name: c for c in doctor.check_packages(load_config(PROFILES / "h100-llama3-8b.yaml"))}
    assert "bitsandbytes" in names and "flash-attn" in names
    # flash-attn is optional (SDPA otherwise): never worse than a warning when missing.
    assert names["flash-attn"].status in (doctor.OK, doctor.WARN)
    assert "bitsandbytes" not in {c.name for c in doctor.check_packages(load_config(TINY_PROFILE))}


def test_python_version_check() -> None:
    assert doctor.check_python((3, 9, 18)).status == doctor.ERROR
    assert doctor.check_python((3, 11, 7)).status == doctor.OK
