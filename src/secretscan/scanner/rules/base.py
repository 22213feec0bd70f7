"""What every detector produces, and the declarative regex rule most of them are.

A detector turns a unit's text into `Hit`s (a span of the text plus the rule that found it). `candidates.py`
maps hits to lines and columns, drops the overlaps and builds `Candidate`s, so detectors stay small.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property

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


class LazyPattern:
    """A module's regex, compiled on first use of `compiled`: a commit hook reads a few lines and needs a few of the
    patterns that a module declares, and compiling all of them at import costs more than its scan."""

    def __init__(self, regex: str, flags: int = 0) -> None:
        self.regex = regex
        self.flags = flags

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex, self.flags)


def matches_in_lines(pattern: re.Pattern[str], text: str, marker: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, run only over the lines where `marker` matches (never across a line).

    For a pattern whose matches never cross a line and that must be tried at every position (it opens with a
    lookbehind or a character class), while `marker` opens with a literal that the regex engine finds at C speed:
    a UUID's `-abcd-`. Lookbehinds and `^` still see the text before a line's start.
    """

    def next_marker(position: int) -> int:
        found = marker.search(text, position)
        return -1 if found is None else found.start()

    return _matches_on_lines_of(pattern, text, next_marker)


def matches_on_marked_lines(
    pattern: re.Pattern[str], text: str, lowered: str, marker: str
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, run only over the lines whose `lowered` form holds `marker`: for a pattern whose
    matches never cross a line and hold the marker on their line (see `TokenRule.line_marker`)."""
    return _matches_on_lines_of(pattern, text, lambda position: lowered.find(marker, position))


def _matches_on_lines_of(
    pattern: re.Pattern[str], text: str, next_marker: Callable[[int], int]
) -> Iterator[re.Match[str]]:
    """`pattern.finditer` over each line that holds a marker, in order; `next_marker(position)` is the offset of
    the first marker at or after `position`, or -1."""
    position = 0
    while (found := next_marker(position)) != -1:
        line_start = text.rfind("\n", 0, found) + 1
        line_end = text.find("\n", found)
        position = len(text) if line_end == -1 else line_end
        yield from pattern.finditer(text, line_start, position)


# The characters other than ASCII letters that a case-insensitive regex takes for one (İ ı: i, ſ: s, K: k). Their
# lowercase form is not that letter, so a lowercased text may hide a match of `(?i:secret)` from a marker.
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


def folds_to_ascii(text: str) -> bool:
    # Four substring searches: faster than a regex's character class over a long text.
    return not text.isascii() and any(char in text for char in _FOLDS_TO_ASCII)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# A rule's regex may end in `(?:<run>{n,}<end>|<run>*(?P<cut>))` (tokens.py `run_then_end`): a start whose run
# fails the end check is still matched, up to the run's end, as a `cut` that `find` drops. Every later start inside
# that run would reach the same end and fail the same way; without the cut the engine tries each of them again, to
# the end of the run, which is quadratic on a run of repeated prefixes (`xoxa-xoxa-…_`).
CUT_GROUP = "cut"


@dataclass(frozen=True)
class TokenRule:
    """A named regex for one secret format, in the style of detect-secrets' plugins and gitleaks' rules.

    `keywords` (lowercase) are the gitleaks prefilter: the regex only runs on a text that contains one of them.
    `checksum`, when the format has one, turns a hit CERTAIN if it passes, and lowers the prior to
    `invalid_checksum_prior` if it fails (real tokens of such formats always pass; made-up ones rarely do).
    `validate` rejects a match outright (say, a JWT whose header is not JSON).
    `certain`, for a format that leaves nothing to judge (a Slack webhook URL), turns a hit CERTAIN when it passes
    (its random part looks random, not a placeholder); `certain_why` says why, for the finding's reason.
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
    # Keywords that occur inside the token ("t3blbkfj" in an OpenAI key), not at its start. With `word_start`,
    # every other keyword begins the token, which lets the prefilter look only where a word begins.
    inner_keywords: tuple[str, ...] = ()
    # A token must not start in the middle of a word ("xghp_…"). Checked in Python rather than with a leading
    # \b, which would stop the regex engine from jumping straight to the literal prefix.
    word_start: bool = True
    flags: int = 0
    # For a regex that the engine tries at every position (no literal prefix: `(?i:…)`, a character class first),
    # a literal that the line of every match holds, lowercased (mailchimp's `-us`): the regex then runs only on the
    # lines that hold it. Its matches must never cross a line.
    line_marker: str = ""
    certain: Callable[[str], bool] | None = None
    certain_why: str = ""

    def __post_init__(self) -> None:
        if any(k != k.lower() for k in (*self.keywords, self.line_marker)):
            raise ValueError(f"rule {self.id}: keywords and the line marker must be lowercase")
        if "\n" in self.line_marker:
            raise ValueError(f"rule {self.id}: a line marker is on one line")

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        # Compiled on first use: a commit hook that sees a few files needs a few of the hundred rules.
        return re.compile(self.regex, self.flags)

    def find(self, text: str, lowered: str | None = None) -> Iterator[Hit]:
        """The rule's hits in `text`. Given `lowered` (its `position_preserving_lower`), a rule with a line marker
        runs on the marked lines alone, unless the text holds a character that folds to an ASCII letter."""
        if lowered is not None and self.line_marker and not folds_to_ascii(text):
            matches = matches_on_marked_lines(self.pattern, text, lowered, self.line_marker)
        else:
            matches = self.pattern.finditer(text)
        return self._hits(text, matches)

    def _hits(self, text: str, matches: Iterator[re.Match[str]]) -> Iterator[Hit]:
        cuts = CUT_GROUP in self.pattern.groupindex
        for match in matches:
            if cuts and match.group(CUT_GROUP) is not None:
                continue
            start, end = match.span(self.secret_group)
            if start == end:
                continue
            if self.word_start and match.start() > 0 and _word_char(text[match.start() - 1]):
                continue
            secret = text[start:end]
            if self.validate is not None and not self.validate(secret):
                continue
            certainty, prior = Certainty.POSSIBLE, self.prior
            if self.certain is not None and self.certain(secret):
                certainty, prior = Certainty.CERTAIN, 1.0
            elif self.checksum is not None:
                if self.checksum(secret):
                    certainty, prior = Certainty.CERTAIN, 1.0
                else:
                    prior = self.invalid_checksum_prior
            # A vendor format is as specific in a minified bundle as anywhere: token rules read lines of any length.
            yield Hit(start, end, self.id, self.category, prior, self.specificity, certainty, skip_long_lines=False)


def _trie(keywords: Iterable[str]) -> str:
    """Keywords as nested alternatives ("gh(?:o_|p_|…)"): a handful of branches per position, not one per keyword."""
    trie: dict[str, dict] = {}
    for keyword in keywords:
        node = trie
        for char in keyword:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        alternatives = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not alternatives:
            return ""
        group = "(?:" + "|".join(alternatives) + ")"
        return group + "?" if "" in node else group

    return branch(trie)


@dataclass(frozen=True)
class RuleSet:
    """Token rules plus the keyword prefilter that decides which of them run on a text.

    A rule runs on a text when one of its keywords begins a keyword found there: a leading keyword at the start of
    a word, an inner one anywhere. `keywords_in` finds them with a regex; `anchors.py` finds the same, in one pass
    for every detector, with Aho-Corasick.
    """

    rules: tuple[TokenRule, ...]
    leading: frozenset[str] = field(init=False, repr=False, compare=False)
    inner: frozenset[str] = field(init=False, repr=False, compare=False)
    # keyword -> the indices of the rules that its presence runs (those with a keyword it begins with).
    triggers: dict[str, frozenset[int]] = field(init=False, repr=False, compare=False)
    _keywordless: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        leading: set[str] = set()
        inner: set[str] = set()
        rules_of: dict[str, set[int]] = {}
        for i, rule in enumerate(self.rules):
            for keyword in rule.keywords:
                is_inner = not rule.word_start or keyword in rule.inner_keywords or not keyword[0].isalnum()
                (inner if is_inner else leading).add(keyword)
                rules_of.setdefault(keyword, set()).add(i)
        # A keyword found runs the rules of every keyword it begins with (its prefixes that are keywords).
        triggers = {
            found: frozenset().union(*(rules_of.get(found[:n], ()) for n in range(1, len(found) + 1)))
            for found in leading | inner
        }
        object.__setattr__(self, "leading", frozenset(leading))
        object.__setattr__(self, "inner", frozenset(inner))
        object.__setattr__(self, "triggers", triggers)
        object.__setattr__(self, "_keywordless", frozenset(i for i, rule in enumerate(self.rules) if not rule.keywords))

    @cached_property
    def _leading_pattern(self) -> re.Pattern[str]:
        # Keywords that start a token are found in one regex pass that only stops where a word begins (the engine
        # skips through letters and digits on a character-class test); a match of the trie is the longest keyword
        # at that position, and the shorter ones it starts with are there too. The lookahead keeps matches
        # zero-width after the delimiter, so overlapping keywords are all seen. Compiled on first use: with
        # pyahocorasick, a scan never needs it.
        return re.compile(f"[^a-z0-9_](?=({_trie(self.leading)}))")

    def keywords_in(self, lowered: str) -> set[str]:
        found = set(self._leading_pattern.findall(lowered))
        found.update(self._leading_pattern.findall("\n" + lowered[:64]))  # a keyword at the very start of the text
        found.update(keyword for keyword in self.inner if keyword in lowered)
        return found

    def running(self, keywords: Iterable[str]) -> frozenset[int]:
        """The indices of the rules that a text holding `keywords` runs (`keywords_in`'s, or all those there)."""
        return self._keywordless.union(*(self.triggers[keyword] for keyword in keywords))

    def find(self, text: str, lowered: str, keywords: Iterable[str] | None = None) -> list[Hit]:
        """The hits of the rules that run on `text`, in their order; `keywords` as `keywords_in(lowered)` or an
        anchor scan found them."""
        found = self.keywords_in(lowered) if keywords is None else keywords
        hits: list[Hit] = []
        for i in sorted(self.running(found)):
            hits.extend(self.rules[i].find(text, lowered))
        return hits
