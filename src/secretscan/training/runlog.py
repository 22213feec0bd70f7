"""The run log: one timestamped file per attempt under `<output_dir>/logs/`, with tagged lines scripts can read.

    [TRAIN] step=20/200 epoch=0.40 loss=0.6931 lr=1.95e-04 tok_s=812.3 eta=0:04:10

A tag in brackets, then space-separated key=value pairs with no spaces inside values. `parse_tagged` reads them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

_TAGGED = re.compile(r"\[([A-Z]+)\]((?: \S+=\S*)*)\s*")


def format_tagged(tag: str, **fields: object) -> str:
    parts = [f"[{tag}]"]
    for key, value in fields.items():
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        parts.append(f"{key}={text.replace(' ', '_')}")
    return " ".join(parts)


def parse_tagged(line: str) -> tuple[str, dict[str, str]] | None:
    """(tag, fields) of a tagged line, or None for any other line."""
    match = _TAGGED.fullmatch(line.strip() + " ")
    if not match:
        return None
    pairs = (item.split("=", 1) for item in match.group(2).split())
    return match.group(1), {key: value for key, value in pairs}


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def new_log_path(log_dir: Path) -> Path:
    return log_dir / f"train-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log"


class RunLog:
    """Writes each line to the log file (flushed at once, so `tail -f` and a later SIGKILL lose nothing) and passes
    it to `echo` (the console) when given. With `write` False (the other ranks of a multi-process run) it writes
    nothing: rank 0 keeps the run's one log at `path`."""

    def __init__(self, path: Path, echo: Callable[[str], None] | None = None, write: bool = True) -> None:
        self.path = path
        self._file: TextIO | None = None
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        self._echo = echo

    def line(self, text: str) -> None:
        if self._file is not None:
            self._file.write(text + "\n")
            self._file.flush()
        if self._echo is not None:
            self._echo(text)

    def tagged(self, tag: str, **fields: object) -> None:
        self.line(format_tagged(tag, **fields))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


@dataclass
class EtaClock:
    """Step time and throughput measured after the first `warmup_steps` steps of this attempt (they pay for
    allocation and first-call overheads), so neither the ETA nor tokens/s is skewed by a slow start.
    `clock` is injectable for tests."""

    total_steps: int
    start_step: int = 0
    warmup_steps: int = 2
    clock: Callable[[], float] = time.monotonic
    # (step, tokens seen, time) when measuring began.
    _mark: tuple[int, int, float] | None = None

    def observe(self, step: int, tokens: int = 0) -> None:
        """Call after each optimizer step with the global step and the number of input tokens seen so far."""
        if self._mark is None and step >= self.start_step + self.warmup_steps:
            self._mark = (step, tokens, self.clock())

    def seconds_per_step(self, step: int) -> float | None:
        if self._mark is None or step <= self._mark[0]:
            return None
        return (self.clock() - self._mark[2]) / (step - self._mark[0])

    def tokens_per_second(self, step: int, tokens: int) -> float | None:
        if self._mark is None or step <= self._mark[0]:
            return None
        elapsed = self.clock() - self._mark[2]
        return (tokens - self._mark[1]) / elapsed if elapsed > 0 else None

    def eta(self, step: int) -> float | None:
        per_step = self.seconds_per_step(step)
        return None if per_step is None else per_step * max(0, self.total_steps - step)
