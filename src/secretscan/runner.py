"""What every front end (the click CLI, the pre-commit hook) does around a scan, in one place.

Settings from the config file plus command-line overrides, the baseline, the judge, `secretscan: error: …`
and `secretscan: warning: …` on stderr, and the exit code. Heavy modules (the judge factory, hence
llama-cpp-python) are imported only when a scan needs them.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from secretscan.config import Config, load_config
from secretscan.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, ConfigError, SecretscanError
from secretscan.inference.base import Judge
from secretscan.scanner.baseline import DEFAULT_BASELINE_NAME, EMPTY_BASELINE, Baseline, load_baseline
from secretscan.scanner.types import ScanResult

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


@dataclass(frozen=True)
class Options:
    """The scan options shared by `secretscan scan`, `secretscan baseline` and the hook. None: not given."""

    config_path: Path | None = None
    backend: str | None = None
    model: str | None = None
    lora: str | None = None
    threshold: float | None = None
    exclude: tuple[str, ...] = ()
    baseline_path: Path | None = None


def warn(message: str) -> None:
    print(f"secretscan: warning: {message}", file=sys.stderr, flush=True)


def error(message: str) -> None:
    print(f"secretscan: error: {message}", file=sys.stderr, flush=True)


def load_settings(options: Options) -> Config:
    """The config file (given, or found from the current directory up) with the command-line overrides."""
    config = load_config(options.config_path)
    return config.with_overrides(
        backend=options.backend,
        model=options.model,
        lora=options.lora,
        threshold=options.threshold,
        exclude=(*config.exclude, *options.exclude) if options.exclude else None,
    )


def find_baseline(start: Path | None = None) -> Path | None:
    """`.secretscan-baseline.json` in the current directory or above it, up to the top of the repository."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_BASELINE_NAME
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            break
    return None


def load_selected_baseline(options: Options) -> Baseline:
    """The baseline named on the command line (it must exist), else the default one if there is one."""
    if options.baseline_path is not None:
        if not options.baseline_path.is_file():
            raise ConfigError(f"baseline {options.baseline_path} not found")
        return load_baseline(options.baseline_path)
    found = find_baseline()
    return load_baseline(found) if found is not None else EMPTY_BASELINE


def open_judge(config: Config) -> Judge | None:
    """The judge for `config.backend`; None for rules only (no inference code imported at all)."""
    if config.backend == "none":
        return None
    from secretscan.inference.factory import make_judge

    return make_judge(config, warn)


def emit(text: str) -> None:
    """Print to stdout; a reader that went away (`secretscan scan | head`) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Point stdout at devnull so the interpreter's flush at exit doesn't fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def exit_code(result: ScanResult) -> int:
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN


def guarded(action: Callable[[], int]) -> int:
    """Run `action`; a SecretscanError, Ctrl-C or an OS error ends it with a one-liner and an exit code."""
    try:
        return action()
    except SecretscanError as exc:
        error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        # On a terminal, start over the `^C` it echoed, so the message is one clean line.
        start = "\r" if sys.stderr.isatty() else ""
        print(f"{start}secretscan: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        # Writing --output, reading --config …: the OS's reason is the message.
        target = f"{exc.filename}: " if exc.filename else ""
        error(f"{target}{exc.strerror or errno.errorcode.get(exc.errno or 0, 'I/O error')}")
        return EXIT_USAGE
