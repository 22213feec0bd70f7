"""Secret-named parameters in URLs, query strings, form bodies and cookies, in any file and any syntax.

    https://api.example/v1?access_token=…&scope=repo      otpauth://totp/me?secret=…&issuer=Acme
    "oauth_token=…&oauth_token_secret=…"                  Cookie: connect.sid=s%3A…

Real code keeps these inside string literals, comments, recorded HTTP fixtures and docs, where the assignment
detector (which wants `name = value`) never looks. The name decides, as everywhere: `token_type=bearer` and
`client_id=…` are not secrets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

from secretscan.scanner.rules.base import Hit, Specificity
from secretscan.scanner.rules.names import classify_name

PRIOR = 0.55
# A string that is one `name=value` (`"access_token=…"`, `"DB_PASSWORD=…"`) is as often a test's fixture or a
# file being written as a live secret: the judge's call, below the rules-only threshold.
WHOLE_STRING_PRIOR = 0.3
# A parameter follows `?`, `&` or `;` in a URL or body, or opens a string, comment or line as the first of
# a form body (then another parameter follows it: `"access_token=…&scope=…"`).
_PARAMETER = re.compile(
    r"(?:(?P<query>(?<=[?&;]))|(?:(?<=[\"'`\s(])|^))"
    r"(?P<name>[A-Za-z_][\w.\[\]%-]{1,60})=(?P<value>[^&\s\"'`<>#;,)]{6,300})(?P<more>&)?",
    re.MULTILINE,
)
# Every `=` that two name characters precede and six characters of a value follow: where a parameter's name can
# end (most `=` in code have a space around them). The lookbehind follows the `=`, so the engine searches for it.
_EQUALS_VALUE = re.compile(r"=(?<=[\w.\[\]%-]{2}=)(?=[^&\s\"'`<>#;,)]{6})")
# The characters of a name, read backwards from its `=`, as many as the longest name has.
_NAME_CHARS_BACKWARDS = re.compile(r"[\w.\[\]%-]{0,61}")
# Session cookies of web frameworks: the whole signed value is the session.
_SESSION_COOKIES = frozenset({"connect.sid", "phpsessid", "jsessionid", "sessionid", "_session_id", "laravel_session"})


def parameter_matches(text: str) -> Iterator[re.Match[str]]:
    """`_PARAMETER.finditer(text)`, tried only where a match can start rather than at every character.

    A match's name ends at an `=` that six value characters follow, and it starts where the run of name characters
    before that `=` starts: what opens a parameter (`?`, a quote, a blank…) is not a name character, so no later
    start has it before. A run longer than a name (61) leaves a start with a name character before it, which the
    pattern refuses; so does one inside the previous match, which finditer would not try.
    """
    position = 0
    for equals in _EQUALS_VALUE.finditer(text):
        end = equals.start()
        run = _NAME_CHARS_BACKWARDS.match(text[max(0, end - 61) : end][::-1])
        assert run is not None  # the pattern matches the empty string
        start = end - run.end()
        if start < position:
            continue
        if (match := _PARAMETER.match(text, start)) is not None:
            yield match
            position = match.end()


def _secret_parameter(name: str) -> bool:
    plain = unquote(name).replace("[", "_").replace("]", "")
    return classify_name(plain) is not None or plain.lower() in _SESSION_COOKIES


def _whole_string(text: str, match: re.Match[str]) -> bool:
    """`"access_token=…"`, `['DB_PASSWORD=…']`: the parameter is a string literal of its own (a body, an env entry)."""
    start, end = match.start("name"), match.end("value")
    return start > 0 and end < len(text) and text[start - 1] in "\"'`" and text[end] == text[start - 1]


def find_parameter_hits(text: str) -> list[Hit]:
    if "=" not in text:
        return []
    hits = []
    for match in parameter_matches(text):
        name = match.group("name")
        in_query = match.group("query") is not None or match.group("more") is not None
        whole_string = _whole_string(text, match)
        if not in_query and not whole_string and unquote(name).lower() not in _SESSION_COOKIES:
            continue  # `NAME=value` alone on a line is an assignment: the keyword detector's
        if not _secret_parameter(name):
            continue
        start, end = match.span("value")
        prior = PRIOR if in_query or not whole_string else WHOLE_STRING_PRIOR
        hits.append(Hit(start, end, "secret-parameter", "secret", prior, Specificity.KEYWORD))
    return hits
