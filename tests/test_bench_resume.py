"""benchmarks/bench_resume.py runs end to end on a small tree: the interrupted scan exits 130 with about half of the
verdicts kept, and the rerun completes (a smoke test of the script, no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_samples as samples
from benchmark_scripts import BENCHMARKS, load_benchmark_script


def test_bench_resume_interrupts_at_half_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # it shares helpers with bench_tree.py and bench_hook_and_scan.py
    bench = load_benchmark_script("bench_resume.py")
    tree = tmp_path / "tree"
    tree.mkdir()
    # 64 distinct prompts for the LLM: enough for four batches of 16 to be written before and after the stop.
    for index in range(8):
        lines = [f'service_{index}_{n}_password = "{samples.database_password(f"resume-{index}-{n}")}"' for n in range(8)]
        (tree / f"settings_{index}.py").write_text("\n".join(lines) + "\n")

    bench.main(["--tree", str(tree), "--llm-everything"])

    out = capsys.readouterr().out
    assert "(8 files), 64 LLM calls, scorer off" in out
    kept = int(out.split("interrupted")[1].split("(")[1].split(" of ")[0])
    assert 32 <= kept < 64
    assert "resumed" in out and "judged part of the resumed scan" in out
    assert samples.database_password("resume-0-0") not in out
