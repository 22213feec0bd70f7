"""The judge adapter shipped in the package: it belongs to the embedded base, and it moves verdicts the right way.

Candidates come from the real candidate stage over small files; every value is synthetic (random bodies in real
formats). The base model alone is the zero-shot judge; the shipped LoRA must push real-format credentials towards
"secret" and placeholders towards "safe", and the merged model built on first use must agree with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from secret_samples import aws_secret_access_key, database_password, database_url, github_token

from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.merge import build_merged_model
from secretscan.inference.models import (
    MANIFEST_ADAPTER_SHA256,
    MANIFEST_BASE_SHA256,
    embedded_base_model,
    file_sha256,
    shipped_adapter,
)
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.prompt import Prompt, build_prompt
from secretscan.scanner.types import ScanUnit

SECRETS = {
    "config/settings.py": f'DATABASE_PASSWORD = "{database_password("shipped")}"\n',
    "deploy/release.sh": f"export GITHUB_TOKEN={github_token('shipped')}\n",
    "infra/aws.ini": f"aws_secret_access_key = {aws_secret_access_key('shipped')}\n",
    "services/api/.env": f"DATABASE_URL={database_url('shipped')}\n",
}
PLACEHOLDERS = {
    "config/example_settings.py": 'API_KEY = "your-api-key-here"\n',
    "config/oauth.example.json": '  "client_secret": "<your-client-secret>",\n',
    "deploy/values.yaml": "  dbPassword: <REPLACE_WITH_DB_PASSWORD>\n",
    "app/config.js": 'const secret = "xxxxxxxxxxxxxxxxxxxxxxxx";\n',
}


def prompts_of(files: dict[str, str]) -> list[Prompt]:
    prompts = []
    for path, text in files.items():
        candidates = find_candidates(ScanUnit(path, text))
        assert len(candidates) == 1, (path, [c.rule for c in candidates])
        prompts.append(build_prompt(candidates[0]))
    return prompts


@pytest.fixture(scope="module")
def adapter() -> Path:
    path = shipped_adapter()
    assert path is not None, "the package must ship src/secretscan/data/judge-lora.gguf"
    return path


@pytest.fixture(scope="module")
def scores(adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[float], list[float]]]:
    """(secret scores, placeholder scores) for the base alone, base + runtime LoRA, and the merged model."""
    base = embedded_base_model()
    merged = build_merged_model(base, adapter, tmp_path_factory.mktemp("merged"))
    judges = {
        "base": LlamaCppJudge(base, n_threads=2),
        "lora": LlamaCppJudge(base, adapter, n_threads=2),
        "merged": LlamaCppJudge(merged, n_threads=2),
    }
    results = {}
    for name, judge in judges.items():
        results[name] = (judge.score(prompts_of(SECRETS)), judge.score(prompts_of(PLACEHOLDERS)))
        judge.close()
    return results


def test_the_manifest_pins_the_embedded_base_and_the_adapter(adapter: Path) -> None:
    manifest = json.loads(adapter.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest[MANIFEST_BASE_SHA256] == file_sha256(embedded_base_model())
    assert manifest[MANIFEST_ADAPTER_SHA256] == file_sha256(adapter)
    # Small enough to ship inside the wheel: two stacked r=16 adapters in f16 are 19.6 MB.
    assert adapter.stat().st_size <= 25 * 1024 * 1024


def test_real_format_credentials_become_secrets(scores: dict[str, tuple[list[float], list[float]]]) -> None:
    base, tuned = scores["base"][0], scores["lora"][0]
    assert all(p >= 0.5 for p in tuned), tuned
    assert sum(t > b for t, b in zip(tuned, base)) >= len(base) - 1, (base, tuned)


def test_placeholders_become_safe(scores: dict[str, tuple[list[float], list[float]]]) -> None:
    base, tuned = scores["base"][1], scores["lora"][1]
    assert all(p < 0.5 for p in tuned), tuned
    assert sum(t < b for t, b in zip(tuned, base)) >= len(base) - 1, (base, tuned)


def test_the_merged_model_gives_the_runtime_adapters_verdicts(
    scores: dict[str, tuple[list[float], list[float]]],
) -> None:
    for runtime, merged in zip(scores["lora"], scores["merged"]):
        assert [p >= 0.5 for p in merged] == [p >= 0.5 for p in runtime]
        # f16 weights against Q4_1 + f32 deltas: close, not bit-equal.
        assert merged == pytest.approx(runtime, abs=0.1)
