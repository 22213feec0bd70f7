"""Ctrl-C during a scan: a clean stop (exit 130, one line, no traceback) that keeps the verdicts judged so far,
so the next run starts where this one stopped."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import secret_samples as samples
from cache_helpers import cached_rows

from secretscan.config import Config
from secretscan.engine import JUDGE_BATCH, SCORER_OFF, scan_units
from secretscan.inference.cache import CACHE_FILE, CachedJudge
from secretscan.scanner.prompt import Prompt
from secretscan.scanner.types import ScanUnit

CANDIDATES = 3 * JUDGE_BATCH


def passwords_text(count: int) -> str:
    """`count` distinct password assignments: as many candidates for the LLM once the cheap scorer is off."""
    return "".join(f'service_{i}_password = "{samples.database_password(f"stop-{i}")}"\n' for i in range(count))


class CountingJudge:
    """Scores every prompt 0.5 and counts them; with `stop_after`, Ctrl-C strikes while scoring that prompt."""

    name = "counting"
    model_id = "counting-v1"

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after = stop_after
        self.asked = 0

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        scores = []
        for _ in prompts:
            self.asked += 1
            if self.asked == self.stop_after:
                raise KeyboardInterrupt
            scores.append(0.5)
        return scores


def test_an_interrupted_scan_keeps_the_batches_it_judged(tmp_path: Path) -> None:
    cache = tmp_path / CACHE_FILE
    units = [ScanUnit("app/settings.py", passwords_text(CANDIDATES))]
    config = Config(scorer=SCORER_OFF)
    stopped = CountingJudge(stop_after=2 * JUDGE_BATCH + 5)
    with pytest.raises(KeyboardInterrupt):
        scan_units(units, config, CachedJudge(stopped, path=cache))
    assert cached_rows(cache) == 2 * JUDGE_BATCH  # the batch cut short is lost, the ones before it are not

    again = CountingJudge()
    rerun = scan_units(units, config, CachedJudge(again, path=cache))
    assert rerun.stats.judged == CANDIDATES and rerun.stats.cache_hits == 2 * JUDGE_BATCH
    assert again.asked == CANDIDATES - 2 * JUDGE_BATCH
    assert cached_rows(cache) == CANDIDATES


@pytest.fixture
def merged_model() -> None:
    """The default judge's merged model, built now if this session has not yet: else the scan would build it
    first and say so on stderr."""
    from secretscan.inference.merge import build_merged_model
    from secretscan.inference.models import embedded_base_model, shipped_adapter

    adapter = shipped_adapter()
    assert adapter is not None
    build_merged_model(embedded_base_model(), adapter)


@pytest.fixture
def ctrl_c_not_ignored() -> Iterator[None]:
    """The scan takes Ctrl-C as from a terminal. A suite started in the background (`cmd &` in a script) inherits
    SIGINT ignored, and exec keeps an ignored signal ignored, so the scan would install no KeyboardInterrupt and
    run to its end; a handler of ours is reset to the default on exec instead."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_a_real_scan_cleanly_and_the_next_run_resumes(
    tmp_path: Path, isolated_cache: Path, merged_model: None, ctrl_c_not_ignored: None
) -> None:
    tree = tmp_path / "tree"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "settings.py").write_text(passwords_text(CANDIDATES))
    (tree / ".secretscan.toml").write_text('scorer = "none"\n')  # the default llama.cpp judge scores every one
    argv = [sys.executable, "-m", "secretscan", "scan", ".", "--format", "json"]
    cache = isolated_cache / CACHE_FILE

    scan = subprocess.Popen(argv, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while cached_rows(cache) < JUDGE_BATCH and scan.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    scan.send_signal(signal.SIGINT)
    out, err = scan.communicate(timeout=120)
    assert (scan.returncode, err, out) == (130, "secretscan: interrupted\n", "")
    kept = cached_rows(cache)
    assert kept % JUDGE_BATCH == 0 and JUDGE_BATCH <= kept < CANDIDATES

    rerun = subprocess.run(argv, cwd=tree, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 1, rerun.stderr
    stats = json.loads(rerun.stdout)["stats"]
    assert stats["judged"] == CANDIDATES and stats["cache_hits"] >= kept
