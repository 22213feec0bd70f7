"""The unified-diff parser, on hand-written diffs of every odd shape and on real git output."""

from __future__ import annotations

import random
from pathlib import Path

from repo_helpers import git

from secretscan.scanner.gitdiff import DiffLine, FileDiff, parse_diff, unquote_path

SHA = "0123456789abcdef0123456789abcdef01234567"


def only(diff: str) -> FileDiff:
    parsed = parse_diff(diff)
    assert parsed.unparsed == 0, parsed
    assert len(parsed.files) == 1, parsed.files
    return parsed.files[0]


MODIFIED = """\
diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -1,4 +1,5 @@
 import os
-KEY = None
+KEY = "new"
+OTHER = 1
 
 def main():
@@ -10,2 +11,3 @@ def main():
     run()
+    stop()
     return 0
"""


def test_modified_file_keeps_new_side_lines_with_real_numbers() -> None:
    file = only(MODIFIED)
    assert file.path == "app.py" and file.status == "modified" and file.old_path is None
    assert file.lines == (
        DiffLine(1, "import os", False),
        DiffLine(2, 'KEY = "new"', True),
        DiffLine(3, "OTHER = 1", True),
        DiffLine(4, "", False),
        DiffLine(5, "def main():", False),
        DiffLine(11, "    run()", False),
        DiffLine(12, "    stop()", True),
        DiffLine(13, "    return 0", False),
    )
    assert [line.number for line in file.added] == [2, 3, 12]


def test_context_line_with_its_space_stripped_still_counts() -> None:
    file = only(MODIFIED.replace("\n \n", "\n\n"))
    assert DiffLine(4, "", False) in file.lines
    assert file.lines[-1] == DiffLine(13, "    return 0", False)


def test_crlf_diff_parses_like_lf_and_lines_lose_the_carriage_return() -> None:
    assert only(MODIFIED.replace("\n", "\r\n")) == only(MODIFIED)
    crlf_file = "diff --git a/w.bat b/w.bat\n--- a/w.bat\n+++ b/w.bat\n@@ -1 +1,2 @@\n echo\r\n+set PASS=x\r\n"
    assert only(crlf_file).lines == (DiffLine(1, "echo", False), DiffLine(2, "set PASS=x", True))


def test_new_and_deleted_files() -> None:
    new = "diff --git a/n.txt b/n.txt\nnew file mode 100644\nindex 0000000..e69de29\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n"
    file = only(new)
    assert (file.path, file.status, [line.number for line in file.added]) == ("n.txt", "added", [1, 2])
    deleted = "diff --git a/d.txt b/d.txt\ndeleted file mode 100644\nindex e69de29..0000000\n--- a/d.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    file = only(deleted)
    assert (file.path, file.status, file.lines) == ("d.txt", "deleted", ())
    empty_new = "diff --git a/e.txt b/e.txt\nnew file mode 100644\nindex 0000000..e69de29\n"
    assert (only(empty_new).path, only(empty_new).status) == ("e.txt", "added")


def test_binary_files_are_flagged_with_no_lines() -> None:
    diff = "diff --git a/img.png b/img.png\nindex 1..2 100644\nBinary files a/img.png and b/img.png differ\n"
    file = only(diff)
    assert file.binary and file.lines == () and file.path == "img.png"
    patch = "diff --git a/x.bin b/x.bin\nnew file mode 100644\nindex 0..1\nGIT binary patch\nliteral 5\nMcmZ?wbMj*N00\n\nliteral 0\nHcmV?d00001\n\n"
    file = only(patch)
    assert file.binary and file.status == "added"


def test_renames_copies_and_mode_changes() -> None:
    pure = "diff --git a/old.py b/new.py\nsimilarity index 100%\nrename from old.py\nrename to new.py\n"
    file = only(pure)
    assert (file.path, file.old_path, file.status, file.lines) == ("new.py", "old.py", "renamed", ())
    edited = (
        "diff --git a/a b/dir/b\nsimilarity index 80%\nrename from a\nrename to dir/b\nindex 1..2 100644\n"
        "--- a/a\n+++ b/dir/b\n@@ -3 +3 @@\n-x\n+y\n"
    )
    file = only(edited)
    assert (file.path, file.old_path, file.added) == ("dir/b", "a", (DiffLine(3, "y", True),))
    copy = "diff --git a/s.cfg b/t.cfg\nsimilarity index 100%\ncopy from s.cfg\ncopy to t.cfg\n"
    assert (only(copy).status, only(copy).old_path, only(copy).path) == ("copied", "s.cfg", "t.cfg")
    mode = "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
    assert (only(mode).status, only(mode).path) == ("mode", "run.sh")
    mode_and_edit = mode + "index 1..2\n--- a/run.sh\n+++ b/run.sh\n@@ -1 +1 @@\n-a\n+b\n"
    assert only(mode_and_edit).status == "modified"


def test_no_newline_at_end_of_file_markers() -> None:
    diff = (
        "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        "\\ No newline at end of file\n"
        "diff --git a/g b/g\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n"
    )
    parsed = parse_diff(diff)
    assert parsed.unparsed == 0
    assert [(f.path, f.lines) for f in parsed.files] == [
        ("f", (DiffLine(1, "a", False), DiffLine(2, "b", True))),
        ("g", (DiffLine(1, "y", True),)),
    ]


def test_quoted_and_unusual_paths() -> None:
    assert unquote_path('"tab\\there.txt"') == "tab\there.txt"
    assert unquote_path('"\\303\\274ni \\"q\\".txt"') == 'üni "q".txt'
    assert unquote_path("plain name.txt") == "plain name.txt"
    # Names with spaces end with a tab on the ---/+++ lines (GNU diff adds a timestamp after it).
    spaced = "diff --git a/my file.txt b/my file.txt\n--- a/my file.txt\t\n+++ b/my file.txt\t2024-01-01 10:00\n@@ -0,0 +1 @@\n+v\n"
    assert only(spaced).path == "my file.txt"
    quoted = 'diff --git "a/\\303\\274 x.txt" "b/\\303\\274 x.txt"\n--- /dev/null\n+++ "b/\\303\\274 x.txt"\n@@ -0,0 +1 @@\n+v\n'
    assert only(quoted).path == "ü x.txt"
    # No ---/+++ lines (binary): the path comes from the `diff --git` header alone.
    header_only = "diff --git a/my file.bin b/my file.bin\nBinary files a/my file.bin and b/my file.bin differ\n"
    assert only(header_only).path == "my file.bin"
    mixed = 'diff --git a/plain "b/tab\\tname"\nrename from plain\nrename to "tab\\tname"\n'
    assert only(mixed).path == "tab\tname"


def test_lines_that_look_like_headers_inside_a_hunk_are_content() -> None:
    diff = (
        "diff --git a/evil.txt b/evil.txt\n--- a/evil.txt\n+++ b/evil.txt\n@@ -1,3 +1,5 @@\n"
        "---- a/x\n"
        "+++ b/fake\n"
        "+diff --git a/x b/x\n"
        f"+commit {SHA}\n"
        "+@@ -1 +1 @@\n"
        " tail\n"
        "-gone\n"
    )
    file = only(diff)
    assert file.path == "evil.txt"
    assert [line.text for line in file.added] == ["++ b/fake", "diff --git a/x b/x", f"commit {SHA}", "@@ -1 +1 @@"]
    assert file.lines[-1] == DiffLine(5, "tail", False)


def test_log_output_attaches_each_commit() -> None:
    other = "f" * 40
    log = f"commit {SHA}\n\n{MODIFIED}commit {other}\n\ndiff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -0,0 +1 @@\n+z\n"
    parsed = parse_diff(log)
    assert parsed.unparsed == 0
    assert [(f.path, f.commit) for f in parsed.files] == [("app.py", SHA), ("b", other)]


def test_empty_and_garbage_input_never_raise() -> None:
    assert parse_diff("") == parse_diff("\n\n") == parse_diff("") and parse_diff("").files == ()
    garbage = parse_diff("hello\nthis is not a diff\n@@ nope @@\n\x00\x01\n")
    assert garbage.files == () and garbage.unparsed >= 1
    combined = "diff --cc merged.txt\nindex 1,2..3\n--- a/merged.txt\n+++ b/merged.txt\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n -b\n++c\n"
    parsed = parse_diff(combined + MODIFIED)
    assert [f.path for f in parsed.files] == ["app.py"] and parsed.unparsed == 1


def test_a_truncated_hunk_is_counted_and_the_next_file_still_parses() -> None:
    truncated = "diff --git a/t b/t\n--- a/t\n+++ b/t\n@@ -1,5 +1,5 @@\n a\n+b\n"
    parsed = parse_diff(truncated + MODIFIED)
    assert [f.path for f in parsed.files] == ["t", "app.py"]
    assert parsed.files[0].lines == (DiffLine(1, "a", False), DiffLine(2, "b", True))
    assert parsed.files[1] == only(MODIFIED)
    assert parsed.unparsed == 1


def test_mangled_diffs_never_raise() -> None:
    rng = random.Random(1234)
    source = (MODIFIED + "diff --git a/x b/y\nrename from x\nrename to y\n" + 'diff --git "a/q" "b/q"\n').split("\n")
    for _ in range(500):
        lines = list(source)
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(lines))
            action = rng.choice(["drop", "dup", "cut", "junk"])
            if action == "drop":
                del lines[i]
            elif action == "dup":
                lines.insert(i, lines[i])
            elif action == "cut":
                lines[i] = lines[i][: rng.randint(0, len(lines[i]))]
            else:
                lines[i] = "".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(0, 12)))
        parsed = parse_diff("\n".join(lines))
        for file in parsed.files:
            assert all(line.number >= 0 for line in file.lines)


def test_matches_real_git_output(git_repo: Path) -> None:
    """Every new-side line the parser reports is the real line of the file at that number."""
    before = [f"line {i}" for i in range(1, 60)]
    (git_repo / "data.txt").write_text("\n".join(before) + "\n")
    (git_repo / "gone.txt").write_text("bye\n")
    (git_repo / "old name.txt").write_text("same\ncontent\nhere\n")
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "one", cwd=git_repo)
    after = list(before)
    after[4] = "changed 5"
    after.insert(20, "inserted")
    del after[40:43]
    after.append("last line without newline")
    (git_repo / "data.txt").write_text("\n".join(after))
    (git_repo / "gone.txt").unlink()
    git("mv", "old name.txt", "new näme.txt", cwd=git_repo)
    (git_repo / "crlf.txt").write_bytes(b"a\r\nb\r\n")
    (git_repo / "blob.bin").write_bytes(b"\x00\x01\x02")
    git("add", "-A", cwd=git_repo)
    diff = git("-c", "core.quotepath=off", "diff", "--staged", "-M", "--no-color", cwd=git_repo)
    parsed = parse_diff(diff)
    assert parsed.unparsed == 0
    by_path = {f.path: f for f in parsed.files}
    assert set(by_path) == {"data.txt", "gone.txt", "new näme.txt", "crlf.txt", "blob.bin"}
    assert by_path["gone.txt"].status == "deleted"
    assert (by_path["new näme.txt"].status, by_path["new näme.txt"].old_path) == ("renamed", "old name.txt")
    assert by_path["blob.bin"].binary
    assert by_path["crlf.txt"].lines == (DiffLine(1, "a", True), DiffLine(2, "b", True))
    data = by_path["data.txt"]
    for line in data.lines:
        assert after[line.number - 1] == line.text
    assert {line.text for line in data.added} == {"changed 5", "inserted", "last line without newline"}
