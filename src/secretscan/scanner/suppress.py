"""Inline allow comments: a line that says it holds a known, accepted value is not reported.

Ours is `secretscan: allow`. We also honour the markers of the tools people migrate from, so their existing
annotations keep working: detect-secrets' `pragma: allowlist secret` and gitleaks' `gitleaks:allow`.
The directive must follow a comment opener on the same line (`#`, `//`, `/*`, `<!--`, `--`, `;`, `%`), so a
value that merely contains the words is not enough to hide a secret.
"""

from __future__ import annotations

import re

# Every directive contains this, in this case; checking it first keeps the common line (no directive) to one
# substring search, since this runs on every candidate.
_CHEAP_MARKER = "allow"

_COMMENT_OPENER = r"(?:#|//|/\*|<!--|--|;|%)"
_DIRECTIVE = r"(?:secretscan:[ \t]*allow\b|pragma:[ \t]?allowlist[ -]secret\b|gitleaks:allow\b)"
_ALLOW_COMMENT = re.compile(_COMMENT_OPENER + r".*?" + _DIRECTIVE)


def is_allowed_inline(line_text: str) -> bool:
    """True when the line carries an allow directive in a comment."""
    if _CHEAP_MARKER not in line_text:
        return False
    return _ALLOW_COMMENT.search(line_text) is not None
