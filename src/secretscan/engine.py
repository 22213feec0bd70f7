"""The scan pipeline: units -> candidates -> filters -> judge -> findings.

This is the library API behind `secretscan scan`, the pre-commit hook and `secretscan eval`. It is given a judge
(or None for rules only) and never imports a backend itself, so the scanner core stays free of inference code.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from secretscan.config import Config
from secretscan.errors import BackendUnavailable
from secretscan.explain import explain
from secretscan.inference.base import Judge
from secretscan.inference.scorer import Scorer, load_scorer
from secretscan.progress import NO_PROGRESS, Progress
from secretscan.scanner.baseline import EMPTY_BASELINE, Baseline
from secretscan.scanner.filters import WEAK_PRIOR, harmless_reason, weak_sign
from secretscan.scanner.parallel import candidates_per_unit
from secretscan.scanner.prompt import Prompt, build_prompt
from secretscan.scanner.suppress import is_allowed_inline
from secretscan.scanner.types import Candidate, Certainty, Finding, ScanResult, ScanStats, ScanUnit, Verdict

Warn = Callable[[str], None]

# `scorer = "none"`: no cheap scorer, the LLM judges every uncertain candidate.
SCORER_OFF = "none"
# Prompts per call to the judge. A caching judge stores each call's verdicts, so a scan cut short (Ctrl-C) keeps
# all but the last batch's, and the next run starts from there; the progress bar moves once per batch.
JUDGE_BATCH = 16


def combine(prior: float, judged: float) -> float:
    """Fold the rule's prior and the judge's P(secret) together in log-odds.

    The judge is treated as independent evidence on a neutral 0.5 base: a generic keyword hit (prior 0.5) takes the
    judge's word as it is, while a strong token format (prior ~0.9) needs the judge to be clearly against it before
    it is dropped, and a bare high-entropy string (prior ~0.3) needs the judge clearly for it.
    """
    eps = 1e-6
    prior = min(max(prior, eps), 1 - eps)
    judged = min(max(judged, eps), 1 - eps)
    log_odds = math.log(prior / (1 - prior)) + math.log(judged / (1 - judged))
    return 1 / (1 + math.exp(-log_odds))


def scorer_for(config: Config) -> Scorer | None:
    """The cheap scorer the config asks for: the shipped one by default, a user's weight file, or none."""
    if config.scorer == SCORER_OFF:
        return None
    return load_scorer(Path(config.scorer).expanduser()) if config.scorer else load_scorer()


def _stage(judged: bool, scorer: Scorer | None, judge: Judge) -> str:
    if judged:
        return f"judge:{judge.name}"
    return "rules" if scorer is None else "scorer"


def _score_in_batches(prompts: Sequence[Prompt], judge: Judge, progress: Progress) -> dict[Prompt, float]:
    """The judge's P(secret) of each prompt, asked `JUDGE_BATCH` prompts at a time."""
    scores: dict[Prompt, float] = {}
    with progress.judging(len(prompts)) as advance:
        for start in range(0, len(prompts), JUDGE_BATCH):
            batch = prompts[start : start + JUDGE_BATCH]
            scores.update(zip(batch, judge.score(batch)))
            advance(len(batch))
    return scores


@dataclass(frozen=True)
class Judged:
    """What the judge stage made of the uncertain candidates."""

    verdicts: tuple[Verdict, ...]  # one per candidate, in order, whatever its confidence
    llm_calls: int  # distinct prompts the LLM scored
    settled: int  # candidates the cheap scorer settled
    backend: str
    scorer: Scorer | None  # the cheap scorer that scored them


def judge_candidates(
    candidates: Sequence[Candidate], judge: Judge, config: Config, warn: Warn, progress: Progress = NO_PROGRESS
) -> Judged:
    """Score the uncertain candidates.

    The cheap scorer settles the candidates it is sure of; the LLM judges the rest, once per distinct prompt, and
    its P(secret) is folded with the scorer's. Without a scorer the LLM judges every candidate and its P(secret)
    is folded with the rule's prior. If the LLM is unavailable and the config allows it, the scorer's word (or,
    without one, the rule's prior) stands, with a warning, so a certain finding still blocks the commit.
    """
    scorer = scorer_for(config)
    cheap = scorer.score(candidates) if scorer is not None else [c.prior for c in candidates]
    to_judge = [i for i, p in enumerate(cheap) if scorer is None or not scorer.settles(p)]
    prompts = {i: build_prompt(candidates[i], config.context_lines) for i in to_judge}
    unique = list(dict.fromkeys(prompts.values()))
    backend = judge.name
    try:
        scores = _score_in_batches(unique, judge, progress) if unique else {}
    except BackendUnavailable as exc:
        if config.fallback != "rules":
            raise
        warn(f"{exc}; falling back to {'the cheap scorer' if scorer else 'rules only'}")
        scores, unique, backend = {}, [], "none"
    verdicts = []
    for i, candidate in enumerate(candidates):
        prompt = prompts.get(i)
        llm = scores.get(prompt) if prompt is not None else None
        if scorer is None:
            confidence = cheap[i] if llm is None else combine(candidate.prior, llm)
        else:
            confidence = scorer.calibrate(cheap[i] if llm is None else scorer.fold(cheap[i], llm))
        own = cheap[i] if scorer is not None else None
        verdicts.append(Verdict(candidate, confidence, _stage(llm is not None, scorer, judge), own, llm))
    settled = len(candidates) - len(to_judge) if scorer is not None else 0
    return Judged(tuple(verdicts), len(unique), settled, backend, scorer)


Triage = Literal["suppressed", "certain", "filtered", "uncertain"]


def triage(candidate: Candidate, baseline: Baseline) -> tuple[Triage, Candidate]:
    """Where a candidate goes before any model looks at it; a judgement call goes on with its prior lowered."""
    if is_allowed_inline(candidate.line_text) or baseline.suppresses(candidate):
        return "suppressed", candidate
    if candidate.certainty is Certainty.CERTAIN:
        return "certain", candidate
    if harmless_reason(candidate) is not None:
        return "filtered", candidate
    if weak_sign(candidate) is not None:
        return "uncertain", replace(candidate, prior=min(candidate.prior, WEAK_PRIOR))
    return "uncertain", candidate


LineKey = tuple[str | None, str, int]  # (commit, path, line)


def line_key(candidate: Candidate) -> LineKey:
    return candidate.commit, candidate.path, candidate.line


def _tally(units: Iterable[ScanUnit], files: set[tuple[str, str | None]]) -> Iterator[ScanUnit]:
    for unit in units:
        files.add((unit.path, unit.commit))
        yield unit


def scan_units(
    units: Iterable[ScanUnit],
    config: Config,
    judge: Judge | None,
    *,
    baseline: Baseline = EMPTY_BASELINE,
    skipped: Counter[str] | None = None,
    warn: Warn = lambda message: None,
    progress: Progress = NO_PROGRESS,
    workers: int = 1,
) -> ScanResult:
    """Scan every unit and return the findings that are not suppressed, with stats.

    `skipped` is the counter the unit source fills (binary / large files); it is read after the units run out.
    `progress` hears of each unit taken and each batch the judge scored (the CLI draws it on a terminal).
    `workers` > 1 spreads the candidate stage of a big input over that many processes (see scanner/parallel.py).
    """
    started = time.perf_counter()
    # A big file arrives in several windows, a file's history as one unit per commit: each counts once.
    files: set[tuple[str, str | None]] = set()
    all_candidates = 0
    filtered = 0
    suppressed = 0
    certain: list[Candidate] = []
    uncertain: list[Candidate] = []
    # Every value found on each line, so no finding's reason names any of them (explain.overlaps).
    values: dict[LineKey, set[str]] = {}
    with progress.files(units) as counted:
        for found in candidates_per_unit(_tally(counted, files), config.rules, workers):
            for candidate in found:
                all_candidates += 1
                values.setdefault(line_key(candidate), set()).add(candidate.secret)
                where, candidate = triage(candidate, baseline)
                if where == "suppressed":
                    suppressed += 1
                elif where == "certain":
                    certain.append(candidate)
                elif where == "filtered":
                    filtered += 1
                else:
                    uncertain.append(candidate)

    verdicts = [Verdict(c, 1.0, "certain") for c in certain]
    judged, settled, backend = 0, 0, "none"
    scorer: Scorer | None = None
    if judge is None:
        verdicts += [Verdict(c, c.prior, "rules") for c in uncertain]
    elif uncertain:
        outcome = judge_candidates(uncertain, judge, config, warn, progress)
        verdicts += outcome.verdicts
        judged, settled, backend, scorer = outcome.llm_calls, outcome.settled, outcome.backend, outcome.scorer
    else:
        backend = judge.name
    # Evidence only for what is reported: a tree's thousands of settled candidates cost nothing more.
    own_rules = {rule.id for rule in config.rules}
    findings = [
        explain(v, scorer, values[line_key(v.candidate)], own_rules) for v in verdicts if v.confidence >= config.threshold
    ]
    findings.sort(key=lambda f: (f.candidate.commit or "", f.candidate.path, f.candidate.line, f.candidate.column))
    skipped = skipped or Counter()
    stats = ScanStats(
        files_scanned=len(files),
        files_skipped_binary=skipped["binary"],
        candidates=all_candidates,
        filtered=filtered,
        judged=judged,
        settled=settled,
        # Only the caching wrapper counts hits; a bare backend has none.
        cache_hits=getattr(judge, "hits", 0),
        suppressed=suppressed,
        findings=len(findings),
        seconds=round(time.perf_counter() - started, 3),
        backend=backend,
    )
    return ScanResult(tuple(findings), stats)
