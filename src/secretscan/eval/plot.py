"""The precision-recall plot. matplotlib is an optional extra (`secretscan[eval]`), imported only here, and used
through its object API with the Agg canvas so no GUI backend or global pyplot state is touched."""

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
