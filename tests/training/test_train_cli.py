"""The `secretscan-train` CLI: fast help without torch, one-line errors, `--detach` in tmux or under nohup, and the
tagged-line / ETA helpers that the log is made of."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from trainkit import TINY_PROFILE, make_data

from secretscan.training.cli import main
from secretscan.training.detach import detach
from secretscan.training.runlog import EtaClock, format_duration, format_tagged, parse_tagged

HEAVY = ("torch", "transformers", "peft", "trl", "datasets", "accelerate")


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"], ["doctor", "--help"], ["data", "--help"],
                                  ["export", "--help"]])
def test_help_never_imports_torch(args: list[str]) -> None:
    probe = (
        "import sys\n"
        "from secretscan.training.cli import main\n"
        f"code = main({args!r})\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print('LOADED', loaded, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "LOADED [] 0"
    assert "Usage: secretscan-train" in done.stdout


def test_the_data_and_export_groups_are_wired_in(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("data", "doctor", "export", "train"):
        assert f"  {command} " in out


@pytest.mark.parametrize(("args", "message"), [
    (["train"], "give exactly one of --config FILE or --profile NAME"),
    (["train", "--profile", "cpu-tiny", "--config", str(TINY_PROFILE)], "give exactly one of"),
    (["train", "--profile", "nope"], "unknown profile 'nope'; known: cpu-smollm2, cpu-tiny"),
    (["train", "--profile", "cpu-tiny", "--set", "training.lr=-1"], "training: lr must be in (0, 1), not -1.0"),
    (["train", "--profile", "cpu-tiny", "--set", "nonsense"], "must look like section.key=value"),
    (["doctor"], "give exactly one of"),
])
def test_usage_and_config_errors_are_one_line_and_exit_2(args: list[str], message: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    # The message is the last line; click puts its usage hint above it for usage mistakes.
    assert message in lines[-1]
    assert len(lines) in (1, 3) and not any("Traceback" in line for line in lines)


def test_missing_data_fails_the_run_with_a_logged_error(tmp_path: Path, shared_cache: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "train.log"
    code = main(["train", "--profile", "cpu-tiny", "--set", f"output_dir={tmp_path / 'run'}",
                 "--set", f"data.train={tmp_path / 'missing.jsonl'}", "--log-file", str(log), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"secretscan-train: error: data file not found: {tmp_path / 'missing.jsonl'} " \
                  "(build it with `secretscan-train data build`)"
    assert log.read_text(encoding="utf-8").splitlines()[-1] == err.removeprefix("secretscan-train: ")


def _wait_for_text(path: Path, text: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file() and text in (content := path.read_text(encoding="utf-8")):
            return content
        time.sleep(0.1)
    pytest.fail(f"{text!r} never appeared in {path}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_detach_runs_the_job_in_tmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    # A private tmux server (its socket lives under TMUX_TMPDIR), so the test never touches a user's sessions.
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.chdir(tmp_path)
    make_data(tmp_path / "data")
    # The detached job fails fast (its validation file is missing): enough to see it ran, where, and logged.
    try:
        code = main(["train", "--profile", "cpu-tiny", "--set", "data.validation=data/absent.jsonl", "--detach"])
        out = capsys.readouterr().out
        assert code == 0
        session = out.split("tmux attach -t ")[1].split()[0]
        assert session.startswith("secretscan-train-cpu-tiny-")
        log = Path(out.split("tail -f ")[1].split()[0])
        assert log.parent == tmp_path / "runs" / "cpu-tiny" / "logs"
        content = _wait_for_text(log, "error: data file not found: data/absent.jsonl")
        assert "[START] run=cpu-tiny" in content
    finally:
        subprocess.run(["tmux", "kill-server"], capture_output=True)


def test_detach_falls_back_to_nohup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_cache: Path) -> None:
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "logs" / "job.log"
    args = ["--config", str(TINY_PROFILE), f"--set=output_dir={tmp_path / 'run'}",
            f"--set=data.train={tmp_path / 'absent.jsonl'}", "--log-file", str(log)]
    job = detach(args, log, "unused", prefer_tmux=False)
    assert job.method == "nohup"
    assert f"tail -f {log}" in job.instructions and f"kill {job.handle}" in job.instructions
    _, status = os.waitpid(int(job.handle), 0)
    assert os.waitstatus_to_exitcode(status) == 2
    content = log.read_text(encoding="utf-8")
    # The log file holds the run log and the process's stderr (here: the error line, once from each).
    assert "error: data file not found" in content and "Traceback" not in content


def test_tagged_lines_round_trip() -> None:
    line = format_tagged("TRAIN", step="3/10", loss=0.123456, eta="0:01:02", note="two words")
    assert line == "[TRAIN] step=3/10 loss=0.1235 eta=0:01:02 note=two_words"
    assert parse_tagged(line) == ("TRAIN", {"step": "3/10", "loss": "0.1235", "eta": "0:01:02", "note": "two_words"})
    assert parse_tagged("Converting tensors: 100%") is None
    assert parse_tagged("error: something [TRAIN] step=1") is None


def test_the_eta_is_measured_after_the_first_steps() -> None:
    now = [100.0]
    clock = EtaClock(total_steps=10, start_step=4, warmup_steps=2, clock=lambda: now[0])
    for step, seconds in ((5, 30.0), (6, 1.0)):  # the first step after a start is slow
        now[0] += seconds
        clock.observe(step, tokens=step * 100)
        assert clock.eta(step) is None
    for step in (7, 8):
        now[0] += 2.0
        clock.observe(step, tokens=step * 100)
    assert clock.seconds_per_step(8) == pytest.approx(2.0)
    assert clock.eta(8) == pytest.approx(4.0)
    assert clock.tokens_per_second(8, 800) == pytest.approx(50.0)
    assert format_duration(3725.4) == "1:02:05"
