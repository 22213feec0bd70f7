"""Masking: a report never shows more than 4 characters, nor more than a quarter, of any secret."""

from __future__ import annotations

import string

import pytest

from secretscan.scanner.types import mask_secret


def revealed(secret: str, masked: str) -> int:
    """How many of the secret's characters the mask shows: what stands on either side of the ellipsis."""
    head, tail = masked.split("…")
    assert secret.startswith(head) and secret.endswith(tail)
    return len(head) + len(tail)


@pytest.mark.parametrize("length", range(101))
def test_a_mask_reveals_at_most_4_characters_and_a_quarter_of_any_secret(length: int) -> None:
    secret = "".join(string.ascii_letters[i % 52] for i in range(length))
    masked = mask_secret(secret)
    assert masked.count("…") == 1
    shown = revealed(secret, masked)
    assert shown <= 4 and shown * 4 <= length
    assert shown == (4 if length >= 16 else 2 if length >= 8 else 0)


@pytest.mark.parametrize(
    ("secret", "masked"),
    [("", "…"), ("hunter2", "…"), ("hunter22", "h…2"), ("Tr0ub4dor&3xyz42", "Tr…42"), ("AKIA" + "IOSFODNN7EXAMPLE", "AK…LE")],
)
def test_mask_examples(secret: str, masked: str) -> None:
    assert mask_secret(secret) == masked
