"""`secretscan-train`: thin click commands over the training library.

    secretscan-train doctor --profile cpu-smollm2     is this machine ready?
    secretscan-train data build                       the training JSONL (secretscan.training.data.cli)
    secretscan-train train --profile cpu-smollm2      LoRA fine-tuning, auto-resumed (secretscan.training.train)
    secretscan-train scorer fit data/train.jsonl      the cheap scorer in front of the LLM (secretscan.training.scorer)
    secretscan-train export ...                       adapter -> GGUF (secretscan.export.cli)

Nothing here imports torch: `--help` and argument errors are instant; the commands import the library they run.
Errors are one line on stderr and exit 2 (usage, config, data, model, crash loop); `doctor` exits 1 when a check
fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from secretscan import __version__
from secretscan.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ConfigError, SecretscanError
from secretscan.export.cli import export_group
from secretscan.training.adapter_cli import adapter_group
from secretscan.training.data.cli import data_group

if TYPE_CHECKING:
    from secretscan.training.head import HeadRun
    from secretscan.training.scorer import FitReport, ScorerRow

PROG = "secretscan-train"
F = TypeVar("F", bound=Callable[..., Any])


def _config_path(config_path: Path | None, profile: str | None) -> Path:
    from secretscan.training.config import find_profile

    if (config_path is None) == (profile is None):
        raise click.UsageError("give exactly one of --config FILE or --profile NAME")
    return config_path if config_path is not None else find_profile(profile or "")


def config_options(command: F) -> F:
    for decorator in reversed((
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Training config (YAML), e.g. configs/train/cpu-tiny.yaml."),
        click.option("--profile", help="A shipped profile: cpu-tiny, cpu-smollm2, m4, h100, h100-llama3-8b, h100x8, "
                                      "h100x8-llama3-8b-fsdp."),
        click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                     help="Override a config value, e.g. --set training.max_steps=5 (repeatable)."),
    )):
        command = decorator(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """Fine-tune the secretscan judge: check the machine, build data, train a LoRA adapter, export it."""


@cli.command()
@config_options
def doctor(config_path: Path | None, profile: str | None, overrides: tuple[str, ...]) -> int:
    """Check Python, packages, device, disk, config, data and tracking for a profile."""
    from secretscan.training import doctor as checks
    from secretscan.training.config import load_config

    path = _config_path(config_path, profile)
    try:
        config, problem = load_config(path, overrides), None
    except ConfigError as exc:
        config, problem = None, str(exc)
    results = checks.run_checks(config, problem, str(path))
    click.echo(f"{PROG} doctor: {profile or path}")
    click.echo(checks.render(results))
    return EXIT_FINDINGS if checks.has_errors(results) else EXIT_CLEAN


@cli.command()
@config_options
@click.option("--fresh", is_flag=True, help="Delete this run's checkpoints and outputs and start over.")
@click.option("--detach", is_flag=True, help="Run in the background (tmux if installed, else nohup).")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the log here (default: <output_dir>/logs/train-<time>.log).")
@click.option("--quiet", is_flag=True, help="Write the log file only: no console lines, no progress bar.")
@click.option("--gpus", type=click.IntRange(min=1), metavar="N",
              help="Train on N GPUs of this machine, one process each (what `torchrun --standalone "
                   "--nproc-per-node N` does; torchrun and `accelerate launch` work as well).")
def train(config_path: Path | None, profile: str | None, overrides: tuple[str, ...], fresh: bool, detach: bool,
          log_file: Path | None, quiet: bool, gpus: int | None) -> int:
    """Train a LoRA adapter; re-running resumes from the newest checkpoint."""
    from secretscan.training.config import load_config

    path = _config_path(config_path, profile)
    config = load_config(path, overrides)
    args = ["--config", str(path.absolute()), *(f"--set={item}" for item in overrides),
            *(["--fresh"] if fresh else [])]
    if detach:
        from datetime import datetime

        from secretscan.training.detach import detach as start_detached
        from secretscan.training.runlog import new_log_path

        log_path = (log_file or new_log_path(Path(config.output_dir) / "logs")).absolute()
        args += ["--log-file", str(log_path), *([f"--gpus={gpus}"] if gpus else [])]
        session = f"{PROG}-{config.name}-{datetime.now().strftime('%H%M%S')}"
        click.echo(start_detached(args, log_path, session).instructions)
        return EXIT_CLEAN
    if gpus is not None and gpus > 1:
        from secretscan.training.distributed import check_gpus, launch_local

        check_gpus(config, gpus)
        args += [*(["--log-file", str(log_file.absolute())] if log_file else []), *(["--quiet"] if quiet else [])]
        return launch_local(args, gpus)

    from secretscan.training.train import train as run_training

    result = run_training(config, fresh=fresh, log_path=log_file, echo=not quiet)
    if result.main_process:
        click.echo(f"adapter: {result.adapter_dir}\nrun:     {result.output_dir / 'run.json'}\n"
                   f"log:     {result.log_path}")
    return EXIT_CLEAN


@cli.group("scorer")
def scorer_group() -> None:
    """The cheap scorer that settles the candidates it is sure of before the LLM."""


@scorer_group.command("fit")
@click.argument("rows", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Weight file to write (the shipped one: src/secretscan/data/scorer.npz).")
@click.option("--unlabelled-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Weight of candidates on unlabelled real lines (probable negatives).")
@click.option("--synthetic-weight", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Weight of the generator's rows against real code's.")
@click.option("--c", "inverse_regularization", type=click.FloatRange(min=0, min_open=True), default=0.5,
              show_default=True, help="Inverse L2 strength of the logistic regression.")
@click.option("--trees/--no-trees", default=False, show_default=True,
              help="Add gradient-boosted trees over the same features to the logistic regression (measured, "
                   "not shipped: docs/training.md, \"The cheap scorer's trees\").")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True,
              help="Cross-validation folds (by repository or generated file) for the AUC and the settle band.")
@click.option("--settle-precision", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Settle as a secret only where this share of the out-of-fold candidates were secrets.")
@click.option("--settle-miss-rate", type=click.FloatRange(0, 1), default=0.1, show_default=True,
              help="Settle as safe only where at most this share of the out-of-fold candidates were secrets.")
@click.option("--llm-weight", type=click.FloatRange(0, 1),
              help="The LLM's share of the folded log-odds inside the band.  [default: 0.3, or measured with "
                   "--judge-on]")
@click.option("--judge-on", "judge_on", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Rows the judge never trained on (a build's val and test): fitted like ROWS, and the judge "
                   "scores their labelled real rows to choose the LLM weight. Repeatable.")
@click.option("--model", help="GGUF model of the judge for --judge-on (default: the embedded one).")
@click.option("--lora", help="GGUF LoRA adapter of the judge for --judge-on (default: the shipped one).")
@click.option("--head-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also fit the judge's head on the shipped model's hidden states of every real row, weigh it "
                   "(not the LLM's bare yes/no) against the scorer on the --judge-on rows, and write it here (the "
                   "shipped one: src/secretscan/data/judge-head.json).")
@click.option("--states", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("data/hidden-states.sqlite3"), show_default=True,
              help="Cache of the rows' hidden states for --head-out: a refit embeds only rows it lacks.")
def scorer_fit(rows: tuple[Path, ...], out: Path, unlabelled_weight: float, synthetic_weight: float,
               inverse_regularization: float, trees: bool, folds: int, settle_precision: float,
               settle_miss_rate: float,
               llm_weight: float | None, judge_on: tuple[Path, ...], model: str | None, lora: str | None,
               head_out: Path | None, states: Path) -> int:
    """Fit the scorer on `data build` JSONL rows and write its weights."""
    from secretscan.config import Config
    from secretscan.inference.scorer import save_scorer
    from secretscan.training.scorer import BandPolicy, fit_scorer, judge_probabilities, judged_rows, read_rows

    if judge_on and llm_weight is not None:
        raise click.UsageError("give --llm-weight or --judge-on, not both")
    if (model or lora) and not judge_on:
        raise click.UsageError("--model and --lora choose the judge of --judge-on")
    if head_out and not judge_on:
        raise click.UsageError("--head-out weighs the head on the --judge-on rows: name them")
    if head_out and (model or lora):
        raise click.UsageError("--head-out fits the head of the shipped judge: leave out --model and --lora")
    policy = BandPolicy(settle_precision, settle_miss_rate)
    if llm_weight is not None:
        policy = BandPolicy(settle_precision, settle_miss_rate, llm_weight)
    fitted = read_rows(rows, unlabelled_weight, synthetic_weight)
    held = read_rows(judge_on, unlabelled_weight, synthetic_weight) if judge_on else []
    every = fitted + held
    held_indices = [len(fitted) + i for i in judged_rows(held)]
    llm = head = calibration_rows = None
    if head_out:
        head = _fit_head(every, held_indices, folds, states)
        llm, calibration_rows = head.head_on_held, head.head_on_real
    elif held:
        with click.progressbar(length=len(held_indices), label="judging the held-out rows", show_pos=True,
                               file=sys.stderr) as bar:
            llm = judge_probabilities(every, held_indices, Config(model=model, lora=lora, cache=False), bar.update)
    report = fit_scorer(every, c=inverse_regularization, folds=folds, policy=policy, llm_probabilities=llm,
                        calibration_probabilities=calibration_rows, trees=trees)
    save_scorer(report.scorer, out)
    low, high = report.scorer.band
    auc = "–" if report.auc is None else f"{report.auc:.3f}"
    accuracy = "–" if report.settled_accuracy is None else f"{report.settled_accuracy:.3f}"
    linear_auc = "–" if report.linear_auc is None else f"{report.linear_auc:.3f}"
    click.echo(f"{report.rows} rows ({report.positives} secrets); out-of-fold AUC {auc} (on real code, if any; "
               f"the regression alone {linear_auc})")
    click.echo(f"threshold: the out-of-fold F1 peaks at P = {report.calibrated_from:.2f}; the bias moves it to 0.5")
    click.echo(f"settle band: P < {low:.4f} safe, P > {high:.4f} secret; settles {report.settled_share:.1%} "
               f"of the rows out of fold, {accuracy} of them right")
    if report.fold_f1:
        grid = ", ".join(f"{weight:.1f}: {f1:.3f}" for weight, f1 in report.fold_f1)
        click.echo(f"LLM weight {report.scorer.llm_weight:.1f}: the cascade's F1 on {report.judged_rows} held-out "
                   f"rows peaks there ({grid})")
        eces = ", ".join(f"{'as it is' if method == 'none' else method} {'–' if e is None else f'{e:.3f}'}"
                         for method, e in report.calibration_ece.items())
        click.echo(f"calibration: {report.calibration_method} ({len(report.scorer.calibration)} points), by the "
                   f"cascade's ECE out of fold on the labelled rows the judge scored: {eces}")
    click.echo(f"wrote {out}")
    if head is not None and head_out is not None:
        _report_head(head, report, every, held_indices, head_out)
    return EXIT_CLEAN


def _fit_head(rows: Sequence[ScorerRow], held_indices: Sequence[int], folds: int, states: Path) -> HeadRun:
    from secretscan.training.head import HeadRun, fit_head_on_rows

    real = sum(row.real for row in rows)
    with click.progressbar(length=real, label="hidden states of the real rows", show_pos=True,
                           file=sys.stderr) as bar:
        indices, llm_own, fitted, adapter_sha = fit_head_on_rows(rows, folds, states, bar.update)
    return HeadRun.of(indices, llm_own, fitted, adapter_sha, held_indices)


def _report_head(head: HeadRun, report: FitReport, rows: Sequence[ScorerRow], held_indices: Sequence[int],
                 out: Path) -> None:
    import numpy as np

    from secretscan.inference.head import head_document
    from secretscan.training.head import compare_views

    fit = head.fit
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(head_document(fit.weights.tolist(), fit.llm_coef, fit.bias, head.adapter_sha256),
                   encoding="utf-8")
    grid = ", ".join(f"{c:g}: {'–' if auc is None else f'{auc:.3f}'}" for c, auc in fit.cv_auc)
    click.echo(f"head: C = {fit.c:g} by the out-of-fold AUC on the labelled real rows ({grid})")
    labels = np.array([rows[i].label for i in held_indices])
    views = compare_views(
        labels,
        scorer=report.out_of_fold[list(held_indices)],
        llm=np.array([head.llm_on_held[i] for i in held_indices]),
        head=np.array([head.head_on_held[i] for i in held_indices]),
        band=report.scorer.band,
    )
    click.echo(f"on the {len(held_indices)} held-out real rows, out of fold:")
    for view in views:
        auc = "" if view.auc is None else f"AUC {view.auc:.3f}, "
        weight = "" if view.llm_weight is None else f" at weight {view.llm_weight:.1f}"
        click.echo(f"  {view.view}: {auc}F1 {view.f1:.3f}{weight}")
    click.echo(f"wrote {out}")


cli.add_command(data_group)
cli.add_command(export_group)
cli.add_command(adapter_group)


def main(argv: Sequence[str] | None = None) -> int:
    """The `secretscan-train` console script: returns the exit code instead of raising SystemExit."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo(f"{PROG}: interrupted", err=True)
        return 130
    except SecretscanError as exc:
        click.echo(f"{PROG}: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo(f"{PROG}: interrupted", err=True)
        return 130
    return code if isinstance(code, int) else EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
