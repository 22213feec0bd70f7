"""ReDoS: every detector on adversarial text, in ms per MB. A regex that backtracks super-linearly shows here.

    python benchmarks/bench_redos.py [--size BYTES] [--limit SECONDS]

The inputs are built here:
- long runs of each character class (letters, digits, `=`, `-`, `_`, `/`, spaces, quotes), as one line, and as
  secret-named assignment lines as long as the per-line detectors read;
- near misses of each token rule: its head (`ghp_` and 36 characters, `xoxb-09090909-`), then a long run of
  characters its body accepts, ended where the rule can't match; the head with a few of those characters,
  repeated to the end, and its literal prefix (`eyJ`) repeated, so that a match starts every few characters and
  has to fail;
- near misses of the other detector families (keyword assignments, connection strings, URL parameters,
  identifiers, private key blocks, quoted strings) and of the judgement-call filters that the engine runs on a
  candidate's whole line.

Each detector is timed on the runs and on its family's near misses (each token rule's regex alone, without the
keyword prefilter), and the whole candidate stage on the runs and every family's near misses; the user-rule row is
the whole stage with a config `[[rules]]` regex. The table shows each one's worst input in ms (of CPU) per MB.
A detector still running after --limit CPU seconds is stopped (`re` checks for signals while it matches) and
reported as super-linear: at 1 MB a quadratic regex runs for hours. tests/scanner/test_redos.py runs the same
inputs at 100 KB.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from secretscan.config import Config, ExtraRule
from secretscan.engine import scan_units
from secretscan.scanner.candidates import find_candidates, position_preserving_lower
from secretscan.scanner.rules import TOKEN_RULES, Hit, RuleSet, TokenRule
from secretscan.scanner.rules.connection import find_connection_string_hits, find_url_credential_hits
from secretscan.scanner.rules.entropy import find_entropy_hits
from secretscan.scanner.rules.identifiers import find_identifier_hits, find_jwk_hits
from secretscan.scanner.rules.keywords import MAX_LINE_CHARS, find_keyword_hits
from secretscan.scanner.rules.parameters import find_parameter_hits
from secretscan.scanner.rules.private_keys import find_private_key_hits
from secretscan.scanner.types import ScanUnit

# The parse tree of a rule's regex tells where its literal head ends. Python has no public parser: this is the one
# `re` itself uses (named `sre_parse` before Python 3.11), with the opcode names it exports.
if sys.version_info >= (3, 11):
    from re import _parser as sre_parser  # type: ignore[attr-defined]
else:
    import sre_parse as sre_parser
BRANCH, CATEGORY, IN, LITERAL = sre_parser.BRANCH, sre_parser.CATEGORY, sre_parser.IN, sre_parser.LITERAL
MAX_REPEAT, MIN_REPEAT = sre_parser.MAX_REPEAT, sre_parser.MIN_REPEAT
RANGE, SUBPATTERN = sre_parser.RANGE, sre_parser.SUBPATTERN
CATEGORY_SAMPLES = {sre_parser.CATEGORY_DIGIT: "0", sre_parser.CATEGORY_WORD: "a"}

DEFAULT_SIZE = 1_000_000
DEFAULT_LIMIT_S = 10.0
# A config file: the keyword detector reads unquoted values there, so it has the most to try.
PATH = "adversarial.env"
# A POSSIBLE token (AWS has no checksum), so that every filter looks at it.
SAMPLE_TOKEN = "AK" + "IA" + "QX7BNR2M5T6YW3ZC"
USER_RULE = ExtraRule("acme-token", r"acme_[a-z0-9]{32}(?![a-z0-9])")
RULES_ONLY = Config(backend="none")

RUN_CHARACTERS = {
    "lowercase": "a",
    "uppercase": "A",
    "digits": "7",
    "equals signs": "=",
    "dashes": "-",
    "underscores": "_",
    "slashes": "/",
    "spaces": " ",
    "double quotes": '"',
    "single quotes": "'",
    "backticks": "`",
}
# A near miss ends with a character the token's end check rejects: `_` or `-` just after a run that stops short
# of it makes the final `(?![A-Za-z0-9_-])` fail, so every start backtracks through the run.
NEAR_MISS_ENDS = ("_", "-")
# Characters of the body between two repeated heads: enough for a short bounded part, never a whole token.
SHORT_RUN = 8
# Bounded parts up to this long are written out in the head (`{36}`, `{8,14}`); longer ones start the run.
HEAD_REPEAT_LIMIT = 400

Text = Callable[[int], str]
Detector = Callable[[str], object]


def repeat(chunk: str, size: int) -> str:
    """`chunk` over and over, cut to `size` characters."""
    return (chunk * (size // len(chunk) + 1))[:size]


def assignment_lines(head: str, run: str, size: int) -> str:
    """Lines of `head` and then `run`, each as long as the per-line detectors read, up to `size` characters."""
    line = head + repeat(run, MAX_LINE_CHARS - len(head)) + "\n"
    return repeat(line, size)


def class_runs(size: int) -> dict[str, str]:
    """A long run of each character class: one line of it, and secret-named assignment lines of it."""
    inputs = {}
    for name, char in RUN_CHARACTERS.items():
        inputs[f"{name}, one line"] = char * size
        inputs[f"{name}, after `secret_key = \"`"] = assignment_lines('secret_key = "', char, size)
    return inputs


# ---------------------------------------------------------------- token rules


@dataclass(frozen=True)
class Head:
    """What a token rule's regex starts with: fixed text, then the characters of its first long run."""

    text: str
    run: str
    # The start of `text` that every match begins with, up to the first repeat written out (`xoxb-`, `eyJ`).
    prefix: str = ""

    def then(self, chars: str, run: str = "", *, repeated: bool = False) -> Head:
        grows = not repeated and self.prefix == self.text
        return Head(self.text + chars, run or self.run, self.prefix + chars if grows else self.prefix)


def _sample(members: list[tuple[Any, Any]]) -> str:
    """A few characters of a set: the ends of each range, each literal, a digit for `\\d`, a letter for `\\w`."""
    chars: list[str] = []
    for op, arg in members:
        if op is LITERAL:
            chars.append(chr(arg))
        elif op is RANGE:
            chars += [chr(arg[0]), chr(arg[1])]
        elif op is CATEGORY:
            chars.append(CATEGORY_SAMPLES.get(arg, ""))
        else:
            return ""  # a negated set: nothing to run on
    return "".join(dict.fromkeys("".join(chars)))


def _item_sample(items: list[tuple[Any, Any]]) -> str:
    """The characters one repeated item stands for: a literal, or a sample of a set."""
    if len(items) != 1:
        return ""
    op, arg = items[0]
    if op is LITERAL:
        return chr(arg)
    if op is IN:
        return _sample(arg)
    return ""


def _heads(items: list[tuple[Any, Any]], start: Head) -> list[Head]:
    """Walk the parse tree: literals and bounded parts are written out, optional parts skipped, alternatives forked.

    The walk stops after the fixed part of the first long repeat (its characters become the run), or at anything
    else.
    """
    heads = [start]
    for op, arg in items:
        if op is LITERAL:
            heads = [h.then(chr(arg)) for h in heads]
        elif op is IN and (chars := _sample(arg)):
            heads = [h.then(chars[0], chars) for h in heads]
        elif op is SUBPATTERN:
            heads = [end for h in heads for end in _heads(arg[3], h)]
        elif op is BRANCH:
            heads = [end for h in heads for branch in arg[1] for end in _heads(branch, h)]
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, high, body = arg
            if low == 0:
                continue  # optional: a near miss may leave it out
            run = _item_sample(body)
            if not run:
                return heads
            heads = [h.then(repeat(run, low), run, repeated=True) for h in heads]
            if high > HEAD_REPEAT_LIMIT:
                return heads
        else:
            return heads  # a lookahead, a negated set: the head ends here
    return heads


def rule_heads(rule: TokenRule) -> list[Head]:
    """Every literal head of the rule's regex (one per alternative), each with the characters its run accepts."""
    found = _heads(list(sre_parser.parse(rule.regex, rule.flags)), Head("", "0"))
    return list({head.text: head for head in found if head.text}.values())


def _runs_on(rule: TokenRule, text: str) -> bool:
    """Does the keyword prefilter let `rule` run on `text`?"""
    return bool(RuleSet((rule,)).keywords_in(position_preserving_lower(text)))


def token_near_misses(rule: TokenRule, size: int) -> dict[str, str]:
    """Near misses of a token rule, about `size` characters each.

    Each head and then a long run of what its body accepts (one long match to try); the head with a short run,
    repeated (a match to try every few characters, each running to the end); its prefix alone, repeated (a match
    to try at every prefix). Each ends with a character the token's end check rejects and its body doesn't take.
    """
    inputs = {}
    for head in rule_heads(rule):
        label = repr(head.text[:40])
        end = next((char for char in NEAR_MISS_ENDS if char not in head.run), NEAR_MISS_ENDS[0])
        variants = {
            f"{label} + a long run": (head.text, head.text + repeat(head.run, size - len(head.text))),
            f"{label} + a short run, repeated": (head.text, repeat(head.text + repeat(head.run, SHORT_RUN), size)),
        }
        if head.prefix:
            variants[f"{head.prefix!r} repeated"] = (head.prefix, repeat(head.prefix, size))
        # A start after a character that is no word character but the run takes (`-eyJ…-eyJ…`) is a word start:
        # the check that a token begins a word rules none of these out.
        if sep := next((char for char in head.run if not (char.isalnum() or char == "_")), ""):
            chunk = sep + head.text + repeat(head.run, SHORT_RUN)
            variants[f"{label} after {sep!r} + a short run, repeated"] = (chunk, repeat(chunk, size))
        for name, (chunk, text) in variants.items():
            # A chunk without the rule's keyword (`https://[\w-]+\.webhook…`, `sk-` before `T3BlbkFJ`) gets it on a
            # line of its own: the prefilter runs a rule only on a text that holds one.
            inputs[name] = text + end + ("" if _runs_on(rule, chunk) else "\n" + rule.keywords[0])
    return inputs


# ---------------------------------------------------------------- the other detector families


def _k8s_secret(run: str) -> Text:
    return lambda size: "kind: Secret\ndata:\n  password: a" + repeat(run, size) + "x\n"


FAMILY_NEAR_MISSES: dict[str, dict[str, Text]] = {
    "keywords": {
        "an unclosed quote": lambda size: assignment_lines('password = "', "a", size),
        "a bare value": lambda size: assignment_lines("password = ", "aZ7", size),
        "stems on every line": lambda size: assignment_lines("", "pass", size),
        "a setter's unclosed string": lambda size: assignment_lines('setPassword("', "a", size),
        "an unclosed XML element": lambda size: assignment_lines("<password>", "a", size),
        "XML keys without an end": lambda size: assignment_lines("<add ", 'key="password" ', size),
        "a command-line flag": lambda size: assignment_lines("--password ", "a", size),
        "a mysql -p": lambda size: assignment_lines("mysql -p", "a", size),
        "auth schemes": lambda size: assignment_lines("auth ", "Bearer abcdefghijk ", size),
        "curl -u user:": lambda size: assignment_lines("curl -u user:", "a", size),
        "a Dockerfile ENV": lambda size: assignment_lines("ENV PASSWORD ", "a", size),
        "SQL IDENTIFIED BY": lambda size: assignment_lines("CREATE USER x IDENTIFIED BY ", "a", size),
        "credential call arguments": lambda size: assignment_lines("newCredential(", '"a", ', size),
        "a Kubernetes Secret value of letters": _k8s_secret("a"),
        "a Kubernetes Secret value of spaces": _k8s_secret(" "),
        "a name: with no value:": lambda size: "- name: DB_PASSWORD\n  value: " + repeat("a", size) + "\n",
        "a config directive": lambda size: assignment_lines("requirepass ", "a b", size),
    },
    "connection strings": {
        "schemes with no @": lambda size: repeat("postgres://user:", size) + "@",
        "a password that never ends": lambda size: "postgres://user:" + repeat("a", size) + "\n@",
        "ADO keys": lambda size: assignment_lines("Server=x;Password=", " password=", size),
        "a JDBC query": lambda size: assignment_lines("jdbc:x://h?a=1&password=", "a", size),
    },
    "parameters": {
        "repeated token parameters": lambda size: repeat("?access_token=", size),
        "empty parameters": lambda size: repeat("&a=", size),
        "a parameter that never ends": lambda size: "x?access_token=" + repeat("a", size),
    },
    "identifiers": {
        "UUID heads": lambda size: repeat("0123abcd-", size),
        "AWS principal heads": lambda size: repeat("AROA", size),
        "a Google client ID head": lambda size: repeat("123456-", size) + ".apps.googleusercontent.com",
        "a Firebase host head": lambda size: repeat("a-", size) + ".firebaseapp.com",
        "a JWK member that never ends": lambda size: '{"kty":"RSA","d":"' + repeat("a", size),
        "JWK members": lambda size: '{"kty":"RSA",' + repeat('"d":"', size),
    },
    "private keys": {
        "a BEGIN with no END": lambda size: "-----BEGIN RSA PRIVATE KEY-----\n" + repeat("QUJD\n", size),
        "BEGIN markers": lambda size: repeat("-----BEGIN PRIVATE KEY-----", size),
        "END markers": lambda size: "private key" + repeat("-----END PRIVATE KEY-----", size),
        "a BEGIN that never ends": lambda size: "-----BEGIN " + repeat("A", size),
    },
    "entropy": {
        "an unclosed quote": lambda size: '"' + repeat("a", size),
        "mixed quotes": lambda size: repeat("'a\"b`c", size),
        "long quoted strings": lambda size: repeat('"' + repeat("aZ7+/", 995) + "x", size),
    },
    "user rule": {
        "its head repeated": lambda size: repeat("acme_", size),
        "its head and a long run": lambda size: "acme_" + repeat("a", size),
    },
}


def family_near_misses(family: str, size: int) -> dict[str, str]:
    return {name: make(size) for name, make in FAMILY_NEAR_MISSES[family].items()}


# The engine's filters read a candidate's whole line, which a token may share with a minified bundle: a long run,
# then what comes between it and the token. Digits are the control: no filter's name or comment pattern starts there.
FILTER_NEAR_MISSES: dict[str, tuple[str, str]] = {
    "letters, then # and a token": ("a", "#"),
    "spaces, then # and a token": (" ", "#"),
    "digits, then # and a token": ("7", "#"),
}


def filter_near_misses(size: int) -> dict[str, str]:
    """Lines that hold a token and a long run, for the filters the engine runs on each candidate's line."""
    inputs = {name: repeat(run, size) + sep + SAMPLE_TOKEN + "\n" for name, (run, sep) in FILTER_NEAR_MISSES.items()}
    # The blanks between a name and what follows it: `name_before` once split them three ways.
    inputs["a name, then spaces, # and a token"] = "name" + repeat(" ", size) + "#" + SAMPLE_TOKEN + "\n"
    # An allow comment is looked for in the line of every candidate that has the word "allow" in it.
    inputs["a token, then dashes and allow"] = SAMPLE_TOKEN + " " + repeat("-", size) + " allow\n"
    return inputs


# ---------------------------------------------------------------- timing


class TooSlow(Exception):
    """A detector ran past its limit: super-linear on this input."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise TooSlow in the main thread once it has used `seconds` of CPU, even inside a regex match.

    CPU time, not wall time: other work on a busy machine must not make a linear detector look super-linear.
    """

    def expire(signum: int, frame: object) -> None:
        raise TooSlow(f"still running after {seconds:g} s of CPU")

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def seconds_for(detect: Detector, text: str, limit: float) -> float | None:
    """CPU time of `detect(text)`, or None if it ran past `limit`."""
    started = time.process_time()
    try:
        with deadline(limit):
            detect(text)
    except TooSlow:
        return None
    return time.process_time() - started


def lowered(detect: Callable[[str, str], list[Hit]]) -> Detector:
    """A detector that takes (text, lowered) as the candidate stage gives it, called on text alone."""
    return lambda text: detect(text, position_preserving_lower(text))


FAMILY_DETECTORS: dict[str, Detector] = {
    "keywords": lowered(lambda text, low: find_keyword_hits(text, low, PATH)),
    "connection strings": lowered(
        lambda text, low: find_url_credential_hits(text, low) + find_connection_string_hits(text, low)
    ),
    "parameters": find_parameter_hits,
    "identifiers": lambda text: find_identifier_hits(text) + find_jwk_hits(text),
    "private keys": lowered(find_private_key_hits),
    "entropy": find_entropy_hits,
    "user rule": lambda text: find_candidates(ScanUnit(PATH, text), (USER_RULE,)),
}


def whole_stage(text: str) -> object:
    return find_candidates(ScanUnit(PATH, text))


def rules_only_scan(text: str) -> object:
    """The engine without a judge: candidates, then the filters on each one."""
    return scan_units([ScanUnit(PATH, text)], RULES_ONLY, None)


@dataclass(frozen=True)
class Row:
    detector: str
    worst_ms_per_mb: float
    worst_input: str
    too_slow: tuple[str, ...]


def measure(detector: str, detect: Detector, inputs: Mapping[str, str], limit: float) -> Row:
    """The detector's worst input in ms per MB, among those done within `limit`; the others are listed."""
    worst, worst_name, too_slow = 0.0, "-", []
    for name, text in inputs.items():
        seconds = seconds_for(detect, text, limit)
        if seconds is None:
            too_slow.append(name)
        elif (per_mb := seconds * 1000 / (len(text) / 1e6)) > worst:
            worst, worst_name = per_mb, name
    return Row(detector, worst, worst_name, tuple(too_slow))


def finder(rule: TokenRule) -> Detector:
    """The rule's own regex alone, without the keyword prefilter in front of it: its worst case."""
    return lambda text: list(rule.find(text))


def rows(size: int, limit: float) -> Iterator[Row]:
    runs = class_runs(size)
    for rule in TOKEN_RULES:
        yield measure(f"token: {rule.id}", finder(rule), runs | token_near_misses(rule, size), limit)
    families = {family: family_near_misses(family, size) for family in FAMILY_NEAR_MISSES}
    for family, detect in FAMILY_DETECTORS.items():
        yield measure(family, detect, runs | families[family], limit)
    everything = runs | {f"{f}: {n}": t for f, inputs in families.items() for n, t in inputs.items()}
    yield measure("whole candidate stage", whole_stage, everything, limit)
    yield measure("filters (rules-only scan)", rules_only_scan, filter_near_misses(size), limit)


def print_row(row: Row) -> None:
    slow = f"  ({len(row.too_slow)} super-linear)" if row.too_slow else ""
    print(f"  {row.detector:42} {row.worst_ms_per_mb:12.1f}  {row.worst_input}{slow}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="characters per input (default 1 MB)")
    parser.add_argument(
        "--limit", type=float, default=DEFAULT_LIMIT_S, help="CPU seconds before an input counts as super-linear"
    )
    args = parser.parse_args(argv)
    print(f"ReDoS: worst input per detector, {args.size:,} characters each, cut off after {args.limit:g} s of CPU")
    print(f"  {'detector':42} {'CPU ms/MB':>12}  worst input done within the limit")
    slow = []
    for row in rows(args.size, args.limit):
        print_row(row)
        slow += [(row.detector, name) for name in row.too_slow]
    for detector, name in slow:
        print(f"super-linear (over {args.limit:g} s): {detector} on {name}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
