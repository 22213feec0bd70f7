"""Scan sources against real git repositories in tmp dirs: files and directories, the index, the history."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from repo_helpers import git
from repo_helpers import no_inherited_git_env, write_files  # noqa: F401 (an autouse fixture)

from secretscan.errors import ConfigError, GitError
from secretscan.scanner import git as scanner_git
from secretscan.scanner.sources import compile_excludes, file_units, history_units, staged_units
from secretscan.scanner.types import ScanUnit

MAX = 10_000


def units_by_path(units: list[ScanUnit]) -> dict[str, ScanUnit]:
    by_path = {unit.path: unit for unit in units}
    assert len(by_path) == len(units), "a file was yielded twice"
    return by_path


def scan_files(*paths: str | Path, exclude: tuple[str, ...] = (), max_bytes: int = MAX) -> tuple[dict[str, ScanUnit], Counter[str]]:
    skipped: Counter[str] = Counter()
    units = list(file_units(list(paths), exclude=exclude, max_file_bytes=max_bytes, skipped=skipped))
    return units_by_path(units), skipped


def write(path: Path, content: str | bytes) -> Path:
    write_files(path.parent, {path.name: content})
    return path


def commit_all(repo: Path, message: str) -> str:
    git("add", "-A", cwd=repo)
    git("commit", "-qm", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo).strip()


# ---------------------------------------------------------------- git environment


def test_git_env_strips_repository_variables_and_keeps_transport_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = scanner_git.git_env(
        {
            "PATH": "/bin",
            "GIT_DIR": "/elsewhere/.git",
            "GIT_WORK_TREE": "/elsewhere",
            "GIT_SSH_COMMAND": "ssh -i key",
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "a.b",
            "GIT_CONFIG_VALUE_0": "c",
            "GIT_INDEX_FILE": ".git/index.lock",
        }
    )
    assert env == {
        "PATH": "/bin",
        "GIT_SSH_COMMAND": "ssh -i key",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "a.b",
        "GIT_CONFIG_VALUE_0": "c",
        "GIT_INDEX_FILE": str(tmp_path / ".git" / "index.lock"),
    }


def test_outside_a_repository_git_errors_are_one_liners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GitError) as error:
        scanner_git.staged_files()
    assert str(error.value) == "not a git repository (run inside a git work tree)"
    assert "\n" not in str(error.value)


# ---------------------------------------------------------------- files and directories


def test_directory_in_a_work_tree_respects_gitignore(git_repo: Path) -> None:
    write(git_repo / ".gitignore", "build/\n*.log\n")
    write(git_repo / "src" / "app.py", "x = 1\n")
    write(git_repo / "build" / "out.py", "ignored = 1\n")
    write(git_repo / "debug.log", "ignored\n")
    commit_all(git_repo, "base")
    write(git_repo / "new_untracked.py", "y = 2\n")  # untracked but not ignored: scanned
    units, skipped = scan_files(".")
    assert set(units) == {".gitignore", "src/app.py", "new_untracked.py"}
    assert units["src/app.py"].text == "x = 1\n" and units["src/app.py"].judged_lines is None
    assert skipped == Counter()


def test_paths_are_relative_to_the_current_directory(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(git_repo / "pkg" / "sub" / "m.py", "a = 1\n")
    write(git_repo / "top.py", "b = 2\n")
    units, _ = scan_files("pkg", git_repo / "top.py", "pkg/sub/m.py")
    assert set(units) == {"pkg/sub/m.py", "top.py"}  # the file named twice is scanned once
    monkeypatch.chdir(git_repo / "pkg")
    units, _ = scan_files("..")
    assert set(units) == {"sub/m.py", "../top.py"}


def test_an_explicitly_named_ignored_directory_is_still_scanned(git_repo: Path) -> None:
    write(git_repo / ".gitignore", "vendor/\n")
    write(git_repo / "vendor" / "lib.py", "z = 3\n")
    assert set(scan_files("vendor")[0]) == {"vendor/lib.py"}
    assert set(scan_files(".")[0]) == {".gitignore"}


def test_binary_large_and_non_utf8_files(git_repo: Path) -> None:
    write(git_repo / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(git_repo / "huge.txt", "x" * (MAX + 1))
    write(git_repo / "latin1.txt", "caf\xe9 password = 'hunter2'\n".encode("latin-1"))
    write(git_repo / "bom.txt", "\ufeffkey = 1\n".encode("utf-8"))
    write(git_repo / "late_nul.txt", b"a" * 9000 + b"\x00")  # NUL after the sniffed 8 KiB: text
    units, skipped = scan_files(".")
    assert set(units) == {"latin1.txt", "bom.txt", "late_nul.txt"}
    assert units["latin1.txt"].text == "caf\ufffd password = 'hunter2'\n"
    assert units["bom.txt"].text == "key = 1\n"
    assert skipped == Counter({"binary": 1, "large": 1})


def test_fifos_are_counted_and_never_opened(git_repo: Path) -> None:
    os.mkfifo(git_repo / "pipe")
    write(git_repo / "ok.txt", "fine\n")
    units, skipped = scan_files(".", "pipe")
    assert set(units) == {"ok.txt"}
    assert skipped == Counter({"unreadable": 1})


def test_unreadable_files_are_counted_not_fatal(git_repo: Path) -> None:
    locked = write(git_repo / "private.txt", "nope\n")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: file permissions are not enforced")
        units, skipped = scan_files(".")
    finally:
        locked.chmod(0o644)
    assert units == {}
    assert skipped == Counter({"unreadable": 1})


def test_exclude_globs(git_repo: Path) -> None:
    for name in ["a.min.js", "src/b.min.js", "src/c.js", "node_modules/d.js", "docs/e.md", "docs/deep/f.md", "tests/fixtures/g.txt"]:
        write(git_repo / name, "v = 1\n")
    units, _ = scan_files(".", exclude=("*.min.js", "node_modules", "docs/*.md", "**/fixtures/**"))
    assert set(units) == {"src/c.js", "docs/deep/f.md"}
    regex = compile_excludes(["/build", "x?.[ch]", "[!a]*.cfg", "v[0-9].txt", "[^]x"])
    assert regex is not None
    assert regex.fullmatch("build/out.o") and not regex.fullmatch("src/build/out.o")
    assert regex.fullmatch("src/x1.c") and not regex.fullmatch("src/x10.c")
    assert regex.fullmatch("b.cfg") and not regex.fullmatch("a.cfg")
    assert regex.fullmatch("v7.txt") and not regex.fullmatch("v-.txt")
    assert regex.fullmatch("^x") and not regex.fullmatch("ax")
    assert compile_excludes([]) is None


def test_outside_a_work_tree_walks_the_tree_skipping_dot_git_and_symlinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    write(plain / "a.txt", "a\n")
    write(plain / ".git" / "config", "[core]\n")
    write(plain / "deep" / "b.txt", "b\n")
    (plain / "link.txt").symlink_to(plain / "a.txt")
    monkeypatch.chdir(tmp_path)
    units, _ = scan_files("plain")
    assert set(units) == {"plain/a.txt", "plain/deep/b.txt"}
    # Absolute paths outside the current directory stay absolute.
    monkeypatch.chdir(plain / "deep")
    assert set(scan_files(plain / "a.txt")[0]) == {(plain / "a.txt").as_posix()}


def test_a_missing_path_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="^nope.txt: no such file or directory$"):
        scan_files("nope.txt")


# ---------------------------------------------------------------- staged


def scan_staged(paths: list[str] | None = None, max_bytes: int = MAX, exclude: tuple[str, ...] = ()) -> tuple[dict[str, ScanUnit], Counter[str]]:
    skipped: Counter[str] = Counter()
    units = list(staged_units(paths, exclude=exclude, max_file_bytes=max_bytes, skipped=skipped))
    return units_by_path(units), skipped


def test_staged_reads_the_index_and_judges_only_added_lines(git_repo: Path) -> None:
    write(git_repo / "config.py", "A = 1\nB = 2\nC = 3\nD = 4\n")
    write(git_repo / "old.py", "keep = 1\n")
    write(git_repo / "gone.py", "bye = 1\n")
    commit_all(git_repo, "base")
    write(git_repo / "config.py", "A = 1\nB = 2\nTOKEN = 'staged'\nC = 3\nD = 4\nE = 5\n")
    git("mv", "old.py", "renamed.py", cwd=git_repo)
    (git_repo / "gone.py").unlink()
    write(git_repo / "fresh.py", "one\ntwo\n")
    git("add", "-A", cwd=git_repo)
    # Changed after staging: the commit gets the index version, so that is what must be scanned.
    write(git_repo / "config.py", "A = 1\nTOKEN = 'working tree only'\n")
    units, skipped = scan_staged()
    assert set(units) == {"config.py", "fresh.py"}  # pure rename and deletion add nothing
    config = units["config.py"]
    assert config.text == "A = 1\nB = 2\nTOKEN = 'staged'\nC = 3\nD = 4\nE = 5\n"
    assert config.judged_lines == frozenset({3, 6})
    assert units["fresh.py"].judged_lines == frozenset({1, 2})
    assert skipped == Counter()


def test_staged_in_a_repository_without_commits(git_repo: Path) -> None:
    write(git_repo / "first.txt", "hello\n")
    git("add", ".", cwd=git_repo)
    units, _ = scan_staged()
    assert units["first.txt"].judged_lines == frozenset({1})
    assert scanner_git.staged_files() == ["first.txt"]


def test_staged_skips_binary_and_large_blobs_and_decodes_non_utf8(git_repo: Path) -> None:
    write(git_repo / "logo.png", b"\x89PNG\x00\x00" * 10)
    write(git_repo / "big.txt", "y\n" * MAX)
    write(git_repo / "legacy.txt", "na\xefve = 1\n".encode("latin-1"))
    write(git_repo / "my file ü.txt", "spaced = 1\n")
    git("add", ".", cwd=git_repo)
    units, skipped = scan_staged()
    assert set(units) == {"legacy.txt", "my file ü.txt"}
    assert units["legacy.txt"].text == "na\ufffdve = 1\n"
    assert skipped == Counter({"binary": 1, "large": 1})


def test_staged_file_name_that_is_not_utf8(git_repo: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (git_repo / name).write_text("one\ntwo\n")
    git("add", "-A", cwd=git_repo)
    units, _ = scan_staged()
    assert list(units) == ["caf\ufffd.txt"]
    assert units["caf\ufffd.txt"].judged_lines == frozenset({1, 2})


def test_staged_text_marked_binary_by_gitattributes_is_judged_whole(git_repo: Path) -> None:
    write(git_repo / ".gitattributes", "*.lock binary\n")
    commit_all(git_repo, "attributes")
    write(git_repo / "deps.lock", "a\nb\n")
    git("add", ".", cwd=git_repo)
    units, _ = scan_staged()
    assert units["deps.lock"].judged_lines is None


def test_staged_limited_to_paths_and_relative_to_a_subdirectory(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(git_repo / "a" / "one.txt", "1\n")
    write(git_repo / "a" / "two.txt", "2\n")
    write(git_repo / "b" / "three.txt", "3\n")
    git("add", ".", cwd=git_repo)
    assert set(scan_staged(["a/one.txt", "b"])[0]) == {"a/one.txt", "b/three.txt"}
    assert set(scan_staged(exclude=("two.txt",))[0]) == {"a/one.txt", "b/three.txt"}
    monkeypatch.chdir(git_repo / "a")
    assert set(scan_staged()[0]) == {"one.txt", "two.txt", "../b/three.txt"}
    assert set(scan_staged(["."])[0]) == {"one.txt", "two.txt"}


def test_staged_outside_a_repository_is_a_git_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GitError, match="not a git repository"):
        scan_staged()


# ---------------------------------------------------------------- history


def scan_history(rev_range: str | None = None, exclude: tuple[str, ...] = ()) -> tuple[list[ScanUnit], Counter[str]]:
    skipped: Counter[str] = Counter()
    return list(history_units(rev_range, exclude=exclude, max_file_bytes=MAX, skipped=skipped)), skipped


def test_history_yields_one_unit_per_commit_and_file_with_real_line_numbers(git_repo: Path) -> None:
    lines = [f"row {i}" for i in range(1, 21)]
    write(git_repo / "settings.py", "\n".join(lines) + "\n")
    first = commit_all(git_repo, "first")
    lines[9] = "SECRET = 'was here'"
    write(git_repo / "settings.py", "\n".join(lines) + "\n")
    write(git_repo / "pic.bin", b"\x00\x01")
    second = commit_all(git_repo, "second")
    lines[9] = "row 10"
    write(git_repo / "settings.py", "\n".join(lines) + "\n")
    third = commit_all(git_repo, "third removes it")

    units, skipped = scan_history()
    assert skipped == Counter({"binary": 1})
    by_commit = {(u.commit, u.path): u for u in units}
    assert set(by_commit) == {(first, "settings.py"), (second, "settings.py"), (third, "settings.py")}
    added_secret = by_commit[(second, "settings.py")]
    assert added_secret.judged_lines == frozenset({10})
    text_lines = added_secret.text.split("\n")
    assert added_secret.line_numbers == tuple(range(7, 14))  # 3 lines of context each side
    assert text_lines[added_secret.line_numbers.index(10)] == "SECRET = 'was here'"
    assert all(added_secret.real_line(i) == n for i, n in enumerate(added_secret.line_numbers))

    only_latest, _ = scan_history(f"{second}..HEAD")
    assert [(u.commit, u.path) for u in only_latest] == [(third, "settings.py")]
    assert scan_history(exclude=("*.py",))[0] == []


def test_history_errors(git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert scan_history() == ([], Counter())  # no commits yet: nothing to scan, not an error
    write(git_repo / "a.txt", "a\n")
    commit_all(git_repo, "one")
    with pytest.raises(GitError) as error:
        scan_history("no-such-branch..HEAD")
    assert "no-such-branch" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="invalid revision range"):
        scan_history("--output=/tmp/x")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.chdir(outside)
    with pytest.raises(GitError, match="not a git repository"):
        scan_history()
