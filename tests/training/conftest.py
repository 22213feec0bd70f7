"""Fixtures of the training-pipeline tests (helpers live in trainkit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A secretscan cache for the whole session: the GGUF tokenizer (about 15 s to convert) is converted once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def shared_cache(isolated_cache: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point SECRETSCAN_CACHE_DIR (and so every subprocess) at the session's cache; still never the developer's."""
    monkeypatch.setenv("SECRETSCAN_CACHE_DIR", str(model_cache))
    yield model_cache
