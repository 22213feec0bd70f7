"""The hook entry point `secretscan-hook` (pre_commit.main), called as pre-commit calls it, in real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_samples as samples
from repo_helpers import git
from repo_helpers import no_inherited_git_env, stage  # noqa: F401 (an autouse fixture)

from secretscan.hooks.pre_commit import main

RULES_ONLY = 'backend = "none"\n'


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / ".secretscan.toml").write_text(RULES_ONLY)
    (git_repo / "README.md").write_text("# demo\n")
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "init", cwd=git_repo)
    return git_repo


@pytest.mark.parametrize("kind", sorted(samples.leaky_files()))
def test_each_kind_of_staged_secret_blocks_the_commit(repo: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    names = stage(repo, {kind: samples.leaky_files()[kind]})
    assert main(names) == 1
    out, err = capsys.readouterr()
    assert kind in out
    assert "secretscan baseline" in err  # what to do about it
    for secret in (samples.aws_access_key_id(), samples.github_token(), samples.database_password()):
        assert secret not in out + err


def test_harmless_commit_passes_silently(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = stage(repo, samples.harmless_files())
    assert main(names) == 0
    assert capsys.readouterr() == ("", "")


def test_no_filenames_means_the_staged_changes(repo: Path) -> None:
    """The plain git hook (`secretscan install`) passes no file names."""
    assert main([]) == 0
    stage(repo, {"scripts/release.sh": samples.leaky_files()["scripts/release.sh"]})
    assert main([]) == 1


def test_commit_judges_the_index_and_only_added_lines(repo: Path) -> None:
    settings = samples.leaky_files()["app/settings.py"]
    stage(repo, {"app/settings.py": settings})
    git("commit", "-qm", "old secret, committed before the hook existed", cwd=repo)
    # An unrelated change to a file that already holds a committed secret: the commit adds no secret.
    names = stage(repo, {"app/settings.py": settings + "TIMEOUT = 30\n"})
    assert main(names) == 0
    # The index is what gets committed: a secret staged and then deleted from the working tree still blocks.
    names = stage(repo, {"scripts/release.sh": samples.leaky_files()["scripts/release.sh"]})
    (repo / "scripts" / "release.sh").write_text("#!/bin/sh\n")
    assert main(names) == 1
    # ...and a secret only in the working tree (not staged) is not part of this commit.
    git("reset", "-q", "--", "scripts/release.sh", cwd=repo)
    stage(repo, {"scripts/release.sh": "#!/bin/sh\n"})
    (repo / "scripts" / "release.sh").write_text(samples.leaky_files()["scripts/release.sh"])
    assert main(["scripts/release.sh"]) == 0


def test_all_files_mode_scans_files_that_are_not_staged(repo: Path) -> None:
    """`pre-commit run --all-files` passes every file; the unstaged ones are scanned whole."""
    settings = samples.leaky_files()["app/settings.py"]
    stage(repo, {"app/settings.py": settings})
    git("commit", "-qm", "old secret", cwd=repo)
    assert main(["README.md", "app/settings.py", ".secretscan.toml"]) == 1
    assert main(["README.md", ".secretscan.toml"]) == 0


def test_hook_options_and_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = stage(repo, {"scripts/release.sh": samples.leaky_files()["scripts/release.sh"]})
    assert main(["--exclude", "scripts/**", *names]) == 0
    (repo / ".secretscan.toml").write_text('backend = "none"\nthreshold = 7\n')
    assert main(names) == 2
    assert capsys.readouterr().err.strip() == (
        f"secretscan: error: {repo / '.secretscan.toml'}: threshold must be between 0 and 1, not 7.0"
    )
    assert main(["--backend", "nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".secretscan.toml").write_text(RULES_ONLY)
    assert main([]) == 2
    assert capsys.readouterr().err.strip() == "secretscan: error: not a git repository (run inside a git work tree)"


@pytest.mark.slow
def test_default_backend_blocks_secrets_with_the_real_model(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No config: the llama-cpp judge on the embedded GGUF decides what the rules alone can't."""
    names = stage(git_repo, samples.leaky_files())
    assert main(names) == 1
    out = capsys.readouterr().out
    for path in samples.leaky_files():
        assert path in out
    git("reset", "-q", cwd=git_repo)
    names = stage(git_repo, samples.harmless_files())
    assert main(names) == 0, capsys.readouterr().out
