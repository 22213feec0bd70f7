"""find_candidates(unit) -> every possible secret in a unit, with its line, column and context.

Each detector scans the whole text once (no line-by-rule loop); offsets become lines only for the few hits,
by bisecting the line starts. One pass over the lowercased text finds every literal anchor first (`anchors.py`):
token rules whose keywords don't occur never run, and the keyword detector parses only the lines with a stem.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, repeat
from operator import add

from secretscan.config import ExtraRule
from secretscan.scanner.rules import TOKEN_RULES, Hit, RuleSet, Specificity
from secretscan.scanner.rules.anchors import anchor_scanner
from secretscan.scanner.rules.connection import find_connection_string_hits, find_url_credential_hits
from secretscan.scanner.rules.credential_files import find_credential_file_hits
from secretscan.scanner.rules.entropy import find_entropy_hits
from secretscan.scanner.rules.identifiers import find_identifier_hits, find_jwk_hits
from secretscan.scanner.rules.keywords import MAX_LINE_CHARS, find_keyword_hits
from secretscan.scanner.rules.parameters import find_parameter_hits
from secretscan.scanner.rules.private_keys import find_private_key_hits
from secretscan.scanner.rules.tokens import FREQUENT_KEYWORDS
from secretscan.scanner.types import Candidate, Certainty, ScanUnit

CONTEXT_LINES = 3
# A user rule that needs the judge still outranks a generic keyword match.
EXTRA_RULE_PRIOR = 0.8
_TOKEN_RULES = RuleSet(TOKEN_RULES)
_ANCHORS = anchor_scanner(_TOKEN_RULES, FREQUENT_KEYWORDS)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def position_preserving_lower(text: str) -> str:
    """`text.lower()`, unless that changes the length ("İ" -> "i̇"): then only A-Z, so offsets still line up."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _extra_rule_hits(rules: Sequence[ExtraRule], text: str) -> list[Hit]:
    hits = []
    for rule in rules:
        pattern = re.compile(rule.regex)  # re caches compiled patterns
        group: int | str = "secret" if "secret" in pattern.groupindex else min(pattern.groups, 1)
        certainty = Certainty.CERTAIN if rule.certain else Certainty.POSSIBLE
        prior = 1.0 if rule.certain else EXTRA_RULE_PRIOR
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if end > start:
                hits.append(Hit(start, end, rule.id, rule.category, prior, Specificity.TOKEN, certainty))
    return hits


def find_hits(text: str, path: str, rules: Sequence[ExtraRule] = ()) -> list[Hit]:
    """Every detector's hits, user rules first, then from the most specific detector to the least."""
    lowered = position_preserving_lower(text)
    anchors = _ANCHORS.scan(lowered)
    return [
        *_extra_rule_hits(rules, text),
        *_TOKEN_RULES.find(text, lowered, anchors.keywords),
        *find_credential_file_hits(text, lowered, path),
        *find_private_key_hits(text, lowered),
        *find_jwk_hits(text),
        *find_url_credential_hits(text, lowered),
        *find_connection_string_hits(text, lowered),
        *find_keyword_hits(text, lowered, path, anchors.stems),
        *find_parameter_hits(text),
        *find_identifier_hits(text),
        *find_entropy_hits(text),
    ]


def drop_overlaps(hits: Sequence[Hit]) -> list[Hit]:
    """Keep the most specific hit of any overlapping group (earlier rules win ties), in text order."""
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Hit] = []
    # sorted() is stable, so within one specificity the detectors' own order decides.
    for hit in sorted(hits, key=lambda h: h.specificity):
        i = bisect_right(starts, hit.start)
        if (i > 0 and ends[i - 1] > hit.start) or (i < len(starts) and starts[i] < hit.end):
            continue
        starts.insert(i, hit.start)
        ends.insert(i, hit.end)
        kept.insert(i, hit)
    return kept


class _Lines:
    """The unit's lines ("\\n"-separated, like git and editors count them) and where each one starts."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        # Each line's length plus its newline, summed; mapped in C, not by a generator (a text may have 100k lines).
        self.starts = list(accumulate(map(add, map(len, self.lines), repeat(1)), initial=0))

    def index(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def text(self, index: int) -> str:
        return self.lines[index].rstrip("\r")

    def around(self, first: int, last: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        before = range(max(0, first - CONTEXT_LINES), first)
        after = range(last + 1, min(len(self.lines), last + 1 + CONTEXT_LINES))
        return tuple(self.text(i) for i in before), tuple(self.text(i) for i in after)


def _real_line(unit: ScanUnit, index: int) -> int | None:
    if unit.line_numbers is not None and index >= len(unit.line_numbers):
        return None
    return unit.real_line(index)


def find_candidates(unit: ScanUnit, rules: Sequence[ExtraRule] = ()) -> list[Candidate]:
    text = unit.text
    hits = find_hits(text, unit.path, rules) if text else []
    if not hits:
        return []
    lines = _Lines(text)
    placed = []
    for hit in hits:
        first = lines.index(hit.start)
        if hit.skip_long_lines and len(lines.lines[first]) > MAX_LINE_CHARS:
            continue  # minified code: the per-line detectors would only find noise there
        placed.append(hit)
    candidates = []
    for hit in drop_overlaps(placed):
        first, last = lines.index(hit.start), lines.index(hit.end - 1)
        real = [_real_line(unit, i) for i in range(first, last + 1)]
        if real[0] is None:
            continue
        if unit.judged_lines is not None and not any(line in unit.judged_lines for line in real):
            continue
        before, after = lines.around(first, last)
        candidates.append(
            Candidate(
                path=unit.path,
                line=real[0],
                column=hit.start - lines.starts[first] + 1,
                secret=text[hit.start : hit.end],
                rule=hit.rule,
                category=hit.category,
                line_text=lines.text(first),
                context_before=before,
                context_after=after,
                certainty=hit.certainty,
                prior=hit.prior,
                commit=unit.commit,
            )
        )
    return candidates
