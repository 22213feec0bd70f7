"""`scan --history --since-last` on a real git repository: each run scans only the commits the last one did not."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from repo_helpers import git, no_inherited_git_env, write_files  # noqa: F401  (autouse fixture)
from secret_samples import github_token

from secretscan.cli import main
from secretscan.history_marks import MARKS_FILE


def _commit(repo: Path, name: str, text: str, message: str) -> str:
    write_files(repo, {name: text})
    git("add", name, cwd=repo)
    git("commit", "-qm", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo).strip()


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object], str]:
    code = main(["scan", "--backend", "none", "--format", "json", "--history", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _commits(report: dict[str, object]) -> list[str]:
    return [f["commit"] for f in report["findings"]]  # type: ignore[index, union-attr]


def test_each_run_scans_only_new_commits(git_repo: Path, isolated_cache: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    first = _commit(git_repo, "a.py", f'TOKEN = "{github_token("since-1")}"\n', "one")
    code, report, _ = _scan(capsys, "--since-last")
    assert code == 1 and _commits(report) == [first]
    assert (isolated_cache / MARKS_FILE).is_file()

    # Nothing new: nothing scanned, clean.
    code, report, _ = _scan(capsys, "--since-last")
    assert code == 0 and report["stats"]["files_scanned"] == 0  # type: ignore[index]

    second = _commit(git_repo, "b.py", f'TOKEN = "{github_token("since-2")}"\n', "two")
    third = _commit(git_repo, "c.py", "print('no secret here')\n", "three")
    code, report, _ = _scan(capsys, "--since-last")
    assert code == 1 and _commits(report) == [second]
    assert report["stats"]["files_scanned"] == 2  # type: ignore[index]  # b.py in `two`, c.py in `three`
    # Without --since-last the whole history is still there.
    code, report, _ = _scan(capsys)
    assert sorted(_commits(report)) == sorted([first, second])
    assert third


def test_rewritten_history_is_scanned_again_with_a_warning(git_repo: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _commit(git_repo, "a.py", "x = 1\n", "one")
    _commit(git_repo, "b.py", "y = 2\n", "two")
    assert _scan(capsys, "--since-last")[0] == 0
    git("reset", "-q", "--hard", "HEAD~1", cwd=git_repo)
    rewritten = _commit(git_repo, "b.py", f'TOKEN = "{github_token("since-3")}"\n', "two, rewritten")
    code, report, err = _scan(capsys, "--since-last")
    assert code == 1 and _commits(report) == [rewritten]
    assert "is not an ancestor of HEAD (history rewritten?); scanning its whole history" in err
    assert report["stats"]["files_scanned"] == 2  # type: ignore[index]


def test_marks_are_per_end_revision(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _commit(git_repo, "a.py", f'TOKEN = "{github_token("since-4")}"\n', "one")
    git("checkout", "-qb", "feature", cwd=git_repo)
    feature = _commit(git_repo, "b.py", f'TOKEN = "{github_token("since-5")}"\n', "feature")
    assert _commits(_scan(capsys, "main", "--since-last")[1]) == [base]
    assert sorted(_commits(_scan(capsys, "feature", "--since-last")[1])) == sorted([base, feature])
    assert _commits(_scan(capsys, "main", "--since-last")[1]) == []


def test_a_corrupt_marks_file_means_a_full_scan(git_repo: Path, isolated_cache: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    first = _commit(git_repo, "a.py", f'TOKEN = "{github_token("since-6")}"\n', "one")
    (isolated_cache / MARKS_FILE).write_bytes(b"not a database, just bytes" * 100)
    code, report, err = _scan(capsys, "--since-last")
    assert code == 1 and _commits(report) == [first]
    assert "are not readable" in err
    rows = sqlite3.connect(isolated_cache / MARKS_FILE).execute("SELECT count(*) FROM marks").fetchone()
    assert rows == (1,)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["main..HEAD", "--since-last"],
         "secretscan: error: --since-last takes one revision to scan up to, not 'main..HEAD'"),
        (["no-such-branch", "--since-last"], "secretscan: error: 'no-such-branch' is not a commit in this repository"),
    ],
)
def test_bad_end_revision_is_a_one_line_error(git_repo: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                              message: str) -> None:
    _commit(git_repo, "a.py", "x = 1\n", "one")
    assert main(["scan", "--backend", "none", "--history", *args]) == 2
    assert capsys.readouterr().err.strip() == message


def test_since_last_without_history_is_a_usage_error(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--backend", "none", "--since-last"]) == 2
    assert "--since-last needs --history" in capsys.readouterr().err
