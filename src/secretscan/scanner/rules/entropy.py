"""High-entropy quoted strings: the catch-all detector, with a low prior.

Same limits as detect-secrets' Base64HighEntropyString / HexHighEntropyString: a quoted run of base64 characters
with Shannon entropy >= 4.5 bits per character, or of hex digits >= 3.0, at least 20 characters long.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from secretscan.scanner.rules.base import Hit, Specificity

BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0
MIN_LENGTH = 20
PRIOR = 0.3

_QUOTED = re.compile(r"""(["'`])([A-Za-z0-9+/_=-]{20,1000})\1""")
_HEX = re.compile(r"[0-9a-fA-F]+")


def shannon_entropy(text: str) -> float:
    """Bits per character of `text`'s own character distribution."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def is_high_entropy(value: str) -> bool:
    if len(value) < MIN_LENGTH:
        return False
    if _HEX.fullmatch(value):
        # Only digits is a number (a phone number, a timestamp, an id), not a hex key.
        return not value.isdigit() and shannon_entropy(value) >= HEX_LIMIT
    return shannon_entropy(value) >= BASE64_LIMIT


def find_entropy_hits(text: str) -> list[Hit]:
    hits = []
    for match in _QUOTED.finditer(text):
        if is_high_entropy(match.group(2)):
            start, end = match.span(2)
            hits.append(Hit(start, end, "high-entropy-string", "entropy", PRIOR, Specificity.ENTROPY))
    return hits
