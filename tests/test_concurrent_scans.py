"""Concurrency: scans that share one verdict cache, and a scan killed outright.

Four `secretscan scan` processes at once, each with about twenty passwords for the real default judge (`scorer =
"none"`, so every one is scored and written), share one SQLite verdict cache: none fails or warns (no "database
is locked"), and the cache ends with every verdict once. A scan killed with SIGKILL while it writes verdicts
leaves a cache that the next run reads and completes.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from subprocess import PIPE

import pytest
import secret_samples as samples
from cache_helpers import cached_rows

from secretscan.api import scan_paths
from secretscan.config import Config
from secretscan.engine import JUDGE_BATCH, SCORER_OFF
from secretscan.inference.cache import CACHE_FILE, verdict_key
from secretscan.inference.factory import make_judge
from secretscan.inference.merge import build_merged_model
from secretscan.inference.models import embedded_base_model, shipped_adapter
from secretscan.scanner.prompt import Prompt

SCANS = 4
OWN = 16
SHARED = 4  # the same prompts in every tree: four processes may write the same verdict at once
ARGV = [sys.executable, "-m", "secretscan", "scan", ".", "--format", "json"]


def passwords(names: Sequence[str]) -> str:
    return "".join(f'{name}_password = "{samples.database_password(name)}"\n' for name in names)


def tree(root: Path, own: Sequence[str], shared: Sequence[str]) -> Path:
    root.mkdir(parents=True)
    (root / ".secretscan.toml").write_text(f'scorer = "{SCORER_OFF}"\n')  # the LLM scores every candidate
    (root / "own.py").write_text(passwords(own))
    (root / "shared.py").write_text(passwords(shared))
    return root


def cached_keys(cache: Path) -> list[bytes]:
    """Every key in the cache, which must be a sound database."""
    with closing(sqlite3.connect(cache)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [bytes(key) for (key,) in db.execute("SELECT key FROM verdicts")]


class RecordingJudge:
    """Answers 0.5 and keeps every prompt: which verdicts a scan of the tree writes, under the real model's id."""

    name = "recording"

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.prompts: list[Prompt] = []

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        self.prompts += prompts
        return [0.5] * len(prompts)


def verdicts_of(roots: Sequence[Path], monkeypatch: pytest.MonkeyPatch) -> set[bytes]:
    """The cache keys that scans of these trees write with the default judge."""
    default = make_judge(Config(cache=False), warn=lambda message: None)
    assert default is not None
    judge = RecordingJudge(default.model_id)
    for root in roots:
        monkeypatch.chdir(root)  # the scans name files relative to where they run
        scan_paths(["."], Config(scorer=SCORER_OFF), judge)
    return {verdict_key(judge.model_id, prompt) for prompt in judge.prompts}


@pytest.fixture
def merged_model() -> None:
    """Built now if this session has not yet, so that the scans load it rather than each building it."""
    adapter = shipped_adapter()
    assert adapter is not None
    build_merged_model(embedded_base_model(), adapter)


def clean_stats(code: int, out: str, err: str) -> dict[str, int]:
    """The stats of a scan that found its passwords and said nothing about the cache."""
    assert code == 1, err
    for trouble in ("locked", "not usable", "Traceback"):
        assert trouble not in err, err
    stats: dict[str, int] = json.loads(out)["stats"]
    return stats


def test_four_scans_at_once_share_one_cache_and_lose_no_verdict(
    tmp_path: Path, isolated_cache: Path, merged_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = [f"shared_{i}" for i in range(SHARED)]
    roots = [tree(tmp_path / f"tree{n}", [f"scan{n}_{i}" for i in range(OWN)], shared) for n in range(SCANS)]
    scans = [subprocess.Popen(ARGV, cwd=root, stdout=PIPE, stderr=PIPE, text=True) for root in roots]
    for scan in scans:
        out, err = scan.communicate(timeout=600)
        assert clean_stats(scan.returncode, out, err)["judged"] == OWN + SHARED

    keys = cached_keys(isolated_cache / CACHE_FILE)
    assert len(keys) == len(set(keys)) == SCANS * OWN + SHARED
    assert set(keys) == verdicts_of(roots, monkeypatch)


def test_a_scan_killed_while_it_writes_leaves_a_cache_the_next_run_uses(
    tmp_path: Path, isolated_cache: Path, merged_model: None
) -> None:
    root = tree(tmp_path / "tree", [f"kill_{i}" for i in range(2 * JUDGE_BATCH)], [])
    cache = isolated_cache / CACHE_FILE
    scan = subprocess.Popen(ARGV, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    # Killed as soon as the first batch is in: the second is being judged and written.
    while cached_rows(cache) < JUDGE_BATCH and scan.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    scan.send_signal(signal.SIGKILL)
    assert scan.wait(timeout=60) == -signal.SIGKILL
    kept = len(cached_keys(cache))
    assert JUDGE_BATCH <= kept < 2 * JUDGE_BATCH

    rerun = subprocess.run(ARGV, cwd=root, capture_output=True, text=True, timeout=600, check=False)
    stats = clean_stats(rerun.returncode, rerun.stdout, rerun.stderr)
    assert stats["judged"] == 2 * JUDGE_BATCH and stats["cache_hits"] == kept
    assert len(cached_keys(cache)) == 2 * JUDGE_BATCH
