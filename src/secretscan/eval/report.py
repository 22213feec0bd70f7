"""The eval's outputs: report.json, report.md (tables, the PR plot, the reliability diagram, the top errors) and
errors.jsonl."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secretscan import __version__
from secretscan.eval.corpus import Corpus
from secretscan.eval.error_analysis import ErrorRecord
from secretscan.eval.evaluation import CONVENTIONS, Calibration, Metrics, ModeEval
from secretscan.eval.funnel import (
    JUDGED_BELOW,
    NEVER_A_CANDIDATE,
    REPORTED,
    REPORTED_CERTAIN,
    Funnel,
    is_filtered,
    ordered,
)
from secretscan.eval.judge_eval import JudgeEval
from secretscan.eval.metrics import Counts, SweepPoint
from secretscan.eval.modes import ModeRun
from secretscan.eval.pipeline import Gate

PLOT_FILE = "pr_curve.png"
RELIABILITY_FILE = "reliability.png"
TOP_ERRORS_PER_KIND = 3
FUNNEL_CATEGORIES = 15  # the most frequent true categories shown; the rest are summed as "other"


@dataclass(frozen=True)
class EvalReport:
    corpus: Corpus | None
    corpus_label: str  # the corpus folder as the user named it
    threshold: float
    evals: tuple[ModeEval, ...]
    judge_eval: JudgeEval | None = None
    judge_eval_detail: str = ""
    gate: Gate | None = None
    plot_written: bool = False
    reliability_written: bool = False


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _counts_json(counts: Counts) -> dict[str, Any]:
    return {
        **asdict(counts),
        "precision": _round(counts.precision),
        "recall": _round(counts.recall),
        "f1": _round(counts.f1),
    }


def _metrics_json(metrics: Metrics) -> dict[str, Any]:
    interval = metrics.f1_interval
    return {**_counts_json(metrics.counts), "f1_ci95": None if interval is None else [_round(v) for v in interval]}


def _point_json(point: SweepPoint | None) -> dict[str, Any] | None:
    return None if point is None else {"threshold": _round(point.threshold), **_counts_json(point.counts)}


def _calibration_json(calibration: Calibration) -> dict[str, Any]:
    return {
        "ece": _round(calibration.ece),
        "ece_ci95": None if calibration.ece_ci95 is None else [_round(bound) for bound in calibration.ece_ci95],
        "lines": calibration.lines,
        "bins": [
            {
                "low": cell.low,
                "high": cell.high,
                "count": cell.count,
                "mean_score": _round(cell.mean_score),
                "positive_rate": _round(cell.positive_rate),
            }
            for cell in calibration.bins
        ],
    }


def _funnel_json(funnel: Funnel) -> dict[str, Any]:
    return {
        "true_lines": funnel.true_lines,
        "stages": funnel.stages,
        "by_category": funnel.by_category,
        "reach": {"all": _round(funnel.reach), "without_uuids": _round(funnel.reach_without_uuids)},
        "on_reached": {**_counts_json(funnel.on_reached), "accuracy": _round(funnel.on_reached.accuracy)},
    }


def _mode_json(evaluation: ModeEval) -> dict[str, Any]:
    run = evaluation.run
    if run.skipped:
        return {"mode": run.mode, "status": "skipped", "note": run.skipped}
    funnel = {} if evaluation.funnel is None else {"funnel": _funnel_json(evaluation.funnel)}
    return {
        "mode": run.mode,
        "status": "ok",
        "detail": run.detail,
        "seconds": round(run.seconds, 3),
        "threshold": evaluation.threshold,
        "findings": len(run.predictions),
        "stats": run.stats,
        "metrics": {name: _metrics_json(m) for name, m in evaluation.overall.items()},
        "by_category": {
            name: {group: _metrics_json(m) for group, m in groups.items()}
            for name, groups in evaluation.by_category.items()
        },
        "by_kind": {
            name: {group: _metrics_json(m) for group, m in groups.items()}
            for name, groups in evaluation.by_kind.items()
        },
        "sweep": {
            name: {
                "best": _point_json(s.best),
                "at": [_point_json(p) for p in s.marks],
                "points": [_point_json(p) for p in s.points],
            }
            for name, s in evaluation.sweeps.items()
        },
        "calibration": {name: _calibration_json(c) for name, c in evaluation.calibration.items()},
        "errors_by_kind": dict(Counter(e.kind for e in evaluation.errors).most_common()),
        **funnel,
    }


def _judge_eval_json(result: JudgeEval, detail: str) -> dict[str, Any]:
    return {
        "detail": detail,
        "examples": result.examples,
        "threshold": result.threshold,
        "accuracy": _round(result.accuracy),
        **_counts_json(result.counts),
        "ece": _round(result.ece),
        "brier": _round(result.brier),
        "best": _point_json(result.best),
        "latency_ms": {name: round(value, 2) for name, value in result.latency_ms.items()},
        "by_category": {name: _counts_json(counts) for name, counts in result.by_category.items()},
    }


def to_json(report: EvalReport) -> dict[str, Any]:
    corpus = report.corpus
    return {
        "version": __version__,
        "corpus": None
        if corpus is None
        else {
            "path": report.corpus_label,
            "files": len(corpus.files),
            "labels": len(corpus.labels),
            "positives": corpus.positives,
        },
        "threshold": report.threshold,
        "conventions": [name for name, _ in CONVENTIONS],
        "modes": [_mode_json(e) for e in report.evals],
        "plot": PLOT_FILE if report.plot_written else None,
        "reliability_plot": RELIABILITY_FILE if report.reliability_written else None,
        "judge_eval": None
        if report.judge_eval is None
        else _judge_eval_json(report.judge_eval, report.judge_eval_detail),
        "gate": None if report.gate is None else {**asdict(report.gate), "passed": report.gate.passed},
    }


# --- Markdown ----------------------------------------------------------------------------------------------


def fmt_rate(value: float | None) -> str:
    """A rate with three decimals, or an en dash when it is undefined."""
    return "–" if value is None else f"{value:.3f}"


def _interval(interval: tuple[float, float] | None) -> str:
    return "–" if interval is None else f"{interval[0]:.3f}–{interval[1]:.3f}"


def _cell(text: str) -> str:
    """Table-safe inline code: pipes escaped, a fence longer than any backtick run inside."""
    text = text.replace("|", "\\|").strip()
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def results_table(evals: Sequence[ModeEval]) -> list[str]:
    """The headline table: one row per mode, both conventions."""
    rows = []
    for evaluation in evals:
        run = evaluation.run
        if run.skipped:
            continue
        lo = evaluation.overall["labelled-only"]
        st = evaluation.overall["strict"].counts
        rows.append(
            [
                run.mode,
                fmt_rate(lo.counts.precision),
                fmt_rate(lo.counts.recall),
                f"**{fmt_rate(lo.counts.f1)}**",
                _interval(lo.f1_interval),
                fmt_rate(st.precision),
                fmt_rate(st.recall),
                fmt_rate(st.f1),
                f"{run.seconds:.1f}",
            ]
        )
    header = ["mode", "precision", "recall", "F1", "F1 95% CI", "strict P", "strict R", "strict F1", "time (s)"]
    return _table(header, rows)


def _describe(run: ModeRun) -> str:
    if run.skipped:
        return f"skipped: {run.skipped}"
    judged = run.stats.get("judged")
    if isinstance(judged, int) and judged > 0:
        return f"{run.detail}; {judged} candidates judged in {run.seconds:.1f} s ({run.seconds / judged:.2f} s each)"
    return run.detail


def _group_table(evals: Sequence[ModeEval], attribute: str, title: str) -> list[str]:
    ran = [e for e in evals if not e.run.skipped]
    groups: dict[str, Counts] = {}
    for evaluation in ran:
        for name, metrics in getattr(evaluation, attribute)["labelled-only"].items():
            groups.setdefault(name, metrics.counts)
    rows = []
    for name, counts in sorted(groups.items()):
        positives = counts.tp + counts.fn
        row = [name, f"{positives}/{counts.total}"]
        for evaluation in ran:
            metrics = getattr(evaluation, attribute)["labelled-only"].get(name)
            row.append("–" if metrics is None else fmt_rate(metrics.counts.f1))
        rows.append(row)
    return _table([title, "secrets/lines", *(e.run.mode for e in ran)], rows)


def _sweep_rows(evals: Sequence[ModeEval]) -> list[list[str]]:
    rows = []
    for evaluation in evals:
        sweep = evaluation.sweeps.get("labelled-only")
        if sweep is None or sweep.best is None:
            continue
        at = evaluation.overall["labelled-only"].counts
        best = sweep.best.counts
        rows.append(
            [
                evaluation.run.mode,
                f"{sweep.best.threshold:.3f}",
                fmt_rate(best.f1),
                fmt_rate(best.precision),
                fmt_rate(best.recall),
                fmt_rate(at.precision),
                fmt_rate(at.recall),
                fmt_rate(at.f1),
            ]
        )
    return rows


def calibration_summary(evals: Sequence[ModeEval]) -> list[str]:
    """One line per mode that gives confidences: its ECE on the labelled lines it scored."""
    return [
        f"{e.run.mode}: ECE {fmt_rate(calibration.ece)} (95% CI {_interval(calibration.ece_ci95)}; labelled-only, "
        f"{len(calibration.bins)} bins, {calibration.lines} scored lines)"
        for e in evals
        if (calibration := e.calibration.get("labelled-only")) is not None
    ]


def _calibration_lines(evals: Sequence[ModeEval], plotted: bool) -> list[str]:
    measured = [e for e in evals if "labelled-only" in e.calibration]
    if not measured:
        return []
    lines = [
        "## Calibration",
        "",
        (
            "Does a confidence of 0.8 mean that 8 lines in 10 are secrets? Over the labelled lines each mode gave a "
            "confidence (a candidate reached the judge or a certain rule; the line's best finding), in equal-width "
            "bins: the mean confidence, the share that are secrets, and the expected calibration error (ECE: the "
            "gap between the two, weighted by the bin's lines). Strict counts the scored unlabelled lines as "
            "non-secrets."
        ),
        "",
    ]
    rows = [
        [
            e.run.mode,
            fmt_rate(e.calibration["labelled-only"].ece),
            _interval(e.calibration["labelled-only"].ece_ci95),
            str(e.calibration["labelled-only"].lines),
            fmt_rate(e.calibration["strict"].ece) if "strict" in e.calibration else "–",
        ]
        for e in measured
    ]
    lines += _table(["mode", "ECE", "ECE 95% CI", "scored lines", "strict ECE"], rows)
    lines.append("")
    if plotted:
        lines += [f"![reliability diagram]({RELIABILITY_FILE})", ""]
    bins = measured[0].calibration["labelled-only"].bins
    header = ["confidence", *(f"{e.run.mode}: mean / secrets (lines)" for e in measured)]
    rows = []
    for index, cell in enumerate(bins):
        row = [f"{cell.low:.1f}-{cell.high:.1f}"]
        for e in measured:
            own = e.calibration["labelled-only"].bins[index]
            row.append(
                "–" if not own.count else f"{fmt_rate(own.mean_score)} / {fmt_rate(own.positive_rate)} ({own.count})"
            )
        rows.append(row)
    lines += [*_table(header, rows), ""]
    lines += ["What a threshold buys (labelled-only):", ""]
    rows = [
        [e.run.mode, f"{mark.threshold:.1f}", fmt_rate(mark.counts.precision), fmt_rate(mark.counts.recall),
         fmt_rate(mark.counts.f1)]
        for e in measured
        for mark in e.sweeps["labelled-only"].marks
    ]  # fmt: skip
    lines += [*_table(["mode", "threshold", "precision", "recall", "F1"], rows), ""]
    return lines


def _error_lines(evaluation: ModeEval) -> list[str]:
    errors = evaluation.errors
    if not errors:
        return [f"No errors for {evaluation.run.mode}."]
    kinds = Counter((e.kind, e.outcome) for e in errors)
    lines = [f"### {evaluation.run.mode}", ""]
    lines += _table(
        ["error kind", "FP", "FN"],
        [
            [kind, str(kinds[(kind, "fp")]), str(kinds[(kind, "fn")])]
            for kind in dict.fromkeys(k for k, _ in sorted(kinds, key=lambda k: -kinds[k]))
        ],
    )
    by_kind: dict[str, list[ErrorRecord]] = {}
    for error in errors:
        by_kind.setdefault(error.kind, []).append(error)
    rows = []
    for kind, records in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        # The most confident mistakes first: a high-scored false positive or a low-scored miss.
        records = sorted(records, key=lambda e: -(e.score or 0.0) if e.outcome == "fp" else (e.score or 0.0))
        for error in records[:TOP_ERRORS_PER_KIND]:
            rows.append(
                [
                    kind,
                    error.outcome.upper(),
                    f"{error.path}:{error.line}",
                    error.category,
                    _cell(error.value_masked),
                    error.stage or "",
                    _cell(error.line_masked),
                ]
            )
    lines += ["", f"Top errors ({TOP_ERRORS_PER_KIND} per kind, values masked):", ""]
    lines += _table(["kind", "FP/FN", "where", "category", "value", "stage", "line"], rows)
    return lines


def _fmt_share(value: float | None) -> str:
    """A share as a percentage with one decimal, or an en dash when it is undefined."""
    return "–" if value is None else f"{value:.1%}"


def _funnels(evals: Sequence[ModeEval]) -> list[tuple[str, Funnel]]:
    return [(e.run.mode, e.funnel) for e in evals if e.funnel is not None]


def funnel_summary(evals: Sequence[ModeEval]) -> list[str]:
    """One line per our mode: how many secrets the judge ever gets to see, and where the biggest losses are."""
    return [
        f"{mode}: {_fmt_share(funnel.reach)} of true lines reach the judge or a certain rule "
        f"({_fmt_share(funnel.reach_without_uuids)} without UUIDs); "
        f"never a candidate {_fmt_share(funnel.share(funnel.stages.get(NEVER_A_CANDIDATE, 0)))}, "
        f"filtered {_fmt_share(funnel.share(funnel.filtered))}"
        for mode, funnel in _funnels(evals)
    ]


def _stage_table(funnels: Sequence[tuple[str, Funnel]]) -> list[str]:
    combined: Counter[str] = Counter()
    for _, funnel in funnels:
        combined.update(funnel.stages)
    rows = [
        [stage, *(f"{f.stages.get(stage, 0)} ({_fmt_share(f.share(f.stages.get(stage, 0)))})" for _, f in funnels)]
        for stage in ordered(combined)
    ]
    rows.append(["**true lines**", *(str(f.true_lines) for _, f in funnels)])
    rows.append(["**reach: judge or certain rule**", *(_fmt_share(f.reach) for _, f in funnels)])
    rows.append(["**reach without UUIDs**", *(_fmt_share(f.reach_without_uuids) for _, f in funnels)])
    for name in ("precision", "recall", "accuracy"):
        rows.append([f"**on reached: {name}**", *(fmt_rate(getattr(f.on_reached, name)) for _, f in funnels)])
    return _table(["stage", *(mode for mode, _ in funnels)], rows)


def _category_groups(funnel: Funnel) -> dict[str, list[str]]:
    """The most frequent true categories, each on its own, then the rest as one group."""
    totals = Counter({name: sum(stages.values()) for name, stages in funnel.by_category.items()})
    top = [name for name, _ in totals.most_common(FUNNEL_CATEGORIES)]
    groups = {name: [name] for name in top}
    rest = [name for name in totals if name not in groups]
    if rest:
        groups[f"other ({len(rest)} categories)"] = rest
    return groups


def _category_cells(funnel: Funnel, names: Sequence[str]) -> list[str]:
    stages: Counter[str] = Counter()
    for name in names:
        stages.update(funnel.by_category.get(name, {}))
    total = sum(stages.values())
    found = stages[REPORTED_CERTAIN] + stages[REPORTED]
    filtered = sum(n for stage, n in stages.items() if is_filtered(stage))
    recall = found / total if total else None
    return [fmt_rate(recall), str(stages[NEVER_A_CANDIDATE]), str(filtered), str(stages[JUDGED_BELOW])]


def _funnel_category_table(funnels: Sequence[tuple[str, Funnel]]) -> list[str]:
    """Every one of our modes sees the same true lines, so the first funnel picks the rows."""
    groups = _category_groups(funnels[0][1])
    rows = []
    for group, names in groups.items():
        true_lines = sum(sum(funnels[0][1].by_category[name].values()) for name in names)
        rows.append([group, str(true_lines), *(c for _, f in funnels for c in _category_cells(f, names))])
    header = ["category", "true lines"]
    for mode, _ in funnels:
        header += [f"{mode} recall", f"{mode} never a candidate", f"{mode} filtered", f"{mode} judged below"]
    return _table(header, rows)


def _funnel_lines(evals: Sequence[ModeEval]) -> list[str]:
    funnels = _funnels(evals)
    if not funnels:
        return []
    return [
        "## Where the true lines were lost",
        "",
        (
            "Each true line stops at one stage of our scanner: no detector fired (never a candidate), a harmless-value "
            "filter dropped every candidate on it, an inline allow comment hid it, the judge scored it below the "
            "threshold, or it was reported (certain: a valid checksum or a private key block, no judge asked). "
            "Reach: the share that the judge or a certain rule saw. On reached: the mode's precision, recall and "
            "accuracy on the labelled lines (true and false) that reached it."
        ),
        "",
        *_stage_table(funnels),
        "",
        *_funnel_category_table(funnels),
        "",
    ]


def to_markdown(report: EvalReport) -> str:
    lines = ["# secretscan eval", ""]
    corpus = report.corpus
    if corpus is not None:
        lines += [
            (
                f"Corpus `{report.corpus_label}`: {len(corpus.files)} files, {len(corpus.labels)} labelled lines "
                f"({corpus.positives} secrets). Shipped threshold {report.threshold:.2f}. secretscan {__version__}."
            ),
            "",
            (
                "Labelled-only: findings on unlabelled lines are ignored. Strict: they count as false positives. "
                "Several findings on one line count once."
            ),
            "",
            "## Results",
            "",
            *results_table(report.evals),
            "",
        ]
        for evaluation in report.evals:
            lines.append(f"- {evaluation.run.mode}: {_describe(evaluation.run)}")
        lines.append("")
        sweep_rows = _sweep_rows(report.evals)
        if sweep_rows:
            lines += ["## Threshold sweep", ""]
            header = ["mode", "F1-optimal threshold", "F1 there", "P there", "R there"]
            header += [f"P at {report.threshold:.2f}", f"R at {report.threshold:.2f}", f"F1 at {report.threshold:.2f}"]
            lines += _table(header, sweep_rows)
            lines.append("")
        if report.plot_written:
            lines += [f"![precision-recall curve]({PLOT_FILE})", ""]
        lines += _calibration_lines(report.evals, report.reliability_written)
        lines += _funnel_lines(report.evals)
        lines += ["## F1 by category (labelled-only)", "", *_group_table(report.evals, "by_category", "category"), ""]
        lines += ["## F1 by file kind (labelled-only)", "", *_group_table(report.evals, "by_kind", "file kind"), ""]
        lines += ["## Errors", "", "All errors are in `errors.jsonl` (strict convention, values masked).", ""]
        for evaluation in report.evals:
            if not evaluation.run.skipped:
                lines += [*_error_lines(evaluation), ""]
    if report.judge_eval is not None:
        result = report.judge_eval
        lines += ["## Judge-level eval", "", f"{result.examples} examples, {report.judge_eval_detail}.", ""]
        header = ["accuracy", "precision", "recall", "F1", "ECE", "Brier", "best threshold", "latency mean / p95 (ms)"]
        best = "–" if result.best is None else f"{result.best.threshold:.3f} (F1 {fmt_rate(result.best.counts.f1)})"
        row = [
            fmt_rate(result.accuracy),
            fmt_rate(result.counts.precision),
            fmt_rate(result.counts.recall),
            fmt_rate(result.counts.f1),
            fmt_rate(result.ece),
            fmt_rate(result.brier),
            best,
            f"{result.latency_ms['mean']:.1f} / {result.latency_ms['p95']:.1f}",
        ]
        lines += [*_table(header, [row]), ""]
    if report.gate is not None:
        gate = report.gate
        verdict = "passed" if gate.passed else "FAILED"
        lines += [
            f"Gate: F1 of {gate.mode} ({gate.convention}) = {gate.f1:.3f}, minimum {gate.min_f1:.3f}: {verdict}.",
            "",
        ]
    return "\n".join(lines)


def _error_json(error: ErrorRecord) -> dict[str, Any]:
    row = asdict(error)
    row["context_before"] = list(error.context_before)
    row["context_after"] = list(error.context_after)
    return row


def write_report(report: EvalReport, out: Path) -> list[Path]:
    """Write report.json, report.md and errors.jsonl into `out` (the plot is written before). Returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path, errors_path = out / "report.json", out / "report.md", out / "errors.jsonl"
    json_path.write_text(json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(report), encoding="utf-8")
    with errors_path.open("w", encoding="utf-8") as handle:
        for evaluation in report.evals:
            for error in evaluation.errors:
                handle.write(json.dumps(_error_json(error), ensure_ascii=False) + "\n")
    return [json_path, md_path, errors_path]
