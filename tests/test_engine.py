"""The pipeline's own logic: prior × judge combination, the cheap scorer's cascade, thresholds, dedupe and the
backend-down fallback.

The judges here are small deterministic implementations of the Judge protocol, and the scorers real weight files
with chosen weights, so these tests pin the engine's arithmetic; the real llama.cpp and Ollama backends are
exercised in tests/inference/, the shipped scorer in tests/inference/test_scorer.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from secretscan.config import Config
from secretscan.engine import SCORER_OFF, combine, scan_units
from secretscan.errors import BackendUnavailable
from secretscan.inference.scorer import Scorer, save_scorer
from secretscan.scanner.prompt import Prompt
from secretscan.scanner.types import ScanUnit

# Built at run time so this file does not itself look like a leak.
AWS_KEY = "AKIA" + "QYLPMN5HFIQR7XYZ"
TEXT = f'password = "{"hunter2" + "hunter"}"\naws = "{AWS_KEY}"\nsame = "{"hunter2" + "hunter"}"\n'
# The LLM alone, folded with the rule's prior: what the engine does without a cheap scorer.
LLM_ONLY = Config(scorer=SCORER_OFF)


class FixedJudge:
    """Says the same probability for every prompt and records what it was asked."""

    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.asked: list[Prompt] = []

    @property
    def name(self) -> str:
        return "fixed"

    @property
    def model_id(self) -> str:
        return f"fixed-{self.probability}"

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        self.asked.extend(prompts)
        return [self.probability] * len(prompts)


class DownJudge(FixedJudge):
    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        raise BackendUnavailable("ollama at http://127.0.0.1:9 is not reachable")


def test_combine_is_the_judge_alone_at_a_neutral_prior() -> None:
    assert combine(0.5, 0.8) == pytest.approx(0.8)
    assert combine(0.5, 0.1) == pytest.approx(0.1)


def test_combine_needs_a_confident_judge_to_overturn_a_strong_prior() -> None:
    assert combine(0.9, 0.3) > 0.5  # a doubtful judge does not drop a strong token format
    assert combine(0.9, 0.02) < 0.5  # a confident one does
    assert combine(0.3, 0.6) < 0.5  # a bare entropy string needs more than a lean
    assert combine(0.3, 0.95) > 0.5


def test_combine_stays_inside_the_unit_interval_at_the_extremes() -> None:
    for prior in (0.0, 1.0):
        for judged in (0.0, 1.0):
            assert 0.0 <= combine(prior, judged) <= 1.0


def test_rules_only_holds_priors_to_the_threshold() -> None:
    unit = ScanUnit(path="app.py", text=TEXT)
    everything = scan_units([unit], Config(backend="none", threshold=0.0), None)
    strict = scan_units([unit], Config(backend="none", threshold=0.99), None)
    assert {f.candidate.rule for f in everything.findings} >= {"aws-access-key-id"}
    assert all(f.stage == "rules" for f in everything.findings)
    assert strict.findings == ()


def test_identical_prompts_are_judged_once_and_scores_apply_to_each() -> None:
    judge = FixedJudge(0.9)
    unit = ScanUnit(path="app.py", text="a_password = 'Zx9-long-pass'\n" * 3)
    result = scan_units([unit], LLM_ONLY, judge)
    assert len(result.findings) == 3
    assert len(judge.asked) == 1
    assert result.stats.judged == 1


def test_a_judge_that_says_no_drops_generic_candidates() -> None:
    result = scan_units([ScanUnit(path="app.py", text=TEXT)], LLM_ONLY, FixedJudge(0.01))
    assert result.findings == ()
    assert result.stats.backend == "fixed"


def test_backend_down_falls_back_to_rules_with_a_warning() -> None:
    warnings: list[str] = []
    result = scan_units([ScanUnit(path="app.py", text=TEXT)], LLM_ONLY, DownJudge(0.5), warn=warnings.append)
    assert result.findings, "rules-only fallback must still report"
    assert all(f.stage == "rules" for f in result.findings)
    assert len(warnings) == 1 and "falling back to rules only" in warnings[0]


def test_backend_down_with_fallback_error_raises() -> None:
    with pytest.raises(BackendUnavailable):
        scan_units([ScanUnit(path="app.py", text=TEXT)], Config(fallback="error", scorer=SCORER_OFF), DownJudge(0.5))



def constant_scorer(tmp_path: Path, probability: float, band: tuple[float, float] = (0.2, 0.8)) -> Config:
    """A weight file whose every weight is 0, so it says `probability` for every candidate."""
    path = tmp_path / "scorer.npz"
    bias = math.log(probability / (1 - probability))
    save_scorer(Scorer([0.0] * 64, bias, band, llm_weight=0.5), path)
    return Config(scorer=str(path))


PASSWORDS = ScanUnit(path="app.py", text="a_password = 'Zx9-long-pass'\nb_password = 'Qw7-other-pass'\n")


def test_the_scorer_settles_what_it_is_sure_of_without_the_llm(tmp_path: Path) -> None:
    judge = FixedJudge(0.01)
    result = scan_units([PASSWORDS], constant_scorer(tmp_path, 0.95), judge)
    assert judge.asked == []
    assert [f.stage for f in result.findings] == ["scorer", "scorer"]
    assert result.findings[0].confidence == pytest.approx(0.95)
    assert (result.stats.settled, result.stats.judged) == (2, 0)

    quiet = scan_units([PASSWORDS], constant_scorer(tmp_path, 0.05), FixedJudge(0.99))
    assert quiet.findings == () and quiet.stats.settled == 2


def test_the_uncertain_band_goes_to_the_llm_and_both_votes_count(tmp_path: Path) -> None:
    judge = FixedJudge(0.9)
    result = scan_units([PASSWORDS], constant_scorer(tmp_path, 0.5), judge)
    assert len(judge.asked) == 2
    assert (result.stats.settled, result.stats.judged) == (0, 2)
    # Equal weights in log-odds: a neutral scorer halves the LLM's log-odds, so its 0.9 becomes 0.75.
    assert [f.confidence for f in result.findings] == [pytest.approx(0.75)] * 2
    assert all(f.stage == "judge:fixed" for f in result.findings)


def test_llm_down_leaves_the_scorers_word(tmp_path: Path) -> None:
    warnings: list[str] = []
    config = constant_scorer(tmp_path, 0.6)
    result = scan_units([PASSWORDS], config, DownJudge(0.5), warn=warnings.append)
    assert [f.stage for f in result.findings] == ["scorer", "scorer"]
    assert len(warnings) == 1 and "falling back to the cheap scorer" in warnings[0]


def test_a_broken_scorer_file_is_a_model_error(tmp_path: Path) -> None:
    from secretscan.errors import ModelError

    broken = tmp_path / "scorer.npz"
    broken.write_bytes(b"not a weight file")
    with pytest.raises(ModelError, match="scorer .*cannot read it"):
        scan_units([PASSWORDS], Config(scorer=str(broken)), FixedJudge(0.5))


def test_a_file_in_windows_counts_once() -> None:
    windows = [ScanUnit(path="big.log", text="x = 1\n"), ScanUnit(path="big.log", text="y = 2\n")]
    history = [ScanUnit(path="app.py", text="z = 3\n", commit=sha) for sha in ("a" * 40, "b" * 40)]
    result = scan_units([*windows, *history], Config(backend="none"), None)
    assert result.stats.files_scanned == 3
