"""The CI integrations: docs/ci.md's workflows and action.yml parse, their scripts run as written on a real repository,
and the SARIF they upload meets GitHub code scanning's upload limits and required fields."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from repo_helpers import git, no_inherited_git_env, write_files  # noqa: F401  (autouse fixture)
from secret_samples import github_token

from secretscan.report import to_sarif
from secretscan.scanner.types import Candidate, Finding, ScanResult, ScanStats

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "ci.md"
ACTION = REPO / "action.yml"
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
# GitHub's "SARIF support for code scanning": uploads over these are rejected.
MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_RUNS, MAX_RESULTS, MAX_RULES, MAX_LOCATIONS, MAX_TAGS = 20, 25_000, 25_000, 1_000, 20


def _yaml_blocks() -> list[dict[str, Any]]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [yaml.safe_load(block) for block in blocks]


def _workflows() -> list[dict[str, Any]]:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    return [b for b in _yaml_blocks() if "jobs" in b]


def _step(steps: list[dict[str, Any]], step_id: str) -> dict[str, Any]:
    return next(s for s in steps if s.get("id") == step_id)


def test_the_workflows_and_the_action_parse_and_have_what_code_scanning_needs() -> None:
    workflows = _workflows()
    assert len(workflows) == 2
    for workflow in workflows:
        assert workflow["permissions"]["security-events"] == "write"
        assert set(workflow[True]) == {"pull_request", "schedule"}
        steps = workflow["jobs"]["secretscan"]["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    written_out = workflows[1]["jobs"]["secretscan"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in written_out)
    assert sum(s.get("uses", "").startswith("actions/cache@") for s in written_out) == 2

    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert all("shell" in step for step in action["runs"]["steps"] if "run" in step)
    assert {"range", "args", "upload", "fail-on-findings"} <= set(action["inputs"])
    # The action and the written-out workflow run the very same scan script.
    assert _step(action["runs"]["steps"], "scan")["run"] == _step(written_out, "scan")["run"]

    gitlab = next(b for b in _yaml_blocks() if "secretscan" in b and "script" in b["secretscan"])
    assert gitlab["secretscan"]["variables"]["GIT_DEPTH"] == "0"
    assert gitlab["secretscan"]["artifacts"]["when"] == "always"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # GitHub runs `run:` steps with `bash -e {0}`; GitLab runs its script lines in a shell that stops on errors.
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=_env(**env), capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def pr_repo(git_repo: Path) -> tuple[Path, str, str]:
    """main with an old token, and a branch whose two commits add a new one: the pull request's range."""
    write_files(git_repo, {"old.py": f'TOKEN = "{github_token("ci-old")}"\n'})
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "old", cwd=git_repo)
    base = git("rev-parse", "HEAD", cwd=git_repo).strip()
    git("checkout", "-qb", "feature", cwd=git_repo)
    write_files(git_repo, {"new.py": f'TOKEN = "{github_token("ci-new")}"\n'})
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "new", cwd=git_repo)
    write_files(git_repo, {"readme.md": "nothing here\n"})
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "docs", cwd=git_repo)
    return git_repo, base, git("rev-parse", "HEAD", cwd=git_repo).strip()


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_the_github_scripts_run_as_written(pr_repo: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, head = pr_repo
    steps = _workflows()[1]["jobs"]["secretscan"]["steps"]
    model = next(s for s in steps if s.get("run") == "secretscan model build")
    assert _bash(model["run"], repo).returncode == 0
    scan = _step(steps, "scan")["run"]
    output = tmp_path / "github-output"

    # A pull request: findings in its own commits only; the step passes, the exit code goes to the later steps.
    done = _bash(scan, repo, BASE_SHA=base, HEAD_SHA=head, GITHUB_OUTPUT=str(output), RANGE="", EXTRA_ARGS="")
    assert done.returncode == 0, done.stderr
    assert _outputs(output) == {"exit-code": "1"}
    sarif = json.loads((repo / "secretscan.sarif").read_text())
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]] \
        == ["new.py"]
    _check_github_limits(sarif, (repo / "secretscan.sarif").read_bytes())
    assert github_token("ci-new") not in (repo / "secretscan.sarif").read_text()

    # A scan error (a base that does not exist) fails the step, and says so in the output.
    output.unlink()
    done = _bash(scan, repo, BASE_SHA="0" * 40, HEAD_SHA=head, GITHUB_OUTPUT=str(output))
    assert done.returncode != 0 and _outputs(output) == {"exit-code": "2"}
    assert "secretscan: error: " in done.stderr and "Traceback" not in done.stderr

    # Nightly: the whole history first, then only what is new.
    for expected in ("1", "0"):
        output.unlink()
        assert _bash(scan, repo, GITHUB_OUTPUT=str(output)).returncode == 0
        assert _outputs(output) == {"exit-code": expected}
    fail = next(s for s in steps if s.get("name") == "Fail on findings")
    assert fail["if"] == "steps.scan.outputs.exit-code == '1'" and _bash(fail["run"], repo).returncode == 1


def test_the_gitlab_script_runs_as_written(pr_repo: tuple[Path, str, str]) -> None:
    repo, base, head = pr_repo
    job = next(b for b in _yaml_blocks() if "secretscan" in b and "script" in b["secretscan"])["secretscan"]
    script = "\n".join(job["script"])
    done = _bash(script, repo, CI_MERGE_REQUEST_DIFF_BASE_SHA=base, CI_COMMIT_SHA=head)
    # Findings fail the job (exit 1); the report is kept as an artifact.
    assert done.returncode == 1, done.stderr
    results = json.loads((repo / "secretscan.sarif").read_text())["runs"][0]["results"]
    assert len(results) == 1
    assert _bash(script, repo).returncode == 1  # a schedule: --since-last, the first run sees everything
    assert _bash(script, repo).returncode == 0


def _check_github_limits(sarif: dict[str, Any], raw: bytes) -> None:
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    assert len(gzip.compress(raw)) <= MAX_GZIP_BYTES
    assert sarif["version"] == "2.1.0" and 1 <= len(sarif["runs"]) <= MAX_RUNS
    for run in sarif["runs"]:
        rules = run["tool"]["driver"]["rules"]
        assert run["tool"]["driver"]["name"] and len(rules) <= MAX_RULES and len(run["results"]) <= MAX_RESULTS
        for rule in rules:
            assert rule["id"] and rule["shortDescription"]["text"] and rule["help"]["text"]
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
            assert len(rule["properties"]["tags"]) <= MAX_TAGS
        for result in run["results"]:
            assert result["message"]["text"] and rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["partialFingerprints"]["secretscan/v1"]
            assert 1 <= len(result["locations"]) <= MAX_LOCATIONS
            location = result["locations"][0]["physicalLocation"]
            assert location["artifactLocation"]["uri"] and location["region"]["startLine"] >= 1


def test_a_report_at_githubs_result_limit_is_within_its_size_limit() -> None:
    """25,000 results (the most GitHub accepts in a run) over 300 rules compress far below 10 MB."""
    findings = tuple(
        Finding(Candidate(f"src/module_{i % 997}/file_{i}.py", i % 400 + 1, 9, f"value-{i:08d}-{'x' * 24}",
                          f"rule-{i % 300}", "generic", f"token = 'value-{i:08d}'"), 0.5 + (i % 50) / 100, "rules")
        for i in range(MAX_RESULTS))
    sarif = to_sarif(ScanResult(findings, ScanStats(findings=len(findings))))
    raw = json.dumps(sarif, indent=2).encode()
    _check_github_limits(sarif, raw)
    assert len(gzip.compress(raw)) < MAX_GZIP_BYTES / 4
