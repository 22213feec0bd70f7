"""Inline allow comments: ours, detect-secrets' and gitleaks', in every common comment syntax."""

from __future__ import annotations

import pytest

from secretscan.scanner.suppress import is_allowed_inline

# Built at runtime so this file doesn't trip secret scanners itself.
VALUE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"


@pytest.mark.parametrize(
    "line",
    [
        f'API_KEY = "{VALUE}"  # secretscan: allow',
        f'API_KEY = "{VALUE}"  # secretscan:allow',
        f'const key = "{VALUE}"; // secretscan: allow',
        f'char *key = "{VALUE}"; /* secretscan: allow */',
        f'<add key="stripe" value="{VALUE}" /> <!-- secretscan: allow -->',
        f"INSERT INTO keys VALUES ('{VALUE}'); -- secretscan: allow",
        f"key = {VALUE} ; secretscan: allow",
        f"\\newcommand{{\\key}}{{{VALUE}}} % secretscan: allow",
        f'API_KEY = "{VALUE}"  # noqa: E501  secretscan: allow (rotated test key)',
        f'API_KEY = "{VALUE}"  # pragma: allowlist secret',
        f'API_KEY = "{VALUE}"  # pragma:allowlist-secret',
        f'apiKey: "{VALUE}" # gitleaks:allow',
        f'let key = "{VALUE}" // gitleaks:allow',
    ],
)
def test_allow_comment_is_honoured(line: str) -> None:
    assert is_allowed_inline(line)


@pytest.mark.parametrize(
    "line",
    [
        f'API_KEY = "{VALUE}"',
        f'API_KEY = "{VALUE}"  # rotated, allowed by security team',
        # The words inside the value are not a comment: a secret can't whitelist itself.
        'password = "secretscan: allow"',
        'token = "gitleaks:allow"',
        # A longer word is not the directive.
        f'API_KEY = "{VALUE}"  # secretscan: allowed?',
        f'API_KEY = "{VALUE}"  # pragma: allowlist secrets-manager',
        # detect-secrets' next-line form applies to the next line, not to this one.
        "# pragma: allowlist nextline secret",
        "",
    ],
)
def test_other_lines_are_not_allowed(line: str) -> None:
    assert not is_allowed_inline(line)
