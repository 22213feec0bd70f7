"""The eval's outputs: report.json, report.md (tables, the PR plot, the top errors) and errors.jsonl."""

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
from secretscan.eval.evaluation import CONVENTIONS, Metrics, ModeEval
from secretscan.eval.judge_eval import JudgeEval
from secretscan.eval.metrics import Counts, SweepPoint
from secretscan.eval.modes import ModeRun
from secretscan.eval.pipeline import Gate

PLOT_FILE = "pr_curve.png"
TOP_ERRORS_PER_KIND = 3


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


def _mode_json(evaluation: ModeEval) -> dict[str, Any]:
    run = evaluation.run
    if run.skipped:
        return {"mode": run.mode, "status": "skipped", "note": run.skipped}
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
            name: {"best": _point_json(s.best), "points": [_point_json(p) for p in s.points]}
            for name, s in evaluation.sweeps.items()
        },
        "errors_by_kind": dict(Counter(e.kind for e in evaluation.errors).most_common()),
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
