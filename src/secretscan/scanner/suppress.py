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

_COMMENT_OPENER = re.compile(r"#|//|/\*|<!--|--|;|%")
_DIRECTIVE = re.compile(r"secretscan:[ \t]*allow\b|pragma:[ \t]?allowlist[ -]secret\b|gitleaks:allow\b")


def is_allowed_inline(line_text: str) -> bool:
    """True when the line (one line, no newline) carries an allow directive after a comment opener.

    The first opener is enough: a directive after any opener is after the first. One regex `opener.*?directive`
    would scan to the line's end from every opener, which is quadratic on a long run of `-`, `/` or `#`.
    """
    if _CHEAP_MARKER not in line_text:
        return False
    opener = _COMMENT_OPENER.search(line_text)
    return opener is not None and _DIRECTIVE.search(line_text, opener.end()) is not None
