"""Score one mode's predictions against the corpus labels: both conventions, per category and per file kind,
the threshold sweep for judge modes, and the error records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from secretscan.eval.corpus import Corpus, LineKey, file_kind
from secretscan.eval.error_analysis import (
    UNLABELLED,
    CorpusTracer,
    ErrorRecord,
    false_negative_kind,
    false_positive_kind,
    masked_context,
)
from secretscan.eval.funnel import Funnel, build_funnel
from secretscan.eval.masking import likely_value_masked
from secretscan.eval.metrics import (
    CalibrationBin,
    Counts,
    Outcome,
    ScoredLine,
    SweepPoint,
    best_point,
    bootstrap_ece_interval,
    bootstrap_f1_interval,
    calibration_error,
    count,
    counts_at,
    outcomes,
    reliability,
    sweep,
)
from secretscan.eval.modes import ModeRun, Prediction

# (name, strict): findings on unlabelled lines are ignored, or count as false positives.
CONVENTIONS = (("labelled-only", False), ("strict", True))
# The thresholds whose precision and recall the report gives: what raising the threshold buys.
REPORTED_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


@dataclass(frozen=True)
class Metrics:
    counts: Counts
    f1_interval: tuple[float, float] | None


@dataclass(frozen=True)
class Sweep:
    points: tuple[SweepPoint, ...]  # highest threshold first
    best: SweepPoint | None  # F1-optimal
    marks: tuple[SweepPoint, ...] = ()  # at REPORTED_THRESHOLDS


@dataclass(frozen=True)
class Calibration:
    """Does the confidence mean what it says? Measured on the lines the scanner gave one (a candidate reached the
    judge or a certain rule): a line's label against its best finding's confidence."""

    bins: tuple[CalibrationBin, ...]
    ece: float | None
    lines: int
    ece_ci95: tuple[float, float] | None = None  # bootstrap over the scored lines


@dataclass(frozen=True)
class ModeEval:
    run: ModeRun
    threshold: float | None  # the threshold applied to the scores; None: every prediction counts (other tools)
    overall: dict[str, Metrics]  # by convention
    by_category: dict[str, dict[str, Metrics]]  # convention -> label category -> metrics
    by_kind: dict[str, dict[str, Metrics]]  # convention -> file kind -> metrics
    sweeps: dict[str, Sweep]  # by convention; empty unless the scores are judge probabilities
    errors: tuple[ErrorRecord, ...]  # at the applied threshold, strict convention (unlabelled lines included)
    funnel: Funnel | None = None  # where the true lines were lost; our own modes only
    calibration: dict[str, Calibration] = field(default_factory=dict)  # by convention; like sweeps


def metrics_of(values: Iterable[Outcome]) -> Metrics:
    counts = count(values)
    return Metrics(counts, bootstrap_f1_interval(counts))


def _grouped(result: Mapping[LineKey, Outcome], group: Callable[[LineKey], str]) -> dict[str, Metrics]:
    groups: dict[str, list[Outcome]] = {}
    for key, outcome in result.items():
        groups.setdefault(group(key), []).append(outcome)
    return {name: metrics_of(values) for name, values in sorted(groups.items())}


def best_by_line(predictions: Iterable[Prediction]) -> dict[LineKey, Prediction]:
    """The highest-scoring prediction on each line: several findings on one line count once."""
    best: dict[LineKey, Prediction] = {}
    for prediction in predictions:
        key = (prediction.path, prediction.line)
        if key not in best or prediction.score > best[key].score:
            best[key] = prediction
    return best


def evaluate(corpus: Corpus, run: ModeRun, threshold: float, tracer: CorpusTracer | None = None) -> ModeEval:
    """`threshold` applies to our scanner's confidences; for rival tools and naive baselines every hit counts.
    Pass one `tracer` (built with the config's extra rules) to every mode of a run, so each file is traced once."""
    best = best_by_line(run.predictions)
    applied = threshold if run.thresholded else None
    predicted = {key for key, p in best.items() if applied is None or p.score >= applied}
    labels = {label.key: label.label for label in corpus.labels}
    category = {label.key: label.category for label in corpus.labels}

    overall: dict[str, Metrics] = {}
    by_category: dict[str, dict[str, Metrics]] = {}
    by_kind: dict[str, dict[str, Metrics]] = {}
    sweeps: dict[str, Sweep] = {}
    calibration: dict[str, Calibration] = {}
    strict_result: dict[LineKey, Outcome] = {}
    for convention, strict in CONVENTIONS:
        result = outcomes(labels, predicted, strict=strict)
        overall[convention] = metrics_of(result.values())
        by_category[convention] = _grouped(result, lambda key: category.get(key, UNLABELLED))
        by_kind[convention] = _grouped(result, lambda key: file_kind(key[0]))
        if run.thresholded:
            lines: list[ScoredLine] = [(best[k].score if k in best else None, v) for k, v in labels.items()]
            if strict:
                lines += [(p.score, None) for key, p in best.items() if key not in labels]
            points = sweep(lines)
            marks = tuple(SweepPoint(t, counts_at(lines, t)) for t in REPORTED_THRESHOLDS)
            sweeps[convention] = Sweep(tuple(points), best_point(points), marks)
            calibration[convention] = calibration_of(lines)
        if strict:
            strict_result = result
    tracer = tracer or CorpusTracer(corpus)
    errors = _error_records(run, strict_result, best, applied, category, tracer)
    funnel = None
    if run.ours and applied is not None:
        certain = {(p.path, p.line) for p in run.predictions if p.certain}
        funnel = build_funnel(corpus.labels, best, certain, applied, tracer)
    return ModeEval(run, applied, overall, by_category, by_kind, sweeps, errors, funnel, calibration)


def calibration_of(lines: Iterable[ScoredLine]) -> Calibration:
    """The reliability bins and ECE of the scored lines; an unlabelled one (strict convention) is no secret."""
    scored = [(score, label is True) for score, label in lines if score is not None]
    scores, labels = [score for score, _ in scored], [label for _, label in scored]
    cells = reliability(scores, labels)
    return Calibration(tuple(cells), calibration_error(cells), len(scored), bootstrap_ece_interval(scores, labels))


def _error_records(
    run: ModeRun,
    result: Mapping[LineKey, Outcome],
    best: Mapping[LineKey, Prediction],
    applied: float | None,
    category: Mapping[LineKey, str],
    tracer: CorpusTracer,
) -> tuple[ErrorRecord, ...]:
    records = []
    for key, outcome in sorted(result.items()):
        if outcome not in ("fp", "fn"):
            continue
        path, line = key
        lines = tracer.text(path).splitlines()
        line_masked, before, after = masked_context(lines, line)
        label_category = category.get(key, UNLABELLED)
        prediction = best.get(key)
        if outcome == "fp":
            assert prediction is not None  # a false positive is a reported line
            kind = false_positive_kind(label_category, prediction.value_class)
            stage = f"scored {prediction.score:.2f}" if run.thresholded else None
            value = prediction.value_masked
        elif prediction is not None:  # judged, below the threshold
            kind = false_negative_kind(label_category, None)
            stage = f"scored {prediction.score:.2f} < {applied:.2f}"
            value = prediction.value_masked
        elif run.ours:
            trace = tracer.trace(path, line)
            kind = false_negative_kind(label_category, trace.filtered_as)
            stage = trace.stage
            value = trace.value_masked or likely_value_masked(lines[line - 1])
        else:
            kind = false_negative_kind(label_category, None)
            stage = None
            value = likely_value_masked(lines[line - 1])
        records.append(
            ErrorRecord(
                mode=run.mode,
                outcome=outcome,
                kind=kind,
                path=path,
                line=line,
                category=label_category,
                rule=prediction.rule if prediction else None,
                score=prediction.score if prediction else None,
                value_masked=value,
                value_class=prediction.value_class if prediction else None,
                stage=stage,
                line_masked=line_masked,
                context_before=before,
                context_after=after,
            )
        )
    return tuple(records)
