"""benchmarks/bench_batching.py on a tiny tree, with the real default judge: batched scores are the one-call scores."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_samples as samples
from benchmark_scripts import BENCHMARKS, load_benchmark_script


def test_batched_scores_match_one_call_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # it takes its prompts from bench_tree.py
    bench = load_benchmark_script("bench_batching.py")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "settings.py").write_text(
        f'admin_password = "{samples.database_password("one")}"\nsecret_key = "{samples.database_password("two")}"\n'
    )
    (tree / "app.yaml").write_text(f"api_token: {samples.database_password('three')}\n")
    (tmp_path / ".secretscan.toml").write_text('scorer = "none"\n')  # every uncertain candidate goes to the LLM

    bench.main(["--tree", str(tree), "--group", "2", "3"])

    out = capsys.readouterr().out
    assert "3 prompts from" in out and "one call each" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ") and line.split()[0] in ("2", "3")]
    assert [row[0] for row in rows] == ["2", "3"]
    # Same model, same tokens, another order of summation: the scores agree to well within a verdict.
    assert all(0 <= float(row[-1]) < 0.05 for row in rows)
    for secret in (samples.database_password(tag) for tag in ("one", "two", "three")):
        assert secret not in out
