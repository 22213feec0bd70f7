"""The library API: scan files, the staged index or the history, with a judge (or None for rules only).

Each function turns a source into ScanUnits and runs the engine over them. Candidate paths are relative to the
current directory and use `/`, as gitleaks prints them. Nothing here imports a model backend: the caller
builds the judge (`secretscan.inference.factory.make_judge`) and passes it in. By default a scan reports no
progress and runs in one process; the CLI passes a progress bar and one worker process per CPU.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from secretscan.config import Config
from secretscan.engine import scan_units
from secretscan.errors import ConfigError, GitError
from secretscan.history_marks import HistoryMarks
from secretscan.inference.base import Judge
from secretscan.progress import NO_PROGRESS, Progress
from secretscan.scanner import git
from secretscan.scanner.baseline import EMPTY_BASELINE, Baseline
from secretscan.scanner.sources import file_units, history_units, staged_units
from secretscan.scanner.types import ScanResult, ScanUnit

Warn = Callable[[str], None]


def _ignore(message: str) -> None:
    """The default `warn`: library callers that pass none get no output."""


def _run(
    units: Iterable[ScanUnit],
    skipped: Counter[str],
    config: Config,
    judge: Judge | None,
    baseline: Baseline,
    warn: Warn,
    progress: Progress,
    workers: int,
) -> ScanResult:
    result = scan_units(
        units, config, judge, baseline=baseline, skipped=skipped, warn=warn, progress=progress, workers=workers
    )
    # The stats count binary and large files; what else was left out is said as a warning, never silently.
    notes = []
    if skipped["unreadable"]:
        notes.append(f"{skipped['unreadable']} unreadable file(s) skipped (permissions, special files)")
    if skipped["unparsed"]:
        notes.append(f"{skipped['unparsed']} part(s) of the git diff could not be parsed and were skipped")
    if skipped["shallow"]:
        notes.append("a shallow clone: the commits before its oldest ones are not here and were not scanned "
                     "(git fetch --unshallow)")
    if not notes:
        return result
    return dataclasses.replace(result, warnings=(*result.warnings, *notes))


def scan_paths(
    paths: Sequence[str | os.PathLike[str]],
    config: Config,
    judge: Judge | None,
    *,
    baseline: Baseline = EMPTY_BASELINE,
    warn: Warn = _ignore,
    progress: Progress = NO_PROGRESS,
    workers: int = 1,
) -> ScanResult:
    """Scan files and directories (git-listed inside a work tree, so .gitignore is respected)."""
    skipped: Counter[str] = Counter()
    units = file_units(paths, exclude=config.exclude, max_file_bytes=config.max_file_bytes, skipped=skipped)
    return _run(units, skipped, config, judge, baseline, warn, progress, workers)


def scan_staged(
    config: Config,
    judge: Judge | None,
    *,
    baseline: Baseline = EMPTY_BASELINE,
    warn: Warn = _ignore,
    paths: Sequence[str | os.PathLike[str]] | None = None,
    progress: Progress = NO_PROGRESS,
    workers: int = 1,
) -> ScanResult:
    """Scan what the next commit adds: the index version of each staged file, judging only the added lines."""
    skipped: Counter[str] = Counter()
    units = staged_units(paths, exclude=config.exclude, max_file_bytes=config.max_file_bytes, skipped=skipped)
    return _run(units, skipped, config, judge, baseline, warn, progress, workers)


def scan_history(
    rev_range: str | None,
    config: Config,
    judge: Judge | None,
    *,
    baseline: Baseline = EMPTY_BASELINE,
    warn: Warn = _ignore,
    progress: Progress = NO_PROGRESS,
    workers: int = 1,
) -> ScanResult:
    """Scan the lines each commit in `rev_range` added (None: every commit reachable from any ref)."""
    skipped: Counter[str] = Counter()
    units = history_units(rev_range, exclude=config.exclude, max_file_bytes=config.max_file_bytes, skipped=skipped)
    return _run(units, skipped, config, judge, baseline, warn, progress, workers)


def scan_history_since_last(
    end: str | None,
    config: Config,
    judge: Judge | None,
    *,
    marks: HistoryMarks,
    baseline: Baseline = EMPTY_BASELINE,
    warn: Warn = _ignore,
    progress: Progress = NO_PROGRESS,
    workers: int = 1,
) -> ScanResult:
    """Scan the commits of `end` (default HEAD) that the last completed scan of it did not, then remember `end`.

    The first scan covers all of `end`'s history. If the last commit scanned is no longer an ancestor of `end`
    (history rewritten), the whole history is scanned again, with a warning. The mark is written only when the
    scan completes, so a scan that fails or is interrupted is repeated in full next time. Findings are reported
    once: the next run does not see their commits again (mark them with `secretscan audit` or the baseline).
    """
    end = end or "HEAD"
    if not end.strip() or end.startswith("-") or ".." in end:
        raise ConfigError(f"--since-last takes one revision to scan up to, not {end!r}")
    root = git.history_root()
    try:
        head = git.run_git("rev-parse", "--verify", "--end-of-options", f"{end}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"{end!r} is not a commit in this repository") from None
    last = marks.last(root, end)
    rev_range = head
    if last is not None:
        if _is_ancestor(last, head):
            rev_range = f"{last}..{head}"
        else:
            warn(f"the last scanned commit {last[:12]} is not an ancestor of {end} (history rewritten?); "
                 "scanning its whole history")
    result = scan_history(rev_range, config, judge, baseline=baseline, warn=warn, progress=progress, workers=workers)
    marks.remember(root, end, head)
    return result


def _is_ancestor(commit: str, head: str) -> bool:
    try:
        git.run_git("merge-base", "--is-ancestor", commit, head)
    except GitError:
        # Exit 1 (not an ancestor) and an unknown commit (garbage-collected) both mean: start over.
        return False
    return True
