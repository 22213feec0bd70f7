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
_MIN_DISTINCT_BASE64 = math.ceil(2**BASE64_LIMIT)
_MIN_DISTINCT_HEX = math.ceil(2**HEX_LIMIT)


def shannon_entropy(text: str) -> float:
    """Bits per character of `text`'s own character distribution."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


_WORD_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def looks_like_words(value: str) -> bool:
    """Not encoded data: an identifier made of words (`Qwen2_5OmniToken2WavModel`), or a string that mixes the
    standard (+/) and URL-safe (-_) base64 alphabets, which no encoder does (`org/model-name-v2`)."""
    if any(c in value for c in "+/") and any(c in value for c in "-_"):
        return True
    if not value.replace("_", "").isalnum():
        return False
    parts = _WORD_PART.findall(value)
    return bool(parts) and sum(map(len, parts)) / len(parts) >= 3.5


def is_high_entropy(value: str) -> bool:
    if len(value) < MIN_LENGTH or looks_like_words(value):
        return False
    # Entropy is at most log2(distinct characters): counting them first skips most strings cheaply.
    distinct = len(set(value))
    if _HEX.fullmatch(value):
        # Only digits is a number (a phone number, a timestamp, an id), not a hex key.
        return distinct >= _MIN_DISTINCT_HEX and not value.isdigit() and shannon_entropy(value) >= HEX_LIMIT
    return distinct >= _MIN_DISTINCT_BASE64 and shannon_entropy(value) >= BASE64_LIMIT


# A short key's entropy is capped by its length (20 distinct characters give at most 4.3 bits), so a value that a
# name already calls a key is held to a lower bar: long enough, letters and digits, no words, no repeats.
SHORT_KEY_LENGTH = 16
SHORT_KEY_LIMIT = 3.5
_KEY_CHARS = re.compile(r"[A-Za-z0-9+/_=.-]+")


def looks_random(value: str) -> bool:
    """Random enough for a value named a key (`TWITTER_KEY=…`), though too short for `is_high_entropy`."""
    if is_high_entropy(value):
        return True
    if len(value) < SHORT_KEY_LENGTH or not _KEY_CHARS.fullmatch(value) or looks_like_words(value):
        return False
    if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
        return False
    limit = HEX_LIMIT if _HEX.fullmatch(value) else SHORT_KEY_LIMIT
    return shannon_entropy(value) >= limit


def find_entropy_hits(text: str) -> list[Hit]:
    hits = []
    for match in _QUOTED.finditer(text):
        if is_high_entropy(match.group(2)):
            start, end = match.span(2)
            hits.append(Hit(start, end, "high-entropy-string", "entropy", PRIOR, Specificity.ENTROPY))
    return hits
