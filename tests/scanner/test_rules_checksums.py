"""Checksums: GitHub/npm base62 CRC32 tails and Bech32 (age keys), checked against independent vectors."""

from __future__ import annotations

import random
import string
import zlib

import pytest

from secretscan.scanner.rules.checksums import (
    age_secret_key_valid,
    base62,
    bech32_valid,
    github_checksum_valid,
    make_age_secret_key,
    make_github_token,
)

A62 = string.digits + string.ascii_letters


def _body(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(A62) for _ in range(30))


def test_github_checksum_is_base62_crc32_of_the_body_zero_padded() -> None:
    body = "0" * 30
    crc = zlib.crc32(body.encode())
    # Computed here independently: most significant digit first, alphabet 0-9 A-Z a-z, left-padded with "0".
    digits = ""
    while crc:
        crc, rest = divmod(crc, 62)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[rest] + digits
    assert make_github_token("ghp", body) == "gh" + "p_" + body + digits.rjust(6, "0")


@pytest.mark.parametrize("prefix", ["ghp", "gho", "ghu", "ghs", "ghr", "npm", "ghp_"])
def test_made_tokens_are_valid_and_well_formed(prefix: str) -> None:
    token = make_github_token(prefix, _body(1))
    assert token.startswith(prefix.rstrip("_") + "_")
    assert len(token) == len(prefix.rstrip("_")) + 1 + 36
    assert github_checksum_valid(token)


def test_any_single_character_change_breaks_the_checksum() -> None:
    token = make_github_token("ghp", _body(2))
    for i in range(4, len(token)):
        for replacement in "0aZ":
            if token[i] != replacement:
                assert not github_checksum_valid(token[:i] + replacement + token[i + 1 :])


@pytest.mark.parametrize(
    "token",
    ["", "ghp", "gh" + "p_", "gh" + "p_" + "a" * 35, "gh" + "p_" + "a" * 37, "gh" + "p_" + "a" * 30 + "!@#$%^"],
)
def test_malformed_tokens_are_invalid(token: str) -> None:
    assert not github_checksum_valid(token)


def test_make_github_token_rejects_a_bad_body() -> None:
    with pytest.raises(ValueError):
        make_github_token("ghp", "short")
    with pytest.raises(ValueError):
        make_github_token("ghp", "-" * 30)


def test_base62_pads_and_converts() -> None:
    assert base62(0, 6) == "000000"
    assert base62(61, 2) == "0z"
    assert base62(62, 2) == "10"
    assert base62(2**32 - 1, 6) == "4gfFC3"


# BIP 173 test vectors: valid and invalid Bech32 strings.
@pytest.mark.parametrize(
    "text",
    [
        "A12UEL5L",
        "a12uel5l",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    ],
)
def test_bip173_valid_vectors(text: str) -> None:
    assert bech32_valid(text)


@pytest.mark.parametrize(
    "text", ["pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee"]
)
def test_bip173_invalid_vectors(text: str) -> None:
    assert not bech32_valid(text)


def test_age_key_matches_the_age_testkit_vector() -> None:
    # age's testkit identity for the X25519 scalar 0x42 * 32.
    expected = "AGE-SECRET-" + "KEY-1" + "GFPYYSJZ" * 6 + "GFPQ4EGAEX"
    assert make_age_secret_key(bytes([0x42] * 32)) == expected
    assert age_secret_key_valid(expected)
    assert not age_secret_key_valid(expected[:-1] + "Y")
    assert not age_secret_key_valid("AGE-SECRET-" + "KEY-1" + "Q" * 58)


def test_mixed_case_bech32_is_invalid() -> None:
    key = make_age_secret_key(bytes(range(32)))
    assert not bech32_valid(key[:20] + key[20:].lower())
