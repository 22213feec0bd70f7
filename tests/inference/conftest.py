"""Fixtures for the judge tests: the real embedded GGUF through llama.cpp and a fake Ollama server backed by it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_ollama import JUDGE_MODEL, FakeOllama

from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.models import file_sha256


@pytest.fixture(scope="session")
def base_judge(smollm2_gguf: Path) -> LlamaCppJudge:
    """One judge on the embedded model for the whole session: loading it is the slow part."""
    judge = LlamaCppJudge(smollm2_gguf)
    judge.load()
    return judge


@pytest.fixture(scope="session")
def fake_ollama(base_judge: LlamaCppJudge, smollm2_gguf: Path) -> Iterator[FakeOllama]:
    """A fake Ollama on 127.0.0.1 that serves the embedded model as `secretscan-judge:latest`."""
    server = FakeOllama(base_judge.runner, {JUDGE_MODEL: f"sha256:{file_sha256(smollm2_gguf)}"}).start()
    yield server
    server.stop()
