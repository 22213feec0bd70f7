"""The candidate stage over worker processes gives what one process gives, in the same order."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
from pathlib import Path

import secret_samples as samples

from secretscan.api import scan_paths
from secretscan.config import Config
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.parallel import PARALLEL_MIN_UNITS, candidates_per_unit
from secretscan.scanner.types import ScanUnit

FILES = 300


def generated_files(count: int) -> dict[str, str]:
    """Ordinary code with, every few files, a secret, a look-alike or a password the judge would weigh."""
    leaky = list(samples.leaky_files().values())
    harmless = list(samples.harmless_files().values())
    files = {}
    for i in range(count):
        body = [f"def handler_{i}(request):", f"    return request.get('item_{i}')"]
        if i % 3 == 0:
            body.append(leaky[i % len(leaky)])
        if i % 5 == 0:
            body.append(harmless[i % len(harmless)])
        if i % 7 == 0:
            body.append(f'service_password = "{samples.database_password(f"parallel-{i}")}"')
        files[f"pkg_{i % 11}/module_{i}.py"] = "\n".join(body) + "\n"
    return files


def test_workers_find_the_same_candidates_in_the_same_order() -> None:
    units = [ScanUnit(path, text) for path, text in generated_files(FILES).items()]
    alone = [find_candidates(unit) for unit in units]
    spread = candidates_per_unit(iter(units), workers=2)
    first = next(spread)
    workers = multiprocessing.active_children()
    assert len(workers) >= 2  # the work really went to other processes
    for worker in workers:
        assert worker.pid is not None
        # Ctrl-C reaches the whole process group; the workers leave it to this process (no traceback each).
        os.kill(worker.pid, signal.SIGINT)
    assert [first, *spread] == alone
    assert sum(map(len, alone)) > FILES // 3


def test_few_units_stay_in_this_process() -> None:
    units = [ScanUnit(path, text) for path, text in generated_files(PARALLEL_MIN_UNITS).items()]
    before = set(multiprocessing.active_children())
    assert list(candidates_per_unit(units, workers=2)) == [find_candidates(unit) for unit in units]
    assert set(multiprocessing.active_children()) == before


def test_a_scan_of_a_big_tree_matches_a_scan_in_one_process(tmp_path: Path) -> None:
    for path, text in generated_files(FILES).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    spread = scan_paths([tmp_path], Config(backend="none"), None, workers=2)
    alone = scan_paths([tmp_path], Config(backend="none"), None)
    assert spread.findings == alone.findings and len(spread.findings) > FILES // 3
    assert dataclasses.replace(spread.stats, seconds=0) == dataclasses.replace(alone.stats, seconds=0)
