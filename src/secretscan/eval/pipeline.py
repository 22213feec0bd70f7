"""The library API behind `secretscan eval`: run the modes, score them, check the gate."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from secretscan.config import Config
from secretscan.errors import ConfigError
from secretscan.eval.corpus import Corpus
from secretscan.eval.error_analysis import CorpusTracer
from secretscan.eval.evaluation import CONVENTIONS, ModeEval, evaluate
from secretscan.eval.judge_eval import PROGRESS_EVERY, Example, JudgeEval, evaluate_judge
from secretscan.eval.modes import is_judge_mode, judge_config_for, judge_detail, open_judge, run_mode
from secretscan.inference.base import Judge
from secretscan.scanner.prompt import Prompt

Warn = Callable[[str], None]


@dataclass(frozen=True)
class ReportingJudge:
    """A judge that scores in chunks and reports progress between them. The engine hands a judge every prompt of
    a scan at once; on a busy 2-core machine that is minutes of silence without this."""

    judge: Judge
    progress: Warn
    label: str

    @property
    def name(self) -> str:
        return self.judge.name

    @property
    def model_id(self) -> str:
        return self.judge.model_id

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        started = time.perf_counter()
        scores: list[float] = []
        for start in range(0, len(prompts), PROGRESS_EVERY):
            scores += self.judge.score(prompts[start : start + PROGRESS_EVERY])
            each = (time.perf_counter() - started) / len(scores)
            self.progress(f"{self.label}: judged {len(scores)}/{len(prompts)} ({each:.2f} s each)")
        return scores


def evaluate_modes(
    corpus: Corpus, modes: Sequence[str], config: Config, threshold: float, warn: Warn,
    progress: Warn = lambda message: None,
) -> list[ModeEval]:  # fmt: skip
    """Run every mode over the corpus and score it. A mode that can't run here (a rival not installed) comes back
    with `run.skipped` set; a broken model or backend raises, a missing model file before anything runs."""
    judges = {
        mode: ReportingJudge(open_judge(mode, config, warn), progress, mode) for mode in modes if is_judge_mode(mode)
    }
    tracer = CorpusTracer(corpus, config.rules)
    evals = []
    for mode in modes:
        progress(f"running {mode}")
        run = run_mode(mode, corpus, config, warn, judges.get(mode))
        if run.skipped:
            progress(f"{mode}: skipped ({run.skipped})")
        else:
            progress(f"{mode}: {len(run.predictions)} findings in {run.seconds:.1f} s")
        evals.append(evaluate(corpus, run, threshold, tracer))
    return evals


def evaluate_examples(
    examples: Sequence[Example], config: Config, threshold: float, warn: Warn, progress: Warn = lambda message: None
) -> tuple[JudgeEval, str]:
    """Judge-level eval with the same judge the `judge` mode uses. Returns the result and what ran."""
    judge = open_judge("judge", config, warn)
    return evaluate_judge(examples, judge, threshold, progress), judge_detail(judge_config_for("judge", config))


@dataclass(frozen=True)
class Gate:
    mode: str
    convention: str
    min_f1: float
    f1: float

    @property
    def passed(self) -> bool:
        return self.f1 >= self.min_f1


def check_gate(evals: Sequence[ModeEval], mode: str, convention: str, min_f1: float) -> Gate:
    """The F1 gate on one mode. A mode that did not run or an undefined F1 can't pass or fail: that is an error."""
    if convention not in dict(CONVENTIONS):
        raise ConfigError(f"unknown convention {convention!r}; use labelled-only or strict")
    chosen = next((e for e in evals if e.run.mode == mode), None)
    if chosen is None:
        raise ConfigError(f"gate mode {mode!r} was not run; add --mode {mode}")
    if chosen.run.skipped:
        raise ConfigError(f"gate mode {mode!r} was skipped: {chosen.run.skipped}")
    f1 = chosen.overall[convention].counts.f1
    if f1 is None:
        raise ConfigError(f"F1 of {mode!r} is undefined (no positive labels and no findings); cannot gate on it")
    return Gate(mode, convention, min_f1, f1)
