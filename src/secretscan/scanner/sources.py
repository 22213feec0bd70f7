"""Where ScanUnits come from: files and directories, the staged index, or the history of a repository.

Text is read in whatever common encoding it is in (UTF-8, UTF-16 or UTF-32 with a BOM, UTF-16 without one,
Latin-1), judged by content, not by name: a file that starts with a stray NUL but is mostly text is text. Only
binary content is skipped, counted in `skipped["binary"]`; FIFOs and devices are never opened (reading one could
block forever) and are counted in `skipped["unreadable"]`. No file is skipped for its size: content over
`max_file_bytes` is read in windows of about that many characters, each led by the end of the one before, so a
secret anywhere is found at its real line. A file that can't be read is an error, never a silent pass.
Paths in the units are relative to the current directory and use `/`, as gitleaks prints them.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from secretscan.errors import ConfigError, SecretscanError
from secretscan.scanner import git
from secretscan.scanner.gitdiff import FileDiff, iter_file_diffs
from secretscan.scanner.rules.private_keys import MAX_BLOCK_CHARS
from secretscan.scanner.types import ScanUnit

# The start of a file that decides its encoding and whether it is text at all (git sniffs as much).
SNIFF_BYTES = 8192
# Above this share of control characters (tab, newlines, form feed and escape aside) or undecodable bytes, the start
# of a file is binary. Compressed data and executables are far above it; text with a stray NUL far below.
MAX_NON_TEXT_SHARE = 0.1
_NON_TEXT = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")
_NON_TEXT_ASCII = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What a window carries over from the one before, as context: more than the longest multi-line secret.
OVERLAP_CHARS = MAX_BLOCK_CHARS + 4096
# Read at a time from content too large for one window.
READ_BYTES = 1 << 20
# Where a line longer than a window (minified code) may be cut: punctuation a token never holds.
_CUT_CHARS = ",;\"'`(){}[]<>"
# A window never ends inside a private key block: the next one starts at its BEGIN line.
_PEM_BEGIN, _PEM_END = "-----BEGIN", "-----END"
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


class UnreadableFileError(SecretscanError):
    """A file to scan can't be read (permissions, I/O error, a symlink loop): the scan stops rather than pass it."""


def text_encoding(head: bytes) -> str | None:
    """The encoding of content that starts with `head`, or None if it is binary.

    A BOM decides first, then NULs in every other byte (UTF-16 without a BOM), then UTF-8 if the bytes are valid
    UTF-8, else Latin-1. Whichever it is, the decoded start must be mostly text.
    """
    for encoding in _encodings(head):
        sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
        if _non_text(sample) <= len(sample) * MAX_NON_TEXT_SHARE:
            return encoding
    return None


def _non_text(sample: str) -> int:
    """How many characters of `sample` are control characters or undecodable (ASCII, most code, counted fast)."""
    if sample.isascii():
        data = sample.encode("ascii")
        return len(data) - len(data.translate(None, _NON_TEXT_ASCII))
    return len(_NON_TEXT.findall(sample))


def _encodings(head: bytes) -> Iterator[str]:
    """The encodings `head` may be in, likeliest first."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            yield encoding
    if b"\0" in head:
        yield from _utf16_without_bom(head)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a character cut at the end of `head` is fine
    except UnicodeDecodeError:
        yield "latin-1"
    else:
        yield "utf-8-sig"


def _utf16_without_bom(head: bytes) -> Iterator[str]:
    """ASCII in UTF-16 has a NUL in every other byte: the odd ones little-endian, the even ones big-endian."""
    pairs = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if pairs and odd >= pairs / 2 and even <= odd / 10:
        yield "utf-16-le"
    elif pairs and even >= pairs / 2 and odd <= even / 10:
        yield "utf-16-be"


def _stream_units(
    path: str, stream: IO[bytes], limit: int, judged: frozenset[int] | None, skipped: Counter[str]
) -> Iterator[ScanUnit]:
    """The units of one file's content: one unit if it fits in `limit` bytes, else overlapping windows."""
    head = stream.read(SNIFF_BYTES)
    encoding = text_encoding(head)
    if encoding is None:
        skipped["binary"] += 1
        return
    data = head + stream.read(max(0, limit + 1 - len(head)))
    if len(data) <= limit:
        yield ScanUnit(path=path, text=data.decode(encoding, "replace"), judged_lines=judged)
        return
    yield from _window_units(path, _decoded(data, stream, encoding), limit, judged)


def _decoded(data: bytes, stream: IO[bytes], encoding: str) -> Iterator[str]:
    """`data`, then the rest of `stream`, decoded a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    while data:
        yield decoder.decode(data)
        data = stream.read(READ_BYTES)
    yield decoder.decode(b"", final=True)


def _window_units(
    path: str,
    chunks: Iterable[str],
    limit: int,
    judged: frozenset[int] | None,
    numbers: Sequence[int] | None = None,
    commit: str | None = None,
) -> Iterator[ScanUnit]:
    """A unit per window of the text, judging the window's own lines (those in `judged`, if given).

    `numbers[i]` is the real line number of the text's i-th line (None: i + 1).
    """
    for text, first, lead in _windows(chunks, limit):
        count = text.count("\n") + (0 if text.endswith("\n") else 1)
        lines = range(first, first + count)
        line_numbers = tuple(i + 1 for i in lines) if numbers is None else tuple(numbers[i] for i in lines)
        own = frozenset(line_numbers[lead:])
        wanted = own if judged is None else own & judged
        if wanted:
            yield ScanUnit(path=path, text=text, line_numbers=line_numbers, judged_lines=wanted, commit=commit)


def _windows(chunks: Iterable[str], limit: int) -> Iterator[tuple[str, int, int]]:
    """(text, index of its first line, lines of lead) for windows of about `limit` characters over the text.

    Each window is led by the last whole lines of the one before (up to OVERLAP_CHARS, or half a window), as
    context only, so each line is judged once and a secret that straddles two windows is whole in the second.
    """
    budget = min(OVERLAP_CHARS, limit // 2)
    buffer, first, lead, lead_lines = "", 0, 0, 0
    for chunk in chunks:
        buffer += chunk
        while len(buffer) - lead > limit:
            cut = _window_end(buffer, lead, limit)
            yield buffer[:cut], first, lead_lines
            start, end = _lead(buffer, cut, budget)
            first += buffer.count("\n", 0, start)
            lead, lead_lines = end - start, buffer.count("\n", start, end)
            buffer = buffer[start:end] + buffer[cut:]
    if len(buffer) > lead:
        yield buffer, first, lead_lines


def _window_end(text: str, start: int, limit: int) -> int:
    """Where a window whose own text begins at `start` ends: after its last whole line, but before a private key
    block that would go on past it; inside a line longer than a window (minified code), after the last
    punctuation a token never holds."""
    end = start + limit
    newline = text.rfind("\n", start, end)
    if newline == -1:
        cut = max(text.rfind(char, start + limit // 2, end) for char in _CUT_CHARS)
        return cut + 1 if cut != -1 else end
    begin = text.rfind(_PEM_BEGIN, max(start, newline - MAX_BLOCK_CHARS), newline)
    if begin != -1 and text.find(_PEM_END, begin, newline) == -1:
        line = text.rfind("\n", start, begin) + 1
        if line > start:
            return line
    return newline + 1


def _lead(text: str, cut: int, budget: int) -> tuple[int, int]:
    """(start, end) of the whole lines before `cut` (up to `budget` characters) that lead the next window."""
    end = text.rfind("\n", 0, cut) + 1  # where the line that `cut` is in begins (`cut` itself after a line end)
    newline = text.find("\n", max(0, end - budget - 1), max(0, end - 1))
    return (newline + 1 if newline != -1 else end), end


def _file_units(
    path: str, shown: str, max_file_bytes: int, skipped: Counter[str], seen: set[tuple[int, int]]
) -> Iterator[ScanUnit]:
    """The units of one file, read once however often it is named; a FIFO or device is counted, never opened."""
    try:
        info = os.stat(path)
        if (info.st_dev, info.st_ino) in seen:
            return
        seen.add((info.st_dev, info.st_ino))
        if not stat.S_ISREG(info.st_mode):
            skipped["unreadable"] += 1
            return
        with open(path, "rb") as handle:
            yield from _stream_units(shown, handle, max_file_bytes, None, skipped)
    except OSError as exc:
        reason = (exc.strerror or "I/O error").lower()
        raise UnreadableFileError(f"can't read {shown}: {reason}") from None


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
        if not _link_or_gone(path):
            yield path, _join(display, relative)


def _link_or_gone(path: str) -> bool:
    """A symlink (not followed), or a tracked file deleted from the work tree (nothing there to scan)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True


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
    """The units of every text file named in `paths` or found under the directories in `paths`.

    Inside a git work tree, directories are listed by git (so .gitignore is respected); outside one they are
    walked, skipping `.git`. A missing path raises ConfigError before anything is scanned, a file that can't be
    read UnreadableFileError when it is reached.
    """
    for given in paths:
        if not os.path.lexists(given):
            raise ConfigError(f"{os.fspath(given)}: no such file or directory")
    excludes = compile_excludes(exclude)
    seen: set[tuple[int, int]] = set()
    for path, shown in _expand(paths, excludes):
        yield from _file_units(path, shown, max_file_bytes, skipped, seen)


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
    """The units of each staged file (limited to `paths`, files or directories, when given), read from the index.

    The text is the index blob, what the commit will contain, not the working tree; only the lines the
    staged change adds are judged (`judged_lines`), with the unchanged lines around them as context. Blobs of
    any size are scanned: those over `max_file_bytes` are streamed from git in windows.
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
    contents = git.read_blobs(list(dict.fromkeys(b.blob for b in blobs if sizes.get(b.blob, 0) <= max_file_bytes)))
    for blob in blobs:
        # Text that git won't diff (UTF-16, a stray NUL, a `binary` attribute) has no added lines to go by: judge it all.
        judged = None if blob.path in binary_in_diff else added.get(blob.path, frozenset())
        if judged is not None and not judged:
            continue  # a pure rename or mode change adds nothing
        with _blob_stream(blob.blob, contents) as stream:
            yield from _stream_units(_repo_path(root, blob.path), stream, max_file_bytes, judged, skipped)


@contextmanager
def _blob_stream(blob: str, contents: dict[str, bytes]) -> Iterator[IO[bytes]]:
    """A staged blob's content: from the batch read when it was small enough, else streamed from git."""
    if blob in contents:
        yield io.BytesIO(contents[blob])
    else:
        with git.open_blob(blob) as stream:
            yield stream


# ---------------------------------------------------------------- history


def _history_units(file: FileDiff, path: str, max_file_bytes: int, skipped: Counter[str]) -> Iterator[ScanUnit]:
    """The units of one file's hunks in one commit: one, or windows when the hunks are over `max_file_bytes`."""
    if file.binary:
        skipped["binary"] += 1
        return
    added = frozenset(line.number for line in file.added)
    if not added:
        return
    if sum(len(line.text) + 1 for line in file.lines) > max_file_bytes:
        text = "".join(line.text + "\n" for line in file.lines)
        numbers = [line.number for line in file.lines]
        yield from _window_units(path, [text], max_file_bytes, added, numbers, file.commit)
        return
    yield ScanUnit(
        path=path,
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

    A unit holds the file's hunks from that commit (a window of them, past `max_file_bytes`), with the real line
    numbers; the added lines are judged.
    Merge commits add no lines of their own (git shows no patch for them) and are not scanned twice.
    A bare repository's history is scanned too. A shallow clone counts in `skipped["shallow"]`: the history it
    lacks is said to be unscanned.
    """
    if rev_range is not None and (not rev_range.strip() or rev_range.startswith("-")):
        raise ConfigError(f"invalid revision range {rev_range!r}")
    root = git.history_root()
    if git.is_shallow():
        skipped["shallow"] += 1
    args = ["log", "-p", f"-U{HISTORY_CONTEXT_LINES}", "--format=commit %H", "--no-show-signature", *git.DIFF_OPTIONS]
    args += ["--end-of-options", rev_range] if rev_range is not None else ["--all"]
    excludes = compile_excludes(exclude)
    for file in iter_file_diffs(git.stream_git_lines(*args, "--"), skipped):
        path = _repo_path(root, file.path)
        if not _excluded(path, excludes):
            yield from _history_units(file, path, max_file_bytes, skipped)
