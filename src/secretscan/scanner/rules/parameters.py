"""Secret-named parameters in URLs, query strings, form bodies and cookies, in any file and any syntax.

    https://api.example/v1?access_token=…&scope=repo      otpauth://totp/me?secret=…&issuer=Acme
    "oauth_token=…&oauth_token_secret=…"                  Cookie: connect.sid=s%3A…

Real code keeps these inside string literals, comments, recorded HTTP fixtures and docs, where the assignment
detector (which wants `name = value`) never looks. The name decides, as everywhere: `token_type=bearer` and
`client_id=…` are not secrets.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from secretscan.scanner.rules.base import Hit, Specificity
from secretscan.scanner.rules.names import classify_name

PRIOR = 0.55
# A parameter follows `?`, `&` or `;` in a URL or body, or opens a string, comment or line as the first of
# a form body (then another parameter follows it: `"access_token=…&scope=…"`).
_PARAMETER = re.compile(
    r"(?:(?P<query>(?<=[?&;]))|(?:(?<=[\"'`\s(])|^))"
    r"(?P<name>[A-Za-z_][\w.\[\]%-]{1,60})=(?P<value>[^&\s\"'`<>#;,)]{6,300})(?P<more>&)?",
    re.MULTILINE,
)
# Session cookies of web frameworks: the whole signed value is the session.
_SESSION_COOKIES = frozenset({"connect.sid", "phpsessid", "jsessionid", "sessionid", "_session_id", "laravel_session"})


def _secret_parameter(name: str) -> bool:
    plain = unquote(name).replace("[", "_").replace("]", "")
    return classify_name(plain) is not None or plain.lower() in _SESSION_COOKIES


def find_parameter_hits(text: str) -> list[Hit]:
    if "=" not in text:
        return []
    hits = []
    for match in _PARAMETER.finditer(text):
        name = match.group("name")
        in_query = match.group("query") is not None or match.group("more") is not None
        if not in_query and unquote(name).lower() not in _SESSION_COOKIES:
            continue  # `NAME=value` alone on a line is an assignment: the keyword detector's
        if not _secret_parameter(name):
            continue
        start, end = match.span("value")
        hits.append(Hit(start, end, "secret-parameter", "secret", PRIOR, Specificity.KEYWORD))
    return hits
