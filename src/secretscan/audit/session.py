"""Which findings an audit walks, and in what order: pure functions over a scan result and a baseline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from secretscan.scanner.baseline import AUDITED, Baseline, Verdict
from secretscan.scanner.types import Finding, ScanResult

# unaudited: findings nobody has marked real or false positive yet (the default); all: every finding, to change a
# mark; baseline: only the findings that are entries of the baseline (accepted or marked before).
Scope = Literal["unaudited", "all", "baseline"]
SCOPES: tuple[Scope, ...] = ("unaudited", "all", "baseline")


@dataclass(frozen=True)
class AuditItem:
    finding: Finding
    # What the baseline says about it now (None: not in the baseline).
    verdict: Verdict | None


@dataclass(frozen=True)
class AuditPlan:
    items: tuple[AuditItem, ...]
    # Baseline entries of ours that the scan did not find (file changed or gone, now below the threshold).
    missing_entries: int


def plan_audit(result: ScanResult, baseline: Baseline, scope: Scope) -> AuditPlan:
    """The findings to show, in the scan's order (commit, path, line, column), each with its current verdict.

    `result` must come from a scan that did not apply the baseline, so accepted findings are there to be shown.
    """
    verdicts: Mapping[str, Verdict] = baseline.verdicts()
    items = []
    seen: set[str] = set()
    for finding in result.findings:
        fingerprint = finding.fingerprint
        if fingerprint in seen:
            # The same secret under the same rule in the same file (twice in a file, or in two commits) is one
            # baseline entry, so one question.
            continue
        seen.add(fingerprint)
        verdict = verdicts.get(fingerprint)
        if scope == "baseline" and verdict is None:
            continue
        if scope == "unaudited" and verdict in AUDITED:
            continue
        items.append(AuditItem(finding, verdict))
    return AuditPlan(tuple(items), missing_entries=len(set(verdicts) - seen))
