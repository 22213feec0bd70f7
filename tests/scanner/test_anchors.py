"""The literal prefilter in front of the regexes finds what the plain path finds.

`anchors.py` finds the token rules' keywords and the keyword detector's stems in one Aho-Corasick pass (the
frequent keywords by a search each); the plain path is the detectors' own regexes, which a scan uses without
pyahocorasick. Token rules with a line marker run on the marked lines only; the keyword detector skips a line's
patterns where a literal they need is missing. Hypothesis builds texts from what each of them bites on: keywords
and stems in every case, at word starts and inside words, overlapping stems, the characters that fold to ASCII
letters in a case-insensitive regex, newlines. CI runs 200 cases per property; `SECRETSCAN_FUZZ_LONG=1` 10,000.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secretscan.scanner import candidates
from secretscan.scanner.candidates import position_preserving_lower
from secretscan.scanner.rules import TOKEN_RULES, TokenRule, parameters
from secretscan.scanner.rules import keywords as keyword_rules
from secretscan.scanner.rules.anchors import AhoCorasickAnchors, RegexAnchors, ahocorasick
from secretscan.scanner.rules.tokens import FREQUENT_KEYWORDS

LONG = os.environ.get("SECRETSCAN_FUZZ_LONG") == "1"
FUZZ = settings(max_examples=10_000 if LONG else 200, deadline=None, database=None)
needs_ahocorasick = pytest.mark.skipif(ahocorasick is None, reason="pyahocorasick is not installed")

RULES = candidates._TOKEN_RULES
KEYWORDS = sorted({keyword for rule in TOKEN_RULES for keyword in rule.keywords})
SEPARATORS = [" ", "_", "-", ".", "=", ":", "/", "'", '"', "(", "\n", "\r\n", "\t", "é", "\u0130", "\u0131", "\u017f"]
SEPARATORS += ["\u212a", "x", "9", "A"]
STEM_PIECES = [*keyword_rules.STEMS, "password", "pwdx", "sshpassword", "create_superuser", "secretkey", "apikey"]


def keyword_piece(keyword: str) -> st.SearchStrategy[str]:
    return st.sampled_from([keyword, keyword.upper(), keyword.capitalize()])


TEXT_PIECES = st.one_of(
    st.sampled_from(KEYWORDS).flatmap(keyword_piece),
    st.sampled_from(STEM_PIECES).flatmap(keyword_piece),
    st.sampled_from(SEPARATORS),
)
TEXTS = st.lists(TEXT_PIECES, max_size=40).map("".join)


@needs_ahocorasick
@FUZZ
@given(TEXTS)
def test_one_pass_finds_the_anchors_that_the_regexes_find(text: str) -> None:
    lowered = position_preserving_lower(text)
    fast = AhoCorasickAnchors(RULES, FREQUENT_KEYWORDS).scan(lowered)
    plain = RegexAnchors(RULES).scan(lowered)
    assert fast.stems == plain.stems
    assert RULES.running(fast.keywords) == RULES.running(plain.keywords)


@needs_ahocorasick
@FUZZ
@given(TEXTS, st.sampled_from(["", "settings.py", "deploy.sh", ".env", "README.md"]))
def test_the_detectors_find_the_same_hits_from_either_anchors(text: str, path: str) -> None:
    lowered = position_preserving_lower(text)
    anchors = AhoCorasickAnchors(RULES, FREQUENT_KEYWORDS).scan(lowered)
    assert RULES.find(text, lowered, anchors.keywords) == RULES.find(text, lowered)
    assert keyword_rules.find_keyword_hits(text, lowered, path, anchors.stems) == keyword_rules.find_keyword_hits(
        text, lowered, path
    )


@needs_ahocorasick
@pytest.mark.parametrize("frequent", [(), FREQUENT_KEYWORDS, tuple(KEYWORDS)], ids=["none", "shipped", "all"])
def test_which_keywords_are_searched_one_by_one_changes_no_rule_that_runs(frequent: tuple[str, ...]) -> None:
    texts = ["su", "x su", "xsu", "a" * 22, "=" + "A" * 22, "sk-proj-" + "a" * 40, "path pat", "ghp_x", "aws su\nSX"]
    scanner = AhoCorasickAnchors(RULES, frequent)
    for text in texts:
        lowered = position_preserving_lower(text)
        assert RULES.running(scanner.scan(lowered).keywords) == RULES.running(RULES.keywords_in(lowered)), text


def test_a_scan_uses_aho_corasick_when_pyahocorasick_is_installed() -> None:
    expected = RegexAnchors if ahocorasick is None else AhoCorasickAnchors
    assert isinstance(candidates._ANCHORS, expected)


# ---------------------------------------------------------------- token rules on their marked lines

MARKED_RULES = [rule for rule in TOKEN_RULES if rule.line_marker]
# Whole assignments that the marked rules match, some with a letter that only a case-insensitive regex reads as
# ASCII (ſ for s, K for k), in among pieces of them.
MARKED_NAMES = ["aws_secret_access_key", "AWS_SECRET", "aws\u017fecret", "\u017fecret_access_key", "SECRET.ACCESS.KEY"]
MARKED_NAMES += ["secret-Access-\u212aey", "my_aws_key_secret"]
MARKED_NAMES += ["gs_secret", "JENKINS_API_TOKEN", "jen\u212ains-crumb", "sonar.login", "SONAR_TOKEN", "--token"]
MARKED_NAMES += ["TO\u212aEN", "OKTA_API_TOKEN", "o\u212ata", "Authorization: SSWS"]
MARKED_VALUES = ["A/b+" * 10, "Ab1" * 13 + "z", "0123456789abcdef" * 2 + "-us12", "123456789:AA" + "ab" * 16 + "x"]
MARKED_VALUES += ["11" + "0a1b2c3d" * 4, "0a1b2c3d" * 5, "k3x9qa.0a1b2c3d4e5f6g7h", "00" + "Ab3_" * 10]
MARKED_VALUES += ["Ab3dE5" + "0a1b2c" * 5 + "NRAL"]
MARKED_OPERATORS = [" = '", '": "', "=", ":", " => ", ", "]
MARKED_ASSIGNMENTS = st.tuples(
    st.sampled_from(MARKED_NAMES), st.sampled_from(MARKED_OPERATORS), st.sampled_from(MARKED_VALUES)
).map("".join)
MARKED_PIECES = ["aws", "Secret", "-us", "-US", ":AA", "jenkins", "Sonar", "token", "PsExec -u a -p ", "P\u017fexec"]
MARKED_PIECES += ["kubeadm join", "--token ", "ssws ", "NRAL"]
MARKED_PIECES += ["password '", "The Password is \"", "pa\u017fsword is '", "Facebook"]
MARKED_PIECES += ["'", '"', "\n", "\r\n", " ", "x", "12", "\u0130", "\u0131", "é"]
MARKED_TEXTS = st.lists(st.one_of(MARKED_ASSIGNMENTS, st.sampled_from(MARKED_PIECES + MARKED_VALUES)), max_size=12)


def test_the_shipped_rules_with_a_line_marker() -> None:
    assert {rule.id for rule in MARKED_RULES} == {
        "aws-secret-access-key",
        "mailchimp-api-key",
        "telegram-bot-token",
        "gcs-hmac-secret",
        "jenkins-token",
        "sonarqube-login",
        "kubernetes-bootstrap-token",
        "psexec-password",
        "okta-api-token",
        "newrelic-license-key",
        "gradle-credentials-password",
        "password-in-prose",
        "facebook-app-secret",
    }


@pytest.mark.parametrize("rule", MARKED_RULES, ids=lambda rule: rule.id)
@FUZZ
@given(MARKED_TEXTS.map("".join))
def test_a_rule_on_its_marked_lines_finds_what_it_finds_on_the_text(rule: TokenRule, text: str) -> None:
    assert list(rule.find(text, position_preserving_lower(text))) == list(rule.find(text))


# ---------------------------------------------------------------- parameters from their `=`

# `name=value` with names up to past the longest (61) and values up to past the longest (300), after what may open
# a parameter, in among the characters that end or join them.
PARAMETERS = st.tuples(
    st.sampled_from(["?", "&", ";", '"', "'", " ", "(", "\n", "x", "", "."]),
    st.integers(1, 64).map(lambda n: ("token_" * 11)[:n]),
    st.sampled_from(["=", "=="]),
    st.integers(4, 305).map(lambda n: ("ab=1?(" * 51)[:n]),
).map("".join)
PARAMETER_PIECES = ["&", "?", ";", '"', "'", " ", "(", "\n", "\r", "-", "%5B", "[0]", ".", "é", "\u0660", "=" * 7]


@FUZZ
@given(st.lists(st.one_of(PARAMETERS, st.sampled_from(PARAMETER_PIECES)), max_size=12).map("".join))
def test_parameters_tried_from_their_equals_signs_are_those_found_everywhere(text: str) -> None:
    found = [(match.span(), match.groupdict()) for match in parameters.parameter_matches(text)]
    assert found == [(match.span(), match.groupdict()) for match in parameters._PARAMETER.finditer(text)]


# ---------------------------------------------------------------- what a keyword line's patterns need

PLAIN_CALL = re.compile(
    r"(?<=[\w$])\([ \t]*[\"'][#.]?(?P<name>[\w.-]{2,80})[\"'][ \t]*,[ \t]*" + keyword_rules._QUOTED_VALUE
)
LINE_PIECES = ["setPassword", "withApiKey", ".password", ".key", "define", "db_password", "(", ")", " ", "\t", '"']
LINE_PIECES += ["'", "`", '\\"', "r", "b", "@", "Some(", "Base64.decode(", ",", "s3cr3t", "$", "x", "{", "[", "]", "}"]
LINE_PIECES += ["0x5c", "12", ", ", "key = ", "Bearer ", "Basic ", "token ", "Digest ", "auth", "abcdefgh12", "curl"]
LINE_PIECES += ["-u", "--user", "=", "user:pass", "é", "0x5c, " * 15, "7,8,9," * 5]
LINES = st.lists(st.sampled_from(LINE_PIECES), max_size=30).map("".join)


@FUZZ
@given(LINES)
def test_a_call_is_what_the_plain_regex_found(line: str) -> None:
    found = [(match.span(), match.groupdict()) for match in keyword_rules._CALL.compiled.finditer(line)]
    assert found == [(match.span(), match.groupdict()) for match in PLAIN_CALL.finditer(line)]


@FUZZ
@given(LINES)
def test_a_line_that_a_gate_turns_away_has_nothing_for_its_patterns(line: str) -> None:
    lower = line.lower()
    if keyword_rules._LITERAL_ARGUMENT.compiled.search(line) is None:
        for pattern in (keyword_rules._CALL, keyword_rules._SETTER, keyword_rules._CREDENTIAL_CALL):
            assert pattern.compiled.search(line) is None
    if keyword_rules._STRING_ARGUMENT.compiled.search(line) is None:
        assert keyword_rules._CREDENTIAL_CALL.compiled.search(line) is None
    if keyword_rules._BYTE_LIST.compiled.search(line) is None:
        assert keyword_rules._BYTE_ARRAY.compiled.search(line) is None
    if not any(scheme in lower for scheme in ("bearer", "basic", "token", "digest")):
        assert keyword_rules._AUTH_SCHEME.compiled.search(line) is None
    if "-u" not in line:
        assert keyword_rules._USER_COLON_PASSWORD.compiled.search(line) is None
