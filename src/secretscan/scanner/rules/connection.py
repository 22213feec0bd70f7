"""Credentials inside URLs and connection strings; the secret is the password alone.

    postgres://app:s3cret@db.internal:5432/app      redis://:s3cret@cache:6379
    Server=db;Database=app;User Id=sa;Password=s3cret;
    jdbc:mysql://db/app?user=app&password=s3cret
    "host=db user=app password=s3cret"              "user=app,password=s3cret,vers=3.0"

Both anchors ("://" and "password=") are plain substrings of the lowercased text, so the regex engine jumps
from one to the next instead of trying a pattern at every character.
"""

from __future__ import annotations

import re

from secretscan.scanner.rules.base import Hit, Specificity
from secretscan.scanner.rules.keywords import MAX_LINE_CHARS

PRIOR = 0.7
_SCHEME_END = re.compile(r"://")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}\Z")
_USERINFO = re.compile(r"(?P<user>[^\s:/@?#'\"`<>\\]{0,100}):(?P<password>[^\s@/?#'\"`<>\\]{1,200})@(?=[\w\[%.-])")
_PASSWORD_KEY = re.compile(r"(?:password|passwd|pwd)[ \t]*=[ \t]*")
# ADO.NET / ODBC / libpq keyword strings: `Key=value;` pairs, one of which says where to connect.
_CONNECTION_KEYS = re.compile(
    r"(?:server|data source|host|hostname|user id|uid|user|username|database|dbname|initial catalog|provider"
    r"|dsn|driver|port|addr|address)[ \t]*=",
)
_ADO_VALUE = re.compile(r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|\{(?P<braced>[^}\n]*)\}|(?P<bare>[^;\"'\n]*))")
_QUERY_VALUE = re.compile(r"[^&\s'\"#<>;`]*")
# libpq keyword strings and option lists inside a string literal: `"host=db user=app password=…"`,
# `"user=app,password=…,ssl=true"`. A neighbouring `key=value` joined by one space or one comma says so; Python
# keyword arguments (`host=h, password=p`) are joined by ", ", and sit in no string.
_OPTION_BEFORE = re.compile(r"(?:^|[\s\"',])[\w.-]{1,40}=[^\s,\"'()=]{1,200}(?P<sep>[ ,])\Z")
_OPTION_VALUE = re.compile(r"'(?P<sq>[^'\n]*)'|(?P<bare>[^\s,;\"'`()&]+)")
_OPTION_AFTER = re.compile(r"[ ,][\w.-]{1,40}=")


def find_url_credential_hits(text: str, lowered: str) -> list[Hit]:
    if "://" not in text or "@" not in text:
        return []
    hits = []
    for anchor in _SCHEME_END.finditer(text):
        scheme_start = max(0, anchor.start() - 32)
        if _SCHEME.search(text, scheme_start, anchor.start()) is None:
            continue
        userinfo = _USERINFO.match(text, anchor.end())
        if userinfo is None:
            continue
        start, end = userinfo.span("password")
        hits.append(Hit(start, end, "url-credentials", "connection-string", PRIOR, Specificity.CONNECTION))
    return hits


def _option_value(text: str, line_start: int, key_start: int, key_end: int, line_end: int) -> tuple[int, int] | None:
    """The value of `password=` in a libpq string or an option list, if the line shows it is one."""
    if '"' not in text[line_start:key_start] and "'" not in text[line_start:key_start]:
        return None  # not inside a string literal
    value = _OPTION_VALUE.match(text, key_end, line_end)
    if value is None:
        return None
    group = "sq" if value.group("sq") is not None else "bare"
    start, end = value.span(group)
    if end <= start:
        return None
    separator = text[key_start - 1]
    if separator in "\"'":  # the first pair of the string: the next one must be joined to it
        return (start, end) if _OPTION_AFTER.match(text, value.end(), line_end) is not None else None
    before = _OPTION_BEFORE.search(text, max(line_start, key_start - 250), key_start)
    joined_after = _OPTION_AFTER.match(text, value.end(), line_end) is not None and text[value.end()] == separator
    return (start, end) if (before is not None and before.group("sep") == separator) or joined_after else None


def find_connection_string_hits(text: str, lowered: str) -> list[Hit]:
    if "password" not in lowered and "pwd" not in lowered:
        return []
    hits = []
    line_start = line_end = -1
    for key in _PASSWORD_KEY.finditer(lowered):
        separator = lowered[key.start() - 1] if key.start() > 0 else "\n"
        if key.start() > line_end:  # a new line: find its bounds once, however many keys it holds
            line_start = lowered.rfind("\n", max(line_end, 0), key.start()) + 1
            found_end = lowered.find("\n", key.start())
            line_end = len(lowered) if found_end == -1 else found_end
        if line_end - line_start > MAX_LINE_CHARS:
            continue
        line = lowered[line_start:line_end]
        if separator in "?&":
            # A URL query string (JDBC and friends).
            if "://" not in line and "jdbc:" not in line:
                continue
            value = _QUERY_VALUE.match(text, key.end(), line_end)
            start, end = value.span() if value else (key.end(), key.end())
        elif separator in ", \"'" and ";" not in line:
            span = _option_value(text, line_start, key.start(), key.end(), line_end)
            if span is None:
                continue
            start, end = span
        elif separator in ";\"' \t\n":
            if ";" not in line or _CONNECTION_KEYS.search(line) is None:
                continue
            value = _ADO_VALUE.match(text, key.end(), line_end)
            if value is None:
                continue
            group = next(g for g in ("dq", "sq", "braced", "bare") if value.group(g) is not None)
            start, end = value.span(group)
            while end > start and text[end - 1] in " \t\r":
                end -= 1
        else:
            continue  # DB_PASSWORD=… is a keyword assignment, not a connection string
        if end > start:
            hits.append(
                Hit(start, end, "connection-string-password", "connection-string", PRIOR, Specificity.CONNECTION)
            )
    return hits
