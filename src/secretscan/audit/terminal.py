"""The audit loop: one card, one key, the answer stored in the baseline at once.

Keys are single plain characters read with click.getchar (raw mode on a terminal, no Enter, no mouse, no
escape sequences), so it works in any terminal, over SSH, and under `NO_COLOR`. Every answer is written to the
baseline before the next card, so quitting, Ctrl-C or a dropped SSH connection loses nothing already answered.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from secretscan.audit.card import PROMPT, render_card
from secretscan.audit.session import AuditPlan
from secretscan.scanner.baseline import FALSE_POSITIVE, REAL, Verdict, record_verdict

_MARKS: dict[str, Verdict] = {"r": REAL, "f": FALSE_POSITIVE}
_HINT = "press r (real), f (false positive), s (skip), e (open in $EDITOR) or q (quit)"


@dataclass(frozen=True)
class AuditOutcome:
    real: int
    false_positive: int
    skipped: int
    # Cards not reached because the auditor quit.
    left: int

    def summary(self) -> str:
        text = f"{self.real} real, {self.false_positive} false positive, {self.skipped} skipped"
        return text + (f", {self.left} left for later" if self.left else "")


def editor_command(path: str, line: int, environ: dict[str, str] | None = None) -> list[str] | None:
    """`$VISUAL`/`$EDITOR` with `+LINE FILE` (vi, vim, nano, emacs and micro all take it); None when unset."""
    env = os.environ if environ is None else environ
    editor = env.get("VISUAL") or env.get("EDITOR")
    if not editor or not editor.strip():
        return None
    return [*shlex.split(editor), f"+{line}", path]


def open_in_editor(path: str, line: int) -> str | None:
    """Open the file at the line; returns why it could not, or None."""
    if not Path(path).is_file():
        return f"{path} is not a file in the work tree"
    command = editor_command(path, line)
    if command is None:
        return "set $EDITOR (or $VISUAL) to open files"
    try:
        code = subprocess.run(command, check=False).returncode
    except OSError as exc:
        return f"cannot start the editor {command[0]}: {exc.strerror}"
    return None if code == 0 else f"the editor exited with status {code}"


def run_audit(
    plan: AuditPlan,
    baseline_path: Path,
    hide: tuple[str, ...],
    color: bool,
    read_key: Callable[[], str] = click.getchar,
) -> AuditOutcome:
    """Show each card and act on its key until the last card or `q` (or Ctrl-D). Ctrl-C propagates."""
    counts = {REAL: 0, FALSE_POSITIVE: 0, "skip": 0}
    total = len(plan.items)
    for position, item in enumerate(plan.items, start=1):
        click.echo(render_card(item, position, total, hide, color))
        while True:
            click.echo(PROMPT, nl=False)
            try:
                key = read_key().lower()
            except EOFError:
                key = "q"
            if key in _MARKS:
                verdict = _MARKS[key]
                record_verdict(baseline_path, item.finding, verdict)
                counts[verdict] += 1
                click.echo(f"{key} -> marked {verdict}")
                break
            if key == "s":
                counts["skip"] += 1
                click.echo("s -> skipped")
                break
            if key == "q":
                click.echo("q -> quit")
                return AuditOutcome(counts[REAL], counts[FALSE_POSITIVE], counts["skip"], total - position + 1)
            if key == "e":
                c = item.finding.candidate
                problem = open_in_editor(c.path, c.line)
                click.echo("e -> " + (problem or f"back from the editor ({c.path}:{c.line})"))
                continue
            click.echo(_HINT)
    return AuditOutcome(counts[REAL], counts[FALSE_POSITIVE], counts["skip"], 0)
