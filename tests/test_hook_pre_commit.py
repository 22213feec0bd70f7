"""The hook through the real pre-commit framework: `pre-commit try-repo` installs this checkout into its own
virtualenv (pip install, with llama-cpp-python from the wheel cache) and runs `.pre-commit-hooks.yaml`'s hook.

Building that virtualenv is the slow part, so it happens once: the checkout is snapshotted into a repository
with a fixed commit, which pre-commit caches by (repository, ref) in a module-wide PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import secret_samples as samples
from repo_helpers import git
from repo_helpers import stage

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(snapshot repository, its commit, PRE_COMMIT_HOME): this checkout's files as they are now."""
    snapshot = tmp_path_factory.mktemp("secretscan-snapshot")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT, env=clean_env(), capture_output=True, check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = CHECKOUT / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", "-b", "main", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "snapshot", cwd=snapshot)
    return snapshot, git("rev-parse", "HEAD", cwd=snapshot).strip(), tmp_path_factory.mktemp("pre-commit-home")


def try_repo(hook_source: tuple[Path, str, Path], repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    snapshot, ref, home = hook_source
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), "secretscan", "--ref", ref, "--color", "never", *args],
        cwd=repo,
        env=clean_env(PRE_COMMIT_HOME=str(home), SECRETSCAN_CACHE_DIR=str(home / "secretscan-cache")),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_staged_secrets_are_blocked_by_the_default_model_backed_hook(hook_source: tuple[Path, str, Path], git_repo: Path) -> None:
    """No config: the hook runs the llama-cpp judge on the embedded model inside pre-commit's virtualenv."""
    stage(git_repo, samples.leaky_files())
    done = try_repo(hook_source, git_repo)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "secretscan" in output and "Failed" in output
    for path in samples.leaky_files():
        assert path in output
    for secret in (samples.aws_access_key_id(), samples.github_token(), samples.database_password()):
        assert secret not in output


def test_harmless_commit_passes_and_all_files_scans_what_is_not_staged(hook_source: tuple[Path, str, Path], git_repo: Path) -> None:
    (git_repo / ".secretscan.toml").write_text('backend = "none"\n')
    stage(git_repo, {".secretscan.toml": 'backend = "none"\n', "scripts/release.sh": samples.leaky_files()["scripts/release.sh"]})
    git("commit", "-qm", "a secret committed before the hook was set up", cwd=git_repo)
    stage(git_repo, samples.harmless_files())
    done = try_repo(hook_source, git_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout

    everything = try_repo(hook_source, git_repo, "--all-files")
    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert "scripts/release.sh:2:" in everything.stdout


def test_text_that_identify_calls_binary_still_reaches_the_hook(hook_source: tuple[Path, str, Path], git_repo: Path) -> None:
    """A UTF-16 file and a file with an early NUL, under names that don't say "text": pre-commit's `identify`
    tags them binary, so `types: [text]` would pass the commit without running the hook. With `types: [file]`
    the hook sees them, and a staged file over the size limit too."""
    from identify.identify import tags_from_path

    token = samples.github_token()
    files: dict[str, str | bytes] = {
        ".secretscan.toml": 'backend = "none"\n',
        "creds": f'$token = "{token}"\r\n'.encode("utf-16"),
        "credentials": b"\x00\n" + f"GITHUB_TOKEN={token}\n".encode(),
        "big.py": "x = 1\n" * 400_000 + f'TOKEN = "{token}"\n',
    }
    stage(git_repo, files)
    assert "binary" in tags_from_path(str(git_repo / "creds")) and "binary" in tags_from_path(str(git_repo / "credentials"))
    done = try_repo(hook_source, git_repo)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    for found in ("creds:1:11", "credentials:2:14", "big.py:400001:10"):
        assert found in output
    assert token not in output
