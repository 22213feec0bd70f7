"""`secretscan audit`: a thin click command over session.py and terminal.py (loaded only when it runs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from secretscan.audit.session import SCOPES, Scope
from secretscan.cli import _options, _progress, judge_options
from secretscan.errors import EXIT_CLEAN, ConfigError


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the marks are kept (default: .secretscan-baseline.json, found upwards, else created here).")
@click.option("--scope", type=click.Choice(SCOPES), default="unaudited", show_default=True,
              help="unaudited: findings not marked yet; all: every finding; baseline: the baseline's entries.")
@click.option("--no-color", is_flag=True, help="No ANSI colours (also: the NO_COLOR environment variable).")
@judge_options
def audit_command(paths: tuple[Path, ...], scope: Scope, no_color: bool, **given: Any) -> int:
    """Mark each finding real or a false positive, one at a time.

    Scans PATHs (default .) and shows each finding masked, with a few lines around it. Keys: r real, f false
    positive, s skip, e open in $EDITOR, q quit. Marks go to the baseline, by fingerprint: a later scan skips
    the false positives and keeps failing on the real ones.
    """
    from secretscan import api, runner
    from secretscan.audit.card import secrets_to_hide
    from secretscan.audit.session import plan_audit
    from secretscan.audit.terminal import run_audit
    from secretscan.scanner.baseline import DEFAULT_BASELINE_NAME, EMPTY_BASELINE, load_baseline

    if not sys.stdin.isatty():
        raise ConfigError("audit reads its keys from a terminal, and stdin is not one")
    options = _options(**given)
    path = options.baseline_path or runner.find_baseline() or Path(DEFAULT_BASELINE_NAME)
    baseline = load_baseline(path)
    config = runner.load_settings(options)
    judge = runner.open_judge(config)
    # Without the baseline, so its entries are found again and can be shown (scope baseline) or re-marked.
    result = api.scan_paths(list(paths) or [Path(".")], config, judge, baseline=EMPTY_BASELINE, warn=runner.warn,
                            progress=_progress("text", None))
    for warning in result.warnings:
        runner.warn(warning)
    plan = plan_audit(result, baseline, scope)
    if plan.missing_entries:
        runner.warn(f"{plan.missing_entries} baseline entr{'y' if plan.missing_entries == 1 else 'ies'} not found by "
                    "this scan (changed, moved, or now below the threshold)")
    if not plan.items:
        print(f"secretscan: nothing to audit ({len(result.findings)} finding(s), scope {scope})", file=sys.stderr)
        return EXIT_CLEAN
    color = not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
    hide = secrets_to_hide(f.candidate.secret for f in result.findings)
    outcome = run_audit(plan, path, hide, color)
    print(f"secretscan: audit: {outcome.summary()}; marks in {path}", file=sys.stderr)
    return EXIT_CLEAN
