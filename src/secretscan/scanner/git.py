"""Careful git calls: a clean environment, NUL-separated output, one-line errors.

Modelled on pre-commit's `pre_commit/git.py`: inherited `GIT_*` variables are stripped (a hook inherits
`GIT_DIR`, `GIT_WORK_TREE` … from the git that runs it), `-z` output is split on NUL, and git's own options that
change the output format (`core.quotepath`, `diff.noprefix`, `diff.external`, colour) are pinned on every call.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from secretscan.errors import GitError

# Kept for the same reasons as in pre-commit's `no_git_env`: they configure how git runs, not which repository.
_KEPT_VARIABLES = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_CONFIG_COUNT",
        "GIT_HTTP_PROXY_AUTHMETHOD",
        "GIT_ALLOW_PROTOCOL",
        "GIT_ASKPASS",
    }
)
_KEPT_PREFIXES = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")

# `git commit -a` and `git commit <paths>` build the commit in a temporary index and point GIT_INDEX_FILE at
# it while the pre-commit hook runs. pre-commit reads the staged files with it inherited; so do we, or the
# hook would judge the wrong index. It is made absolute because git gives it relative to the work tree root.
_INDEX_VARIABLE = "GIT_INDEX_FILE"

# Pinned on every call so a user's git config can't change the output we parse.
_CONFIG = ("-c", "core.quotepath=off", "-c", "color.ui=never", "-c", "diff.noprefix=false")
# Added to every `diff`/`log -p`: plain patches with a/ b/ prefixes, no external diff or textconv, renames found.
DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "-M",
)
# Everything except D (deleted), as in pre-commit's get_staged_files.
STAGED_FILTER = "--diff-filter=ACMRTUXB"

_SUBMODULE_MODE = "160000"
_SYMLINK_MODE = "120000"


def git_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`environ` (default os.environ) without the `GIT_*` variables that would point git at another repository."""
    environ = os.environ if environ is None else environ
    env = {
        key: value
        for key, value in environ.items()
        if not key.startswith("GIT_") or key in _KEPT_VARIABLES or key.startswith(_KEPT_PREFIXES)
    }
    index_file = environ.get(_INDEX_VARIABLE)
    if index_file:
        env[_INDEX_VARIABLE] = os.path.abspath(index_file)
    return env


def zsplit(output: bytes) -> list[str]:
    """Split `-z` output on NUL. Paths are decoded like the OS does (undecodable bytes survive round trips)."""
    output = output.strip(b"\0")
    return [os.fsdecode(part) for part in output.split(b"\0")] if output else []


def _error_message(stderr: bytes, args: Sequence[str]) -> str:
    """git's own last `fatal:`/`error:` line, without the prefix: it is already a good one-liner."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    for line in reversed(lines):
        for prefix in ("fatal: ", "error: "):
            if line.startswith(prefix):
                message = line[len(prefix) :]
                if message.startswith("not a git repository"):
                    return "not a git repository (run inside a git work tree)"
                return message
    return lines[-1] if lines else f"git {args[0]} failed"


def _run(args: Sequence[str], cwd: Path | str | None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *_CONFIG, *args], cwd=cwd, env=git_env(), input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except NotADirectoryError:
        raise GitError(f"{cwd} is not a directory") from None


def run_git(*args: str, cwd: Path | str | None = None, stdin: bytes | None = None) -> bytes:
    """Run `git <args>` and return its stdout; a failure raises GitError with git's one-line reason."""
    process = _run(args, cwd, stdin)
    if process.returncode != 0:
        raise GitError(_error_message(process.stderr, args))
    return process.stdout


def stream_git_lines(*args: str, cwd: Path | str | None = None) -> Iterator[str]:
    """Yield the lines of `git <args>` stdout as they come (for `git log -p` on a long history).

    Lines are decoded as UTF-8 with replacement: they are scanned as text, never used as paths. git's exit
    status is checked once the output ends; closing the iterator early stops git.
    """
    with _streamed(args, cwd) as stdout:
        for raw in stdout:
            yield raw.decode("utf-8", "replace").rstrip("\n")


@contextmanager
def open_blob(blob_id: str, cwd: Path | str | None = None) -> Iterator[IO[bytes]]:
    """The content of one blob as a stream (`git cat-file blob`), for a blob too large to hold in memory.

    A reader may stop early (the blob is binary): git is stopped. Read to the end, a failure raises GitError.
    """
    with _streamed(("cat-file", "blob", blob_id), cwd) as stdout:
        yield stdout


@contextmanager
def _streamed(args: Sequence[str], cwd: Path | str | None) -> Iterator[IO[bytes]]:
    """git's stdout as a stream; git's exit status is checked only if everything was read."""
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(
                ["git", *_CONFIG, *args], cwd=cwd, env=git_env(), stdout=subprocess.PIPE, stderr=stderr
            )
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        assert process.stdout is not None
        read_all = False
        try:
            yield process.stdout
            read_all = process.stdout.read(1) == b""
        finally:
            if not read_all:  # the reader stopped early (or failed): git has nothing left to do
                process.kill()
            process.stdout.close()
            returncode = process.wait()
        if read_all and returncode != 0:
            stderr.seek(0)
            raise GitError(_error_message(stderr.read(), args))


def is_inside_work_tree(path: Path | str) -> bool:
    """True if `path` (a directory) is inside a git work tree (and git is installed)."""
    process = _run(["rev-parse", "--is-inside-work-tree"], path)
    return process.returncode == 0 and process.stdout.strip() == b"true"


def is_ignored(path: Path | str) -> bool:
    """True if the .gitignore rules of its work tree ignore `path` (a file or a directory)."""
    parent, name = os.path.split(os.path.abspath(path))
    return _run(["check-ignore", "-q", "--", name], parent).returncode == 0


def _is_bare(cwd: Path | str | None) -> bool:
    return run_git("rev-parse", "--is-bare-repository", cwd=cwd).strip() == b"true"


def repo_root(cwd: Path | str | None = None) -> Path:
    """The top of the work tree containing `cwd`; GitError "not a git repository" outside one."""
    try:
        out = run_git("rev-parse", "--show-toplevel", cwd=cwd).rstrip(b"\n")
    except GitError:
        # git says "this operation must be run in a work tree", which doesn't say what to do instead.
        if _is_bare(cwd):
            raise GitError("a bare repository has no work tree or index: only its history can be scanned") from None
        raise
    if not out:
        # Inside the .git directory itself, git prints nothing.
        raise GitError("not inside a git work tree")
    return Path(os.fsdecode(out))


def history_root(cwd: Path | str | None = None) -> Path:
    """What the paths in `git log` are relative to: the work tree's top, or a bare repository's own folder."""
    if _is_bare(cwd):
        return Path(os.fsdecode(run_git("rev-parse", "--absolute-git-dir", cwd=cwd).rstrip(b"\n")))
    return repo_root(cwd)


def is_shallow(cwd: Path | str | None = None) -> bool:
    """A shallow clone: the commits before its oldest ones are not in the repository."""
    return run_git("rev-parse", "--is-shallow-repository", cwd=cwd).strip() == b"true"


def hooks_dir(cwd: Path | str | None = None) -> Path:
    """Where git runs hooks from for this repository (honours core.hooksPath), as an absolute path."""
    repo_root(cwd)  # the clear "not a git repository" error before anything else
    out = os.fsdecode(run_git("rev-parse", "--git-path", "hooks", cwd=cwd).rstrip(b"\n"))
    return Path(cwd or os.getcwd(), out).resolve()


def _staged_diff(*args: str, cwd: Path | str | None) -> bytes:
    """`git diff --staged ARGS`. Outside a work tree git takes it for `git diff --no-index` and fails with that
    command's usage, so a failure is first put to `repo_root`, whose error says what is wrong (asking it up front
    costs every hook a git call)."""
    try:
        return run_git("diff", "--staged", *args, cwd=cwd)
    except GitError:
        repo_root(cwd)
        raise


def staged_files(cwd: Path | str | None = None) -> list[str]:
    """Paths (relative to the work tree root) with staged changes, deleted files excepted."""
    return zsplit(_staged_diff("--name-only", "--no-ext-diff", "--no-relative", "-z", STAGED_FILTER, cwd=cwd))


def listed_files(directory: Path | str) -> list[str]:
    """Files git would track under `directory` (tracked plus untracked, minus .gitignore'd), relative to it."""
    return zsplit(run_git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=directory))


@dataclass(frozen=True)
class StagedBlob:
    """One staged file: its path relative to the work tree root and the blob id of its index version."""

    path: str
    blob: str


def staged_blobs(cwd: Path | str | None = None) -> list[StagedBlob]:
    """The staged files with the ids of their index blobs; submodules and symlinks (no text of theirs) left out.

    Uses `--raw -z`, which has the same filter and rename detection as the staged diff we pair it with.
    """
    fields = zsplit(
        _staged_diff("--raw", "-z", "--no-abbrev", "--no-ext-diff", "--no-relative", "-M", STAGED_FILTER, cwd=cwd)
    )
    blobs = []
    i = 0
    while i < len(fields):
        # ":old_mode new_mode old_sha new_sha STATUS", then one path, or two for renames and copies.
        meta = fields[i].split()
        paths = 2 if meta[-1][:1] in ("R", "C") else 1
        path = fields[i + paths]
        new_mode, new_blob = meta[1], meta[3]
        if new_mode not in (_SUBMODULE_MODE, _SYMLINK_MODE):
            blobs.append(StagedBlob(path, new_blob))
        i += 1 + paths
    return blobs


def blob_sizes(blob_ids: Sequence[str], cwd: Path | str | None = None) -> dict[str, int]:
    """Size in bytes of each blob, in one `git cat-file --batch-check` call."""
    if not blob_ids:
        return {}
    out = run_git("cat-file", "--batch-check", cwd=cwd, stdin="".join(f"{b}\n" for b in blob_ids).encode())
    sizes = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            sizes[parts[0]] = int(parts[2])
    return sizes


def read_blobs(blob_ids: Sequence[str], cwd: Path | str | None = None) -> dict[str, bytes]:
    """The content of each blob, in one `git cat-file --batch` call (not one process per file)."""
    if not blob_ids:
        return {}
    out = run_git("cat-file", "--batch", cwd=cwd, stdin="".join(f"{b}\n" for b in blob_ids).encode())
    contents: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].decode("ascii", "replace").split()
        if len(header) != 3:  # "<id> missing"
            pos = header_end + 1
            continue
        size = int(header[2])
        contents[header[0]] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1  # content, then a newline
    return contents
