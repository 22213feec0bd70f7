"""`secretscan-train data build | validate | stats`: thin click commands over the data library.

H7's `secretscan/training/cli.py` adds `data_group` to `secretscan-train`. Each command returns its exit code:
0 fine, 1 data-quality errors (validate), 2 bad config or input (a one-line `error:` message, no traceback).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from secretscan.errors import EXIT_CLEAN, EXIT_FINDINGS, SecretscanError


def _guard(run: Callable[[], int]) -> None:
    """Run a command body; a SecretscanError becomes a one-line message and its exit code."""
    try:
        code = run()
    except SecretscanError as exc:
        click.echo(f"secretscan-train: error: {exc}", err=True)
        code = exc.exit_code
    click.get_current_context().exit(code)


@click.group("data")
def data_group() -> None:
    """Build, check and describe the judge's training data."""


@data_group.command("build")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path("configs/data/default.yaml"),
    show_default=True,
    help="Data config (YAML).",
)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("data"), show_default=True
)
@click.option(
    "--harvest",
    "harvest_roots",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also harvest weak negatives from this source tree into harvested.jsonl (repeatable).",
)
@click.option("--progress/--no-progress", default=True, help="Show a progress bar (on a terminal).")
def build_command(config_path: Path, out_dir: Path, harvest_roots: tuple[Path, ...], progress: bool) -> None:
    """Generate files, run the candidate stage over them, and write train/val/test.jsonl."""

    def run() -> int:
        from secretscan.training.data.build import build_dataset
        from secretscan.training.data.config import HarvestConfig, load_data_config
        from secretscan.training.data.stats import format_stats

        config = load_data_config(config_path)
        if harvest_roots:
            base = config.harvest or HarvestConfig()
            config = replace(config, harvest=replace(base, roots=tuple(str(p) for p in harvest_roots)))
        started = time.perf_counter()
        result = build_dataset(config, out_dir, progress=progress)
        seconds = time.perf_counter() - started
        click.echo(format_stats(result.stats))
        certain = sum(n for k, n in result.excluded.items() if k.startswith("certain:"))
        filtered = sum(n for k, n in result.excluded.items() if k.startswith("filtered:"))
        click.echo(
            f"\n{result.files_generated} files generated. Left out: {certain} certain candidates (reported without "
            f"the judge), {filtered} secrets the filters drop, {result.excluded.get('ambiguous', 0)} ambiguous. "
            f"Dropped examples: {json.dumps(result.dropped)} (details in build.json)"
        )
        if result.harvested:
            click.echo(f"harvested {result.harvested} weak negatives into harvested.jsonl (reported apart)")
        click.echo(f"wrote {out_dir}/train.jsonl, val.jsonl, test.jsonl, build.json in {seconds:.1f}s")
        return EXIT_CLEAN

    _guard(run)


@data_group.command("import-audit")
@click.argument("baseline", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="The repository the baseline's paths are relative to; its current text is read.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="JSONL file to write.")
@click.option("--context-lines", type=click.IntRange(0, 3),
              help="Context lines in each prompt (default: the repository's secretscan config, as the judge uses).")
def import_audit_command(baseline: Path, repo: Path, out: Path, context_lines: int | None) -> None:
    """Turn the marks of `secretscan audit` into labelled judge examples (real: yes, false positive: no).

    Add the file to a data config's `audits.files` to train on it.
    """

    def run() -> int:
        from secretscan.config import load_config
        from secretscan.training.data.audits import import_audit
        from secretscan.training.data.build import write_jsonl

        lines = context_lines if context_lines is not None else load_config(start=repo).context_lines
        imported = import_audit(baseline, repo, lines)
        if not imported.rows:
            raise SecretscanError(f"none of the audited entries of {baseline} were found in {repo} "
                                  f"({_counts(imported.skipped)})")
        out.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(out, imported.rows)
        real = sum(row["label"] for row in imported.rows)
        skipped = f"; skipped {_counts(imported.skipped)}" if imported.skipped else ""
        click.echo(f"wrote {len(imported.rows)} examples to {out} ({real} real, "
                   f"{len(imported.rows) - real} false positive){skipped}")
        return EXIT_CLEAN

    _guard(run)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(counts.items()))


@data_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--near-threshold",
    type=click.FloatRange(0.5, 1.0),
    default=0.9,
    show_default=True,
    help="MinHash Jaccard similarity at which two prompts count as near-identical.",
)
@click.option(
    "--max-chars",
    type=click.IntRange(50),
    default=1500,
    show_default=True,
    help="Longest allowed user prompt, in characters.",
)
def validate_command(files: tuple[Path, ...], near_threshold: float, max_chars: int) -> None:
    """Check JSONL files: schema, labels, lengths, balance, duplicates and train/val/test leakage."""

    def run() -> int:
        from secretscan.training.data.validate import Limits, format_report, validate_files

        report = validate_files(list(files), Limits(near_threshold=near_threshold, max_user_chars=max_chars))
        click.echo(format_report(report))
        return EXIT_CLEAN if report.ok else EXIT_FINDINGS

    _guard(run)


@data_group.command("stats")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats_command(paths: tuple[Path, ...], as_json: bool) -> None:
    """Counts and tables for JSONL files, or for a build folder (default: data/)."""

    def run() -> int:
        from secretscan.errors import ConfigError
        from secretscan.training.data.stats import format_stats, summarize

        files = _jsonl_files(paths or (Path("data"),))
        if not files:
            raise ConfigError("no .jsonl files found (run `secretscan-train data build` first)")
        splits: dict[str, list[dict[str, Any]]] = {}
        for path in files:
            splits.setdefault(path.stem, []).extend(_rows(path))
        stats = summarize(splits)
        if as_json:
            click.echo(json.dumps({name: s.as_dict() for name, s in stats.items()}, indent=2))
        else:
            click.echo(format_stats(stats))
        return EXIT_CLEAN

    _guard(run)


def _jsonl_files(paths: tuple[Path, ...]) -> list[Path]:
    from secretscan.errors import ConfigError

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            order = {"train": 0, "val": 1, "test": 2}
            files.extend(sorted(path.glob("*.jsonl"), key=lambda p: (order.get(p.stem, 3), p.name)))
        elif path.exists():
            files.append(path)
        else:
            raise ConfigError(f"{path} does not exist")
    return files


def _rows(path: Path) -> list[dict[str, Any]]:
    from secretscan.errors import ConfigError

    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                raise ConfigError(f"{path}:{number}: not JSON (run `data validate` for a full report)") from None
    return rows
