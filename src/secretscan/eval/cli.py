"""`secretscan eval`: a thin click command over `secretscan.eval.pipeline`. Exit 0 ok, 1 gate failed, 2 bad input.

Like the other subcommands it returns its exit code and raises SecretscanError, which `secretscan.cli.main` turns
into a one-line `secretscan: error: …` and exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from secretscan.errors import EXIT_CLEAN, EXIT_FINDINGS
from secretscan.runner import emit, warn

DEFAULT_MODES = ("rules", "judge")


def _progress(message: str) -> None:
    print(f"eval: {message}", file=sys.stderr, flush=True)


@click.command("eval")
@click.option(
    "--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Labelled corpus: files plus labels.jsonl."
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    metavar="MODE",
    help="rules | judge | ollama:<name> | detect-secrets | keyword | entropy (repeatable; default: rules, judge).",
)
@click.option("--model", help="GGUF model for the judge mode (default: the configured or embedded model).")
@click.option("--lora", help="GGUF LoRA adapter for the judge mode.")
@click.option("--scorer", help="Cheap scorer weights for the judge modes, or none (the LLM judges every candidate).")
@click.option("--threshold", type=click.FloatRange(0, 1), help="Shipped threshold (default: the configured one).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Config file.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("eval-out"), show_default=True)
@click.option("--gate-mode", help="Mode that --min-f1 applies to (default: judge if it ran, else rules).")
@click.option(
    "--convention", type=click.Choice(["labelled-only", "strict"]), default="labelled-only", show_default=True,
    help="Convention of the F1 that --min-f1 gates on.",
)  # fmt: skip
@click.option("--min-f1", type=click.FloatRange(0, 1), help="Exit 1 when the gate mode's F1 is below this.")
@click.option(
    "--examples", "examples_path", type=click.Path(path_type=Path, dir_okay=False), help="Judge-level eval on JSONL."
)
@click.option("--limit-examples", type=click.IntRange(min=1), help="Use only the first N examples.")
def eval_command(
    corpus_dir: Path | None,
    modes: tuple[str, ...],
    model: str | None,
    lora: str | None,
    scorer: str | None,
    threshold: float | None,
    config_path: Path | None,
    out: Path,
    gate_mode: str | None,
    convention: str,
    min_f1: float | None,
    examples_path: Path | None,
    limit_examples: int | None,
) -> int:
    """Measure the scanner, its judge, rival scanners and naive baselines on a labelled corpus."""
    from secretscan.config import load_config
    from secretscan.errors import ConfigError
    from secretscan.eval.corpus import load_corpus
    from secretscan.eval.judge_eval import load_examples
    from secretscan.eval.modes import parse_mode
    from secretscan.eval.pipeline import check_gate, evaluate_examples, evaluate_modes
    from secretscan.eval.plot import can_plot, plot_pr_curves, plot_reliability
    from secretscan.eval.report import (
        PLOT_FILE,
        RELIABILITY_FILE,
        EvalReport,
        calibration_summary,
        fmt_rate,
        funnel_summary,
        results_table,
        write_report,
    )

    if corpus_dir is None and examples_path is None:
        raise ConfigError("give --corpus DIR, --examples FILE.jsonl, or both")
    if min_f1 is not None and corpus_dir is None:
        raise ConfigError("--min-f1 gates on a corpus eval: give --corpus DIR")
    selected = tuple(dict.fromkeys(parse_mode(m) for m in modes or DEFAULT_MODES))
    gate_mode = gate_mode or ("judge" if "judge" in selected else "rules")
    if min_f1 is not None and gate_mode not in selected:
        raise ConfigError(f"gate mode {gate_mode!r} is not among the modes run; add --mode {gate_mode}")
    config = load_config(config_path).with_overrides(model=model, lora=lora, scorer=scorer, threshold=threshold)
    # Validate all input before the first slow step.
    corpus = load_corpus(corpus_dir) if corpus_dir is not None else None
    examples = load_examples(examples_path, limit_examples) if examples_path is not None else None

    evals = evaluate_modes(corpus, selected, config, config.threshold, warn, _progress) if corpus else []
    judge_result, judge_detail = None, ""
    if examples is not None:
        _progress(f"judging {len(examples)} examples")
        judge_result, judge_detail = evaluate_examples(examples, config, config.threshold, warn, _progress)
    gate, gate_error = None, None
    if min_f1 is not None:
        try:
            gate = check_gate(evals, gate_mode, convention, min_f1)
        except ConfigError as exc:  # still write the report of a long run; then fail
            gate_error = exc
    plot_written = reliability_written = False
    if evals and not can_plot():
        warn("matplotlib is not installed (pip install 'secretscan[eval]'): no PR plot or reliability diagram")
    elif evals:
        plot_written = plot_pr_curves(evals, config.threshold, out / PLOT_FILE)
        reliability_written = plot_reliability(evals, out / RELIABILITY_FILE)
    report = EvalReport(
        corpus=corpus,
        corpus_label=str(corpus_dir or ""),
        threshold=config.threshold,
        evals=tuple(evals),
        judge_eval=judge_result,
        judge_eval_detail=judge_detail,
        gate=gate,
        plot_written=plot_written,
        reliability_written=reliability_written,
    )
    written = write_report(report, out)
    if evals:
        emit("\n".join([*results_table(evals), *funnel_summary(evals), *calibration_summary(evals)]))
    if judge_result is not None:
        emit(
            f"judge-level: accuracy {judge_result.accuracy:.3f}, F1 {fmt_rate(judge_result.counts.f1)}, "
            f"ECE {fmt_rate(judge_result.ece)}, {judge_result.latency_ms['mean']:.0f} ms per candidate"
        )
    drawn = ((PLOT_FILE, plot_written), (RELIABILITY_FILE, reliability_written))
    plots = [out / name for name, written_plot in drawn if written_plot]
    emit(f"wrote {', '.join(str(p) for p in [*written, *plots])}")
    if gate_error is not None:
        raise gate_error
    if gate is not None:
        verdict = "passed" if gate.passed else "FAILED"
        emit(f"gate: F1 of {gate.mode} ({gate.convention}) {gate.f1:.3f} vs minimum {gate.min_f1:.3f}: {verdict}")
        return EXIT_CLEAN if gate.passed else EXIT_FINDINGS
    return EXIT_CLEAN
