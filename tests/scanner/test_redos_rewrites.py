"""The regexes rewritten to stay linear (test_redos.py) find exactly what their plain forms found.

Each plain form is the regex as the format is written down, run the way `TokenRule` ran it before (every match
the engine finds, then the word-start check). Hypothesis builds lines from the pieces each one bites on: heads
repeated, runs, the characters that end a run or fail its end check. CI runs 200 cases per property;
`SECRETSCAN_FUZZ_LONG=1` runs 10,000.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secretscan.scanner import filters, suppress
from secretscan.scanner.rules import TOKEN_RULES, identifiers
from secretscan.scanner.rules import keywords as keyword_rules
from secretscan.scanner.rules.base import matches_in_lines

LONG = os.environ.get("SECRETSCAN_FUZZ_LONG") == "1"
FUZZ = settings(max_examples=10_000 if LONG else 200, deadline=None, database=None)
_END = r"(?![A-Za-z0-9_-])"

PLAIN_TOKEN_RULES = {
    "facebook-access-token": r"EAA[CM][A-Za-z0-9]{100,}" + _END,
    "jwt": r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}" + _END,
    "sentry-token": r"(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/=_]{60,})" + _END,
    "slack-bot-token": r"xoxb-[0-9]{8,14}-[0-9A-Za-z-]{16,}" + _END,
    # The format's `(?:\d-)?`, with ASCII digits: the rewrite takes it as part of the run.
    "slack-legacy-token": r"xox[aors]-(?:[0-9]-)?[0-9A-Za-z-]{10,}" + _END,
}
TOKEN_PIECES = {
    "facebook-access-token": ["EAAC", "EAAM", "A", "z9" * 10, "z9" * 40, "_", "-", " ", "é"],
    "jwt": ["eyJ", "eyJhbGciOiJIUzI1NiJ9", ".", "a" * 10, "-", "_", " ", "+"],
    "sentry-token": ["sntrys_eyJ", "sntryu_", "f0" * 16, "a" * 30, "+", "/", "=", "_", "-", " "],
    "slack-bot-token": ["xoxb-", "0123", "12345678", "-", "_", "aB" * 4, " ", "٣"],
    "slack-legacy-token": ["xoxa-", "xoxs-", "1-", "٣", "-", "_", "aZ0" * 2, " "],
}
RULES = {rule.id: rule for rule in TOKEN_RULES}


def pieces(choices: list[str], max_size: int = 30) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(choices), max_size=max_size).map("".join)


def plain_spans(rule_id: str, text: str) -> list[tuple[int, int]]:
    rule = RULES[rule_id]
    spans = []
    for match in re.finditer(PLAIN_TOKEN_RULES[rule_id], text):
        if match.start() > 0 and (text[match.start() - 1].isalnum() or text[match.start() - 1] == "_"):
            continue
        if rule.validate is None or rule.validate(match.group()):
            spans.append(match.span())
    return spans


@pytest.mark.parametrize("rule_id", sorted(PLAIN_TOKEN_RULES))
@FUZZ
@given(st.data())
def test_the_token_rules_find_what_their_plain_regexes_found(rule_id: str, data: st.DataObject) -> None:
    text = data.draw(pieces(TOKEN_PIECES[rule_id]))
    assert [(hit.start, hit.end) for hit in RULES[rule_id].find(text)] == plain_spans(rule_id, text)


PLAIN_NAME_BEFORE_VALUE = re.compile(
    r"([A-Za-z_$@][\w.$@-]*)(?:\\?[\"'\]])*\s*(?:[:=!]=*>?|,|<-|\(|\s)\s*[rbuRBU@]?\\?[\"'`]?$"
)
NAME_PIECES = ["a", "Z", "_", "$", "@", "9", ".", "-", "é", " ", "\t", "=", ":", "!", ">", ",", "<-", "(", "\\"]
NAME_PIECES += ['"', "'", "]", "`", "r", "u", "#", "key", "\xa0"]


@FUZZ
@given(pieces(NAME_PIECES, 14))
def test_the_name_before_a_value_is_what_the_plain_regex_found(before: str) -> None:
    plain = PLAIN_NAME_BEFORE_VALUE.search(before)
    found = filters._NAME_BEFORE_VALUE.search(before)
    assert (found and found.span(1)) == (plain and plain.span(1))


PLAIN_PEM_BODY_LINE = re.compile(
    r"""[ \t]*[+,]?[ \t]*[rbu]?["'`]?[A-Za-z0-9+/]{1,200}={0,2}(?:\\n)?["'`]?[ \t]*[+,;)]?[ \t]*\\?"""
)
PEM_PIECES = [" ", "\t", "+", ",", "r", "b", '"', "'", "`", "A", "z", "0", "/", "=", "\\n", "\\", ";", ")", "#"]


@FUZZ
@given(pieces(PEM_PIECES, 12))
def test_a_pem_body_line_is_what_the_plain_regex_took(line: str) -> None:
    assert (filters._PEM_BODY_LINE.fullmatch(line) is None) == (PLAIN_PEM_BODY_LINE.fullmatch(line) is None)


PLAIN_ALLOW_COMMENT = re.compile(
    r"(?:#|//|/\*|<!--|--|;|%).*?(?:secretscan:[ \t]*allow\b|pragma:[ \t]?allowlist[ -]secret\b|gitleaks:allow\b)"
)
ALLOW_PIECES = ["#", "//", "/*", "<!--", "--", "-", ";", "%", "/", " ", "allow", "x", "allowx", "secretscan:"]
ALLOW_PIECES += ["secretscan: allow", "pragma: allowlist secret", "pragma:allowlist-secret", "gitleaks:allow"]


@FUZZ
@given(pieces(ALLOW_PIECES, 8))
def test_an_allow_comment_is_what_the_plain_regex_found(line: str) -> None:
    assert suppress.is_allowed_inline(line) == (PLAIN_ALLOW_COMMENT.search(line) is not None)


PLAIN_SECRET_ENTRY = re.compile(
    r"(?P<indent>[ \t]+)(?P<name>[\w.-]+):[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s#|>][^#\n]*?))[ \t]*(?:#.*)?\r?"
)
ENTRY_GROUPS = ("indent", "name", "dq", "sq", "bare")
ENTRY_VALUE_PIECES = [" ", "\t", "a", "-", ":", '"', "'", "#", "|", ">", "\r", "x", "\xa0", "\x0b", "="]


@FUZZ
@given(pieces([" ", "\t"], 3), pieces(["a", ".", "-"], 3), pieces(ENTRY_VALUE_PIECES, 12))
def test_a_kubernetes_secret_entry_is_read_as_the_plain_regex_read_it(indent: str, name: str, value: str) -> None:
    line = f"{indent}{name}:{value}"
    plain = PLAIN_SECRET_ENTRY.fullmatch(line)
    found = keyword_rules._SECRET_ENTRY.compiled.fullmatch(line)
    assert (found and [found.span(g) for g in ENTRY_GROUPS]) == (plain and [plain.span(g) for g in ENTRY_GROUPS])


# Lines made of what the parameter and UUID patterns bite on: names, `=`, the characters that open or end a
# parameter, hex runs and dashes, newlines (each line stands alone) and `\r`.
LINE_PIECES = ["token", "a_b", "=", "&", "?", ";", '"', "'", " ", "(", "\n", "\r", "\r\n", "x" * 6, "ab12", "-"]
LINE_PIECES += ["0123abcd", "-12ab-", "-ffff", "0" * 12, "AROA", "AIDA", "ABCDEFGH12345678", "é", "%5B"]


@FUZZ
@given(pieces(LINE_PIECES, 40))
def test_uuids_on_their_marked_lines_are_those_found_on_the_text(text: str) -> None:
    # The parameters' counterpart, tried from each `=`, is in test_anchors.py.
    marked = matches_in_lines(identifiers._UUID, text, identifiers._UUID_INNER)
    found = [(match.span(), match.groupdict()) for match in marked]
    assert found == [(match.span(), match.groupdict()) for match in identifiers._UUID.finditer(text)]


PLAIN_AWS_UNIQUE_ID = re.compile(r"(?<![A-Za-z0-9])A(?:ROA|IDA|NPA|GPA|IPA|NVA|PKA)[A-Z0-9]{16,17}(?![A-Za-z0-9])")


@FUZZ
@given(pieces(LINE_PIECES, 20))
def test_an_aws_unique_id_is_what_the_plain_regex_found(text: str) -> None:
    found = [match.span() for match in identifiers._AWS_UNIQUE_ID.finditer(text)]
    assert found == [match.span() for match in PLAIN_AWS_UNIQUE_ID.finditer(text)]
