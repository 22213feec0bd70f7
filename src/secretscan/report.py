"""Render a ScanResult as text (people), JSON (scripts) or SARIF 2.1.0 (code-scanning dashboards).

Every format shows a secret only masked (`Candidate.masked`), or not at all with `redact` (`REDACTED`), and
identifies it by its fingerprint; the raw value never reaches the output. The strings have no trailing newline: the caller prints them.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Literal
from urllib.parse import quote

from secretscan import __version__
from secretscan.errors import ConfigError
from secretscan.scanner.types import Candidate, Finding, ScanResult, ScanStats

Format = Literal["text", "json", "sarif"]
FORMATS: tuple[Format, ...] = ("text", "json", "sarif")

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/secretscan/"
# A finding this sure is an error in SARIF (and red in text); below it, a warning worth a look. Findings are
# already above the scan threshold, so this only grades them, it never hides one.
ERROR_CONFIDENCE = 0.8
FINGERPRINT_KEY = "secretscan/v1"
SECURITY_SEVERITY = "8.0"
_HELP = (
    "A credential in the code is readable by everyone who can read the repository and its history. Revoke or "
    "rotate it, remove it, and load it at run time from the environment or a secret manager. If it is not a "
    "secret, mark it a false positive with `secretscan audit`, or add a `secretscan: allow` comment on its line."
)
_HELP_MARKDOWN = (
    "A credential in the code is readable by everyone who can read the repository **and its history**.\n\n"
    "1. Revoke or rotate it.\n2. Remove it, and load it at run time from the environment or a secret manager.\n\n"
    "Not a secret? Mark it a false positive with `secretscan audit`, or add a `secretscan: allow` comment on "
    "its line."
)
_SHORT_COMMIT = 7
# What `--redact` shows in place of the mask: no character of the value.
REDACTED = "REDACTED"

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_MAGENTA = "\x1b[35m"


def render(result: ScanResult, fmt: Format, color: bool, redact: bool = False) -> str:
    """The result in `fmt`. `color` adds ANSI colours to text (the CLI decides: a TTY and no NO_COLOR); `redact`
    shows `REDACTED` where the masked value would be."""
    if fmt == "text":
        return _render_text(result, color, redact)
    if fmt == "json":
        return json.dumps(to_json(result, redact), indent=2)
    if fmt == "sarif":
        return json.dumps(to_sarif(result, redact), indent=2)
    raise ConfigError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")


# -- text --------------------------------------------------------------------------------------------------------


def shown(candidate: Candidate, redact: bool) -> str:
    """The secret as a report shows it: masked, or nothing of it."""
    return REDACTED if redact else candidate.masked


def _render_text(result: ScanResult, color: bool, redact: bool) -> str:
    def paint(text: str, *styles: str) -> str:
        return f"{''.join(styles)}{text}{_RESET}" if color else text

    lines: list[str] = []
    for finding in result.findings:
        c = finding.candidate
        severe = finding.confidence >= ERROR_CONFIDENCE
        parts = [
            paint(f"{printable(c.path)}:{c.line}:{c.column}", _BOLD),
            paint(c.rule, _RED if severe else _YELLOW),
            f"({c.category})",
            f"confidence {finding.confidence:.2f}",
            paint(printable(shown(c, redact)), _MAGENTA),
        ]
        if c.commit:
            parts.append(f"[commit {c.commit[:_SHORT_COMMIT]}]")
        lines.append("  ".join(parts))
        lines.append(paint(f"    reason: {printable(finding.reason)}", _DIM))
    for warning in result.warnings:
        lines.append(paint(f"warning: {warning}", _YELLOW))
    summary = _summary(result.stats)
    lines.append(paint(summary, _BOLD, _RED) if result.findings else paint(summary, _GREEN))
    return "\n".join(lines)


def _summary(stats: ScanStats) -> str:
    skipped = []
    if stats.files_skipped_binary:
        skipped.append(f"{stats.files_skipped_binary} binary")
    files = _plural(stats.files_scanned, "file") + " scanned"
    if skipped:
        files += f" ({', '.join(skipped)} skipped)"
    pipeline = ", ".join(
        [
            _plural(stats.candidates, "candidate"),
            f"{stats.filtered} filtered",
            f"{stats.suppressed} suppressed",
            f"{stats.settled} settled by the scorer",
            f"{stats.judged} judged",
            _plural(stats.cache_hits, "cache hit"),
        ]
    )
    return "; ".join(
        [
            _plural(stats.findings, "finding"),
            files,
            pipeline,
            f"{stats.seconds:.2f}s",
            f"backend {stats.backend}",
        ]
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def printable(text: str) -> str:
    """Escape control characters, so an odd file name can't move the cursor or recolour the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


# -- json --------------------------------------------------------------------------------------------------------


def to_json(result: ScanResult, redact: bool = False) -> dict[str, Any]:
    """The JSON document: version, findings (masked or redacted, fingerprinted), stats."""
    return {
        "version": __version__,
        "findings": [_finding_json(f, redact) for f in result.findings],
        "stats": asdict(result.stats),
    }


def _finding_json(finding: Finding, redact: bool) -> dict[str, Any]:
    c = finding.candidate
    row: dict[str, Any] = {
        "path": c.path,
        "line": c.line,
        "column": c.column,
        "rule": c.rule,
        "category": c.category,
        "confidence": round(finding.confidence, 4),
        "secret_masked": shown(c, redact),
        "fingerprint": finding.fingerprint,
    }
    if c.commit:
        row["commit"] = c.commit
    row["stage"] = finding.stage
    row["reason"] = finding.reason
    row["evidence"] = [asdict(e) for e in finding.evidence]
    return row


# -- sarif -------------------------------------------------------------------------------------------------------


def to_sarif(result: ScanResult, redact: bool = False) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; validated against the OASIS schema in tests/test_report_sarif.py."""
    categories = {f.candidate.rule: f.candidate.category for f in result.findings}
    rule_ids = sorted(categories)
    rule_index = {rule: i for i, rule in enumerate(rule_ids)}
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "secretscan",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(rule, categories[rule]) for rule in rule_ids],
                    }
                },
                # Our columns count characters, not the UTF-16 code units SARIF assumes by default.
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(f, rule_index[f.candidate.rule], redact) for f in result.findings],
                "properties": {"stats": asdict(result.stats)},
            }
        ],
    }


def _rule_descriptor(rule: str, category: str) -> dict[str, Any]:
    return {
        "id": rule,
        "name": "".join(part.capitalize() for part in rule.split("-")),
        "shortDescription": {"text": f"Hard-coded {category} secret ({rule})"},
        "fullDescription": {"text": f"A {category} credential written into the source, found by rule {rule}."},
        # GitHub code scanning shows the help beside each alert.
        "help": {"text": _HELP, "markdown": _HELP_MARKDOWN},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "secret", category],
            # GitHub's severity scale (0-10, 7.0 and up is "high"); a leaked credential is high whatever its kind.
            "security-severity": SECURITY_SEVERITY,
            "precision": "high",
        },
    }


def _sarif_result(finding: Finding, rule_index: int, redact: bool) -> dict[str, Any]:
    c = finding.candidate
    properties: dict[str, Any] = {
        "confidence": round(finding.confidence, 4),
        "category": c.category,
        "stage": finding.stage,
        "reason": finding.reason,
        "evidence": [asdict(e) for e in finding.evidence],
    }
    if c.commit:
        properties["commit"] = c.commit
    return {
        "ruleId": c.rule,
        "ruleIndex": rule_index,
        "level": "error" if finding.confidence >= ERROR_CONFIDENCE else "warning",
        "message": {
            "text": f"Hard-coded {c.category} secret {shown(c, redact)} (rule {c.rule}, confidence "
            f"{finding.confidence:.2f}). Why: {finding.reason}"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(c.path)},
                    "region": {
                        "startLine": c.line,
                        "startColumn": c.column,
                        "endColumn": c.column + len(c.secret),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
