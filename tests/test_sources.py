"""Scan sources against real git repositories in tmp dirs: files and directories, the index, the history."""

from __future__ import annotations

import os
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import secret_samples as samples
from binary_samples import png_bytes, zip_bytes
from repo_helpers import git
from repo_helpers import no_inherited_git_env, write_files  # noqa: F401 (an autouse fixture)

from secretscan.errors import ConfigError, GitError
from secretscan.scanner import git as scanner_git
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.sources import UnreadableFileError, compile_excludes, file_units, history_units, staged_units, text_encoding
from secretscan.scanner.types import Certainty, ScanUnit

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


ENCODED = "$token = 'caf\xe9'\r\nline two\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1"])
def test_text_is_decoded_in_any_common_encoding(git_repo: Path, encoding: str) -> None:
    """A BOM, or NULs in every other byte (UTF-16 without a BOM), or bytes that aren't UTF-8 (Latin-1)."""
    write(git_repo / "script.ps1", ENCODED.encode(encoding))
    units, skipped = scan_files(".")
    assert units["script.ps1"].text == ENCODED
    assert skipped == Counter()


def test_binaries_are_skipped_and_counted_but_text_with_a_stray_nul_is_read(git_repo: Path) -> None:
    write(git_repo / "image.png", png_bytes())
    write(git_repo / "archive.zip", zip_bytes())
    write(git_repo / "program", Path(sys.executable).resolve().read_bytes()[:65536])  # an executable (ELF on Linux)
    write(git_repo / "zeros.bin", bytes(4096))
    conf = b"\x00\x00\x00\x02\n[settings]\nname = demo\nregion = eu-west-1\n"  # binary to git, text to us
    write(git_repo / "app.conf", conf)
    write(git_repo / "late_nul.txt", b"a" * 9000 + b"\x00")
    units, skipped = scan_files(".")
    assert set(units) == {"app.conf", "late_nul.txt"}
    assert units["app.conf"].text == conf.decode()
    assert skipped == Counter({"binary": 4})


def test_text_is_judged_by_content_not_by_a_coincidental_nul_pattern() -> None:
    assert text_encoding(b"") == "utf-8-sig"
    assert text_encoding("x = 1\n".encode("utf-16-le")) == "utf-16-le"
    assert text_encoding(bytes(range(1, 9)) * 100) is None  # control characters only: binary in any encoding
    assert text_encoding(b"\x00") is None


def test_a_file_over_the_size_limit_is_read_in_windows_with_real_line_numbers(git_repo: Path) -> None:
    lines = [f"line {n:04d} " + "x" * (n % 37) for n in range(1, 601)]
    write(git_repo / "big.txt", "\n".join(lines) + "\n")
    skipped: Counter[str] = Counter()
    windows = list(file_units(["big.txt"], max_file_bytes=2000, skipped=skipped))
    assert len(windows) > 5 and skipped == Counter()
    judged = [n for unit in windows for n in sorted(unit.judged_lines or ())]
    assert judged == list(range(1, 601))  # every line judged, in exactly one window
    for unit in windows:
        assert unit.line_numbers is not None
        for i, text in enumerate(unit.text.split("\n")[: len(unit.line_numbers)]):
            assert text == lines[unit.real_line(i) - 1]
        assert len(unit.text) <= 2000 + 1000  # a window, plus the lines it carries over as context


def test_a_line_longer_than_a_window_is_cut_between_tokens(git_repo: Path) -> None:
    values = [f'"k{i}":"{samples.github_token(str(i))}"' for i in range(300)]
    write(git_repo / "minified.json", "{\n{" + ",".join(values) + "}\n}\n")
    windows = list(file_units(["minified.json"], max_file_bytes=1000, skipped=Counter()))
    found = [token for unit in windows for token in re.findall(r"ghp_\w{36}", unit.text)]
    assert sorted(found) == sorted(samples.github_token(str(i)) for i in range(300))
    assert all(unit.judged_lines and unit.judged_lines <= {1, 2, 3} for unit in windows)
    assert {n for unit in windows for n in unit.judged_lines or ()} == {1, 2, 3}


@pytest.mark.parametrize("lines_before", [0, 400, 520, 640])
def test_a_private_key_block_is_never_cut_by_a_window_boundary(git_repo: Path, lines_before: int) -> None:
    """Wherever the block falls (before, across or after the first window's end), it is found once, whole."""
    write(git_repo / "bundle.pem", "x = 1\n" * lines_before + samples.private_key_block() + "\ny = 2\n")
    windows = list(file_units(["bundle.pem"], max_file_bytes=4000, skipped=Counter()))
    assert len(windows) == (1 if lines_before == 0 else 2)
    found = [(c.rule, c.line, c.certainty) for unit in windows for c in find_candidates(unit)]
    assert found == [("private-key", lines_before + 1, Certainty.CERTAIN)]


def test_fifos_are_counted_and_never_opened(git_repo: Path) -> None:
    os.mkfifo(git_repo / "pipe")
    write(git_repo / "ok.txt", "fine\n")
    units, skipped = scan_files(".", "pipe")
    assert set(units) == {"ok.txt"}
    assert skipped == Counter({"unreadable": 1})


def test_a_file_that_cant_be_read_is_an_error_not_a_silent_pass(git_repo: Path) -> None:
    (git_repo / "loop").symlink_to("loop")
    assert scan_files(".") == ({}, Counter())  # inside a directory, symlinks are not followed
    with pytest.raises(UnreadableFileError, match="^can't read loop: too many levels of symbolic links$"):
        scan_files("loop")
    locked = write(git_repo / "private.txt", "nope\n")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: file permissions are not enforced (tests/test_security_inputs.py drops root)")
        with pytest.raises(UnreadableFileError, match="^can't read private.txt: permission denied$"):
            scan_files(".")
    finally:
        locked.chmod(0o644)


def test_a_tracked_file_deleted_from_the_work_tree_is_not_an_error(git_repo: Path) -> None:
    write(git_repo / "gone.py", "x = 1\n")
    write(git_repo / "kept.py", "y = 2\n")
    commit_all(git_repo, "base")
    (git_repo / "gone.py").unlink()
    assert set(scan_files(".")[0]) == {"kept.py"}


@pytest.mark.parametrize("seed", range(40))
def test_windows_hold_every_line_once_at_its_real_number(git_repo: Path, seed: int) -> None:
    """Random line lengths (empty, short, longer than a window) and window sizes, as a property."""
    rng = random.Random(seed)
    lengths = [rng.choice([0, 3, 40, 300, 2500]) for _ in range(rng.randint(1, 60))]
    lines = ["".join(rng.choice("ab; ") for _ in range(n)) for n in lengths]
    text = "\n".join(lines) + rng.choice(["", "\n"])
    limit = rng.choice([200, 700, 3000])
    write(git_repo / "f.txt", text)
    windows = list(file_units(["f.txt"], max_file_bytes=limit, skipped=Counter()))
    numbered = len(text.split("\n")) - (1 if text.endswith("\n") else 0)
    judged: list[int] = []
    for unit in windows:
        judged += sorted(unit.judged_lines or range(1, numbered + 1))
        for i, piece in enumerate(unit.text.split("\n")[: len(unit.line_numbers or lines)]):
            assert piece in lines[unit.real_line(i) - 1]
    assert sorted(set(judged)) == list(range(1, numbered + 1))
    cut = [n for n in set(judged) if judged.count(n) > 1]  # only a line longer than a window spans two
    assert all(len(lines[n - 1]) > limit for n in cut)


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


def test_staged_skips_binaries_and_decodes_any_text_whatever_git_thinks_of_it(git_repo: Path) -> None:
    write(git_repo / "logo.png", png_bytes())
    write(git_repo / "legacy.txt", "na\xefve = 1\n".encode("latin-1"))
    write(git_repo / "profile.ps1", "$x = 1\r\n$y = 2\r\n".encode("utf-16"))  # "Binary files differ" to git
    write(git_repo / "my file ü.txt", "spaced = 1\n")
    git("add", ".", cwd=git_repo)
    units, skipped = scan_staged()
    assert set(units) == {"legacy.txt", "profile.ps1", "my file ü.txt"}
    assert units["legacy.txt"].text == "na\xefve = 1\n"
    assert units["profile.ps1"].text == "$x = 1\r\n$y = 2\r\n" and units["profile.ps1"].judged_lines is None
    assert skipped == Counter({"binary": 1})


@pytest.mark.parametrize("first_commit", [True, False])
def test_a_staged_blob_over_the_size_limit_is_streamed_in_windows(git_repo: Path, first_commit: bool) -> None:
    lines = [f"row {n}" for n in range(1, 3001)]
    if not first_commit:
        write(git_repo / "big.txt", "\n".join(lines) + "\n")
        commit_all(git_repo, "base")
        lines[2499] = "TOKEN = 'added'"
    write(git_repo / "big.txt", "\n".join(lines) + "\n")
    write(git_repo / "huge.bin", bytes(range(256)) * 200)  # streamed too, found binary from its first bytes
    git("add", ".", cwd=git_repo)
    skipped: Counter[str] = Counter()
    windows = list(staged_units(None, max_file_bytes=MAX, skipped=skipped))
    judged = sorted(n for unit in windows for n in unit.judged_lines or ())
    assert judged == (list(range(1, 3001)) if first_commit else [2500])
    assert all(unit.path == "big.txt" and unit.line_numbers for unit in windows)
    assert skipped == Counter({"binary": 1})
    added = next(unit for unit in windows if 2500 in (unit.judged_lines or ()))
    assert added.text.split("\n")[added.line_numbers.index(2500)] == lines[2499]  # type: ignore[union-attr]


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


def test_history_reads_a_commit_over_the_size_limit_in_windows(git_repo: Path) -> None:
    lines = [f"row {n}" for n in range(1, 3001)]
    write(git_repo / "big.txt", "\n".join(lines) + "\n")
    commit = commit_all(git_repo, "a big file")
    units, skipped = scan_history()
    assert len(units) > 1 and skipped == Counter()
    assert sorted(n for unit in units for n in unit.judged_lines or ()) == list(range(1, 3001))
    for unit in units:
        assert unit.commit == commit and unit.line_numbers is not None
        assert unit.text.split("\n")[: len(unit.line_numbers)] == [lines[n - 1] for n in unit.line_numbers]


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
