"""`secretscan eval` end to end on a tiny corpus: the real scanner, the naive baselines, detect-secrets,
the outputs, the gate's exit codes and one-line errors for bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from secretscan.cli import main


def run_eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def mode_report(out: Path, mode: str) -> dict[str, Any]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return next(m for m in report["modes"] if m["mode"] == mode)


def test_rules_and_naive_baselines_end_to_end(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "rules", "--mode", "keyword", "--mode", "entropy",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "| rules |" in stdout and "| keyword |" in stdout

    # keyword hits settings.py lines 4, 5, 6: TP 4 and 6, FP 5 (an env lookup), FN both .env secrets.
    keyword = mode_report(out, "keyword")
    assert keyword["metrics"]["labelled-only"] | {"f1_ci95": None} == {
        "tp": 2, "fp": 1, "fn": 2, "tn": 3, "precision": 0.6667, "recall": 0.5, "f1": 0.5714, "f1_ci95": None,
    }  # fmt: skip
    assert keyword["metrics"]["strict"]["fp"] == 1  # no unlabelled keyword hit
    # entropy hits the token (TP), the git SHA (FP) and the unlabelled SECRET_KEY (strict FP only).
    entropy = mode_report(out, "entropy")
    assert entropy["metrics"]["labelled-only"]["f1"] == pytest.approx(1 / 3, abs=1e-4)
    assert entropy["metrics"]["strict"]["fp"] == 2
    assert entropy["metrics"]["strict"]["f1"] == pytest.approx(2 / 7, abs=1e-4)
    assert entropy["by_kind"]["labelled-only"]["env"]["tp"] == 0
    assert entropy["by_category"]["strict"]["(unlabelled)"]["fp"] == 1
    assert entropy["errors_by_kind"]["hash or ID flagged"] == 1

    rules = mode_report(out, "rules")
    assert rules["status"] == "ok" and rules["threshold"] == 0.5  # the rule priors are held to the threshold
    counts = rules["metrics"]["labelled-only"]
    assert counts["tp"] + counts["fn"] == 4
    assert rules["by_category"]["labelled-only"]["stripe"]["tp"] == 1
    assert rules["by_category"]["labelled-only"]["env-lookup"]["fp"] == 0
    assert rules["by_category"]["labelled-only"]["git-sha"]["fp"] == 0
    assert rules["sweep"]["labelled-only"]["best"]["threshold"] <= 1.0
    assert keyword["sweep"] == {} and keyword["threshold"] is None  # a naive baseline's every hit counts
    low, high = rules["metrics"]["labelled-only"]["f1_ci95"]
    assert low <= rules["metrics"]["labelled-only"]["f1"] <= high


def test_outputs_are_written_and_never_hold_a_secret(
    tiny_corpus: Path, corpus_secrets: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "rules", "--mode", "keyword", "--mode", "entropy",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0
    assert (out / "pr_curve.png").read_bytes().startswith(b"\x89PNG")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    for section in ("## Results", "## F1 by category", "## F1 by file kind", "## Errors", "pr_curve.png"):
        assert section in markdown
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {e["mode"] for e in errors} == {"rules", "keyword", "entropy"}
    missed_stripe = next(e for e in errors if e["mode"] == "keyword" and e["path"] == ".env" and e["line"] == 2)
    assert missed_stripe["outcome"] == "fn"
    assert missed_stripe["kind"] == "token missed"
    assert missed_stripe["value_masked"] == "sk…dc"
    assert missed_stripe["line_masked"] == "STRIPE_KEY=sk…dc"
    assert missed_stripe["context_after"] == ["DATABASE_URL=postgres://app:s…d@db.internal:5432/app"]
    everything = stdout + stderr + "".join(p.read_text(encoding="utf-8") for p in out.glob("*.*") if p.suffix != ".png")
    for secret in corpus_secrets:
        assert secret not in everything


def test_calibration_is_reported_with_its_diagram(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "rules", "--mode", "keyword", "--out", str(out)
    )
    assert code == 0, stderr
    assert (out / "reliability.png").read_bytes().startswith(b"\x89PNG")
    assert str(out / "reliability.png") in stdout
    rules = mode_report(out, "rules")
    calibration = rules["calibration"]["labelled-only"]
    bins = calibration["bins"]
    assert [(b["low"], b["high"]) for b in bins] == [(i / 10, (i + 1) / 10) for i in range(10)]
    # Every labelled line the rules scored is in one bin: the 4 secrets and the env lookup never scored.
    assert sum(b["count"] for b in bins) == calibration["lines"] > 0
    # ECE is the bins' gaps weighted by their lines (the bins are rounded to 4 digits).
    gaps = sum(b["count"] * abs(b["positive_rate"] - b["mean_score"]) for b in bins if b["count"])
    assert calibration["ece"] == pytest.approx(gaps / calibration["lines"], abs=1e-3)
    # Strict also counts the unlabelled SECRET_KEY line, as a non-secret.
    assert rules["calibration"]["strict"]["lines"] == calibration["lines"] + 1
    assert [point["threshold"] for point in rules["sweep"]["labelled-only"]["at"]] == [0.3, 0.5, 0.7, 0.9]
    at_half = rules["sweep"]["labelled-only"]["at"][1]
    assert {k: at_half[k] for k in ("tp", "fp", "fn")} == {
        k: rules["metrics"]["labelled-only"][k] for k in ("tp", "fp", "fn")
    }
    assert "calibration" not in mode_report(out, "keyword") or mode_report(out, "keyword")["calibration"] == {}
    low, high = calibration["ece_ci95"]
    assert low <= calibration["ece"] <= high
    assert (
        f"rules: ECE {calibration['ece']:.3f} (95% CI {low:.3f}–{high:.3f}; labelled-only, 10 bins, "
        f"{calibration['lines']} scored lines)"
    ) in stdout
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## Calibration" in markdown and "![reliability diagram](reliability.png)" in markdown
    assert "What a threshold buys" in markdown


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--gate-mode", "keyword", "--min-f1", "0.6"], 1),  # keyword F1 = 4/7 = 0.571
        (["--gate-mode", "keyword", "--min-f1", "0.57"], 0),
        (["--gate-mode", "entropy", "--min-f1", "0.3"], 0),  # labelled-only F1 = 1/3
        (["--gate-mode", "entropy", "--min-f1", "0.3", "--convention", "strict"], 1),  # strict F1 = 2/7
    ],
)
def test_min_f1_gate_exit_codes(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: int
) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "keyword", "--mode", "entropy", "--out", str(out), *args
    )
    assert code == expected
    assert ("FAILED" in stdout) == (expected == 1)
    gate = json.loads((out / "report.json").read_text(encoding="utf-8"))["gate"]
    assert gate["passed"] == (expected == 0)


def test_the_default_gate_mode_is_rules_without_a_judge(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "rules", "--min-f1", "0", "--out", str(tmp_path)
    )
    assert code == 0
    assert "gate: F1 of rules (labelled-only)" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "grep"], "unknown eval mode 'grep'"),
        (["--mode", "ollama:"], "unknown eval mode 'ollama:'"),
        (["--mode", "keyword", "--min-f1", "0.5"], "gate mode 'rules' is not among the modes run"),
        (["--mode", "keyword", "--gate-mode", "judge", "--min-f1", "0.5"], "gate mode 'judge' is not among"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, stderr = run_eval(capsys, "--corpus", str(tiny_corpus), "--out", str(tmp_path / "out"), *args)
    assert code == 2
    assert stderr.startswith("secretscan: error: ") and message in stderr
    assert stderr.count("\n") == 1


def test_bad_corpus_exits_2_with_one_line(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (tiny_corpus / "labels.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"path": "app/settings.py", "line": 99, "label": true, "category": "x"}\n')
    code, _, stderr = run_eval(capsys, "--corpus", str(tiny_corpus), "--mode", "keyword", "--out", str(tmp_path / "o"))
    assert code == 2
    assert stderr == f"secretscan: error: {tiny_corpus / 'labels.jsonl'}:9: app/settings.py has only 9 lines, not 99\n"
    assert not (tmp_path / "o").exists()  # nothing ran

    code, _, stderr = run_eval(capsys, "--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    assert code == 2 and "not a directory" in stderr
    code, _, stderr = run_eval(capsys, "--out", str(tmp_path / "o"))
    assert code == 2 and "give --corpus DIR, --examples FILE.jsonl, or both" in stderr


def test_detect_secrets_mode_runs_the_installed_tool(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("detect_secrets")
    out = tmp_path / "out"
    code, _, stderr = run_eval(capsys, "--corpus", str(tiny_corpus), "--mode", "detect-secrets", "--out", str(out))
    assert code == 0, stderr
    report = mode_report(out, "detect-secrets")
    assert report["detail"].startswith("detect-secrets 1.")
    # It knows Stripe live keys and URL passwords; it flags the AWS documentation key.
    assert report["by_category"]["labelled-only"]["stripe"]["tp"] == 1
    assert report["by_category"]["labelled-only"]["example-key"]["fp"] == 1


def test_detect_secrets_mode_is_skipped_with_a_note_when_not_installed(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setattr(sys, "executable", str(empty_bin / "python"))
    monkeypatch.setenv("PATH", str(empty_bin))
    out = tmp_path / "out"
    code, _, stderr = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "keyword", "--mode", "detect-secrets", "--out", str(out)
    )
    assert code == 0
    assert "detect-secrets: skipped (detect-secrets is not installed)" in stderr
    assert mode_report(out, "detect-secrets") == {
        "mode": "detect-secrets", "status": "skipped", "note": "detect-secrets is not installed",
    }  # fmt: skip
    assert "- detect-secrets: skipped: detect-secrets is not installed" in (out / "report.md").read_text()
    # Gating on a mode that could not run is neither a pass nor a fail: exit 2, after the report is written.
    (out / "report.json").unlink()
    code, _, stderr = run_eval(
        capsys, "--corpus", str(tiny_corpus), "--mode", "detect-secrets", "--gate-mode", "detect-secrets",
        "--min-f1", "0.1", "--out", str(out),
    )  # fmt: skip
    assert code == 2 and "gate mode 'detect-secrets' was skipped" in stderr
    assert (out / "report.json").is_file()
