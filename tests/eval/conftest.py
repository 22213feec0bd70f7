"""A tiny labelled corpus in a tmp dir, in the `files/` + `labels.jsonl` layout of benchmarks/devset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Synthetic values, assembled here so that no scanner reads a whole one in this file.
PASSWORD = "Tr0ub4dor" + "&3xyz"
GITHUB_TOKEN = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
STRIPE_KEY = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
DB_PASSWORD = "s3cret" + "Passw0rd"
UNLABELLED_SECRET = "q8ZxT2vLp9" + "RwN4sK7mBdQ"
SECRETS = (PASSWORD, GITHUB_TOKEN, STRIPE_KEY, DB_PASSWORD, UNLABELLED_SECRET)

SETTINGS_PY = f"""import os

DEBUG = True
DB_PASSWORD = "{PASSWORD}"
API_TOKEN = os.environ["API_TOKEN"]
GITHUB_TOKEN = "{GITHUB_TOKEN}"
PLACEHOLDER = "changeme"
COMMIT = "3f786850e387550fdab836ed7e6dc881de23001b"
SECRET_KEY = "{UNLABELLED_SECRET}"
"""
DOTENV = f"""AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
STRIPE_KEY={STRIPE_KEY}
DATABASE_URL=postgres://app:{DB_PASSWORD}@db.internal:5432/app
"""
LABELS = [
    ("app/settings.py", 4, True, "generic-password"),
    ("app/settings.py", 5, False, "env-lookup"),
    ("app/settings.py", 6, True, "github-token"),
    ("app/settings.py", 7, False, "placeholder"),
    ("app/settings.py", 8, False, "git-sha"),
    (".env", 1, False, "example-key"),
    (".env", 2, True, "stripe"),
    (".env", 3, True, "connection-string"),
]


@pytest.fixture(autouse=True)
def outside_any_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a tmp dir, so that no `[tool.secretscan]` config of the checkout changes what is measured."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def corpus_secrets() -> tuple[str, ...]:
    """Every secret value in `tiny_corpus`, for asserting that no output holds one."""
    return SECRETS


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "files" / "app").mkdir(parents=True)
    (folder / "files" / "app" / "settings.py").write_text(SETTINGS_PY, encoding="utf-8")
    (folder / "files" / ".env").write_text(DOTENV, encoding="utf-8")
    rows = [{"path": p, "line": n, "label": v, "category": c} for p, n, v, c in LABELS]
    (folder / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder
