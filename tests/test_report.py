"""Text, JSON and SARIF output, on hand-built scan results (no detectors involved)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secretscan import __version__
from secretscan.errors import ConfigError
from secretscan.report import FINGERPRINT_KEY, render
from secretscan.scanner.types import Candidate, Certainty, Evidence, Finding, ScanResult, ScanStats

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
# The OASIS SARIF 2.1.0 errata01 schema, byte for byte (see docs/output.md for its provenance).
SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

# Built at runtime so this repository doesn't trip secret scanners.
AWS_KEY = "AKIA" + "Q7WZ3K5M2X9P4TRL"
GITHUB_TOKEN = "ghp_" + "k3Jd9QwLx7Vb2NmZp5Rt8YcHs4Gf6Ae1Uo0T"
DB_PASSWORD = "h7Rk2pX9" + "vQ4mW8zL"
SECRETS = (AWS_KEY, GITHUB_TOKEN, DB_PASSWORD)
COMMIT = "abc1234" + "0123456789abcdef" * 2 + "0"

STATS = ScanStats(
    files_scanned=14,
    files_skipped_binary=2,
    candidates=23,
    filtered=15,
    judged=5,
    settled=2,
    cache_hits=4,
    suppressed=1,
    findings=3,
    seconds=0.8374,
    backend="llama-cpp",
)


def make_finding(
    secret: str,
    *,
    path: str = "app/settings.py",
    line: int = 12,
    column: int = 15,
    rule: str = "aws-access-key-id",
    category: str = "cloud",
    confidence: float = 0.97,
    stage: str = "judge:llama-cpp",
    commit: str | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Finding:
    candidate = Candidate(
        path=path,
        line=line,
        column=column,
        secret=secret,
        rule=rule,
        category=category,
        line_text=f'KEY = "{secret}"',
        context_before=(f"# {secret}",),
        context_after=(f"OTHER = '{secret}'",),
        certainty=Certainty.POSSIBLE,
        prior=0.9,
        commit=commit,
    )
    return Finding(candidate, confidence, stage, evidence)


CERTAIN_EVIDENCE = (
    Evidence("match", "a github-pat token assigned to `GITHUB_TOKEN`"),
    Evidence("certain", "its checksum is valid (made-up tokens of this format rarely pass): reported without the model"),
)
JUDGED_EVIDENCE = (
    Evidence("match", "a password assigned to `DB_PASSWORD`"),
    Evidence("for", "`password` in its name", 0.72),
    Evidence("for", "random-looking (4.0 bits per character)", 0.31),
    Evidence("against", "`tests` in the path", -0.4),
    Evidence("scorer", "scorer P(secret) 0.64, inside its band 0.52-0.77", 0.64),
    Evidence("llm", "LLM (llama-cpp) P(secret) 0.99", 0.99),
    Evidence("confidence", "confidence 0.93 (folded with the LLM's at weight 0.10 and calibrated on real code)", 0.93),
)
JUDGED_REASON = (
    "a password assigned to `DB_PASSWORD`; for: `password` in its name, random-looking (4.0 bits per character); "
    "against: `tests` in the path; scorer P(secret) 0.64, inside its band 0.52-0.77; LLM (llama-cpp) P(secret) 0.99; "
    "confidence 0.93 (folded with the LLM's at weight 0.10 and calibrated on real code)"
)


def sample_result() -> ScanResult:
    return ScanResult(
        findings=(
            make_finding(AWS_KEY, confidence=0.123456789, stage="rules"),
            make_finding(
                GITHUB_TOKEN,
                path="ci/deploy script.sh",
                line=3,
                column=7,
                rule="github-pat",
                category="vcs",
                confidence=1.0,
                stage="certain",
                commit=COMMIT,
                evidence=CERTAIN_EVIDENCE,
            ),
            make_finding(
                DB_PASSWORD,
                path="deploy.py",
                line=1,
                column=15,
                rule="generic-password",
                category="password",
                evidence=JUDGED_EVIDENCE,
            ),
        ),
        stats=STATS,
    )


def empty_result() -> ScanResult:
    return ScanResult(findings=(), stats=ScanStats(files_scanned=3, backend="none", seconds=0.01))


# -- no format ever shows a secret ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
@pytest.mark.parametrize("color", [False, True])
def test_no_format_reveals_a_secret(fmt: str, color: bool) -> None:
    output = render(sample_result(), fmt, color)  # type: ignore[arg-type]
    for secret in SECRETS:
        assert secret not in output
        # Nor a long piece of it: a masked value shows at most 4 characters at each end.
        assert secret[4:-4] not in output
    # But each finding is identifiable: by its masked value, or by its fingerprint in machine formats.
    for finding in sample_result().findings:
        assert finding.candidate.masked in output or (fmt != "text" and finding.fingerprint in output)


def test_unknown_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown output format 'xml'"):
        render(sample_result(), "xml", False)  # type: ignore[arg-type]


# -- text -------------------------------------------------------------------------------------------------------


def test_text_has_one_block_per_finding_and_a_summary() -> None:
    lines = render(sample_result(), "text", color=False).splitlines()
    assert lines[0] == "app/settings.py:12:15  aws-access-key-id  (cloud)  confidence 0.12  AK\u2026RL"
    # A finding built without evidence says its stage.
    assert lines[1] == "    reason: rules"
    assert lines[2] == "ci/deploy script.sh:3:7  github-pat  (vcs)  confidence 1.00  gh\u20260T  [commit abc1234]"
    assert lines[3] == (
        "    reason: a github-pat token assigned to `GITHUB_TOKEN`; its checksum is valid (made-up tokens of this "
        "format rarely pass): reported without the model"
    )
    assert lines[4].startswith("deploy.py:1:15  generic-password  (password)  confidence 0.97  h7\u2026zL")
    assert lines[5] == f"    reason: {JUDGED_REASON}"
    assert lines[6] == (
        "3 findings; 14 files scanned (2 binary skipped); "
        "23 candidates, 15 filtered, 1 suppressed, 2 settled by the scorer, 5 judged, 4 cache hits; 0.84s; "
        "backend llama-cpp"
    )
    assert len(lines) == 7


def test_text_colour_only_when_asked() -> None:
    assert "\x1b" not in render(sample_result(), "text", color=False)
    coloured = render(sample_result(), "text", color=True)
    assert "\x1b[1mapp/settings.py:12:15\x1b[0m" in coloured
    # Sure findings are red, weaker ones yellow.
    assert "\x1b[31mgithub-pat\x1b[0m" in coloured
    assert "\x1b[33maws-access-key-id\x1b[0m" in coloured


def test_text_clean_scan_and_warnings() -> None:
    result = ScanResult(findings=(), stats=ScanStats(files_scanned=1, seconds=0.01), warnings=("Ollama is down",))
    assert render(result, "text", color=False).splitlines() == [
        "warning: Ollama is down",
        "0 findings; 1 file scanned; 0 candidates, 0 filtered, 0 suppressed, 0 settled by the scorer, 0 judged, "
        "0 cache hits; 0.01s; backend none",
    ]
    assert render(result, "text", color=True).endswith("\x1b[0m")


def test_text_escapes_control_characters_in_paths() -> None:
    finding = make_finding(AWS_KEY, path="evil\x1b[2Jname.py")
    output = render(ScanResult((finding,), STATS), "text", color=False)
    assert "\x1b" not in output
    assert "evil\\x1b[2Jname.py:12:15" in output


# -- json -------------------------------------------------------------------------------------------------------


def test_json_document_shape() -> None:
    document = json.loads(render(sample_result(), "json", color=True))
    assert list(document) == ["version", "findings", "stats"]
    assert document["version"] == __version__
    assert document["stats"] == asdict(STATS)
    assert list(document["stats"]) == list(asdict(STATS))
    first, second, third = document["findings"]
    assert list(first) == [
        "path",
        "line",
        "column",
        "rule",
        "category",
        "confidence",
        "secret_masked",
        "fingerprint",
        "stage",
        "reason",
        "evidence",
    ]
    assert first == {
        "path": "app/settings.py",
        "line": 12,
        "column": 15,
        "rule": "aws-access-key-id",
        "category": "cloud",
        "confidence": 0.1235,
        "secret_masked": "AK\u2026" + AWS_KEY[-2:],
        "fingerprint": sample_result().findings[0].fingerprint,
        "stage": "rules",
        "reason": "rules",
        "evidence": [],
    }
    # commit only when the finding came from history.
    assert second["commit"] == COMMIT and list(second)[-4:] == ["commit", "stage", "reason", "evidence"]
    assert "commit" not in third
    assert (third["stage"], third["reason"]) == ("judge:llama-cpp", JUDGED_REASON)
    assert third["evidence"][:2] == [
        {"kind": "match", "text": "a password assigned to `DB_PASSWORD`", "value": None},
        {"kind": "for", "text": "`password` in its name", "value": 0.72},
    ]
    assert [e["kind"] for e in third["evidence"]] == ["match", "for", "for", "against", "scorer", "llm", "confidence"]


def test_json_fingerprint_is_the_baseline_identity() -> None:
    finding = sample_result().findings[0]
    expected = hashlib.sha256(f"{AWS_KEY}\x00aws-access-key-id\x00app/settings.py".encode()).hexdigest()
    document = json.loads(render(ScanResult((finding,), STATS), "json", color=False))
    assert document["findings"][0]["fingerprint"] == expected


def test_json_is_stable() -> None:
    assert render(sample_result(), "json", False) == render(sample_result(), "json", False)


# -- sarif ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    raw = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SARIF_SCHEMA_SHA256
    schema = json.loads(raw)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft4Validator
    validator_class.check_schema(schema)
    # Only local "#/definitions/..." references: validating never touches the network.
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


@pytest.mark.parametrize("result", [sample_result(), empty_result()], ids=["findings", "clean"])
def test_sarif_validates_against_the_oasis_schema(sarif_validator: Any, result: ScanResult) -> None:
    log = json.loads(render(result, "sarif", color=False))
    errors = sorted(sarif_validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_sarif_schema_rejects_an_invalid_log(sarif_validator: Any) -> None:
    """The schema really checks our output: a wrong level or a missing version fails."""
    log = json.loads(render(sample_result(), "sarif", color=False))
    log["runs"][0]["results"][0]["level"] = "critical"
    assert not sarif_validator.is_valid(log)
    log = json.loads(render(sample_result(), "sarif", color=False))
    del log["version"]
    assert not sarif_validator.is_valid(log)


def test_sarif_content() -> None:
    log = json.loads(render(sample_result(), "sarif", color=False))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("secretscan", __version__)
    assert driver["informationUri"].startswith("https://")
    # One descriptor per rule used, sorted, each described.
    assert [r["id"] for r in driver["rules"]] == ["aws-access-key-id", "generic-password", "github-pat"]
    assert all(r["shortDescription"]["text"] for r in driver["rules"])

    aws, token, password = run["results"]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    assert token["level"] == "error" and password["level"] == "error"
    assert aws["level"] == "warning"
    assert token["message"]["text"] == (
        "Hard-coded vcs secret gh\u20260T (rule github-pat, confidence 1.00). Why: a github-pat token assigned to "
        "`GITHUB_TOKEN`; its checksum is valid (made-up tokens of this format rarely pass): reported without the model"
    )
    location = token["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "ci/deploy%20script.sh"
    assert location["region"] == {"startLine": 3, "startColumn": 7, "endColumn": 7 + len(GITHUB_TOKEN)}
    assert token["partialFingerprints"] == {FINGERPRINT_KEY: sample_result().findings[1].fingerprint}
    assert token["properties"] == {
        "confidence": 1.0,
        "category": "vcs",
        "stage": "certain",
        "reason": sample_result().findings[1].reason,
        "evidence": [asdict(e) for e in CERTAIN_EVIDENCE],
        "commit": COMMIT,
    }
    assert password["message"]["text"].endswith(f". Why: {JUDGED_REASON}")
    assert "commit" not in aws["properties"]
    assert aws["properties"]["confidence"] == 0.1235
    assert run["properties"]["stats"] == asdict(STATS)
