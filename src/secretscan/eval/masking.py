"""Masking for error analysis: a line with its possible credentials masked, and what a value looks like.

`mask_text` masks quoted strings, assigned values, URL passwords and long tokens, and leaves the code around them
(and obvious references such as `${VAR}`) readable. `value_class` reads a raw value and returns only its class.
"""

from __future__ import annotations

import re

from secretscan.scanner.types import mask_secret

# Key material written as numbers: a run of byte literals (`0x1f, 0x8b, …`, `-12, 87, …`) or a long hex word. It
# is masked first, as a whole: the assignment it follows would otherwise take only its first number.
_NUMBERS = re.compile(
    r"(?:(?:0[xX][0-9a-fA-F]{1,2}|-?\d{1,3})\s*,\s*){7,}(?:0[xX][0-9a-fA-F]{1,2}|-?\d{1,3})\b"
    r"|\b0[xX][0-9a-fA-F]{8,}[lLuU]*"
)
_MASKABLE = re.compile(
    r"""(?P<url>://[^:/@\s"']+:)(?P<password>[^@\s"']+)@"""
    # A backslash escapes a quote: JSON in a string literal is one value, not a run of quotes out of step.
    r"""|(?P<quote>["'])(?P<quoted>(?:[^"'\\\n]|\\.)*)(?P=quote)"""
    r"""|(?P<key>[\w.\-]+["']?\s*[:=]\s*)(?P<assigned>[^\s"',;#=][^\s"',;#]*)"""
    r"""|(?P<long>[A-Za-z0-9+/=_\-.~]{20,})"""
    r"""|(?P<word>[A-Za-z0-9!@#$%^&*+=\-.~]{8,})"""
)
# A long snake_case or SCREAMING_CASE name is code, not a credential. Upper case needs an underscore: a base32
# secret (a TOTP seed) is upper-case letters too.
_IDENTIFIER = re.compile(r"(?=[A-Z]*_)[A-Z_]+|[a-z_]+")
# The name an environment lookup reads: `os.environ["DB_PASSWORD"]`, `getenv('API_KEY')`. A word with digits and
# no underscore (a base32 TOTP seed) is a secret, not a name.
_ENV_NAME = re.compile(r"[A-Z_]*_[A-Z0-9_]*|[A-Z]+")
_URL_CREDENTIALS = re.compile(r"(://[^:/@\s]+:)([^@\s]+)@")
# Values that point elsewhere or are visible masks; the capture of an unquoted value stops at a quote or a space,
# so `os.environ["X"]` arrives as `os.environ[` and `{{ .Values.x }}` as `{{`.
_REFERENCE = re.compile(
    r"\$\{.*|\$\(.*|\$[A-Z_][A-Z0-9_]*|\{\{.*|%\([\w.]+\)s?|#\{.*|<[^<>]*>"
    r"|[A-Za-z_][\w.]*(?:\(\)?|\[\]?)|[xX*•.\-_#]*"
)


# Literals that can't be a credential; showing them keeps `DEBUG = True` readable.
_KEYWORDS = frozenset({"true", "false", "none", "null", "nil", "undefined"})


def _is_reference(value: str) -> bool:
    """`${DB_PASSWORD}`, `$TOKEN`, `os.environ[`, `get_secret()`, `<token>`, `xxxx`, `True`: nothing to hide."""
    return _REFERENCE.fullmatch(value) is not None or value.lower() in _KEYWORDS


def _mask_value(value: str) -> str:
    if _is_reference(value):
        return value
    if _URL_CREDENTIALS.search(value):  # keep the URL readable, hide its password
        return _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{mask_secret(m.group(2))}@", value)
    return mask_secret(value)


def _is_lookup_argument(match: re.Match[str]) -> bool:
    """A quoted env-var name right after `[` or `(`: the name looked up is not the secret."""
    preceding = match.string[match.start() - 1 : match.start()]
    return preceding in ("[", "(") and _ENV_NAME.fullmatch(match.group("quoted")) is not None


def _is_mapping_key(match: re.Match[str]) -> bool:
    """`"password": ...` in JSON or a dict: the quoted key stays readable, its value does not."""
    before = match.string[: match.start()].rstrip()
    after = match.string[match.end() :].lstrip()
    return after.startswith(":") and not after.startswith("://") and (not before or before[-1] in "{,")


def _looks_like_password(word: str) -> bool:
    """A short word of free text (`Using Sandbox-123 as the password`) with upper case, lower case and a digit."""
    return any(c.isupper() for c in word) and any(c.islower() for c in word) and any(c.isdigit() for c in word)


def mask_text(line: str) -> str:
    """The line with every value that could be a credential masked."""

    def replace(match: re.Match[str]) -> str:
        if match.group("url"):
            return f"{match.group('url')}{_mask_value(match.group('password'))}@"
        if match.group("quote"):
            if _is_mapping_key(match) or _is_lookup_argument(match):
                return match.group(0)
            quote = match.group("quote")
            return f"{quote}{_mask_value(match.group('quoted'))}{quote}"
        if match.group("key"):
            return f"{match.group('key')}{_mask_value(match.group('assigned'))}"
        if match.group("word"):
            return _mask_value(match.group(0)) if _looks_like_password(match.group(0)) else match.group(0)
        token = match.group("long")
        return token if _IDENTIFIER.fullmatch(token) else _mask_value(token)

    return _MASKABLE.sub(replace, _NUMBERS.sub(lambda match: mask_secret(match.group(0)), line))


def likely_value_masked(line: str) -> str:
    """For a line where no finding names the value: the longest value-like part of the line, masked."""
    values = [
        match.group("password") or match.group("quoted") or match.group("assigned") or match.group("long") or ""
        for match in _MASKABLE.finditer(line)
        if not (match.group("quote") and (_is_mapping_key(match) or _is_lookup_argument(match)))
    ]
    values = [value for value in values if not _is_reference(value)]
    return mask_secret(max(values, key=len)) if values else "…"


_HEX_DIGEST = re.compile(r"(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})", re.IGNORECASE)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_INTEGRITY = re.compile(r"sha(?:1|256|384|512)-[A-Za-z0-9+/]+=*")
_PLACEHOLDER_WORDS = (
    "changeme", "change_me", "change-me", "your_", "your-", "yourpassword", "example", "placeholder", "redacted",
    "replace_me", "replaceme", "dummy", "fake", "sample", "xxxx", "****", "...",
)  # fmt: skip
_LOOKUP_MARKERS = ("os.environ", "getenv", "process.env", "env(", "secretsmanager", "vault:", "secrets.")


def value_class(value: str) -> str | None:
    """What a value looks like, from the raw value (which is used here and not kept): lookup, placeholder,
    hash-or-id, public, or None for anything that could be a credential."""
    stripped = value.strip().strip("\"'")
    lowered = stripped.lower()
    if stripped.startswith(("$", "{{", "%(", "#{")) or any(marker in lowered for marker in _LOOKUP_MARKERS):
        return "lookup"
    if (
        not stripped
        or (stripped.startswith("<") and stripped.endswith(">"))
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
    ):
        return "placeholder"
    if _HEX_DIGEST.fullmatch(stripped) or _UUID.fullmatch(stripped) or _INTEGRITY.fullmatch(stripped):
        return "hash-or-id"
    if lowered.startswith(
        ("ssh-rsa ", "ssh-ed25519 ", "ecdsa-sha2-", "-----begin public key", "-----begin certificate")
    ):
        return "public"
    return None
