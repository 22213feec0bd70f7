"""Session fixtures for the export tests: a real (tiny) training run, labelled test prompts, llama.cpp's converters.

The run is the `cpu-tiny` base (a 2-layer, hidden-64 random Llama with SmolLM2's tokenizer, built by
`secretscan.training.model_loading`) with a LoRA trained for a few real optimizer steps, saved in the layout
`secretscan-train train` writes. Everything heavy is built once per session, in a session cache dir so neither
the developer's cache nor a per-test cache is touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_samples import LORA_TARGETS, training_rows


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache dir shared by the session fixtures (the tokenizer of the embedded GGUF, llama.cpp's converters)."""
    path = tmp_path_factory.mktemp("export-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRETSCAN_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def heldout_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "test.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in training_rows()), encoding="utf-8")
    return path


def _train_lora(model: object, tokenizer: object, steps: int = 25) -> object:
    """A LoRA on every linear layer, trained on the labelled prompts (loss on the answer token only)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from secretscan.scanner.prompt import Prompt, render_chat

    torch.manual_seed(0)
    adapted = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=LORA_TARGETS))
    rows = training_rows()
    texts = [render_chat(Prompt(system=r["messages"][0]["content"], user=r["messages"][1]["content"])) for r in rows]  # type: ignore[index]
    answers = [tokenizer.encode(r["messages"][2]["content"], add_special_tokens=False)[0] for r in rows]  # type: ignore[index, attr-defined]
    encoded = [tokenizer(t, add_special_tokens=False, return_tensors="pt").input_ids for t in texts]  # type: ignore[operator]
    optimizer = torch.optim.AdamW([p for p in adapted.parameters() if p.requires_grad], lr=1e-2)
    adapted.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = sum(
            torch.nn.functional.cross_entropy(adapted(input_ids=ids).logits[:, -1], torch.tensor([answer]))
            for ids, answer in zip(encoded, answers, strict=True)
        )
        loss.backward()  # type: ignore[union-attr]
        optimizer.step()
    adapted.eval()
    return adapted


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory, session_cache: Path) -> Path:
    """A finished cpu-tiny training run: adapter/, tokenizer/ and run.json as `secretscan-train train` writes them."""
    pytest.importorskip("torch")
    pytest.importorskip("peft")
    from secretscan.training.config import config_to_dict, load_config
    from secretscan.training.model_loading import ResolvedSource, load_base_model
    from secretscan.training.runinfo import write_run_json

    profile = Path(__file__).resolve().parents[2] / "configs" / "train" / "cpu-tiny.yaml"
    config = load_config(profile)
    source = ResolvedSource("tiny", None, None, None, config.model.tiny)
    model, tokenizer = load_base_model(source)
    adapted = _train_lora(model, tokenizer)
    run = tmp_path_factory.mktemp("runs") / "cpu-tiny"
    adapted.save_pretrained(run / "adapter")  # type: ignore[attr-defined]
    tokenizer.save_pretrained(run / "tokenizer")
    write_run_json(run / "run.json", {
        "name": config.name,
        "config": config_to_dict(config),
        "base_model": source.as_dict(),
        "data": {"train": {"path": "tests/export (built in conftest)", "rows": len(training_rows())}},
        "adapter": "adapter",
        "tokenizer": "tokenizer",
        "metrics": {"steps": 25, "train_loss": None, "eval_loss": None},
    })
    return run


@pytest.fixture(scope="session")
def llama_cpp_tree(session_cache: Path) -> Path:
    """llama.cpp's converters from the installed llama-cpp-python's sdist (fetched once with pip)."""
    from secretscan.export.converter import converter_dir

    return converter_dir()


@pytest.fixture
def use_llama_cpp_tree(llama_cpp_tree: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECRETSCAN_LLAMA_CPP_DIR", str(llama_cpp_tree))
    return llama_cpp_tree


@pytest.fixture(scope="session")
def tiny_export(tiny_run: Path, heldout_file: Path, llama_cpp_tree: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`export all` over the tiny run, once: merge, GGUF, quantize, LoRA GGUF, round trip, Modelfiles, card."""
    from secretscan.training.cli import main

    out = tmp_path_factory.mktemp("export") / "judge"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRETSCAN_LLAMA_CPP_DIR", str(llama_cpp_tree))
        code = main(["export", "all", str(tiny_run), "--out", str(out), "--heldout", str(heldout_file)])
    assert code == 0
    return out
