"""The precision-recall plot. matplotlib is an optional extra (`secretscan[eval]`), imported only here, and used
through its object API with the Agg canvas so no GUI backend or global pyplot state is touched."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from secretscan.eval.evaluation import ModeEval


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
    for evaluation in evals:
        if evaluation.run.skipped:
            continue
        sweep = evaluation.sweeps.get("labelled-only")
        if sweep is None:
            counts = evaluation.overall["labelled-only"].counts
            if counts.precision is not None and counts.recall is not None:
                axes.scatter([counts.recall], [counts.precision], marker="s", label=evaluation.run.mode)
            continue
        defined = [p for p in sweep.points if p.counts.precision is not None and p.counts.recall is not None]
        recalls = [p.counts.recall for p in defined]
        precisions = [p.counts.precision for p in defined]
        (line,) = axes.plot(recalls, precisions, drawstyle="steps-post", label=f"{evaluation.run.mode} (sweep)")
        # The mode's own metrics are those at the shipped threshold.
        shipped = evaluation.overall["labelled-only"].counts
        if shipped.precision is not None and shipped.recall is not None:
            axes.scatter(
                [shipped.recall], [shipped.precision], color=line.get_color(), marker="o", zorder=3,
                label=f"{evaluation.run.mode} at {shipped_threshold:.2f}",
            )  # fmt: skip
        if sweep.best is not None and sweep.best.counts.recall is not None:
            axes.scatter(
                [sweep.best.counts.recall], [sweep.best.counts.precision], color=line.get_color(), marker="*",
                s=140, zorder=3, label=f"{evaluation.run.mode} best F1 at {sweep.best.threshold:.2f}",
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

