"""Auto-resume: a training process killed with SIGKILL resumes from its newest complete checkpoint, and resuming
again and again without progress stops with exit 2 ("crash loop detected")."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from trainkit import TINY_PROFILE, make_data, tagged_lines, tiny_overrides

from secretscan.errors import ConfigError
from secretscan.training.resume import (
    COMPLETE_MARKER,
    METADATA_FILE,
    CrashLoopError,
    begin_attempt,
    clear_run,
    complete_checkpoints,
    read_metadata,
)

TIMEOUT = 600  # seconds; generous because the CI machine's two cores are shared


def _checkpoint(run_dir: Path, step: int, complete: bool = True) -> Path:
    folder = run_dir / "checkpoints" / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    if complete:
        (folder / COMPLETE_MARKER).write_text("done\n", encoding="utf-8")
    return folder


CONFIG = {"name": "t", "output_dir": "runs/t", "training": {"lr": 0.001, "max_steps": 10}}


def test_a_fresh_run_starts_at_zero_and_records_the_attempt(tmp_path: Path) -> None:
    attempt = begin_attempt(tmp_path, CONFIG)
    assert attempt.checkpoint is None and attempt.start_step == 0 and attempt.resume_count == 0
    metadata = read_metadata(tmp_path)
    assert metadata is not None
    assert metadata["last_step"] == 0 and metadata["resume_count"] == 0
    assert metadata["created_at"] and metadata["updated_at"] and metadata["attempts"][0]["from_step"] == 0


def test_resume_picks_the_newest_complete_checkpoint(tmp_path: Path) -> None:
    begin_attempt(tmp_path, CONFIG)
    _checkpoint(tmp_path, 4)
    _checkpoint(tmp_path, 8)
    _checkpoint(tmp_path, 12, complete=False)  # killed while saving
    (tmp_path / "checkpoints" / "not-a-checkpoint").mkdir()
    assert [c.step for c in complete_checkpoints(tmp_path)] == [4, 8]
    attempt = begin_attempt(tmp_path, CONFIG)
    assert attempt.checkpoint is not None and attempt.checkpoint.step == 8
    assert attempt.resume_count == 1 and attempt.stalled_resumes == 0


def test_the_third_resume_without_progress_is_a_crash_loop(tmp_path: Path) -> None:
    begin_attempt(tmp_path, CONFIG)
    _checkpoint(tmp_path, 2)
    assert begin_attempt(tmp_path, CONFIG).stalled_resumes == 0  # 0 -> 2: progress
    assert begin_attempt(tmp_path, CONFIG).stalled_resumes == 1
    assert begin_attempt(tmp_path, CONFIG).stalled_resumes == 2
    with pytest.raises(CrashLoopError, match=r"^crash loop detected: resumed 3 times in a row without progress "
                                             r"past step 2") as caught:
        begin_attempt(tmp_path, CONFIG)
    assert caught.value.exit_code == 2
    # Progress clears the count.
    _checkpoint(tmp_path, 4)
    attempt = begin_attempt(tmp_path, CONFIG)
    assert attempt.stalled_resumes == 0 and attempt.resume_count == 5


def test_a_run_directory_is_only_resumed_with_its_own_config(tmp_path: Path) -> None:
    begin_attempt(tmp_path, CONFIG)
    changed = {**CONFIG, "training": {"lr": 0.01, "max_steps": 10}}
    with pytest.raises(ConfigError, match=r"different config \(training.lr changed\); use --fresh"):
        begin_attempt(tmp_path, changed)
    # Going on for longer, or from a moved directory, is fine.
    longer = {**CONFIG, "output_dir": "elsewhere", "training": {"lr": 0.001, "max_steps": 20}}
    assert begin_attempt(tmp_path, longer).resume_count == 1


def test_checkpoints_without_metadata_and_corrupt_metadata_are_refused(tmp_path: Path) -> None:
    _checkpoint(tmp_path, 2)
    with pytest.raises(ConfigError, match=f"no {METADATA_FILE}"):
        begin_attempt(tmp_path, CONFIG)
    (tmp_path / METADATA_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="unreadable"):
        begin_attempt(tmp_path, CONFIG)


def test_fresh_removes_the_outputs_and_keeps_the_logs(tmp_path: Path) -> None:
    begin_attempt(tmp_path, CONFIG)
    _checkpoint(tmp_path, 2)
    (tmp_path / "adapter").mkdir()
    (tmp_path / "run.json").write_text("{}", encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "train-1.log").write_text("x\n", encoding="utf-8")
    clear_run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs"]
    assert begin_attempt(tmp_path, CONFIG).checkpoint is None


# --- real processes, really killed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KilledRun:
    run_dir: Path
    overrides: list[str]
    killed_at: int


def _start(overrides: list[str], log_file: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "secretscan.training.cli", "train", "--config", str(TINY_PROFILE),
               *(f"--set={o}" for o in overrides), "--log-file", str(log_file), "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_until(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"training exited with {process.returncode} before it was killed: {err[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("timed out waiting for the training process")
        time.sleep(0.05)


def _kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def _copy(killed: KilledRun, target: Path) -> list[str]:
    """A copy of the killed run directory (each test resumes its own), and the overrides that point at it."""
    shutil.copytree(killed.run_dir, target)
    return [o for o in killed.overrides if not o.startswith("output_dir=")] + [f"output_dir={target}"]


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> KilledRun:
    folder = tmp_path_factory.mktemp("killed")
    train, val = make_data(folder / "data")
    overrides = tiny_overrides(folder / "run", train, val, **{"training.max_steps": 4})  # a checkpoint every 2
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRETSCAN_CACHE_DIR", str(model_cache))
        process = _start(overrides, folder / "first.log")
        _wait_until(lambda: bool(complete_checkpoints(folder / "run")), process)
        _kill(process)
    checkpoints = complete_checkpoints(folder / "run")
    assert checkpoints and not (folder / "run" / "run.json").exists()
    return KilledRun(folder / "run", overrides, checkpoints[-1].step)


def test_a_sigkilled_run_resumes_from_its_checkpoint(killed: KilledRun, tmp_path: Path, shared_cache: Path) -> None:
    overrides = _copy(killed, tmp_path / "run")
    log = tmp_path / "resume.log"
    process = _start(overrides, log)
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err[-2000:]

    [resume] = tagged_lines(log, "RESUME")
    assert resume["from_step"] == str(killed.killed_at) and resume["resume_count"] == "1"
    # Training went on from the checkpoint: no step was done twice, and it finished.
    steps = [int(f["step"].split("/")[0]) for f in tagged_lines(log, "TRAIN")]
    assert steps and steps[0] > killed.killed_at and steps[-1] == 4
    run = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert run["metrics"]["resumed_from_step"] == killed.killed_at
    assert run["metrics"]["resume_count"] == 1 and run["metrics"]["steps"] == 4
    metadata = read_metadata(tmp_path / "run")
    assert metadata is not None and metadata["last_step"] == 4 and metadata["resume_count"] == 1


def test_three_resumes_without_progress_exit_2(killed: KilledRun, tmp_path: Path, shared_cache: Path) -> None:
    overrides = _copy(killed, tmp_path / "run")
    for attempt in range(3):
        # Each attempt dies right after it has decided where to resume: it makes no progress.
        log = tmp_path / f"attempt-{attempt}.log"
        process = _start(overrides, log)
        _wait_until(lambda log=log: log.is_file() and "[RESUME]" in log.read_text(encoding="utf-8"), process)
        _kill(process)
    process = _start(overrides, tmp_path / "last.log")
    _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 2
    assert err.strip().startswith("secretscan-train: error: crash loop detected")
    assert "Traceback" not in err
    metadata = read_metadata(tmp_path / "run")
    # The first resume made progress (from step 0 to the checkpoint); the next three did not.
    assert metadata is not None and metadata["resume_count"] == 4 and metadata["stalled_resumes"] == 3
    assert "crash loop detected" in (tmp_path / "last.log").read_text(encoding="utf-8")
