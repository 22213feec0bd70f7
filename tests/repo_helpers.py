"""Helpers for the tests that drive real git repositories (sources, CLI, hook)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import subprocess

import pytest


def git(*args: str, cwd: Path) -> str:
    """Run real git in `cwd` without the GIT_* variables a surrounding git hook may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def no_inherited_git_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test run started from a git hook must not point the tmp repositories at the outer one's index.

    Autouse in every module that imports it.
    """
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(key)


def write_files(root: Path, files: Mapping[str, str | bytes]) -> list[str]:
    """Write each file under `root` (folders created); returns the names, sorted."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return sorted(files)


def stage(root: Path, files: Mapping[str, str | bytes]) -> list[str]:
    """Write the files and `git add` them; returns the names, sorted, as pre-commit would pass them."""
    names = write_files(root, files)
    git("add", *names, cwd=root)
    return names
