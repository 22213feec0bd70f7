"""The judge modes on the real embedded GGUF (llama.cpp in process): the sweep, the plot, the judge-level eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretscan.cli import main
from secretscan.scanner.prompt import build_prompt, to_messages
from secretscan.scanner.types import Candidate

pytestmark = pytest.mark.slow


def counts(row: dict[str, object]) -> dict[str, object]:
    return {key: row[key] for key in ("tp", "fp", "fn", "tn")}


def test_judge_mode_sweeps_every_threshold_from_one_scan(
    tiny_corpus: Path, corpus_secrets: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    # No cheap scorer: the LLM judges every candidate, so its probabilities make the sweep.
    args = ["eval", "--corpus", str(tiny_corpus), "--mode", "rules", "--mode", "judge", "--scorer", "none"]
    code = main([*args, "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert "eval: judge: judged " in stderr  # progress while the judge works
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    judge = next(m for m in report["modes"] if m["mode"] == "judge")
    assert judge["status"] == "ok" and judge["detail"].startswith("llama-cpp: ")
    assert judge["stats"]["judged"] > 0 and judge["stats"]["backend"] == "llama-cpp"
    assert judge["threshold"] == report["threshold"] == 0.5

    sweep = judge["sweep"]["labelled-only"]
    thresholds = [p["threshold"] for p in sweep["points"]]
    assert thresholds == sorted(thresholds, reverse=True) and all(0 <= t <= 1 for t in thresholds)
    # Lowering the threshold only ever adds findings.
    recalls = [p["recall"] for p in sweep["points"]]
    assert recalls == sorted(recalls)
    best = sweep["best"]
    assert best["f1"] == max(p["f1"] for p in sweep["points"] if p["f1"] is not None)
    # The metrics at the shipped threshold are the sweep's point for the lowest score still >= 0.5.
    at_shipped = [p for p in sweep["points"] if p["threshold"] >= 0.5]
    metrics = judge["metrics"]["labelled-only"]
    if at_shipped:
        assert counts(at_shipped[-1]) == counts(metrics)
    else:
        assert metrics["tp"] == metrics["fp"] == 0
    # At the lowest threshold both scanner modes report the same lines: every candidate the filters let through.
    rules = next(m for m in report["modes"] if m["mode"] == "rules")
    assert counts(sweep["points"][-1]) == counts(rules["sweep"]["labelled-only"]["points"][-1])

    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## Threshold sweep" in markdown and "F1-optimal threshold" in markdown
    assert "candidates judged in" in markdown
    assert (out / "pr_curve.png").read_bytes().startswith(b"\x89PNG")
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    for error in errors:
        if error["mode"] == "judge" and error["outcome"] == "fn" and error["score"] is not None:
            assert error["stage"].startswith("scored ") and error["score"] < 0.5
    written = stdout + stderr + "".join(p.read_text(encoding="utf-8") for p in out.glob("*.*") if p.suffix != ".png")
    assert not any(secret in written for secret in corpus_secrets)


def _example(line_text: str, secret: str, label: bool, category: str) -> str:
    candidate = Candidate(path="app/config.py", line=3, column=1, secret=secret, rule="generic-password",
                          category=category, line_text=line_text)  # fmt: skip
    prompt = build_prompt(candidate)
    answer = "yes" if label else "no"
    return json.dumps({"messages": to_messages(prompt, answer), "label": label, "meta": {"category": category}})


def test_judge_level_eval_on_jsonl_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    examples = tmp_path / "val.jsonl"
    rows = [
        _example('DB_PASSWORD = "Tr0ub4dor&3xyz"', "Tr0ub4dor&3xyz", True, "password"),
        _example('API_KEY = "q8ZxT2vLp9RwN4sK7mBdQ"', "q8ZxT2vLp9RwN4sK7mBdQ", True, "api-key"),
        _example('DB_PASSWORD = "changeme"', "changeme", False, "password"),
        _example('API_KEY = "<your-api-key>"', "<your-api-key>", False, "api-key"),
        _example('NOT_USED = "unused"', "unused", False, "password"),
    ]
    examples.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["eval", "--examples", str(examples), "--limit-examples", "4", "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert "judge-level: accuracy" in stdout and "ms per candidate" in stdout
    assert "eval: examples: judged 4/4" in stderr
    result = json.loads((out / "report.json").read_text(encoding="utf-8"))["judge_eval"]
    assert result["examples"] == 4  # --limit-examples
    assert result["tp"] + result["fp"] + result["fn"] + result["tn"] == 4
    assert result["accuracy"] == pytest.approx((result["tp"] + result["tn"]) / 4, abs=1e-4)
    assert 0 <= result["ece"] <= 1 and 0 <= result["brier"] <= 1
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p95"]
    assert set(result["by_category"]) == {"password", "api-key"}
    assert "## Judge-level eval" in (out / "report.md").read_text(encoding="utf-8")


def test_missing_model_and_bad_examples_exit_2_with_one_line(
    tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", "--corpus", str(tiny_corpus), "--mode", "judge", "--model", str(tmp_path / "nope.gguf"),
                 "--out", str(tmp_path / "out")])  # fmt: skip
    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr.startswith("secretscan: error: ") and stderr.count("\n") == 1 and "nope.gguf" in stderr

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "x"}], "label": true}\n', encoding="utf-8")
    code = main(["eval", "--examples", str(bad), "--out", str(tmp_path / "out")])
    stderr = capsys.readouterr().err
    assert code == 2
    assert stderr == f"secretscan: error: {bad}:1: needs a non-empty system and user message\n"


def test_scorer_option_switches_the_cascade(tiny_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stats = {}
    for name, extra in (("cascade", []), ("llm-only", ["--scorer", "none"])):
        out = tmp_path / name
        assert main(["eval", "--corpus", str(tiny_corpus), "--mode", "judge", "--out", str(out), *extra]) == 0
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        stats[name] = report["modes"][0]["stats"]
    assert stats["cascade"]["settled"] > 0
    assert stats["llm-only"]["settled"] == 0
    assert stats["llm-only"]["judged"] > stats["cascade"]["judged"]
    capsys.readouterr()
    assert main(["eval", "--corpus", str(tiny_corpus), "--mode", "judge", "--scorer", str(tmp_path / "nope.npz")]) == 2
    assert "cannot read it" in capsys.readouterr().err
