"""Declarative detectors. `candidates.find_candidates` runs them all; this package only describes them.

Rule ids are stable: they are shown to users, stored in baselines and fingerprints, and given to the judge.
"""

from __future__ import annotations

from secretscan.scanner.rules.base import Hit, RuleSet, Specificity, TokenRule
from secretscan.scanner.rules.credential_files import FILE_RULE_CATEGORIES
from secretscan.scanner.rules.tokens import TOKEN_RULES

# Rules that are not a single token format: (id, category).
GENERIC_RULES: tuple[tuple[str, str], ...] = (
    ("private-key", "private-key"),
    ("gcp-service-account-key", "cloud"),
    ("url-credentials", "connection-string"),
    ("connection-string-password", "connection-string"),
    ("generic-password", "password"),
    ("generic-secret", "secret"),
    ("http-auth-header", "auth"),
    ("kubernetes-secret", "secret"),
    ("high-entropy-string", "entropy"),
)

RULE_CATEGORIES: dict[str, str] = (
    {rule.id: rule.category for rule in TOKEN_RULES} | dict(GENERIC_RULES) | FILE_RULE_CATEGORIES
)
RULE_IDS: tuple[str, ...] = tuple(RULE_CATEGORIES)

__all__ = [
    "GENERIC_RULES",
    "RULE_CATEGORIES",
    "RULE_IDS",
    "TOKEN_RULES",
    "Hit",
    "RuleSet",
    "Specificity",
    "TokenRule",
]
