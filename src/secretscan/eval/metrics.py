"""Pure metric functions: confusion counts, precision/recall/F1, bootstrap interval, ECE and threshold sweeps.

Undefined values are None, never a silent 0 or 1: precision with no predictions, recall with no positives, F1
with neither. F1 is computed as 2TP / (2TP + FP + FN), so it is 0 (not undefined) when there are positives or
predictions but no true positive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from secretscan.eval.corpus import LineKey

Outcome = Literal["tp", "fp", "fn", "tn"]

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240601


@dataclass(frozen=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        predicted = self.tp + self.fp
        return self.tp / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        positives = self.tp + self.fn
        return self.tp / positives if positives else None

    @property
    def accuracy(self) -> float | None:
        return (self.tp + self.tn) / self.total if self.total else None

    @property
    def f1(self) -> float | None:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None


def outcomes(labels: Mapping[LineKey, bool], predicted: Iterable[LineKey], *, strict: bool) -> dict[LineKey, Outcome]:
    """The outcome of every scored line. Several findings on one line count once.

    Labelled-only convention (`strict=False`): predictions on unlabelled lines are ignored.
    Strict: they are false positives.
    """
    hits = set(predicted)
    result: dict[LineKey, Outcome] = {}
    for key, positive in labels.items():
        if positive:
            result[key] = "tp" if key in hits else "fn"
        else:
            result[key] = "fp" if key in hits else "tn"
    if strict:
        for key in hits - labels.keys():
            result[key] = "fp"
    return result


def count(values: Iterable[Outcome]) -> Counts:
    tally = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for value in values:
        tally[value] += 1
    return Counts(**tally)


def bootstrap_f1_interval(
    counts: Counts, *, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float] | None:
    """Percentile bootstrap interval for F1, resampling the scored lines with replacement.

    Resampling n lines from the four outcome classes is a multinomial draw of the counts, so this is exact and
    fast. Resamples where F1 is undefined are dropped; None if every one is (or there is nothing to resample).
    """
    import numpy as np

    n = counts.total
    if n == 0:
        return None
    rng = np.random.default_rng(seed)
    probabilities = [counts.tp / n, counts.fp / n, counts.fn / n, counts.tn / n]
    draws = rng.multinomial(n, probabilities, size=resamples)
    tp, fp, fn = draws[:, 0], draws[:, 1], draws[:, 2]
    denominator = 2 * tp + fp + fn
    defined = denominator > 0
    if not defined.any():
        return None
    f1 = 2 * tp[defined] / denominator[defined]
    tail = (1.0 - level) / 2
    low, high = np.quantile(f1, [tail, 1.0 - tail])
    return float(low), float(high)


CALIBRATION_BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of a reliability diagram: the scores in [low, high) (the last bin holds 1.0 too)."""

    low: float
    high: float
    count: int
    mean_score: float | None  # None: the bin is empty
    positive_rate: float | None


def reliability(scores: Sequence[float], labels: Sequence[bool], bins: int = CALIBRATION_BINS) -> list[CalibrationBin]:
    """Equal-width bins over [0, 1]: in each, the mean predicted P(secret) and the share that are secrets. A
    calibrated score has the two equal in every bin; a score of exactly 1.0 falls in the last bin."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    sums = [[0.0, 0, 0] for _ in range(bins)]  # score sum, positive count, items
    for score, label in zip(scores, labels):
        cell = sums[min(int(score * bins), bins - 1)]
        cell[0] += score
        cell[1] += 1 if label else 0
        cell[2] += 1
    return [
        CalibrationBin(
            low=index / bins,
            high=(index + 1) / bins,
            count=int(items),
            mean_score=score_sum / items if items else None,
            positive_rate=positives / items if items else None,
        )
        for index, (score_sum, positives, items) in enumerate(sums)
    ]


def calibration_error(cells: Sequence[CalibrationBin]) -> float | None:
    """ECE: the gap between mean score and positive rate, each bin weighted by its share of the items."""
    total = sum(cell.count for cell in cells)
    if not total:
        return None
    return sum(cell.count * abs(cell.positive_rate - cell.mean_score) for cell in cells
               if cell.mean_score is not None and cell.positive_rate is not None) / total  # fmt: skip


def expected_calibration_error(
    scores: Sequence[float], labels: Sequence[bool], bins: int = CALIBRATION_BINS
) -> float | None:
    """ECE of P(secret) over equal-width bins (see `reliability`)."""
    return calibration_error(reliability(scores, labels, bins))


def bootstrap_ece_interval(
    scores: Sequence[float],
    labels: Sequence[bool],
    *,
    bins: int = CALIBRATION_BINS,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval for the ECE, resampling the scored lines with replacement; None for none.

    A few hundred lines leave the ECE a few points of noise either way: the interval says how many. The ECE is
    (1/n) * sum over bins of |sum of (score - label)| there, so each resample is one weighted sum per bin."""
    import numpy as np

    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    n = len(scores)
    if n == 0:
        return None
    score_array = np.asarray(scores, dtype=np.float64)
    gaps = np.zeros((n, bins))
    cells = np.minimum((score_array * bins).astype(int), bins - 1)
    gaps[np.arange(n), cells] = score_array - np.asarray(labels, dtype=np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)
    ece = np.abs(draws @ gaps).sum(axis=1) / n
    tail = (1.0 - level) / 2
    low, high = np.quantile(ece, [tail, 1.0 - tail])
    return float(low), float(high)


# (score of the line's best finding or None when nothing was found there, its label or None when unlabelled)
ScoredLine = tuple[float | None, bool | None]


@dataclass(frozen=True)
class SweepPoint:
    threshold: float
    counts: Counts


def counts_at(lines: Iterable[ScoredLine], threshold: float) -> Counts:
    """Counts when a line is predicted iff its score >= threshold. Unlabelled lines can only be false positives."""
    tally = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for score, label in lines:
        hit = score is not None and score >= threshold
        if label is True:
            tally["tp" if hit else "fn"] += 1
        elif label is False:
            tally["fp" if hit else "tn"] += 1
        elif hit:
            tally["fp"] += 1
    return Counts(**tally)


def sweep(lines: Sequence[ScoredLine]) -> list[SweepPoint]:
    """Counts at every distinct score used as the threshold, highest threshold first.

    Pass unlabelled lines only for the strict convention. One pass over the lines sorted by score.
    """
    positives = sum(1 for _, label in lines if label is True)
    negatives = sum(1 for _, label in lines if label is False)
    ranked = sorted(((score, label) for score, label in lines if score is not None), key=lambda item: -item[0])
    points: list[SweepPoint] = []
    tp = fp = negatives_hit = 0
    index = 0
    while index < len(ranked):
        threshold = ranked[index][0]
        while index < len(ranked) and ranked[index][0] == threshold:
            label = ranked[index][1]
            if label is True:
                tp += 1
            else:
                fp += 1
                negatives_hit += label is False
            index += 1
        points.append(SweepPoint(threshold, Counts(tp, fp, positives - tp, negatives - negatives_hit)))
    return points


def best_point(points: Iterable[SweepPoint]) -> SweepPoint | None:
    """The F1-optimal point; among ties, the highest threshold (fewest findings for the same F1)."""
    defined = [point for point in points if point.counts.f1 is not None]
    if not defined:
        return None
    return max(defined, key=lambda point: (point.counts.f1, point.threshold))
