"""Every shipped training config loads and validates; bad configs fail with an error that names file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from trainkit import PROFILES, TINY_PROFILE

from secretscan.errors import ConfigError
from secretscan.training.config import (
    LLAMA_LINEAR_MODULES,
    TrainConfig,
    apply_overrides,
    config_from_mapping,
    config_to_dict,
    find_profile,
    load_config,
)

SHIPPED = sorted(PROFILES.glob("*.yaml"))


def test_the_seven_profiles_are_shipped() -> None:
    assert {p.stem for p in SHIPPED} == {"cpu-tiny", "cpu-smollm2", "m4", "h100", "h100-llama3-8b", "h100x8",
                                         "h100x8-llama3-8b-fsdp"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_config_loads_validates_and_round_trips(path: Path) -> None:
    config = load_config(path)
    assert isinstance(config, TrainConfig)
    assert config.name == path.stem
    # The YAML mirrors the dataclasses: nothing is lost between them.
    assert config_from_mapping(config_to_dict(config)) == config
    # Every key in the file is a real field (an unknown one would have raised), and the file sets the essentials.
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"name", "output_dir", "model", "lora", "data", "training", "runtime"} <= set(raw)
    # Early stopping restores the best checkpoint, so each checkpoint must coincide with an evaluation.
    if config.training.early_stopping_patience is not None:
        assert config.training.save_steps % config.training.eval_steps == 0


def test_profiles_say_what_the_issue_asks() -> None:
    tiny = load_config(PROFILES / "cpu-tiny.yaml")
    assert tiny.model.kind == "tiny" and tiny.runtime.device == "cpu"
    assert tiny.model.tiny is not None and tiny.model.tiny.layers == 2 and tiny.model.tiny.hidden == 64

    smol = load_config(PROFILES / "cpu-smollm2.yaml")
    assert (smol.model.kind, smol.model.path, smol.runtime.device) == ("gguf", None, "cpu")

    m4 = load_config(PROFILES / "m4.yaml")
    assert m4.runtime.device == "mps"
    assert (m4.training.batch_size, m4.training.grad_accum, m4.training.save_steps) == (1, 8, 250)

    h100 = load_config(PROFILES / "h100.yaml")
    assert (h100.runtime.device, h100.runtime.precision, h100.runtime.attention) == ("cuda", "bf16", "auto")
    assert h100.training.save_steps == 500
    assert (h100.quantization.quant_type, h100.quantization.double_quant) == ("nf4", True)

    llama = load_config(PROFILES / "h100-llama3-8b.yaml")
    assert (llama.model.kind, llama.model.path) == ("hub", "meta-llama/Llama-3.1-8B-Instruct")
    quantization = llama.quantization
    assert quantization.load_in_4bit and quantization.quant_type == "nf4" and quantization.double_quant
    assert (llama.lora.r, llama.lora.alpha, llama.lora.dropout) == (16, 32, 0.05)
    assert llama.lora.target_modules == LLAMA_LINEAR_MODULES
    t = llama.training
    assert (t.lr, t.epochs, t.batch_size, t.grad_accum, t.scheduler) == (2e-4, 3, 4, 4, "cosine")


def test_the_eight_gpu_profiles_keep_their_batch_on_any_number_of_gpus() -> None:
    from secretscan.training.distributed import plan_batch

    ddp = load_config(PROFILES / "h100x8.yaml")
    assert (ddp.distributed.strategy, ddp.resources.min_gpus, ddp.runtime.device) == ("ddp", 8, "cuda")
    fsdp = load_config(PROFILES / "h100x8-llama3-8b-fsdp.yaml")
    assert (fsdp.distributed.strategy, fsdp.distributed.fsdp_state_dict) == ("fsdp", "sharded")
    assert fsdp.training.gradient_checkpointing and not fsdp.quantization.load_in_4bit
    assert fsdp.model.path == "meta-llama/Llama-3.1-8B-Instruct"
    for config in (ddp, fsdp):
        # A run resumed on fewer GPUs accumulates more: same examples per step, same learning rate.
        plans = [plan_batch(config.training, config.distributed, gpus) for gpus in (8, 4, 2, 1)]
        assert {p.effective_batch for p in plans} == {config.distributed.global_batch}
        assert {p.lr for p in plans} == {config.training.lr}
        assert plans[0].grad_accum == 1 and plans[-1].grad_accum == 8


def _tiny_mapping() -> dict:
    return yaml.safe_load(TINY_PROFILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["training.learning_rate=0.1"], "training.learning_rate: unknown key"),
        (["bogus=1"], "bogus: unknown key"),
        (["training.batch_size=true"], "training.batch_size: expected an integer, got True"),
        (["training.gradient_checkpointing=1"], "training.gradient_checkpointing: expected true or false"),
        (["training.lr=fast"], "training.lr: expected a number, got 'fast'"),
        (["training.lr=0"], "training: lr must be in (0, 1), not 0.0"),
        (["lora.target_modules=q_proj"], "lora.target_modules: must be a list of strings"),
        (["training.scheduler=step"], "scheduler must be one of cosine, linear, constant_with_warmup"),
        (["training.early_stopping_patience=2", "training.save_steps=5", "training.eval_steps=2"],
         "save_steps (5) must be a multiple of eval_steps (2)"),
        (["runtime.precision=bf16"], "precision bf16 needs a GPU"),
        (["model.kind=hf"], "path is required for kind 'hf'"),
        (["model.kind=gguf"], "the 'tiny' section is only valid with kind 'tiny'"),
        (["quantization.load_in_4bit=true"], "needs CUDA"),
        (["resources.disk_error_gb=9"], "need 0 <= disk_error_gb <= disk_warn_gb"),
        (["data.max_seq_len=4"], "max_seq_len must be at least 16"),
        (["model=null"], "model: must not be null"),
        (["distributed.strategy=zero3"], "strategy must be one of ddp, fsdp"),
        (["distributed.strategy=fsdp"], "distributed.strategy fsdp needs CUDA, not cpu; use ddp"),
        (["distributed.global_batch=6"], "global_batch (6) must be a multiple of training.batch_size (4)"),
        (["distributed.global_batch=8", "training.grad_accum=2"],
         "set training.grad_accum or distributed.global_batch"),
        (["distributed.global_batch=8", "distributed.lr_scaling=sqrt"], "lr_scaling must be none with a global_batch"),
        (["distributed.lr_scaling=square"], "lr_scaling must be one of none, linear, sqrt"),
        (["resources.min_gpus=0"], "min_gpus must be positive"),
    ],
)
def test_bad_values_name_the_file_and_key(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(apply_overrides(_tiny_mapping(), overrides), "cpu-tiny.yaml")
    text = str(caught.value)
    assert text.startswith("cpu-tiny.yaml: ")
    assert message in text
    assert "\n" not in text


def test_a_missing_required_key_is_named() -> None:
    mapping = _tiny_mapping()
    del mapping["output_dir"]
    with pytest.raises(ConfigError, match=r"^x.yaml: output_dir: required key is missing$"):
        config_from_mapping(mapping, "x.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("name: [unclosed", "invalid YAML"),
    ("- a\n- b\n", "the top level must be a mapping"),
])
def test_unreadable_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_overrides_set_nested_values_and_parse_them_as_yaml() -> None:
    config = config_from_mapping(apply_overrides(_tiny_mapping(), [
        "training.max_steps=3", "lora.target_modules=[q_proj, v_proj]", "data.validation=null", "name=other",
    ]))
    assert config.training.max_steps == 3
    assert config.lora.target_modules == ("q_proj", "v_proj")
    assert config.data.validation is None
    assert config.name == "other"
    with pytest.raises(ConfigError, match="must look like section.key=value"):
        apply_overrides({}, ["training.max_steps"])


def test_profiles_are_found_by_name_and_unknown_names_list_the_known(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no configs/ here: the checkout's profiles are used
    assert find_profile("cpu-tiny") == TINY_PROFILE
    with pytest.raises(ConfigError, match=r"unknown profile 'gpu-huge'; known: cpu-smollm2, cpu-tiny, h100"):
        find_profile("gpu-huge")
    # A project's own configs/train/ comes first.
    own = tmp_path / "configs" / "train" / "cpu-tiny.yaml"
    own.parent.mkdir(parents=True)
    own.write_text(TINY_PROFILE.read_text(encoding="utf-8"), encoding="utf-8")
    assert find_profile("cpu-tiny") == own
