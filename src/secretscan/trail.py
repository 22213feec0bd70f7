"""`secretscan explain PATH:LINE`: every step of the scan for one line, to debug a miss or a false positive.

For each candidate on the line: what it matched, the inline allow comment and the baseline, whether a certain rule
settles it, what each filter and weak sign said, the rule's prior, the cheap scorer's features with their weights
and its band, the LLM's answer, and the final confidence against the threshold. The steps are the engine's own
(`engine.triage`, `engine.judge_candidates`), run on the file the scan would read, so the trail is the scan's.

Nothing of a value is shown beyond its mask, and the line itself is never printed: on a line the scan missed, it
may be exactly the secret.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from secretscan.config import Config
from secretscan.engine import Triage, judge_candidates, triage
from secretscan.errors import ConfigError
from secretscan.explain import Contribution, contributions, explain, match_evidence
from secretscan.inference.base import Judge
from secretscan.inference.scorer import Scorer
from secretscan.scanner.baseline import EMPTY_BASELINE, Baseline
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import FILTERS, WEAK_SIGNS
from secretscan.scanner.sources import file_units
from secretscan.scanner.suppress import is_allowed_inline
from secretscan.scanner.types import Candidate, Finding, ScanUnit, Verdict

Warn = Callable[[str], None]

# Features listed one by one in the trail, strongest first; the rest are summed on one line.
TOP_FEATURES = 12


@dataclass(frozen=True)
class CandidateTrail:
    """One candidate's way through the scan."""

    candidate: Candidate  # as the judge saw it: a weak sign has lowered its prior
    match: str  # what matched, in words
    found_prior: float  # the rule's prior before any weak sign
    where: Triage
    suppressed_by: str | None  # "an inline allow comment" or "the baseline"
    harmless: tuple[str, ...]  # the filters that call it harmless; the first one drops it
    weak: tuple[str, ...]  # the weak signs that hold for it
    verdict: Verdict | None  # None: suppressed or filtered before any scoring
    features: tuple[Contribution, ...]  # the cheap scorer's, strongest first; empty when it did not score it
    finding: Finding | None  # what the scan reports for it, if anything


@dataclass(frozen=True)
class LineTrail:
    path: str
    line: int
    threshold: float
    backend: str  # the judge backend, "none" for rules only
    scorer: Scorer | None  # the cheap scorer that scored the line's candidates
    candidates: tuple[CandidateTrail, ...]


def parse_location(location: str) -> tuple[str, int]:
    """`app/settings.py:12` -> ("app/settings.py", 12); anything else is a one-line ConfigError."""
    path, _, line = location.rpartition(":")
    if not path or not line.isdigit() or int(line) < 1:
        raise ConfigError(f"expected PATH:LINE with a line number from 1, got {location!r}")
    return path, int(line)


def _line_units(path: str, line: int, config: Config) -> list[ScanUnit]:
    """The units of the file the scan would read, each told to report only candidates that touch `line`."""
    if not Path(path).is_file():
        raise ConfigError(f"{path}: not a file")
    skipped: Counter[str] = Counter()
    units = list(file_units([path], max_file_bytes=config.max_file_bytes, skipped=skipped))
    if skipped["binary"]:
        raise ConfigError(f"{path}: a binary file, which the scan skips")
    last = max((_last_line(unit) for unit in units), default=0)
    if line > last:
        raise ConfigError(f"{path} has {last} line{'' if last == 1 else 's'}, not {line}")
    wanted = frozenset({line})
    return [
        dataclasses.replace(unit, judged_lines=wanted & unit.judged_lines if unit.judged_lines is not None else wanted)
        for unit in units
    ]


def _last_line(unit: ScanUnit) -> int:
    count = unit.text.count("\n") + (0 if unit.text.endswith("\n") else 1)
    return unit.real_line(count - 1) if unit.text else 0


def explain_line(
    path: str,
    line: int,
    config: Config,
    judge: Judge | None,
    *,
    baseline: Baseline = EMPTY_BASELINE,
    warn: Warn = lambda message: None,
) -> LineTrail:
    """The trail of every candidate on `line` of the file at `path`, through the scan `config` and `judge` make."""
    found = [c for unit in _line_units(path, line, config) for c in find_candidates(unit, config.rules)]
    protected = {c.secret for c in found}
    triaged: list[tuple[Candidate, Triage, Candidate]] = []  # as found, where it goes, as it goes on
    for candidate in found:
        where, judged = triage(candidate, baseline)
        triaged.append((candidate, where, judged))
    uncertain = {i: judged for i, (_, where, judged) in enumerate(triaged) if where == "uncertain"}
    verdicts: dict[int, Verdict] = {}
    scorer: Scorer | None = None
    backend = judge.name if judge is not None else "none"
    if judge is None:
        verdicts = {i: Verdict(c, c.prior, "rules") for i, c in uncertain.items()}
    elif uncertain:
        outcome = judge_candidates(list(uncertain.values()), judge, config, warn)
        verdicts = dict(zip(uncertain, outcome.verdicts))
        scorer, backend = outcome.scorer, outcome.backend
    own_rules = {rule.id for rule in config.rules}
    trails = []
    for i, (original, where, judged) in enumerate(triaged):
        verdict = Verdict(judged, 1.0, "certain") if where == "certain" else verdicts.get(i)
        features: tuple[Contribution, ...] = ()
        if verdict is not None and verdict.scorer is not None and scorer is not None:
            features = tuple(contributions(judged, scorer, protected))
        reported = verdict is not None and verdict.confidence >= config.threshold
        trails.append(
            CandidateTrail(
                candidate=judged,
                match=match_evidence(judged, protected).text,
                found_prior=original.prior,
                where=where,
                suppressed_by=_suppressed_by(original, baseline),
                harmless=tuple(name for name, holds in FILTERS if holds(original)),
                weak=tuple(name for name, holds in WEAK_SIGNS if holds(original)),
                verdict=verdict,
                features=features,
                finding=explain(verdict, scorer, protected, own_rules) if verdict is not None and reported else None,
            )
        )
    return LineTrail(Path(path).as_posix(), line, config.threshold, backend, scorer, tuple(trails))


def _suppressed_by(candidate: Candidate, baseline: Baseline) -> str | None:
    if is_allowed_inline(candidate.line_text):
        return "an inline allow comment"
    return "the baseline" if baseline.suppresses(candidate) else None


# -- text --------------------------------------------------------------------------------------------------------


def render_trail(trail: LineTrail) -> str:
    """The trail as plain text, one block per candidate."""
    count = len(trail.candidates)
    head = f"{trail.path}:{trail.line}: "
    if not count:
        return head + "no candidate: no detector found a value on this line"
    head += f"{count} candidate{'' if count == 1 else 's'}; threshold {trail.threshold:.2f}, backend {trail.backend}"
    lines = [head]
    for number, step in enumerate(trail.candidates, 1):
        lines += ["", *_candidate_lines(number, step, trail)]
    return "\n".join(lines)


def _candidate_lines(number: int, step: CandidateTrail, trail: LineTrail) -> list[str]:
    c = step.candidate
    lines = [
        f"[{number}] {c.rule} ({c.category}) at column {c.column}: {c.masked}",
        f"    match: {step.match}",
        f"    suppressed: {step.suppressed_by or 'no'}",
        f"    certain: {'yes' if step.where == 'certain' else 'no'}",
        f"    filters: {_said(step.harmless, len(FILTERS), 'harmless')}",
        f"    weak signs: {_said(step.weak, len(WEAK_SIGNS), 'a judgement call')}",
        f"    rule prior: {step.found_prior:.2f}"
        + (f", lowered to {c.prior:.2f} by the weak sign" if c.prior != step.found_prior else ""),
    ]
    if step.where == "suppressed":
        return [*lines, "    stops here: suppressed, never scored or reported"]
    if step.where == "filtered":
        return [*lines, f"    stops here: dropped by the {step.harmless[0]} filter, never scored"]
    verdict = step.verdict
    assert verdict is not None  # certain and uncertain candidates are all scored
    if verdict.scorer is not None and trail.scorer is not None:
        lines += _scorer_lines(verdict.scorer, step.features, trail.scorer)
    lines.append(f"    LLM: {_llm_words(verdict, trail)}")
    verb = "reported" if step.finding is not None else "not reported"
    relation = ">=" if step.finding is not None else "<"
    lines.append(f"    confidence {verdict.confidence:.2f} {relation} threshold {trail.threshold:.2f}: {verb}")
    if step.finding is not None:
        lines.append(f"    reason: {step.finding.reason}")
    return lines


def _said(names: tuple[str, ...], asked: int, verdict: str) -> str:
    if not names:
        return f"none of {asked} says {verdict}"
    return f"{', '.join(names)} say{'s' if len(names) == 1 else ''} {verdict} ({asked - len(names)} of {asked} don't)"


def _scorer_lines(probability: float, features: tuple[Contribution, ...], scorer: Scorer) -> list[str]:
    low, high = scorer.band
    if scorer.settles(probability):
        band = f"outside its band {low:.2f}-{high:.2f}: it settles the candidate"
    else:
        band = f"inside its band {low:.2f}-{high:.2f}: the LLM decides with it"
    total = sum(f.weight for f in features)
    lines = [
        f"    scorer: P(secret) {probability:.3f}, {band}",
        f"      log-odds {scorer.bias + total:+.3f} = bias {scorer.bias:+.3f} + {len(features)} features {total:+.3f}",
    ]
    width = max((len(f.feature) for f in features[:TOP_FEATURES]), default=0)
    for feature in features[:TOP_FEATURES]:
        lines.append(f"      {feature.weight:+.3f}  {feature.feature:<{width}}  {feature.words or ''}".rstrip())
    rest = features[TOP_FEATURES:]
    if rest:
        lines.append(f"      {sum(f.weight for f in rest):+.3f}  the other {len(rest)} features")
    return lines


def _llm_words(verdict: Verdict, trail: LineTrail) -> str:
    if verdict.stage == "certain":
        return "not asked: a certain rule needs no model"
    if verdict.llm is not None:
        folded = "folded with the scorer's" if verdict.scorer is not None else "combined with the rule's prior"
        return f"P(secret) {verdict.llm:.3f} ({verdict.stage.removeprefix('judge:')}), {folded}"
    if verdict.scorer is None:
        return "no judge answered: the rule's prior is the confidence"
    if trail.scorer is not None and trail.scorer.settles(verdict.scorer):
        return "not asked: the scorer settled it"
    return "did not answer: the scorer's word stands"
