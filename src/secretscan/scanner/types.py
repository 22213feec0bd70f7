"""The records that flow through a scan, all immutable.

ScanUnit (what to scan) -> Candidate (what a detector found) -> Finding (what we report).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum


class Certainty(str, Enum):
    """How sure the candidate stage is, before any model looks at it."""

    # A valid checksum or a private key block: reported without asking the judge.
    CERTAIN = "certain"
    # Needs the judge (or, rules-only, is reported with the rule's prior confidence).
    POSSIBLE = "possible"


@dataclass(frozen=True)
class ScanUnit:
    """One piece of text to scan: a whole file, a staged file, or the hunks of one file in one commit.

    `line_numbers[i]` is the real line number of the i-th line of `text`; None means 1..n.
    Hunks from a diff are not contiguous, so they need the explicit mapping.
    `judged_lines` limits reporting to those real lines (the added lines of a diff); None means all.
    """

    path: str
    text: str
    line_numbers: tuple[int, ...] | None = None
    judged_lines: frozenset[int] | None = None
    commit: str | None = None

    def real_line(self, index: int) -> int:
        """Real 1-based line number of the 0-based line `index` of `text`."""
        if self.line_numbers is None:
            return index + 1
        return self.line_numbers[index]


@dataclass(frozen=True)
class Candidate:
    """A possible secret found by the deterministic stage.

    `secret` holds the raw value so the judge can read it. It must never be printed, logged or cached:
    use `masked` and `secret_hash` for anything that leaves the process.
    """

    path: str
    line: int
    column: int
    secret: str
    rule: str
    category: str
    line_text: str
    context_before: tuple[str, ...] = ()
    context_after: tuple[str, ...] = ()
    certainty: Certainty = Certainty.POSSIBLE
    # The rule's own confidence, used when no judge runs (rules-only mode).
    prior: float = 0.5
    commit: str | None = None

    @property
    def masked(self) -> str:
        return mask_secret(self.secret)

    @property
    def secret_hash(self) -> str:
        return sha256_hex(self.secret)

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines: hash of (secret, rule, path), with no line number so it doesn't churn."""
        return sha256_hex(f"{self.secret}\x00{self.rule}\x00{self.path}")


@dataclass(frozen=True)
class Finding:
    """A candidate we report, with the confidence that it is a real secret and why we believe it."""

    candidate: Candidate
    confidence: float
    # "checksum" / "private-key" (certain), "judge:<backend>", "rules" (no judge), "cache" …
    reason: str

    @property
    def fingerprint(self) -> str:
        return self.candidate.fingerprint


@dataclass(frozen=True)
class ScanStats:
    files_scanned: int = 0
    files_skipped_binary: int = 0
    candidates: int = 0
    filtered: int = 0
    # Candidates sent to the LLM (distinct prompts), and candidates the cheap scorer settled without it.
    judged: int = 0
    settled: int = 0
    cache_hits: int = 0
    suppressed: int = 0
    findings: int = 0
    seconds: float = 0.0
    backend: str = "none"


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    stats: ScanStats
    warnings: tuple[str, ...] = field(default_factory=tuple)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def mask_secret(secret: str) -> str:
    """`AKIAIOSFODNN7EXAMPLE` -> `AK…LE`: never more than 4 characters, nor more than a quarter, of a secret.

    2 characters at each end from 16 characters on, 1 from 8 on, none below that.
    """
    n = len(secret)
    keep = 2 if n >= 16 else 1 if n >= 8 else 0
    return f"{secret[:keep]}…{secret[-keep:]}" if keep else "…"
