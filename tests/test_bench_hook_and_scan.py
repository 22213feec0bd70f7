"""benchmarks/bench_hook_and_scan.py runs end to end, once each, with a tiny tree (a smoke test, no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_samples as samples
from benchmark_scripts import load_benchmark_script


def test_bench_hook_and_scan_prints_every_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_benchmark_script("bench_hook_and_scan.py")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "settings.py").write_text(f'DATABASE_URL = "{samples.database_url()}"\n')
    (tree / "deploy.sh").write_text(f"export GITHUB_TOKEN={samples.github_token()}\n")

    bench.main(["--tree", str(tree), "--repeat", "1"])

    out = capsys.readouterr().out
    assert "hook, settled commit: 10 staged files" in out
    assert "hook, one LLM-judged candidate: 10 staged files" in out
    tables = out.split("\nhook, ")
    judged = next(table for table in tables if table.startswith("one LLM-judged candidate"))
    (judged_row,) = [line for line in judged.splitlines() if line.strip().startswith(bench.JUDGE_HOOK)]
    assert judged_row.endswith(", 1 LLM call")  # checked on every run: the judged case asked the LLM once
    (tree_row,) = [line for line in out.splitlines() if "secretscan scan (rules only)" in line]
    assert tree_row.endswith(" MB/s")
    targets = out.split("\ntargets\n")[1].splitlines()
    assert len(targets) == 7 and all(line.startswith(("  [ok] ", "  [MISSED] ")) for line in targets)
    assert any("one LLM-judged candidate, hook <= 1.5x detect-secrets-hook" in line for line in targets)
    assert any("rules-only tree scan >= 30 MB/s" in line for line in targets)
    for call in bench.JUDGEMENT_CALLS:
        assert call.split('"')[1] not in out
    assert samples.github_token() not in out
