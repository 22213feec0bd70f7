"""What every detector produces, and the declarative regex rule most of them are.

A detector turns a unit's text into `Hit`s (a span of the text plus the rule that found it). `candidates.py`
maps hits to lines and columns, drops the overlaps and builds `Candidate`s, so detectors stay small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from secretscan.scanner.types import Certainty


class Specificity(IntEnum):
    """When several rules hit the same span, the lowest value wins: a token format says more than an entropy score."""

    TOKEN = 0
    PRIVATE_KEY = 1
    CONNECTION = 2
    KEYWORD = 3
    ENTROPY = 4


@dataclass(frozen=True)
class Hit:
    """A secret found at text[start:end] by one rule."""

    start: int
    end: int
    rule: str
    category: str
    prior: float
    specificity: Specificity
    certainty: Certainty = Certainty.POSSIBLE
    # Detectors that work line by line (the per-line regexes) skip minified lines; a private key block does not.
    skip_long_lines: bool = True


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class TokenRule:
    """A named regex for one secret format, in the style of detect-secrets' plugins and gitleaks' rules.

    `keywords` (lowercase) are the gitleaks prefilter: the regex only runs on a text that contains one of them.
    `checksum`, when the format has one, turns a hit CERTAIN if it passes, and lowers the prior to
    `invalid_checksum_prior` if it fails (real tokens of such formats always pass; made-up ones rarely do).
    `validate` rejects a match outright (say, a JWT whose header is not JSON).
    """

    id: str
    category: str
    regex: str
    keywords: tuple[str, ...]
    prior: float = 0.9
    checksum: Callable[[str], bool] | None = None
    secret_group: int | str = 0
    validate: Callable[[str], bool] | None = None
    specificity: Specificity = Specificity.TOKEN
    invalid_checksum_prior: float = 0.3
    # A token must not start in the middle of a word ("xghp_…"). Checked in Python rather than with a leading
    # \b, which would stop the regex engine from jumping straight to the literal prefix.
    word_start: bool = True
    flags: int = 0
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.regex, self.flags))
        if any(k != k.lower() for k in self.keywords):
            raise ValueError(f"rule {self.id}: keywords must be lowercase")

    def applies_to(self, lowered: str) -> bool:
        return not self.keywords or any(k in lowered for k in self.keywords)

    def find(self, text: str) -> Iterator[Hit]:
        for match in self.pattern.finditer(text):
            start, end = match.span(self.secret_group)
            if start == end:
                continue
            if self.word_start and match.start() > 0 and _word_char(text[match.start() - 1]):
                continue
            secret = text[start:end]
            if self.validate is not None and not self.validate(secret):
                continue
            certainty, prior = Certainty.POSSIBLE, self.prior
            if self.checksum is not None:
                if self.checksum(secret):
                    certainty, prior = Certainty.CERTAIN, 1.0
                else:
                    prior = self.invalid_checksum_prior
            yield Hit(start, end, self.id, self.category, prior, self.specificity, certainty)


def find_rule_hits(rules: Sequence[TokenRule], text: str, lowered: str) -> list[Hit]:
    """Run each rule whose keywords occur in the (lowercased) text."""
    hits: list[Hit] = []
    for rule in rules:
        if rule.applies_to(lowered):
            hits.extend(rule.find(text))
    return hits
