"""The whole export chain on the cpu-tiny run (`secretscan-train export all`): merge -> GGUF -> quantize ->
LoRA GGUF -> round trip -> Modelfiles -> card. The chain runs once per session (fixture `tiny_export`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from export_samples import labelled_candidates

from secretscan.export.modelfile import parse_modelfile
from secretscan.scanner.prompt import SYSTEM_PROMPT, build_prompt, render_chat

pytest.importorskip("torch")


def test_bundle_has_every_artifact_and_nothing_was_refused(tiny_export: Path) -> None:
    names = {p.name for p in tiny_export.iterdir()}
    assert {
        "merged", "judge-f16.gguf", "judge-q8_0.gguf", "judge-q4_k_m.gguf", "judge-lora.gguf", "judge-lora.json",
        "base-f16.gguf", "Modelfile", "Modelfile.adapter", "README.md", "artifacts.json", "roundtrip.json",
    } <= names
    assert "refused" not in names
    assert (tiny_export / "merged" / "config.json").is_file()
    assert list((tiny_export / "merged").glob("*.safetensors"))


def test_artifacts_json_hashes_every_file(tiny_export: Path) -> None:
    document = json.loads((tiny_export / "artifacts.json").read_text())
    on_disk = {
        p.relative_to(tiny_export).as_posix()
        for p in tiny_export.rglob("*")
        if p.is_file() and p.name != "artifacts.json"
    }
    assert set(document["files"]) == on_disk
    for name, entry in document["files"].items():
        data = (tiny_export / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    assert document["run"]["base_model"]["kind"] == "tiny"
    steps = {"merge", "convert (merged, LoRA, base)", "quantize Q4_K_M", "quantize Q8_0", "round trip"}
    assert steps <= set(document["timings_seconds"])


def test_round_trip_agrees_with_the_hf_model(tiny_export: Path) -> None:
    report = json.loads((tiny_export / "roundtrip.json").read_text())
    variants = {v["variant"]: v for v in report["variants"]}
    assert set(variants) == {"f16", "Q4_K_M", "Q8_0", "lora", "first-use"}
    # The trained tiny adapter separates the test prompts, so agreement is not two models saying "no" everywhere.
    assert report["reference"]["f1"] == 1.0 and report["reference"]["auc"] == 1.0
    for name in ("f16", "Q8_0", "lora", "first-use"):
        assert variants[name]["agreement"] == 1.0, name
        assert variants[name]["refused"] is None, name
        assert variants[name]["max_score_gap"] < 0.05, name
    # Q4_K_M is measured and reported whatever it scores.
    assert 0.0 <= variants["Q4_K_M"]["agreement"] <= 1.0


def test_gguf_gives_the_hf_models_top_label_on_the_test_prompts(tiny_export: Path) -> None:
    """Independently of roundtrip.py: the yes/no ordering of the HF logits and of llama.cpp's, prompt by prompt."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from secretscan.inference.llama_cpp import LlamaCppJudge

    prompts = [build_prompt(candidate) for candidate, _ in labelled_candidates()]
    tokenizer = AutoTokenizer.from_pretrained(tiny_export / "merged")
    model = AutoModelForCausalLM.from_pretrained(tiny_export / "merged")
    yes, no = (tokenizer.encode(word, add_special_tokens=False)[0] for word in ("yes", "no"))
    with torch.inference_mode():
        hf_says_yes = []
        for prompt in prompts:
            ids = tokenizer(render_chat(prompt), add_special_tokens=False, return_tensors="pt").input_ids
            logits = model(ids).logits
            hf_says_yes.append(bool(logits[0, -1, yes] > logits[0, -1, no]))
    assert True in hf_says_yes and False in hf_says_yes
    for model_file, lora in (("judge-q8_0.gguf", None), ("judge-f16.gguf", None), ("base-f16.gguf", "judge-lora.gguf")):
        judge = LlamaCppJudge(tiny_export / model_file, tiny_export / lora if lora else None)
        assert [score > 0.5 for score in judge.score(prompts)] == hf_says_yes, model_file


def test_modelfiles_parse_and_match_our_prompt_format(tiny_export: Path) -> None:
    merged = parse_modelfile((tiny_export / "Modelfile").read_text())
    commands = [d.command for d in merged]
    assert commands.count("FROM") == 1 and "ADAPTER" not in commands
    source = next(d.argument for d in merged if d.command == "FROM")
    assert source.startswith("./judge-") and (tiny_export / source).is_file()
    # The smallest merged GGUF that passed the round trip.
    assert source == "./judge-q4_k_m.gguf"

    template = next(d.argument for d in merged if d.command == "TEMPLATE")
    prompt = build_prompt(labelled_candidates()[0][0])
    rendered = template.replace("{{ .System }}", prompt.system).replace("{{ .Prompt }}", prompt.user)
    assert rendered == render_chat(prompt)
    assert next(d.argument for d in merged if d.command == "SYSTEM") == SYSTEM_PROMPT
    parameters = [d.argument for d in merged if d.command == "PARAMETER"]
    assert "temperature 0" in parameters and "num_predict 1" in parameters
    assert {'stop "<|im_end|>"', 'stop "<|im_start|>"'} <= set(parameters)

    adapter = {d.command: d.argument for d in parse_modelfile((tiny_export / "Modelfile.adapter").read_text())}
    assert adapter["FROM"] == "./base-f16.gguf"
    assert adapter["ADAPTER"] == "./judge-lora.gguf"
    assert adapter["TEMPLATE"] == template


def test_model_card_describes_base_data_config_metrics_and_limits(tiny_export: Path) -> None:
    card = (tiny_export / "README.md").read_text()
    assert card.startswith("---\nlicense: apache-2.0\n")
    for heading in ("## Base model and licence", "## Training data", "## Training configuration", "## Evaluation",
                    "## Intended use and limitations"):
        assert heading in card
    assert "tiny randomly initialised Llama" in card
    assert "r 8, alpha 16, dropout 0, targets q_proj" in card
    assert "held-out (round-trip check): 8 examples" in card
    for variant in ("| f16 |", "| Q8_0 |", "| Q4_K_M |", "| lora |", "| first-use |"):
        assert variant in card
    assert "ollama create secretscan-judge -f Modelfile" in card


def test_lora_manifest_names_the_base_it_applies_to(tiny_export: Path) -> None:
    manifest = json.loads((tiny_export / "judge-lora.json").read_text())
    assert manifest["base_file"] == "base-f16.gguf"
    for key, name in (("base_sha256", "base-f16.gguf"), ("adapter_sha256", "judge-lora.gguf")):
        assert manifest[key] == hashlib.sha256((tiny_export / name).read_bytes()).hexdigest()


def test_roundtrip_command_refuses_a_model_that_lost_the_fine_tune(
    tiny_export: Path, tiny_run: Path, heldout_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The base GGUF without the adapter stands in for a quantization that rounded the fine-tune away."""
    from secretscan.training.cli import main

    report = tmp_path / "roundtrip.json"
    args = ["export", "roundtrip", str(tiny_export / "merged"), "--heldout", str(heldout_file),
            "--gguf", str(tiny_export / "judge-q8_0.gguf"), "--gguf", str(tiny_export / "base-f16.gguf"),
            "--base", str(tiny_export / "base-f16.gguf"), "--lora", str(tiny_export / "judge-lora.gguf"),
            "--json", str(report)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "base-f16" in out and "REFUSED: F1 drops" in out
    variants = {v["variant"]: v for v in json.loads(report.read_text())["variants"]}
    assert variants["judge-q8_0"]["refused"] is None and variants["lora"]["refused"] is None
    assert variants["base-f16"]["refused"].startswith("F1 drops")

    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "judge-q8_0.gguf").write_bytes((tiny_export / "judge-q8_0.gguf").read_bytes())
    assert main(["export", "card", str(tiny_run), str(folder), "--roundtrip", str(report)]) == 0
    card = (folder / "README.md").read_text()
    assert "| base-f16 | base-f16.gguf |" in card and "refused: F1 drops" in card
    assert set(json.loads((folder / "artifacts.json").read_text())["files"]) == {"judge-q8_0.gguf", "README.md"}


def test_the_card_shows_the_benchmark_reports_of_secretscan_eval(
    tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from secretscan.cli import main as secretscan_main
    from secretscan.training.cli import main

    heldout = Path(__file__).resolve().parents[2] / "benchmarks" / "heldout"
    assert secretscan_main(["eval", "--corpus", str(heldout), "--mode", "rules", "--out", str(tmp_path / "eval")]) == 0
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    rules = report["modes"][0]["metrics"]["labelled-only"]
    folder = tmp_path / "bundle"
    folder.mkdir()
    assert main(["export", "card", str(tiny_run), str(folder), "--eval", str(tmp_path / "eval" / "report.json")]) == 0
    card = (folder / "README.md").read_text()
    assert f"`{report['corpus']['path']}` ({report['corpus']['files']} files" in card
    assert f"| rules (rules only, no judge) | {100 * rules['precision']:.1f} | {100 * rules['recall']:.1f} |" in card

    (tmp_path / "not-a-report.json").write_text('{"modes": []}')
    capsys.readouterr()
    assert main(["export", "card", str(tiny_run), str(folder), "--eval", str(tmp_path / "not-a-report.json")]) == 2
    assert "is not a report.json written by `secretscan eval`" in capsys.readouterr().err
