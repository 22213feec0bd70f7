"""Labelled test prompts for the export tests (the tiny run is trained on them; the round trip checks them)."""

from __future__ import annotations

from pathlib import Path

from secret_samples import aws_secret_access_key, database_password, github_token

from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, build_prompt, to_messages
from secretscan.scanner.types import Candidate

LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _candidate(path: str, rule: str, line: str, secret: str) -> Candidate:
    return Candidate(path=path, line=3, column=line.index(secret) + 1, secret=secret, rule=rule,
                     category="generic", line_text=line)


def labelled_candidates() -> list[tuple[Candidate, bool]]:
    """Real-looking secrets and the look-alikes the judge must let through, built at run time."""
    token, aws, password = github_token("export"), aws_secret_access_key("export"), database_password("export")
    return [
        (_candidate("deploy/ci.py", "github-token", f'TOKEN = "{token}"', token), True),
        (_candidate("app/settings.py", "aws-secret-key", f'AWS_SECRET_ACCESS_KEY = "{aws}"', aws), True),
        (_candidate("config/db.yaml", "keyword-password", f"password: {password}", password), True),
        (_candidate("src/client.js", "keyword-token", f"const apiToken = '{password[::-1]}';", password[::-1]), True),
        (_candidate("docs/setup.md", "keyword-password", "password: changeme", "changeme"), False),
        (_candidate("app/settings.py", "keyword-password", 'DB_PASSWORD = os.environ["DB_PASSWORD"]',
                    'os.environ["DB_PASSWORD"]'), False),
        (_candidate("tests/test_api.py", "keyword-token", 'token = "xxxxxxxxxxxxxxxxxxxx"', "x" * 20), False),
        (_candidate("lock.json", "entropy", '"integrity": "3b2c9f0d8e7a6b5c4d3e2f1a0b9c8d7e"',
                    "3b2c9f0d8e7a6b5c4d3e2f1a0b9c8d7e"), False),
    ]


def training_rows() -> list[dict[str, object]]:
    rows = []
    for candidate, label in labelled_candidates():
        prompt = build_prompt(candidate)
        answer = LABEL_SECRET if label else LABEL_SAFE
        rows.append({"messages": to_messages(prompt, answer), "label": label,
                     "meta": {"rule": candidate.rule, "source": "synthetic"}})
    return rows



def write_lora(base: Path, out: Path, *, seed: int = 0, steer: float = -10.0) -> Path:
    """A GGUF LoRA for the llama GGUF `base`, written directly with the gguf library as llama.cpp's converter lays
    one out (lora_a (rank, in), lora_b (out, rank) in numpy order; general.type adapter; adapter.lora.alpha).

    One rank-1 pair on the last block's ffn_down: A a random unit vector, B `steer` times (embedding of "yes" -
    embedding of "no"). It writes a large push towards one answer into the residual stream just before the output,
    so the adapter changes the judge's verdicts decisively. (Random pairs on every layer are no good here: the
    Q4_1 base quantizes activations at run time, the merged f16 model does not, and across 30 perturbed layers
    that small difference grows chaotically. The tiny run's test checks many adapted tensors, exactly.)
    """
    import gguf
    import numpy as np

    rng = np.random.default_rng(seed)
    reader = gguf.GGUFReader(base)
    tensors = {tensor.name: tensor for tensor in reader.tensors}
    last_block = int(reader.fields["llama.block_count"].contents()) - 1
    embedding = tensors["token_embd.weight"]
    vectors = gguf.quants.dequantize(embedding.data, embedding.tensor_type)
    yes_id, no_id = (reader.fields["tokenizer.ggml.tokens"].contents().index(word) for word in ("yes", "no"))
    down = tensors[f"blk.{last_block}.ffn_down.weight"]
    direction = rng.standard_normal((1, int(down.shape[0]))).astype(np.float32)
    writer = gguf.GGUFWriter(out, "llama")
    writer.add_type("adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 1.0)  # scale alpha / rank = 1
    writer.add_tensor(f"{down.name}.lora_a", direction / np.linalg.norm(direction))
    writer.add_tensor(f"{down.name}.lora_b", (steer * (vectors[yes_id] - vectors[no_id]))[:, None].astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out
