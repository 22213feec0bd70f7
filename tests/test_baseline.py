"""The baseline file: fingerprints only, no churn, strict loading, version upgrades, detect-secrets import."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from secretscan.errors import ConfigError
from secretscan.scanner import baseline as baseline_module
from secretscan.scanner.baseline import (
    EMPTY_BASELINE,
    import_detect_secrets,
    load_baseline,
    record_verdict,
    write_baseline,
)
from secretscan.scanner.types import Candidate, Finding

# Built at runtime so this repository doesn't trip secret scanners.
AWS_KEY = "AKIA" + "Q7WZ3K5M2X9P4TRL"
DB_PASSWORD = "h7Rk2pX9" + "vQ4mW8zL"
GITHUB_TOKEN = "ghp_" + "k3Jd9QwLx7Vb2NmZp5Rt8YcHs4Gf6Ae1Uo0T"


def candidate(secret: str, path: str = "app/settings.py", rule: str = "aws-access-key-id", line: int = 3) -> Candidate:
    return Candidate(
        path=path,
        line=line,
        column=12,
        secret=secret,
        rule=rule,
        category="cloud",
        line_text=f'KEY = "{secret}"',
    )


def finding(secret: str, **kwargs: object) -> Finding:
    return Finding(candidate(secret, **kwargs), 0.97, "judge:llama-cpp")  # type: ignore[arg-type]


def test_written_baseline_suppresses_exactly_the_accepted_findings(tmp_path: Path) -> None:
    path = tmp_path / ".secretscan-baseline.json"
    assert write_baseline(path, [finding(AWS_KEY), finding(GITHUB_TOKEN, rule="github-pat", path="ci/deploy.sh")]) == 2

    baseline = load_baseline(path)
    assert len(baseline) == 2
    # The same secret anywhere in the same file, even after the code moved, is still accepted.
    assert baseline.suppresses(candidate(AWS_KEY, line=300))
    assert baseline.suppresses(candidate(GITHUB_TOKEN, rule="github-pat", path="ci/deploy.sh"))
    # The same secret in another file, under another rule, or another secret, is not.
    assert not baseline.suppresses(candidate(AWS_KEY, path="app/other.py"))
    assert not baseline.suppresses(candidate(AWS_KEY, rule="generic-assignment"))
    assert not baseline.suppresses(candidate(DB_PASSWORD))


def test_baseline_holds_no_secret_and_does_not_churn(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_baseline(first, [finding(AWS_KEY, line=3), finding(GITHUB_TOKEN, rule="github-pat")])
    # Same findings after an edit moved them, reported in another order.
    write_baseline(second, [finding(GITHUB_TOKEN, rule="github-pat", line=90), finding(AWS_KEY, line=41)])
    assert first.read_bytes() == second.read_bytes()

    text = first.read_text(encoding="utf-8")
    for leak in (AWS_KEY, GITHUB_TOKEN, candidate(AWS_KEY).masked, candidate(GITHUB_TOKEN).masked):
        assert leak not in text
    document = json.loads(text)
    assert list(document) == ["version", "fingerprints", "detect_secrets"]
    assert document["version"] == baseline_module.BASELINE_VERSION
    entries = document["fingerprints"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    assert all(set(e) == {"path", "rule", "fingerprint", "verdict"} for e in entries)
    assert {e["fingerprint"] for e in entries} == {
        finding(AWS_KEY).fingerprint,
        finding(GITHUB_TOKEN, rule="github-pat").fingerprint,
    }


def test_missing_baseline_is_empty(tmp_path: Path) -> None:
    baseline = load_baseline(tmp_path / "absent.json")
    assert baseline is EMPTY_BASELINE
    assert not baseline.suppresses(candidate(AWS_KEY))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"fingerprints": []}', "no integer 'version'"),
        (b'{"version": "1", "fingerprints": []}', "no integer 'version'"),
        (b'{"version": 99, "fingerprints": []}', "newer than this secretscan supports"),
        (b'{"version": 0, "fingerprints": []}', "unknown baseline version 0"),
        (b'{"version": 1, "fingerprints": {}}', "'fingerprints' must be a list"),
        (b'{"version": 1, "fingerprints": [{"path": "a", "rule": "r", "fingerprint": "xyz"}]}', "not a sha256"),
        (b'{"version": 1, "fingerprints": [{"path": "a", "fingerprint": "' + b"0" * 64 + b'"}]}', "no 'rule'"),
        (b'{"version": 1, "detect_secrets": [{"path": "a", "type": "t", "hashed_secret": "00"}]}', "not a sha1"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_corrupt_baseline_is_a_one_line_config_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / ".secretscan-baseline.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as excinfo:
        load_baseline(path)
    assert message in str(excinfo.value)
    assert str(path) in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_baseline_that_is_a_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read baseline"):
        load_baseline(tmp_path)


def test_a_version_1_baseline_is_migrated_to_verdicts(tmp_path: Path) -> None:
    """Version 1 entries had no verdict: they load as accepted, still suppress, and are written back as version 2."""
    accepted = finding(AWS_KEY)
    path = tmp_path / ".secretscan-baseline.json"
    v1_entry = {"path": "app/settings.py", "rule": "aws-access-key-id", "fingerprint": accepted.fingerprint}
    path.write_text(json.dumps({"version": 1, "fingerprints": [v1_entry], "detect_secrets": []}))

    baseline = load_baseline(path)
    assert baseline.verdicts() == {accepted.fingerprint: "accepted"}
    assert baseline.suppresses(accepted.candidate)

    write_baseline(path, [accepted])
    document = json.loads(path.read_text())
    assert document["version"] == 2
    assert document["fingerprints"] == [{**v1_entry, "verdict": "accepted"}]


def test_a_finding_audited_as_real_is_not_suppressed_and_keeps_its_verdict(tmp_path: Path) -> None:
    real, false_positive = finding(AWS_KEY), finding(GITHUB_TOKEN, rule="github-pat", path="ci/deploy.sh")
    path = tmp_path / ".secretscan-baseline.json"
    write_baseline(path, [real, false_positive])
    record_verdict(path, real, "real")
    record_verdict(path, false_positive, "false-positive")

    baseline = load_baseline(path)
    assert not baseline.suppresses(real.candidate)
    assert baseline.suppresses(false_positive.candidate)
    # Rewriting the baseline from a fresh scan keeps what the audit said.
    write_baseline(path, [real, false_positive])
    assert load_baseline(path).verdicts() == {real.fingerprint: "real", false_positive.fingerprint: "false-positive"}


def test_an_unknown_verdict_is_a_corrupt_baseline(tmp_path: Path) -> None:
    path = tmp_path / ".secretscan-baseline.json"
    entry = {"path": "a.py", "rule": "r", "fingerprint": "0" * 64, "verdict": "maybe"}
    path.write_text(json.dumps({"version": 2, "fingerprints": [entry]}))
    with pytest.raises(ConfigError, match="corrupt baseline: verdict 'maybe' is not one of"):
        load_baseline(path)


def test_rewrite_keeps_detect_secrets_imports(tmp_path: Path) -> None:
    ds = tmp_path / ".secrets.baseline"
    ds.write_text(json.dumps({"results": {"app/settings.py": [_ds_entry(DB_PASSWORD, "Secret Keyword")]}}))
    path = tmp_path / ".secretscan-baseline.json"
    assert import_detect_secrets(ds, path) == 1
    write_baseline(path, [finding(AWS_KEY)])

    baseline = load_baseline(path)
    assert baseline.suppresses(candidate(AWS_KEY))
    assert baseline.suppresses(candidate(DB_PASSWORD, rule="generic-password"))


def test_import_a_real_detect_secrets_baseline(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (project / "deploy.py").write_text(f'db_password = "{DB_PASSWORD}"\n')
    scan = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    ds_document = json.loads(scan.stdout)
    results = ds_document["results"]
    assert set(results) == {"app/settings.py", "deploy.py"}

    # detect-secrets hashes exactly the values our candidates carry.
    assert hashlib.sha1(DB_PASSWORD.encode()).hexdigest() in {e["hashed_secret"] for e in results["deploy.py"]}
    assert hashlib.sha1(AWS_KEY.encode()).hexdigest() in {e["hashed_secret"] for e in results["app/settings.py"]}
    # The team audited the password as a real secret (what `detect-secrets audit` writes): it must stay reported.
    for entry in results["deploy.py"]:
        entry["is_secret"] = True
    ds_path = project / ".secrets.baseline"
    ds_path.write_text(json.dumps(ds_document, indent=2))

    warnings: list[str] = []
    baseline_path = project / ".secretscan-baseline.json"
    imported = import_detect_secrets(ds_path, baseline_path, warn=warnings.append)
    assert imported == len({(e["type"], e["hashed_secret"]) for e in results["app/settings.py"]}) >= 1
    skipped = len(results["deploy.py"])
    assert warnings == [
        f"skipped {skipped} detect-secrets entr{'y' if skipped == 1 else 'ies'} audited as real secrets"
    ]

    baseline = load_baseline(baseline_path)
    assert baseline.suppresses(candidate(AWS_KEY, path="app/settings.py", line=1))
    assert baseline.suppresses(candidate(AWS_KEY, path="./app/settings.py", rule="anything"))
    assert not baseline.suppresses(candidate(AWS_KEY, path="deploy.py"))
    assert not baseline.suppresses(candidate(DB_PASSWORD, path="deploy.py", rule="generic-password"))
    stored = baseline_path.read_text()
    assert AWS_KEY not in stored and "line_number" not in stored
    # Importing again adds nothing new and doesn't rewrite the file differently.
    before = baseline_path.read_bytes()
    import_detect_secrets(ds_path, baseline_path)
    assert baseline_path.read_bytes() == before


def test_import_keeps_existing_fingerprints(tmp_path: Path) -> None:
    path = tmp_path / ".secretscan-baseline.json"
    write_baseline(path, [finding(GITHUB_TOKEN, rule="github-pat")])
    ds = tmp_path / ".secrets.baseline"
    ds.write_text(
        json.dumps({"version": "1.5.0", "results": {"app/settings.py": [_ds_entry(AWS_KEY, "AWS Access Key")]}})
    )
    assert import_detect_secrets(ds, path) == 1
    baseline = load_baseline(path)
    assert baseline.suppresses(candidate(GITHUB_TOKEN, rule="github-pat"))
    assert baseline.suppresses(candidate(AWS_KEY))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "not valid JSON"),
        ('{"version": 1, "fingerprints": []}', "no 'results' object"),
        ('{"results": {"a.py": {}}}', "is not a list"),
        ('{"results": {"a.py": [{"type": "AWS Access Key", "hashed_secret": "nothex"}]}}', "not a sha1"),
        ('{"results": {"a.py": [{"hashed_secret": "' + "a" * 40 + '"}]}}', "no 'type'"),
    ],
)
def test_corrupt_detect_secrets_baseline_is_a_config_error(tmp_path: Path, content: str, message: str) -> None:
    ds = tmp_path / ".secrets.baseline"
    ds.write_text(content)
    target = tmp_path / ".secretscan-baseline.json"
    with pytest.raises(ConfigError, match=message):
        import_detect_secrets(ds, target)
    assert not target.exists()


def test_missing_detect_secrets_baseline_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read detect-secrets baseline"):
        import_detect_secrets(tmp_path / "absent", tmp_path / "out.json")


def _ds_entry(secret: str, kind: str) -> dict[str, object]:
    return {
        "type": kind,
        "filename": "app/settings.py",
        "hashed_secret": hashlib.sha1(secret.encode()).hexdigest(),
        "is_verified": False,
        "line_number": 1,
    }
