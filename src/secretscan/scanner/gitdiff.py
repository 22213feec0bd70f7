"""Unified-diff parsing for `git diff --staged` and `git log -p`: a pure function over text.

For each file it keeps what a scan needs: the new path, and the new-side lines of every hunk (added lines and
the unchanged context around them) with their real line numbers. Whatever can't be parsed is skipped and
counted, never raised: a scanner must not crash on an odd diff.

Hunks are read by the line counts in their `@@` headers, not by guessing from the first character, so content
lines that look like headers (`--- a`, `diff --git`, `commit …`) can't derail the parser.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# `git log --format="commit %H"` (what sources.history_units asks for): sha1 or sha256 object names.
_COMMIT = re.compile(r"^commit ([0-9a-f]{40}|[0-9a-f]{64})$")
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass(frozen=True)
class DiffLine:
    """A new-side line of a hunk: its real 1-based line number, its text, and whether the change added it."""

    number: int
    text: str
    added: bool


@dataclass(frozen=True)
class FileDiff:
    """The changes to one file (in one commit, for `git log -p`)."""

    path: str
    # The path before a rename or copy; None otherwise.
    old_path: str | None = None
    # "added", "deleted", "modified", "renamed", "copied" or "mode" (only the file mode changed).
    status: str = "modified"
    binary: bool = False
    lines: tuple[DiffLine, ...] = ()
    commit: str | None = None

    @property
    def added(self) -> tuple[DiffLine, ...]:
        return tuple(line for line in self.lines if line.added)


@dataclass(frozen=True)
class ParsedDiff:
    files: tuple[FileDiff, ...]
    # Sections that could not be parsed (truncated hunks, combined diffs, stray text) and were skipped.
    unparsed: int


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting (`"tab\\there.txt"`, octal bytes); unquoted text is returned as is."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text
    out = bytearray()
    body = text[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
            octal = body[i + 1 : i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
        out.extend(char.encode("utf-8", "surrogateescape"))
        i += 1
    # Like os.fsdecode: a name that isn't UTF-8 keeps its bytes, so it still matches git's `-z` output.
    return out.decode("utf-8", "surrogateescape")


def _strip_prefix(path: str) -> str:
    """`b/src/app.py` -> `src/app.py` (git's a/ b/ prefixes)."""
    return path[2:] if path[:2] in ("a/", "b/") else path


def _header_paths(rest: str) -> tuple[str, str] | None:
    """The two paths of `diff --git <a> <b>`; None when ambiguous (unquoted, different, with spaces)."""
    if rest.startswith('"'):
        end = _closing_quote(rest)
        if end is None:
            return None
        first, second = rest[: end + 1], rest[end + 2 :]
        return _strip_prefix(unquote_path(first)), _strip_prefix(unquote_path(second))
    if rest.endswith('"'):
        start = rest.rfind(' "')
        if start < 0:
            return None
        return _strip_prefix(rest[:start]), _strip_prefix(unquote_path(rest[start + 1 :]))
    # Unquoted: "a/P b/P" when the path is unchanged, which is the only case the header alone can settle.
    if len(rest) % 2 == 1:
        half = (len(rest) - 1) // 2
        first, second = rest[:half], rest[half + 1 :]
        if rest[half] == " " and _strip_prefix(first) == _strip_prefix(second):
            return _strip_prefix(first), _strip_prefix(second)
    return None


def _closing_quote(text: str) -> int | None:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return None


def _marker_path(rest: str) -> str | None:
    """The path of a `--- X` / `+++ X` line; None for /dev/null.

    git ends a name that contains a space with a tab (GNU diff puts a timestamp after it), so an unquoted
    name stops at the first tab; names with a tab of their own are always quoted.
    """
    rest = unquote_path(rest) if rest.startswith('"') else rest.split("\t", 1)[0]
    if rest == "/dev/null":
        return None
    return _strip_prefix(rest)


# Extended header lines between `diff --git` and the first hunk that carry nothing we need.
_IGNORED_HEADERS = ("index ", "similarity index ", "dissimilarity index ")


@dataclass
class _FileBuilder:
    """Mutable state of the file section being read; frozen into a FileDiff when the section ends."""

    commit: str | None
    path: str | None = None
    status: str = "modified"
    binary: bool = False
    old_path: str | None = None
    new_path: str | None = None
    mode_changed: bool = False
    has_hunks: bool = False

    def __post_init__(self) -> None:
        self.lines: list[DiffLine] = []

    def build(self) -> FileDiff | None:
        path = self.new_path or self.path
        if path is None:
            return None
        status = self.status
        if status == "modified" and self.mode_changed and not self.has_hunks and not self.binary:
            status = "mode"
        old_path = self.old_path if status in ("renamed", "copied") else None
        return FileDiff(path, old_path, status, self.binary, tuple(self.lines), self.commit)


class _Parser:
    """Reads a diff line by line; see iter_file_diffs."""

    def __init__(self) -> None:
        self.commit: str | None = None
        self.file: _FileBuilder | None = None
        self.unparsed = 0
        # Lines still expected in the current hunk (old side, new side) and the next new-side line number.
        self.old_left = 0
        self.new_left = 0
        self.new_number = 0
        # True inside a run of text we don't understand, so a run is counted once, not once per line.
        self.in_unknown = False
        # After "GIT binary patch" come base85 lines, up to the next file section.
        self.in_binary_patch = False

    def finish(self) -> FileDiff | None:
        built = self.file.build() if self.file is not None else None
        if self.file is not None and built is None:
            self.unparsed += 1
        self.file = None
        self.old_left = self.new_left = 0
        self.in_binary_patch = False
        return built

    def unknown(self) -> None:
        if not self.in_unknown:
            self.unparsed += 1
            self.in_unknown = True

    def hunk_line(self, line: str) -> bool:
        """Consume one line of the current hunk; False if it can't belong to it (a truncated hunk)."""
        assert self.file is not None
        tag = line[:1]
        # `line == ""`: some tools strip the single space of an empty context line.
        if (tag == " " or line == "") and self.old_left > 0 and self.new_left > 0:
            self.file.lines.append(DiffLine(self.new_number, line[1:], False))
            self.new_number += 1
            self.old_left -= 1
            self.new_left -= 1
            return True
        if tag == "+" and self.new_left > 0:
            self.file.lines.append(DiffLine(self.new_number, line[1:], True))
            self.new_number += 1
            self.new_left -= 1
            return True
        if tag == "-" and self.old_left > 0:
            self.old_left -= 1
            return True
        return tag == "\\"  # "\ No newline at end of file"

    def feed(self, line: str) -> FileDiff | None:
        """Read one line; returns the previous file when this line starts a new section."""
        if self.file is not None and (self.old_left > 0 or self.new_left > 0):
            if self.hunk_line(line):
                return None
            self.unparsed += 1
            self.old_left = self.new_left = 0
        commit = _COMMIT.match(line)
        if commit or line.startswith(("diff --git ", "diff --cc ", "diff --combined ")):
            finished = self.finish()
            self.in_unknown = False
            if commit:
                self.commit = commit.group(1)
            elif line.startswith("diff --git "):
                self.file = _FileBuilder(self.commit)
                paths = _header_paths(line[len("diff --git ") :])
                if paths is not None:
                    self.file.path = paths[1]
            else:
                # A combined diff of a merge: not one file's change. Skipped, and counted once.
                self.unknown()
            return finished
        if line == "" or line.startswith("\\"):
            return None
        if self.file is None or self.in_binary_patch:
            if self.file is None:
                self.unknown()
            return None
        self.header_line(self.file, line)
        return None

    def header_line(self, file: _FileBuilder, line: str) -> None:
        hunk = _HUNK.match(line)
        if hunk:
            self.old_left = int(hunk.group(2)) if hunk.group(2) is not None else 1
            self.new_left = int(hunk.group(4)) if hunk.group(4) is not None else 1
            self.new_number = int(hunk.group(3))
            file.has_hunks = True
        elif line.startswith("--- "):
            if _marker_path(line[4:]) is None:
                file.status = "added"
        elif line.startswith("+++ "):
            new = _marker_path(line[4:])
            if new is None:
                file.status = "deleted"
            else:
                file.path = new
        elif line.startswith("new file mode "):
            file.status = "added"
        elif line.startswith("deleted file mode "):
            file.status = "deleted"
        elif line.startswith(("old mode ", "new mode ")):
            file.mode_changed = True
        elif line.startswith(("rename from ", "copy from ")):
            file.status = "renamed" if line.startswith("rename") else "copied"
            file.old_path = unquote_path(line.split(" ", 2)[2])
        elif line.startswith(("rename to ", "copy to ")):
            file.new_path = unquote_path(line.split(" ", 2)[2])
        elif line.startswith("Binary files "):
            file.binary = True
        elif line == "GIT binary patch":
            file.binary = True
            self.in_binary_patch = True
        elif not line.startswith(_IGNORED_HEADERS):
            self.unknown()
            return
        self.in_unknown = False


def iter_file_diffs(lines: Iterable[str], skipped: Counter[str] | None = None) -> Iterator[FileDiff]:
    """Yield one FileDiff per file section of a unified diff given line by line (line ends optional).

    Streams, so `git log -p` of a long history is never held in memory. Every run of text that can't be
    parsed (garbage, a truncated hunk, a merge's combined diff) adds 1 to `skipped["unparsed"]`.
    """
    parser = _Parser()
    for raw in lines:
        line = raw[:-1] if raw.endswith("\n") else raw
        # CRLF diffs, and CRLF files in LF diffs: the line's text never keeps the carriage return.
        line = line[:-1] if line.endswith("\r") else line
        finished = parser.feed(line)
        if finished is not None:
            yield finished
    finished = parser.finish()
    if finished is not None:
        yield finished
    if skipped is not None and parser.unparsed:
        skipped["unparsed"] += parser.unparsed


def parse_diff(text: str) -> ParsedDiff:
    """Parse a whole unified diff (or `git log -p --format='commit %H'` output)."""
    skipped: Counter[str] = Counter()
    files = tuple(iter_file_diffs(text.split("\n"), skipped))
    return ParsedDiff(files, skipped["unparsed"])
