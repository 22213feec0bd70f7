"""The verdict cache: hits on the second scan, no secret on disk, shared by processes, rebuilt when corrupt."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import pytest
from judge_samples import prompt_for
from secret_samples import database_password, github_token

from secretscan.config import Config
from secretscan.engine import SCORER_OFF, scan_units
from secretscan.inference import cache as cache_module
from secretscan.inference.cache import CACHE_FILE, CachedJudge
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.scanner.prompt import Prompt
from secretscan.scanner.types import ScanUnit

PASSWORD = database_password("cache")
TOKEN = github_token("cache")
PROMPTS = [
    prompt_for(f'DB_PASSWORD = "{PASSWORD}"', PASSWORD),
    prompt_for(f'token = "{TOKEN}"', TOKEN, path="deploy/ci.py", rule="github-token"),
]


class CountingJudge:
    """The real judge, with a count of the prompts it was actually asked to score."""

    def __init__(self, inner: LlamaCppJudge) -> None:
        self.inner = inner
        self.asked = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        self.asked += len(prompts)
        return self.inner.score(prompts)


class LengthJudge:
    """A deterministic stand-in where the model is beside the point (cache mechanics across processes)."""

    name = "length"
    model_id = "length-v1"

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        return [len(p.user) % 97 / 97 for p in prompts]


def cache_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.glob(f"{CACHE_FILE}*")))


def stored_rows(folder: Path) -> list[tuple[bytes, float]]:
    with closing(sqlite3.connect(folder / CACHE_FILE)) as db:
        return db.execute("SELECT key, score FROM verdicts").fetchall()


def test_second_scoring_is_served_from_the_cache(base_judge: LlamaCppJudge, isolated_cache: Path) -> None:
    counting = CountingJudge(base_judge)
    first = CachedJudge(counting).score(PROMPTS)
    assert counting.asked == 2
    again = CachedJudge(counting)  # a new run: only the file is shared
    assert again.score(PROMPTS) == first
    assert again.hits == 2 and counting.asked == 2
    assert (isolated_cache / CACHE_FILE).is_file()


def test_a_new_prompt_or_model_misses(base_judge: LlamaCppJudge) -> None:
    counting = CountingJudge(base_judge)
    cached = CachedJudge(counting)
    cached.score(PROMPTS[:1])
    cached.score(PROMPTS)
    assert cached.hits == 1 and counting.asked == 2

    class OtherModel(CountingJudge):
        model_id = "gguf:another-model"

    other = OtherModel(base_judge)
    assert CachedJudge(other).score(PROMPTS[:1]) and other.asked == 1


def test_the_cache_file_holds_no_secret_and_no_prompt(base_judge: LlamaCppJudge, isolated_cache: Path) -> None:
    CachedJudge(base_judge).score(PROMPTS)
    stored = cache_bytes(isolated_cache)
    assert stored
    for text in (PASSWORD, TOKEN, TOKEN[4:20], PASSWORD[:8], "DB_PASSWORD", "deploy/ci.py"):
        assert text.encode() not in stored
    rows = stored_rows(isolated_cache)
    assert len(rows) == 2 and all(len(key) == 32 for key, _ in rows)


def test_engine_reports_cache_hits(base_judge: LlamaCppJudge) -> None:
    unit = ScanUnit("app/settings.py", f'import os\n\nDB_PASSWORD = "{PASSWORD}"\n')
    config = Config(threshold=0.0, scorer=SCORER_OFF)  # the LLM judges it, whatever the cheap scorer would say
    cold = scan_units([unit], config, CachedJudge(base_judge))
    warm = scan_units([unit], config, CachedJudge(base_judge))
    assert cold.stats.cache_hits == 0 and warm.stats.cache_hits == cold.stats.judged == 1
    assert [f.confidence for f in warm.findings] == [f.confidence for f in cold.findings]


def test_a_corrupt_cache_file_is_rebuilt(isolated_cache: Path) -> None:
    (isolated_cache / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    warnings: list[str] = []
    cached = CachedJudge(LengthJudge(), warn=warnings.append)
    assert cached.score(PROMPTS) == LengthJudge().score(PROMPTS)
    assert warnings == []
    assert len(stored_rows(isolated_cache)) == 2


def test_an_unusable_cache_warns_once_and_scores_anyway(tmp_path: Path) -> None:
    folder = tmp_path / "cache-is-a-directory"
    folder.mkdir()
    (folder / "keep").write_text("the cache path is a non-empty directory")
    warnings: list[str] = []
    cached = CachedJudge(LengthJudge(), path=folder, warn=warnings.append)
    assert cached.score(PROMPTS) == LengthJudge().score(PROMPTS)
    assert cached.score(PROMPTS) == LengthJudge().score(PROMPTS)
    assert len(warnings) == 1 and "going on without it" in warnings[0] and cached.hits == 0


def test_oldest_verdicts_are_evicted(isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    prompts = [prompt_for(f'key{i} = "value-{i}"', f"value-{i}") for i in range(6)]
    cached = CachedJudge(LengthJudge())
    for prompt in prompts:
        cached.score([prompt])
    assert len(stored_rows(isolated_cache)) == 3
    fresh = CachedJudge(LengthJudge())
    fresh.score(prompts[-3:])
    assert fresh.hits == 3
    fresh.score(prompts[:1])
    assert fresh.hits == 3


WRITER = textwrap.dedent(
    """
    import sys
    from secretscan.inference.cache import CachedJudge
    from secretscan.scanner.prompt import Prompt

    class LengthJudge:
        name = "length"
        model_id = "length-v1"

        def score(self, prompts):
            return [len(p.user) % 97 / 97 for p in prompts]

    offset = int(sys.argv[1])
    cached = CachedJudge(LengthJudge(), warn=lambda message: sys.exit("warned: " + message))
    for i in range(200):
        # The two processes write overlapping sets of prompts, one at a time, racing on the same rows.
        cached.score([Prompt("system", f"user {offset + i}")])
    """
)


def test_two_processes_share_the_cache(isolated_cache: Path) -> None:
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(offset)], stderr=subprocess.PIPE, text=True)
               for offset in (0, 100)]
    errors = [writer.communicate(timeout=300)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], errors
    assert len(stored_rows(isolated_cache)) == 300
    everything = CachedJudge(LengthJudge())
    everything.score([Prompt("system", f"user {i}") for i in range(300)])
    assert everything.hits == 300
