"""Every reported finding explains itself: what matched, the signals for and against, what decided it, and never
more of any value than its mask.

The corpus below is scanned by the real scanner with the default judge (shipped scorer and LLM), through the CLI,
the library and the pre-commit hook; the arithmetic of the signals is pinned with a scorer whose weights are chosen.
"""

from __future__ import annotations

import json
import math
import random
import string
from dataclasses import replace
from pathlib import Path

import pytest
from repo_helpers import no_inherited_git_env, stage  # noqa: F401  (autouse fixture)
from secret_samples import (
    aws_access_key_id,
    aws_secret_access_key,
    database_password,
    database_url,
    github_token,
    private_key_block,
)

from secretscan.cli import main
from secretscan.explain import (
    MAX_SIGNALS,
    TREES_WORDS,
    Contribution,
    contributions,
    decision_evidence,
    explain,
    kind_words,
    match_evidence,
    overlaps,
)
from secretscan.hooks.pre_commit import main as hook_main
from secretscan.inference.forest import LEAF, Forest
from secretscan.inference.scorer import Scorer, feature_index
from secretscan.scanner.features import candidate_features
from secretscan.scanner.types import Candidate, Certainty, Evidence, Finding, Verdict

SIGNALS = {"for", "against", "certain"}
# More of a value than its mask: the mask shows at most 2 characters in a row, a leak check looks for 5.
LEAK_CHARS = 5


def _random(seed: str, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


DB_PASSWORD = _random("db-password", 18)
STRIPE_KEY = "sk_" + "live_" + _random("stripe", 24)
WORDY_PASSWORD = "hunterzebra" + "lantern"  # only letters: a word of a neighbour's line if it were not protected
NEIGHBOUR_KEY = _random("neighbour", 20)


def corpus() -> dict[str, str]:
    return {
        "config/prod.env": f"DB_PASSWORD={DB_PASSWORD}\nSTRIPE_SECRET_KEY={STRIPE_KEY}\n",
        "scripts/release.sh": f'#!/bin/sh\nexport GITHUB_TOKEN={github_token()}\ngh release create "$1"\n',
        "certs/server.key": private_key_block() + "\n",
        "app/settings.py": (
            "import os\n\n"
            f'DATABASE_URL = "{database_url()}"\n'
            f'db_password = "{WORDY_PASSWORD}"  # was: api_key = "{NEIGHBOUR_KEY}"\n'
            'API_TOKEN = os.environ["API_TOKEN"]\n'
        ),
        "deploy/aws.py": (
            f'AWS_ACCESS_KEY_ID = "{aws_access_key_id()}"\nAWS_SECRET_ACCESS_KEY = "{aws_secret_access_key()}"\n'
        ),
    }


def corpus_values() -> list[str]:
    """Every secret in the corpus (the URL's password, not its host), with each line of the private key's body."""
    key_lines = [line for line in private_key_block().splitlines() if not line.startswith("-----")]
    return [DB_PASSWORD, STRIPE_KEY, WORDY_PASSWORD, NEIGHBOUR_KEY, github_token(), database_password(),
            aws_access_key_id(), aws_secret_access_key(), *key_lines]  # fmt: skip


def leaked(text: str, values: list[str]) -> list[str]:
    """The values of which `text` holds more than a mask would show."""
    return [v for v in values if any(v[i : i + LEAK_CHARS] in text for i in range(len(v) - LEAK_CHARS + 1))]


def names_its_kind(finding: dict[str, object], match: str) -> bool:
    """The match names the rule's kind: a word of the rule id (`generic` aside) is in it."""
    rule = str(finding["rule"])
    return any(word in match.lower() for word in rule.split("-") if word != "generic")


# -- the corpus, end to end ---------------------------------------------------------------------------------------


@pytest.fixture
def scanned(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    stage(git_repo, corpus())
    assert main(["scan", "--format", "json", "."]) == 1
    findings: list[dict[str, object]] = json.loads(capsys.readouterr().out)["findings"]
    return findings


def test_every_finding_names_its_kind_and_a_signal_and_leaks_nothing(scanned: list[dict[str, object]]) -> None:
    assert len(scanned) >= 6, [(f["path"], f["line"]) for f in scanned]
    for finding in scanned:
        evidence = finding["evidence"]
        assert isinstance(evidence, list)
        kinds = [e["kind"] for e in evidence]
        assert kinds[0] == "match", finding["reason"]
        assert names_its_kind(finding, evidence[0]["text"]), finding["reason"]
        assert SIGNALS & set(kinds), finding["reason"]
        assert len([k for k in kinds if k == "for"]) <= MAX_SIGNALS >= len([k for k in kinds if k == "against"])
        # The reason is the evidence in one line, in order.
        assert all(e["text"] in str(finding["reason"]) for e in evidence)
        assert not leaked(json.dumps(finding["reason"]) + json.dumps(evidence), corpus_values()), finding["reason"]


def test_the_reasons_say_what_decided_each_finding(scanned: list[dict[str, object]]) -> None:
    by_line = {(f["path"], f["line"]): f for f in scanned}
    password = by_line["config/prod.env", 1]
    assert str(password["reason"]).startswith("a password assigned to `DB_PASSWORD`")
    token = by_line["scripts/release.sh", 2]
    assert token["stage"] == "certain" and "its checksum is valid" in str(token["reason"])
    key = by_line["certs/server.key", 1]
    assert key["stage"] == "certain" and "the block's body decodes to a real key" in str(key["reason"])
    for finding in scanned:
        kinds = {e["kind"] for e in finding["evidence"]}  # type: ignore[union-attr]
        if finding["stage"] == "scorer":
            # Settled or left alone by the LLM: the scorer's number and band are in the reason.
            assert "scorer" in kinds and "scorer P(secret)" in str(finding["reason"])
        elif str(finding["stage"]).startswith("judge:"):
            assert {"scorer", "llm"} <= kinds and "LLM (llama-cpp) P(secret)" in str(finding["reason"])


def test_the_hook_prints_each_reason(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(git_repo, corpus())
    assert hook_main([]) == 1
    out = capsys.readouterr().out
    heads = [line for line in out.splitlines() if not line.startswith(" ") and line.count(":") >= 2]
    reasons = [line for line in out.splitlines() if line.startswith("    reason: ")]
    assert len(reasons) == len(heads) >= 6
    assert all("for: " in r or "against: " in r or "without the model" in r for r in reasons)
    assert not leaked(out, [v for v in corpus_values() if len(v) >= 8])


# -- the words, pinned with chosen weights --------------------------------------------------------------------------

BUCKETS = 1 << 16


def candidate(line: str, value: str, path: str = "tests/settings.py", rule: str = "generic-password") -> Candidate:
    return Candidate(path, 3, line.index(value) + 1, value, rule, "password", line, prior=0.6)


def scorer_with(weights: dict[str, float], band: tuple[float, float] = (0.2, 0.8)) -> Scorer:
    slots = [0.0] * BUCKETS
    for feature, weight in weights.items():
        slots[feature_index(feature, BUCKETS)] = weight
    return Scorer(slots, bias=-0.5, band=band, llm_weight=0.4)


def test_signals_are_the_strongest_weights_for_and_against() -> None:
    value = "Xk9mQ2wLp7Rt4vNb"
    c = candidate(f'DB_PASSWORD = "{value}"', value)
    weights = {"name=password": 1.5, "word=db": 0.3, "path=tests": -2.0, "line=code": -0.05, "classes=uld": 0.9}
    weights |= {f: 0.2 for f in candidate_features(c) if f.startswith("v3=")}  # summed, never named
    scorer = scorer_with(weights)
    ranked = contributions(c, scorer, {value})
    assert [r.feature for r in ranked[:2]] == ["v3=…", "path=tests"]
    assert ranked[0].words == "its character sequences"
    # The bias plus every contribution is the scorer's log-odds.
    (p,) = scorer.score([c])
    assert scorer.bias + sum(r.weight for r in ranked) == pytest.approx(math.log(p / (1 - p)))
    finding = explain(Verdict(c, p, "scorer", p), scorer, {value}, ())
    signals = [(e.kind, e.text) for e in finding.evidence if e.kind in ("for", "against")]
    assert signals == [
        ("for", "its character sequences"),
        ("for", "`password` in its name"),
        ("against", "`tests` in the path"),
    ]  # classes and db are weaker than the top two; line=code is below MIN_SIGNAL
    assert finding.reason == (
        "a password assigned to `DB_PASSWORD`; for: its character sequences, `password` in its name; "
        f"against: `tests` in the path; scorer P(secret) {p:.2f}, outside its band 0.20-0.80: the LLM was not asked; "
        f"confidence {p:.2f}"
    )


def test_a_word_or_name_that_is_part_of_a_value_on_the_line_is_never_shown() -> None:
    line = f'db_password = "{WORDY_PASSWORD}"  # was: api_key = "{NEIGHBOUR_KEY}"'
    c = candidate(line, NEIGHBOUR_KEY, rule="generic-secret")
    scorer = scorer_with({"word=hunterzebralantern": 3.0, "word=was": 0.5})
    values = {WORDY_PASSWORD, NEIGHBOUR_KEY}
    ranked = contributions(c, scorer, values)
    hidden = next(r for r in ranked if r.weight == 3.0)
    assert (hidden.feature, hidden.words) == ("word=…", None)
    finding = explain(Verdict(c, 0.9, "scorer", 0.9), scorer, values, ())
    assert "hunterzebra" not in finding.reason and "`was` on the line" in finding.reason
    # Without the neighbour among the protected values the word would have been the strongest signal.
    assert "hunterzebra" in explain(Verdict(c, 0.9, "scorer", 0.9), scorer, {NEIGHBOUR_KEY}, ()).reason


def test_a_value_used_as_a_name_is_not_named() -> None:
    first, second = _random("first", 16), _random("second", 16)
    c = candidate(f'auth = {{"{first}": "{second}"}}', second, rule="generic-secret")
    assert match_evidence(c, {first, second}) == Evidence("match", "a secret")
    # What protecting `first` prevents: the name before `second` is `first` (past any leading digits).
    shown = match_evidence(c, {second}).text
    assert shown.startswith("a secret assigned to `") and shown.removeprefix("a secret assigned to `")[:-1] in first


@pytest.mark.parametrize(
    ("text", "protected", "expected"),
    [
        ("password", {"Xk9mQ2wLp7Rt4vNb"}, False),
        ("hunter", {"hunter2hunter"}, True),  # inside a value
        ("db_hunter2hunter_x", {"hunter2hunter"}, True),  # holds one
        ("Q2WLP", {"Xk9mQ2wLp7Rt4vNb"}, True),  # 5 characters in a row, whatever the case
        ("Q2wL", {"Xk9mQ2wLp7Rt4vNb"}, True),
        ("mQ2x", {"Xk9mQ2wLp7Rt4vNb"}, False),
    ],
)
def test_overlaps(text: str, protected: set[str], expected: bool) -> None:
    assert overlaps(text, protected) is expected


def test_kind_words() -> None:
    assert kind_words("generic-password") == "a password"
    assert kind_words("github-pat") == "a github-pat token"
    assert kind_words("aws-access-key-id") == "an aws-access-key-id token"


def test_the_trees_are_one_signal_and_the_sum_still_holds() -> None:
    """With trees, their log-odds are one more contribution, so bias plus contributions is still the log-odds."""
    value = "Xk9mQ2wLp7Rt4vNb"
    c = candidate(f'DB_PASSWORD = "{value}"', value)
    tests_bucket = feature_index("path=tests", BUCKETS)
    # One tree: is `tests` in the path? Absent: +0.2, present: -2.5.
    forest = Forest(roots=[0], buckets=[tests_bucket, LEAF, LEAF], left=[1, LEAF, LEAF], right=[2, LEAF, LEAF],
                    values=[0.0, 0.2, -2.5])  # fmt: skip
    scorer = replace(scorer_with({"name=password": 1.5}), forest=forest)
    ranked = contributions(c, scorer, {value})
    assert ranked[0] == Contribution("trees", -2.5, TREES_WORDS)
    (p,) = scorer.score([c])
    assert scorer.bias + sum(r.weight for r in ranked) == pytest.approx(math.log(p / (1 - p)))
    signals = [(e.kind, e.text) for e in explain(Verdict(c, p, "scorer", p), scorer, {value}, ()).evidence]
    assert ("against", TREES_WORDS) in signals and ("for", "`password` in its name") in signals


def test_what_decided_it_in_each_stage() -> None:
    value = "Xk9mQ2wLp7Rt4vNb"
    c = candidate(f'password = "{value}"', value)
    scorer = scorer_with({}, band=(0.2, 0.8))
    in_band = decision_evidence(Verdict(c, 0.7, "judge:llama-cpp", 0.5, 0.9), scorer)
    assert [e.text for e in in_band] == [
        "scorer P(secret) 0.50, inside its band 0.20-0.80",
        "LLM (llama-cpp) P(secret) 0.90",
        f"confidence 0.70 (folded with the LLM's at weight {scorer.llm_weight:.2f})",
    ]
    assert [e.value for e in in_band] == [0.5, 0.9, 0.7]
    down = decision_evidence(Verdict(c, 0.5, "scorer", 0.5), scorer)
    assert [e.text for e in down] == [
        "scorer P(secret) 0.50, inside its band 0.20-0.80; the LLM did not answer",
        "confidence 0.50",
    ]
    calibrated = replace(scorer, calibration=((0.1, 0.05), (0.9, 0.95)))
    settled = decision_evidence(Verdict(c, 0.93, "scorer", 0.9), calibrated)
    assert [e.kind for e in settled] == ["scorer", "confidence"]
    assert settled[1].text == "confidence 0.93 (calibrated on real code)"
    llm_only = decision_evidence(Verdict(c, 0.7, "judge:ollama", None, 0.7), None)
    assert [e.text for e in llm_only] == ["LLM (ollama) P(secret) 0.70, combined with the rule's prior 0.60"]
    rules = explain(Verdict(c, 0.6, "rules"), None, {value}, ())
    assert rules.reason == "a password assigned to `password`; for: the rule's prior 0.60; rules only: no judge ran"


def test_certain_and_own_rules() -> None:
    token = github_token()
    c = Candidate("ci.sh", 1, 8, token, "github-pat", "vcs", f"export {token}", certainty=Certainty.CERTAIN)
    assert "its checksum is valid" in explain(Verdict(c, 1.0, "certain"), None, {token}, ()).reason
    own = Candidate("a.txt", 1, 1, "acme_" + "x" * 32, "acme-token", "custom", "acme_" + "x" * 32, certainty=Certainty.CERTAIN)
    assert "your rule `acme-token` is set to certain" in explain(Verdict(own, 1.0, "certain"), None, set(), {"acme-token"}).reason


def test_a_finding_without_evidence_says_its_stage() -> None:
    c = candidate('password = "Xk9mQ2wLp7Rt4vNb"', "Xk9mQ2wLp7Rt4vNb")
    assert Finding(c, 0.9, "judge:llama-cpp").reason == "judge:llama-cpp"
