"""A first-use merge killed halfway (SIGKILL): the next run builds the model, loads it, and removes the temp file.

`build_merged_model` writes to a `mkstemp` file in the models folder, locked while it writes, and renames it into
place, so a partial file never has the name a scan looks for. A temp file nobody holds a lock on was left by a
killed merge: the next merge deletes it; one a running merge holds is left alone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import secret_samples as samples

from secretscan.inference.default_judge import DefaultJudge
from secretscan.inference.held_files import remove_abandoned
from secretscan.inference.models import embedded_base_model, find_merged_model, shipped_adapter
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.prompt import build_prompt
from secretscan.scanner.types import ScanUnit

MERGE = (
    "from secretscan.inference.merge import build_merged_model\n"
    "from secretscan.inference.models import embedded_base_model, shipped_adapter\n"
    "build_merged_model(embedded_base_model(), shipped_adapter())\n"
)
# Seeds the sample password; a named constant, since a literal passed to `database_password(…)` reads as one.
SEED = "merge"
# Past the header: the merge is writing tensor data when it is killed.
PARTIAL_BYTES = 8 << 20


TEMP_FILES = ".merging-*.gguf"


def partial_merge(models: Path) -> Path:
    """Start a merge into `models` and kill it once its temp file holds tensor data; the file it leaves.

    Before the kill, a sweep for abandoned temp files leaves the running merge's file alone.
    """
    merge = subprocess.Popen([sys.executable, "-c", MERGE])
    deadline = time.monotonic() + 300
    while merge.poll() is None and time.monotonic() < deadline:
        partial = [p for p in models.glob(TEMP_FILES) if p.stat().st_size >= PARTIAL_BYTES]
        if partial:
            remove_abandoned(models, TEMP_FILES)
            assert partial[0].exists()
            merge.send_signal(signal.SIGKILL)
            assert merge.wait(timeout=60) == -signal.SIGKILL
            return partial[0]
        time.sleep(0.01)
    raise AssertionError(f"the merge ended ({merge.poll()}) before it was killed")


def test_a_merge_killed_halfway_does_not_break_the_next_load(empty_cache: Path) -> None:
    base, adapter = embedded_base_model(), shipped_adapter()
    assert adapter is not None
    models = empty_cache / "models"
    leftover = partial_merge(models)
    assert leftover.stat().st_size >= PARTIAL_BYTES
    assert find_merged_model(base, adapter) is None  # nothing under the name a scan loads

    said: list[str] = []
    judge = DefaultJudge(base, adapter, said.append)
    line = f'DB_PASSWORD = "{samples.database_password(SEED)}"\n'
    candidate = find_candidates(ScanUnit("settings.py", line))[0]
    score = judge.score([build_prompt(candidate)])[0]
    judge.close()

    assert 0.0 <= score <= 1.0
    assert said == ["building the merged judge model once (about 10 s); later runs load it from the cache"]
    assert judge.backend().runner.model_path == find_merged_model(base, adapter)
    assert not leftover.exists() and list(models.glob(TEMP_FILES)) == []
