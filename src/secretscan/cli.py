"""`secretscan`: thin click commands over the library API (`secretscan.api`).

Every command imports what it needs inside its function, and `eval` lives in its own module loaded only when
it runs, so `secretscan --help` starts fast and never loads llama-cpp-python (or anything heavier).
Errors are one line on stderr and an exit code: 0 clean, 1 findings, 2 usage/config/model error, 130 Ctrl-C.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from secretscan import __version__, runner
from secretscan.config import BACKENDS
from secretscan.errors import EXIT_CLEAN, EXIT_USAGE

if TYPE_CHECKING:
    from secretscan.progress import Progress
    from secretscan.report import Format
    from secretscan.scanner.types import ScanStats

F = TypeVar("F", bound=Callable[..., Any])

# Commands that live in other modules: name -> (module:attribute, one-line help shown without importing it).
_LAZY_COMMANDS = {
    "eval": ("secretscan.eval.cli:eval_command", "Measure precision and recall on a labelled corpus."),
    "audit": ("secretscan.audit.cli:audit_command", "Mark each finding real or a false positive, one at a time."),
}
_FORMATS = ("text", "json", "sarif")
_DEFAULT_BASELINE = ".secretscan-baseline.json"


class _Interrupted(BaseException):
    """Ctrl-C, carried past click: click answers a KeyboardInterrupt with a blank line on stderr of its own,
    and `main` turns this back into one for the runner's one-line message."""


class LazyGroup(click.Group):
    """A click group whose `_LAZY_COMMANDS` are imported on first use, not when the CLI starts."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = _LAZY_COMMANDS[cmd_name][0].split(":")
        try:
            command = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise click.ClickException(f"the {cmd_name} command can't be loaded: {exc}") from None
        if not isinstance(command, click.Command):
            raise click.ClickException(f"{module_name}:{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in _LAZY_COMMANDS:
                rows.append((name, _LAZY_COMMANDS[name][1]))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def judge_options(command: F) -> F:
    """The options that choose the config and the judge, shared by `scan` and `baseline`."""
    decorators = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: .secretscan.toml, or [tool.secretscan] in pyproject.toml, found upwards)."),
        click.option("--backend", type=click.Choice(BACKENDS), help="Judge backend; none = rules only."),
        click.option("--model", help="GGUF file (llama-cpp) or model name (ollama)."),
        click.option("--lora", help="GGUF LoRA adapter applied to the model (llama-cpp)."),
        click.option("--threshold", type=click.FloatRange(0.0, 1.0), help="Report findings at or above this confidence."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching paths (repeatable; adds to the config's)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def _options(**given: Any) -> runner.Options:
    return runner.Options(
        config_path=given.get("config_path"),
        backend=given.get("backend"),
        model=given.get("model"),
        lora=given.get("lora"),
        threshold=given.get("threshold"),
        exclude=tuple(given.get("exclude") or ()),
        baseline_path=given.get("baseline_path"),
    )


def _use_color(no_color: bool, output: Path | None) -> bool:
    return not no_color and output is None and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _progress(fmt: Format, output: Path | None) -> Progress:
    """A progress bar on stderr for a person at a terminal; nothing for a pipe, a log, or a JSON/SARIF report."""
    from secretscan.progress import NO_PROGRESS, TerminalProgress

    # A report piped to a pager shares the terminal with stderr: a bar redrawn there would garble it.
    watched = sys.stderr.isatty() and (output is not None or sys.stdout.isatty())
    return TerminalProgress(sys.stderr) if fmt == "text" and watched else NO_PROGRESS


def _summary(stats: ScanStats) -> str:
    """One line for stderr when the report itself goes to a file or is JSON/SARIF."""
    skipped = f", {stats.files_skipped_binary} binary file(s) skipped"
    return f"secretscan: {stats.findings} finding(s) in {stats.files_scanned} file(s){skipped}, {stats.seconds:.2f}s"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="secretscan")
def cli() -> None:
    """Find hard-coded secrets: fast rules find candidates, a small local model judges them. Nothing leaves the machine."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--staged", is_flag=True, help="Scan what the next commit adds (the index), judging only the added lines.")
@click.option("--history", "rev_range", is_flag=False, flag_value="", default=None, metavar="[REV-RANGE]", help="Scan the lines each commit added, in REV-RANGE (default: every commit on every ref).")
@click.option("--since-last", is_flag=True,
              help="With --history: only the commits added since the last scan of this repository (remembered in "
                   "the cache); REV-RANGE is then the end revision (default HEAD).")
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True, help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file instead of stdout.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), help=f"Accepted findings to leave out (default: {_DEFAULT_BASELINE} if present).")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: the NO_COLOR environment variable).")
@click.option("--redact", is_flag=True, help="Show no character of a secret (REDACTED instead of the 4-character mask).")
@judge_options
def scan(paths: tuple[Path, ...], staged: bool, rev_range: str | None, since_last: bool, fmt: Format, output: Path | None, no_color: bool, redact: bool, **given: Any) -> int:
    """Scan files (default .), staged changes or history.

    Inside a git work tree, .gitignore is respected. Exit status: 0 clean, 1 findings, 2 error.
    """
    from secretscan import api
    from secretscan.report import render
    from secretscan.scanner.parallel import usable_cpus

    if staged and rev_range is not None:
        raise click.UsageError("--staged and --history can't be combined")
    if rev_range is not None and paths:
        raise click.UsageError("--history scans the whole repository; it takes no PATH arguments")
    if since_last and rev_range is None:
        raise click.UsageError("--since-last needs --history")
    options = _options(**given)
    config = runner.load_settings(options)
    baseline = runner.load_selected_baseline(options)
    judge = runner.open_judge(config)
    progress, workers = _progress(fmt, output), usable_cpus()
    if staged:
        result = api.scan_staged(config, judge, baseline=baseline, warn=runner.warn, paths=list(paths) or None, progress=progress, workers=workers)
    elif since_last:
        from secretscan.history_marks import HistoryMarks

        marks = HistoryMarks(warn=runner.warn)
        result = api.scan_history_since_last(rev_range or None, config, judge, marks=marks, baseline=baseline,
                                             warn=runner.warn, progress=progress, workers=workers)
    elif rev_range is not None:
        result = api.scan_history(rev_range or None, config, judge, baseline=baseline, warn=runner.warn, progress=progress, workers=workers)
    else:
        result = api.scan_paths(list(paths) or [Path(".")], config, judge, baseline=baseline, warn=runner.warn, progress=progress, workers=workers)
    report = render(result, fmt, _use_color(no_color, output), redact)
    if output is not None:
        output.write_text(report + "\n", encoding="utf-8")
    else:
        runner.emit(report)
    if output is not None or fmt != "text":
        # The text report on the terminal ends with the summary and the warnings; elsewhere they go to stderr.
        for warning in result.warnings:
            runner.warn(warning)
        print(_summary(result.stats), file=sys.stderr)
    return runner.exit_code(result)


@cli.command()
@click.argument("location", metavar="PATH:LINE")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), help=f"Accepted findings (default: {_DEFAULT_BASELINE} if present).")
@judge_options
def explain(location: str, **given: Any) -> int:
    """Show how the scan decides one line: every candidate on it, what each filter said, the cheap scorer's
    features and weights, its band, the LLM's answer and the confidence against the threshold.

    Values are shown masked; the line itself is not printed. Exit status: 0 shown, 2 error.
    """
    from secretscan.trail import explain_line, parse_location, render_trail

    path, line = parse_location(location)
    options = _options(**given)
    config = runner.load_settings(options)
    baseline = runner.load_selected_baseline(options)
    judge = runner.open_judge(config)
    runner.emit(render_trail(explain_line(path, line, config, judge, baseline=baseline, warn=runner.warn)))
    return EXIT_CLEAN


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(args: tuple[str, ...]) -> int:
    """Pre-commit hook: scan the staged changes (or the files given).

    The same as the `secretscan-hook` entry point; see `secretscan hook --help`.
    """
    from secretscan.hooks.pre_commit import main as hook_main

    return hook_main(list(args))


@cli.command()
@click.option("--force", is_flag=True, help="Replace a hook secretscan didn't write (it is kept as pre-commit.legacy and still runs first).")
def install(force: bool) -> int:
    """Install a plain git pre-commit hook.

    For repositories that don't use the pre-commit framework. core.hooksPath is honoured.
    """
    from secretscan.hooks.install import install_hook

    installed = install_hook(force=force)
    if installed.backup is not None:
        print(f"secretscan: moved the existing hook to {installed.backup}; it still runs before secretscan", file=sys.stderr)
    print(f"secretscan: {'updated' if installed.updated else 'installed'} {installed.path}", file=sys.stderr)
    return EXIT_CLEAN


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--import-detect-secrets", "detect_secrets_file", type=click.Path(dir_okay=False, path_type=Path), help="Merge a detect-secrets .secrets.baseline instead of scanning.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path(_DEFAULT_BASELINE), show_default=True, help="The baseline file to write.")
@judge_options
def baseline(paths: tuple[Path, ...], detect_secrets_file: Path | None, output: Path, **given: Any) -> int:
    """Accept the current findings so later scans skip them.

    Scans PATHs (default .) and writes their findings to the baseline. The file holds fingerprints (hashes),
    never a secret: commit it.
    """
    from secretscan import api
    from secretscan.scanner.baseline import import_detect_secrets, write_baseline
    from secretscan.scanner.parallel import usable_cpus

    if detect_secrets_file is not None:
        if paths:
            raise click.UsageError("--import-detect-secrets takes no PATH arguments")
        count = import_detect_secrets(detect_secrets_file, output, runner.warn)
        print(f"secretscan: imported {count} detect-secrets entr{'y' if count == 1 else 'ies'} into {output}", file=sys.stderr)
        return EXIT_CLEAN
    options = _options(**given)
    config = runner.load_settings(options)
    judge = runner.open_judge(config)
    result = api.scan_paths(list(paths) or [Path(".")], config, judge, warn=runner.warn, progress=_progress("text", output), workers=usable_cpus())
    count = write_baseline(output, result.findings)
    print(f"secretscan: wrote {output} ({count} accepted entr{'y' if count == 1 else 'ies'})", file=sys.stderr)
    return EXIT_CLEAN


@cli.group()
def model() -> None:
    """Manage the judge model."""


@model.command("build")
@click.option("--base", type=click.Path(dir_okay=False, path_type=Path), help="Base GGUF (default: the embedded SmolLM2).")
@click.option("--lora", type=click.Path(dir_okay=False, path_type=Path), help="GGUF LoRA adapter (default: the shipped one).")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to put the merged model (default: the user cache, where scans look for it).")
@click.option("--outtype", default="f16", show_default=True, help="Type of the adapted tensors: f16 or q8_0.")
def model_build(base: Path | None, lora: Path | None, out_dir: Path | None, outtype: str) -> int:
    """Merge the LoRA adapter into the base GGUF, once.

    Scans then load one file. Uses numpy and gguf only (no torch).
    """
    from secretscan.errors import ModelError
    from secretscan.inference.merge import build_merged_model
    from secretscan.inference.models import embedded_base_model, shipped_adapter

    adapter = lora or shipped_adapter()
    if adapter is None:
        raise ModelError("no LoRA adapter is shipped with this install; pass --lora ADAPTER.gguf")
    path = build_merged_model(base or embedded_base_model(), adapter, out_dir, outtype)
    print(f"secretscan: merged model ready: {path}", file=sys.stderr)
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """The `secretscan` console script: returns the exit code instead of raising SystemExit."""

    def invoke() -> int:
        try:
            code = cli.main(args=list(argv) if argv is not None else None, prog_name="secretscan", standalone_mode=False)
        except (click.exceptions.Abort, _Interrupted):
            raise KeyboardInterrupt from None
        except click.ClickException as exc:
            # Usage mistakes and the like: click's own one-line message, always exit 2 (1 means findings).
            exc.show()
            return EXIT_USAGE
        return code if isinstance(code, int) else EXIT_CLEAN

    return runner.guarded(invoke)
