"""Where ScanUnits come from: files and directories, the staged index, or the history of a repository.

Every source skips what it can't scan as text (binary files, files over `max_file_bytes`, unreadable files)
and counts each one in `skipped` ("binary", "large", "unreadable"), so a summary can say what was left out.
Paths in the units are relative to the current directory and use `/`, as gitleaks prints them.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from secretscan.errors import ConfigError
from secretscan.scanner import git
from secretscan.scanner.gitdiff import FileDiff, iter_file_diffs
from secretscan.scanner.types import ScanUnit

# git's own test for a binary file: a NUL byte near the start.
BINARY_SNIFF_BYTES = 8192
# Context lines around each change in `git log -p`: the judge sees the lines next to an added secret.
HISTORY_CONTEXT_LINES = 3


# ---------------------------------------------------------------- exclude globs


def _glob_body(pattern: str) -> str:
    """Regex for one glob: `**` spans directories, `*` and `?` stay within one, `[...]` is a character class."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            # Ranges (`a-z`) stay ranges; only what would end or nest the class is escaped.
            chars = (body[1:] if negate else body).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
            if chars.startswith("^"):
                chars = "\\" + chars
            out.append("[" + ("^" if negate else "") + chars + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def compile_excludes(globs: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for the exclude globs, matched against a unit's `/`-separated path.

    Like .gitignore: a glob without `/` (`*.min.js`, `node_modules`) matches any file or directory name;
    one with `/` (`docs/*.md`, `**/fixtures/**`) matches from the start of the path. A matched directory
    excludes everything under it.
    """
    parts = []
    for glob in globs:
        glob = glob.strip()
        if glob.startswith("./"):
            glob = glob[2:]
        glob = glob.rstrip("/")
        if not glob:
            continue
        anchored = "/" in glob
        body = _glob_body(glob.lstrip("/"))
        parts.append(("" if anchored else "(?:.*/)?") + f"(?:{body})(?:/.*)?")
    return re.compile("|".join(parts), re.DOTALL) if parts else None


def _excluded(path: str, excludes: re.Pattern[str] | None) -> bool:
    return excludes is not None and excludes.fullmatch(path) is not None


# ---------------------------------------------------------------- reading text


def _display_path(path: str) -> str:
    """Relative to the current directory (`../x` included), `/`-separated, printable (no undecodable bytes).

    An absolute path outside the current directory stays absolute, as the user wrote it.
    """
    relative = os.path.relpath(path)
    if not os.path.isabs(path) or not (relative == os.pardir or relative.startswith(os.pardir + os.sep)):
        path = relative
    return _printable(os.path.normpath(path).replace(os.sep, "/"))


def _printable(path: str) -> str:
    """Undecodable bytes in a file name (kept by os.fsdecode) become U+FFFD, so the path can be printed."""
    return path if path.isascii() else path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _repo_path(root: Path, path: str) -> str:
    """A path git gave relative to the work tree root, made relative to the current directory (inside it)."""
    return _printable(os.path.relpath(os.path.join(root, path)).replace(os.sep, "/"))


def decode_text(data: bytes) -> str:
    """Text of a file: UTF-8 (a BOM dropped), anything undecodable replaced so it is still scanned."""
    return data.decode("utf-8-sig", errors="replace")


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def _read_file(path: str, max_file_bytes: int, skipped: Counter[str], seen: set[tuple[int, int]]) -> str | None:
    """The text of a regular file, or None (counted in `skipped`) when it is binary, too large or unreadable."""
    try:
        info = os.stat(path)
        if (info.st_dev, info.st_ino) in seen:
            return None
        seen.add((info.st_dev, info.st_ino))
        # Never open a FIFO or a device: reading one could block forever.
        if not stat.S_ISREG(info.st_mode):
            skipped["unreadable"] += 1
            return None
        if info.st_size > max_file_bytes:
            skipped["large"] += 1
            return None
        with open(path, "rb") as handle:
            # Sniff first: most binaries (.pyc, images) are rejected without reading the rest.
            data = handle.read(BINARY_SNIFF_BYTES)
            if is_binary(data):
                skipped["binary"] += 1
                return None
            data += handle.read(max_file_bytes + 1 - len(data))
    except OSError:
        skipped["unreadable"] += 1
        return None
    if len(data) > max_file_bytes:  # it grew since stat()
        skipped["large"] += 1
        return None
    return decode_text(data)


# ---------------------------------------------------------------- files and directories


def _join(display: str, relative: str) -> str:
    return relative if display == "." else f"{display}/{relative}"


def _walk(directory: str, display: str, excludes: re.Pattern[str] | None) -> Iterator[tuple[str, str]]:
    """(path, display path) of each file under a directory outside any git work tree.

    `.git` folders and symlinks are not followed; excluded directories are not entered.
    """
    for folder, dirnames, filenames in os.walk(directory):
        relative = os.path.relpath(folder, directory)
        prefix = display if relative == "." else _join(display, relative.replace(os.sep, "/"))
        dirnames[:] = sorted(d for d in dirnames if d != ".git" and not _excluded(_join(prefix, d), excludes))
        for name in sorted(filenames):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                yield path, _join(prefix, name)


def _git_files(directory: str, display: str) -> Iterator[tuple[str, str]]:
    """(path, display path) of each file under a directory inside a work tree: tracked and untracked files,
    minus what .gitignore ignores. A directory the user names explicitly but git ignores is walked instead.
    """
    listed = git.listed_files(directory)
    if not listed and git.is_ignored(directory):
        yield from _walk(directory, display, None)
        return
    for relative in listed:
        # Nested repositories show up as "name/": they are not files of this one.
        if relative.endswith("/"):
            continue
        path = os.path.join(directory, relative)
        if not os.path.islink(path):
            yield path, _join(display, relative)


def _expand(paths: Sequence[str | os.PathLike[str]], excludes: re.Pattern[str] | None) -> Iterator[tuple[str, str]]:
    """(path to open, path to show) for every file to scan, exclusions applied."""
    for given in paths:
        given = os.fspath(given)
        display = _display_path(given)
        if os.path.isdir(given):
            inside_git = git.is_inside_work_tree(given)
            files = _git_files(given, display) if inside_git else _walk(given, display, excludes)
            # Above the current directory, a file may still be under it (`..` from a subfolder): recompute.
            upwards = display == os.pardir or display.startswith(os.pardir + "/")
            for path, shown in files:
                shown = _display_path(path) if upwards else _printable(shown)
                if not _excluded(shown, excludes):
                    yield path, shown
        elif not _excluded(display, excludes):
            yield given, display


def file_units(
    paths: Sequence[str | os.PathLike[str]],
    *,
    exclude: Sequence[str] = (),
    max_file_bytes: int,
    skipped: Counter[str],
) -> Iterator[ScanUnit]:
    """One unit per text file named in `paths` or found under the directories in `paths`.

    Inside a git work tree, directories are listed by git (so .gitignore is respected); outside one they are
    walked, skipping `.git`. A missing path raises ConfigError before anything is scanned.
    """
    for given in paths:
        if not os.path.lexists(given):
            raise ConfigError(f"{os.fspath(given)}: no such file or directory")
    excludes = compile_excludes(exclude)
    seen: set[tuple[int, int]] = set()
    for path, shown in _expand(paths, excludes):
        text = _read_file(path, max_file_bytes, skipped, seen)
        if text is not None:
            yield ScanUnit(path=shown, text=text)


# ---------------------------------------------------------------- the staged index


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(prefix in ("", ".") or path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def staged_units(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    *,
    exclude: Sequence[str] = (),
    max_file_bytes: int,
    skipped: Counter[str],
) -> Iterator[ScanUnit]:
    """One unit per staged file (limited to `paths`, files or directories, when given), read from the index.

    The text is the index blob, what the commit will contain, not the working tree; only the lines the
    staged change adds are judged (`judged_lines`), with the unchanged lines around them as context.
    """
    root = git.repo_root()
    blobs = git.staged_blobs()
    if paths is not None:
        wanted = [Path(os.path.relpath(os.path.abspath(p), root)).as_posix() for p in paths]
        blobs = [b for b in blobs if _under(b.path, wanted)]
    excludes = compile_excludes(exclude)
    blobs = [b for b in blobs if not _excluded(_repo_path(root, b.path), excludes)]
    if not blobs:
        return
    added: dict[str, frozenset[int]] = {}
    binary_in_diff: set[str] = set()
    diff = git.run_git("diff", "--staged", "-U0", *git.DIFF_OPTIONS, git.STAGED_FILTER)
    # Decoded like the `-z` paths of staged_blobs (os.fsdecode), so names that aren't UTF-8 still match.
    for file in iter_file_diffs(os.fsdecode(diff).split("\n")):
        if file.binary:
            binary_in_diff.add(file.path)
        added[file.path] = frozenset(line.number for line in file.added)

    sizes = git.blob_sizes([b.blob for b in blobs])
    small = [b for b in blobs if sizes.get(b.blob, 0) <= max_file_bytes]
    skipped["large"] += len(blobs) - len(small)
    contents = git.read_blobs(list(dict.fromkeys(b.blob for b in small)))
    for blob in small:
        data = contents.get(blob.blob)
        if data is None:
            skipped["unreadable"] += 1
            continue
        if is_binary(data):
            skipped["binary"] += 1
            continue
        # Text that git won't diff (a `binary` or `-diff` attribute) has no added lines to go by: judge it all.
        judged = None if blob.path in binary_in_diff else added.get(blob.path, frozenset())
        if judged is not None and not judged:
            continue  # a pure rename or mode change adds nothing
        yield ScanUnit(path=_repo_path(root, blob.path), text=decode_text(data), judged_lines=judged)


# ---------------------------------------------------------------- history


def _history_unit(file: FileDiff, root: Path, max_file_bytes: int, skipped: Counter[str]) -> ScanUnit | None:
    if file.binary:
        skipped["binary"] += 1
        return None
    added = frozenset(line.number for line in file.added)
    if not added:
        return None
    if sum(len(line.text) + 1 for line in file.lines) > max_file_bytes:
        skipped["large"] += 1
        return None
    return ScanUnit(
        path=_repo_path(root, file.path),
        text="\n".join(line.text for line in file.lines),
        line_numbers=tuple(line.number for line in file.lines),
        judged_lines=added,
        commit=file.commit,
    )


def history_units(
    rev_range: str | None,
    *,
    exclude: Sequence[str] = (),
    max_file_bytes: int,
    skipped: Counter[str],
) -> Iterator[ScanUnit]:
    """One unit per (commit, file) in `git log -p` of `rev_range` (None: every ref, like gitleaks).

    A unit holds the file's hunks from that commit, with the real line numbers; the added lines are judged.
    Merge commits add no lines of their own (git shows no patch for them) and are not scanned twice.
    """
    if rev_range is not None and (not rev_range.strip() or rev_range.startswith("-")):
        raise ConfigError(f"invalid revision range {rev_range!r}")
    root = git.repo_root()
    args = ["log", "-p", f"-U{HISTORY_CONTEXT_LINES}", "--format=commit %H", "--no-show-signature", *git.DIFF_OPTIONS]
    args += ["--end-of-options", rev_range] if rev_range is not None else ["--all"]
    excludes = compile_excludes(exclude)
    for file in iter_file_diffs(git.stream_git_lines(*args, "--"), skipped):
        unit = _history_unit(file, root, max_file_bytes, skipped)
        if unit is not None and not _excluded(unit.path, excludes):
            yield unit
