"""Two processes, one run: cpu-tiny through a real `torchrun --nproc-per-node 2` (gloo on the CPU).

Both ranks step, the losses are those of one process on the same global batch, rank 0 alone writes the run's files,
and a checkpoint the two ranks wrote resumes in one process, on the same losses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from trainkit import TINY_PROFILE, make_data, tagged_lines, tiny_overrides

from secretscan.training.config import load_config
from secretscan.training.resume import COMPLETE_MARKER, read_metadata
from secretscan.training.train import train

TIMEOUT = 600  # seconds; generous because the CI machine's two cores are shared
STEPS = 4
# Both runs see the same examples in every optimizer step: the seeded sampler order is the same, rank r takes
# micro-batch r of each step where one process accumulates both (distributed.global_batch 4 = 2 per device x 2),
# and they start from the same weights (the seeded tiny model and LoRA init; DDP also broadcasts rank 0's) with no
# dropout. Only the order of float32 additions differs (gloo averages two gradients where accumulation adds two
# halves). Measured: equal to the last bit for this pair, and ~1e-7 relative against one batch of 4 after 4 steps.
# 1e-4 is a thousand times that, and a hundred times smaller than what losing a rank's half of the batch does to
# the losses (a one-process run on batch 2 differs by 0.2 to 0.8 nats from step 1 on).
RELATIVE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Runs:
    two_ranks: Path
    one_process: Path
    overrides: list[str]
    stdout: str


def _losses(run_dir: Path, step: int = STEPS) -> dict[int, float]:
    """{step: logged training loss} at full precision, from the Trainer's state in the checkpoint of `step`."""
    state = json.loads((run_dir / "checkpoints" / f"checkpoint-{step}" / "trainer_state.json").read_text("utf-8"))
    return {entry["step"]: entry["loss"] for entry in state["log_history"] if "loss" in entry}


def _run_json(run_dir: Path) -> dict:
    run: dict = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    return run


def _log(run_dir: Path) -> Path:
    [log] = (run_dir / "logs").glob("*.log")
    return log


def _with_output_dir(overrides: list[str], run_dir: Path) -> list[str]:
    return [o for o in overrides if not o.startswith("output_dir=")] + [f"output_dir={run_dir}"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Runs:
    folder = tmp_path_factory.mktemp("distributed")
    train_file, val_file = make_data(folder / "data")
    overrides = tiny_overrides(folder / "two", train_file, val_file, **{
        "training.max_steps": STEPS, "training.batch_size": 2, "distributed.global_batch": 4,
    })
    # One torch thread per rank: two ranks on two shared cores.
    env = {**os.environ, "SECRETSCAN_CACHE_DIR": str(model_cache), "OMP_NUM_THREADS": "1"}
    # `python -m torch.distributed.run` is the torchrun command; --standalone picks a free port, so parallel runs
    # on one machine don't collide on torchrun's fixed default.
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               "-m", "secretscan.training.cli", "train", "--config", str(TINY_PROFILE),
               *(f"--set={o}" for o in overrides)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRETSCAN_CACHE_DIR", str(model_cache))
        train(load_config(TINY_PROFILE, _with_output_dir(overrides, folder / "one")), echo=False)
    return Runs(folder / "two", folder / "one", overrides, done.stdout)


def test_both_ranks_step_and_the_losses_are_one_process_s_on_the_same_global_batch(runs: Runs) -> None:
    two, one = _losses(runs.two_ranks), _losses(runs.one_process)
    assert sorted(two) == sorted(one) == list(range(1, STEPS + 1))
    for step in two:
        assert two[step] == pytest.approx(one[step], rel=RELATIVE_TOLERANCE), (step, two, one)
    # It trained: a random model's loss falls by several nats in a few steps.
    assert two[STEPS] < two[1] - 1.0
    evals = [float(f["eval_loss"]) for f in tagged_lines(_log(runs.two_ranks), "EVAL")]
    assert evals == pytest.approx([float(f["eval_loss"]) for f in tagged_lines(_log(runs.one_process), "EVAL")],
                                  rel=RELATIVE_TOLERANCE)
    # Each rank saved its own RNG state in every checkpoint, so each reached every save.
    for step in (2, 4):
        folder = runs.two_ranks / "checkpoints" / f"checkpoint-{step}"
        assert (folder / "rng_state_0.pth").is_file() and (folder / "rng_state_1.pth").is_file()
    # The tokens the Trainer counts are gathered from both ranks: as many as one process saw on the whole batch.
    assert _run_json(runs.two_ranks)["metrics"]["tokens_seen"] == _run_json(runs.one_process)["metrics"]["tokens_seen"]


def test_the_batch_line_gives_the_effective_batch_and_the_learning_rate(runs: Runs) -> None:
    [two] = tagged_lines(_log(runs.two_ranks), "BATCH")
    [one] = tagged_lines(_log(runs.one_process), "BATCH")
    assert (two["processes"], two["per_device"], two["grad_accum"], two["effective_batch"]) == ("2", "2", "1", "4")
    assert (one["processes"], one["per_device"], one["grad_accum"], one["effective_batch"]) == ("1", "2", "2", "4")
    assert two["lr"] == one["lr"] == two["base_lr"] == "2.000e-02" and two["lr_scaling"] == "none"
    metrics = _run_json(runs.two_ranks)["metrics"]
    assert (metrics["processes"], metrics["effective_batch"], metrics["lr"]) == (2, 4, 0.02)


def test_rank_0_alone_logs_tracks_and_writes_the_run_files(runs: Runs) -> None:
    run_dir = runs.two_ranks
    log = _log(run_dir)  # exactly one log file
    assert len(tagged_lines(log, "START")) == 1 and len(tagged_lines(log, "DONE")) == 1
    assert [f["step"] for f in tagged_lines(log, "TRAIN")] == [f"{s}/{STEPS}" for s in range(1, STEPS + 1)]
    assert [f["step"] for f in tagged_lines(log, "CKPT")] == ["2", "4"]
    assert len(list((run_dir / "tensorboard").glob("events.out.tfevents.*"))) == 1
    # One attempt recorded: a second rank running the crash-loop guard would have counted as a resume.
    metadata = read_metadata(run_dir)
    assert metadata is not None
    assert (len(metadata["attempts"]), metadata["resume_count"], metadata["last_step"]) == (1, 0, STEPS)
    assert (run_dir / "adapter" / "adapter_model.safetensors").is_file()
    assert _run_json(run_dir)["metrics"]["steps"] == STEPS
    assert runs.stdout.count("adapter: ") == 1


def test_a_checkpoint_of_two_ranks_resumes_in_one_process(runs: Runs, tmp_path: Path, shared_cache: Path) -> None:
    run_dir = tmp_path / "resumed"
    shutil.copytree(runs.two_ranks, run_dir)
    # As a kill during the save of the last step leaves it: no run.json, the last checkpoint unmarked.
    (run_dir / "run.json").unlink()
    (run_dir / "checkpoints" / f"checkpoint-{STEPS}" / COMPLETE_MARKER).unlink()
    result = train(load_config(TINY_PROFILE, _with_output_dir(runs.overrides, run_dir)), echo=False)

    [resume] = tagged_lines(result.log_path, "RESUME")
    assert resume["from_step"] == "2"
    [batch] = tagged_lines(result.log_path, "BATCH")
    assert (batch["processes"], batch["grad_accum"], batch["effective_batch"]) == ("1", "2", "4")
    # The global batch was kept, so one process goes on exactly where the two ranks would have.
    resumed, reference = _losses(run_dir), _losses(runs.one_process)
    assert sorted(resumed) == list(range(1, STEPS + 1))
    for step in (3, 4):
        assert resumed[step] == pytest.approx(reference[step], rel=RELATIVE_TOLERANCE), (step, resumed, reference)
    metrics = _run_json(run_dir)["metrics"]
    assert (metrics["resumed_from_step"], metrics["steps"], metrics["processes"]) == (2, STEPS, 1)
