"""UUID-shaped values, cloud principal IDs and OAuth client IDs, reported with a low prior for the judge to settle.

Real repositories use UUIDs as API keys, tokens and client secrets as often as as plain identifiers, and the
difference is in the context (`apiKey = "…"` against `Guid ShellFolder = new Guid("…")`), which is the judge's
job, not a filter's. The prior is low so that, rules only, a bare UUID is never reported on its own.
"""

from __future__ import annotations

import re

from secretscan.scanner.rules.base import Hit, Specificity, matches_in_lines

UUID_PRIOR = 0.25
# Only a UUID on a line that speaks of a credential: a GUID naming a COM class, a Windows known folder or a
# request is an identifier, and real code has thousands of them.
_SECRET_WORD = re.compile(r"(?i)key|token|secret|passw|pwd|auth|cred|bearer|session|signature|licen[cs]e")
_UUID = re.compile(r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])")
# The inner groups of a UUID open with a literal `-`, which the regex engine finds fast: the lines to try `_UUID` on.
_UUID_INNER = re.compile(r"-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-")
# AWS unique IDs of roles, users, policies, groups and instance profiles (AROA…, AIDA…): names of principals
# that show up beside access keys in recorded API responses and state files.
AWS_ID_PRIOR = 0.3
# The lookbehind follows the leading `A` so that the engine can search for the `A` (a lookbehind first is tried at
# every position of the text).
_AWS_UNIQUE_ID = re.compile(r"A(?<![A-Za-z0-9]A)(?:ROA|IDA|NPA|GPA|IPA|NVA|PKA)[A-Z0-9]{16,17}(?![A-Za-z0-9])")


# OAuth client IDs and Firebase project hosts: public by design, but labelled real corpora count the ones that
# sit beside their secrets in config as credentials, so they reach the judge rather than nothing.
CLIENT_PRIOR = 0.3
_GOOGLE_CLIENT_ID = re.compile(r"(?<![\w-])\d{6,}-[a-z0-9]{32}\.apps\.googleusercontent\.com(?![\w-])")
_FIREBASE_HOST = re.compile(r"(?<![\w.-])[a-z0-9][a-z0-9-]{2,60}\.(?:firebaseapp\.com|firebaseio\.com)(?![\w-])")


# The private members of a JSON Web Key (RFC 7517/7518): an RSA key's d, p, q, dp, dq, qi, an EC/OKP key's d, a
# symmetric key's k. Its public members (n, e, x, y) sit beside them and are left alone.
JWK_PRIOR = 0.8
_JWK_PRIVATE = re.compile(r"\\?\"(?:d|p|q|dp|dq|qi|k)\\?\"[ \t]*:[ \t]*\\?\"(?P<secret>[A-Za-z0-9_-]{16,})\\?\"")


def find_jwk_hits(text: str) -> list[Hit]:
    if '"kty' not in text:  # also true of a JWK escaped inside a JSON string
        return []
    return [
        Hit(m.start("secret"), m.end("secret"), "jwk-private-member", "private-key", JWK_PRIOR, Specificity.PRIVATE_KEY)
        for m in _JWK_PRIVATE.finditer(text)
    ]


def _line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end != -1 else len(text)]


def find_identifier_hits(text: str) -> list[Hit]:
    hits = []
    if "-" in text:
        for match in matches_in_lines(_UUID, text, _UUID_INNER):
            if _SECRET_WORD.search(_line_at(text, match.start())):
                hits.append(Hit(match.start(), match.end(), "uuid", "identifier", UUID_PRIOR, Specificity.ENTROPY))
    if "A" in text:
        for match in _AWS_UNIQUE_ID.finditer(text):
            hits.append(
                Hit(match.start(), match.end(), "aws-unique-id", "cloud", AWS_ID_PRIOR, Specificity.TOKEN)
            )
    if "googleusercontent" in text:
        for match in _GOOGLE_CLIENT_ID.finditer(text):
            hits.append(
                Hit(match.start(), match.end(), "google-oauth-client-id", "cloud", CLIENT_PRIOR, Specificity.TOKEN)
            )
    if "firebase" in text:
        for match in _FIREBASE_HOST.finditer(text):
            hits.append(Hit(match.start(), match.end(), "firebase-host", "cloud", CLIENT_PRIOR, Specificity.TOKEN))
    return hits
