"""The export library's small parts: metrics and the refusal rule, Modelfile parsing, quantize, converter
extraction, adapter checks, run loading and the CLI's error paths. No model training here."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from secretscan.errors import ModelError
from secretscan.export import roundtrip as rt
from secretscan.export.converter import ENV_OVERRIDE, NEEDED, converter_dir, extract_converters
from secretscan.export.lora_gguf import check_adapter_config
from secretscan.export.modelfile import Directive, ollama_template, parse_modelfile, render_modelfile
from secretscan.export.quantize import quant_type, quantize_gguf
from secretscan.export.run import load_run
from secretscan.scanner.prompt import Prompt, render_chat
from secretscan.training.cli import main


def test_f1_and_auc() -> None:
    labels = [True, True, False, False]
    assert rt.f1_at([0.9, 0.4, 0.6, 0.1], labels) == pytest.approx(0.5)
    assert rt.f1_at([0.1, 0.1], [False, False]) is None
    assert rt.roc_auc([0.9, 0.8, 0.3, 0.1], labels) == 1.0
    assert rt.roc_auc([0.1, 0.3, 0.8, 0.9], labels) == 0.0
    assert rt.roc_auc([0.5, 0.5, 0.5, 0.5], labels) == 0.5
    assert rt.roc_auc([0.9, 0.1], [True, True]) is None


def _scored(*scores: float) -> rt.Scored:
    return rt.Scored("x", tuple(scores), 0.01)


def test_compare_reports_agreement_and_drops() -> None:
    labels = [True] * 100 + [False] * 100
    reference = _scored(*([0.9] * 100 + [0.1] * 100))
    one_flip = _scored(*([0.9] * 99 + [0.4] + [0.1] * 100))
    result = rt.compare(reference, one_flip, labels, "Q8_0", "judge-q8_0.gguf")
    assert result.agreement == pytest.approx(0.995)
    assert result.f1_drop == pytest.approx(1 - 198 / 199)
    assert result.auc_drop == pytest.approx(0.0)
    assert result.max_score_gap == pytest.approx(0.5)
    assert result.refused is None
    three_flips = _scored(*([0.9] * 97 + [0.4] * 3 + [0.1] * 100))
    refused = rt.compare(reference, three_flips, labels, "Q8_0", "judge-q8_0.gguf").refused
    assert refused == "F1 drops 1.5 points (limit 1); agrees with the HF model on 98.5% of verdicts (needs 99%)"


def test_refusal_rule() -> None:
    assert rt.refusal_reason("Q4_K_M", 0.95, 0.009, 0.0) is None
    assert rt.refusal_reason("Q4_K_M", 0.95, 0.02, 0.0) == "F1 drops 2.0 points (limit 1)"
    assert "AUC drops 1.5 points" in (rt.refusal_reason("Q4_K_M", 1.0, 0.0, 0.015) or "")
    assert rt.refusal_reason("f16", 0.985, 0.0, 0.0) is not None
    assert rt.refusal_reason("lora", 0.985, 0.0, 0.0) is None


def test_load_heldout(tmp_path: Path) -> None:
    good = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"},
                         {"role": "assistant", "content": "yes"}], "label": True}
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "label": False}) + "\n")
    heldout = rt.load_heldout(path)
    assert heldout.prompts == (Prompt("s", "u"), Prompt("s", "u")) and heldout.labels == (True, False)
    assert len(rt.load_heldout(path, limit=1).labels) == 1
    path.write_text(json.dumps(good) + "\n" + json.dumps({"label": True}) + "\n")
    with pytest.raises(ModelError, match=r"test.jsonl:2: not a training row"):
        rt.load_heldout(path)
    path.write_text(json.dumps({**good, "label": "yes"}) + "\n")
    with pytest.raises(ModelError, match="label must be true or false"):
        rt.load_heldout(path)


def test_modelfile_template_is_our_chat_format(tmp_path: Path) -> None:
    prompt = Prompt(system="sys", user="path: a.py\nvalue: x")
    rendered = ollama_template().replace("{{ .System }}", "sys").replace("{{ .Prompt }}", prompt.user)
    assert rendered == render_chat(prompt)
    text = render_modelfile(tmp_path / "m.gguf", tmp_path, tmp_path / "sub" / "a.gguf", "Apache-2.0")
    parsed = parse_modelfile(text)
    assert [(d.command, d.argument) for d in parsed if d.command in ("FROM", "ADAPTER", "LICENSE")] == [
        ("FROM", "./m.gguf"), ("ADAPTER", "./sub/a.gguf"), ("LICENSE", "Apache-2.0")]
    outside = render_modelfile(Path("/opt/models/base.gguf"), tmp_path)
    assert parse_modelfile(outside)[0].argument == "/opt/models/base.gguf"


def test_modelfile_parser_rejects_what_ollama_rejects() -> None:
    assert parse_modelfile('# c\nfrom ./x.gguf\nsystem """a\nb"""\n') == [
        Directive("FROM", "./x.gguf"), Directive("SYSTEM", "a\nb")]
    with pytest.raises(ValueError, match="unknown Modelfile command"):
        parse_modelfile("FROMM x\n")
    with pytest.raises(ValueError, match="unterminated"):
        parse_modelfile('TEMPLATE """never closed\n')


def test_quantize_errors(tmp_path: Path) -> None:
    assert quant_type("q4_k_m") == "Q4_K_M"
    with pytest.raises(ModelError, match="unknown quantization 'Q4_1'"):
        quant_type("Q4_1")
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF but not really")
    with pytest.raises(ModelError, match="cannot quantize junk.gguf to Q8_0: .*failed to quantize"):
        quantize_gguf(junk, tmp_path / "out.gguf", "Q8_0")
    assert not list(tmp_path.glob("out.gguf*"))


def test_quantize_refuses_to_requantize_a_4_bit_model(smollm2_gguf: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="requantizing from type q4_1 is disabled"):
        quantize_gguf(smollm2_gguf, tmp_path / "out.gguf", "Q4_K_M")


def _sdist(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_extract_takes_only_the_converters(tmp_path: Path) -> None:
    root = "llama_cpp_python-9.9.9/vendor/llama.cpp/"
    members = {f"{root}{name}": b"x" for name in ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py", "LICENSE")}
    members |= {f"{root}conversion/__init__.py": b"", f"{root}gguf-py/gguf/__init__.py": b"",
                f"{root}ggml/src/huge.c": b"c", "llama_cpp_python-9.9.9/llama_cpp/llama.py": b"py"}
    extract_converters(_sdist(tmp_path / "sdist.tar.gz", members), tmp_path / "tree")
    found = sorted(p.relative_to(tmp_path / "tree").as_posix() for p in (tmp_path / "tree").rglob("*") if p.is_file())
    assert found == ["LICENSE", "conversion/__init__.py", "convert_hf_to_gguf.py", "convert_lora_to_gguf.py",
                     "gguf-py/gguf/__init__.py"]
    partial = {k: v for k, v in members.items() if "conversion" not in k}
    with pytest.raises(ModelError, match="has no vendored llama.cpp conversion"):
        extract_converters(_sdist(tmp_path / "partial.tar.gz", partial), tmp_path / "tree2")


def test_converter_dir_override_must_be_a_llama_cpp_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_OVERRIDE, str(tmp_path))
    with pytest.raises(ModelError, match="is not a llama.cpp tree"):
        converter_dir()
    for name in NEEDED:
        (tmp_path / name).mkdir()
    assert converter_dir() == tmp_path


@pytest.mark.parametrize(("change", "message"), [
    ({"use_rslora": True}, "rsLoRA"), ({"use_dora": True}, "DoRA"), ({"rank_pattern": {"q_proj": 4}}, "rank_pattern"),
    ({"peft_type": "IA3"}, "not LoRA"),
])
def test_adapters_llama_cpp_would_misapply_are_refused(tmp_path: Path, change: dict[str, object], message: str) -> None:
    config = {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "use_rslora": False, "use_dora": False,
              "rank_pattern": {}, "alpha_pattern": {}}
    (tmp_path / "adapter_config.json").write_text(json.dumps(config))
    assert check_adapter_config(tmp_path)["r"] == 8
    (tmp_path / "adapter_config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(ModelError, match=message):
        check_adapter_config(tmp_path)


def test_load_run_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run.json is missing"):
        load_run(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"name": "r"}))
    with pytest.raises(ModelError, match="does not record the base model"):
        load_run(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"name": "r", "base_model": {"kind": "tiny"}}))
    with pytest.raises(ModelError, match="holds no LoRA adapter"):
        load_run(tmp_path)
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    assert load_run(tmp_path).base_kind == "tiny"


def test_merge_refuses_a_base_gguf_that_changed_since_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("peft")
    base = tmp_path / "base.gguf"
    base.write_bytes(b"GGUF other weights")
    (tmp_path / "run" / "adapter").mkdir(parents=True)
    (tmp_path / "run" / "adapter" / "adapter_config.json").write_text("{}")
    (tmp_path / "run" / "run.json").write_text(json.dumps(
        {"base_model": {"kind": "gguf", "location": str(base), "sha256": "0" * 64}}))
    assert main(["export", "merge", str(tmp_path / "run"), "--out", str(tmp_path / "merged")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("secretscan-train: error: ") and "changed since the run trained on it" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_lists_every_export_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--help"]) == 0
    out = capsys.readouterr().out
    for command in ("merge", "gguf", "quantize", "lora-gguf", "modelfile", "card", "roundtrip", "all"):
        assert f"  {command} " in out


def test_cli_quantize_unknown_type_is_a_one_line_error(smollm2_gguf: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "quantize", str(smollm2_gguf), "--type", "Q3_X", "--out-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        "secretscan-train: error: unknown quantization 'Q3_X'; choose from "
        "Q8_0, Q6_K, Q5_K_M, Q5_K_S, Q4_K_M, Q4_K_S, Q5_0, Q4_0")


def test_cli_modelfile(smollm2_gguf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "Modelfile"
    assert main(["export", "modelfile", "--model", str(smollm2_gguf), "--out", str(out)]) == 0
    assert parse_modelfile(out.read_text())[0].argument == str(smollm2_gguf.resolve())
    assert "ollama create secretscan-judge -f" in capsys.readouterr().out


def test_export_folder_must_be_new_or_a_previous_export(tmp_path: Path) -> None:
    from secretscan.export.pipeline import prepare_out_dir

    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("keep me")
    with pytest.raises(ModelError, match="not empty and holds no previous export"):
        prepare_out_dir(mine, print)
    assert (mine / "todo.txt").read_text() == "keep me"
    previous = tmp_path / "export"
    (previous / "refused").mkdir(parents=True)
    (previous / "artifacts.json").write_text("{}")
    (previous / "judge-q6_k.gguf").write_bytes(b"old")
    prepare_out_dir(previous, print)
    assert previous.is_dir() and not any(previous.iterdir())


def test_export_result_fails_when_what_ships_by_default_was_refused(tmp_path: Path) -> None:
    from secretscan.export.pipeline import ExportResult

    shipped = ("judge-f16.gguf", "judge-lora.gguf", "judge-q8_0.gguf", "README.md")
    assert ExportResult(tmp_path, shipped, {"Q4_K_M": "AUC drops 3.0 points"}, True, {}).ok
    assert not ExportResult(tmp_path, shipped, {"lora": "F1 drops 2.0 points"}, True, {}).ok
    assert not ExportResult(tmp_path, shipped, {"first-use": "F1 drops 2.0 points"}, True, {}).ok
    assert not ExportResult(tmp_path, ("judge-lora.gguf", "README.md"), {}, True, {}).ok
