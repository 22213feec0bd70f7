"""The precision-recall plot and the reliability diagram. matplotlib is an optional extra (`secretscan[eval]`),
imported only here, and used through its object API with the Agg canvas so no GUI backend or global pyplot state
is touched."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from secretscan.eval.evaluation import ModeEval
from secretscan.eval.metrics import Counts


def _recall_precision(counts: Counts) -> tuple[float, float] | None:
    if counts.recall is None or counts.precision is None:
        return None
    return counts.recall, counts.precision


def can_plot() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def plot_pr_curves(evals: Sequence[ModeEval], shipped_threshold: float, path: Path) -> bool:
    """Write the labelled-only PR curve of every judge mode, with every other mode as a single point.

    Returns False (and writes nothing) when there is nothing to draw.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 5.5), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    ran = [evaluation for evaluation in evals if not evaluation.run.skipped]
    for index, evaluation in enumerate(ran):
        mode = evaluation.run.mode
        color = f"C{index % 10}"  # one colour per mode, for its curve and its points alike
        sweep = evaluation.sweeps.get("labelled-only")
        # Without a sweep, the mode's metrics; with one, they are those at the shipped threshold.
        own = _recall_precision(evaluation.overall["labelled-only"].counts)
        if sweep is None:
            if own is not None:
                axes.scatter([own[0]], [own[1]], color=color, marker="s", label=mode)
            continue
        curve = [point for p in sweep.points if (point := _recall_precision(p.counts)) is not None]
        axes.plot(
            [r for r, _ in curve], [p for _, p in curve], color=color, drawstyle="steps-post", label=f"{mode} (sweep)"
        )
        if own is not None:
            axes.scatter(
                [own[0]], [own[1]], color=color, marker="o", zorder=3, label=f"{mode} at {shipped_threshold:.2f}"
            )
        best = _recall_precision(sweep.best.counts) if sweep.best is not None else None
        if sweep.best is not None and best is not None:
            axes.scatter(
                [best[0]], [best[1]], color=color, marker="*", s=140, zorder=3,
                label=f"{mode} best F1 at {sweep.best.threshold:.2f}",
            )  # fmt: skip
    if not axes.has_data():
        return False
    axes.set_xlabel("recall")
    axes.set_ylabel("precision")
    axes.set_xlim(0, 1.02)
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.set_title("Precision-recall (labelled-only)")
    axes.legend(loc="lower left", fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return True


def plot_reliability(evals: Sequence[ModeEval], path: Path) -> bool:
    """Write the reliability diagram (labelled-only) of every mode that gives confidences: each bin's mean
    confidence against the share of its lines that are secrets, with the diagonal a calibrated score follows, and
    below it how many lines each bin holds. Returns False (and writes nothing) when no mode has a scored line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    measured = [
        (evaluation.run.mode, calibration)
        for evaluation in evals
        if (calibration := evaluation.calibration.get("labelled-only")) is not None and calibration.lines
    ]
    if not measured:
        return False
    figure = Figure(figsize=(7, 7), dpi=120)
    FigureCanvasAgg(figure)
    curve_axes, count_axes = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    curve_axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    width = 1 / (len(measured) * len(measured[0][1].bins))
    for index, (mode, calibration) in enumerate(measured):
        color = f"C{index % 10}"
        filled = [cell for cell in calibration.bins if cell.count]
        curve_axes.plot(
            [cell.mean_score for cell in filled], [cell.positive_rate for cell in filled], color=color, marker="o",
            label=f"{mode} (ECE {calibration.ece:.3f}, {calibration.lines} lines)",
        )  # fmt: skip
        count_axes.bar(
            [cell.low + width * (index + 0.5) for cell in calibration.bins],
            [cell.count for cell in calibration.bins], width=width, color=color,
        )  # fmt: skip
    curve_axes.set_ylabel("share of lines that are secrets")
    curve_axes.set_xlim(0, 1)
    curve_axes.set_ylim(0, 1.02)
    curve_axes.grid(alpha=0.3)
    curve_axes.set_title(f"Reliability of the confidence (labelled-only, {len(measured[0][1].bins)} bins)")
    curve_axes.legend(loc="upper left", fontsize="small")
    count_axes.set_xlabel("confidence")
    count_axes.set_ylabel("lines per bin")
    count_axes.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return True
