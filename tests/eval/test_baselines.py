"""The naive keyword and entropy baselines."""

from __future__ import annotations

import pytest

from secretscan.eval.baselines import entropy_hits, keyword_hits, shannon_entropy


def test_keyword_baseline_flags_every_keyword_assignment_whatever_the_value() -> None:
    text = "\n".join(
        [
            'db_password = "hunter2"',  # 1
            '"api_key": "abc123",',  # 2: JSON key with its closing quote before the colon
            "GITHUB_TOKEN=${GITHUB_TOKEN}",  # 3: an env lookup, still a hit for a naive grep
            "secret: ''",  # 4
            "tokenizer = load()",  # 5: no assignment right after the keyword
            "print(password)",  # 6
            "APIKEY = 'x'",  # 7
        ]
    )
    assert keyword_hits(text) == [(1, "hunter2"), (2, "abc123"), (3, "${GITHUB_TOKEN}"), (4, ""), (7, "x")]


def test_shannon_entropy_by_hand() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abab") == pytest.approx(1.0)
    assert shannon_entropy("0123456789abcdef") == pytest.approx(4.0)


def test_entropy_baseline_flags_long_random_quoted_strings_only() -> None:
    text = "\n".join(
        [
            'key = "q8ZxT2vLp9RwN4sK7mBd"',  # 1: random, 20 chars
            'name = "aaaaaaaaaaaaaaaaaaaaaa"',  # 2: long but no entropy
            'short = "q8ZxT2vLp9"',  # 3: too short
            "unquoted = q8ZxT2vLp9RwN4sK7mBd",  # 4: not quoted
            "sha = '3f786850e387550fdab836ed7e6dc881de23001b'",  # 5: a hash: naive entropy flags it
            'msg = "this is a sentence with words"',  # 6: spaces are not one string
        ]
    )
    assert [line for line, _ in entropy_hits(text)] == [1, 5]
