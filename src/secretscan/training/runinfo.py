"""run.json: what the export step (and a reader a year later) needs to know about a finished run."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

RUN_FORMAT = 1
_VERSIONED = ("secretscan", "torch", "transformers", "peft", "trl", "accelerate", "datasets")


def git_commit(folder: Path) -> dict[str, Any] | None:
    """The commit of the code that trained (and whether it had uncommitted changes), or None outside a checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}

    def run(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = run("rev-parse", "HEAD")
    if commit is None:
        return None
    status = run("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_run_json(path: Path, record: dict[str, Any]) -> None:
    data = {"format": RUN_FORMAT, **record}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
