"""A finished training run, as the export step reads it: `<run>/adapter/`, `<run>/tokenizer/`, `<run>/run.json`.

run.json is written by `secretscan.training.train`; `base_model` records where the base weights came from
(`ResolvedSource.as_dict()`), so the export merges the adapter into exactly the weights it was trained on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secretscan.errors import ModelError

ADAPTER_DIR = "adapter"
TOKENIZER_DIR = "tokenizer"
RUN_JSON = "run.json"


@dataclass(frozen=True)
class TrainingRun:
    root: Path
    record: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.record.get("name") or self.root.name)

    @property
    def adapter_dir(self) -> Path:
        return self.root / str(self.record.get("adapter") or ADAPTER_DIR)

    @property
    def tokenizer_dir(self) -> Path | None:
        path = self.root / str(self.record.get("tokenizer") or TOKENIZER_DIR)
        return path if path.is_dir() else None

    @property
    def base_model(self) -> dict[str, Any]:
        base: dict[str, Any] = self.record["base_model"]
        return base

    @property
    def base_kind(self) -> str:
        return str(self.base_model["kind"])

    @property
    def base_gguf(self) -> Path | None:
        """The GGUF file the run was trained from (kind gguf), which a GGUF LoRA of this run applies to."""
        if self.base_kind != "gguf" or not self.base_model.get("location"):
            return None
        return Path(self.base_model["location"])

    @property
    def lora_settings(self) -> dict[str, Any]:
        return dict(self.record.get("config", {}).get("lora", {}))

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.record.get("metrics") or {})


def load_run(root: Path) -> TrainingRun:
    """Read and check a run directory; a clear ModelError names what is missing."""
    run_json = root / RUN_JSON
    if not run_json.is_file():
        raise ModelError(f"{root} is not a training run: {RUN_JSON} is missing (train with `secretscan-train train`)")
    try:
        record = json.loads(run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {run_json}: {exc}") from None
    base = record.get("base_model") if isinstance(record, dict) else None
    if not isinstance(base, dict) or "kind" not in base:
        raise ModelError(f"{run_json} does not record the base model (base_model.kind)")
    run = TrainingRun(root=root, record=record)
    if not (run.adapter_dir / "adapter_config.json").is_file():
        raise ModelError(f"{run.adapter_dir} holds no LoRA adapter (adapter_config.json is missing)")
    return run
