"""The prompts' shared prefix, saved between processes (LlamaRunner.prime), and the context that grows on demand:
on the real embedded SmolLM2 GGUF, the answers and hidden states must be the same bits whichever way they came."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from judge_samples import prompt_for
from secret_samples import database_password

from secretscan.inference.llama_cpp import START_N_CTX, LlamaCppJudge
from secretscan.inference.verdict import p_secret

PASSWORD = database_password("prefix")
PROMPTS = [
    prompt_for(f'DB_PASSWORD = "{PASSWORD}"', PASSWORD),
    prompt_for('API_KEY = "your-api-key-here"', "your-api-key-here", path="docs/setup.md"),
]
Answers = list[tuple[float, bytes]]


def answers(judge: LlamaCppJudge) -> Answers:
    """P(secret) and the hidden state's bytes of each prompt, in one process as a scan asks them."""
    return [(p, state.tobytes()) for p, state in judge.read(PROMPTS, hidden_states=True)]


def judged(model: Path, prefix_dir: Path | None, n_threads: int | None = None) -> Answers:
    judge = LlamaCppJudge(model, hidden_states=True, prefix_dir=prefix_dir, n_threads=n_threads)
    try:
        return answers(judge)
    finally:
        judge.close()


def saved(prefix_dir: Path) -> Path:
    (path,) = prefix_dir.glob("prefix-*.kvstate")
    return path


@pytest.fixture(scope="module")
def cold(smollm2_gguf: Path) -> Answers:
    """Each prompt evaluated whole, in one batch, from an empty cache: no prefix primed, none saved."""
    judge = LlamaCppJudge(smollm2_gguf, hidden_states=True)
    secret_id, safe_id = judge.label_ids()
    found = []
    for prompt in PROMPTS:
        judge.runner.forget()
        logits = judge.runner.next_token_logits(judge.prompt_tokens(prompt))
        found.append((p_secret(logits[secret_id], logits[safe_id]), judge.runner.hidden_state().tobytes()))
    judge.close()
    return found


def test_answers_are_the_same_bits_with_and_without_a_saved_prefix(
    smollm2_gguf: Path, tmp_path: Path, cold: Answers
) -> None:
    assert judged(smollm2_gguf, None) == cold
    first = judged(smollm2_gguf, tmp_path)  # evaluates the prefix and saves it
    path = saved(tmp_path)
    written = path.stat()
    again = judged(smollm2_gguf, tmp_path)  # reads it
    assert first == again == cold
    # The second runner read the state: it did not write it again.
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    # Another thread count: its own state file, the same answers.
    assert judged(smollm2_gguf, tmp_path, n_threads=1) == cold
    assert len(list(tmp_path.glob("prefix-*.kvstate"))) == 2
    assert not list(tmp_path.glob(".prefix-*"))


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


def _other_key(data: bytes) -> bytes:
    header, _, rest = data.partition(b"\n")
    key, _, rest = rest.partition(b"\n")
    return header + b"\n" + hashlib.sha256(key).hexdigest().encode() + b"\n" + rest


def _rehashed_garbage(data: bytes) -> bytes:
    """A file whose header and checksum are right, but whose payload llama.cpp can't take as this prefix."""
    header, _, rest = data.partition(b"\n")
    key, _, rest = rest.partition(b"\n")
    payload = b"\x01\x00\x00\x00" + b"\xff" * 64
    return header + b"\n" + key + b"\n" + hashlib.sha256(payload).digest() + payload


DAMAGES = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "one bit of the payload": _flip_last_byte,
    "another key": _other_key,
    "garbage llama.cpp refuses": _rehashed_garbage,
    "not ours": lambda data: b"GGUF" + data,
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_or_foreign_saved_prefix_is_ignored_and_rebuilt(
    smollm2_gguf: Path, tmp_path: Path, cold: Answers, damage: str
) -> None:
    judged(smollm2_gguf, tmp_path)
    path = saved(tmp_path)
    good = path.read_bytes()
    path.write_bytes(DAMAGES[damage](good))
    assert judged(smollm2_gguf, tmp_path) == cold
    assert saved(tmp_path).read_bytes() == good


def test_a_prefix_folder_that_cannot_be_written_is_no_error(smollm2_gguf: Path, tmp_path: Path, cold: Answers) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert judged(smollm2_gguf, blocker / "models") == cold


def test_the_context_grows_for_a_long_prompt_and_answers_stay_the_same(smollm2_gguf: Path, cold: Answers) -> None:
    judge = LlamaCppJudge(smollm2_gguf, hidden_states=True)
    long_prompt = replace(PROMPTS[0], user="path: a.py\n" + "filler words " * 300 + PROMPTS[0].user)
    assert len(judge.prompt_tokens(long_prompt)) > START_N_CTX
    assert 0.0 < judge.score([long_prompt])[0] < 1.0
    # The same prompts after the context grew: the same bits as in a context of START_N_CTX.
    assert answers(judge) == cold
    judge.close()


SPIN = "from secretscan.inference.llama_cpp import library; import os; library(); print(os.environ.get('{}'))"


@pytest.mark.parametrize(
    ("preset", "variable", "expected"),
    [
        ({}, "GOMP_SPINCOUNT", "1000"),
        ({}, "OMP_WAIT_POLICY", "PASSIVE"),
        ({"OMP_WAIT_POLICY": "ACTIVE"}, "GOMP_SPINCOUNT", "None"),
        ({"GOMP_SPINCOUNT": "5"}, "GOMP_SPINCOUNT", "5"),
    ],
)
def test_openmp_waits_spin_briefly_unless_the_user_says_otherwise(
    preset: dict[str, str], variable: str, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")} | preset
    run = subprocess.run([sys.executable, "-c", SPIN.format(variable)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected
