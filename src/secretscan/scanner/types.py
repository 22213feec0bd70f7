"""The records that flow through a scan, all immutable.

ScanUnit (what to scan) -> Candidate (what a detector found) -> Finding (what we report).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal


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


# What a piece of evidence is: what matched, why a certain rule is sure, a signal for or against from the cheap
# scorer's weights (or the rule's prior), and the numbers that decided the confidence.
EvidenceKind = Literal["match", "certain", "for", "against", "scorer", "llm", "confidence", "rules"]


@dataclass(frozen=True)
class Evidence:
    """One reason behind a finding, in words that never hold more of a secret than its mask.

    `value`: for a signal ("for", "against"), the log-odds it adds to the cheap scorer's score (or the rule's prior,
    without a scorer); for "scorer", "llm" and "rules", the P(secret) that stage gave; for "confidence", the
    confidence reported; None for the rest.
    """

    kind: EvidenceKind
    text: str
    value: float | None = None


@dataclass(frozen=True)
class Verdict:
    """What the judge stage made of one candidate: its confidence and the numbers behind it."""

    candidate: Candidate
    confidence: float
    # Where the confidence comes from: "certain", "scorer" (the cheap scorer's word), "judge:<backend>" (the LLM's
    # P(secret), folded with the scorer's or the rule's prior) or "rules" (no judge: the rule's prior).
    stage: str
    scorer: float | None = None  # the cheap scorer's P(secret); None without one
    llm: float | None = None  # the LLM's P(secret); None when it was not asked, or did not answer


@dataclass(frozen=True)
class Finding:
    """A candidate we report, with the confidence that it is a real secret and the evidence for it."""

    candidate: Candidate
    confidence: float
    stage: str  # as in Verdict
    evidence: tuple[Evidence, ...] = ()

    @property
    def fingerprint(self) -> str:
        return self.candidate.fingerprint

    @property
    def reason(self) -> str:
        """The evidence as one line: `a password assigned to `DB_PASSWORD`; for: a, b; against: c; LLM …`.

        A finding built without evidence (by hand, in a library caller) says its stage.
        """
        if not self.evidence:
            return self.stage
        parts: list[str] = []
        for kind in ("match", "certain", "for", "against", "rules", "scorer", "llm", "confidence"):
            texts = [e.text for e in self.evidence if e.kind == kind]
            if texts and kind in ("for", "against"):
                parts.append(f"{kind}: {', '.join(texts)}")
            else:
                parts.extend(texts)
        return "; ".join(parts)


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
