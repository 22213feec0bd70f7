"""Where each true line was lost on its way through our scanner.

Recall says how many secrets a mode misses, not where: a secret no detector sees needs a new rule, one a filter
drops needs a narrower filter, one the judge scores low needs a better model. Each true labelled line stops at
one stage, in the engine's order. Only our own modes have a funnel: other tools' inner stages are unknown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from secretscan.eval.corpus import Label, LineKey
from secretscan.eval.error_analysis import NO_CANDIDATE, NOT_REPORTED, SUPPRESSED_INLINE, CorpusTracer
from secretscan.eval.metrics import Counts, count, outcomes
from secretscan.eval.modes import Prediction

REPORTED_CERTAIN = "reported: certain"  # a valid checksum or a private key block: no judge asked
REPORTED = "reported"
JUDGED_BELOW = "judged below threshold"
FILTERED = "filtered"  # stages are "filtered: <filter name>"
SUPPRESSED = "suppressed"
NEVER_A_CANDIDATE = "never a candidate"
# A trace's stage as a funnel stage. NOT_REPORTED keeps its own name: a candidate survived the filters but the scan
# returned nothing for the line (its file was skipped as binary or too large). It should stay at zero.
_TRACE_STAGES = {NO_CANDIDATE: NEVER_A_CANDIDATE, SUPPRESSED_INLINE: SUPPRESSED, NOT_REPORTED: NOT_REPORTED}
# The engine's order, used to sort rows; every filter shares FILTERED's place.
STAGE_ORDER = (REPORTED_CERTAIN, REPORTED, JUDGED_BELOW, FILTERED, SUPPRESSED, NOT_REPORTED, NEVER_A_CANDIDATE)
# The stages where the judge (or a certain rule) saw the line.
REACHED = frozenset({REPORTED_CERTAIN, REPORTED, JUDGED_BELOW})

_UUID = re.compile(r"(?<![a-z0-9])uuid(?![a-z0-9])", re.IGNORECASE)


def is_uuid_category(category: str) -> bool:
    """UUID lines are a big share of some corpora's true lines and no detector should chase bare UUIDs, so reach is
    also given without them."""
    return _UUID.search(category) is not None


def is_filtered(stage: str) -> bool:
    return stage.startswith(f"{FILTERED}: ")


@dataclass(frozen=True)
class Funnel:
    stages: dict[str, int]  # true lines per stage, in STAGE_ORDER (filters by count)
    by_category: dict[str, dict[str, int]]  # label category -> true lines per stage
    reach: float | None  # share of true lines that reach the judge or a certain rule
    reach_without_uuids: float | None
    # Every labelled line (true and false) that reached the judge or a certain rule, scored at the threshold:
    # how right the judge is on what it is shown.
    on_reached: Counts

    @property
    def true_lines(self) -> int:
        return sum(self.stages.values())

    @property
    def filtered(self) -> int:
        return sum(n for stage, n in self.stages.items() if is_filtered(stage))

    def share(self, lines: int) -> float | None:
        return lines / self.true_lines if self.true_lines else None


def _rank(stage: str) -> int:
    return STAGE_ORDER.index(FILTERED if is_filtered(stage) else stage)


def ordered(counts: Mapping[str, int]) -> dict[str, int]:
    """Stages in the engine's order; filters by count, most lines first."""
    return dict(sorted(counts.items(), key=lambda item: (_rank(item[0]), -item[1], item[0])))


def line_stage(
    key: LineKey, best: Mapping[LineKey, Prediction], certain: Collection[LineKey], threshold: float,
    tracer: CorpusTracer,
) -> str:  # fmt: skip
    """The stage one line stopped at. A mode scans at threshold 0, so a line whose candidate reached the judge has
    a prediction; only the others need a trace through the candidate stage."""
    if key in certain:
        return REPORTED_CERTAIN
    prediction = best.get(key)
    if prediction is not None:
        return REPORTED if prediction.score >= threshold else JUDGED_BELOW
    trace = tracer.trace(*key)
    if trace.filtered_as is not None:
        return f"{FILTERED}: {trace.filtered_as}"
    return _TRACE_STAGES[trace.stage]


def _reach(stages: Iterable[str]) -> float | None:
    values = list(stages)
    return sum(1 for stage in values if stage in REACHED) / len(values) if values else None


def build_funnel(
    labels: Iterable[Label], best: Mapping[LineKey, Prediction], certain: Collection[LineKey], threshold: float,
    tracer: CorpusTracer,
) -> Funnel:  # fmt: skip
    """The funnel of one of our modes; `best` is the best prediction per line, `certain` the lines with a certain
    finding."""
    labelled = list(labels)
    true = [label for label in labelled if label.label]
    stage = {label.key: line_stage(label.key, best, certain, threshold, tracer) for label in true}
    by_category: dict[str, Counter[str]] = {}
    for label in true:
        by_category.setdefault(label.category, Counter())[stage[label.key]] += 1
    reached = {label.key: label.label for label in labelled if label.key in best}
    hits = [key for key in reached if best[key].score >= threshold]
    return Funnel(
        stages=ordered(Counter(stage.values())),
        by_category={name: ordered(counts) for name, counts in sorted(by_category.items())},
        reach=_reach(stage.values()),
        reach_without_uuids=_reach(stage[label.key] for label in true if not is_uuid_category(label.category)),
        on_reached=count(outcomes(reached, hits, strict=False).values()),
    )
