"""Seeded string helpers. Every generator takes a `random.Random`, so the same seed gives the same bytes."""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
HEX = "0123456789abcdef"
ALNUM = LOWER + UPPER + DIGITS
BASE32 = UPPER + "234567"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"


def chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def alnum(rng: random.Random, n: int) -> str:
    return chars(rng, ALNUM, n)


def hexs(rng: random.Random, n: int, upper: bool = False) -> str:
    text = chars(rng, HEX, n)
    return text.upper() if upper else text


def b64_of_bytes(rng: random.Random, n_bytes: int, urlsafe: bool = False, pad: bool = True) -> str:
    raw = rng.randbytes(n_bytes)
    text = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode("ascii")
    return text if pad else text.rstrip("=")


def b64_of_text(text: str, urlsafe: bool = False) -> str:
    raw = text.encode("utf-8")
    return (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode("ascii")


def pick(rng: random.Random, options: Sequence[T]) -> T:
    return options[rng.randrange(len(options))]


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    """One option, chosen with the given weights (a list, so the order and thus the result is stable)."""
    total = sum(w for _, w in options)
    point = rng.random() * total
    for option, weight in options:
        point -= weight
        if point < 0:
            return option
    return options[-1][0]


def uuid4(rng: random.Random, upper: bool = False) -> str:
    h = hexs(rng, 32)
    variant = pick(rng, "89ab")
    text = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"
    return text.upper() if upper else text


def ident(rng: random.Random, words: Sequence[str], n: int = 2, sep: str = "_") -> str:
    return sep.join(pick(rng, words) for _ in range(n))


def snake_to_camel(name: str) -> str:
    head, *rest = name.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake_to_kebab(name: str) -> str:
    return name.lower().replace("_", "-")


def snake_to_dotted(name: str) -> str:
    return name.lower().replace("_", ".")


def snake_to_pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.lower().split("_"))
