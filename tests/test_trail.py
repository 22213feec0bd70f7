"""`secretscan explain PATH:LINE`: the whole trail of one line, with the real scanner and the default judge.

The trail runs the engine's own steps, so what it says must be what the scan does: the same findings, the same
confidences. Values are masked; the line itself is never printed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import pytest
from repo_helpers import no_inherited_git_env, write_files  # noqa: F401  (autouse fixture)
from test_explain import DB_PASSWORD, corpus, corpus_values, leaked

from secretscan import api
from secretscan.cli import main
from secretscan.config import Config
from secretscan.inference.factory import make_judge
from secretscan.inference.scorer import load_scorer, save_scorer
from secretscan.trail import explain_line

LINES = {
    "app/more.py": (
        'API_KEY = "your-api-key-here"\n'  # 1: a placeholder, filtered
        'SESSION_SECRET = "changeme"\n'  # 2: a weak default, a judgement call
        f'OLD_PASSWORD = "{DB_PASSWORD[::-1]}"  # secretscan: allow\n'  # 3: suppressed
        "DEBUG = True\n"  # 4: nothing
    ),
}


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def tree(git_repo: Path) -> Path:
    write_files(git_repo, {**corpus(), **LINES})
    return git_repo


def test_a_settled_finding(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(capsys, "config/prod.env:1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "config/prod.env:1: 1 candidate; threshold 0.50, backend llama-cpp"
    assert lines[2] == f"[1] generic-password (password) at column 13: {DB_PASSWORD[:2]}\u2026{DB_PASSWORD[-2:]}"
    assert "    match: a password assigned to `DB_PASSWORD`" in lines
    assert "    filters: none of 22 says harmless" in lines
    scorer = next(line for line in lines if line.startswith("    scorer: P(secret) "))
    assert "outside its band" in scorer
    probability = float(scorer.split()[2].rstrip(","))
    # The log-odds line adds up: P = sigmoid(bias + features).
    log_odds = float(re.search(r"log-odds ([-+.\d]+) = bias", out).group(1))  # type: ignore[union-attr]
    assert 1 / (1 + math.exp(-log_odds)) == pytest.approx(probability, abs=5e-4)
    assert "    LLM: not asked: the scorer settled it" in lines
    assert any(line.startswith("    confidence ") and line.endswith("threshold 0.50: reported") for line in lines)
    assert any(line.startswith("    reason: a password assigned to `DB_PASSWORD`; for: ") for line in lines)
    assert not leaked(out, corpus_values())
    assert DB_PASSWORD not in out  # nor the line: `DB_PASSWORD=<value>` is never printed


def test_filtered_weak_suppressed_and_empty_lines(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, placeholder, _ = explain(capsys, "app/more.py:1")
    assert "    filters: placeholder says harmless (21 of 22 don't)" in placeholder
    assert "    stops here: dropped by the placeholder filter, never scored" in placeholder
    assert "scorer:" not in placeholder
    _, weak, _ = explain(capsys, "app/more.py:2")
    assert "    weak signs: weak_default says a judgement call (5 of 6 don't)" in weak
    assert "lowered to 0.20 by the weak sign" in weak
    assert "a weak or default value" in weak  # its feature, with its weight
    _, allowed, _ = explain(capsys, "app/more.py:3")
    assert "    suppressed: an inline allow comment" in allowed
    assert "    stops here: suppressed, never scored or reported" in allowed
    assert not leaked(allowed, [DB_PASSWORD[::-1]])
    code, empty, _ = explain(capsys, "app/more.py:4")
    assert code == 0 and empty == "app/more.py:4: no candidate: no detector found a value on this line\n"


def test_the_llm_answer_when_the_band_is_open(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With a band that settles nothing, the LLM judges every candidate, and the trail says what it answered."""
    open_band = tree / "open-band.npz"
    save_scorer(dataclasses.replace(load_scorer(), band=(0.0, 1.0)), open_band)
    (tree / ".secretscan.toml").write_text(f'scorer = "{open_band}"\n', encoding="utf-8")
    code, out, err = explain(capsys, "config/prod.env:2")
    assert code == 0, err
    assert "inside its band 0.00-1.00: the LLM decides with it" in out
    assert re.search(r"    LLM: P\(secret\) 0\.\d{3} \(llama-cpp\), folded with the scorer's", out)
    reason = next(line for line in out.splitlines() if line.startswith("    reason: "))
    assert "LLM (llama-cpp) P(secret)" in reason and "inside its band 0.00-1.00" in reason
    # The scan gives the same reasons: every judged finding names the LLM's answer.
    assert main(["scan", "--format", "json", "config", "app"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    judged = [f for f in findings if f["stage"] == "judge:llama-cpp"]
    assert judged and all({"scorer", "llm"} <= {e["kind"] for e in f["evidence"]} for f in judged)
    assert not leaked(out + json.dumps(findings), corpus_values())


def test_the_trail_is_the_scan(tree: Path) -> None:
    """Each line's reported candidates, confidences and reasons are the scan's."""
    config = Config()
    judge = make_judge(config, lambda message: None)
    findings = api.scan_paths(["."], config, judge).findings
    assert findings
    for finding in findings:
        c = finding.candidate
        trail = explain_line(c.path, c.line, config, judge)
        reported = {(t.candidate.column, t.finding.confidence, t.finding.reason) for t in trail.candidates if t.finding}
        on_line = {(f.candidate.column, f.confidence, f.reason) for f in findings if f.candidate.line == c.line
                   and f.candidate.path == c.path}  # fmt: skip
        assert reported == on_line


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("config/prod.env", "expected PATH:LINE with a line number from 1, got 'config/prod.env'"),
        ("config/prod.env:0", "expected PATH:LINE with a line number from 1"),
        ("config/prod.env:two", "expected PATH:LINE with a line number from 1"),
        ("config/prod.env:3", "config/prod.env has 2 lines, not 3"),
        ("missing.py:1", "missing.py: not a file"),
        ("config:1", "config: not a file"),
        ("logo.png:1", "logo.png: a binary file, which the scan skips"),
    ],
)
def test_bad_locations_are_one_line_errors(
    tree: Path, capsys: pytest.CaptureFixture[str], location: str, message: str
) -> None:
    (tree / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    code, out, err = explain(capsys, location, "--backend", "none")
    assert code == 2 and out == ""
    assert err.startswith("secretscan: error: ") and message in err and err.count("\n") == 1
