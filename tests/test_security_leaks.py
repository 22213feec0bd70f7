"""No output of secretscan holds a secret: every report format, the baseline, the verdict cache, eval's reports and
everything printed, from real CLI processes over a git repository of known secrets.

A secret counts as leaked if it, or any 8 characters in a row of it, is anywhere in those bytes. `--redact` shows
no character at all: not even the 4 the mask may show.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import secret_samples as samples
from repo_helpers import git, no_inherited_git_env  # noqa: F401  (autouse fixture)

from secretscan.report import REDACTED
from secretscan.scanner.types import mask_secret

SECRETSCAN = str(Path(sys.executable).with_name("secretscan"))
HOOK = str(Path(sys.executable).with_name("secretscan-hook"))
WINDOW = 8
# Seeds the samples; a named constant, since a literal passed to `database_password(…)` reads as a password.
SEED = "leaks"
STRIPE_KEY = "sk_" + "live_" + "Zq81mWc4XbT7pLr2Vn6YsKd0"
SETTINGS_PASSWORD = "Wint3r-" + "Harb0ur-42"


def secret_files() -> tuple[dict[str, str], list[str]]:
    """Files with one secret of each kind, and the secret values (a private key: each line of its body)."""
    key = samples.private_key_block(SEED)
    files = {
        "deploy/aws.py": (
            f'AWS_ACCESS_KEY_ID = "{samples.aws_access_key_id(SEED)}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{samples.aws_secret_access_key(SEED)}"\n'
        ),
        "scripts/release.sh": f"export GITHUB_TOKEN={samples.github_token(SEED)}\n",
        "app/settings.py": f'DATABASE_URL = "{samples.database_url(SEED)}"\nADMIN_PASSWORD = "{SETTINGS_PASSWORD}"\n',
        "billing/.env": f"STRIPE_KEY={STRIPE_KEY}\n",
        "certs/server.key": key + "\n",
    }
    values = [
        samples.aws_access_key_id(SEED),
        samples.aws_secret_access_key(SEED),
        samples.github_token(SEED),
        samples.database_password(SEED),
        SETTINGS_PASSWORD,
        STRIPE_KEY,
        *key.splitlines()[1:-1],
    ]
    return files, values


def run(*args: str, cwd: Path, ok: tuple[int, ...] = (0, 1)) -> subprocess.CompletedProcess[bytes]:
    """Run a command the way a user does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, timeout=600)
    assert done.returncode in ok, (args, done.returncode, done.stderr.decode(errors="replace")[-2000:])
    return done


def printed(*args: str, cwd: Path, ok: tuple[int, ...] = (0, 1)) -> bytes:
    """What a command printed, on both streams."""
    done = run(*args, cwd=cwd, ok=ok)
    return done.stdout + b"\n" + done.stderr


def leaks(blob: bytes, secrets: list[str]) -> list[str]:
    """The secrets (masked) of which `blob` holds 8 characters in a row."""
    found = []
    for secret in secrets:
        windows = {secret[i : i + WINDOW].encode() for i in range(len(secret) - WINDOW + 1)}
        if any(window in blob for window in windows):
            found.append(mask_secret(secret))
    return found


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file written there, read as bytes: SQLite databases (and their WAL) and PNGs too. The merged model
    folder is the session's shared GGUF, built from the shipped weights alone."""
    return {
        str(path): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink() and "models" not in path.relative_to(folder).parts
    }


@pytest.fixture
def repo_of_secrets(git_repo: Path) -> tuple[Path, list[str]]:
    files, secrets = secret_files()
    for name, text in files.items():
        (git_repo / name).parent.mkdir(parents=True, exist_ok=True)
        (git_repo / name).write_text(text, encoding="utf-8")
    git("add", ".", cwd=git_repo)
    git("commit", "-q", "-m", "secrets", cwd=git_repo)
    # The same files staged again under new names: `--staged` and the hook see them as added lines.
    for name, text in files.items():
        (git_repo / f"{name}.new").write_text(text, encoding="utf-8")
    git("add", ".", cwd=git_repo)
    return git_repo, secrets


def labelled_corpus(repo: Path, out: Path) -> Path:
    """The repository's files as an eval corpus: every line that holds a secret is labelled a real one."""
    files, secrets = secret_files()
    corpus = out / "corpus"
    rows = []
    for name, text in files.items():
        (corpus / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / "files" / name).write_text(text, encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if any(secret in line for secret in secrets):
                rows.append({"path": name, "line": number, "label": True, "category": "secret"})
    (corpus / "labels.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return corpus


@pytest.mark.slow
def test_no_output_holds_8_characters_of_a_secret(
    repo_of_secrets: tuple[Path, list[str]], tmp_path: Path, isolated_cache: Path
) -> None:
    repo, secrets = repo_of_secrets
    out = tmp_path / "out"
    out.mkdir()
    # The default llama.cpp judge scores every candidate (no scorer settles one), so the verdict cache fills.
    judge_config = tmp_path / "judge.toml"
    judge_config.write_text('scorer = "none"\n', encoding="utf-8")
    shown: dict[str, bytes] = {}
    for fmt in ("text", "json", "sarif"):
        # The default judge (and its verdict cache), and rules only; to a file, and printed.
        to_file = ("--format", fmt, "-o", str(out / f"scan.{fmt}"), "--config", str(judge_config))
        shown[f"scan {fmt}"] = printed(SECRETSCAN, "scan", *to_file, cwd=repo)
        shown[f"scan {fmt} stdout"] = printed(SECRETSCAN, "scan", "--format", fmt, "--backend", "none", cwd=repo)
        shown[f"history {fmt}"] = printed(SECRETSCAN, "scan", "--history", "--format", fmt, "--backend", "none",
                                        cwd=repo)
    shown["staged"] = printed(SECRETSCAN, "scan", "--staged", "--config", str(judge_config), cwd=repo)
    shown["since-last"] = printed(SECRETSCAN, "scan", "--history", "--since-last", "--backend", "none", cwd=repo)
    shown["hook"] = printed(HOOK, cwd=repo, ok=(1,))
    shown["baseline"] = printed(SECRETSCAN, "baseline", "-o", str(out / "baseline.json"), cwd=repo)
    corpus = labelled_corpus(repo, tmp_path)
    shown["eval"] = printed(SECRETSCAN, "eval", "--corpus", str(corpus), "--mode", "rules", "--out", str(out / "eval"),
                          cwd=tmp_path)

    written = files_under(out) | files_under(isolated_cache)
    assert {"scan.json", "baseline.json", "errors.jsonl", "report.md", "pr_curve.png"} <= {
        Path(name).name for name in written
    }
    assert {"verdicts.sqlite3", "history.sqlite3"} <= {Path(name).name for name in written}
    assert b"confidence" in shown["scan text stdout"] and b"confidence" in shown["hook"]  # findings were reported
    assert re.search(rb"[1-9]\d* judged", shown["staged"]), "the LLM judged"
    for name, blob in (written | shown).items():
        assert leaks(blob, secrets) == [], name


def shows_a_mask(output: str, secrets: list[str]) -> bool:
    """Does the output show any secret's mask (as text prints it, or as JSON escapes its ellipsis)?"""
    masks = {mask_secret(secret) for secret in secrets} - {"…"}
    return any(mask in output or mask.replace("…", "\\u2026") in output for mask in masks)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_redact_shows_no_character_of_a_secret(repo_of_secrets: tuple[Path, list[str]], fmt: str) -> None:
    repo, secrets = repo_of_secrets
    plain = run(SECRETSCAN, "scan", "--format", fmt, "--backend", "none", cwd=repo).stdout.decode()
    redacted = run(SECRETSCAN, "scan", "--format", fmt, "--backend", "none", "--redact", cwd=repo).stdout.decode()
    assert shows_a_mask(plain, secrets)
    assert not shows_a_mask(redacted, secrets)
    if fmt == "json":
        findings = json.loads(redacted)["findings"]
        assert findings and {f["secret_masked"] for f in findings} == {REDACTED}
        assert [f["fingerprint"] for f in findings] == [f["fingerprint"] for f in json.loads(plain)["findings"]]
    else:
        assert redacted.count(REDACTED) == plain.count("…" if fmt == "text" else "\\u2026") > 0


def test_the_hook_redacts_too(repo_of_secrets: tuple[Path, list[str]]) -> None:
    repo, secrets = repo_of_secrets
    output = printed(HOOK, "--backend", "none", "--redact", cwd=repo, ok=(1,)).decode()
    assert REDACTED in output and not shows_a_mask(output, secrets)
