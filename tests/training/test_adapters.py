"""Training on top of a GGUF LoRA: the peft <-> GGUF layout, folding into the base, stacking two adapters.

The layout test compares against llama.cpp itself on the shipped adapter; the mechanism test trains for real on
the tiny model (cpu-tiny) from a folded base and checks that the stacked adapter is the two deltas added up.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from trainkit import TINY_PROFILE, make_data, tiny_overrides

from secretscan.inference.models import embedded_base_model, file_sha256, shipped_adapter
from secretscan.training.adapters import (
    Heads,
    Lora,
    _permute,
    read_gguf_lora,
    read_peft,
    stack_adapters,
    write_gguf_lora,
    write_peft,
)

torch = pytest.importorskip("torch")
pytest.importorskip("peft")


def _embedded_heads() -> Heads:
    from gguf import GGUFReader

    reader = GGUFReader(embedded_base_model())
    count = reader.get_field("llama.attention.head_count")
    count_kv = reader.get_field("llama.attention.head_count_kv")
    assert count is not None and count_kv is not None
    return Heads(int(count.contents()), int(count_kv.contents()))


def test_the_shipped_adapter_round_trips_byte_for_byte(tmp_path: Path) -> None:
    from gguf import GGUFReader

    shipped = shipped_adapter()
    assert shipped is not None
    heads = _embedded_heads()
    lora = read_gguf_lora(shipped, heads)
    # Two r=16 adapters stacked (the first, and its continuation on real code): rank 32, scale 1.
    assert (lora.rank, lora.alpha, len(lora.pairs)) == (32, 32.0, 30 * 7)
    again = read_peft(write_peft(lora, tmp_path / "peft"))
    assert again.rank == lora.rank and again.alpha == lora.alpha
    assert all(np.array_equal(again.pairs[m][i], lora.pairs[m][i]) for m in lora.pairs for i in (0, 1))
    written = write_gguf_lora(again, heads, tmp_path / "again.gguf")
    original = {t.name: np.asarray(t.data) for t in GGUFReader(shipped).tensors}
    copy = {t.name: np.asarray(t.data) for t in GGUFReader(written).tensors}
    assert original.keys() == copy.keys()
    assert all(np.array_equal(original[name], copy[name]) for name in original)


def _p_secret(model: object, tokenizer: object, prompts: list[object]) -> list[float]:
    from secretscan.scanner.prompt import render_chat

    ids_of = tokenizer.convert_tokens_to_ids  # type: ignore[attr-defined]
    yes, no = ids_of("yes"), ids_of("no")
    scores = []
    for prompt in prompts:
        ids = tokenizer(render_chat(prompt), return_tensors="pt", add_special_tokens=False)  # type: ignore[operator]
        with torch.no_grad():
            logits = model(**ids).logits[0, -1]  # type: ignore[operator]
        scores.append(float(torch.softmax(logits[[yes, no]], 0)[0]))
    return scores


def test_the_peft_layout_answers_like_llama_cpp_with_the_shipped_adapter(tmp_path: Path, shared_cache: Path) -> None:
    """The un-permuted q/k rows are right: Hugging Face + peft and llama.cpp give the same P(secret)."""
    from peft import PeftModel

    from secretscan.inference.llama_cpp import LlamaCppJudge
    from secretscan.scanner.prompt import build_prompt
    from secretscan.scanner.types import Candidate
    from secretscan.training.model_loading import ResolvedSource, load_base_model

    base, shipped = embedded_base_model(), shipped_adapter()
    assert shipped is not None
    values = ["hunter2", "Xk29fPq81LmZ0aQw", "${DB_PASSWORD}", "aB3dE5gH7jK9mN1p"]
    prompts = [build_prompt(Candidate("app/settings.py", 3, 16, v, "generic-password", "password",
                                      f'db_password = "{v}"')) for v in values]
    reference = LlamaCppJudge(base, shipped).score(prompts)
    model, tokenizer = load_base_model(ResolvedSource("gguf", str(base), None, None, None))
    heads = _embedded_heads()
    lora = read_gguf_lora(shipped, heads)
    # The same adapter with the q/k rows left as llama.cpp stores them: what a wrong conversion would give.
    unpermuted = Lora(lora.alpha, lora.rank, {
        m: (a, _permute(b, heads.n_head if m.endswith("q_proj") else heads.n_kv_head, inverse=False)
            if m.endswith(("q_proj", "k_proj")) else b) for m, (a, b) in lora.pairs.items()})
    answers = []
    for name, candidate in (("right", lora), ("wrong", unpermuted)):
        adapted = PeftModel.from_pretrained(model, str(write_peft(candidate, tmp_path / name))).eval()
        answers.append(_p_secret(adapted, tokenizer, prompts))
        model = adapted.unload()
    right, wrong = answers
    assert max(abs(r - x) for r, x in zip(right, reference)) < 0.03, (right, reference)
    assert max(abs(w - x) for w, x in zip(wrong, reference)) > 0.1, (wrong, reference)


def test_training_on_a_folded_tiny_base_and_stacking_adds_the_two_deltas(tmp_path: Path, shared_cache: Path) -> None:
    from peft import PeftModel

    from secretscan.training.adapters import fold_adapter, stack_run
    from secretscan.training.cli import main
    from secretscan.training.config import load_config
    from secretscan.training.model_loading import load_base_model, resolve_source
    from secretscan.training.train import train

    tiny = load_config(TINY_PROFILE)
    source = resolve_source(tiny.model)
    base, tokenizer = load_base_model(source)
    heads = Heads(base.config.num_attention_heads, base.config.num_key_value_heads)
    # A first adapter with real (non-zero) deltas on every projection, standing in for the shipped one.
    rng = np.random.default_rng(0)
    pairs = {}
    for name, module in base.named_modules():
        if name.endswith(("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")):
            out_features, in_features = module.weight.shape
            pairs[name.removeprefix("model.")] = (rng.normal(0, 0.3, (4, in_features)).astype(np.float32),
                                                  rng.normal(0, 0.3, (out_features, 4)).astype(np.float32))
    first = write_gguf_lora(Lora(8.0, 4, pairs), heads, tmp_path / "first.gguf")
    (tmp_path / "first.json").write_text(json.dumps({"base_sha256": "b" * 64, "adapter_sha256": "a" * 64}))
    folded = fold_adapter(source, first, tmp_path / "folded")

    train_file, val_file = make_data(tmp_path / "data")
    overrides = tiny_overrides(tmp_path / "run", train_file, val_file, **{
        "model.kind": "hf", "model.path": folded, "model.tiny": "null"})
    result = train(load_config(TINY_PROFILE, overrides), echo=False)
    run = json.loads((result.output_dir / "run.json").read_text())
    assert run["base_model"]["kind"] == "hf"
    assert run["metrics"]["train_loss"] < run["metrics"]["first_train_loss"]

    stacked_file = stack_run(first, result.output_dir, tmp_path / "stacked.gguf")
    stacked = read_gguf_lora(stacked_file, heads)
    assert stacked.rank == 4 + read_peft(result.adapter_dir).rank and stacked.alpha == stacked.rank
    # It applies to the first adapter's base, and its manifest says so, with its own hash.
    manifest = json.loads((tmp_path / "stacked.json").read_text())
    assert manifest == {"base_sha256": "b" * 64, "adapter_sha256": file_sha256(stacked_file)}

    ids = torch.tensor([tokenizer("api_key = 'x'", add_special_tokens=False)["input_ids"]])
    folded_model, _ = load_base_model(resolve_source(load_config(TINY_PROFILE, overrides).model))
    with torch.no_grad():
        expected = PeftModel.from_pretrained(folded_model, str(result.adapter_dir)).eval()(ids).logits
        actual = PeftModel.from_pretrained(base, str(write_peft(stacked, tmp_path / "stacked"))).eval()(ids).logits
    # f16 storage of the stacked factors is the only difference.
    assert torch.allclose(actual, expected, atol=2e-2, rtol=1e-2), float((actual - expected).abs().max())

    # The CLI refuses to stack onto a run that was not trained on a folded base: one line, exit 2.
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "run.json").write_text(json.dumps({"base_model": {"kind": "tiny"}}))
    assert main(["adapter", "stack", str(first), str(tmp_path / "plain"), "--out", str(tmp_path / "x.gguf")]) == 2


def test_stacking_pads_a_module_only_one_adapter_has() -> None:
    a = np.ones((2, 3), np.float32)
    b = np.ones((5, 2), np.float32)
    first = Lora(4.0, 2, {"layers.0.self_attn.q_proj": (a, b)})
    second = Lora(1.0, 1, {"layers.0.mlp.up_proj": (np.ones((1, 3), np.float32), np.ones((4, 1), np.float32))})
    stacked = stack_adapters(first, second)
    assert stacked.rank == 3 and stacked.scale == 1.0
    sa, sb = stacked.pairs["layers.0.self_attn.q_proj"]
    np.testing.assert_allclose(sb @ sa, first.scale * (b @ a))
    ua, ub = stacked.pairs["layers.0.mlp.up_proj"]
    np.testing.assert_allclose(ub @ ua, np.ones((4, 3)))
