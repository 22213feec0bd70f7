"""The pipeline's own logic: prior × judge combination, thresholds, dedupe and the backend-down fallback.

The judges here are small deterministic implementations of the Judge protocol, so these tests pin the engine's
arithmetic; the real llama.cpp and Ollama backends are exercised in tests/inference/.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from secretscan.config import Config
from secretscan.engine import combine, scan_units
from secretscan.errors import BackendUnavailable
from secretscan.scanner.prompt import Prompt
from secretscan.scanner.types import ScanUnit

# Built at run time so this file does not itself look like a leak.
AWS_KEY = "AKIA" + "QYLPMN5HFIQR7XYZ"
TEXT = f'password = "{"hunter2" + "hunter"}"\naws = "{AWS_KEY}"\nsame = "{"hunter2" + "hunter"}"\n'


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
    assert all(f.reason == "rules" for f in everything.findings)
    assert strict.findings == ()


def test_identical_prompts_are_judged_once_and_scores_apply_to_each() -> None:
    judge = FixedJudge(0.9)
    unit = ScanUnit(path="app.py", text="a_password = 'Zx9-long-pass'\n" * 3)
    result = scan_units([unit], Config(), judge)
    assert len(result.findings) == 3
    assert len(judge.asked) == 1
    assert result.stats.judged == 1


def test_a_judge_that_says_no_drops_generic_candidates() -> None:
    result = scan_units([ScanUnit(path="app.py", text=TEXT)], Config(threshold=0.5), FixedJudge(0.01))
    assert result.findings == ()
    assert result.stats.backend == "fixed"


def test_backend_down_falls_back_to_rules_with_a_warning() -> None:
    warnings: list[str] = []
    result = scan_units([ScanUnit(path="app.py", text=TEXT)], Config(), DownJudge(0.5), warn=warnings.append)
    assert result.findings, "rules-only fallback must still report"
    assert all(f.reason == "rules" for f in result.findings)
    assert len(warnings) == 1 and "falling back to rules only" in warnings[0]


def test_backend_down_with_fallback_error_raises() -> None:
    with pytest.raises(BackendUnavailable):
        scan_units([ScanUnit(path="app.py", text=TEXT)], Config(fallback="error"), DownJudge(0.5))

