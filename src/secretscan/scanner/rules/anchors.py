"""One pass over a unit's lowercased text that finds the literal anchors of the detectors: the token rules'
keywords (which rules run) and the keyword detector's stems (which lines it parses).

With pyahocorasick (a C extension, wheels for Linux, macOS and Windows) the pass is one Aho-Corasick automaton
over every anchor; without it, the regexes that the two detectors run on their own (`RuleSet.keywords_in`,
`keywords.stem_starts`) find the same. Either way the detectors see the same anchors, so they find the same hits.

A few token keywords are in most texts (nats' `su`, `so`, `sc`…, airtable's `pat`) and would make up nearly all
of the automaton's matches, each one a Python tuple: those are looked for one at a time, with a search that stops
at the first, and not at all once the rules they run are running anyway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from secretscan.scanner.rules.base import RuleSet
from secretscan.scanner.rules.keywords import STEMS, stem_starts

try:
    import ahocorasick
except ImportError:  # the plain path below finds the same anchors
    ahocorasick = None  # type: ignore[assignment]

# What `RuleSet`'s keyword regex counts as inside a word (it runs on the lowercased text).
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class Anchors:
    keywords: frozenset[str]  # token keywords found (what RuleSet.find takes)
    stems: list[int]  # where the stems start, as `_STEMS.finditer` finds them (what find_keyword_hits takes)


class AnchorScanner(Protocol):
    def scan(self, lowered: str) -> Anchors: ...


class RegexAnchors:
    """The anchors as the detectors find them alone: the plain path, and the one without pyahocorasick."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def scan(self, lowered: str) -> Anchors:
        return Anchors(frozenset(self.rules.keywords_in(lowered)), stem_starts(lowered))


class _Word(NamedTuple):
    """What an automaton word stands for: a token keyword (leading, inner or both), a stem, or several of these."""

    text: str
    leading: bool
    inner: bool
    stem: int  # its place among the stems (the regex's alternatives), -1 for none


class _Frequent(NamedTuple):
    keyword: str
    search: re.Pattern[str]
    runs: frozenset[int]  # the rules its presence runs


def _frequent(rules: RuleSet, keyword: str) -> _Frequent:
    escaped = re.escape(keyword)
    # A leading keyword counts where a word starts; the lookbehind after the literal lets the engine jump to it.
    pattern = escaped if keyword in rules.inner else f"{escaped}(?<![a-z0-9_]{escaped})"
    return _Frequent(keyword, re.compile(pattern), rules.triggers[keyword])


class AhoCorasickAnchors:
    """Every anchor in one pass of an Aho-Corasick automaton, the frequent keywords by a search each."""

    def __init__(self, rules: RuleSet, frequent: Sequence[str]) -> None:
        if ahocorasick is None:
            raise RuntimeError("pyahocorasick is not installed")
        self.rules = rules
        self._frequent = [_frequent(rules, keyword) for keyword in frequent]
        words: dict[str, _Word] = {}
        for keyword in (rules.leading | rules.inner) - set(frequent):
            words[keyword] = _Word(keyword, keyword in rules.leading, keyword in rules.inner, -1)
        for order, stem in enumerate(STEMS):
            word = words.get(stem, _Word(stem, False, False, -1))
            words[stem] = word._replace(stem=order)
        self._automaton = ahocorasick.Automaton()
        for text, word in words.items():
            self._automaton.add_word(text, word)
        self._automaton.make_automaton()

    def scan(self, lowered: str) -> Anchors:
        found: set[str] = set()
        stems: list[tuple[int, int, int]] = []
        for end, word in self._automaton.iter(lowered):
            start = end - len(word.text) + 1
            if word.stem >= 0:
                stems.append((start, word.stem, len(word.text)))
            if word.inner or (word.leading and (start == 0 or lowered[start - 1] not in _WORD_CHARS)):
                found.add(word.text)
        running = self.rules.running(found)
        for frequent in self._frequent:
            if not frequent.runs <= running and frequent.search.search(lowered) is not None:
                found.add(frequent.keyword)
                running |= frequent.runs
        return Anchors(frozenset(found), _first_alternatives(stems))


def _first_alternatives(stems: list[tuple[int, int, int]]) -> list[int]:
    """Of every stem in the text as (start, place among the alternatives, length), the starts of those that the
    stem regex's `finditer` matches: the leftmost, at a place the first alternative there, then on after its end."""
    starts = []
    resume = 0
    for start, _, length in sorted(stems):
        if start >= resume:
            starts.append(start)
            resume = start + length
    return starts


def anchor_scanner(rules: RuleSet, frequent: Sequence[str]) -> AnchorScanner:
    """Aho-Corasick when pyahocorasick is installed, else the detectors' own regexes."""
    return RegexAnchors(rules) if ahocorasick is None else AhoCorasickAnchors(rules, frequent)
