"""benchmarks/bench_gpu.py (the GPU check scripts/gpu_check.sh runs): its arguments, and the whole comparison with
plain TRL on cpu-tiny, where it runs in seconds. On a GPU it does the same with the h100 profile, plus QLoRA."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark_script
from trainkit import make_data

bench = load_benchmark_script("bench_gpu.py")


def test_bad_arguments_are_one_line_errors_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, val = make_data(tmp_path / "data")
    files = ["--data", str(train), "--validation", str(val), "--heldout", str(val)]
    for argv, message in [
        (["--out", str(tmp_path), "--data", str(tmp_path / "missing.jsonl")], "--data"),
        (["--out", str(tmp_path), *files, "--steps", "2"], "--steps must be at least 3"),
        (["--out", str(tmp_path), *files, "--device", "tpu"], "invalid choice: 'tpu'"),
    ]:
        with pytest.raises(SystemExit) as caught:
            bench.parse_args(argv)
        assert caught.value.code == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.startswith("bench_gpu.py: error: ") and message in last


def test_the_speed_ratio_is_ours_over_plain_trl_and_unknown_without_both() -> None:
    ours = bench.Measured("ours", 1500.0, 3.0, 60, 40.0)
    plain = bench.Measured("plain", 1200.0, 3.5, 60, 50.0)
    assert bench.speed_ratio(ours, plain) == pytest.approx(1.25)
    assert bench.speed_ratio(ours, bench.Measured("plain", None, None, 2, 1.0)) is None


def test_without_its_weights_qlora_gets_a_tiny_random_model_of_the_same_architecture(
        tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    kind, path, note = bench.qlora_base("secretscan-tests/not-a-cached-model", tmp_path / "tiny")
    assert kind == "hf" and note.startswith("a tiny random Qwen2")
    config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "qwen2" and config["num_hidden_layers"] == 4
    assert bench.qlora_base(path, tmp_path / "unused")[:2] == ("hf", path)


def test_the_comparison_runs_end_to_end_on_cpu_tiny(tmp_path: Path, shared_cache: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    train, val = make_data(tmp_path / "data")
    out = tmp_path / "out"
    assert bench.main(["--device", "cpu", "--profile", "cpu-tiny", "--steps", "3", "--data", str(train),
                       "--validation", str(val), "--heldout", str(val), "--limit", "6", "--out", str(out)]) == 0
    report = json.loads((out / "bench_gpu.json").read_text(encoding="utf-8"))
    ours, plain = report["runs"]
    assert ours["name"] == "secretscan-train (cpu-tiny)" and plain["name"] == "plain TRL SFTTrainer"
    assert ours["steps"] == plain["steps"] == 3
    assert ours["tokens_per_second"] > 0 and plain["tokens_per_second"] > 0
    assert report["speed_ratio"] == pytest.approx(ours["tokens_per_second"] / plain["tokens_per_second"])
    assert report["qlora_base"] == "skipped (needs CUDA)"
    assert report["adapter_eval"]["rows"] == 6 and 0.0 <= report["adapter_eval"]["auc"] <= 1.0
    assert "ours / plain TRL tokens/s: " in capsys.readouterr().out


def test_the_gpu_check_script_says_in_one_line_that_it_needs_a_gpu(tmp_path: Path) -> None:
    import subprocess

    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the script would run the whole check")
    script = Path(__file__).resolve().parents[2] / "scripts" / "gpu_check.sh"
    done = subprocess.run(["bash", str(script), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.strip() == "gpu_check.sh: error: needs a CUDA GPU that torch (.venv/bin/python) can see"
