"""Repositories that aren't a plain work tree on a branch, and a machine without git: real git, the real CLI.

Each one is scanned, or is a one-line `secretscan: error: …` with exit 2; none passes silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import secret_samples as samples
from repo_helpers import git, no_inherited_git_env, stage  # noqa: F401  (autouse fixture)

SECRETSCAN = str(Path(sys.executable).with_name("secretscan"))
HOOK = str(Path(sys.executable).with_name("secretscan-hook"))
TOKEN = samples.github_token("edge cases")
OLD_TOKEN = samples.github_token("edge cases, removed")
NO_GIT = "the variable holds no directory with git in it"


def secretscan(*args: str, cwd: Path, path: str | None = None, entry: str = SECRETSCAN) -> tuple[int, dict, str]:
    """Run the CLI (JSON on stdout, rules only); its exit status, the JSON report (if any) and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    if path is not None:
        env["PATH"] = path
    extra = ("--format", "json") if entry == SECRETSCAN else ()
    done = subprocess.run([entry, *args, "--backend", "none", *extra], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    report = json.loads(done.stdout) if done.stdout.startswith("{") else {}
    return done.returncode, report, done.stderr


def found(report: dict) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["rule"]) for f in report["findings"]]


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("secretscan: error: "), stderr
    return lines[0]


@pytest.fixture
def history(git_repo: Path) -> Path:
    """Two commits: a token added then removed, and a token added that stays."""
    stage(git_repo, {"release.sh": f"export GITHUB_TOKEN={OLD_TOKEN}\n"})
    git("commit", "-q", "-m", "first", cwd=git_repo)
    stage(git_repo, {"release.sh": f"export GITHUB_TOKEN={TOKEN}\n"})
    git("commit", "-q", "-m", "second", cwd=git_repo)
    return git_repo


def test_history_scans_a_bare_repository(history: Path, tmp_path: Path) -> None:
    bare = tmp_path / "mirror.git"
    git("clone", "-q", "--bare", str(history), str(bare), cwd=tmp_path)
    code, report, stderr = secretscan("scan", "--history", cwd=bare)
    assert code == 1, stderr
    assert found(report) == [("release.sh", 1, "github-pat")] * 2
    code, report, stderr = secretscan("scan", "--history", "--since-last", cwd=bare)
    assert code == 1 and len(found(report)) == 2, stderr


@pytest.mark.parametrize(("args", "entry"), [(("scan", "--staged"), SECRETSCAN), ((), HOOK)], ids=["staged", "hook"])
def test_staged_in_a_bare_repository_is_a_one_line_error(
    history: Path, tmp_path: Path, args: tuple[str], entry: str
) -> None:
    bare = tmp_path / "mirror.git"
    git("clone", "-q", "--bare", str(history), str(bare), cwd=tmp_path)
    code, _, stderr = secretscan(*args, cwd=bare, entry=entry)
    assert code == 2
    assert "bare repository" in one_line_error(stderr)


def test_a_shallow_clone_is_scanned_and_says_what_it_lacks(history: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git("clone", "-q", "--depth", "1", f"file://{history}", str(shallow), cwd=tmp_path)
    code, report, stderr = secretscan("scan", "--history", cwd=shallow)
    # The oldest commit here shows its whole tree as added: the token that stays is found, the removed one is
    # in no commit this clone has.
    assert code == 1 and found(report) == [("release.sh", 1, "github-pat")]
    assert "warning: a shallow clone: the commits before its oldest ones are not here and were not scanned" in stderr
    git("fetch", "-q", "--unshallow", cwd=shallow)
    code, report, stderr = secretscan("scan", "--history", cwd=shallow)
    assert len(found(report)) == 2 and "shallow" not in stderr


def test_a_detached_head_is_scanned(history: Path) -> None:
    git("checkout", "-q", "--detach", "HEAD~1", cwd=history)
    code, report, _ = secretscan("scan", "--history", "HEAD", cwd=history)
    assert code == 1 and len(found(report)) == 1
    stage(history, {"deploy.sh": f"TOKEN={TOKEN}\n"})
    code, report, _ = secretscan("scan", "--staged", cwd=history)
    assert code == 1 and found(report) == [("deploy.sh", 1, "github-pat")]


def test_staged_in_a_repository_with_no_commits(git_repo: Path) -> None:
    (git_repo / "release.sh").write_text(f"export GITHUB_TOKEN={TOKEN}\n", encoding="utf-8")
    code, report, stderr = secretscan("scan", "--staged", cwd=git_repo)
    assert code == 0 and report["stats"]["files_scanned"] == 0 and not stderr.startswith("secretscan: error")
    git("add", "release.sh", cwd=git_repo)
    code, report, _ = secretscan("scan", "--staged", cwd=git_repo)
    assert code == 1 and found(report) == [("release.sh", 1, "github-pat")]
    code, _, _ = secretscan(cwd=git_repo, entry=HOOK)
    assert code == 1


def test_a_staged_submodule_pointer_is_no_file_to_scan(git_repo: Path, tmp_path: Path) -> None:
    """The submodule's own commits are its repository's to scan; the pointer change must not break the scan."""
    library = tmp_path / "library"
    library.mkdir()
    git("init", "-q", "-b", "main", cwd=library)
    stage(library, {"README": "one\n"})
    git("-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-q", "-m", "one", cwd=library)
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "library", cwd=git_repo)
    git("commit", "-q", "-m", "add the submodule", cwd=git_repo)
    stage(library, {"README": "two\n"})
    git("-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-q", "-m", "two", cwd=library)
    git("-c", "protocol.file.allow=always", "submodule", "update", "-q", "--remote", "library", cwd=git_repo)
    git("add", "library", cwd=git_repo)
    assert "Subproject commit" in git("diff", "--staged", cwd=git_repo)
    code, report, stderr = secretscan("scan", "--staged", cwd=git_repo)
    assert code == 0 and report["stats"]["files_scanned"] == 0, stderr
    stage(git_repo, {"release.sh": f"export GITHUB_TOKEN={TOKEN}\n"})
    code, report, _ = secretscan("scan", "--staged", cwd=git_repo)
    assert code == 1 and found(report) == [("release.sh", 1, "github-pat")]
    git("commit", "-q", "-m", "bump", cwd=git_repo)
    code, report, _ = secretscan("scan", "--history", cwd=git_repo)
    assert code == 1 and found(report) == [("release.sh", 1, "github-pat")]


@pytest.mark.parametrize(
    ("args", "entry"),
    [(("scan", "--staged"), SECRETSCAN), (("scan", "--history"), SECRETSCAN), (("scan", "."), SECRETSCAN),
     ((), HOOK)],
    ids=["staged", "history", "work tree", "hook"],
)
def test_git_not_on_path_is_a_one_line_error(history: Path, tmp_path: Path, args: tuple[str], entry: str) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    code, _, stderr = secretscan(*args, cwd=history, path=str(empty), entry=entry)
    assert code == 2
    assert one_line_error(stderr) == "secretscan: error: git is not installed (or not on PATH)"
