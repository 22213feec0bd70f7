"""ReDoS: the candidate stage and the filters stay linear on adversarial text (benchmarks/bench_redos.py's inputs,
at 100 KB).

A regex that backtracks super-linearly turns one crafted file into a scan that never ends: a quadratic one runs for
hours on a megabyte. Each input gets 2 s of CPU for `find_candidates` on the whole text, with a config `[[rules]]`
regex, where a linear pass over 100 KB takes at most a few hundred ms. CPU time, so that a busy machine doesn't
fail a linear detector; `re` checks for signals while it matches, so an input that runs over is stopped at the
limit instead of holding CI. The figures at 1 MB: `python benchmarks/bench_redos.py`.
"""

from __future__ import annotations

import pytest
from benchmark_scripts import load_benchmark_script

from secretscan.engine import scan_units
from secretscan.scanner.candidates import find_candidates, position_preserving_lower
from secretscan.scanner.rules import TOKEN_RULES, RuleSet, TokenRule
from secretscan.scanner.types import ScanUnit

SIZE = 100_000
LIMIT_S = 2.0
bench = load_benchmark_script("bench_redos.py")


def scan_within_the_limit(text: str) -> None:
    with bench.deadline(LIMIT_S):
        find_candidates(ScanUnit(bench.PATH, text), (bench.USER_RULE,))


@pytest.mark.parametrize("name", list(bench.class_runs(10)))
def test_long_runs_of_each_character_class(name: str) -> None:
    scan_within_the_limit(bench.class_runs(SIZE)[name])


@pytest.mark.parametrize("rule", TOKEN_RULES, ids=lambda r: r.id)
def test_near_misses_of_each_token_rule(rule: TokenRule) -> None:
    for text in bench.token_near_misses(rule, SIZE).values():
        scan_within_the_limit(text)


@pytest.mark.parametrize(
    ("family", "name"),
    [
        pytest.param(family, name, id=f"{family}: {name}")
        for family, inputs in bench.FAMILY_NEAR_MISSES.items()
        for name in inputs
    ],
)
def test_near_misses_of_each_detector_family(family: str, name: str) -> None:
    scan_within_the_limit(bench.family_near_misses(family, SIZE)[name])


@pytest.mark.parametrize("rule", TOKEN_RULES, ids=lambda r: r.id)
def test_every_token_rule_runs_on_its_near_misses(rule: TokenRule) -> None:
    """The keyword prefilter lets each rule's regex see its near misses: else the timings above prove nothing."""
    alone = RuleSet((rule,))
    texts = bench.token_near_misses(rule, 1_000).values()
    assert not rule.keywords or all(alone.keywords_in(position_preserving_lower(text)) for text in texts)


@pytest.mark.parametrize("name", list(bench.filter_near_misses(10)))
def test_the_filters_on_a_long_line_that_holds_a_token(name: str) -> None:
    """The engine's filters read a candidate's whole line, and a token may sit in a minified line of any length."""
    text = bench.filter_near_misses(SIZE)[name]
    with bench.deadline(LIMIT_S):
        result = scan_units([ScanUnit(bench.PATH, text)], bench.RULES_ONLY, None)
    assert result.stats.candidates == 1
