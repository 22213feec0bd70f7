"""benchmarks/bench_tree.py runs end to end on a tiny tree and prints its table (a smoke test, no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_samples as samples
from benchmark_scripts import BENCHMARKS, load_benchmark_script


def test_bench_tree_prints_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # it shares helpers with bench_hook_and_scan.py
    bench = load_benchmark_script("bench_tree.py")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "settings.py").write_text(f'DATABASE_URL = "{samples.database_url()}"\n')
    (tree / "deploy.sh").write_text(f"export GITHUB_TOKEN={samples.github_token()}\n")
    (tree / "app.py").write_text(f'admin_password = "{samples.database_password("bench")}"\n')
    # Found from the tools' working directory (the tree's parent): the LLM judges every uncertain candidate, so
    # the token count and the per-call figure are exercised too.
    (tmp_path / ".secretscan.toml").write_text('scorer = "none"\n')

    bench.main(["--tree", str(tree), "--repeat", "1"])

    out = capsys.readouterr().out
    assert "(3 files), median of 1 run(s)" in out
    rows = {line.split("  ")[1]: line for line in out.splitlines() if line.startswith("  ") and "  " in line[2:]}
    assert {"secretscan scan --backend none", "secretscan scan (default judge)", "detect-secrets scan --all-files"} <= set(rows)
    default = rows["secretscan scan (default judge)"].split()
    assert default[-5] != "0" and default[-4] != "-" and default[-2] != "-"  # LLM calls, tokens/call, ms/call
    (fields,) = [line for line in out.splitlines() if "tokens per field" in line]
    assert all(f"{name} " in fields for name in ("path", "rule", "line", "value"))
    for secret in (samples.database_password("bench"), samples.github_token()):
        assert secret not in out
