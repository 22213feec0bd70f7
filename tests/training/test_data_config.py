"""The data-build config: every shipped YAML loads, and bad values fail with a one-line ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from secretscan.errors import ConfigError
from secretscan.training.data.cli import data_group
from secretscan.training.data.config import DataConfig, config_from_mapping, load_data_config

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "configs" / "data").glob("*.yaml"))


def test_configs_are_shipped() -> None:
    assert {p.name for p in SHIPPED} >= {"default.yaml", "ci.yaml"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_loads(path: Path) -> None:
    config = load_data_config(path)
    assert isinstance(config, DataConfig)
    assert config.examples >= 10
    # The judge is asked with context_lines=0 by default; data built otherwise would not match inference.
    assert config.context_lines == 0


def test_default_config_is_sized_for_a_cpu_retrain() -> None:
    config = load_data_config(REPO / "configs" / "data" / "default.yaml")
    assert 10_000 <= config.examples <= 12_000
    assert config.positive_share == 0.5
    assert config.min_hard_negative_share >= 0.4


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"examples": 5}, "examples must be an integer between 10"),
        ({"exampels": 100}, "unknown key(s) exampels"),
        ({"splits": {"train": 0.8, "val": 0.3, "test": 0.1}}, "splits must add up to 1"),
        ({"generator": {"roles": {"password": 1, "pasword": 1}}}, "unknown key(s) pasword"),
        ({"generator": {"kinds": {"python": -1}}}, "weights must be non-negative"),
        ({"generator": {"kinds": {"cobol": 1}}}, "unknown key(s) cobol"),
        ({"generator": {"negatives": {"hash": 1}}}, "unknown key(s) hash"),
        ({"generator": {"min_slots": 3, "max_slots": 2}}, "min_slots <= max_slots"),
        ({"positive_share": 1.5}, "positive_share must be a number between 0 and 1"),
        ({"context_lines": 5}, "context_lines must be 0..3"),
        ({"dedup": {"near_threshold": 0.2}}, "near_threshold must be between 0.5 and 1"),
        ({"splits": [0.8, 0.1, 0.1]}, "splits must be a mapping"),
    ],
)
def test_bad_values_are_config_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match="^test.yaml: ") as excinfo:
        config_from_mapping(table, "test.yaml")
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("seed: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.yaml: invalid YAML"):
        load_data_config(path)


def test_build_with_a_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("examples: 100\nsplits: {train: 0.5, val: 0.1, test: 0.1}\n", encoding="utf-8")
    result = CliRunner().invoke(data_group, ["build", "--config", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"secretscan-train: error: {path}: splits must add up to 1"]
    assert not (tmp_path / "out").exists()
