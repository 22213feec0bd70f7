"""The two naive baselines of seed 001, deliberately independent of the scanner's own detectors.

They show what a keyword grep and an entropy check buy on their own, so the scanner's and the judge's gains over
them are measured rather than assumed. Each returns (1-based line number, value) pairs for one file's text.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# A secret-ish key name directly followed (after an optional closing quote) by an assignment.
KEYWORD_ASSIGNMENT = re.compile(
    r"""(?i)(?:password|passwd|pwd|secret|token|api_?key)["']?\s*[:=]\s*["']?([^"'\s,;]*)"""
)
QUOTED_STRING = re.compile(r"""(["'])([^"'\s]+)\1""")
ENTROPY_MIN_LENGTH = 16
ENTROPY_MIN_BITS = 3.5


def keyword_hits(text: str) -> list[tuple[int, str]]:
    """Every line with a keyword assignment, whatever the value (even an env lookup or an empty one)."""
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = KEYWORD_ASSIGNMENT.search(line)
        if match:
            hits.append((number, match.group(1)))
    return hits


def shannon_entropy(value: str) -> float:
    """Bits per character of the value's own character distribution."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def entropy_hits(text: str) -> list[tuple[int, str]]:
    """Quoted strings of at least 16 non-space characters with at least 3.5 bits of entropy per character."""
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in QUOTED_STRING.finditer(line):
            value = match.group(2)
            if len(value) >= ENTROPY_MIN_LENGTH and shannon_entropy(value) >= ENTROPY_MIN_BITS:
                hits.append((number, value))
    return hits
