"""The progress bar: files, then LLM calls, drawn by click on a terminal only; never in a pipe, a hook or JSON."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import secret_samples as samples

from secretscan.config import Config
from secretscan.engine import JUDGE_BATCH, SCORER_OFF, scan_units
from secretscan.progress import Advance, TerminalProgress
from secretscan.scanner.prompt import Prompt
from secretscan.scanner.types import ScanUnit

# Every uncertain candidate goes to the LLM: what is judged does not depend on the shipped scorer's weights.
LLM_ONLY = Config(scorer=SCORER_OFF, threshold=0.0)


def passwords(count: int) -> ScanUnit:
    """One file with `count` distinct password assignments, each a candidate the LLM must judge."""
    lines = [f'service_{i}_password = "{samples.database_password(f"progress-{i}")}"' for i in range(count)]
    return ScanUnit("app/settings.py", "\n".join(lines) + "\n")


class HalfJudge:
    name = "half"
    model_id = "half-v1"

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        return [0.5] * len(prompts)


class RecordingProgress:
    """Keeps what the engine reported: units taken, then the judging total and each advance."""

    def __init__(self) -> None:
        self.units = 0
        self.totals: list[int] = []
        self.advances: list[int] = []

    @contextmanager
    def files(self, units: Iterable[ScanUnit]) -> Iterator[Iterable[ScanUnit]]:
        yield self._count(units)

    @contextmanager
    def judging(self, total: int) -> Iterator[Advance]:
        self.totals.append(total)
        yield self.advances.append

    def _count(self, units: Iterable[ScanUnit]) -> Iterator[ScanUnit]:
        for unit in units:
            self.units += 1
            yield unit


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_engine_reports_units_then_llm_calls_in_batches() -> None:
    progress = RecordingProgress()
    units = [passwords(40), ScanUnit("README.md", "nothing here\n")]
    result = scan_units(units, LLM_ONLY, HalfJudge(), progress=progress)
    assert progress.units == 2
    assert progress.totals == [result.stats.judged] == [40]
    assert progress.advances == [JUDGE_BATCH, JUDGE_BATCH, 40 - 2 * JUDGE_BATCH]


def test_nothing_to_judge_shows_no_llm_stage() -> None:
    progress = RecordingProgress()
    scan_units([ScanUnit("README.md", "nothing here\n")], LLM_ONLY, HalfJudge(), progress=progress)
    scan_units([passwords(3)], LLM_ONLY, None, progress=progress)
    assert progress.units == 2 and progress.totals == []


def test_the_terminal_bar_counts_files_and_llm_calls() -> None:
    terminal = FakeTerminal()
    scan_units([passwords(20), passwords(1)], LLM_ONLY, HalfJudge(), progress=TerminalProgress(terminal))
    drawn = terminal.getvalue()
    assert "scanning files" in drawn and "judging candidates" in drawn
    assert "20/20" in drawn  # the LLM stage has a total (hence an ETA); files are counted as they stream
    assert not any(secret in drawn for secret in (samples.database_password("progress-0"), "service_0"))


# -- the CLI ----------------------------------------------------------------------------------------------------


def leaky_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name, text in samples.leaky_files().items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    (tree / ".secretscan.toml").write_text('backend = "none"\n')
    return tree


def on_a_terminal(argv: list[str], cwd: Path) -> str:
    """Run `secretscan` with stdout and stderr on a pseudo-terminal, as a person at a shell does; what it drew."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "secretscan", *argv], cwd=cwd, stdout=child, stderr=child)
    os.close(child)
    drawn = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main)
    assert process.wait(timeout=30) == 1
    return drawn.decode("utf-8", "replace")


def test_a_terminal_gets_the_bar(tmp_path: Path) -> None:
    drawn = on_a_terminal(["scan", "."], leaky_tree(tmp_path))
    assert "scanning files" in drawn and "finding" in drawn


def test_json_on_a_terminal_gets_no_bar(tmp_path: Path) -> None:
    drawn = on_a_terminal(["scan", ".", "--format", "json"], leaky_tree(tmp_path))
    assert "scanning files" not in drawn and '"findings"' in drawn


def test_a_pipe_gets_no_bar(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "secretscan", "scan", "."], cwd=leaky_tree(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == "" and "scanning files" not in done.stdout
