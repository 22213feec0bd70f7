"""Checksums built into some token formats. A token that passes one is real-shaped beyond doubt.

GitHub (ghp_, gho_, ghu_, ghs_, ghr_) and npm (npm_) tokens end in the base62 CRC32 of their 30-character
random body (github.blog 2021-04-05 "Behind GitHub's new authentication token formats"; npm adopted the same
scheme in 2021). Age secret keys are Bech32 strings, whose last 6 characters are a BCH checksum (BIP 173).

`make_github_token` and `make_age_secret_key` build valid tokens for tests and synthetic training data.
"""

from __future__ import annotations

import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_SET = frozenset(BASE62)
GITHUB_BODY_CHARS = 30
GITHUB_CHECKSUM_CHARS = 6


def base62(number: int, width: int) -> str:
    """`number` in base 62 (0-9, A-Z, a-z), left-padded with "0" to `width` characters."""
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def base62_crc32(body: str) -> str:
    return base62(zlib.crc32(body.encode("ascii")), GITHUB_CHECKSUM_CHARS)


def github_checksum_valid(token: str) -> bool:
    """True for `<prefix>_<30 base62 chars><6-char base62 CRC32 of those 30>` (GitHub and npm tokens)."""
    _, sep, tail = token.rpartition("_")
    if not sep or len(tail) != GITHUB_BODY_CHARS + GITHUB_CHECKSUM_CHARS or not set(tail) <= _BASE62_SET:
        return False
    body, checksum = tail[:GITHUB_BODY_CHARS], tail[GITHUB_BODY_CHARS:]
    return base62_crc32(body) == checksum


def make_github_token(prefix: str, body30: str) -> str:
    """A checksum-valid token: `make_github_token("ghp", body)` -> "ghp_<body><checksum>" (also "npm")."""
    if len(body30) != GITHUB_BODY_CHARS or not set(body30) <= _BASE62_SET:
        raise ValueError(f"body must be {GITHUB_BODY_CHARS} base62 characters")
    return f"{prefix.rstrip('_')}_{body30}{base62_crc32(body30)}"


# --- Bech32 (BIP 173), as used by age keys ---

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _bech32_polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_valid(text: str) -> bool:
    """True if `text` is a Bech32 string (any case, not mixed) with a valid checksum."""
    if text.lower() != text and text.upper() != text:
        return False
    text = text.lower()
    hrp, sep, data = text.rpartition("1")
    if not sep or not hrp or len(data) < 6 or any(c not in BECH32_CHARSET for c in data):
        return False
    values = [BECH32_CHARSET.index(c) for c in data]
    return _bech32_polymod(_hrp_expand(hrp) + values) == 1


def _to_5bit(data: bytes) -> list[int]:
    acc, bits, out = 0, 0, []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    values = _to_5bit(data)
    polymod = _bech32_polymod(_hrp_expand(hrp) + values + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[v] for v in values + checksum)


def age_secret_key_valid(key: str) -> bool:
    return key.upper().startswith("AGE-SECRET-KEY-1") and bech32_valid(key)


def make_age_secret_key(key32: bytes) -> str:
    """A valid `AGE-SECRET-KEY-1…` string for 32 key bytes (tests and synthetic data)."""
    if len(key32) != 32:
        raise ValueError("an age X25519 key is 32 bytes")
    return bech32_encode("age-secret-key-", key32).upper()
