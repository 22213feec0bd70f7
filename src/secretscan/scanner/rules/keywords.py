"""Secrets assigned to a secret-sounding name, in any syntax: the value is the candidate, never the name.

    password = "hunter2"            api_key: abc123              "secret": "s3cr3t"
    DB_PASSWORD=hunter2             <password>x</password>       <add key="ApiKey" value="x"/>
    ENV API_TOKEN abc               export TOKEN=abc             define('DB_PASSWORD', 'x')
    mysql -uroot -phunter2          --password hunter2           curl -u user:pass
    setPassword("x")                Authorization: Bearer abc    - name: DB_PASSWORD / value: x

Speed: a line is only parsed if it contains a stem ("pass", "token", "key"…), found by one regex over the
lowercased text, so most of a file is never looked at twice (gitleaks' keyword trick, applied per line).
Unquoted values are only trusted where they are values (config files, .env, shell, Dockerfile); in source
code `password = get_password()` is code, not a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from pathlib import PurePosixPath

from secretscan.scanner.rules.base import Hit, Specificity
from secretscan.scanner.rules.names import SecretKind, classify_name

MAX_LINE_CHARS = 4000
MAX_VALUE_CHARS = 300
_PRIORS: dict[SecretKind, float] = {"password": 0.6, "secret": 0.55}
_AUTH_PRIOR = 0.7

_STEMS = re.compile(r"pass|pwd|pw|secret|token|key|auth|cred|bearer|mysql|mariadb|sshpass|curl|wget")


class FileKind(Enum):
    CODE = "code"  # unquoted right-hand sides are expressions
    DOCS = "docs"  # prose: only `NAME=value` (shell style) counts unquoted
    CONFIG = "config"  # everything else: .env, ini, yaml, properties, Dockerfile, shell, unknown


_CODE_SUFFIXES = frozenset(
    ".py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .mts .cts .go .java .kt .kts .scala .groovy .gradle .rb .php .cs "
    ".vb .fs .c .h .cc .cpp .cxx .hpp .hh .m .mm .rs .swift .dart .lua .pl .pm .r .ex .exs .erl .clj .hs .ml "
    ".jl .vue .svelte .ipynb .tf .tfvars .hcl .nix .sol .zig .nim .cr .v".split()
)
_DOCS_SUFFIXES = frozenset(".md .markdown .rst .txt .adoc .asciidoc .html .htm .tex .org .rtf".split())


def file_kind(path: str) -> FileKind:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _CODE_SUFFIXES:
        return FileKind.CODE
    if suffix in _DOCS_SUFFIXES:
        return FileKind.DOCS
    return FileKind.CONFIG


# A value: "double", 'single', `backtick` (escapes allowed) or bare. Groups: dq, sq, bq, bare.
_QUOTED_VALUE = (
    r"(?:[rbuRBU]{1,2}|@)?"
    r"(?:\"(?P<dq>[^\"\\\n]*(?:\\.[^\"\\\n]*)*)\"|'(?P<sq>[^'\\\n]*(?:\\.[^'\\\n]*)*)'|`(?P<bq>[^`\\\n]*)`"
)
_VALUE = _QUOTED_VALUE + r"|(?P<bare>[^\s\"'`,;]{1,300}))"
_VALUE_GROUPS = ("dq", "sq", "bq", "bare")

# name [quote/bracket] [: type] op value
_ASSIGN = re.compile(
    r"(?P<name>[A-Za-z_$@][\w.$@-]{0,100})[\"'\]]{0,3}"
    r"(?:[ \t]*:[ \t]*[A-Za-z_][\w.\[\], |?<>]{0,40}?(?=[ \t]*=[^=>]))?"
    r"[ \t]*(?P<op>===?|!==?|:=|=>|<-|\?\?=|\|\|=|[=:])[ \t]*" + _VALUE
)
# ("NAME", "value"): define(), setdefault(), config.set(), getenv(name, default), map.put()…
_CALL = re.compile(r"\([ \t]*[\"'](?P<name>[\w.-]{2,80})[\"'][ \t]*,[ \t]*" + _QUOTED_VALUE + ")")
# setPassword("x"), withApiKey("x")
_SETTER = re.compile(r"\b(?:set|with)(?P<name>[A-Z][A-Za-z0-9]{1,60})\([ \t]*" + _QUOTED_VALUE + r")[ \t]*\)")
_XML_ELEMENT = re.compile(r"<(?P<name>[A-Za-z_][\w.:-]{0,80})(?:[ \t][^<>\n]*)?>(?P<bare>[^<>\n]{1,300})</(?P=name)>")
_XML_KEY_VALUE = re.compile(
    r"(?:key|name)[ \t]*=[ \t]*[\"'](?P<name>[^\"'\n]{1,80})[\"'][ \t]+value[ \t]*=[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)')"
)
_XML_KEY_TEXT = re.compile(r"(?:key|name)=[\"'](?P<name>[^\"'\n]{1,80})[\"'][^<>\n]*>(?P<bare>[^<>\n]{1,300})</")
_FLAG = re.compile(
    r"(?<![\w-])--(?P<name>[A-Za-z][\w-]{1,40})(?:=|[ \t]+)"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>(?!-)[^\s\"'`|;&<>()]+))"
)
_MYSQL_PASSWORD = re.compile(
    r"(?<=[ \t])-p(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`;|&<>-][^\s\"'`;|&<>]*))"
)
_SSHPASS = re.compile(r"sshpass[ \t]+-p[ \t]*(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`;|&<>]+))")
_USER_COLON_PASSWORD = re.compile(
    r"(?<![\w-])(?:-u|--user)(?:=|[ \t]+)(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`;|&<>]+))"
)
_AUTH_SCHEME = re.compile(
    r"\b(?P<scheme>[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|[Dd]igest)[ \t]+(?P<bare>[A-Za-z0-9._~+/-]{8,}=*)(?![\w.~+/=-])"
)
_ENV_SPACE_FORM = re.compile(r"[ \t]*ENV[ \t]+(?P<name>[A-Za-z_][\w.-]*)[ \t]+" + _VALUE + r"[ \t]*\r?$")
# Kubernetes / compose env lists: `- name: DB_PASSWORD` then `value: …` on the next line.
_NAME_THEN_VALUE = re.compile(
    r"name:[ \t]*[\"']?(?P<name>[A-Za-z_][\w.-]*)[\"']?[ \t]*\r?\n[ \t]*value:[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s\"'#][^\s#]*))"
)
# YAML tags, anchors, aliases, block scalars and flow collections are not the value itself.
_NOT_A_YAML_SCALAR = tuple("[{|>&*!")


def _value_span(match: re.Match[str]) -> tuple[int, int, bool] | None:
    """(start, end, quoted) of the value group that matched, or None if it is empty."""
    for group in _VALUE_GROUPS:
        if group in match.re.groupindex and match.group(group) is not None:
            start, end = match.span(group)
            return (start, end, group != "bare") if end > start else None
    return None


def _bare_value_allowed(kind: FileKind, op: str, value: str) -> bool:
    if kind is FileKind.CODE:
        return False
    if kind is FileKind.DOCS and op != "=":
        return False
    if op == ":" and value.startswith(_NOT_A_YAML_SCALAR):
        return False
    return not (op == "=" and value.startswith(("(", "[", "{")))


def _named_hit(name: str, start: int, end: int) -> Hit | None:
    kind = classify_name(name)
    if kind is None or end - start > MAX_VALUE_CHARS:
        return None
    return Hit(start, end, f"generic-{kind}", kind, _PRIORS[kind], Specificity.KEYWORD)


def _password_hit(start: int, end: int) -> Hit:
    return Hit(start, end, "generic-password", "password", _PRIORS["password"], Specificity.KEYWORD)


def _line_hits(line: str, lower: str, offset: int, kind: FileKind) -> Iterator[Hit]:
    for match in _ASSIGN.finditer(line):
        span = _value_span(match)
        if span is None:
            continue
        start, end, quoted = span
        if not quoted and not _bare_value_allowed(kind, match.group("op"), line[start:end]):
            continue
        hit = _named_hit(match.group("name"), offset + start, offset + end)
        if hit is not None:
            yield hit
    patterns: list[re.Pattern[str]] = []
    if "(" in line:
        patterns += (_CALL, _SETTER)
    if "--" in line:
        patterns.append(_FLAG)
    if "<" in line:
        patterns += (_XML_ELEMENT, _XML_KEY_VALUE, _XML_KEY_TEXT)
    matches = [m for pattern in patterns for m in pattern.finditer(line)]
    if lower.lstrip().startswith("env") and (env := _ENV_SPACE_FORM.match(line)) is not None:
        matches.append(env)
    for match in matches:
        span = _value_span(match)
        if span is not None and (hit := _named_hit(match.group("name"), offset + span[0], offset + span[1])):
            yield hit
    yield from _command_line_hits(line, lower, offset)
    yield from _auth_header_hits(line, lower, offset)


def _command_line_hits(line: str, lower: str, offset: int) -> Iterator[Hit]:
    if "mysql" in lower or "mariadb" in lower:
        for match in _MYSQL_PASSWORD.finditer(line):
            if (span := _value_span(match)) is not None:
                yield _password_hit(offset + span[0], offset + span[1])
    if "sshpass" in lower:
        for match in _SSHPASS.finditer(line):
            if (span := _value_span(match)) is not None:
                yield _password_hit(offset + span[0], offset + span[1])
    if "curl" in lower or "wget" in lower or "http" in lower:
        for match in _USER_COLON_PASSWORD.finditer(line):
            span = _value_span(match)
            if span is None:
                continue
            user, colon, password = line[span[0] : span[1]].partition(":")
            if user and colon and password:
                yield _password_hit(offset + span[0] + len(user) + 1, offset + span[1])


def _auth_header_hits(line: str, lower: str, offset: int) -> Iterator[Hit]:
    if "bearer" not in lower and "authorization" not in lower:
        return
    for match in _AUTH_SCHEME.finditer(line):
        value = match.group("bare")
        scheme = match.group("scheme").lower()
        # "Bearer" alone marks a token; "Basic"/"Token" are ordinary words unless this is an Authorization header.
        if scheme != "bearer" and "authorization" not in lower:
            continue
        if not any(c.isdigit() for c in value):
            continue  # prose ("Bearer authentication…") and identifiers, not credentials
        start, end = match.span("bare")
        yield Hit(offset + start, offset + end, "http-auth-header", "auth", _AUTH_PRIOR, Specificity.KEYWORD)


def _stem_lines(text: str, lowered: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line that contains a stem, skipping minified lines."""
    position = 0
    while (match := _STEMS.search(lowered, position)) is not None:
        start = lowered.rfind("\n", 0, match.start()) + 1
        end = lowered.find("\n", match.end())
        if end == -1:
            end = len(lowered)
        if end - start <= MAX_LINE_CHARS:
            yield start, end
        position = end + 1


def find_keyword_hits(text: str, lowered: str, path: str) -> list[Hit]:
    kind = file_kind(path)
    hits: list[Hit] = []
    for start, end in _stem_lines(text, lowered):
        hits.extend(_line_hits(text[start:end], lowered[start:end], start, kind))
    if "value:" in lowered:
        for match in _NAME_THEN_VALUE.finditer(text):
            span = _value_span(match)
            if span is None or (not span[2] and not _bare_value_allowed(FileKind.CONFIG, ":", text[span[0] : span[1]])):
                continue
            if (hit := _named_hit(match.group("name"), span[0], span[1])) is not None:
                hits.append(hit)
    return hits
