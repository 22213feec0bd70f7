"""Auto-resume from the newest complete checkpoint, and stop a crash loop.

`resume_metadata.json` in the run directory records every attempt. An attempt that starts from the same step as
the one before it made no progress; the third such resume in a row stops with exit 2 instead of burning GPU hours
on a job that dies at the same place every time.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError, SecretscanError

METADATA_FILE = "resume_metadata.json"
CHECKPOINTS_DIR = "checkpoints"
# Written into a checkpoint folder once the trainer has finished saving it (see callbacks.CheckpointCallback):
# a folder without it was cut short by a kill and is never resumed from.
COMPLETE_MARKER = "secretscan-complete"
MAX_STALLED_RESUMES = 3
# Config keys that may change between attempts of one run: where the run directory is (it may be moved), where
# to log, and how long to go on.
RESUMABLE_CHANGES = ("output_dir", "training.max_steps", "training.epochs", "training.logging_steps", "tracking.",
                     "resources.")
# Everything a run writes, removed by `--fresh` (logs/ is kept: it is the history of the attempts).
RUN_OUTPUTS = (CHECKPOINTS_DIR, "adapter", "tokenizer", "tensorboard", "wandb", "run.json", METADATA_FILE)

_CHECKPOINT_NAME = re.compile(r"checkpoint-(\d+)")


class CrashLoopError(SecretscanError):
    """Resumed again and again without a step of progress."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    step: int


@dataclass(frozen=True)
class Attempt:
    """How this attempt starts: from a checkpoint, or from scratch."""

    checkpoint: Checkpoint | None
    resume_count: int
    stalled_resumes: int

    @property
    def start_step(self) -> int:
        return self.checkpoint.step if self.checkpoint else 0


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def complete_checkpoints(run_dir: Path) -> list[Checkpoint]:
    """Checkpoints that were saved completely, oldest first."""
    folder = run_dir / CHECKPOINTS_DIR
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        match = _CHECKPOINT_NAME.fullmatch(child.name)
        if match and (child / COMPLETE_MARKER).is_file():
            found.append(Checkpoint(child, int(match.group(1))))
    return sorted(found, key=lambda c: c.step)


def read_metadata(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / METADATA_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is unreadable ({exc}); use --fresh to start the run over") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object; use --fresh to start the run over")
    return data


def write_metadata(run_dir: Path, data: dict[str, Any]) -> None:
    """Write atomically: a kill mid-write must not leave a half file that blocks the next resume."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / METADATA_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def config_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two config dicts, ignoring those a resume may change."""
    before, after = _flatten(old), _flatten(new)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return [k for k in changed if not any(k == r or (r.endswith(".") and k.startswith(r)) for r in RESUMABLE_CHANGES)]


def clear_run(run_dir: Path) -> None:
    """Remove a run's outputs (for `--fresh`); logs are kept."""
    for name in RUN_OUTPUTS:
        target = run_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def begin_attempt(run_dir: Path, config: dict[str, Any]) -> Attempt:
    """Record the start of an attempt and decide where it starts from.

    Raises ConfigError when the run directory holds a finished run or another config's checkpoints, and
    CrashLoopError on the MAX_STALLED_RESUMES-th resume in a row that starts where the previous attempt started.
    """
    if (run_dir / "run.json").is_file():
        raise ConfigError(f"{run_dir} holds a finished run; use --fresh to train again, or another output_dir")
    metadata = read_metadata(run_dir)
    checkpoints = complete_checkpoints(run_dir)
    checkpoint = checkpoints[-1] if checkpoints else None
    timestamp = now_iso()
    if metadata is None:
        if checkpoint is not None:
            raise ConfigError(f"{run_dir} has checkpoints but no {METADATA_FILE}; use --fresh or another output_dir")
        metadata = {"created_at": timestamp, "config": config, "resume_count": 0, "stalled_resumes": 0,
                    "last_step": 0, "attempts": []}
    else:
        changed = config_changes(metadata.get("config", {}), config)
        if changed:
            raise ConfigError(
                f"{run_dir} holds a run with a different config ({', '.join(changed[:5])} changed); "
                "use --fresh to start over, or another output_dir"
            )
        start = checkpoint.step if checkpoint else 0
        previous_start = metadata["attempts"][-1]["from_step"] if metadata.get("attempts") else -1
        metadata["resume_count"] = int(metadata.get("resume_count", 0)) + 1
        metadata["stalled_resumes"] = int(metadata.get("stalled_resumes", 0)) + 1 if start <= previous_start else 0
        metadata["config"] = config
    metadata["attempts"].append({"started_at": timestamp, "from_step": checkpoint.step if checkpoint else 0})
    metadata["updated_at"] = timestamp
    write_metadata(run_dir, metadata)
    stalled = metadata["stalled_resumes"]
    if stalled >= MAX_STALLED_RESUMES:
        raise CrashLoopError(
            f"crash loop detected: resumed {stalled} times in a row without progress past step "
            f"{checkpoint.step if checkpoint else 0}; read the log in {run_dir / 'logs'}, fix the cause, then "
            "re-run (or use --fresh to start over)"
        )
    return Attempt(checkpoint=checkpoint, resume_count=metadata["resume_count"], stalled_resumes=stalled)


def record_checkpoint(run_dir: Path, step: int) -> None:
    metadata = read_metadata(run_dir) or {}
    metadata["last_step"] = step
    metadata["updated_at"] = now_iso()
    write_metadata(run_dir, metadata)


def record_finished(run_dir: Path, step: int) -> None:
    metadata = read_metadata(run_dir) or {}
    metadata["last_step"] = step
    metadata["finished_at"] = metadata["updated_at"] = now_iso()
    write_metadata(run_dir, metadata)
