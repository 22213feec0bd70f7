"""benchmarks/bench_reasons.py runs end to end on a tiny tree and on the hook's commit (a smoke test, no timing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from benchmark_scripts import BENCHMARKS, load_benchmark_script
from test_explain import corpus, corpus_values, leaked

SRC = Path(__file__).resolve().parents[1] / "src"


def test_reasons_cost_per_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # it shares helpers with bench_hook_and_scan.py
    bench = load_benchmark_script("bench_reasons.py")
    tree = tmp_path / "tree"
    for name, text in corpus().items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text, encoding="utf-8")
    bench.main([str(tree), "--repeat", "2"])
    out = capsys.readouterr().out
    found = re.search(r"5 files, (\d+) scored candidates, (\d+) reported", out)
    assert found and 0 < int(found.group(2)) <= int(found.group(1)), out
    assert re.search(r"reasons: [\d.]+ ms in all, \d+ us per finding \(best of 2\), [\d.]+% of the scan stage", out)
    assert not leaked(out, corpus_values())


def test_hook_timing_per_source(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    bench = load_benchmark_script("bench_reasons.py")
    bench.main(["--hook", str(SRC), "--repeat", "1"])
    out = capsys.readouterr().out
    assert "hook on 10 staged files, median of 1 interleaved runs:" in out
    assert re.search(rf"  {re.escape(str(SRC))}: [\d.]+ s \(min [\d.]+\)", out)
