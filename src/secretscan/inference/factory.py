"""The judge a config asks for. Backends are imported here, lazily, so `secretscan --help` never loads them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from secretscan.config import Config
from secretscan.inference.base import Judge
from secretscan.inference.models import (
    embedded_base_model,
    find_merged_model,
    merged_models_dir,
    shipped_adapter,
    shipped_head,
)

Warn = Callable[[str], None]

# Config's default host; when the config leaves it at that, the OLLAMA_HOST convention wins.
DEFAULT_OLLAMA_HOST = Config().ollama_host


def make_judge(config: Config, warn: Warn) -> Judge | None:
    """None for backend "none"; otherwise the backend, wrapped in the verdict cache when `config.cache`.

    Raises ModelError for a missing or unreadable model file. An unreachable Ollama is only found out by the
    first `score()` (BackendUnavailable), so that the engine can fall back to rules.
    """
    judge: Judge
    if config.backend == "none":
        return None
    if config.backend == "ollama":
        judge = _ollama_judge(config, warn)
    else:
        judge = _llama_cpp_judge(config, warn)
    if config.cache:
        from secretscan.inference.cache import CachedJudge

        return CachedJudge(judge, warn=warn)
    return judge


def llama_cpp_files(config: Config) -> tuple[Path, Path | None]:
    """(model, LoRA adapter) for the llama-cpp backend, as they are on disk now.

    The user's model and adapter when configured. Otherwise the embedded base with the shipped adapter: as one
    merged GGUF when the cache has it (see DefaultJudge, which builds it), else with the adapter applied at load
    time. The shipped adapter is trained for the embedded base only, so a user's own model gets no adapter.
    """
    lora = Path(config.lora).expanduser() if config.lora else None
    if config.model:
        return Path(config.model).expanduser(), lora
    base = embedded_base_model()
    if lora is not None:
        return base, lora
    adapter = shipped_adapter()
    if adapter is None:
        return base, None
    merged = find_merged_model(base, adapter)
    return (merged, None) if merged is not None else (base, adapter)


def _llama_cpp_judge(config: Config, warn: Warn) -> Judge:
    from secretscan.inference.llama_cpp import LlamaCppJudge

    if config.model or config.lora:
        return LlamaCppJudge(*llama_cpp_files(config), prefix_dir=merged_models_dir())
    base, adapter = embedded_base_model(), shipped_adapter()
    if adapter is None:
        return LlamaCppJudge(base, prefix_dir=merged_models_dir())
    from secretscan.inference.default_judge import DefaultJudge

    return DefaultJudge(base, adapter, warn, shipped_head())


def _ollama_judge(config: Config, warn: Warn) -> Judge:
    from secretscan.inference.ollama import DEFAULT_MODEL, OllamaJudge

    if config.lora:
        warn("`lora` applies to the llama-cpp backend only; with ollama, build the adapter into the Ollama model")
    host = config.ollama_host
    if host == DEFAULT_OLLAMA_HOST:
        host = os.environ.get("OLLAMA_HOST") or host
    return OllamaJudge(config.model or DEFAULT_MODEL, host)
