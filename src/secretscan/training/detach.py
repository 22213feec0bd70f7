"""`secretscan-train train --detach`: run the job in tmux when it is installed, otherwise under nohup.

The job runs `python -m secretscan.training.cli train ...` with the same interpreter, and writes its log to a path
chosen here, so the instructions printed can name the file to tail.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secretscan.errors import SecretscanError

# A tmux server that is already running gives new sessions its own environment, not ours: pass on what a training
# job reads (caches, tokens, devices, threads) explicitly.
_PASSED_ENV_PREFIXES = ("SECRETSCAN_", "HF_", "HUGGINGFACE_", "TRANSFORMERS_", "WANDB_", "CUDA_", "PYTORCH_",
                        "TOKENIZERS_", "OMP_", "MKL_")
_PASSED_ENV_NAMES = ("PATH", "VIRTUAL_ENV", "PYTHONPATH", "HOME")


@dataclass(frozen=True)
class DetachedJob:
    method: str  # "tmux" or "nohup"
    # The tmux session name, or the nohup process id.
    handle: str
    log_path: Path
    instructions: str


def job_command(train_args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "secretscan.training.cli", "train", *train_args]


def _passed_env() -> list[str]:
    return [f"{k}={v}" for k, v in sorted(os.environ.items())
            if k in _PASSED_ENV_NAMES or k.startswith(_PASSED_ENV_PREFIXES)]


def detach(train_args: Sequence[str], log_path: Path, session: str, *, prefer_tmux: bool = True) -> DetachedJob:
    """Start the training job in the background and say how to follow it. `train_args` must include --log-file."""
    tmux = shutil.which("tmux") if prefer_tmux else None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = job_command(train_args)
    if tmux is not None:
        env_args = [arg for item in _passed_env() for arg in ("-e", item)]
        done = subprocess.run(
            [tmux, "new-session", "-d", "-s", session, "-c", str(Path.cwd()), *env_args, shlex.join(command)],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise SecretscanError(f"tmux could not start the job: {done.stderr.strip() or done.returncode}")
        instructions = (
            f"training in tmux session {session}\n"
            f"  attach: tmux attach -t {session}   (detach again with Ctrl-b d)\n"
            f"  log:    tail -f {log_path}"
        )
        return DetachedJob("tmux", session, log_path, instructions)
    # No terminal to show the console on: the job writes only its log (--quiet), and its stderr (warnings, a crash)
    # goes to the same file.
    with log_path.open("a", encoding="utf-8") as sink:
        process = subprocess.Popen(
            ["nohup", *command, "--quiet"], stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    instructions = (
        f"training in the background with nohup (pid {process.pid}; tmux not found)\n"
        f"  log:  tail -f {log_path}\n"
        f"  stop: kill {process.pid}"
    )
    return DetachedJob("nohup", str(process.pid), log_path, instructions)
