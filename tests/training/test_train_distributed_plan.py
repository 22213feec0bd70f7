"""The pieces of a multi-process run that need no second process: the batch plan and its learning rate, the FSDP
arguments, the launcher's environment, and `--gpus` refusing what can't work before it starts any process."""

from __future__ import annotations

import math

import pytest
from trainkit import PROFILES, TINY_PROFILE

from secretscan.errors import ConfigError
from secretscan.training.cli import main
from secretscan.training.config import DistributedSettings, TrainingSettings, load_config
from secretscan.training.distributed import World, check_gpus, fsdp_arguments, launched_world, plan_batch


@pytest.mark.parametrize(("scaling", "factor"), [("none", 1.0), ("linear", 8.0), ("sqrt", math.sqrt(8))])
def test_without_a_global_batch_the_batch_grows_with_the_processes_and_the_lr_follows_the_scaling(
        scaling: str, factor: float) -> None:
    training = TrainingSettings(batch_size=4, grad_accum=2, lr=1e-4)
    plan = plan_batch(training, DistributedSettings(lr_scaling=scaling), 8)
    assert (plan.per_device, plan.grad_accum, plan.effective_batch) == (4, 2, 64)
    assert plan.lr == pytest.approx(1e-4 * factor) and plan.base_lr == 1e-4
    # One process is the reference the learning rate was set for.
    assert plan_batch(training, DistributedSettings(lr_scaling=scaling), 1).lr == 1e-4


def test_a_global_batch_is_kept_by_deriving_the_accumulation() -> None:
    training = TrainingSettings(batch_size=2, lr=1e-4)
    settings = DistributedSettings(global_batch=12)
    assert [plan_batch(training, settings, n).grad_accum for n in (1, 2, 3, 6)] == [6, 3, 2, 1]
    assert {plan_batch(training, settings, n).effective_batch for n in (1, 2, 3, 6)} == {12}
    with pytest.raises(ConfigError, match=r"^distributed.global_batch \(12\) is not a multiple of "
                                          r"training.batch_size x processes \(2 x 4\)$"):
        plan_batch(training, settings, 4)


def test_fsdp_arguments_shard_only_launched_fsdp_runs() -> None:
    fsdp = load_config(PROFILES / "h100x8-llama3-8b-fsdp.yaml")
    arguments = fsdp_arguments(fsdp, World(rank=3, size=8, launched=True))
    assert arguments["fsdp"] is True
    assert arguments["fsdp_config"]["state_dict_type"] == "SHARDED_STATE_DICT"
    assert arguments["fsdp_config"]["activation_checkpointing"] is True
    # One process without a launcher is a plain run; DDP needs no extra arguments.
    assert fsdp_arguments(fsdp, World()) == {}
    assert fsdp_arguments(load_config(PROFILES / "h100x8.yaml"), World(rank=0, size=8, launched=True)) == {}
    full = load_config(PROFILES / "h100x8-llama3-8b-fsdp.yaml", ["distributed.fsdp_state_dict=full"])
    assert fsdp_arguments(full, World(size=2, launched=True))["fsdp_config"]["state_dict_type"] == "FULL_STATE_DICT"


def test_the_launcher_s_environment_gives_the_world(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert launched_world() == World(rank=0, size=1, launched=False)
    monkeypatch.setenv("RANK", "5")
    monkeypatch.setenv("WORLD_SIZE", "8")
    world = launched_world()
    assert world == World(rank=5, size=8, launched=True) and not world.is_main


def test_gpus_refuses_what_cannot_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    h100x8 = load_config(PROFILES / "h100x8.yaml")
    with pytest.raises(ConfigError, match=r"^--gpus 8, but torch sees 2 CUDA GPU\(s\) \(CUDA_VISIBLE_DEVICES=0,1\)$"):
        check_gpus(h100x8, 8, visible=2)
    with pytest.raises(ConfigError, match=r"global_batch \(64\) is not a multiple of .* \(8 x 3\)"):
        check_gpus(h100x8, 3, visible=4)
    check_gpus(h100x8, 4, visible=4)
    with pytest.raises(ConfigError, match="runtime.device is cpu; for several CPU processes run torchrun"):
        check_gpus(load_config(TINY_PROFILE), 2, visible=0)
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ConfigError, match="inside a launcher"):
        check_gpus(h100x8, 2, visible=2)


def test_gpus_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert main(["train", "--profile", "cpu-tiny", "--gpus", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("secretscan-train: error: --gpus starts one process per CUDA GPU") and err.count("\n") == 1
    assert main(["train", "--profile", "cpu-tiny", "--gpus", "0"]) == 2
    assert "Traceback" not in capsys.readouterr().err
