"""make_judge: the backend, model and adapter a config asks for, lazily imported, wrapped in the cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from judge_samples import prompt_for, write_lora

from secretscan.config import Config
from secretscan.errors import ModelError
from secretscan.inference import models
from secretscan.inference.cache import CachedJudge
from secretscan.inference.default_judge import DefaultJudge
from secretscan.inference.factory import llama_cpp_files, make_judge
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.models import file_sha256, merged_model_name
from secretscan.inference.ollama import OllamaJudge


@pytest.fixture
def no_shipped_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(models, "DATA_DIR", data)
    return data


@pytest.fixture
def shipped(no_shipped_adapter: Path) -> Path:
    return write_lora(no_shipped_adapter / "judge-lora.gguf", rank=2, layers=1, scale=0.0)


PROMPTS = [prompt_for('DB_PASSWORD = "hunter2-but-longer"', "hunter2-but-longer"), prompt_for('API_KEY = "<key>"', "<key>")]


def warnings_of(config: Config) -> tuple[object, list[str]]:
    said: list[str] = []
    return make_judge(config, said.append), said


def test_backend_none_has_no_judge() -> None:
    assert warnings_of(Config(backend="none")) == (None, [])


def test_default_is_the_cached_embedded_model(smollm2_gguf: Path, no_shipped_adapter: Path) -> None:
    judge, said = warnings_of(Config())
    assert isinstance(judge, CachedJudge) and said == []
    inner = judge.inner
    assert isinstance(inner, LlamaCppJudge)
    assert (inner.runner.model_path, inner.runner.lora_path) == (smollm2_gguf, None)
    assert judge.name == "llama-cpp" and judge.model_id == inner.model_id


def test_cache_off_gives_the_bare_backend(no_shipped_adapter: Path) -> None:
    assert isinstance(make_judge(Config(cache=False), print), LlamaCppJudge)


def test_shipped_adapter_is_applied_to_the_embedded_base(smollm2_gguf: Path, shipped: Path) -> None:
    assert llama_cpp_files(Config()) == (smollm2_gguf, shipped)


def test_a_merged_model_replaces_base_plus_adapter(smollm2_gguf: Path, shipped: Path, empty_cache: Path) -> None:
    merged = empty_cache / "models" / merged_model_name(file_sha256(smollm2_gguf), file_sha256(shipped))
    merged.parent.mkdir(parents=True)
    merged.write_bytes(smollm2_gguf.read_bytes())
    assert llama_cpp_files(Config()) == (merged, None)


def test_the_default_judge_builds_the_merged_model_on_its_first_score(
    smollm2_gguf: Path, shipped: Path, empty_cache: Path
) -> None:
    judge, said = warnings_of(Config(cache=False))
    assert isinstance(judge, DefaultJudge) and said == []
    merged = empty_cache / "models" / merged_model_name(file_sha256(smollm2_gguf), file_sha256(shipped))
    assert not merged.exists()  # a scan with nothing to judge builds nothing
    scores = judge.score(PROMPTS)
    assert merged.is_file() and (judge.backend().runner.model_path, judge.backend().runner.lora_path) == (merged, None)
    assert len(said) == 1 and "building the merged judge model once" in said[0]
    # The next run finds it, says nothing, and answers the same; the verdict cache key names (base, adapter)
    # either way, so verdicts cached before the build stay valid after it.
    again, said = warnings_of(Config(cache=False))
    assert isinstance(again, DefaultJudge) and again.score(PROMPTS) == pytest.approx(scores) and said == []
    runtime = LlamaCppJudge(smollm2_gguf, shipped)
    assert judge.model_id == again.model_id == runtime.model_id
    assert runtime.score(PROMPTS) == pytest.approx(scores, abs=0.05)  # f16 against Q4_1 weights


def test_a_failed_merge_falls_back_to_the_adapter_at_load_time(
    smollm2_gguf: Path, shipped: Path, empty_cache: Path
) -> None:
    empty_cache.mkdir()
    (empty_cache / "models").write_text("a file where the models folder should be")
    judge, said = warnings_of(Config(cache=False))
    assert isinstance(judge, DefaultJudge)
    assert len(judge.score(PROMPTS)) == len(PROMPTS)
    assert (judge.backend().runner.model_path, judge.backend().runner.lora_path) == (smollm2_gguf, shipped)
    assert len(said) == 2 and "applying the adapter at load time instead" in said[1]


def test_a_configured_model_gets_no_shipped_adapter(shipped: Path, tmp_path: Path, smollm2_gguf: Path) -> None:
    own = tmp_path / "own.gguf"
    own.write_bytes(b"GGUF")
    assert llama_cpp_files(Config(model=str(own))) == (own, None)
    lora = tmp_path / "lora.gguf"
    assert llama_cpp_files(Config(model=str(own), lora=str(lora))) == (own, lora)
    assert llama_cpp_files(Config(lora=str(lora))) == (smollm2_gguf, lora)


def test_missing_configured_model_or_adapter_is_a_model_error(tmp_path: Path, no_shipped_adapter: Path) -> None:
    with pytest.raises(ModelError, match="model file not found"):
        make_judge(Config(model=str(tmp_path / "gone.gguf")), print)
    with pytest.raises(ModelError, match="LoRA adapter file not found"):
        make_judge(Config(lora=str(tmp_path / "gone-lora.gguf")), print)


def test_ollama_backend_and_its_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    judge, said = warnings_of(Config(backend="ollama", cache=False))
    assert isinstance(judge, OllamaJudge) and said == []
    assert (judge.model, judge.host) == ("secretscan-judge", "http://127.0.0.1:11434")
    monkeypatch.setenv("OLLAMA_HOST", "http://10.0.0.7:11434")
    judge, _ = warnings_of(Config(backend="ollama", model="my-judge:q8", cache=False))
    assert isinstance(judge, OllamaJudge)
    assert (judge.model, judge.host) == ("my-judge:q8", "http://10.0.0.7:11434")
    # A host written in the config beats the environment.
    judge, _ = warnings_of(Config(backend="ollama", ollama_host="http://gpu-box:11434", cache=False))
    assert isinstance(judge, OllamaJudge) and judge.host == "http://gpu-box:11434"


def test_lora_with_ollama_is_warned_about() -> None:
    judge, said = warnings_of(Config(backend="ollama", lora="adapter.gguf"))
    assert isinstance(judge, CachedJudge) and isinstance(judge.inner, OllamaJudge)
    assert len(said) == 1 and "llama-cpp backend only" in said[0]


def test_making_a_judge_imports_no_inference_library() -> None:
    """Scans with nothing to judge, or all verdicts cached, must not pay for importing llama.cpp or ollama."""
    code = (
        "import sys\n"
        "from secretscan.config import Config\n"
        "from secretscan.inference.factory import make_judge\n"
        "make_judge(Config(), print).model_id\n"
        "make_judge(Config(backend='ollama'), print)\n"
        "heavy = {'llama_cpp', 'ollama', 'numpy', 'httpx', 'pydantic'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
