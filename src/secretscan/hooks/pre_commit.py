"""The pre-commit hook: `secretscan-hook [FILENAME ...]`, also `secretscan hook` and the plain git hook.

What gets scanned depends on how it is called, decided once per run:

* No filenames (the plain `.git/hooks/pre-commit` written by `secretscan install`, or `pass_filenames: false`):
  the staged changes. Only the lines the commit adds are judged, with the lines around them as context.
* Filenames that all have staged changes: `pre-commit run` during a commit (pre-commit passes exactly the
  staged files, filtered by `types`). Same as above, limited to those files.
* Any filename without a staged change: `pre-commit run --all-files`, `--files …`, a pre-push or a manual run.
  Every file passed is scanned whole, from the working tree. (gitleaks' hook scans only staged changes, so
  `--all-files` finds nothing there; people run it to find exactly those secrets.)

Asking git for the staged files is cheap, and this test needs no pre-commit internals or environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from secretscan import runner
from secretscan.config import BACKENDS

BLOCKED_HINT = (
    "secretscan: remove the secrets above (and rotate any that were ever pushed). For a false positive, add "
    "`# secretscan: allow` to its line, or accept it with `secretscan baseline`."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secretscan-hook",
        description="Block commits that add secrets. Without FILENAMEs, scans the staged changes.",
    )
    parser.add_argument("filenames", nargs="*", help="files to check (pre-commit passes them)")
    parser.add_argument("--config", type=Path, help="config file (default: .secretscan.toml or pyproject.toml)")
    parser.add_argument("--backend", choices=BACKENDS, help="judge backend (none: rules only)")
    parser.add_argument("--model", help="GGUF file (llama-cpp) or model name (ollama)")
    parser.add_argument("--lora", help="GGUF LoRA adapter (llama-cpp)")
    parser.add_argument("--threshold", type=float, help="report findings at or above this confidence")
    parser.add_argument("--baseline", type=Path, help="baseline file (default: .secretscan-baseline.json)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="skip matching paths")
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.add_argument("--redact", action="store_true", help="show no character of a secret (REDACTED)")
    return parser


def use_color(no_color: bool) -> bool:
    """Colour when stdout is a terminal, unless NO_COLOR is set; pre-commit passes its own choice along."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    setting = os.environ.get("PRE_COMMIT_COLOR")
    if setting in ("always", "never"):
        return setting == "always"
    return sys.stdout.isatty()


def _all_staged(filenames: Sequence[str]) -> bool:
    """True if every file has staged changes, i.e. this is a commit, not `--all-files`."""
    from secretscan.scanner import git

    root = git.repo_root()
    staged = set(git.staged_files())
    return all(Path(os.path.relpath(os.path.abspath(name), root)).as_posix() in staged for name in filenames)


def _run(args: argparse.Namespace) -> int:
    from secretscan import api
    from secretscan.report import render

    options = runner.Options(
        config_path=args.config,
        backend=args.backend,
        model=args.model,
        lora=args.lora,
        threshold=args.threshold,
        exclude=tuple(args.exclude),
        baseline_path=args.baseline,
    )
    config = runner.load_settings(options)
    baseline = runner.load_selected_baseline(options)
    filenames: list[str] = args.filenames
    staged = not filenames or _all_staged(filenames)
    judge = runner.open_judge(config)
    if staged:
        result = api.scan_staged(config, judge, baseline=baseline, warn=runner.warn, paths=filenames or None)
    else:
        result = api.scan_paths(filenames, config, judge, baseline=baseline, warn=runner.warn)
    if result.findings:
        runner.emit(render(result, "text", use_color(args.no_color), args.redact))
        print(BLOCKED_HINT, file=sys.stderr)
    else:
        # A clean commit prints no report, but what was left unscanned is still said.
        for warning in result.warnings:
            runner.warn(warning)
    return runner.exit_code(result)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage error (or --help)
        return int(exc.code or 0)
    return runner.guarded(lambda: _run(args))


if __name__ == "__main__":
    raise SystemExit(main())
