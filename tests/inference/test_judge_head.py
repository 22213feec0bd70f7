"""The judge's head: the hidden state llama.cpp hands out, the head file, and the judge that reads through it.

All on the real embedded GGUF and, for the default judge, the real shipped adapter.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from judge_samples import prompt_for

from secretscan.config import Config
from secretscan.errors import ModelError
from secretscan.inference.default_judge import DefaultJudge
from secretscan.inference.factory import make_judge
from secretscan.inference.head import Head, head_document, load_head
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.models import adapter_hashes, embedded_base_model, shipped_adapter, shipped_head
from secretscan.scanner.prompt import render_chat

HIDDEN_SIZE = 576  # SmolLM2-135M
PROMPTS = [
    prompt_for('DB_PASSWORD = "Qx7-harbor-lamp-91"', "Qx7-harbor-lamp-91"),
    prompt_for('API_KEY = "<your-api-key>"', "<your-api-key>"),
    prompt_for('token = os.environ["TOKEN"]', "TOKEN", path="app/client.py"),
    prompt_for('password: "changeme"', "changeme", path="tests/fixtures/users.yml"),
]


@pytest.fixture(scope="module")
def state_judge(smollm2_gguf: Path) -> LlamaCppJudge:
    """A judge on the embedded model that keeps each call's hidden state."""
    judge = LlamaCppJudge(smollm2_gguf, hidden_states=True)
    judge.load()
    return judge


def write_head(path: Path, weights: list[float], llm_coef: float, bias: float, adapter_sha: str) -> Head:
    path.write_text(head_document(weights, llm_coef, bias, adapter_sha), encoding="utf-8")
    return load_head(path)


def test_the_hidden_state_is_the_one_the_label_logits_are_read_from(state_judge: LlamaCppJudge) -> None:
    """SmolLM2 ties its output matrix to the token embeddings: the logits are the embedding rows dotted with the
    state. llama.cpp multiplies with quantised activations, so they agree closely, not to the bit."""
    import gguf

    runner = state_judge.runner
    embeddings = next(t for t in gguf.GGUFReader(str(runner.model_path)).tensors if t.name == "token_embd.weight")
    rows = gguf.quants.dequantize(embeddings.data, embeddings.tensor_type)
    for prompt in PROMPTS[:3]:
        logits = np.asarray(runner.next_token_logits(runner.tokenize(render_chat(prompt), special=True)))
        state = np.asarray(runner.hidden_state())
        assert state.shape == (HIDDEN_SIZE,) and np.isfinite(state).all()
        ours = rows @ state
        assert np.corrcoef(ours, logits)[0, 1] > 0.999 and ours.argmax() == logits.argmax()
        assert np.abs(ours - logits).max() < 0.2 * logits.std()


def test_a_prompt_read_cold_or_after_another_has_the_same_state(state_judge: LlamaCppJudge) -> None:
    first, second = PROMPTS[0], PROMPTS[1]
    state_judge.runner.forget()
    ((_, cold),) = state_judge.read([first], hidden_states=True)
    (_, other), (_, warm) = state_judge.read([second, first], hidden_states=True)
    assert list(cold) == list(warm) and list(cold) != list(other)


def test_keeping_states_changes_no_answer(base_judge: LlamaCppJudge, state_judge: LlamaCppJudge) -> None:
    ((p, state),) = base_judge.read(PROMPTS[:1], hidden_states=False)
    assert len(state) == 0 and base_judge.score(PROMPTS[:1]) == [p]
    assert state_judge.score(PROMPTS) == base_judge.score(PROMPTS)


def test_no_state_before_a_prompt_nor_from_a_runner_that_keeps_none(
    smollm2_gguf: Path, base_judge: LlamaCppJudge
) -> None:
    judge = LlamaCppJudge(smollm2_gguf, n_threads=1, hidden_states=True)
    with pytest.raises(ModelError, match="no prompt evaluated yet"):
        judge.runner.hidden_state()
    with pytest.raises(ModelError, match="keeps no hidden states"):
        base_judge.read(PROMPTS[:1], hidden_states=True)


def test_a_head_is_logistic_regression_on_the_state_and_the_llm_log_odds(tmp_path: Path) -> None:
    weights = [0.0] * HIDDEN_SIZE
    weights[7] = 0.5
    head = write_head(tmp_path / "head.json", weights, llm_coef=2.0, bias=-1.0, adapter_sha="a" * 64)
    state = [0.0] * HIDDEN_SIZE
    state[7] = 3.0
    expected = 1 / (1 + math.exp(-(-1.0 + 2.0 * math.log(0.8 / 0.2) + 0.5 * 3.0)))
    assert head.probability(0.8, state) == pytest.approx(expected)
    with pytest.raises(ModelError, match="expects a hidden state of 576"):
        head.probability(0.8, state[:-1])


def test_the_judge_answers_through_its_head_and_its_model_id_names_it(
    smollm2_gguf: Path, state_judge: LlamaCppJudge, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    head = write_head(tmp_path / "head.json", list(rng.normal(0, 0.05, HIDDEN_SIZE)), 0.7, 0.2, "b" * 64)
    judged = LlamaCppJudge(smollm2_gguf, n_threads=1, head=head)
    expected = [head.probability(p, state) for p, state in state_judge.read(PROMPTS[:4], hidden_states=True)]
    assert judged.score(PROMPTS[:4]) == pytest.approx(expected, abs=1e-6)
    assert judged.model_id == f"{state_judge.model_id}+head:{head.identity}"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "not a head file"),
        ('{"format": 1, "weights": [1.0], "llm_coef": 1.0, "bias": 0.0}', "not a head file"),
        ('{"format": 2, "weights": [1.0], "llm_coef": 1.0, "bias": 0.0, "adapter_sha256": "x"}', "format 2"),
        ('{"format": 1, "weights": [], "llm_coef": 1.0, "bias": 0.0, "adapter_sha256": "x"}', "empty or non-finite"),
        ('{"format": 1, "weights": [NaN], "llm_coef": 1.0, "bias": 0.0, "adapter_sha256": "x"}', "non-finite"),
        ('{"format": 1, "weights": ["a"], "llm_coef": 1.0, "bias": 0.0, "adapter_sha256": "x"}', "not a head file"),
    ],
)
def test_a_damaged_head_file_is_a_model_error(tmp_path: Path, text: str, complaint: str) -> None:
    path = tmp_path / "head.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=complaint):
        load_head(path)
    with pytest.raises(ModelError, match="cannot read it"):
        load_head(tmp_path / "missing.json")


def test_a_head_fitted_for_another_adapter_is_refused(tmp_path: Path) -> None:
    adapter = shipped_adapter()
    assert adapter is not None
    head_file = tmp_path / "head.json"
    write_head(head_file, [0.0] * HIDDEN_SIZE, 1.0, 0.0, "c" * 64)
    with pytest.raises(ModelError, match="fitted for another adapter"):
        DefaultJudge(embedded_base_model(), adapter, warn=lambda message: None, head_file=head_file)


def test_the_shipped_head_belongs_to_the_shipped_adapter_and_the_default_judge_uses_it() -> None:
    """A retrained adapter without a refitted head would be refused at every scan: this fails first."""
    path, adapter = shipped_head(), shipped_adapter()
    assert path is not None and adapter is not None
    head = load_head(path)
    assert head.adapter_sha256 == adapter_hashes(embedded_base_model(), adapter)[1]
    assert len(head.weights) == HIDDEN_SIZE
    judge = make_judge(Config(cache=False), warn=lambda message: None)
    assert isinstance(judge, DefaultJudge) and judge.head == head
    assert judge.model_id.endswith(f"+head:{head.identity}")
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == 1
